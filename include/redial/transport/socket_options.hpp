#ifndef REDIAL_TRANSPORT_SOCKET_OPTIONS_HPP
#define REDIAL_TRANSPORT_SOCKET_OPTIONS_HPP

#include <redial/duration.hpp>
#include <redial/error.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <ratio>
#include <string>
#include <type_traits>

// TCP-level liveness for the tcp and tls transports, as plain data (no asio: configuration reads
// and writes it too). The transports set these on every attempt's socket before it connects.
namespace redial {

/// SO_KEEPALIVE with its three timers: after `idle` without traffic the kernel sends a probe,
/// then one every `interval`, and after `count` unanswered probes the connection fails
/// (ETIMEDOUT): a peer that vanished while the link was idle is noticed after about
/// idle + interval × count. The defaults notice one in 110 s; the kernel's own (7200 s, 75 s,
/// 9) take 2 h 11 min. Linux takes 1 to 32767 s for each timer and 1 to 127 probes.
struct tcp_keepalive {
    std::chrono::seconds idle{60};     ///< TCP_KEEPIDLE
    std::chrono::seconds interval{10}; ///< TCP_KEEPINTVL
    unsigned count{5};                 ///< TCP_KEEPCNT

    friend bool operator==(const tcp_keepalive&, const tcp_keepalive&) = default;
};

/// What the tcp and tls transports set on each attempt's socket, before the connect. The
/// defaults set nothing (the kernel's defaults: no keepalive, no user timeout).
struct socket_options {
    std::optional<tcp_keepalive> keepalive{}; ///< unset: no SO_KEEPALIVE
    /// TCP_USER_TIMEOUT: how long sent data (or a SYN, or a keepalive probe) may stay
    /// unacknowledged before the connection fails with ETIMEDOUT; 0 = the kernel's default
    /// (about 15 minutes of retransmissions). Linux takes 0 to 2147483647 ms.
    std::chrono::milliseconds user_timeout{0};

    friend bool operator==(const socket_options&, const socket_options&) = default;
};

namespace detail {

inline constexpr std::chrono::seconds max_keepalive_time{32767}; // MAX_TCP_KEEPIDLE, _KEEPINTVL
inline constexpr unsigned max_keepalive_count = 127;             // MAX_TCP_KEEPCNT
inline constexpr std::chrono::milliseconds max_user_timeout{std::numeric_limits<int>::max()};

/// `d` as format_duration writes it, or as a count with its unit where nanoseconds cannot hold
/// it (a value set in code, about to be refused): never overflows.
template <class Rep, class Period>
std::string format_coarse(std::chrono::duration<Rep, Period> d) {
    using nanos = std::chrono::nanoseconds;
    using ratio = std::ratio_divide<Period, nanos::period>;
    static_assert(ratio::den == 1, "whole nanoseconds only");
    constexpr auto per = static_cast<std::int64_t>(ratio::num);
    if (d.count() > nanos::max().count() / per || d.count() < nanos::min().count() / per) {
        const char* unit = std::is_same_v<Period, std::milli> ? "ms" : "s";
        return std::to_string(d.count()) + unit;
    }
    return format_duration(std::chrono::duration_cast<nanos>(d));
}

/// Why Linux would refuse or clamp `k`, or an empty string.
inline std::string keepalive_problem(const tcp_keepalive& k) {
    const std::string limit = format_duration(max_keepalive_time);
    if (k.idle.count() < 1 || k.idle > max_keepalive_time) {
        return "IDLE must be 1s to " + limit + " (TCP_KEEPIDLE takes 1 to 32767 seconds)";
    }
    if (k.interval.count() < 1 || k.interval > max_keepalive_time) {
        return "INTERVAL must be 1s to " + limit + " (TCP_KEEPINTVL takes 1 to 32767 seconds)";
    }
    if (k.count == 0 || k.count > max_keepalive_count) {
        return "COUNT must be 1 to 127 (TCP_KEEPCNT's limits)";
    }
    return {};
}

/// Why Linux would refuse `d` as TCP_USER_TIMEOUT, or an empty string.
inline std::string user_timeout_problem(std::chrono::milliseconds d) {
    if (d.count() < 0) {
        return "must not be negative (0 means the kernel's default)";
    }
    if (d > max_user_timeout) {
        return "must not exceed " + format_duration(max_user_timeout) +
               " (TCP_USER_TIMEOUT takes up to 2147483647 ms)";
    }
    return {};
}

} // namespace detail

/// `k` as the `tcp-keepalive` key writes it: IDLE/INTERVAL/COUNT, e.g. "1m/10s/5".
inline std::string format_tcp_keepalive(const tcp_keepalive& k) {
    return detail::format_coarse(k.idle) + "/" + detail::format_coarse(k.interval) + "/" +
           std::to_string(k.count);
}

/// Throws config_error naming `tcp-keepalive` or `tcp-user-timeout` and the value for what
/// Linux would refuse or clamp: a keepalive timer outside 1 to 32767 s, a count outside 1 to
/// 127, a negative user timeout or one above 2147483647 ms. The transports call it in their
/// constructors; configuration's validate() applies the same limits.
inline void validate_socket_options(const socket_options& s) {
    if (s.keepalive) {
        if (std::string why = detail::keepalive_problem(*s.keepalive); !why.empty()) {
            throw config_error("tcp-keepalive", format_tcp_keepalive(*s.keepalive), why);
        }
    }
    if (std::string why = detail::user_timeout_problem(s.user_timeout); !why.empty()) {
        throw config_error("tcp-user-timeout", detail::format_coarse(s.user_timeout), why);
    }
}

} // namespace redial

#endif
