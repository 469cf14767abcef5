#include <redial/liveness/configured.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

// configured_liveness behaves exactly as the policy it holds.
namespace {

using namespace std::chrono_literals;
using redial::liveness_decision;
using redial::time_point;
constexpr time_point t0{};

TEST(ConfiguredLiveness, NoneNeverChecks) {
    redial::configured_liveness<> p;
    EXPECT_EQ(p.on_connected(t0), time_point::max());
    p.on_received(t0 + 5s);
    EXPECT_EQ(p.last_alive(), t0 + 5s);
    EXPECT_EQ(p.on_check(t0 + 1h), liveness_decision::check_at(time_point::max()));
    EXPECT_EQ(p.detection_bound(), 0s);
}

TEST(ConfiguredLiveness, IdleIsIdleTimeout) {
    redial::configured_liveness<> p{redial::idle_timeout{3s}};
    EXPECT_EQ(p.on_connected(t0), t0 + 3s);
    p.on_received(t0 + 1s);
    EXPECT_EQ(p.on_check(t0 + 3s), liveness_decision::check_at(t0 + 4s));
    EXPECT_EQ(p.on_check(t0 + 4s), liveness_decision::dead());
    EXPECT_EQ(p.last_alive(), t0 + 1s);
    EXPECT_EQ(p.ping_sent_at(), time_point::max());
}

TEST(ConfiguredLiveness, HeartbeatPingsWithThePing) {
    std::string wire;
    auto ping = [](std::string& c) { c += "PING\n"; };
    redial::configured_liveness<decltype(ping)> p{redial::heartbeat_monitor{2s, 1s}, ping};
    EXPECT_EQ(p.on_connected(t0), t0 + 2s);
    EXPECT_EQ(p.on_check(t0 + 2s), liveness_decision::ping_then_check_at(t0 + 3s));
    p.ping(wire);
    EXPECT_EQ(wire, "PING\n");
    EXPECT_EQ(p.ping_sent_at(), t0 + 2s);
    EXPECT_EQ(p.on_check(t0 + 3s), liveness_decision::dead());
    p.slow_down();
    EXPECT_EQ(p.heartbeat().interval(), 4s);
    EXPECT_EQ(p.detection_bound(), 5s);
    // An idle policy never calls the ping.
    redial::configured_liveness<decltype(ping)> q{redial::idle_timeout{1s}};
    q.ping(wire);
    EXPECT_EQ(wire, "PING\n");
}

} // namespace
