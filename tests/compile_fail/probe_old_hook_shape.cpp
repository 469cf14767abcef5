// A simulation probe's hooks take a client number and the observers' event; one with another
// shape (here the old (client, time) form) is refused instead of never being called.
#include <redial/sim/world.hpp>

#include <cstdint>

struct my_probe {
#ifdef REDIAL_COMPILE_FAIL_FIXED
    void on_attempt(std::uint32_t, const redial::attempt_event&) {}
#else
    void on_attempt(std::uint32_t, redial::time_point) {}
#endif
};

using world = redial::sim::world<redial::exponential_backoff, redial::uptime_threshold, my_probe>;
static_assert(sizeof(world) > 0);
