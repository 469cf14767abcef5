#include <redial/liveness/idle_timeout.hpp>

#include <redial/error.hpp>

#include <gtest/gtest.h>

#include <chrono>

// idle_timeout as a sans-I/O machine: the time comes in, decisions come out.
namespace {

using namespace std::chrono_literals;
using redial::liveness_decision;
using redial::time_point;
constexpr time_point t0{};

TEST(IdleTimeout, ASilentConnectionIsDeadExactlyAtTheLimit) {
    redial::idle_timeout p{3s};
    EXPECT_EQ(p.on_connected(t0 + 10s), t0 + 13s);
    EXPECT_EQ(p.on_check(t0 + 13s - 1ns), liveness_decision::check_at(t0 + 13s));
    EXPECT_EQ(p.on_check(t0 + 13s), liveness_decision::dead());
    EXPECT_EQ(p.last_alive(), t0 + 10s);
}

TEST(IdleTimeout, AByteOneNanosecondBeforeTheLimitKeepsTheLinkForAnotherLimit) {
    redial::idle_timeout p{3s};
    p.on_connected(t0);
    p.on_received(t0 + 3s - 1ns);
    EXPECT_EQ(p.on_check(t0 + 3s), liveness_decision::check_at(t0 + 6s - 1ns));
    EXPECT_EQ(p.on_check(t0 + 6s - 1ns), liveness_decision::dead());
    EXPECT_EQ(p.last_alive(), t0 + 3s - 1ns);
}

// A byte time older than the last one (two reads completing out of order) never moves the
// last proof of life back.
TEST(IdleTimeout, ProofOfLifeNeverMovesBack) {
    redial::idle_timeout p{3s};
    p.on_connected(t0);
    p.on_received(t0 + 2s);
    p.on_received(t0 + 1s);
    EXPECT_EQ(p.last_alive(), t0 + 2s);
}

// A new connection starts from its own connect, whatever the last one saw.
TEST(IdleTimeout, EachConnectionStartsFresh) {
    redial::idle_timeout p{3s};
    p.on_connected(t0);
    p.on_received(t0 + 2s);
    EXPECT_EQ(p.on_connected(t0 + 100s), t0 + 103s);
    EXPECT_EQ(p.last_alive(), t0 + 100s);
}

// The largest limit saturates: the check is due at the end of time, never in the past.
TEST(IdleTimeout, AHugeLimitSaturates) {
    redial::idle_timeout p{std::chrono::nanoseconds::max()};
    EXPECT_EQ(p.on_connected(t0 + 1h), time_point::max());
    EXPECT_EQ(p.on_check(t0 + 2h), liveness_decision::check_at(time_point::max()));
    EXPECT_EQ(p.detection_bound(), std::chrono::nanoseconds::max());
}

TEST(IdleTimeout, ANonPositiveLimitIsRefusedByName) {
    EXPECT_THROW(redial::idle_timeout{0s}, redial::config_error);
    try {
        redial::idle_timeout p{-1s};
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "idle-timeout");
        EXPECT_EQ(e.value(), "-1s");
    }
}

} // namespace
