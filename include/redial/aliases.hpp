#ifndef REDIAL_ALIASES_HPP
#define REDIAL_ALIASES_HPP

// The common instantiations of basic_reconnector, by name. A TCP client needs only
// <redial/tcp.hpp> (tcp_reconnector), which compiles faster.

#include <redial/backoff/exponential.hpp>
#include <redial/clock/steady_clock.hpp>
#include <redial/clock/virtual_clock.hpp>
#include <redial/observer/null.hpp>
#include <redial/reconnector.hpp>
#include <redial/stability/uptime_threshold.hpp>
#include <redial/tcp.hpp>
#include <redial/transport/scripted.hpp>
#include <redial/transport/tcp.hpp>
#include <redial/transport/unix.hpp>

namespace redial {

// tcp_reconnector: <redial/tcp.hpp>.

/// A unix-domain socket, likewise.
template <backoff_policy Backoff = exponential_backoff,
          stability_policy Stability = uptime_threshold, class Observer = null_observer,
          error_classifier<failure> ErrorClassifier = no_terminal_errors>
using unix_reconnector =
    basic_reconnector<unix_transport, steady_clock, Backoff, Stability, Observer, ErrorClassifier>;

/// Tests and simulations: a scripted server on the virtual clock.
template <backoff_policy Backoff = exponential_backoff,
          stability_policy Stability = uptime_threshold, class Observer = null_observer,
          error_classifier<failure> ErrorClassifier = no_terminal_errors>
using sim_reconnector = basic_reconnector<scripted_transport<virtual_clock>, virtual_clock, Backoff,
                                          Stability, Observer, ErrorClassifier>;

} // namespace redial

#endif
