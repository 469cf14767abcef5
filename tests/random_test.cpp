#include <redial/random.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace {

TEST(SplitMix64, MatchesTheReferenceSequence) {
    // Reference outputs of Vigna's splitmix64.c seeded with 0.
    redial::splitmix64 g{0};
    EXPECT_EQ(g(), 0xe220a8397b1dcdafULL);
    EXPECT_EQ(g(), 0x6e789e6aa1b965f4ULL);
    EXPECT_EQ(g(), 0x06c45d188009454fULL);
}

TEST(SplitMix64, IsSmallAndWorksWithStandardDistributions) {
    static_assert(sizeof(redial::splitmix64) <= 32);
    redial::splitmix64 g{1};
    std::uniform_int_distribution<int> dist(1, 6);
    for (int i = 0; i < 1000; ++i) {
        const int v = dist(g);
        ASSERT_GE(v, 1);
        ASSERT_LE(v, 6);
    }
}

// Jitter needs all 64 bits of a draw: a 32-bit engine would silently give no jitter at all.
static_assert(redial::seedable_generator<redial::splitmix64>);
static_assert(redial::seedable_generator<std::mt19937_64>);
static_assert(!redial::seedable_generator<std::mt19937>);
static_assert(!redial::seedable_generator<std::minstd_rand>);

TEST(SplitMix64, ReseedingRestartsTheSequence) {
    redial::splitmix64 a{5};
    const auto first = a();
    a.seed(5);
    EXPECT_EQ(a(), first);
}

TEST(UnitInterval, StaysInHalfOpenRange) {
    redial::splitmix64 g{3};
    double lo = 1, hi = 0;
    for (int i = 0; i < 100'000; ++i) {
        const double u = redial::detail::unit_interval(g);
        lo = std::min(lo, u);
        hi = std::max(hi, u);
    }
    EXPECT_GE(lo, 0.0);
    EXPECT_LT(hi, 1.0);
    EXPECT_LT(lo, 0.001);
    EXPECT_GT(hi, 0.999);
}

} // namespace
