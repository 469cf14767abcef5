#ifndef REDIAL_LIVENESS_CONCEPT_HPP
#define REDIAL_LIVENESS_CONCEPT_HPP

#include <redial/time.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>

namespace redial {

/// What a liveness policy tells the driver after a check.
struct liveness_decision {
    enum class kind : std::uint8_t {
        check, ///< alive: check again at `at`
        ping,  ///< send the protocol's ping now, then check again at `at`
        dead,  ///< nothing arrived in time: end the session
    };
    kind what{kind::check};
    time_point at{time_point::max()};

    static constexpr liveness_decision check_at(time_point t) noexcept { return {kind::check, t}; }
    static constexpr liveness_decision ping_then_check_at(time_point t) noexcept {
        return {kind::ping, t};
    }
    static constexpr liveness_decision dead() noexcept { return {kind::dead, time_point::max()}; }

    friend constexpr bool operator==(const liveness_decision&, const liveness_decision&) = default;
};

/// A liveness policy that monitors nothing (no_liveness): the driver compiles none of the
/// monitoring in, and the session gets the transport's connection as it is.
template <class L>
concept disabled_liveness = requires { requires L::disabled; };

/// Notices a connection that is still open but dead. Sans-I/O: the driver passes the time in.
///
///   on_connected(now)   -> when the first check is due (a session began)
///   on_received(now)       bytes arrived: proof of life; cheap, called on every read. It may
///                          return bool: true asks for a check now (heartbeat: the answer
///                          to its ping came, so the next ping is timed from it)
///   on_check(now)       -> check again at | ping then check at | dead
///   last_alive()        -> the last proof of life (the connect, or the last byte)
///
/// The driver calls on_check no earlier than the time it was given; on_received only stores the
/// time, so a busy link costs no timer operation per read.
template <class L>
concept liveness_policy = std::move_constructible<L> &&
                          (disabled_liveness<L> || requires(L& l, const L& cl, time_point now) {
                              { l.on_connected(now) } -> std::same_as<time_point>;
                              { l.on_received(now) } noexcept;
                              { l.on_check(now) } -> std::same_as<liveness_decision>;
                              { cl.last_alive() } -> std::same_as<time_point>;
                          });

/// Optional: a ping the driver calls with the session's connection when on_check says `ping`
/// (heartbeat's). It writes the protocol's ping; any byte received afterwards answers it.
template <class L, class Connection>
concept has_ping = requires(L& l, Connection& c) { l.ping(c); };

/// Optional: the server asked for fewer pings (gRPC's GOAWAY too_many_pings): the policy
/// lengthens its interval (heartbeat doubles it).
template <class L>
concept has_slow_down = requires(L& l) { l.slow_down(); };

} // namespace redial

#endif
