#ifndef REDIAL_OBSERVER_HOOKS_HPP
#define REDIAL_OBSERVER_HOOKS_HPP

#include <redial/backoff/traits.hpp>
#include <redial/failure.hpp>
#include <redial/stability/concept.hpp>
#include <redial/time.hpp>

#include <chrono>
#include <cstdint>
#include <string_view>
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
               disconnected_event, backoff_event, give_up_event, stopped_event>;

namespace detail {

// The one table from events to hooks: each entry names its hook, detects it (present, or
// present but declared wrong) and calls it. A generic `on_event(const E&)` member template is
// the catch-all hook (composite_observer and callback_observer use it).
template <class Event>
struct hook;
template <>
struct hook<attempt_event> {
    template <class O>
    static constexpr bool named = requires { &O::on_attempt; };
    template <class O>
    static constexpr bool callable = requires(O& o, const attempt_event& e) { o.on_attempt(e); };
    template <class O>
    static constexpr bool checked() {
        static_assert(!named<O> || callable<O>,
                      "redial: observer hook on_attempt is declared wrong; expected "
                      "`void on_attempt(const redial::attempt_event&)`");
        return true;
    }
    template <class O>
    static void call(O& o, const attempt_event& e) {
        o.on_attempt(e);
    }
};
template <>
struct hook<connected_event> {
    template <class O>
    static constexpr bool named = requires { &O::on_connected; };
    template <class O>
    static constexpr bool callable =
        requires(O& o, const connected_event& e) { o.on_connected(e); };
    template <class O>
    static constexpr bool checked() {
        static_assert(!named<O> || callable<O>,
                      "redial: observer hook on_connected is declared wrong; expected "
                      "`void on_connected(const redial::connected_event&)`");
        return true;
    }
    template <class O>
    static void call(O& o, const connected_event& e) {
        o.on_connected(e);
    }
};
template <>
struct hook<connect_failed_event> {
    template <class O>
    static constexpr bool named = requires { &O::on_connect_failed; };
    template <class O>
    static constexpr bool callable =
        requires(O& o, const connect_failed_event& e) { o.on_connect_failed(e); };
    template <class O>
    static constexpr bool checked() {
        static_assert(!named<O> || callable<O>,
                      "redial: observer hook on_connect_failed is declared wrong; expected "
                      "`void on_connect_failed(const redial::connect_failed_event&)`");
        return true;
    }
    template <class O>
    static void call(O& o, const connect_failed_event& e) {
        o.on_connect_failed(e);
    }
};
template <>
struct hook<disconnected_event> {
    template <class O>
    static constexpr bool named = requires { &O::on_disconnected; };
    template <class O>
    static constexpr bool callable =
        requires(O& o, const disconnected_event& e) { o.on_disconnected(e); };
    template <class O>
    static constexpr bool checked() {
        static_assert(!named<O> || callable<O>,
                      "redial: observer hook on_disconnected is declared wrong; expected "
                      "`void on_disconnected(const redial::disconnected_event&)`");
        return true;
    }
    template <class O>
    static void call(O& o, const disconnected_event& e) {
        o.on_disconnected(e);
    }
};
template <>
struct hook<backoff_event> {
    template <class O>
    static constexpr bool named = requires { &O::on_backoff; };
    template <class O>
    static constexpr bool callable = requires(O& o, const backoff_event& e) { o.on_backoff(e); };
    template <class O>
    static constexpr bool checked() {
        static_assert(!named<O> || callable<O>,
                      "redial: observer hook on_backoff is declared wrong; expected "
                      "`void on_backoff(const redial::backoff_event&)`");
        return true;
    }
    template <class O>
    static void call(O& o, const backoff_event& e) {
        o.on_backoff(e);
    }
};
template <>
struct hook<give_up_event> {
    template <class O>
    static constexpr bool named = requires { &O::on_give_up; };
    template <class O>
    static constexpr bool callable = requires(O& o, const give_up_event& e) { o.on_give_up(e); };
    template <class O>
    static constexpr bool checked() {
        static_assert(!named<O> || callable<O>,
                      "redial: observer hook on_give_up is declared wrong; expected "
                      "`void on_give_up(const redial::give_up_event&)`");
        return true;
    }
    template <class O>
    static void call(O& o, const give_up_event& e) {
        o.on_give_up(e);
    }
};
template <>
struct hook<stopped_event> {
    template <class O>
    static constexpr bool named = requires { &O::on_stopped; };
    template <class O>
    static constexpr bool callable = requires(O& o, const stopped_event& e) { o.on_stopped(e); };
    template <class O>
    static constexpr bool checked() {
        static_assert(!named<O> || callable<O>,
                      "redial: observer hook on_stopped is declared wrong; expected "
                      "`void on_stopped(const redial::stopped_event&)`");
        return true;
    }
    template <class O>
    static void call(O& o, const stopped_event& e) {
        o.on_stopped(e);
    }
};
template <>
struct hook<started_event> {
    template <class O>
    static constexpr bool named = requires { &O::on_started; };
    template <class O>
    static constexpr bool callable = requires(O& o, const started_event& e) { o.on_started(e); };
    template <class O>
    static constexpr bool checked() {
        static_assert(!named<O> || callable<O>,
                      "redial: observer hook on_started is declared wrong; expected "
                      "`void on_started(const redial::started_event&)`");
        return true;
    }
    template <class O>
    static void call(O& o, const started_event& e) {
        o.on_started(e);
    }
};

template <class O, class Event>
concept has_hook =
    hook<Event>::template callable<O> || requires(O& o, const Event& e) { o.on_event(e); };

template <class O, class... Events>
constexpr bool check_observer(event_list<Events...>) {
    (hook<Events>::template checked<O>(), ...);
    static_assert(
        (has_hook<O, Events> || ...) || observes_nothing<O>,
        "redial: the observer has none of the hooks on_started, on_attempt, on_connected, "
        "on_connect_failed, on_disconnected, on_backoff, on_give_up, on_stopped (each taking its "
        "event by const reference), nor on_event: a misspelt hook? For an observer with no "
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

/// True when `Observer` is usable as an observer: every hook it names is declared right, and it
/// has at least one (or says it observes nothing). Otherwise a static_assert names the problem.
template <class Observer>
inline constexpr bool observer_checked = detail::check_observer<Observer>(observer_events{});

} // namespace redial

#endif
