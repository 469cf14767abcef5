#include <redial/liveness/heartbeat.hpp>

#include <redial/error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <type_traits>

// heartbeat_monitor as a sans-I/O machine, and heartbeat's ping.
namespace {

using namespace std::chrono_literals;
using redial::liveness_decision;
using redial::time_point;
constexpr time_point t0{};

TEST(Heartbeat, PingsAfterAnIdleIntervalAndDiesAfterTheTimeout) {
    redial::heartbeat_monitor p{2s, 1s};
    EXPECT_EQ(p.on_connected(t0), t0 + 2s);
    EXPECT_EQ(p.on_check(t0 + 2s - 1ns), liveness_decision::check_at(t0 + 2s));
    EXPECT_EQ(p.on_check(t0 + 2s), liveness_decision::ping_then_check_at(t0 + 3s));
    EXPECT_EQ(p.ping_sent_at(), t0 + 2s);
    EXPECT_EQ(p.on_check(t0 + 3s - 1ns), liveness_decision::check_at(t0 + 3s));
    EXPECT_EQ(p.on_check(t0 + 3s), liveness_decision::dead());
}

// The boundaries: a byte at interval - 1ns means no ping; an answer at interval + timeout - 1ns
// keeps the link, and the next ping waits a full interval after it.
TEST(Heartbeat, ExactBoundaries) {
    redial::heartbeat_monitor p{2s, 1s};
    p.on_connected(t0);
    p.on_received(t0 + 2s - 1ns);
    EXPECT_EQ(p.on_check(t0 + 2s), liveness_decision::check_at(t0 + 4s - 1ns));
    EXPECT_EQ(p.on_check(t0 + 4s - 1ns), liveness_decision::ping_then_check_at(t0 + 5s - 1ns));
    p.on_received(t0 + 5s - 2ns); // answered 1 ns before the limit
    EXPECT_EQ(p.on_check(t0 + 5s - 1ns), liveness_decision::check_at(t0 + 7s - 2ns));
    EXPECT_EQ(p.ping_sent_at(), time_point::max());
}

// A byte sent at the very instant of the ping answers it (it is not older than the ping).
TEST(Heartbeat, AByteAtThePingInstantAnswersIt) {
    redial::heartbeat_monitor p{2s, 1s};
    p.on_connected(t0);
    EXPECT_EQ(p.on_check(t0 + 2s).what, liveness_decision::kind::ping);
    p.on_received(t0 + 2s);
    EXPECT_EQ(p.on_check(t0 + 3s), liveness_decision::check_at(t0 + 4s));
}

// One ping in flight, whatever the ratio of timeout to interval: a timeout longer than the
// interval still waits for the one ping.
TEST(Heartbeat, NeverASecondPingInFlight) {
    redial::heartbeat_monitor p{1s, 5s};
    p.on_connected(t0);
    EXPECT_EQ(p.on_check(t0 + 1s).what, liveness_decision::kind::ping);
    EXPECT_EQ(p.on_check(t0 + 2s), liveness_decision::check_at(t0 + 6s));
    EXPECT_EQ(p.on_check(t0 + 6s), liveness_decision::dead());
}

// A reconnect forgets the unanswered ping of the connection before.
TEST(Heartbeat, ANewConnectionForgetsThePing) {
    redial::heartbeat_monitor p{2s, 1s};
    p.on_connected(t0);
    EXPECT_EQ(p.on_check(t0 + 2s).what, liveness_decision::kind::ping);
    EXPECT_EQ(p.on_connected(t0 + 10s), t0 + 12s);
    EXPECT_EQ(p.ping_sent_at(), time_point::max());
}

TEST(Heartbeat, SlowDownDoublesTheIntervalAndSaturates) {
    redial::heartbeat_monitor p{2s, 1s};
    p.slow_down();
    EXPECT_EQ(p.interval(), 4s);
    EXPECT_EQ(p.on_connected(t0), t0 + 4s);
    redial::heartbeat_monitor q{std::chrono::nanoseconds::max() / 2 + 1ns, 1s};
    q.slow_down();
    EXPECT_EQ(q.interval(), std::chrono::nanoseconds::max());
    EXPECT_EQ(q.detection_bound(), std::chrono::nanoseconds::max());
}

TEST(Heartbeat, DetectionBoundIsIntervalPlusTimeout) {
    EXPECT_EQ((redial::heartbeat_monitor{10s, 10s}.detection_bound()), 20s);
}

TEST(Heartbeat, BadParametersAreRefusedByName) {
    try {
        redial::heartbeat_monitor p{0s, 1s};
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "ping-interval");
        EXPECT_EQ(e.value(), "0s");
    }
    try {
        redial::heartbeat_monitor p{1s, -5ms};
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "ping-timeout");
        EXPECT_EQ(e.value(), "-5ms");
    }
}

// The ping is the user's callable, called with the connection; an empty one takes no space.
TEST(Heartbeat, CallsThePingWithTheConnection) {
    std::string wire;
    redial::heartbeat hb{2s, 1s, [](std::string& c) { c += "PING\r\n"; }};
    hb.ping(wire);
    hb.ping(wire);
    EXPECT_EQ(wire, "PING\r\nPING\r\n");
    static_assert(sizeof(redial::heartbeat<>) == sizeof(redial::heartbeat_monitor));
    static_assert(std::is_same_v<decltype(redial::heartbeat{1s, 1s}), redial::heartbeat<>>);
}

} // namespace
