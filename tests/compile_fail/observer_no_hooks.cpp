// An observer with no recognised hook at all (here a typo: on_attemp) is refused instead of
// observing nothing in silence.
#include <redial/clock/virtual_clock.hpp>
#include <redial/reconnector.hpp>
#include <redial/transport/scripted.hpp>

struct my_observer {
#ifdef REDIAL_COMPILE_FAIL_FIXED
    void on_attempt(const redial::attempt_event&) {}
#else
    void on_attemp(const redial::attempt_event&) {}
#endif
};

using reconnector = redial::basic_reconnector<redial::scripted_transport<redial::virtual_clock>,
                                              redial::virtual_clock, redial::exponential_backoff,
                                              redial::uptime_threshold, my_observer>;
static_assert(sizeof(reconnector) > 0);
