#ifndef REDIAL_CLOCK_CONCEPT_HPP
#define REDIAL_CLOCK_CONCEPT_HPP

#include <redial/time.hpp>

#include <asio/any_io_executor.hpp>

#include <concepts>
#include <system_error>

namespace redial {

namespace detail {
/// The handler shape every clock's timer must accept (a stand-in for any completion token).
struct wait_handler_probe {
    void operator()(std::error_code) const {}
};
} // namespace detail

/// The Clock policy of a reconnector: the current time and timers that wait until a time point
/// on the reconnector's executor. asio's own timers read a static `now()`, so a clock whose
/// time is state (the virtual clock) must own its waiting; this concept is that contract.
/// Named clock_source, not `clock`, which would collide with ::clock from <ctime>.
template <class C>
concept clock_source =
    std::copy_constructible<C> &&
    requires(const C& c) {
        { c.now() } -> std::convertible_to<time_point>;
    } && std::constructible_from<typename C::timer, const C&, asio::any_io_executor> &&
    requires(typename C::timer& t, time_point at) {
        t.expires_at(at);
        t.async_wait(detail::wait_handler_probe{});
        t.cancel();
        { t.get_executor() } -> std::convertible_to<asio::any_io_executor>;
    };

} // namespace redial

#endif
