#ifndef REDIAL_OBSERVER_HOOKS_HPP
#define REDIAL_OBSERVER_HOOKS_HPP

#include <redial/backoff/traits.hpp>
#include <redial/failure.hpp>
#include <redial/stability/concept.hpp>
#include <redial/time.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace redial {

/// The events a reconnector reports. An observer implements only the hooks it wants, as public
/// members taking the event by const reference; a missing hook costs nothing (the driver checks
/// for it at compile time, in the table below). A hook that is named right but declared wrong,
/// or an observer with no hook at all, is a compile error (observer_checked).
struct attempt_event {
    std::uint64_t attempt; ///< 1-based, within the current retry window
    time_point at;
};
struct connected_event {
    std::uint64_t attempt;
    time_point at;
};
struct connect_failed_event {
    const failure& error;
    std::uint64_t attempt;
    time_point at;
};
struct disconnected_event {
    const failure& reason;
    std::chrono::nanoseconds uptime;
    redial::verdict verdict; ///< stable or flap
    /// The uptime the verdict judged: up to the last byte received when the session ended on a
    /// timeout under a liveness policy (a silent connection is not a healthy one), otherwise
    /// `uptime`.
    std::chrono::nanoseconds alive_for;
    time_point at;
};
struct backoff_event {
    std::chrono::nanoseconds delay;
    std::uint64_t attempt; ///< the attempt that follows the sleep
    time_point at;
};
struct give_up_event {
    std::string_view error; ///< e.g. "reconnect timed out after 5m: connection refused"
    time_point at;
};
struct stopped_event {
    time_point at;
};
/// The liveness policy sent a ping: nothing was received for `idle_for`.
struct ping_event {
    std::chrono::nanoseconds idle_for;
    time_point at;
};
/// The liveness policy found the connection dead; a disconnected_event follows, its reason
/// liveness_errc::no_data with the text "no data for 3s".
struct liveness_timeout_event {
    std::chrono::nanoseconds silent_for;          ///< since the last byte (or the connect)
    std::chrono::nanoseconds ping_unanswered_for; ///< zero when no ping was in flight
    time_point at;
};
/// The outbox let a message go unwritten: its overflow policy dropped it to keep the limits
/// (reason outbox_errc::dropped), the connection ended in the middle of its write under
/// cut_message::lose (lost), or it waited when the connection ended under overflow::disabled
/// (not_connected). A rejected send is no event: its completion tells the sender at once.
struct outbox_drop_event {
    std::error_code reason;
    std::size_t bytes;               ///< the message's size
    std::chrono::nanoseconds waited; ///< since it was sent
    std::size_t queued_messages;     ///< what the outbox holds now
    std::size_t queued_bytes;
    time_point at;
};
/// A message's time-to-live ran out before its write began; its completion says expired.
struct outbox_expired_event {
    std::size_t bytes;
    std::chrono::nanoseconds waited;
    std::size_t queued_messages;
    std::size_t queued_bytes;
    time_point at;
};
/// A run started: the give-up rules and the thresholds in use, as the machine resolved them.
struct started_event {
    /// The backoff's first delay; zero when the policy has no initial_delay().
    std::chrono::nanoseconds initial_delay;
    /// The uptime that makes a session stable, when the stability policy has one (threshold());
    /// zero otherwise.
    std::chrono::nanoseconds stable_after;
    /// stable_after was not given: it follows the backoff's initial delay.
    bool stable_after_follows_backoff;
    std::chrono::nanoseconds give_up_timeout; ///< 0 = never
    std::uint64_t max_attempts;               ///< 0 = unlimited
    time_point at;
};

/// Specialise to `true` for an observer that has no hook on purpose (null_observer does); any
/// other observer without a single recognised hook is a compile error, which catches a typo
/// such as `on_attemp` instead of ignoring it.
template <class Observer>
inline constexpr bool observes_nothing = false;

/// Every event, in the order the table below lists their hooks.
template <class... Events>
struct event_list {};
using observer_events =
    event_list<started_event, attempt_event, connected_event, connect_failed_event,
               disconnected_event, backoff_event, give_up_event, stopped_event, ping_event,
               liveness_timeout_event, outbox_drop_event, outbox_expired_event>;

