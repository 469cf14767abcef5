#include <redial/stability/concept.hpp>

#include "support/policy_list.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

// Properties every stability policy must have, checked over the one list of all policy types.
namespace {

using namespace std::chrono_literals;
using redial::session_end;
using redial::verdict;
using redial::test::policy_traits;

template <class P>
class StabilityPolicy : public ::testing::Test {};
using all_stability_policies =
    redial::test::unpack_types<decltype(redial::test::stability_policies), ::testing::Types>;
TYPED_TEST_SUITE(StabilityPolicy, all_stability_policies);

// Sessions of `uptime`, each followed by `gap` of downtime.
template <class P>
std::vector<verdict> judge_series(P& p, std::chrono::nanoseconds uptime,
                                  std::chrono::nanoseconds gap, int n) {
    std::vector<verdict> out;
    redial::time_point now{};
    for (int i = 0; i < n; ++i) {
        now += uptime;
        out.push_back(p.judge(session_end{uptime, now}));
        now += gap;
    }
    return out;
}

TYPED_TEST(StabilityPolicy, SatisfiesTheConcept) {
    static_assert(redial::stability_policy<TypeParam>);
}

TYPED_TEST(StabilityPolicy, HourLongSessionsAreStable) {
    TypeParam p = policy_traits<TypeParam>::make(1);
    for (verdict v : judge_series(p, 1h, 1s, 100)) {
        ASSERT_EQ(v, verdict::stable);
    }
}

TYPED_TEST(StabilityPolicy, ResetForgetsHistoryAndCopiesAgree) {
    TypeParam p = policy_traits<TypeParam>::make(2);
    TypeParam fresh = p;
    const auto first = judge_series(p, 10ms, 100ms, 50);
    p.reset();
    EXPECT_EQ(judge_series(p, 10ms, 100ms, 50), first);
    EXPECT_EQ(judge_series(fresh, 10ms, 100ms, 50), first);
}

} // namespace
