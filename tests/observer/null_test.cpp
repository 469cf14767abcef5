#include <redial/observer/null.hpp>

#include <redial/clock/virtual_clock.hpp>
#include <redial/reconnector.hpp>
#include <redial/stability/always_stable.hpp>
#include <redial/transport/scripted.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <type_traits>

namespace {

static_assert(std::is_empty_v<redial::null_observer>);

struct u64_observer {
    std::uint64_t events = 0;
    void on_attempt(const redial::attempt_event&) { ++events; }
};

template <class Observer, class Stability = redial::uptime_threshold>
using reconnector = redial::basic_reconnector<redial::scripted_transport<redial::virtual_clock>,
                                              redial::virtual_clock, redial::exponential_backoff,
                                              Stability, Observer>;

// An 8-byte observer adds exactly 8 bytes to the reconnector's state, so the null observer adds
// none; the same for always_stable against a stability policy of one 8-byte member.
static_assert(reconnector<u64_observer>::state_size ==
                  reconnector<redial::null_observer>::state_size + sizeof(std::uint64_t),
              "the null observer must take no space");
static_assert(reconnector<redial::null_observer, redial::uptime_threshold>::state_size >
                  reconnector<redial::null_observer, redial::always_stable>::state_size,
              "an empty stability policy must take less space than a stateful one");

TEST(NullObserver, TakesNoSpace) {
    SUCCEED();
}

} // namespace
