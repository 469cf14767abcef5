#ifndef REDIAL_OBSERVER_HOOKS_HPP
#define REDIAL_OBSERVER_HOOKS_HPP

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
/// for it with `requires` at compile time).
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

namespace detail {
// One call site per hook; each compiles to nothing when the observer lacks it.
template <class Observer, class Event>
void notify(Observer& o, const Event& e) {
    if constexpr (std::is_same_v<Event, attempt_event> && requires { o.on_attempt(e); }) {
        o.on_attempt(e);
    } else if constexpr (std::is_same_v<Event, connected_event> &&
                         requires { o.on_connected(e); }) {
        o.on_connected(e);
    } else if constexpr (std::is_same_v<Event, connect_failed_event> &&
                         requires { o.on_connect_failed(e); }) {
        o.on_connect_failed(e);
    } else if constexpr (std::is_same_v<Event, disconnected_event> &&
                         requires { o.on_disconnected(e); }) {
        o.on_disconnected(e);
    } else if constexpr (std::is_same_v<Event, backoff_event> && requires { o.on_backoff(e); }) {
        o.on_backoff(e);
    } else if constexpr (std::is_same_v<Event, give_up_event> && requires { o.on_give_up(e); }) {
        o.on_give_up(e);
    } else if constexpr (std::is_same_v<Event, stopped_event> && requires { o.on_stopped(e); }) {
        o.on_stopped(e);
    }
}
} // namespace detail

} // namespace redial

#endif
