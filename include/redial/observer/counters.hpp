#ifndef REDIAL_OBSERVER_COUNTERS_HPP
#define REDIAL_OBSERVER_COUNTERS_HPP

#include <redial/detail/saturate.hpp>
#include <redial/observer/hooks.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace redial {

/// Counts what happened, for metrics: read the members at any time on the reconnector's
/// executor. Downtime is the time spent not connected, from the first attempt (or a drop) to
/// the next connect, summed.
struct counters_observer {
    std::uint64_t attempts = 0;
    std::uint64_t connects = 0;
    std::uint64_t failures = 0; ///< failed connects
    std::uint64_t drops = 0;    ///< sessions that ended
    std::uint64_t flaps = 0;    ///< sessions judged flaps
    std::chrono::nanoseconds downtime{0};
    std::chrono::nanoseconds current_delay{0}; ///< the sleep in progress, or the last one
    std::uint64_t pings = 0;                   ///< sent by the liveness policy
    std::uint64_t liveness_timeouts = 0;       ///< sessions a liveness policy found dead
    /// Summed over sessions that went silent: from their last byte to their end (time the link
    /// was dead before anyone knew; downtime starts counting only after it).
    std::chrono::nanoseconds silent_time{0};
    std::uint64_t outbox_drops = 0;         ///< messages the outbox let go unwritten
    std::uint64_t outbox_dropped_bytes = 0; ///< their bytes
    std::uint64_t outbox_expired = 0;       ///< messages whose time-to-live ran out
    std::uint64_t outbox_expired_bytes = 0;
    bool connected = false;

    void on_attempt(const attempt_event& e) {
        ++attempts;
        if (!down_since_ && !connected) {
            down_since_ = e.at;
        }
    }
    void on_connected(const connected_event& e) {
        ++connects;
        connected = true;
        if (down_since_) {
            downtime = detail::sat_add(downtime, e.at - *down_since_);
            down_since_.reset();
        }
    }
    void on_connect_failed(const connect_failed_event&) { ++failures; }
    void on_disconnected(const disconnected_event& e) {
        ++drops;
        flaps += e.verdict == verdict::flap ? 1 : 0;
        silent_time = detail::sat_add(silent_time, e.uptime - e.alive_for);
        connected = false;
        down_since_ = e.at;
    }
    void on_backoff(const backoff_event& e) { current_delay = e.delay; }
    void on_ping(const ping_event&) { ++pings; }
    void on_liveness_timeout(const liveness_timeout_event&) { ++liveness_timeouts; }
    void on_outbox_drop(const outbox_drop_event& e) {
        ++outbox_drops;
        outbox_dropped_bytes += e.bytes;
    }
    void on_outbox_expired(const outbox_expired_event& e) {
        ++outbox_expired;
        outbox_expired_bytes += e.bytes;
    }

private:
    std::optional<time_point> down_since_;
};

} // namespace redial

#endif
