#include <redial/liveness/traits.hpp>

#include <redial/liveness/heartbeat.hpp>
#include <redial/liveness/idle_timeout.hpp>
#include <redial/liveness/none.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using traits_none = redial::liveness_traits<redial::no_liveness>;
using traits_idle = redial::liveness_traits<redial::idle_timeout>;
using traits_hb = redial::liveness_traits<redial::heartbeat<>>;

static_assert(!traits_none::enabled);
static_assert(traits_idle::enabled && !traits_idle::has_slow_down);
static_assert(!traits_idle::has_ping<std::string> && !traits_idle::has_ping_sent_at);
static_assert(traits_hb::enabled && traits_hb::has_slow_down && traits_hb::has_ping_sent_at);
static_assert(traits_hb::has_ping<std::string>);
static_assert(traits_hb::checked<std::string>() && traits_idle::checked<std::string>());
// heartbeat_monitor alone has the timing but no ping.
static_assert(!redial::liveness_traits<redial::heartbeat_monitor>::has_ping<std::string>);

TEST(LivenessTraits, SeeTheOptionalHooks) {
    SUCCEED();
}

} // namespace
