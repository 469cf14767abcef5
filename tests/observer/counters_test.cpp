#include <redial/observer/counters.hpp>

#include "support/observed_run.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;

TEST(CountersObserver, CountsTheScriptedRun) {
    const redial::counters_observer c = redial::test::observed_run(redial::counters_observer{});
    EXPECT_EQ(c.attempts, 3u);
    EXPECT_EQ(c.connects, 1u);
    EXPECT_EQ(c.failures, 1u);
    EXPECT_EQ(c.drops, 1u);
    EXPECT_EQ(c.flaps, 0u);
    EXPECT_EQ(c.downtime, 1s); // 0 s to 1 s; the outage from 3 s has not ended
    EXPECT_EQ(c.current_delay, 1s);
    EXPECT_FALSE(c.connected);
}

} // namespace
