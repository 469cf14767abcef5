#include <redial/backoff/linear.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;

TEST(LinearBackoff, AddsTheStepUpToTheCap) {
    redial::linear_backoff b{1s, 500ms, 3s};
    std::vector<ns> got;
    for (int i = 0; i < 7; ++i) {
        got.push_back(b.next());
    }
    EXPECT_EQ(got, (std::vector<ns>{1s, 1500ms, 2s, 2500ms, 3s, 3s, 3s}));
    b.reset();
    EXPECT_EQ(b.next(), 1s);
}

TEST(LinearBackoff, DefaultsAreOneSecondStepsToThirty) {
    redial::linear_backoff b;
    for (int i = 1; i <= 30; ++i) {
        ASSERT_EQ(b.next(), std::chrono::seconds{i});
    }
    EXPECT_EQ(b.next(), 30s);
}

TEST(LinearBackoff, ZeroStepIsConstantAndHugeStepSaturates) {
    redial::linear_backoff flat{2s, 0s, 10s};
    EXPECT_EQ(flat.next(), 2s);
    EXPECT_EQ(flat.next(), 2s);
    redial::linear_backoff huge{ns::max() - 1ns, ns::max(), ns::max()};
    EXPECT_EQ(huge.next(), ns::max() - 1ns);
    EXPECT_EQ(huge.next(), ns::max());
}

TEST(LinearBackoff, BadParametersAreRefused) {
    EXPECT_THROW((redial::linear_backoff{0s, 1s, 2s}), redial::config_error);
    EXPECT_THROW((redial::linear_backoff{1s, -1s, 2s}), redial::config_error);
    try {
        redial::linear_backoff b{5s, 1s, 2s};
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "linear_backoff initial");
        EXPECT_EQ(e.value(), "5s");
    }
}

} // namespace
