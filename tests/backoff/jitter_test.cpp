#include <redial/backoff/jitter.hpp>

#include <redial/backoff/exponential.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <ratio>
#include <vector>

namespace {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;
using jittered_exponential = redial::jittered<redial::exponential_backoff>;

constexpr int draws = 100'000;

struct stats {
    ns min = ns::max();
    ns max = ns::min();
    double mean_s = 0;
    int at_cap = 0;
};

template <class Policy>
stats sample(Policy p, ns cap = ns::max()) {
    stats s;
    double sum = 0;
    for (int i = 0; i < draws; ++i) {
        const ns d = p.next();
        s.min = std::min(s.min, d);
        s.max = std::max(s.max, d);
        s.at_cap += d == cap ? 1 : 0;
        sum += std::chrono::duration<double>(d).count();
    }
    s.mean_s = sum / draws;
    return s;
}

// A steady 1 s delay far below its cap, so only the jitter window matters.
redial::exponential_backoff one_second() {
    return redial::exponential_backoff{1s, 1.0, 1h};
}
// A schedule pinned at its 30 s cap, to see each cap mode.
redial::exponential_backoff at_cap() {
    return redial::exponential_backoff{30s, 2.0, 30s};
}

TEST(Jitter, FullJitterIsUniformBelowTheDelay) {
    auto s = sample(jittered_exponential{one_second(), redial::full_jitter(), 1});
    EXPECT_LT(s.min, 1ms); // the window reaches down to zero
    EXPECT_LT(s.max, 1s);
    EXPECT_GT(s.max, 999ms);
    EXPECT_NEAR(s.mean_s, 0.5, 0.5 * 0.01);
}

TEST(Jitter, EqualJitterKeepsAtLeastHalf) {
    auto s = sample(jittered_exponential{one_second(), redial::equal_jitter(), 2});
    EXPECT_GE(s.min, 500ms);
    EXPECT_LT(s.max, 1s);
    EXPECT_NEAR(s.mean_s, 0.75, 0.75 * 0.01);
}

TEST(Jitter, ProportionalJitterIsSymmetric) {
    auto s = sample(jittered_exponential{one_second(), redial::proportional_jitter(0.2), 3});
    EXPECT_GE(s.min, 800ms);
    EXPECT_LT(s.max, 1200ms);
    EXPECT_NEAR(s.mean_s, 1.0, 0.01);
}

TEST(Jitter, GrpcOvershootsTheCapByTwentyPercent) {
    // gRPC: 1 s × 1.6 up to 120 s, ±20% applied after the cap.
    jittered_exponential p{redial::exponential_backoff{1s, 1.6, 120s}, redial::grpc_jitter(), 4};
    for (int i = 0; i < 20; ++i) {
        (void)p.next(); // reach the cap
    }
    auto s = sample(p);
    EXPECT_GE(s.min, 96s);
    EXPECT_LT(s.max, 144s);
    EXPECT_GT(s.max, 120s);
    EXPECT_NEAR(s.mean_s, 120.0, 1.2);
    EXPECT_EQ(p.max_delay(), 144s);
}

TEST(Jitter, FitKeepsTheWholeWindowBelowTheCap) {
    // d is first limited to 30 s / 1.2 = 25 s, then scaled by [0.8, 1.2): [20 s, 30 s).
    auto s = sample(jittered_exponential{at_cap(), redial::proportional_jitter(0.2), 5}, 30s);
    EXPECT_GE(s.min, 20s);
    EXPECT_LE(s.max, 30s);
    EXPECT_LT(s.at_cap, draws / 1000); // only rounding can touch the cap
    EXPECT_NEAR(s.mean_s, 25.0, 0.25);
}

TEST(Jitter, ClampPilesTheUpperHalfOntoTheCap) {
    auto s =
        sample(jittered_exponential{at_cap(),
                                    redial::proportional_jitter(0.2, redial::jitter_cap::clamp), 6},
               30s);
    EXPECT_GE(s.min, 24s);
    EXPECT_EQ(s.max, 30s);
    // Half the window lies above the cap: about half the delays are exactly 30 s.
    EXPECT_NEAR(static_cast<double>(s.at_cap) / draws, 0.5, 0.01);
    EXPECT_NEAR(s.mean_s, 28.5, 0.285); // 0.5 × 27 s + 0.5 × 30 s
}

TEST(Jitter, OvershootAllowsUpToHiTimesTheCap) {
    auto s = sample(
        jittered_exponential{at_cap(),
                             redial::proportional_jitter(0.2, redial::jitter_cap::overshoot), 7},
        30s);
    EXPECT_GE(s.min, 24s);
    EXPECT_LT(s.max, 36s);
    EXPECT_NEAR(s.mean_s, 30.0, 0.3);
}

TEST(Jitter, FullAndEqualAreTheSameInEveryCapMode) {
    for (auto cap :
         {redial::jitter_cap::fit, redial::jitter_cap::clamp, redial::jitter_cap::overshoot}) {
        redial::jitter_range r = redial::full_jitter();
        r.cap = cap;
        jittered_exponential a{at_cap(), r, 8};
        jittered_exponential b{at_cap(), redial::full_jitter(), 8};
        for (int i = 0; i < 100; ++i) {
            ASSERT_EQ(a.next(), b.next());
        }
    }
}

TEST(Jitter, SameSeedSameSequenceOtherSeedOtherSequence) {
    jittered_exponential a{redial::exponential_backoff{}, redial::full_jitter(), 42};
    jittered_exponential b{redial::exponential_backoff{}, redial::full_jitter(), 42};
    jittered_exponential c{redial::exponential_backoff{}, redial::full_jitter(), 43};
    int differ = 0;
    for (int i = 0; i < 1000; ++i) {
        const ns da = a.next();
        ASSERT_EQ(da, b.next());
        differ += da != c.next() ? 1 : 0;
    }
    EXPECT_GT(differ, 990);
}

TEST(Jitter, ACopyRepeatsTheSequenceUntilReseeded) {
    jittered_exponential a{redial::exponential_backoff{}, redial::full_jitter(), 9};
    jittered_exponential copy = a;
    EXPECT_EQ(a.next(), copy.next());
    // Reseeding both with the same value makes them agree again; that is how a fleet gets
    // distinct sequences from one configured policy: a different seed per copy.
    copy.seed(10);
    a.seed(10);
    EXPECT_EQ(a.next(), copy.next());
    copy.seed(11);
    EXPECT_NE(a.next(), copy.next());
}

TEST(Jitter, DefaultSeedsDifferBetweenInstances) {
    jittered_exponential a;
    jittered_exponential b;
    int differ = 0;
    for (int i = 0; i < 64; ++i) {
        differ += a.next() != b.next() ? 1 : 0;
    }
    EXPECT_GT(differ, 60);
}

TEST(Jitter, ResetRestartsTheInnerSchedule) {
    jittered_exponential p{redial::exponential_backoff{}, redial::equal_jitter(), 11};
    for (int i = 0; i < 10; ++i) {
        (void)p.next();
    }
    p.reset();
    const ns d = p.next();
    EXPECT_GE(d, 500ms);
    EXPECT_LT(d, 1s);
    EXPECT_EQ(p.initial_delay(), 1s);
}

TEST(Jitter, BadRangesAreRefused) {
    EXPECT_THROW((jittered_exponential{{}, redial::jitter_range{-0.1, 1.0}}), redial::config_error);
    EXPECT_THROW((jittered_exponential{{}, redial::jitter_range{0.8, 0.5}}), redial::config_error);
    EXPECT_THROW((jittered_exponential{{}, redial::jitter_range{0.0, std::nan("")}}),
                 redial::config_error);
    // Ranges that would make every delay zero: a busy loop.
    EXPECT_THROW((jittered_exponential{{}, redial::jitter_range{0.0, 0.0}}), redial::config_error);
    EXPECT_THROW((jittered_exponential{{}, redial::jitter_range{1.0, 1e12}}), redial::config_error);
    try {
        (void)redial::proportional_jitter(1.5);
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "jitter fraction");
        EXPECT_EQ(e.value(), "1.5");
    }
}

