#include <redial/sim/fleet_stats.hpp>

#include <redial/failure.hpp>
#include <redial/sim/sim_error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>

namespace {

using namespace std::chrono_literals;
using redial::time_point;

redial::attempt_event attempt(time_point t) {
    return {1, t};
}
redial::connected_event connected(time_point t) {
    return {1, t};
}

TEST(FleetStats, PeakRateAndReconnectQuantiles) {
    redial::sim::fleet_stats s(4, time_point{10s});
    for (int i = 0; i < 7; ++i) {
        s.on_attempt(0, attempt(time_point{10s + 20ms})); // 7 attempts in the bin [10.0 s, 10.1 s)
    }
    s.on_attempt(1, attempt(time_point{12s}));
    s.on_connected(0, connected(time_point{5s})); // before `since`: not a reconnect
    s.on_connected(0, connected(time_point{11s}));
    s.on_connected(0, connected(time_point{15s})); // only the first reconnect counts
    s.on_connected(1, connected(time_point{12s}));
    s.on_connected(2, connected(time_point{14s}));
    EXPECT_EQ(s.attempts(), 8U);
    EXPECT_EQ(s.connects(), 5U);
    EXPECT_EQ(s.reconnected(), 3U);
    EXPECT_EQ(s.peak_attempts_per_second(), 70.0);
    EXPECT_EQ(s.attempts_per_bin().size(), 121U); // up to the bin holding 12 s
    // Ranks over all 4 clients; client 3 never reconnected and ranks last.
    EXPECT_EQ(s.reconnect_quantile(0.0), 1s);
    EXPECT_EQ(s.reconnect_quantile(0.5), 2s);                               // rank 2
    EXPECT_EQ(s.reconnect_quantile(0.75), 4s);                              // rank 3
    EXPECT_EQ(s.reconnect_quantile(0.99), redial::sim::fleet_stats::never); // rank 4
    EXPECT_EQ(s.reconnect_quantile(1.0), redial::sim::fleet_stats::never);
    EXPECT_EQ(s.reconnect_time(3), -1ns);
    EXPECT_THROW((void)s.reconnect_quantile(1.5), std::invalid_argument);
    EXPECT_THROW(redial::sim::fleet_stats(1, {}, 0s), std::invalid_argument);
}

TEST(FleetStats, DetectionTimesFromTheOutageAndTimeoutsBeforeIt) {
    redial::sim::fleet_stats s(4, time_point{40s});
    s.detect_from(time_point{10s});
    const auto timeout = [](time_point t) { return redial::liveness_timeout_event{3s, 1s, t}; };
    s.on_liveness_timeout(3, timeout(time_point{5s}));  // before the outage: a false positive
    s.on_liveness_timeout(0, timeout(time_point{13s})); // 3 s after it began
    s.on_liveness_timeout(0, timeout(time_point{30s})); // only the first counts
    s.on_liveness_timeout(1, timeout(time_point{17s}));
    s.on_ping(1, redial::ping_event{1s, time_point{12s}});
    EXPECT_EQ(s.liveness_timeouts(), 4U);
    EXPECT_EQ(s.timeouts_before_detection(), 1U);
    EXPECT_EQ(s.detected(), 2U);
    EXPECT_EQ(s.pings(), 1U);
    EXPECT_EQ(s.detection_quantile(0.5), 7s); // rank 2 of 4
    EXPECT_EQ(s.detection_quantile(1.0), redial::sim::fleet_stats::never);
    EXPECT_EQ(s.detection_time(0), 3s);
    EXPECT_EQ(s.detection_time(2), -1ns);
    // A resumed session is back without reconnecting.
    s.on_resumed(2, redial::sim::resumed_event{time_point{40s}});
    s.on_resumed(3, redial::sim::resumed_event{time_point{30s}}); // before `since`
    EXPECT_EQ(s.reconnected(), 1U);
    EXPECT_EQ(s.reconnect_time(2), 0s);
    EXPECT_EQ(s.connects(), 0U);
}

TEST(FleetStats, CountsFailuresAndGiveUps) {
    redial::sim::fleet_stats s(2);
    const redial::failure refused{make_error_code(redial::sim::errc::refused)};
    s.on_connect_failed(0, redial::connect_failed_event{refused, 1, time_point{1s}});
    s.on_connect_failed(1, redial::connect_failed_event{refused, 1, time_point{1s}});
    s.on_give_up(1, redial::give_up_event{"reconnect gave up after 1 attempt", time_point{1s}});
    EXPECT_EQ(s.failures(), 2U);
    EXPECT_EQ(s.gave_up(), 1U);
    EXPECT_EQ(s.attempts(), 0U);
}

TEST(FleetStats, AttemptsAfterTheHistogramAreCountedNotBinned) {
    redial::sim::fleet_stats s(1);
    s.on_attempt(0, attempt(time_point{std::chrono::hours{24 * 3650}})); // ten years in
    s.on_attempt(0, attempt(time_point{1s}));
    EXPECT_EQ(s.attempts(), 2U);
    EXPECT_EQ(s.attempts_beyond_histogram(), 1U);
    EXPECT_EQ(s.attempts_per_bin().size(), 11U);
}

TEST(FleetStats, NoClientBackIsNeverNotZero) {
    const redial::sim::fleet_stats s(3);
    EXPECT_EQ(s.peak_attempts_per_second(), 0.0);
    EXPECT_EQ(s.reconnect_quantile(0.0), redial::sim::fleet_stats::never);
    EXPECT_EQ(s.reconnect_quantile(0.5), redial::sim::fleet_stats::never);
    EXPECT_TRUE(s.attempts_per_bin().empty());
    EXPECT_EQ(redial::sim::fleet_stats::never, std::chrono::nanoseconds::max());
    // A fleet of no clients has nobody to wait for.
    EXPECT_EQ(redial::sim::fleet_stats(0).reconnect_quantile(1.0), 0ns);
}

TEST(FleetStats, OneClientNeverBackMakesOnlyTheMaximumNever) {
    redial::sim::fleet_stats s(100);
    for (std::uint32_t i = 0; i < 99; ++i) {
        s.on_connected(i, connected(time_point{std::chrono::milliseconds{i + 1}}));
    }
    EXPECT_EQ(s.reconnected(), 99U);
    EXPECT_EQ(s.reconnect_quantile(0.0), 1ms);
    EXPECT_EQ(s.reconnect_quantile(0.5), 50ms);
    EXPECT_EQ(s.reconnect_quantile(0.99), 99ms); // rank 99 of 100: the last client back
    EXPECT_EQ(s.reconnect_quantile(0.995), redial::sim::fleet_stats::never); // rank 100
    EXPECT_EQ(s.reconnect_quantile(1.0), redial::sim::fleet_stats::never);
    s.on_connected(99, connected(time_point{1s}));
    EXPECT_EQ(s.reconnect_quantile(1.0), 1s);
}

} // namespace
