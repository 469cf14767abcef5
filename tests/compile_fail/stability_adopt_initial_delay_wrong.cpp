// A stability policy's adopt_initial_delay taking something else than a duration is refused by
// name (the threshold would otherwise never follow the backoff).
#include <redial/core/machine.hpp>

#include <chrono>

struct my_stability {
    redial::verdict judge(const redial::session_end&) { return redial::verdict::stable; }
    void reset() noexcept {}
#ifdef REDIAL_COMPILE_FAIL_FIXED
    void adopt_initial_delay(std::chrono::nanoseconds) {}
#else
    void adopt_initial_delay(const char*) {}
#endif
};

redial::basic_reconnect_machine<redial::exponential_backoff, my_stability> machine;
