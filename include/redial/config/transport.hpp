#ifndef REDIAL_CONFIG_TRANSPORT_HPP
#define REDIAL_CONFIG_TRANSPORT_HPP

#include <redial/config/options.hpp>
#include <redial/config/validate.hpp>
#include <redial/detail/connect_op.hpp>
#include <redial/transport/tcp.hpp>

#include <chrono>
#include <utility>

// Configuration into the transports: the keys a transport reads (`connect-timeout`,
// `tcp-keepalive`, `tcp-user-timeout`) as its constructor takes them. TLS's builder is in
// config/tls.hpp, so that a TCP program does not pull in OpenSSL.
namespace redial {

namespace detail {

/// The connect timeout the options choose: `connect-timeout`, else `fallback` (the transports'
/// default, 10 s, unless a caller's base options say otherwise).
inline std::chrono::nanoseconds
chosen_connect_timeout(const options& o,
                       std::chrono::nanoseconds fallback = default_connect_timeout) noexcept {
    return o.connect_timeout.value_or(fallback);
}

} // namespace detail

/// The limit on one attempt the options describe (`connect-timeout`, else the transports' 10 s),
/// checked: for unix_transport's constructor, which takes nothing else from configuration.
/// Throws config_error as validate() does (`Registries`: as validate's).
template <class... Registries>
std::chrono::nanoseconds make_connect_timeout(const options& o) {
    validate<Registries...>(o);
    return detail::chosen_connect_timeout(o);
}

/// `base` with what the options say in place of its `connect_timeout` (`connect-timeout`; unset:
/// base's, by default the transport's 10 s) and `socket` (`tcp-keepalive`, `tcp-user-timeout`):
/// for basic_tcp_transport's constructor. The hook (`prepare`) is base's, as code sets it.
/// Throws config_error as validate() does (`Registries`: as validate's).
template <class... Registries>
tcp_options make_tcp_options(const options& o, tcp_options base = {}) {
    validate<Registries...>(o);
    base.connect_timeout = detail::chosen_connect_timeout(o, base.connect_timeout);
    base.socket = detail::chosen_socket_options(o);
    return base;
}

} // namespace redial

#endif
