#ifndef REDIAL_TCP_HPP
#define REDIAL_TCP_HPP

// tcp_reconnector and what it is made of, and nothing else: the header for a TCP client. (The
// other aliases, with the virtual clock and the scripted and unix transports, are in
// aliases.hpp, which includes this one.)

#include <redial/backoff/exponential.hpp>
#include <redial/clock/steady_clock.hpp>
#include <redial/observer/null.hpp>
#include <redial/reconnector.hpp>
#include <redial/stability/uptime_threshold.hpp>
#include <redial/transport/tcp.hpp>

namespace redial {

/// Production TCP: steady clock, the default backoff and stability unless told otherwise.
template <backoff_policy Backoff = exponential_backoff,
          stability_policy Stability = uptime_threshold, class Observer = null_observer,
          error_classifier<failure> ErrorClassifier = no_terminal_errors>
using tcp_reconnector =
    basic_reconnector<tcp_transport, steady_clock, Backoff, Stability, Observer, ErrorClassifier>;

} // namespace redial

#endif
