#ifndef REDIAL_OBSERVER_CALLBACK_HPP
#define REDIAL_OBSERVER_CALLBACK_HPP

#include <redial/observer/hooks.hpp>

#include <concepts>
#include <utility>

namespace redial {

/// Forwards every event the callable accepts: `callback_observer{[](const auto& e) {...}}` sees
/// all of them; a callable taking only `const backoff_event&` sees only backoffs, and the other
/// hooks do not exist (so they cost nothing).
template <class F>
struct callback_observer {
    F f;

    void on_attempt(const attempt_event& e)
        requires std::invocable<F&, const attempt_event&>
    {
        f(e);
    }
    void on_connected(const connected_event& e)
        requires std::invocable<F&, const connected_event&>
    {
        f(e);
    }
    void on_connect_failed(const connect_failed_event& e)
        requires std::invocable<F&, const connect_failed_event&>
    {
        f(e);
    }
    void on_disconnected(const disconnected_event& e)
        requires std::invocable<F&, const disconnected_event&>
    {
        f(e);
    }
    void on_backoff(const backoff_event& e)
        requires std::invocable<F&, const backoff_event&>
    {
        f(e);
    }
    void on_give_up(const give_up_event& e)
        requires std::invocable<F&, const give_up_event&>
    {
        f(e);
    }
    void on_stopped(const stopped_event& e)
        requires std::invocable<F&, const stopped_event&>
    {
        f(e);
    }
};

template <class F>
callback_observer(F) -> callback_observer<F>;

} // namespace redial

#endif
