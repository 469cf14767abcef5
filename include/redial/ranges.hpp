#ifndef REDIAL_RANGES_HPP
#define REDIAL_RANGES_HPP

// A policy's schedule as lazy range-v3 views. Only two view headers are pulled in (about
// 0.5 s of compile time, against 1.5 s for <range/v3/all.hpp>); include what you compose with.

#include <redial/backoff/concept.hpp>
#include <redial/detail/saturate.hpp>

#include <range/v3/view/exclusive_scan.hpp>
#include <range/v3/view/generate.hpp>

#include <chrono>
#include <utility>

namespace redial {

namespace detail {
struct saturating_plus {
    constexpr std::chrono::nanoseconds operator()(std::chrono::nanoseconds a,
                                                  std::chrono::nanoseconds b) const noexcept {
        return sat_add(a, b);
    }
};
} // namespace detail

/// The successive delays of a copy of `policy`, lazily and without end:
/// `delays(exponential_backoff{}) | views::take(6)` is 1s, 2s, 4s, 8s, 16s, 30s.
/// The view owns its copy; the caller's policy is not advanced.
template <backoff_policy Policy>
auto delays(Policy policy) {
    return ranges::views::generate(
        [p = std::move(policy)]() mutable -> std::chrono::nanoseconds { return p.next(); });
}

/// When each attempt of a failing streak happens, counted from the first attempt, if every
/// attempt fails at once: 0, d1, d1+d2, ... (saturating). The first attempt is immediate.
/// `attempt_times(p) | views::take_while([](auto t) { return t <= 5min; })` are the attempts
/// the default give-up timeout allows.
template <backoff_policy Policy>
auto attempt_times(Policy policy) {
    return delays(std::move(policy)) |
           ranges::views::exclusive_scan(std::chrono::nanoseconds{0}, detail::saturating_plus{});
}

} // namespace redial

#endif
