#include <redial/backoff/concept.hpp>

#include <redial/backoff/traits.hpp>
#include <redial/core/machine.hpp>

#include "support/drive.hpp"
#include "support/policy_list.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

// Properties every backoff policy must have, checked over the one list of all policy types.
namespace {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;
using redial::test::policy_traits;

template <class P>
class BackoffPolicy : public ::testing::Test {};
using all_backoff_policies =
    redial::test::unpack_types<decltype(redial::test::backoff_policies), ::testing::Types>;
TYPED_TEST_SUITE(BackoffPolicy, all_backoff_policies);

template <class P>
std::vector<ns> take(P& p, int n) {
    std::vector<ns> out;
    for (int i = 0; i < n; ++i) {
        out.push_back(p.next());
    }
    return out;
}

TYPED_TEST(BackoffPolicy, SatisfiesTheConceptAndExposesItsBounds) {
    static_assert(redial::backoff_policy<TypeParam>);
    static_assert(redial::backoff_traits<TypeParam>::has_initial_delay);
    static_assert(redial::backoff_traits<TypeParam>::has_max_delay);
    // Every built-in promises non-negative delays (the jitter decorator relies on it).
    static_assert(redial::backoff_traits<TypeParam>::nonnegative_delays);
}

TYPED_TEST(BackoffPolicy, ACopyRepeatsTheSameDelays) {
    TypeParam p = policy_traits<TypeParam>::make(1);
    (void)take(p, 3);
    TypeParam copy = p;
    EXPECT_EQ(take(p, 1000), take(copy, 1000));
}

TYPED_TEST(BackoffPolicy, DelaysStayWithinZeroAndTheCap) {
    TypeParam p = policy_traits<TypeParam>::make(2);
    const ns cap = p.max_delay();
    for (ns d : take(p, 10'000)) {
        ASSERT_GE(d, 0ns);
        ASSERT_LE(d, cap);
    }
}

TYPED_TEST(BackoffPolicy, ResetRestartsTheSchedule) {
    // After reset() the next delay is drawn exactly as a fresh policy's first delay: compare
    // the means over many rounds (equal for deterministic policies, within 3% for random ones).
    constexpr int rounds = 2000;
    double fresh = 0, after_reset = 0, escalated = 0;
    TypeParam p = policy_traits<TypeParam>::make(3);
    for (int i = 0; i < rounds; ++i) {
        TypeParam f = policy_traits<TypeParam>::make(1000 + static_cast<std::uint64_t>(i));
        fresh += std::chrono::duration<double>(f.next()).count();
        (void)take(p, 20);
        escalated += std::chrono::duration<double>(p.next()).count();
        p.reset();
        after_reset += std::chrono::duration<double>(p.next()).count();
    }
    EXPECT_NEAR(after_reset / rounds, fresh / rounds, 0.03 * fresh / rounds);
    EXPECT_LE(fresh / rounds, escalated / rounds * 1.03);
}

TYPED_TEST(BackoffPolicy, DrivesTheMachineToTheSeedsGiveUp) {
    redial::basic_reconnect_machine<TypeParam, redial::uptime_threshold, std::string> m{
        policy_traits<TypeParam>::make(4)};
    auto t = redial::test::drive(m, redial::test::accept_then_reset);
    ASSERT_TRUE(t.gave_up_at);
    // Whatever the schedule, the machine gives up at the first attempt due after 300 s.
    const ns at = redial::test::since_start(*t.gave_up_at);
    EXPECT_GT(at, 300s);
    EXPECT_LE(at, 300s + m.backoff().max_delay());
    EXPECT_LE(redial::test::since_start(t.attempts.back()), 300s);
    EXPECT_EQ(t.error, "reconnect timed out after 5m: connection reset by peer");
}

// --- the example policy of docs/backoff.md ---------------------------------------------------

// docs-example-begin: fibonacci_backoff
// 1, 1, 2, 3, 5, 8, ... times a unit, capped. Two members make a backoff policy; the optional
// initial_delay() and max_delay() let uptime_threshold and the jitter decorator use it fully.
class fibonacci_backoff {
public:
    explicit fibonacci_backoff(std::chrono::nanoseconds unit = std::chrono::seconds{1},
                               std::chrono::nanoseconds max = std::chrono::seconds{30})
        : unit_(unit), max_(max), a_(unit), b_(unit) {}

    std::chrono::nanoseconds next() noexcept {
        const std::chrono::nanoseconds d = a_;
        a_ = b_;
        b_ = std::min(max_, redial::detail::sat_add(d, b_)); // saturate, never overflow
        return d;
    }
    void reset() noexcept { a_ = b_ = unit_; }

    std::chrono::nanoseconds initial_delay() const noexcept { return unit_; }
    std::chrono::nanoseconds max_delay() const noexcept { return max_; }

private:
    std::chrono::nanoseconds unit_, max_, a_, b_;
};
static_assert(redial::backoff_policy<fibonacci_backoff>);
// docs-example-end

TEST(BackoffConcept, AUserPolicyWorksWithJitterAndTheMachine) {
    fibonacci_backoff f;
    EXPECT_EQ(take(f, 10), (std::vector<ns>{1s, 1s, 2s, 3s, 5s, 8s, 13s, 21s, 30s, 30s}));
    f.reset();
    EXPECT_EQ(f.next(), 1s);

    redial::jittered<fibonacci_backoff> j{fibonacci_backoff{}, redial::equal_jitter(), 7};
    for (ns d : take(j, 100)) {
        ASSERT_LE(d, 30s);
    }

    redial::basic_reconnect_machine<fibonacci_backoff, redial::uptime_threshold, std::string> m;
    auto t = redial::test::drive(m, redial::test::always_refuse);
    // Attempts at 0, 1, 2, 4, 7, 12, 20, 33, 54, then every 30 s to 294: the one due at 324 s
    // is not made.
    EXPECT_EQ(redial::test::since_start(*t.gave_up_at), 324s);
    EXPECT_EQ(t.attempts.size(), 17u);
}

} // namespace
