// A stability policy's max_hold_down() that is not const is refused by name (the machine's
// check of the give-up timeout against it would otherwise be skipped in silence).
#include <redial/core/machine.hpp>

#include <chrono>

struct my_stability {
    redial::verdict judge(const redial::session_end&) { return redial::verdict::stable; }
    void reset() noexcept {}
    std::chrono::nanoseconds hold_down(redial::time_point) const { return {}; }
#ifdef REDIAL_COMPILE_FAIL_FIXED
    std::chrono::nanoseconds max_hold_down() const { return {}; }
#else
    std::chrono::nanoseconds max_hold_down() { return {}; }
#endif
};

redial::basic_reconnect_machine<redial::exponential_backoff, my_stability> machine;
