#ifndef REDIAL_CONFIG_STABILITY_REGISTRY_HPP
#define REDIAL_CONFIG_STABILITY_REGISTRY_HPP

#include <redial/config/options.hpp>
#include <redial/config/registry.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/duration.hpp>
#include <redial/stability/always_stable.hpp>
#include <redial/stability/flap_damping.hpp>
#include <redial/stability/restart_intensity.hpp>
#include <redial/stability/uptime_threshold.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

// The one list of stability policies a configuration can choose, read as the backoff registry
// is (config/backoff_registry.hpp): the `stability` key and its checks, configured_stability's
// alternatives, describe(), the tools' help and the typed tests. An entry is a struct:
//
//   struct my_entry {
//       static constexpr std::string_view name = "mine";       // stability=mine
//       static constexpr std::string_view description = "..."; // one line, for --help
//       static constexpr std::string_view keys[] = {"stable-after"}; // the keys it reads
//       static my_stability make(const options& o) { return my_stability{o.stable_after}; }
//   };
//
// `make` receives validated options. An optional `static std::string summary(const options&)`
// is describe()'s text for it. The machinery is config/registry.hpp's.
namespace redial {

/// What the tools and the documentation show of one registered stability policy.
using stability_info = policy_info;

namespace detail {
/// A stability registry chooses by the `stability` key.
struct stability_choice {
    static constexpr std::string_view key = "stability";
    static std::string_view chosen(const options& o) noexcept { return o.stability; }
};
} // namespace detail

/// A compile-time list of stability entries (see the top of this file). `with<More...>` is the
/// same list with entries appended: how a program (or a test) offers a policy of its own.
template <class... Entries>
struct stability_registry : detail::policy_registry<detail::stability_choice, Entries...> {
    template <class... More>
    using with = stability_registry<Entries..., More...>;
};

/// The built-in entries.
namespace stability_entry {

struct uptime {
    static constexpr std::string_view name = "uptime";
    static constexpr std::string_view description =
        "a session that lived stable-after (default backoff-initial) was healthy";
    static constexpr std::string_view keys[] = {"stable-after"};

    static uptime_threshold make(const options& o) {
        return uptime_threshold{o.stable_after.value_or(o.initial)};
    }
    static std::string summary(const options& o) {
        return "stable after " + format_duration(o.stable_after.value_or(o.initial));
    }
};

struct always {
    static constexpr std::string_view name = "always";
    static constexpr std::string_view description =
        "every session was healthy: the backoff starts over after each";
    static constexpr std::span<const std::string_view> keys{}; // reads none

    static always_stable make(const options&) { return {}; }
    static std::string summary(const options&) { return "always stable"; }
};

struct damping {
    static constexpr std::string_view name = "damping";
    static constexpr std::string_view description =
        "RFC 2439 flap damping: short sessions add a penalty that decays with damping-half-life; "
        "held down while suppressed";
    static constexpr std::string_view keys[] = {"damping-half-life"};

    /// RFC 2439's penalty, suppress and reuse, with max hold-down 4 × the half-life (Cisco's
    /// default ratio).
    static flap_damping make(const options& o) {
        flap_damping_params p;
        p.half_life = o.damping_half_life;
        p.max_hold_down = detail::sat_mul(o.damping_half_life, std::int64_t{4});
        return flap_damping{p};
    }
    static std::string summary(const options& o) {
        return "flap damping, half-life " + format_duration(o.damping_half_life);
    }
};

struct intensity {
    static constexpr std::string_view name = "intensity";
    static constexpr std::string_view description =
        "Erlang/OTP restart intensity: a flap after more than intensity-drops drops within "
        "intensity-window";
    static constexpr std::string_view keys[] = {"intensity-drops", "intensity-window"};

    static restart_intensity make(const options& o) {
        return restart_intensity{o.intensity_drops, o.intensity_window};
    }
    static std::string summary(const options& o) {
        return "flap after more than " + std::to_string(o.intensity_drops) + " drops in " +
               format_duration(o.intensity_window);
    }
};

} // namespace stability_entry

/// The registry configuration uses unless told otherwise. A built-in policy is added here.
using builtin_stabilities =
    stability_registry<stability_entry::uptime, stability_entry::always, stability_entry::damping,
                       stability_entry::intensity>;

/// The built-in registry's entries, in order: the `stability` key's values.
inline std::span<const stability_info> stability_policies() noexcept {
    return builtin_stabilities::entries;
}

} // namespace redial

#endif
