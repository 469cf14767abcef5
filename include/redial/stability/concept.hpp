#ifndef REDIAL_STABILITY_CONCEPT_HPP
#define REDIAL_STABILITY_CONCEPT_HPP

#include <redial/time.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>

namespace redial {

/// How a finished session is judged: a healthy session that ended (stable: reset the backoff)
/// or a flap (treated as a failed connect: keep escalating).
enum class verdict : std::uint8_t { stable, flap };

/// What a stability policy learns about a session that ended.
struct session_end {
    std::chrono::nanoseconds uptime; ///< from connected to ended
    time_point at;                   ///< when it ended
};

/// Tells a healthy session from a flap. `judge` sees each session that ended, in time order;
/// `reset` forgets all history.
template <class S>
concept stability_policy = std::copyable<S> && requires(S& s, const session_end& e) {
    { s.judge(e) } -> std::same_as<verdict>;
    { s.reset() } noexcept;
};

/// Optional: a minimum delay before the next attempt (flap damping holds a suppressed
/// connection down until its penalty decays). The machine sleeps max(backoff, hold_down).
template <class S>
concept has_hold_down = requires(const S& s, time_point now) {
    { s.hold_down(now) } -> std::convertible_to<std::chrono::nanoseconds>;
};

/// Optional, beside hold_down: the longest hold-down the policy can ever ask for. The machine
/// refuses a give-up timeout that is not longer (every suppression would give up at once).
template <class S>
concept has_max_hold_down = requires(const S& s) {
    { s.max_hold_down() } -> std::convertible_to<std::chrono::nanoseconds>;
};

/// Optional: a policy whose default depends on the backoff's first delay (uptime_threshold's
/// default threshold is the backoff's initial delay). The machine calls it once, at
/// construction, when the backoff policy has initial_delay().
template <class S>
concept adopts_initial_delay =
    requires(S& s, std::chrono::nanoseconds d) { s.adopt_initial_delay(d); };

} // namespace redial

#endif
