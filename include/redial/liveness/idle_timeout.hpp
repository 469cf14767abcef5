#ifndef REDIAL_LIVENESS_IDLE_TIMEOUT_HPP
#define REDIAL_LIVENESS_IDLE_TIMEOUT_HPP

#include <redial/detail/check.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/liveness/concept.hpp>
#include <redial/time.hpp>

#include <chrono>

namespace redial {

/// A connection on which nothing was received for `limit` is dead. For protocols whose server
/// speaks on its own (a feed, a subscription with server heartbeats); a request-reply protocol
/// that may stay quiet needs heartbeat, which asks the server for a sign of life first.
///
/// Exact: connected (or a last byte) at t, the session ends at t + limit if nothing arrives
/// before; a byte at t + limit - 1ns keeps it alive until that byte's time + limit.
class idle_timeout {
public:
    /// Throws config_error (key `idle-timeout`) unless `limit` > 0.
    explicit idle_timeout(std::chrono::nanoseconds limit)
        : limit_(detail::require_positive("idle-timeout", limit)) {}

    time_point on_connected(time_point now) noexcept {
        last_ = now;
        return detail::sat_add(now, limit_);
    }
    void on_received(time_point now) noexcept { last_ = now > last_ ? now : last_; }
    [[nodiscard]] liveness_decision on_check(time_point now) const noexcept {
        const time_point due = detail::sat_add(last_, limit_);
        return now >= due ? liveness_decision::dead() : liveness_decision::check_at(due);
    }
    [[nodiscard]] time_point last_alive() const noexcept { return last_; }

    [[nodiscard]] std::chrono::nanoseconds limit() const noexcept { return limit_; }
    /// The longest a dead connection goes unnoticed: the limit.
    [[nodiscard]] std::chrono::nanoseconds detection_bound() const noexcept { return limit_; }

private:
    std::chrono::nanoseconds limit_;
    time_point last_{};
};

static_assert(liveness_policy<idle_timeout>);

} // namespace redial

#endif
