#ifndef REDIAL_BACKOFF_TRAITS_HPP
#define REDIAL_BACKOFF_TRAITS_HPP

// The one place that decides a backoff policy's optional parts. The machine, the jitter
// decorator and the run-time policies ask backoff_traits, never the policy directly, so a hook
// that is named right but declared wrong is caught here instead of being silently ignored.

#include <redial/backoff/concept.hpp>

#include <chrono>

namespace redial {

/// Specialise to `true` for a policy whose next() never returns a negative delay by
/// construction; the machine and the jitter decorator then skip their guard against one. A
/// variable template, not a member, so the promise is not inherited: a class derived from a
/// built-in policy may override next(). Every built-in policy specialises it.
template <class P>
inline constexpr bool enable_nonnegative_delays = false;

namespace detail {
// A member of that name exists (and is not an overload set or a template): if the matching
// has_ concept then fails, the hook is declared wrong.
template <class P>
concept names_initial_delay = requires { &P::initial_delay; };
template <class P>
concept names_max_delay = requires { &P::max_delay; };
} // namespace detail

/// What a backoff policy offers beyond next() and reset(); checked() verifies that each optional
/// hook the policy names has the signature the library calls.
template <backoff_policy P>
struct backoff_traits {
    /// initial_delay(): the first delay (the default stability threshold follows it).
    static constexpr bool has_initial_delay = redial::has_initial_delay<P>;
    /// max_delay(): the largest delay next() returns (the jitter decorator's cap).
    static constexpr bool has_max_delay = redial::has_max_delay<P>;
    /// next() is never negative (enable_nonnegative_delays).
    static constexpr bool nonnegative_delays = enable_nonnegative_delays<P>;

    /// True, or a static_assert naming a hook that is named right but declared wrong. A
    /// function, so a failed check leaves the traits usable and the compiler says one thing.
    static constexpr bool checked() {
        static_assert(!detail::names_initial_delay<P> || has_initial_delay,
                      "redial: a backoff policy's initial_delay is declared wrong; expected "
                      "`std::chrono::nanoseconds initial_delay() const` (const, no parameters)");
        static_assert(!detail::names_max_delay<P> || has_max_delay,
                      "redial: a backoff policy's max_delay is declared wrong; expected "
                      "`std::chrono::nanoseconds max_delay() const` (const, no parameters)");
        return true;
    }
};

} // namespace redial

#endif
