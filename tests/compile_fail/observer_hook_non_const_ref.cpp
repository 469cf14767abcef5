// An observer hook that takes its event by non-const reference can never be called: without
// the check it would be skipped in silence. The error names the hook and its signature.
#include <redial/clock/virtual_clock.hpp>
#include <redial/reconnector.hpp>
#include <redial/transport/scripted.hpp>

struct my_observer {
#ifdef REDIAL_COMPILE_FAIL_FIXED
    void on_backoff(const redial::backoff_event&) {}
#else
    void on_backoff(redial::backoff_event&) {}
#endif
};

using reconnector = redial::basic_reconnector<redial::scripted_transport<redial::virtual_clock>,
                                              redial::virtual_clock, redial::exponential_backoff,
                                              redial::uptime_threshold, my_observer>;
static_assert(sizeof(reconnector) > 0);
