#include <redial/stability/uptime_threshold.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using redial::session_end;
using redial::verdict;

TEST(UptimeThreshold, StableExactlyAtTheThreshold) {
    redial::uptime_threshold p{2s};
    EXPECT_EQ(p.judge(session_end{2s, {}}), verdict::stable);
    EXPECT_EQ(p.judge(session_end{2s - 1ns, {}}), verdict::flap);
    EXPECT_EQ(p.judge(session_end{0s, {}}), verdict::flap);
    EXPECT_EQ(p.judge(session_end{24h, {}}), verdict::stable);
}

TEST(UptimeThreshold, DefaultFollowsTheInitialDelayUnlessSetExplicitly) {
    redial::uptime_threshold follows;
    EXPECT_EQ(follows.threshold(), 1s);
    follows.adopt_initial_delay(250ms);
    EXPECT_EQ(follows.threshold(), 250ms);
    follows.adopt_initial_delay(0s); // not a usable threshold: ignored
    EXPECT_EQ(follows.threshold(), 250ms);

    redial::uptime_threshold fixed{5s};
    fixed.adopt_initial_delay(250ms);
    EXPECT_EQ(fixed.threshold(), 5s);
}

TEST(UptimeThreshold, ZeroThresholdIsRefused) {
    try {
        redial::uptime_threshold p{0s};
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "stable-after");
        EXPECT_EQ(e.value(), "0s");
    }
}

TEST(UptimeThreshold, NegativeThresholdIsRefused) {
    try {
        redial::uptime_threshold p{-1ns};
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_STREQ(e.what(), "invalid stable-after \"-1ns\": must be greater than zero");
    }
}

} // namespace
