#ifndef REDIAL_BACKOFF_CONCEPT_HPP
#define REDIAL_BACKOFF_CONCEPT_HPP

#include <chrono>
#include <concepts>

namespace redial {

/// A delay schedule. `next()` returns the delay before the next attempt and advances the
/// schedule; `reset()` returns it to the start (after a session proved stable).
/// Policies are values: copying one copies its whole state, generator included.
template <class P>
concept backoff_policy = std::copyable<P> && requires(P& p) {
    { p.next() } -> std::convertible_to<std::chrono::nanoseconds>;
    { p.reset() } noexcept;
};

/// Optional: the first delay of the schedule. An uptime_threshold left at its default adopts
/// it as the stability threshold (the default rule: stable means "lived at least `initial`").
template <class P>
concept has_initial_delay = requires(const P& p) {
    { p.initial_delay() } -> std::convertible_to<std::chrono::nanoseconds>;
};

/// Optional: the cap of the schedule. The jitter decorator uses it to honour its cap mode.
template <class P>
concept has_max_delay = requires(const P& p) {
    { p.max_delay() } -> std::convertible_to<std::chrono::nanoseconds>;
};

} // namespace redial

#endif
