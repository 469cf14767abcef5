#include <redial/detail/saturate.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>

namespace {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;
using namespace redial::detail;

TEST(Saturate, AddAndSubtractClampAtTheEnds) {
    EXPECT_EQ(sat_add(ns::max(), 1ns), ns::max());
    EXPECT_EQ(sat_add(ns::min(), -1ns), ns::min());
    EXPECT_EQ(sat_add(1s, 2s), 3s);
    EXPECT_EQ(sat_sub(ns::min(), 1ns), ns::min());
    EXPECT_EQ(sat_sub(ns::max(), -1ns), ns::max());
    EXPECT_EQ(sat_sub(3s, 1s), 2s);
}

TEST(Saturate, MultiplyClampsAndRounds) {
    EXPECT_EQ(sat_mul(ns::max(), std::int64_t{3}), ns::max());
    EXPECT_EQ(sat_mul(ns::min(), std::int64_t{3}), ns::min());
    EXPECT_EQ(sat_mul(ns::max() / 2, 3.0), ns::max());
    EXPECT_EQ(sat_mul(1s, 1.6), 1600ms);
    EXPECT_EQ(sat_mul(3ns, 0.5), 2ns); // 1.5 rounds to nearest, away from zero
    EXPECT_EQ(sat_mul(1s, std::numeric_limits<double>::infinity()), ns::max());
    EXPECT_EQ(from_double(std::nan("")), ns::max());
    EXPECT_EQ(from_double(-1e30), ns::min());
}

TEST(Saturate, DoubleNotAboveIsExactBelowTwoToThe53) {
    EXPECT_EQ(double_not_above(30s), 30e9);
    EXPECT_EQ(double_not_above(ns{(std::int64_t{1} << 53) + 1}), 9007199254740992.0);
    const double top = double_not_above(ns::max());
    EXPECT_LT(top, 9223372036854775808.0); // 2^63 itself would not convert
    EXPECT_EQ(static_cast<std::int64_t>(top), ns::max().count() - 1023);
}

TEST(Saturate, ScaleDrawMapsTheWholeDrawRangeOntoTheSpan) {
    EXPECT_EQ(scale_draw(10, 0), 0u);
    EXPECT_EQ(scale_draw(10, ~std::uint64_t{0}), 9u);
    EXPECT_EQ(scale_draw(~std::uint64_t{0}, ~std::uint64_t{0}), ~std::uint64_t{0} - 1);
}

TEST(Saturate, ElapsedNeverNegative) {
    using tp = std::chrono::time_point<std::chrono::steady_clock, ns>;
    EXPECT_EQ(elapsed(tp{5s}, tp{3s}), 0ns);
    EXPECT_EQ(elapsed(tp{3s}, tp{5s}), 2s);
    EXPECT_EQ(elapsed(tp{ns::min()}, tp{ns::max()}), ns::max());
}

} // namespace
