#ifndef REDIAL_CONFIG_OPTIONS_HPP
#define REDIAL_CONFIG_OPTIONS_HPP

#include <redial/backoff/jitter.hpp>

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

    friend bool operator==(const options&, const options&) = default;
};

namespace detail {

// The enums' names, in enum order.
inline constexpr std::array<std::string_view, 6> jitter_names{
    "none", "full", "equal", "decorrelated", "grpc", "proportional"};
inline constexpr std::array<std::string_view, 3> jitter_cap_names{"fit", "clamp", "overshoot"};

/// The backoff the options choose: `jitter=decorrelated` (its spelling before the `backoff`
/// key) still means backoff=decorrelated.
inline std::string_view chosen_backoff(const options& o) noexcept {
    return o.jitter == jitter_kind::decorrelated ? std::string_view("decorrelated")
                                                 : std::string_view(o.backoff);
}

} // namespace detail

} // namespace redial

#endif
