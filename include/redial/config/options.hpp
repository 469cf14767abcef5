#ifndef REDIAL_CONFIG_OPTIONS_HPP
#define REDIAL_CONFIG_OPTIONS_HPP

#include <redial/backoff/jitter.hpp>
#include <redial/outbox/concept.hpp>
#include <redial/outbox/overflow.hpp>
#include <redial/transport/socket_options.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The run-time values of a reconnector, as plain data: what every configuration source fills in
// (config/keys.hpp, config/read.hpp) and every builder reads (config/policies.hpp).
namespace redial {

enum class jitter_kind : std::uint8_t { none, full, equal, decorrelated, grpc, proportional };

/// How a connection that never closes is noticed dead: not at all, after `idle-timeout` without
/// a byte received, or by pings (`ping-interval`, `ping-timeout`).
enum class liveness_kind : std::uint8_t { none, idle, heartbeat };

/// Every run-time value of a reconnector. Defaults are moq-native's: 1s, ×2, 30s, give up after 5m.
struct options {
    /// A name from the backoff registry (config/backoff_registry.hpp); checked by validate(),
    /// against the registry it is given, since a program may register its own policies.
    std::string backoff{"exponential"};
    std::chrono::nanoseconds initial{std::chrono::seconds{1}};
    double multiplier{2.0};
    std::optional<std::chrono::nanoseconds> step; ///< backoff=linear; unset: follows `initial`
    std::chrono::nanoseconds max{std::chrono::seconds{30}};
    std::chrono::nanoseconds timeout{std::chrono::minutes{5}}; ///< 0 = never give up
    jitter_kind jitter{jitter_kind::none};
    double jitter_fraction{0.2}; ///< ±fraction, for jitter_kind::proportional
    redial::jitter_cap jitter_cap{redial::jitter_cap::fit}; ///< grpc always overshoots
    /// A name from the stability registry (config/stability_registry.hpp); checked like
    /// `backoff`.
    std::string stability{"uptime"};
    std::optional<std::chrono::nanoseconds> stable_after; ///< unset: follows `initial`
    std::size_t intensity_drops{1};
    std::chrono::nanoseconds intensity_window{std::chrono::seconds{5}};
    std::chrono::nanoseconds damping_half_life{std::chrono::minutes{15}};
    std::optional<std::chrono::nanoseconds> connect_timeout; ///< unset: the transport's default
    std::uint64_t max_attempts{0};                           ///< 0 = unlimited
    bool clip_to_deadline{false};
    std::optional<std::uint64_t> seed; ///< unset: std::random_device
    /// Unset: implied by the keys given (detail::chosen_liveness): idle when `idle_timeout` is
    /// set, heartbeat when a ping time is, else none.
    std::optional<liveness_kind> liveness;
    std::optional<std::chrono::nanoseconds> idle_timeout;  ///< idle; unset: 20s
    std::optional<std::chrono::nanoseconds> ping_interval; ///< heartbeat; unset: 10s
    std::optional<std::chrono::nanoseconds> ping_timeout;  ///< heartbeat; unset: 10s
    std::optional<redial::tcp_keepalive> tcp_keepalive;    ///< unset: no SO_KEEPALIVE
    std::chrono::milliseconds tcp_user_timeout{0};         ///< 0 = the kernel's default
    /// The outbox (config/outbox.hpp): its limits, overflow policy, time-to-live, and what a
    /// message cut by a disconnect does. The limits are NATS's 8 MiB and 10 000 messages.
    std::size_t queue_messages{10'000};
    std::size_t queue_bytes{std::size_t{8} << 20};
    overflow::configured::kind queue_overflow{overflow::configured::kind::reject};
    std::optional<std::chrono::nanoseconds> queue_ttl; ///< unset: no limit
    cut_message queue_cut{cut_message::resend};

    friend bool operator==(const options&, const options&) = default;
};

namespace detail {

// The enums' names, in enum order.
inline constexpr std::array<std::string_view, 6> jitter_names{
    "none", "full", "equal", "decorrelated", "grpc", "proportional"};
inline constexpr std::array<std::string_view, 3> jitter_cap_names{"fit", "clamp", "overshoot"};
inline constexpr std::array<std::string_view, 3> liveness_names{"none", "idle", "heartbeat"};
inline constexpr std::array<std::string_view, 4> queue_overflow_names{"reject", "drop-oldest",
                                                                      "drop-newest", "disabled"};
inline constexpr std::array<std::string_view, 2> queue_cut_names{"resend", "lose"};

/// The liveness times used when the kind is chosen and its key left unset: a silent link is
/// noticed after 20 s either way (idle-timeout, or ping-interval + ping-timeout); docs/liveness.md
/// says why.
inline constexpr std::chrono::nanoseconds default_idle_timeout{std::chrono::seconds{20}};
inline constexpr std::chrono::nanoseconds default_ping_interval{std::chrono::seconds{10}};
inline constexpr std::chrono::nanoseconds default_ping_timeout{std::chrono::seconds{10}};

/// The backoff the options choose: `jitter=decorrelated` (its spelling before the `backoff`
/// key) still means backoff=decorrelated.
inline std::string_view chosen_backoff(const options& o) noexcept {
    return o.jitter == jitter_kind::decorrelated ? std::string_view("decorrelated")
                                                 : std::string_view(o.backoff);
}

/// The liveness policy the options choose: `liveness` if set, else idle when `idle-timeout` is
/// given, heartbeat when `ping-interval` or `ping-timeout` is, else none. (validate() refuses
/// times given to a kind that does not read them, and idle and ping times together.)
inline liveness_kind chosen_liveness(const options& o) noexcept {
    if (o.liveness) {
        return *o.liveness;
    }
    if (o.idle_timeout) {
        return liveness_kind::idle;
    }
    return o.ping_interval || o.ping_timeout ? liveness_kind::heartbeat : liveness_kind::none;
}

/// The socket options the options choose, for tcp_options::socket or tls_options::socket.
inline socket_options chosen_socket_options(const options& o) noexcept {
    return socket_options{o.tcp_keepalive, o.tcp_user_timeout};
}

} // namespace detail

} // namespace redial

#endif