namespace detail {

// The one table from events to hooks, a row per event: each row's struct detects its hook
// (present; or named but declared wrong, which checked() refuses with the expected signature)
// and calls it. A macro, because a member's name cannot be a template argument; #undef'd
// below. A generic `on_event(const E&)` member template is the catch-all hook
// (composite_observer and callback_observer use it).
template <class Event>
struct hook;
#define REDIAL_OBSERVER_HOOK(Event, name)                                                          \
    template <>                                                                                    \
    struct hook<Event> {                                                                           \
        template <class O>                                                                         \
        static constexpr bool named = requires { &O::name; };                                      \
        template <class O>                                                                         \
        static constexpr bool callable = requires(O& o, const Event& e) { o.name(e); };            \
        template <class O>                                                                         \
        static constexpr bool checked() {                                                          \
            static_assert(!named<O> || callable<O>, "redial: observer hook " #name                 \
                                                    " is declared wrong; expected `void " #name    \
                                                    "(const redial::" #Event "&)`");               \
            return true;                                                                           \
        }                                                                                          \
        template <class O>                                                                         \
        static void call(O& o, const Event& e) {                                                   \
            o.name(e);                                                                             \
        }                                                                                          \
    }

REDIAL_OBSERVER_HOOK(started_event, on_started);
REDIAL_OBSERVER_HOOK(attempt_event, on_attempt);
REDIAL_OBSERVER_HOOK(connected_event, on_connected);
REDIAL_OBSERVER_HOOK(connect_failed_event, on_connect_failed);
REDIAL_OBSERVER_HOOK(disconnected_event, on_disconnected);
REDIAL_OBSERVER_HOOK(backoff_event, on_backoff);
REDIAL_OBSERVER_HOOK(give_up_event, on_give_up);
REDIAL_OBSERVER_HOOK(stopped_event, on_stopped);
REDIAL_OBSERVER_HOOK(ping_event, on_ping);
REDIAL_OBSERVER_HOOK(liveness_timeout_event, on_liveness_timeout);
REDIAL_OBSERVER_HOOK(outbox_drop_event, on_outbox_drop);
REDIAL_OBSERVER_HOOK(outbox_expired_event, on_outbox_expired);

#undef REDIAL_OBSERVER_HOOK

template <class O, class Event>
concept has_hook =
    hook<Event>::template callable<O> || requires(O& o, const Event& e) { o.on_event(e); };

template <class O, class... Events>
constexpr bool check_observer(event_list<Events...>) {
    (hook<Events>::template checked<O>(), ...);
    static_assert(
        // A hook named but declared wrong counts: its own message above says what is wrong.
        ((has_hook<O, Events> || hook<Events>::template named<O>) || ...) || observes_nothing<O>,
        "redial: the observer has none of the hooks on_started, on_attempt, on_connected, "
        "on_connect_failed, on_disconnected, on_backoff, on_give_up, on_stopped, on_ping, "
        "on_liveness_timeout, on_outbox_drop, on_outbox_expired (each taking its event by const "
        "reference), nor on_event: a misspelt hook? For an observer with no "
        "hooks on purpose, use redial::null_observer or specialise redial::observes_nothing");
    return true;
}

/// The started_event of a machine: what it resolved at construction (the stability threshold
/// the backoff's initial delay gave it, when it follows it).
template <class Machine>
started_event started_event_of(const Machine& m, time_point now) {
    started_event e{};
    if constexpr (backoff_traits<typename Machine::backoff_type>::has_initial_delay) {
        e.initial_delay = m.backoff().initial_delay();
    }
    if constexpr (requires { m.stability().threshold(); }) {
        e.stable_after = m.stability().threshold();
    }
    if constexpr (requires { m.stability().follows_initial_delay(); }) {
        e.stable_after_follows_backoff = m.stability().follows_initial_delay();
    }
    e.give_up_timeout = m.options().give_up_timeout;
    e.max_attempts = m.options().max_attempts;
    e.at = now;
    return e;
}

/// Calls the observer's hook for `e`, its on_event, or nothing: each compiles to nothing when
/// the observer lacks both.
template <class Observer, class Event>
void notify(Observer& o, const Event& e) {
    if constexpr (hook<Event>::template callable<Observer>) {
        hook<Event>::call(o, e);
    } else if constexpr (requires { o.on_event(e); }) {
        o.on_event(e);
    }
}

} // namespace detail

/// `Observer` has a hook for `Event` (its own, or on_event): assert the hooks you mean to have,
/// which also catches a misspelt hook beside a correct one.
template <class Observer, class Event>
concept observes = detail::has_hook<Observer, Event>;

/// True when `Observer` is usable as an observer: every hook it names is declared right, and it
/// has at least one (or says it observes nothing). Otherwise a static_assert names the problem.
template <class Observer>
inline constexpr bool observer_checked = detail::check_observer<Observer>(observer_events{});

} // namespace redial

#endif
