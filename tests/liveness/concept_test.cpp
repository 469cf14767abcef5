#include <redial/liveness/concept.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using redial::time_point;

struct minimal {
    time_point on_connected(time_point now) noexcept { return now; }
    void on_received(time_point) noexcept {}
    redial::liveness_decision on_check(time_point) { return redial::liveness_decision::dead(); }
    [[nodiscard]] time_point last_alive() const { return {}; }
};
static_assert(redial::liveness_policy<minimal>);

// on_received runs on every read: it must not throw.
struct throwing_received : minimal {
    void on_received(time_point) {}
};
static_assert(!redial::liveness_policy<throwing_received>);

struct no_check {
    time_point on_connected(time_point now) noexcept { return now; }
    void on_received(time_point) noexcept {}
    [[nodiscard]] time_point last_alive() const { return {}; }
};
static_assert(!redial::liveness_policy<no_check>);

struct with_ping : minimal {
    void ping(std::string& s) { s += "p"; }
    void slow_down() {}
};
static_assert(redial::has_ping<with_ping, std::string>);
static_assert(!redial::has_ping<with_ping, int>);
static_assert(redial::has_slow_down<with_ping>);
static_assert(!redial::has_slow_down<minimal>);

TEST(LivenessDecision, FactoriesSayWhatToDo) {
    constexpr time_point t{std::chrono::seconds{5}};
    EXPECT_EQ(redial::liveness_decision::check_at(t).what, redial::liveness_decision::kind::check);
    EXPECT_EQ(redial::liveness_decision::check_at(t).at, t);
    EXPECT_EQ(redial::liveness_decision::ping_then_check_at(t).what,
              redial::liveness_decision::kind::ping);
    EXPECT_EQ(redial::liveness_decision::dead().what, redial::liveness_decision::kind::dead);
}

} // namespace
