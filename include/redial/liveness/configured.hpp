#ifndef REDIAL_LIVENESS_CONFIGURED_HPP
#define REDIAL_LIVENESS_CONFIGURED_HPP

#include <redial/liveness/concept.hpp>
#include <redial/liveness/heartbeat.hpp>
#include <redial/liveness/idle_timeout.hpp>
#include <redial/time.hpp>

#include <chrono>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace redial {

/// Which policy a configured_liveness runs.
enum class configured_liveness_kind : std::uint8_t { none, idle, heartbeat };

/// A liveness policy chosen at run time (from configuration: config/policies.hpp's
/// make_liveness): none, idle_timeout or heartbeat. Its `none` still wraps the connection (the
/// choice is made after compilation) but arms no timer: the first check is due at the end of
/// time. Pick no_liveness at compile time for a build that never monitors.
template <class Ping = no_ping>
class configured_liveness {
public:
    using kind = configured_liveness_kind;
    static constexpr bool sends_pings = !std::is_same_v<Ping, no_ping>;

    /// No monitoring.
    configured_liveness() = default;
    explicit configured_liveness(idle_timeout idle) : kind_(kind::idle), idle_(idle) {}
    explicit configured_liveness(heartbeat_monitor hb, Ping ping = {})
        : kind_(kind::heartbeat), heartbeat_(hb), ping_(std::move(ping)) {}

    time_point on_connected(time_point now) noexcept {
        switch (kind_) {
        case kind::idle:
            return idle_.on_connected(now);
        case kind::heartbeat:
            return heartbeat_.on_connected(now);
        case kind::none:
            break;
        }
        last_ = now;
        return time_point::max();
    }
    /// True for the byte that answers a heartbeat's ping (heartbeat_monitor::on_received).
    bool on_received(time_point now) noexcept {
        if (kind_ == kind::heartbeat) {
            return heartbeat_.on_received(now);
        }
        if (kind_ == kind::idle) {
            idle_.on_received(now);
        } else {
            last_ = now > last_ ? now : last_;
        }
        return false;
    }
    [[nodiscard]] liveness_decision on_check(time_point now) noexcept {
        switch (kind_) {
        case kind::idle:
            return idle_.on_check(now);
        case kind::heartbeat:
            return heartbeat_.on_check(now);
        case kind::none:
            break;
        }
        return liveness_decision::check_at(time_point::max());
    }
    [[nodiscard]] time_point last_alive() const noexcept {
        switch (kind_) {
        case kind::idle:
            return idle_.last_alive();
        case kind::heartbeat:
            return heartbeat_.last_alive();
        case kind::none:
            break;
        }
        return last_;
    }
    [[nodiscard]] time_point ping_sent_at() const noexcept {
        return kind_ == kind::heartbeat ? heartbeat_.ping_sent_at() : time_point::max();
    }
    template <class Connection>
    void ping(Connection& c) {
        if (kind_ == kind::heartbeat) {
            ping_(c);
        }
    }
    void slow_down() noexcept {
        if (kind_ == kind::heartbeat) {
            heartbeat_.slow_down();
        }
    }

    [[nodiscard]] kind which() const noexcept { return kind_; }
    /// The longest a dead connection goes unnoticed; zero for none.
    [[nodiscard]] std::chrono::nanoseconds detection_bound() const noexcept {
        switch (kind_) {
        case kind::idle:
            return idle_.detection_bound();
        case kind::heartbeat:
            return heartbeat_.detection_bound();
        case kind::none:
            break;
        }
        return std::chrono::nanoseconds{0};
    }
    [[nodiscard]] const idle_timeout& idle() const noexcept { return idle_; }
    [[nodiscard]] const heartbeat_monitor& heartbeat() const noexcept { return heartbeat_; }

private:
    kind kind_{kind::none};
    // Both kept (a few words): no variant visit on every read.
    idle_timeout idle_{std::chrono::seconds{1}};
    heartbeat_monitor heartbeat_{std::chrono::seconds{1}, std::chrono::seconds{1}};
    time_point last_{};
    [[no_unique_address]] Ping ping_{};
};

static_assert(liveness_policy<configured_liveness<>>);

} // namespace redial

#endif
