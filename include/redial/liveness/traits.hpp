#ifndef REDIAL_LIVENESS_TRAITS_HPP
#define REDIAL_LIVENESS_TRAITS_HPP

// The one place that decides a liveness policy's optional parts, so that a hook named right but
// declared wrong is a compile error naming it instead of being silently skipped.

#include <redial/liveness/concept.hpp>
#include <redial/time.hpp>

#include <concepts>

namespace redial {

namespace detail {
template <class L>
concept names_ping = requires { &L::ping; }; // a plain member function (not a template)
template <class L>
concept names_slow_down = requires { &L::slow_down; };
template <class L>
concept names_ping_sent_at = requires { &L::ping_sent_at; };
template <class L>
concept has_ping_sent_at = requires(const L& l) {
    { l.ping_sent_at() } -> std::same_as<time_point>;
};
} // namespace detail

/// What a liveness policy offers beyond the concept's four events.
template <liveness_policy L>
struct liveness_traits {
    static constexpr bool enabled = !disabled_liveness<L>;
    static constexpr bool has_slow_down = redial::has_slow_down<L>;
    /// ping_sent_at(): when the unanswered ping went out (the timeout event reports it).
    static constexpr bool has_ping_sent_at = detail::has_ping_sent_at<L>;
    template <class Connection>
    static constexpr bool has_ping = redial::has_ping<L, Connection>;
    /// The ping writes something (false for heartbeat<no_ping>: then no ping is reported).
    template <class Connection>
    static constexpr bool sends_pings = [] {
        if constexpr (requires { L::sends_pings; }) {
            return has_ping<Connection> && L::sends_pings;
        } else {
            return has_ping<Connection>;
        }
    }();

    /// True, or a static_assert naming the hook that is declared wrong.
    template <class Connection>
    static constexpr bool checked() {
        static_assert(!detail::names_ping<L> || has_ping<Connection>,
                      "redial: a liveness policy's ping is declared wrong; expected `void "
                      "ping(Connection&)` callable with the session's connection (a template "
                      "member works for any connection)");
        static_assert(!detail::names_slow_down<L> || has_slow_down,
                      "redial: a liveness policy's slow_down is declared wrong; expected `void "
                      "slow_down()` (no parameters)");
        static_assert(!detail::names_ping_sent_at<L> || has_ping_sent_at,
                      "redial: a liveness policy's ping_sent_at is declared wrong; expected "
                      "`redial::time_point ping_sent_at() const`");
        return true;
    }
};

} // namespace redial

#endif
