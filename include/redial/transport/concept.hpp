#ifndef REDIAL_TRANSPORT_CONCEPT_HPP
#define REDIAL_TRANSPORT_CONCEPT_HPP

#include <concepts>
#include <system_error>

namespace redial {

namespace detail {
/// The handler shape every transport's async_connect must accept.
template <class Connection>
struct connect_handler_probe {
    void operator()(std::error_code, Connection) const {}
};
} // namespace detail

/// The Transport policy of a reconnector: makes connections. `async_connect` completes with
/// (error_code, connection) and owns its own connect timeout; `cancel()` aborts a pending
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
