#include <redial/backoff/exponential.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

namespace {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;

std::vector<ns> take(redial::exponential_backoff& b, std::size_t n) {
    std::vector<ns> out;
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(b.next());
    }
    return out;
}

TEST(ExponentialBackoff, SeedsDefaultsDoubleToThirtySeconds) {
    redial::exponential_backoff b;
    EXPECT_EQ(b.initial_delay(), 1s);
    EXPECT_EQ(b.multiplier(), 2.0);
    EXPECT_EQ(b.max_delay(), 30s);
    EXPECT_EQ(take(b, 8), (std::vector<ns>{1s, 2s, 4s, 8s, 16s, 30s, 30s, 30s}));
}

TEST(ExponentialBackoff, FractionalMultiplierRoundsEachStepToTheNanosecond) {
    redial::exponential_backoff b{1s, 1.6, 120s}; // gRPC
    EXPECT_EQ(take(b, 13), (std::vector<ns>{1s, 1600ms, 2560ms, 4096ms, 6553600us, 10485760us,
                                            16777216us, 26843545600ns, 42949672960ns, 68719476736ns,
                                            109951162778ns, 120s, 120s}));
}

TEST(ExponentialBackoff, TinyFractionalStepsNeverStall) {
    redial::exponential_backoff b{1ns, 1.4, 1s};
    // 1 × 1.4 rounds back to 1: grow by a nanosecond instead; then 2.8 -> 3, 4.2 -> 4, ...
    EXPECT_EQ(take(b, 6), (std::vector<ns>{1ns, 2ns, 3ns, 4ns, 6ns, 8ns}));
}

TEST(ExponentialBackoff, ResetStartsOver) {
    redial::exponential_backoff b;
    take(b, 10);
    b.reset();
    EXPECT_EQ(take(b, 3), (std::vector<ns>{1s, 2s, 4s}));
}

TEST(ExponentialBackoff, MultiplierOneIsConstant) {
    redial::exponential_backoff b{250ms, 1.0, 1s};
    EXPECT_EQ(take(b, 3), (std::vector<ns>{250ms, 250ms, 250ms}));
}

TEST(ExponentialBackoff, SaturatesInsteadOfOverflowing) {
    redial::exponential_backoff huge{1ns, 1e300, ns::max()};
    EXPECT_EQ(take(huge, 3), (std::vector<ns>{1ns, ns::max(), ns::max()}));
    redial::exponential_backoff at_max{ns::max(), 2.0, ns::max()};
    EXPECT_EQ(take(at_max, 2), (std::vector<ns>{ns::max(), ns::max()}));
    redial::exponential_backoff near{ns::max() / 3, 2.0, ns::max()};
    EXPECT_EQ(take(near, 3), (std::vector<ns>{ns::max() / 3, ns::max() / 3 * 2, ns::max()}));
}

void expect_refused(ns initial, double multiplier, ns max, const char* key, const char* value) {
    try {
        redial::exponential_backoff b{initial, multiplier, max};
        ADD_FAILURE() << "expected config_error for " << key;
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), key);
        EXPECT_EQ(e.value(), value);
    }
}

TEST(ExponentialBackoff, BadParametersNameTheParameterAndValue) {
    expect_refused(0s, 2.0, 30s, "exponential_backoff initial", "0s");
    expect_refused(-5ms, 2.0, 30s, "exponential_backoff initial", "-5ms");
    expect_refused(1s, 0.5, 30s, "exponential_backoff multiplier", "0.5");
    expect_refused(1s, std::nan(""), 30s, "exponential_backoff multiplier", "nan");
    expect_refused(1s, std::numeric_limits<double>::infinity(), 30s,
                   "exponential_backoff multiplier", "inf");
    expect_refused(1min, 2.0, 30s, "exponential_backoff initial", "1m");
}

TEST(ExponentialBackoff, ErrorMessageSaysWhy) {
    try {
        redial::exponential_backoff b{1min, 2.0, 30s};
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_STREQ(e.what(),
                     "invalid exponential_backoff initial \"1m\": must not exceed max (30s)");
    }
}

} // namespace
