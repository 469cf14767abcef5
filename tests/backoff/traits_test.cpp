#include <redial/backoff/traits.hpp>

#include <redial/backoff/constant.hpp>
#include <redial/backoff/decorrelated_jitter.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>
#include <redial/backoff/linear.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace {

using ns = std::chrono::nanoseconds;

// The least policy: no optional hook, no promise.
struct bare {
    ns next() noexcept { return ns{1}; }
    void reset() noexcept {}
};
// Optional hooks present, with the signatures the library calls.
struct full {
    ns next() noexcept { return ns{1}; }
    void reset() noexcept {}
    [[nodiscard]] ns initial_delay() const noexcept { return ns{1}; }
    [[nodiscard]] ns max_delay() const noexcept { return ns{1}; }
};
// A derived class does not inherit the promise: it may override next().
struct derived : redial::exponential_backoff {};

using bare_traits = redial::backoff_traits<bare>;
using full_traits = redial::backoff_traits<full>;
static_assert(!bare_traits::has_initial_delay && !bare_traits::has_max_delay &&
              !bare_traits::nonnegative_delays);
static_assert(full_traits::has_initial_delay && full_traits::has_max_delay &&
              !full_traits::nonnegative_delays);
static_assert(!redial::backoff_traits<derived>::nonnegative_delays);

// Every built-in policy promises non-negative delays and offers both bounds; the jitter
// decorator keeps its inner policy's bounds.
template <class P>
constexpr bool complete =
    redial::backoff_traits<P>::has_initial_delay && redial::backoff_traits<P>::has_max_delay &&
    redial::backoff_traits<P>::nonnegative_delays;
static_assert(complete<redial::constant_backoff> && complete<redial::linear_backoff> &&
              complete<redial::exponential_backoff> && complete<redial::decorrelated_jitter> &&
              complete<redial::jittered<redial::exponential_backoff>> &&
              complete<redial::full_jittered<redial::linear_backoff>>);
// A decorated bare policy: non-negative (the decorator guards), and no bounds to forward.
static_assert(redial::backoff_traits<redial::jittered<bare>>::nonnegative_delays &&
              !redial::backoff_traits<redial::jittered<bare>>::has_initial_delay &&
              !redial::backoff_traits<redial::jittered<bare>>::has_max_delay);

TEST(BackoffTraits, ADecoratedPolicyWithoutAPromiseStillNeverGoesNegative) {
    struct negative {
        ns next() noexcept { return ns{-5}; }
        void reset() noexcept {}
    };
    static_assert(!redial::backoff_traits<negative>::nonnegative_delays);
    redial::jittered<negative> j{negative{}, redial::full_jitter(), 1};
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(j.next(), ns{0});
    }
}

} // namespace
