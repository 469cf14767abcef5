#include <redial/config/options.hpp>

#include <gtest/gtest.h>
#include <redial/config/validate.hpp>

#include <chrono>
#include <string_view>

// The options struct: its defaults, and which backoff it chooses.
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST(options, defaults_are_the_seeds) {
    const redial::options o;
    EXPECT_EQ(o.initial, 1s);
    EXPECT_EQ(o.multiplier, 2.0);
    EXPECT_EQ(o.max, 30s);
    EXPECT_EQ(o.timeout, 5min);
    EXPECT_EQ(o.jitter, redial::jitter_kind::none);
    EXPECT_EQ(o.jitter_fraction, 0.2);
    EXPECT_EQ(o.jitter_cap, redial::jitter_cap::fit);
    EXPECT_EQ(o.stability, "uptime");
    EXPECT_FALSE(o.stable_after);
    EXPECT_EQ(o.intensity_drops, 1u);
    EXPECT_EQ(o.intensity_window, 5s);
    EXPECT_EQ(o.damping_half_life, 15min);
    EXPECT_FALSE(o.connect_timeout);
    EXPECT_EQ(o.max_attempts, 0u);
    EXPECT_FALSE(o.clip_to_deadline);
    EXPECT_FALSE(o.seed);
    EXPECT_NO_THROW(redial::validate(o));
}

TEST(options, jitter_decorrelated_still_chooses_the_decorrelated_backoff) {
    redial::options o;
    EXPECT_EQ(redial::detail::chosen_backoff(o), "exponential");
    o.backoff = "linear";
    EXPECT_EQ(redial::detail::chosen_backoff(o), "linear");
    o.backoff = "exponential";
    o.jitter = redial::jitter_kind::decorrelated;
    EXPECT_EQ(redial::detail::chosen_backoff(o), "decorrelated");
}

} // namespace
