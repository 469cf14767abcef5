#ifndef REDIAL_CONFIG_TLS_HPP
#define REDIAL_CONFIG_TLS_HPP

// Configuration into the TLS transport: links OpenSSL, like transport/tls.hpp (config/transport.hpp
// has the TCP and unix builders without it).

#include <redial/config/options.hpp>
#include <redial/config/transport.hpp>
#include <redial/config/validate.hpp>
#include <redial/transport/tls.hpp>

#include <utility>

namespace redial {

/// `base` with what the options say in place of its `connect_timeout` (`connect-timeout`; unset:
/// base's, by default the transport's 10 s; it covers the TCP connect and the handshake) and
/// `socket` (`tcp-keepalive`, `tcp-user-timeout`): for basic_tls_transport's constructor. The
/// CA file, verification, SNI and hook are base's, as code sets them. Throws config_error as
/// validate() does (`Registries`: as validate's).
template <class... Registries>
tls_options make_tls_options(const options& o, tls_options base = {}) {
    validate<Registries...>(o);
    base.connect_timeout = detail::chosen_connect_timeout(o, base.connect_timeout);
    base.socket = detail::chosen_socket_options(o);
    return base;
}

} // namespace redial

#endif
