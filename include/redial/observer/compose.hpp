#ifndef REDIAL_OBSERVER_COMPOSE_HPP
#define REDIAL_OBSERVER_COMPOSE_HPP

// Several observers as one. Boost.Hana does the iteration, so only code that composes
// observers pays for including it.

#include <redial/observer/hooks.hpp>

#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>

#include <cstddef>
#include <utility>

namespace redial {

/// Calls each observer's hook, in order, for every event; an observer without a hook is
/// skipped at compile time. `get<I>()` reaches one of them (e.g. to read counters).
template <class... Observers>
class composite_observer {
public:
    composite_observer() = default;
    explicit composite_observer(Observers... o) : members_(std::move(o)...) {}

    void on_attempt(const attempt_event& e) { each(e); }
    void on_connected(const connected_event& e) { each(e); }
    void on_connect_failed(const connect_failed_event& e) { each(e); }
    void on_disconnected(const disconnected_event& e) { each(e); }
    void on_backoff(const backoff_event& e) { each(e); }
    void on_give_up(const give_up_event& e) { each(e); }
    void on_stopped(const stopped_event& e) { each(e); }

    template <std::size_t I>
    auto& get() noexcept {
        return boost::hana::at_c<I>(members_);
    }

private:
    template <class Event>
    void each(const Event& e) {
        boost::hana::for_each(members_, [&](auto& o) { detail::notify(o, e); });
    }

    boost::hana::tuple<Observers...> members_;
};

/// composite_observer{a, b, c}
template <class... Observers>
composite_observer<Observers...> compose(Observers... o) {
    return composite_observer<Observers...>(std::move(o)...);
}

} // namespace redial

#endif
