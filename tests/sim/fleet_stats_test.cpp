#include <redial/sim/fleet_stats.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

namespace {

using namespace std::chrono_literals;
using redial::time_point;

TEST(FleetStats, PeakRateAndReconnectQuantiles) {
    redial::sim::fleet_stats s(4, time_point{10s});
    for (int i = 0; i < 7; ++i) {
        s.on_attempt(0, time_point{10s + 20ms}); // 7 attempts in the bin [10.0 s, 10.1 s)
    }
    s.on_attempt(1, time_point{12s});
    s.on_connected(0, time_point{5s}); // before `since`: not a reconnect
    s.on_connected(0, time_point{11s});
    s.on_connected(0, time_point{15s}); // only the first reconnect counts
    s.on_connected(1, time_point{12s});
    s.on_connected(2, time_point{14s});
    EXPECT_EQ(s.attempts(), 8U);
    EXPECT_EQ(s.connects(), 5U);
    EXPECT_EQ(s.reconnected(), 3U);
    EXPECT_EQ(s.peak_attempts_per_second(), 70.0);
    EXPECT_EQ(s.attempts_per_bin().size(), 121U); // up to the bin holding 12 s
    EXPECT_EQ(s.reconnect_quantile(0.0), 1s);
    EXPECT_EQ(s.reconnect_quantile(0.5), 2s);
    EXPECT_EQ(s.reconnect_quantile(0.99), 4s);
    EXPECT_EQ(s.reconnect_quantile(1.0), 4s);
    EXPECT_EQ(s.reconnect_time(3), -1ns);
    EXPECT_THROW((void)s.reconnect_quantile(1.5), std::invalid_argument);
    EXPECT_THROW(redial::sim::fleet_stats(1, {}, 0s), std::invalid_argument);
}

TEST(FleetStats, AttemptsAfterTheHistogramAreCountedNotBinned) {
    redial::sim::fleet_stats s(1);
    s.on_attempt(0, time_point{std::chrono::hours{24 * 3650}}); // ten years in
    s.on_attempt(0, time_point{1s});
    EXPECT_EQ(s.attempts(), 2U);
    EXPECT_EQ(s.attempts_beyond_histogram(), 1U);
    EXPECT_EQ(s.attempts_per_bin().size(), 11U);
}

TEST(FleetStats, EmptyFleetReportsZeros) {
    const redial::sim::fleet_stats s(3);
    EXPECT_EQ(s.peak_attempts_per_second(), 0.0);
    EXPECT_EQ(s.reconnect_quantile(0.5), 0ns);
    EXPECT_TRUE(s.attempts_per_bin().empty());
}

} // namespace
