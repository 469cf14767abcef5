// A stability hook named right but declared wrong (hold_down without the time argument) is an
// error naming the expected signature, not a policy whose hold-down is silently never asked.
#include <redial/core/machine.hpp>

#include <chrono>

struct my_stability {
    redial::verdict judge(const redial::session_end&) { return redial::verdict::stable; }
    void reset() noexcept {}
#ifdef REDIAL_COMPILE_FAIL_FIXED
    std::chrono::nanoseconds hold_down(redial::time_point) const { return {}; }
#else
    std::chrono::nanoseconds hold_down() const { return {}; }
#endif
};

redial::basic_reconnect_machine<redial::exponential_backoff, my_stability> machine;
