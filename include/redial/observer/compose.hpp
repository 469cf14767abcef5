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

    /// The catch-all hook (see observer/hooks.hpp): every event, to each member that has a
    /// hook for it.
    template <class Event>
    void on_event(const Event& e) {
        boost::hana::for_each(members_, [&](auto& o) { detail::notify(o, e); });
    }

    template <std::size_t I>
    auto& get() noexcept {
        return boost::hana::at_c<I>(members_);
    }

private:
    static_assert((observer_checked<Observers> && ...));

    boost::hana::tuple<Observers...> members_;
};

/// composite_observer{a, b, c}
template <class... Observers>
composite_observer<Observers...> compose(Observers... o) {
    return composite_observer<Observers...>(std::move(o)...);
}

} // namespace redial

#endif
