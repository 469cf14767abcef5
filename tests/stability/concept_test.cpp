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

// --- the example policy of docs/stability.md -------------------------------------------------

// docs-example-begin: duty_cycle
// Healthy if the session was up for at least half the time since the previous one ended: a
// link that is mostly up is fine even if its sessions are short; one that is mostly down flaps.
class duty_cycle {
public:
    redial::verdict judge(const redial::session_end& e) noexcept {
        const std::chrono::nanoseconds since_last = e.at - last_end_;
        last_end_ = e.at;
        return 2 * e.uptime >= since_last ? redial::verdict::stable : redial::verdict::flap;
    }
    void reset() noexcept { last_end_ = {}; }

private:
    redial::time_point last_end_{};
};
static_assert(redial::stability_policy<duty_cycle>);
// docs-example-end

TEST(StabilityConcept, AUserPolicyJudgesByDutyCycle) {
    duty_cycle p;
    const redial::time_point t0{};
    EXPECT_EQ(p.judge({10s, t0 + 10s}), verdict::stable); // up 10 of 10 s
    EXPECT_EQ(p.judge({5s, t0 + 20s}), verdict::stable);  // up 5 of 10 s: exactly half
    EXPECT_EQ(p.judge({1s, t0 + 30s}), verdict::flap);    // up 1 of 10 s
    p.reset();
    EXPECT_EQ(p.judge({1s, t0 + 100s}), verdict::flap); // up 1 of 100 s
}

} // namespace
