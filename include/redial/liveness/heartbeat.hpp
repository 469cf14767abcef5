#ifndef REDIAL_LIVENESS_HEARTBEAT_HPP
#define REDIAL_LIVENESS_HEARTBEAT_HPP

#include <redial/detail/check.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/liveness/concept.hpp>
#include <redial/time.hpp>

#include <chrono>
#include <type_traits>
#include <utility>

namespace redial {

/// The timing of a heartbeat, without the ping itself (the simulator and tests use it alone).
///
/// When nothing was received for `interval`, ping; if nothing at all arrives within `timeout`
/// of the ping, the connection is dead. Any received byte is proof of life (a reply that comes
/// late behind other data still counts: boostorg/redis #104), and answers the ping; the next
/// ping is due `interval` after the last byte, so at most one ping is in flight and at most one
/// is sent per interval. A silent connection connected at t pings at t + interval and ends at
/// t + interval + timeout exactly.
class heartbeat_monitor {
public:
    /// Throws config_error (keys `ping-interval`, `ping-timeout`) unless both are > 0.
    heartbeat_monitor(std::chrono::nanoseconds interval, std::chrono::nanoseconds timeout)
        : interval_(detail::require_positive("ping-interval", interval)),
          timeout_(detail::require_positive("ping-timeout", timeout)) {}

    time_point on_connected(time_point now) noexcept {
        last_ = now;
        ping_sent_ = time_point::max();
        return detail::sat_add(now, interval_);
    }
    /// True for the byte that answers the ping in flight: the driver checks at once, so the
    /// next ping is due `interval` after it even when the timeout is longer than the interval.
    bool on_received(time_point now) noexcept {
        const bool answers = ping_sent_ != time_point::max() && last_ < ping_sent_;
        last_ = now > last_ ? now : last_;
        return answers && last_ >= ping_sent_;
    }

    [[nodiscard]] liveness_decision on_check(time_point now) noexcept {
        if (ping_sent_ != time_point::max()) {
            if (last_ < ping_sent_) { // unanswered
                const time_point limit = detail::sat_add(ping_sent_, timeout_);
                return now >= limit ? liveness_decision::dead()
                                    : liveness_decision::check_at(limit);
            }
            ping_sent_ = time_point::max(); // answered by whatever arrived since
        }
        const time_point due = detail::sat_add(last_, interval_);
        if (now < due) {
            return liveness_decision::check_at(due);
        }
        ping_sent_ = now;
        return liveness_decision::ping_then_check_at(detail::sat_add(now, timeout_));
    }
    [[nodiscard]] time_point last_alive() const noexcept { return last_; }
    /// When the unanswered ping went out; time_point::max() when none is in flight.
    [[nodiscard]] time_point ping_sent_at() const noexcept { return ping_sent_; }

    /// The server asked for fewer pings (gRPC's too_many_pings GOAWAY): double the interval
    /// (saturating), for this and every later connection.
    void slow_down() noexcept { interval_ = detail::sat_add(interval_, interval_); }

    [[nodiscard]] std::chrono::nanoseconds interval() const noexcept { return interval_; }
    [[nodiscard]] std::chrono::nanoseconds timeout() const noexcept { return timeout_; }
    /// The longest a dead connection goes unnoticed: interval + timeout (saturated).
    [[nodiscard]] std::chrono::nanoseconds detection_bound() const noexcept {
        return detail::sat_add(interval_, timeout_);
    }

private:
    std::chrono::nanoseconds interval_;
    std::chrono::nanoseconds timeout_;
    time_point last_{};
    time_point ping_sent_{time_point::max()};
};

/// Sends nothing: for a protocol whose server answers on its own once the link is quiet, or
/// whose ping is written elsewhere.
struct no_ping {
    template <class Connection>
    void operator()(Connection&) const noexcept {}
};

/// heartbeat_monitor plus the ping: `ping(connection&)` writes the protocol's ping (Redis's
/// "PING\r\n", an MQTT PINGREQ, a websocket ping). It runs on the reconnector's strand; a
/// session that writes too must not interleave with it (queue the ping with its own writes).
/// An exception from it ends the session with its message.
///
///   redial::heartbeat hb{2s, 2s, [](auto& c) {
///       asio::async_write(c, asio::buffer("PING\r\n", 6), asio::detached);
///   }};
template <class Ping = no_ping>
class heartbeat : public heartbeat_monitor {
public:
    /// False for no_ping: the driver then reports no ping (nothing is sent), and the policy is
    /// an idle timeout of interval + timeout for a server that speaks on its own.
    static constexpr bool sends_pings = !std::is_same_v<Ping, no_ping>;

    heartbeat(std::chrono::nanoseconds interval, std::chrono::nanoseconds timeout, Ping ping = {})
        : heartbeat_monitor(interval, timeout), ping_(std::move(ping)) {}

    template <class Connection>
    void ping(Connection& c) {
        static_assert(std::is_invocable_v<Ping&, Connection&>,
                      "redial: heartbeat's ping must be callable as `ping(connection&)` with the "
                      "session's connection (a generic lambda taking `auto&` fits any)");
        ping_(c);
    }

private:
    [[no_unique_address]] Ping ping_;
};

template <class Ping>
heartbeat(std::chrono::nanoseconds, std::chrono::nanoseconds, Ping) -> heartbeat<Ping>;
heartbeat(std::chrono::nanoseconds, std::chrono::nanoseconds) -> heartbeat<no_ping>;

static_assert(liveness_policy<heartbeat_monitor>);
static_assert(liveness_policy<heartbeat<>>);

} // namespace redial

#endif
