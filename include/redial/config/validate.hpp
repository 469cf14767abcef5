#ifndef REDIAL_CONFIG_VALIDATE_HPP
#define REDIAL_CONFIG_VALIDATE_HPP

#include <redial/config/backoff_registry.hpp>
#include <redial/config/keys.hpp>
#include <redial/config/options.hpp>
#include <redial/config/registry.hpp>
#include <redial/config/stability_registry.hpp>
#include <redial/detail/parse.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/detail/text.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>
#include <redial/stability/restart_intensity.hpp>
#include <redial/transport/socket_options.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

// Checks across keys, once for every source (strings, pairs, the environment, options set in
// code), with each message naming the key as the user wrote it.
namespace redial {

namespace detail {

/// How validate() names keys: as written where written, else canonically or as environment
/// variables (when built from the environment), so each message points at something to edit.
struct origins {
    std::string_view env_prefix;
    bool from_env{false};
    std::array<std::optional<entry>, key_count> written{};

    [[nodiscard]] std::string name(key_id k) const {
        const auto i = static_cast<std::size_t>(k);
        if (const std::optional<entry>& w = written[i]) {
            return std::string(w->as);
        }
        return from_env ? env_variable(env_prefix, keys[i].name) : std::string(keys[i].name);
    }
    [[nodiscard]] std::string value(key_id k, const options& o) const {
        const auto i = static_cast<std::size_t>(k);
        const std::optional<entry>& w = written[i];
        return w ? std::string(w->value) : keys[i].get(o).value_or("");
    }
    /// value(), escaped for quoting inside another key's message (config_error escapes only
    /// its own key and value): a line break written into a value cannot split the message.
    [[nodiscard]] std::string quoted(key_id k, const options& o) const {
        return escape(value(k, o));
    }
};

/// The backoff registry among `Registries` (in any order), else the built-in one.
template <class... Registries>
using backoffs_in = registry_for<backoff_choice, builtin_backoffs, Registries...>;
/// The stability registry among `Registries`, else the built-in one.
template <class... Registries>
using stabilities_in = registry_for<stability_choice, builtin_stabilities, Registries...>;

template <class Registry>
concept a_registry = std::is_same_v<typename Registry::kind, backoff_choice> ||
                     std::is_same_v<typename Registry::kind, stability_choice>;

/// Every key a registry entry lists is in the key table (checked at compile time).
template <class Registry>
constexpr bool keys_known() noexcept {
    for (const policy_info& e : Registry::entries) {
        for (std::string_view k : e.keys) {
            bool found = false;
            for (const option_key& known : keys) {
                found = found || known.name == k;
            }
            if (!found) {
                return false;
            }
        }
    }
    return true;
}

/// The `backoff` name is in the registry, and `jitter` is given only to a policy that reads it.
template <class Registry>
void check_backoff(const options& o, const origins& from) {
    if (Registry::find(o.backoff) == nullptr) {
        throw config_error(from.name(key_id::backoff), from.value(key_id::backoff, o),
                           unknown_choice(trim(o.backoff), Registry::names));
    }
    auto jitter_error = [&](std::string_view why) {
        return config_error(from.name(key_id::jitter), from.value(key_id::jitter, o), why);
    };
    const std::string_view chosen = chosen_backoff(o);
    const backoff_info* entry = Registry::find(chosen);
    auto reads = [&](std::string_view key) {
        return entry != nullptr &&
               std::find(entry->keys.begin(), entry->keys.end(), key) != entry->keys.end();
    };
    if (o.step && !reads("backoff-step")) {
        // Given but read by no policy chosen: refused like jitter below, not ignored.
        throw config_error(
            from.name(key_id::backoff_step), from.value(key_id::backoff_step, o),
            "does not apply to " + from.name(key_id::backoff) + "=" + std::string(chosen) +
                " (it reads: " +
                join(entry != nullptr ? entry->keys : std::span<const std::string_view>{}) + ")");
    }
    if (o.jitter == jitter_kind::decorrelated) {
        // The key's older spelling of backoff=decorrelated: it replaces the default only.
        if (entry == nullptr || (o.backoff != "exponential" && o.backoff != chosen)) {
            throw jitter_error("means backoff=decorrelated, which " + from.name(key_id::backoff) +
                               " (" + from.quoted(key_id::backoff, o) + ") contradicts");
        }
        return;
    }
    if (o.jitter == jitter_kind::none) {
        return;
    }
    for (std::string_view k : entry->keys) {
        if (k == "jitter") {
            return;
        }
    }
    throw jitter_error("does not apply to " + from.name(key_id::backoff) + "=" +
                       std::string(chosen) + " (it reads: " + join(entry->keys) + ")");
}

/// The `stability` name is in the registry.
template <class Registry>
void check_stability(const options& o, const origins& from) {
    if (Registry::find(o.stability) == nullptr) {
        throw config_error(from.name(key_id::stability), from.value(key_id::stability, o),
                           unknown_choice(trim(o.stability), Registry::names));
    }
}

/// The outbox's limits are at least 1 and its time-to-live positive (no 0 that means "off":
/// queue-overflow=disabled says that).
inline void check_outbox(const options& o, const origins& from) {
    auto fail = [&](key_id k, std::string_view why) {
        return config_error(from.name(k), from.value(k, o), why);
    };
    if (o.queue_messages == 0) {
        throw fail(key_id::queue_messages,
                   "must be at least 1 (to keep nothing while down: queue-overflow=disabled)");
    }
    if (o.queue_bytes == 0) {
        throw fail(key_id::queue_bytes,
                   "must be at least 1 (to keep nothing while down: queue-overflow=disabled)");
    }
    if (o.queue_ttl && o.queue_ttl->count() <= 0) {
        throw fail(key_id::queue_ttl, "must be greater than zero (unset: no limit)");
    }
}

/// The liveness times are positive and read by the liveness chosen: a time given to a kind that
/// does not read it is refused (as backoff-step is), and so are idle and ping times together
/// when neither is chosen by name.
inline void check_liveness(const options& o, const origins& from) {
    auto fail = [&](key_id k, std::string_view why) {
        return config_error(from.name(k), from.value(k, o), why);
    };
    for (const auto& [k, d] : {std::pair{key_id::idle_timeout, o.idle_timeout},
                               std::pair{key_id::ping_interval, o.ping_interval},
                               std::pair{key_id::ping_timeout, o.ping_timeout}}) {
        if (d && d->count() <= 0) {
            throw fail(k, "must be greater than zero");
        }
    }
    const bool pings = o.ping_interval || o.ping_timeout;
    const key_id ping = o.ping_interval ? key_id::ping_interval : key_id::ping_timeout;
    if (!o.liveness && o.idle_timeout && pings) {
        const std::string liveness = from.name(key_id::liveness);
        throw fail(key_id::idle_timeout, "cannot be combined with " + from.name(ping) + " (" +
                                             from.quoted(ping, o) + "): the first is for " +
                                             liveness + "=idle, the second for " + liveness +
                                             "=heartbeat; give the times of one");
    }
    const liveness_kind kind = chosen_liveness(o);
    auto does_not_apply = [&](key_id k) {
        static constexpr std::array<std::string_view, 3> reads{
            "no times", "it reads: idle-timeout", "it reads: ping-interval, ping-timeout"};
        const auto i = static_cast<std::size_t>(kind);
        return fail(k, "does not apply to " + from.name(key_id::liveness) + "=" +
                           std::string(liveness_names[i]) + " (" + std::string(reads[i]) + ")");
    };
    if (o.idle_timeout && kind != liveness_kind::idle) {
        throw does_not_apply(key_id::idle_timeout);
    }
    if (pings && kind != liveness_kind::heartbeat) {
        throw does_not_apply(ping);
    }
}

/// tcp-keepalive and tcp-user-timeout within what Linux takes (validate_socket_options'
/// limits), named as written.
inline void check_socket_options(const options& o, const origins& from) {
    if (o.tcp_keepalive) {
        if (const std::string why = keepalive_problem(*o.tcp_keepalive); !why.empty()) {
            throw config_error(from.name(key_id::tcp_keepalive),
                               from.value(key_id::tcp_keepalive, o), why);
        }
    }
    if (const std::string why = user_timeout_problem(o.tcp_user_timeout); !why.empty()) {
        throw config_error(from.name(key_id::tcp_user_timeout),
                           from.value(key_id::tcp_user_timeout, o), why);
    }
}

template <class... Registries>
void validate(const options& o, const origins& from) {
    static_assert((a_registry<Registries> && ...),
                  "validate takes a backoff registry, a stability registry or both");
    using backoffs = backoffs_in<Registries...>;
    using stabilities = stabilities_in<Registries...>;
    static_assert(keys_known<backoffs>(),
                  "a backoff registry entry lists a key that does not exist");
    static_assert(keys_known<stabilities>(),
                  "a stability registry entry lists a key that does not exist");
    // Enums set in code (a bad static_cast) are checked first: the messages below print values
    // by looking their names up.
    auto known = [&](key_id k, auto e, std::size_t count) {
        if (static_cast<std::size_t>(e) >= count) {
            throw config_error(from.name(k), std::to_string(static_cast<std::size_t>(e)),
                               "not a known value (there are " + std::to_string(count) + ")");
        }
    };
    known(key_id::jitter, o.jitter, jitter_names.size());
    known(key_id::jitter_cap, o.jitter_cap, jitter_cap_names.size());
    if (o.liveness) {
        known(key_id::liveness, *o.liveness, liveness_names.size());
    }
    check_backoff<backoffs>(o, from);
    check_stability<stabilities>(o, from);
    auto fail = [&](key_id k, std::string_view why) {
        return config_error(from.name(k), from.value(k, o), why);
    };
    auto positive = [&](key_id k, std::chrono::nanoseconds d) {
        if (d.count() <= 0) {
            throw fail(k, "must be greater than zero");
        }
    };
    positive(key_id::backoff_initial, o.initial);
    if (!std::isfinite(o.multiplier) || o.multiplier < 1.0) {
        throw fail(key_id::backoff_multiplier,
                   "must be at least 1 (a shrinking delay would retry ever faster)");
    }
    if (o.step && o.step->count() < 0) {
        throw fail(key_id::backoff_step, "must not be negative");
    }
    positive(key_id::backoff_max, o.max);
    if (o.initial > o.max) {
        throw fail(key_id::backoff_initial, "must not exceed " + from.name(key_id::backoff_max) +
                                                " (" + from.quoted(key_id::backoff_max, o) + ")");
    }
    if (o.timeout.count() < 0) {
        throw fail(key_id::backoff_timeout, "must not be negative (0 means never give up)");
    }
    if (o.timeout.count() != 0 && o.timeout < o.initial) {
        // After a stable drop the first retry comes `initial` later: past such a timeout, so
        // the reconnector would give up on every healthy drop without one retry.
        throw fail(key_id::backoff_timeout, "must be 0 (never give up) or at least " +
                                                from.name(key_id::backoff_initial) + " (" +
                                                from.quoted(key_id::backoff_initial, o) + ")");
    }
    if (!(o.jitter_fraction >= 0.0 && o.jitter_fraction <= 1.0)) {
        throw fail(key_id::jitter_fraction, "must be between 0 and 1");
    }
    if (o.stable_after) {
        positive(key_id::stable_after, *o.stable_after);
    }
    if (o.intensity_drops < 1 || o.intensity_drops > restart_intensity::max_max_drops) {
        throw fail(key_id::intensity_drops,
                   "must be between 1 and " + std::to_string(restart_intensity::max_max_drops));
    }
    positive(key_id::intensity_window, o.intensity_window);
    positive(key_id::damping_half_life, o.damping_half_life);
    if (o.damping_half_life > ns_max / 4) {
        throw fail(key_id::damping_half_life,
                   "too large (the limit is " + format_duration(ns_max / 4) + ")");
    }
    if (o.connect_timeout) {
        positive(key_id::connect_timeout, *o.connect_timeout);
    }
    check_liveness(o, from);
    check_socket_options(o, from);
    check_outbox(o, from);
    if (o.timeout.count() != 0) {
        // Settings under which the reconnector would give up at the first hold-down or the
        // first long-but-not-stable session, without a retry: refused, naming both keys.
        if (o.stability == "damping" && o.timeout <= o.damping_half_life * 4) {
            throw fail(key_id::backoff_timeout,
                       "must be 0 (never give up) or longer than the damping hold-down limit (" +
                           format_duration(o.damping_half_life * 4) + " = 4 x " +
                           from.name(key_id::damping_half_life) +
                           "): a suppressed connection would give up at once");
        }
        if (o.stability == "uptime" && o.stable_after && *o.stable_after > o.timeout) {
            throw fail(key_id::stable_after,
                       "must not exceed " + from.name(key_id::backoff_timeout) + " (" +
                           from.quoted(key_id::backoff_timeout, o) +
                           "): a session in between would count as a flap and give up");
        }
    }
}

/// Applies `preset` first wherever it appears, then the other entries in order, then checks.
template <class... Registries>
options build(std::span<const entry> entries, origins from) {
    options o;
    const entry* preset = nullptr;
    for (const entry& e : entries) {
        if (e.id == static_cast<std::size_t>(key_id::preset)) {
            if (preset != nullptr) {
                throw config_error(e.as, e.value,
                                   "preset given twice (first as \"" +
                                       detail::escape(preset->value) + "\")");
            }
            preset = &e;
        }
    }
    if (preset != nullptr) {
        keys[preset->id].set(o, preset->as, preset->value);
    }
    for (const entry& e : entries) {
        if (&e != preset) {
            keys[e.id].set(o, e.as, e.value);
            from.written[e.id] = e;
        }
    }
    validate<Registries...>(o, from);
    return o;
}

} // namespace detail

/// Cross-field and range checks, and the `backoff` and `stability` names against the
/// registries: `Registries` names a backoff registry, a stability registry or both (in any
/// order), the built-in ones otherwise. Throws config_error naming the key and its value.
/// Called by every builder, so options from any source are checked the same way.
template <class... Registries>
void validate(const options& o) {
    detail::validate<Registries...>(o, detail::origins{});
}

} // namespace redial

#endif
