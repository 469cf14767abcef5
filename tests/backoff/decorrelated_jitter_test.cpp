#include <redial/backoff/decorrelated_jitter.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

namespace {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;

TEST(DecorrelatedJitter, EachDelayLiesBetweenBaseAndThreeTimesThePrevious) {
    redial::decorrelated_jitter p{100ms, 10s, 1};
    ns prev = 100ms;
    for (int i = 0; i < 100'000; ++i) {
        const ns d = p.next();
        ASSERT_GE(d, 100ms);
        ASSERT_LE(d, std::min<ns>(10s, prev * 3));
        prev = d;
    }
}

TEST(DecorrelatedJitter, FirstDelayAveragesTwiceTheBase) {
    // From sleep = base, the next delay is U(base, 3·base): mean 2·base.
    redial::decorrelated_jitter p{1s, 30s, 2};
    double sum = 0;
    constexpr int n = 100'000;
    for (int i = 0; i < n; ++i) {
        p.reset();
        sum += std::chrono::duration<double>(p.next()).count();
    }
    EXPECT_NEAR(sum / n, 2.0, 0.02);
}

TEST(DecorrelatedJitter, ReachesAndStaysAtTheCap) {
    redial::decorrelated_jitter p{1s, 5s, 3};
    int at_cap = 0;
    for (int i = 0; i < 1000; ++i) {
        at_cap += p.next() == 5s ? 1 : 0;
    }
    EXPECT_GT(at_cap, 500); // U(1 s, 15 s) capped at 5 s: about 71% of draws at the cap
}

TEST(DecorrelatedJitter, SameSeedSameSequence) {
    redial::decorrelated_jitter a{1s, 30s, 7};
    redial::decorrelated_jitter b{1s, 30s, 7};
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(a.next(), b.next());
    }
}

TEST(DecorrelatedJitter, SaturatesNearTheLargestDuration) {
    redial::decorrelated_jitter p{ns::max() / 2, ns::max(), 4};
    for (int i = 0; i < 100; ++i) {
        const ns d = p.next();
        ASSERT_GE(d, ns::max() / 2);
        ASSERT_LE(d, ns::max());
    }
}

TEST(DecorrelatedJitter, BadParametersAreRefused) {
    try {
        redial::decorrelated_jitter p{0s, 30s};
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "decorrelated_jitter base");
        EXPECT_EQ(e.value(), "0s");
    }
    EXPECT_THROW((redial::decorrelated_jitter{1min, 30s}), redial::config_error);
}

// --- regressions found by fuzzing (fuzz/, docs/fuzzing.md) ------------------------------------

// machine_fuzz: base = max = the largest duration. 3·sleep is one nanosecond short of it, so
// the window U[base, 3·sleep) was negative and base + draw overflowed (UBSan).
TEST(DecorrelatedJitterFuzzRegression, BaseAtTheLargestDuration) {
    redial::decorrelated_jitter p{ns::max(), ns::max(), 1};
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(p.next(), ns::max());
    }
    redial::decorrelated_jitter q{ns::max() - ns{1}, ns::max(), 1};
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(q.next(), ns::max() - ns{1});
    }
}

} // namespace
