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

    /// The catch-all hook (see observer/hooks.hpp): only the events F accepts exist for it.
    template <class Event>
        requires std::invocable<F&, const Event&>
    void on_event(const Event& e) {
        f(e);
    }
};

template <class F>
callback_observer(F) -> callback_observer<F>;

} // namespace redial

#endif
