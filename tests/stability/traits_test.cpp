#include <redial/stability/traits.hpp>

#include <redial/stability/always_stable.hpp>
#include <redial/stability/flap_damping.hpp>
#include <redial/stability/restart_intensity.hpp>
#include <redial/stability/uptime_threshold.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace {

using redial::stability_traits;

static_assert(stability_traits<redial::flap_damping>::has_hold_down &&
              stability_traits<redial::flap_damping>::has_max_hold_down &&
              !stability_traits<redial::flap_damping>::adopts_initial_delay);
static_assert(!stability_traits<redial::uptime_threshold>::has_hold_down &&
              !stability_traits<redial::uptime_threshold>::has_max_hold_down &&
              stability_traits<redial::uptime_threshold>::adopts_initial_delay);
static_assert(!stability_traits<redial::always_stable>::has_hold_down &&
              !stability_traits<redial::always_stable>::adopts_initial_delay);
static_assert(!stability_traits<redial::restart_intensity>::has_hold_down &&
              !stability_traits<redial::restart_intensity>::adopts_initial_delay);

TEST(StabilityTraits, AnAdoptingPolicyFollowsTheInitialDelayUnlessGivenOne) {
    using namespace std::chrono_literals;
    redial::uptime_threshold follows;
    follows.adopt_initial_delay(250ms);
    EXPECT_EQ(follows.threshold(), 250ms);
    redial::uptime_threshold fixed{2s};
    fixed.adopt_initial_delay(250ms);
    EXPECT_EQ(fixed.threshold(), 2s);
}

} // namespace