TEST(Jitter, SaturatesWithExtremeFactors) {
    jittered_exponential p{redial::exponential_backoff{ns::max(), 2.0, ns::max()},
                           redial::jitter_range{1e300, 1e301, redial::jitter_cap::overshoot}, 12};
    EXPECT_EQ(p.next(), ns::max());
    EXPECT_EQ(p.max_delay(), ns::max());
}

// --- compile-time windows (static_jitter) --------------------------------------------------

using full_exponential = redial::full_jittered<redial::exponential_backoff>;
using equal_exponential = redial::equal_jittered<redial::exponential_backoff>;
using grpc_exponential = redial::jittered<redial::exponential_backoff, redial::default_generator,
                                          redial::grpc_jitter_window>;

// The window lives in the type: nothing of it is stored.
static_assert(sizeof(full_exponential) < sizeof(jittered_exponential));
static_assert(full_exponential::range_type::lo == 0.0 && full_exponential::range_type::hi == 1.0);

TEST(StaticJitter, FullIsUniformBelowTheDelayAndExact) {
    auto s = sample(full_exponential{one_second(), {}, 1});
    EXPECT_LT(s.min, 1ms);
    EXPECT_LT(s.max, 1s); // integers: never the delay itself
    EXPECT_GT(s.max, 999ms);
    EXPECT_NEAR(s.mean_s, 0.5, 0.5 * 0.01);
    // Exactly floor(d · draw / 2^64): the first draw of splitmix64 seeded with 1.
    redial::splitmix64 g{1};
    const auto draw = g();
    full_exponential p{one_second(), {}, 1};
    EXPECT_EQ(p.next().count(),
              static_cast<std::int64_t>(redial::detail::scale_draw(1'000'000'000u, draw)));
}

TEST(StaticJitter, EqualKeepsAtLeastHalf) {
    auto s = sample(equal_exponential{one_second(), {}, 2});
    EXPECT_GE(s.min, 500ms);
    EXPECT_LT(s.max, 1s);
    EXPECT_NEAR(s.mean_s, 0.75, 0.75 * 0.01);
}

TEST(StaticJitter, NeverAboveTheInnerDelayEvenAtTheLargestDuration) {
    // Where doubles round (beyond 2^53 ns), the integer path still never exceeds d.
    full_exponential full{redial::exponential_backoff{ns::max(), 2.0, ns::max()}, {}, 3};
    equal_exponential equal{redial::exponential_backoff{ns::max(), 2.0, ns::max()}, {}, 3};
    for (int i = 0; i < 10'000; ++i) {
        ASSERT_LT(full.next(), ns::max());
        const ns e = equal.next();
        ASSERT_LT(e, ns::max());
        ASSERT_GE(e, ns::max() / 2);
    }
}

TEST(StaticJitter, GrpcWindowMatchesTheRunTimeOne) {
    // A window with hi > 1 is computed in doubles, with the same formula as jitter_range's.
    grpc_exponential a{redial::exponential_backoff{1s, 1.6, 120s}, {}, 4};
    jittered_exponential b{redial::exponential_backoff{1s, 1.6, 120s}, redial::grpc_jitter(), 4};
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(a.next(), b.next());
    }
    EXPECT_EQ(a.max_delay(), 144s);
    EXPECT_EQ(a.range(), redial::grpc_jitter());
}

TEST(StaticJitter, FitWindowAboveOneStaysBelowTheCap) {
    using fit_window =
        redial::static_jitter<std::ratio<4, 5>, std::ratio<6, 5>, redial::jitter_cap::fit>;
    redial::jittered<redial::exponential_backoff, redial::default_generator, fit_window> p{
        at_cap(), {}, 5};
    auto s = sample(p, 30s);
    EXPECT_GE(s.min, 20s);
    EXPECT_LE(s.max, 30s);
    EXPECT_NEAR(s.mean_s, 25.0, 0.25);
}

TEST(StaticJitter, OvershootSaturatesAtTheLargestDuration) {
    grpc_exponential p{redial::exponential_backoff{ns::max(), 2.0, ns::max()}, {}, 6};
    int saturated = 0;
    for (int i = 0; i < 1000; ++i) {
        const ns d = p.next();
        ASSERT_GE(d, ns::max() / 5 * 4 - 1s);
        saturated += d == ns::max() ? 1 : 0;
    }
    EXPECT_GT(saturated, 400); // factors at or above 1: about half
    EXPECT_EQ(p.max_delay(), ns::max());
}

// A broken policy: the contract says delays are non-negative.
struct negative_backoff {
    ns next() noexcept { return -5s; }
    void reset() noexcept {}
};

TEST(StaticJitter, ANegativeInnerDelayCountsAsZero) {
    redial::full_jittered<negative_backoff> full{{}, {}, 7};
    redial::jittered<negative_backoff, redial::default_generator, redial::grpc_jitter_window> grpc{
        {}, {}, 7};
    redial::jittered<negative_backoff> runtime{{}, redial::proportional_jitter(0.5), 7};
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(full.next(), 0s);
        ASSERT_EQ(grpc.next(), 0s);
        ASSERT_EQ(runtime.next(), 0s);
    }
}

// A class derived from a built-in policy may return negative delays: the promise is not
// inherited, so the guard stays (a review found the promise inherited at first).
struct shifted : redial::exponential_backoff {
    using redial::exponential_backoff::exponential_backoff;
    ns next() noexcept { return exponential_backoff::next() - 2s; }
};
static_assert(redial::enable_nonnegative_delays<redial::exponential_backoff>);
static_assert(!redial::enable_nonnegative_delays<shifted>);
static_assert(redial::backoff_traits<full_exponential>::nonnegative_delays);

TEST(StaticJitter, ADerivedPolicyDoesNotInheritTheNonNegativePromise) {
    redial::full_jittered<shifted> full{shifted{1s, 2.0, 30s}, {}, 1};
    redial::jittered<shifted> runtime{shifted{1s, 2.0, 30s}, redial::full_jitter(), 1};
    EXPECT_EQ(full.next(), 0s); // 1s - 2s counts as zero
    EXPECT_EQ(runtime.next(), 0s);
    for (int i = 0; i < 100; ++i) {
        ASSERT_GE(full.next(), 0s);
        ASSERT_GE(runtime.next(), 0s);
    }
}

TEST(StaticJitter, ExactWhereDoublesRound) {
    // 2^53 + 1 has no double: the integer path keeps every nanosecond, and max_delay() with
    // overshoot is floor(max · Hi) computed the same way.
    const ns odd{(std::int64_t{1} << 53) + 1};
    using unit = redial::static_jitter<std::ratio<1>, std::ratio<1>, redial::jitter_cap::overshoot>;
    redial::jittered<redial::exponential_backoff, redial::default_generator, unit> same{
        redial::exponential_backoff{odd, 2.0, odd}, {}, 1};
    EXPECT_EQ(same.next(), odd);
    EXPECT_EQ(same.max_delay(), odd);
    using half =
        redial::static_jitter<std::ratio<1, 2>, std::ratio<1, 2>, redial::jitter_cap::overshoot>;
    const ns even{(std::int64_t{1} << 54) + 2};
    redial::jittered<redial::exponential_backoff, redial::default_generator, half> halved{
        redial::exponential_backoff{even, 2.0, even}, {}, 1};
    EXPECT_EQ(halved.next(), odd);
    EXPECT_EQ(halved.max_delay(), odd);
}

TEST(StaticJitter, SameSeedSameSequence) {
    full_exponential a{one_second(), {}, 9};
    full_exponential b{one_second(), {}, 9};
    full_exponential c{one_second(), {}, 10};
    int differ = 0;
    for (int i = 0; i < 100; ++i) {
        const ns x = a.next();
        ASSERT_EQ(x, b.next());
        differ += x != c.next() ? 1 : 0;
    }
    EXPECT_GT(differ, 90);
}

} // namespace
