#ifndef REDIAL_STABILITY_TRAITS_HPP
#define REDIAL_STABILITY_TRAITS_HPP

// The one place that decides a stability policy's optional hooks (see backoff/traits.hpp).

#include <redial/stability/concept.hpp>

namespace redial {

namespace detail {
template <class S>
concept names_hold_down = requires { &S::hold_down; };
template <class S>
concept names_max_hold_down = requires { &S::max_hold_down; };
template <class S>
concept names_adopt_initial_delay = requires { &S::adopt_initial_delay; };
} // namespace detail

/// What a stability policy offers beyond judge() and reset(); checked() verifies that each
/// optional hook the policy names has the signature the machine calls.
template <stability_policy S>
struct stability_traits {
    /// hold_down(now): the least sleep before the next attempt (flap damping).
    static constexpr bool has_hold_down = redial::has_hold_down<S>;
    /// max_hold_down(): the longest hold_down can be.
    static constexpr bool has_max_hold_down = redial::has_max_hold_down<S>;
    /// adopt_initial_delay(d): takes the backoff's first delay as its default, once.
    static constexpr bool adopts_initial_delay = redial::adopts_initial_delay<S>;

    /// True, or a static_assert naming a hook that is named right but declared wrong.
    static constexpr bool checked() {
        static_assert(!detail::names_hold_down<S> || has_hold_down,
                      "redial: a stability policy's hold_down is declared wrong; expected "
                      "`std::chrono::nanoseconds hold_down(redial::time_point now) const`");
        static_assert(!detail::names_max_hold_down<S> || has_max_hold_down,
                      "redial: a stability policy's max_hold_down is declared wrong; expected "
                      "`std::chrono::nanoseconds max_hold_down() const`");
        static_assert(!detail::names_adopt_initial_delay<S> || adopts_initial_delay,
                      "redial: a stability policy's adopt_initial_delay is declared wrong; "
                      "expected `void adopt_initial_delay(std::chrono::nanoseconds initial)`");
        return true;
    }
};

} // namespace redial

#endif
