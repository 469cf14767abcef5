#ifndef REDIAL_TRANSPORT_CONCEPT_HPP
#define REDIAL_TRANSPORT_CONCEPT_HPP

#include <redial/failure.hpp>

#include <concepts>
#include <system_error>
#include <type_traits>

namespace redial {

namespace detail {
/// The handler shapes a transport's async_connect may complete with: an error code, or a
/// failure (a code and a text: a setup step's "-WRONGPASS ...").
template <class Connection>
struct connect_handler_probe {
    void operator()(std::error_code, Connection) const {}
    template <class F>
        requires std::same_as<std::remove_cvref_t<F>, failure>
    void operator()(F&&, Connection) const {}
};
} // namespace detail

/// The Transport policy of a reconnector: makes connections. `async_connect` completes with
/// (error_code, connection), or (failure, connection) to say more than a code can, and owns its
/// own connect timeout; `cancel()` aborts a pending
/// connect (it then completes with an error). A connection is movable and has `close()`,
/// which ends a session in progress.
template <class T>
concept transport = requires { typename T::connection; } && std::movable<typename T::connection> &&
                    requires(T& t, typename T::connection& c) {
                        t.async_connect(detail::connect_handler_probe<typename T::connection>{});
                        t.cancel();
                        c.close();
                    };

} // namespace redial

#endif
