#include <redial/ranges.hpp>

#include <redial/backoff/decorrelated_jitter.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>

#include <gtest/gtest.h>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/take.hpp>
#include <range/v3/view/take_while.hpp>

#include <chrono>
#include <vector>

namespace {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;
namespace views = ranges::views;

TEST(Ranges, DelaysAreTheScheduleLazily) {
    auto first8 =
        redial::delays(redial::exponential_backoff{}) | views::take(8) | ranges::to<std::vector>();
    EXPECT_EQ(first8, (std::vector<ns>{1s, 2s, 4s, 8s, 16s, 30s, 30s, 30s}));
}

TEST(Ranges, TheCallersPolicyIsNotAdvanced) {
    redial::exponential_backoff b;
    auto v = redial::delays(b) | views::take(5) | ranges::to<std::vector>();
    EXPECT_EQ(v.size(), 5u);
    EXPECT_EQ(b.next(), 1s);
}

TEST(Ranges, AttemptTimesAreTheCumulativeSchedule) {
    auto times = redial::attempt_times(redial::exponential_backoff{}) | views::take(8) |
                 ranges::to<std::vector>();
    EXPECT_EQ(times, (std::vector<ns>{0s, 1s, 3s, 7s, 15s, 31s, 61s, 91s}));
}

TEST(Ranges, AttemptsWithinTheDefaultTimeoutMatchTheMachine) {
    // The machine's flap scenario makes 14 attempts before giving up at 301 s.
    auto allowed = redial::attempt_times(redial::exponential_backoff{}) |
                   views::take_while([](ns t) { return t <= 5min; }) | ranges::to<std::vector>();
    EXPECT_EQ(allowed.size(), 14u);
    EXPECT_EQ(allowed.back(), 271s);
}

TEST(Ranges, WorksWithRandomisedPolicies) {
    auto a = redial::delays(redial::decorrelated_jitter{1s, 30s, 5}) | views::take(50) |
             ranges::to<std::vector>();
    auto b = redial::delays(redial::decorrelated_jitter{1s, 30s, 5}) | views::take(50) |
             ranges::to<std::vector>();
    EXPECT_EQ(a, b);
    for (ns d : a) {
        EXPECT_GE(d, 1s);
        EXPECT_LE(d, 30s);
    }
}

TEST(Ranges, CumulativeTimeSaturates) {
    auto times = redial::attempt_times(redial::exponential_backoff{ns::max() / 2, 2.0, ns::max()}) |
                 views::take(5) | ranges::to<std::vector>();
    EXPECT_EQ(times, (std::vector<ns>{0ns, ns::max() / 2, ns::max(), ns::max(), ns::max()}));
}

} // namespace
