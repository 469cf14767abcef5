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
    EXPECT_FALSE(o.liveness);
    EXPECT_FALSE(o.idle_timeout);
    EXPECT_FALSE(o.ping_interval);
    EXPECT_FALSE(o.ping_timeout);
    EXPECT_FALSE(o.tcp_keepalive);
    EXPECT_EQ(o.tcp_user_timeout, 0ms);
    EXPECT_NO_THROW(redial::validate(o));
}

// The times a chosen liveness falls back on: a silent link is noticed after 20 s either way.
TEST(options, liveness_defaults) {
    EXPECT_EQ(redial::detail::default_idle_timeout, 20s);
    EXPECT_EQ(redial::detail::default_ping_interval, 10s);
    EXPECT_EQ(redial::detail::default_ping_timeout, 10s);
    EXPECT_EQ(redial::detail::default_ping_interval + redial::detail::default_ping_timeout,
              redial::detail::default_idle_timeout);
}

// Unset, the liveness is implied by the times given; set, it is what it says.
TEST(options, chosen_liveness) {
    using redial::liveness_kind;
    redial::options o{};
    EXPECT_EQ(redial::detail::chosen_liveness(o), liveness_kind::none);
    o.idle_timeout = 3s;
    EXPECT_EQ(redial::detail::chosen_liveness(o), liveness_kind::idle);
    o = {};
    o.ping_interval = 1s;
    EXPECT_EQ(redial::detail::chosen_liveness(o), liveness_kind::heartbeat);
    o = {};
    o.ping_timeout = 1s;
    EXPECT_EQ(redial::detail::chosen_liveness(o), liveness_kind::heartbeat);
    for (liveness_kind k : {liveness_kind::none, liveness_kind::idle, liveness_kind::heartbeat}) {
        o.liveness = k; // wins over what the times imply (validate() refuses the mismatch)
        EXPECT_EQ(redial::detail::chosen_liveness(o), k);
    }
}

TEST(options, chosen_socket_options) {
    redial::options o;
    EXPECT_EQ(redial::detail::chosen_socket_options(o), redial::socket_options{});
    o.tcp_keepalive = redial::tcp_keepalive{30s, 5s, 3};
    o.tcp_user_timeout = 1500ms;
    const redial::socket_options s = redial::detail::chosen_socket_options(o);
    EXPECT_EQ(s.keepalive, (redial::tcp_keepalive{30s, 5s, 3}));
    EXPECT_EQ(s.user_timeout, 1500ms);
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
