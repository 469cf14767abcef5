#ifndef REDIAL_CONFIG_KEYS_HPP
#define REDIAL_CONFIG_KEYS_HPP

#include <redial/config/backoff_registry.hpp>
#include <redial/config/options.hpp>
#include <redial/config/stability_registry.hpp>
#include <redial/detail/parse.hpp>
#include <redial/detail/text.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>
#include <redial/transport/socket_options.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The configuration keys: one table every front end reads (flags without "--", environment
// variables with a prefix, "k=v,k=v" strings), and the named presets. Setting a key checks its
// value alone; checks across keys are validate()'s (config/validate.hpp).
namespace redial {

/// One configuration key: `name` is the command-line flag without "--"; the environment
/// variable is the prefix followed by the name upper-cased with '-' turned into '_'.
struct option_key {
    std::string_view name;
    std::string_view syntax;       ///< what the value looks like
    std::string_view default_text; ///< the default, as text
    std::string_view help;
    /// Parses `value` into the options; `as` is the key as the user wrote it, for errors.
    void (*set)(options&, std::string_view as, std::string_view value);
    /// The value as text that `set` reads back; nothing for `preset` and unset optionals.
    std::optional<std::string> (*get)(const options&);
};

namespace detail {

// "a|b|c" from a registry's names, at compile time: the `backoff` and `stability` keys' syntax.
template <class Registry>
constexpr std::size_t joined_names_size() noexcept {
    std::size_t n = 0;
    for (std::string_view s : Registry::names) {
        n += s.size() + 1;
    }
    return n == 0 ? 0 : n - 1;
}
template <class Registry>
inline constexpr std::array<char, joined_names_size<Registry>()> joined_names = [] {
    std::array<char, joined_names_size<Registry>()> a{};
    std::size_t i = 0;
    for (std::string_view s : Registry::names) {
        if (i != 0) {
            a[i++] = '|';
        }
        for (char c : s) {
            a[i++] = c;
        }
    }
    return a;
}();
inline constexpr std::string_view builtin_backoff_syntax{joined_names<builtin_backoffs>.data(),
                                                         joined_names<builtin_backoffs>.size()};
inline constexpr std::string_view builtin_stability_syntax{
    joined_names<builtin_stabilities>.data(), joined_names<builtin_stabilities>.size()};

inline constexpr std::array<std::string_view, 5> preset_names{
    "default", "moonpool", "moonpool-local", "moonpool-wan", "grpc"};

inline options make_preset(std::string_view key, std::string_view text) {
    using namespace std::chrono_literals;
    const std::string_view name = trim(text);
    options o;
    if (name == "default") {
        return o;
    }
    o.timeout = 0s; // every other preset comes from a library that never gives up by time
    if (name == "moonpool") {
        o.initial = 100ms;
        o.connect_timeout = 5s;
    } else if (name == "moonpool-local") {
        o.initial = 10ms;
        o.max = 1s;
        o.connect_timeout = 500ms;
        o.max_attempts = 10;
    } else if (name == "moonpool-wan") {
        o.initial = 500ms;
        o.max = 60s;
        o.connect_timeout = 30s;
    } else if (name == "grpc") {
        o.multiplier = 1.6;
        o.max = 120s;
        o.jitter = jitter_kind::grpc;
        o.jitter_cap = redial::jitter_cap::overshoot;
        o.connect_timeout = 20s;
    } else {
        throw config_error(key, text,
                           "unknown preset" + did_you_mean(name, preset_names) +
                               "; known presets: " + join(preset_names));
    }
    return o;
}

inline std::optional<std::string> duration_text(std::chrono::nanoseconds d) {
    return format_duration(d);
}
inline std::optional<std::string> duration_text(std::optional<std::chrono::nanoseconds> d) {
    return d ? std::optional<std::string>(format_duration(*d)) : std::nullopt;
}

// Duration keys differ only in the member they write: one setter and getter per member.
template <auto Member>
void set_duration(options& o, std::string_view as, std::string_view v) {
    o.*Member = parse_duration(v, as);
}
template <auto Member>
std::optional<std::string> get_duration(const options& o) {
    return duration_text(o.*Member);
}
// A part of a compound value through its own parser (which names the part): an error quotes
// the whole value, then the part and why, e.g. `invalid tcp-keepalive "1x/1s/1": IDLE "1x": ...`.
template <class F>
auto parse_part(std::string_view as, std::string_view text, F parse) {
    try {
        return parse();
    } catch (const config_error& e) {
        std::string_view why = e.what();
        why.remove_prefix(std::string_view("invalid ").size());
        throw config_error(as, text, why);
    }
}

// A duration in whole `Unit`s (what a socket option counts in): finer is refused, not rounded.
template <class Unit>
Unit parse_whole(std::string_view key, std::string_view text, std::string_view units) {
    const std::chrono::nanoseconds d = parse_duration(text, key);
    if (d % Unit{1} != std::chrono::nanoseconds{0}) {
        throw config_error(key, text, "must be whole " + std::string(units));
    }
    return std::chrono::duration_cast<Unit>(d);
}

// `off`, `on` (tcp_keepalive's defaults) or IDLE/INTERVAL/COUNT: '/' because ',' separates the
// entries of a "k=v,k=v" string. Ranges are validate()'s.
inline std::optional<tcp_keepalive> parse_tcp_keepalive(std::string_view as,
                                                        std::string_view text) {
    const std::string_view s = trim(text);
    if (s == "off") {
        return std::nullopt;
    }
    if (s == "on") {
        return tcp_keepalive{};
    }
    const std::size_t first = s.find('/');
    const std::size_t second = first == std::string_view::npos ? first : s.find('/', first + 1);
    if (second == std::string_view::npos || s.find('/', second + 1) != std::string_view::npos) {
        throw config_error(as, text,
                           std::string(s.empty() ? "empty value" : "not a keepalive setting") +
                               " (expected off, on, or IDLE/INTERVAL/COUNT such as 60s/10s/5)");
    }
    const std::string_view idle = s.substr(0, first);
    const std::string_view interval = s.substr(first + 1, second - first - 1);
    const std::string_view count = s.substr(second + 1);
    return parse_part(as, text, [&] {
        return tcp_keepalive{parse_whole<std::chrono::seconds>("IDLE", idle, "seconds"),
                             parse_whole<std::chrono::seconds>("INTERVAL", interval, "seconds"),
                             parse_unsigned<unsigned>("COUNT", count)};
    });
}

// A byte count: a whole number, optionally followed by KiB, MiB or GiB (1024-based; K, M and G
// mean the same). Overflow is refused, not wrapped.
inline std::size_t parse_bytes(std::string_view as, std::string_view text) {
    const std::string_view s = trim(text);
    std::size_t digits = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
        ++digits;
    }
    const std::string_view unit = trim(s.substr(digits));
    std::size_t scale = 1;
    if (unit == "KiB" || unit == "K" || unit == "k") {
        scale = std::size_t{1} << 10;
    } else if (unit == "MiB" || unit == "M") {
        scale = std::size_t{1} << 20;
    } else if (unit == "GiB" || unit == "G") {
        scale = std::size_t{1} << 30;
    } else if (!unit.empty() && unit != "B") {
        throw config_error(as, text,
                           "not a byte count (expected a whole number, optionally with KiB, MiB "
                           "or GiB, e.g. 8MiB)");
    }
    const std::size_t n = parse_part(
        as, text, [&] { return parse_unsigned<std::size_t>("COUNT", s.substr(0, digits)); });
    if (n > std::numeric_limits<std::size_t>::max() / scale) {
        throw config_error(as, text, "too large");
    }
    return n * scale;
}
inline std::string format_bytes(std::size_t n) {
    for (const auto& [shift, unit] :
         {std::pair{30, "GiB"}, std::pair{20, "MiB"}, std::pair{10, "KiB"}}) {
        const std::size_t scale = std::size_t{1} << shift;
        if (n != 0 && n % scale == 0) {
            return std::to_string(n / scale) + unit;
        }
    }
    return std::to_string(n);
}

// The table every front end reads. Its order is the order of key_id below.
inline constexpr option_key keys[] = {
    {"preset", "default|moonpool|moonpool-local|moonpool-wan|grpc", "default",
     "replace every value with a named preset, before the other keys apply",
     [](options& o, std::string_view as, std::string_view v) { o = make_preset(as, v); },
     [](const options&) -> std::optional<std::string> { return std::nullopt; }},
    {"backoff-initial", "duration > 0", "1s", "first retry delay; also the default stable-after",
     set_duration<&options::initial>, get_duration<&options::initial>},
    {"backoff-multiplier", "number >= 1", "2", "growth of the delay per failed attempt",
     [](options& o, std::string_view as, std::string_view v) {
         o.multiplier = parse_double(as, v);
     },
     [](const options& o) -> std::optional<std::string> { return format_double(o.multiplier); }},
    {"backoff-max", "duration >= backoff-initial", "30s", "cap of the delay, before jitter",
     set_duration<&options::max>, get_duration<&options::max>},
    {"backoff-timeout", "duration, 0 = never", "5m",
     "give up once a failing streak has lasted this long", set_duration<&options::timeout>,
     get_duration<&options::timeout>},
    {"backoff", builtin_backoff_syntax, "exponential",
     "the schedule, from the backoff registry (jitter=decorrelated also picks decorrelated)",
     [](options& o, std::string_view, std::string_view v) { o.backoff = std::string(trim(v)); },
     [](const options& o) -> std::optional<std::string> { return o.backoff; }},
    {"backoff-step", "duration >= 0", "backoff-initial",
     "added to the delay per failed attempt (backoff=linear)", set_duration<&options::step>,
     get_duration<&options::step>},
    {"jitter", "none|full|equal|decorrelated|grpc|proportional", "none",
     "randomise delays so a fleet does not retry in step (backoff=exponential)",
     [](options& o, std::string_view as, std::string_view v) {
         o.jitter = parse_choice<jitter_kind>(as, v, jitter_names);
     },
     [](const options& o) -> std::optional<std::string> {
         return std::string(jitter_names[static_cast<std::size_t>(o.jitter)]);
     }},
    {"jitter-fraction", "number in [0, 1]", "0.2", "±fraction of the delay for jitter=proportional",
     [](options& o, std::string_view as, std::string_view v) {
         o.jitter_fraction = parse_double(as, v);
     },
     [](const options& o) -> std::optional<std::string> {
         return format_double(o.jitter_fraction);
     }},
    {"jitter-cap", "fit|clamp|overshoot", "fit",
     "what jitter does at backoff-max (jitter=grpc always overshoots)",
     [](options& o, std::string_view as, std::string_view v) {
         o.jitter_cap = parse_choice<redial::jitter_cap>(as, v, jitter_cap_names);
     },
     [](const options& o) -> std::optional<std::string> {
         return std::string(jitter_cap_names[static_cast<std::size_t>(o.jitter_cap)]);
     }},
    {"stability", builtin_stability_syntax, "uptime",
     "how a session that ended is judged healthy or a flap, from the stability registry",
     [](options& o, std::string_view, std::string_view v) { o.stability = std::string(trim(v)); },
     [](const options& o) -> std::optional<std::string> { return o.stability; }},
    {"stable-after", "duration > 0", "backoff-initial",
     "uptime that makes a session healthy (stability=uptime)", set_duration<&options::stable_after>,
     get_duration<&options::stable_after>},
    {"intensity-drops", "whole number in [1, 4096]", "1",
     "drops allowed within intensity-window (stability=intensity)",
     [](options& o, std::string_view as, std::string_view v) {
         o.intensity_drops = parse_unsigned<std::size_t>(as, v);
     },
     [](const options& o) -> std::optional<std::string> {
         return std::to_string(o.intensity_drops);
     }},
    {"intensity-window", "duration > 0", "5s", "window of intensity-drops (stability=intensity)",
     set_duration<&options::intensity_window>, get_duration<&options::intensity_window>},
    {"damping-half-life", "duration > 0", "15m",
     "half-life of the flap penalty; max hold-down is 4 × it (stability=damping)",
     set_duration<&options::damping_half_life>, get_duration<&options::damping_half_life>},
    {"connect-timeout", "duration > 0", "transport default",
     "limit on one attempt: resolve, connect, TLS, setup", set_duration<&options::connect_timeout>,
     get_duration<&options::connect_timeout>},
    {"max-attempts", "whole number, 0 = unlimited", "0",
     "give up after this many failed attempts in a streak",
     [](options& o, std::string_view as, std::string_view v) {
         o.max_attempts = parse_unsigned<std::uint64_t>(as, v);
     },
     [](const options& o) -> std::optional<std::string> { return std::to_string(o.max_attempts); }},
    {"clip-to-deadline", "true|false|1|0|yes|no", "false",
     "shorten the last sleep so the final attempt falls on the backoff-timeout deadline",
     [](options& o, std::string_view as, std::string_view v) {
         o.clip_to_deadline = parse_bool(as, v);
     },
     [](const options& o) -> std::optional<std::string> {
         return std::string(o.clip_to_deadline ? "true" : "false");
     }},
    {"seed", "whole number (64-bit)", "random",
     "seed of the jitter generator, for reproducible runs",
     [](options& o, std::string_view as, std::string_view v) {
         o.seed = parse_unsigned<std::uint64_t>(as, v);
     },
     [](const options& o) -> std::optional<std::string> {
         return o.seed ? std::optional<std::string>(std::to_string(*o.seed)) : std::nullopt;
     }},
    {"liveness", "none|idle|heartbeat", "none",
     "how a connection that never closes is noticed dead; unset: idle if idle-timeout is given, "
     "heartbeat if ping-interval or ping-timeout is",
     [](options& o, std::string_view as, std::string_view v) {
         o.liveness = parse_choice<liveness_kind>(as, v, liveness_names);
     },
     [](const options& o) -> std::optional<std::string> {
         return o.liveness ? std::optional<std::string>(
                                 liveness_names[static_cast<std::size_t>(*o.liveness)])
                           : std::nullopt;
     }},
    {"idle-timeout", "duration > 0", "20s",
     "end the session after this long without a byte received (liveness=idle)",
     set_duration<&options::idle_timeout>, get_duration<&options::idle_timeout>},
    {"ping-interval", "duration > 0", "10s",
     "ping after this long without a byte received (liveness=heartbeat)",
     set_duration<&options::ping_interval>, get_duration<&options::ping_interval>},
    {"ping-timeout", "duration > 0", "10s",
     "end the session when nothing arrives this long after a ping (liveness=heartbeat)",
     set_duration<&options::ping_timeout>, get_duration<&options::ping_timeout>},
    {"tcp-keepalive", "off|on|IDLE/INTERVAL/COUNT", "off",
     "TCP keepalive: probe after IDLE without traffic, then every INTERVAL; COUNT unanswered "
     "probes end the connection (whole seconds, e.g. 60s/10s/5; on = 60s/10s/5)",
     [](options& o, std::string_view as, std::string_view v) {
         o.tcp_keepalive = parse_tcp_keepalive(as, v);
     },
     [](const options& o) -> std::optional<std::string> {
         return o.tcp_keepalive ? format_tcp_keepalive(*o.tcp_keepalive) : std::string("off");
     }},
    {"tcp-user-timeout", "duration in ms, 0 = kernel default", "0s",
     "TCP_USER_TIMEOUT: end the connection when sent data (or the connect) goes unacknowledged "
     "this long",
     [](options& o, std::string_view as, std::string_view v) {
         o.tcp_user_timeout = parse_whole<std::chrono::milliseconds>(as, v, "milliseconds");
     },
     [](const options& o) -> std::optional<std::string> {
         return format_coarse(o.tcp_user_timeout);
     }},
    {"queue-messages", "whole number >= 1", "10000",
     "the outbox's limit in messages (sent and not yet written, connected or not)",
     [](options& o, std::string_view as, std::string_view v) {
         o.queue_messages = parse_unsigned<std::size_t>(as, v);
     },
     [](const options& o) -> std::optional<std::string> {
         return std::to_string(o.queue_messages);
     }},
    {"queue-bytes", "bytes >= 1 (KiB, MiB, GiB)", "8MiB", "the outbox's limit in payload bytes",
     [](options& o, std::string_view as, std::string_view v) {
         o.queue_bytes = parse_bytes(as, v);
     },
     [](const options& o) -> std::optional<std::string> { return format_bytes(o.queue_bytes); }},
    {"queue-overflow", "reject|drop-oldest|drop-newest|disabled", "reject",
     "what a full outbox does with a new message; disabled: keep nothing while down",
     [](options& o, std::string_view as, std::string_view v) {
         o.queue_overflow = parse_choice<overflow::configured::kind>(as, v, queue_overflow_names);
     },
     [](const options& o) -> std::optional<std::string> {
         return std::string(queue_overflow_names[static_cast<std::size_t>(o.queue_overflow)]);
     }},
    {"queue-ttl", "duration > 0", "none",
     "a message not yet written after this long is dropped as expired",
     set_duration<&options::queue_ttl>, get_duration<&options::queue_ttl>},
    {"queue-cut", "resend|lose", "resend",
     "a message the connection cut in the middle: written again whole, or lost",
     [](options& o, std::string_view as, std::string_view v) {
         o.queue_cut = parse_choice<cut_message>(as, v, queue_cut_names);
     },
     [](const options& o) -> std::optional<std::string> {
         return std::string(queue_cut_names[static_cast<std::size_t>(o.queue_cut)]);
     }},
};

inline constexpr std::size_t key_count = std::size(keys);

enum class key_id : std::size_t {
    preset,
    backoff_initial,
    backoff_multiplier,
    backoff_max,
    backoff_timeout,
    backoff,
    backoff_step,
    jitter,
    jitter_fraction,
    jitter_cap,
    stability,
    stable_after,
    intensity_drops,
    intensity_window,
    damping_half_life,
    connect_timeout,
    max_attempts,
    clip_to_deadline,
    seed,
    liveness,
    idle_timeout,
    ping_interval,
    ping_timeout,
    tcp_keepalive,
    tcp_user_timeout,
    queue_messages,
    queue_bytes,
    queue_overflow,
    queue_ttl,
    queue_cut,
};
static_assert(static_cast<std::size_t>(key_id::queue_cut) + 1 == key_count);

inline constexpr std::array<std::string_view, key_count> key_names = [] {
    std::array<std::string_view, key_count> a{};
    for (std::size_t i = 0; i < key_count; ++i) {
        a[i] = keys[i].name;
    }
    return a;
}();

inline std::string env_variable(std::string_view prefix, std::string_view key) {
    std::string s(prefix);
    for (char c : key) {
        s.push_back(c == '-' ? '_' : (c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c));
    }
    return s;
}

inline std::optional<std::size_t> find_key(std::string_view name) {
    for (std::size_t i = 0; i < key_count; ++i) {
        if (keys[i].name == name) {
            return i;
        }
    }
    return std::nullopt;
}

/// A key resolved from some front end: the key and value exactly as the user wrote them.
struct entry {
    std::size_t id;
    std::string_view as;
    std::string_view value;
};

/// A key as written: the canonical name, or the flag ("--backoff-max").
inline entry resolve_key(std::string_view as, std::string_view value) {
    std::string_view name = as;
    if (name.starts_with("--")) {
        name.remove_prefix(2);
    }
    if (const auto i = find_key(name)) {
        return {*i, as, value};
    }
    throw config_error(as, value,
                       "unknown key" + did_you_mean(name, key_names) +
                           "; known keys: " + join(key_names));
}

} // namespace detail

/// The key table: names, value syntax, defaults and help, in documentation order.
inline std::span<const option_key> option_keys() noexcept {
    return detail::keys;
}

/// Names of the presets preset() knows.
inline std::span<const std::string_view> preset_names() noexcept {
    return detail::preset_names;
}

/// A named preset: default (moq-native's), moonpool, moonpool-local, moonpool-wan, grpc.
/// Throws config_error naming "preset" for an unknown name.
inline options preset(std::string_view name) {
    return detail::make_preset("preset", name);
}

/// The environment variable of a key: prefix + key upper-cased, '-' → '_'.
inline std::string env_name(std::string_view key, std::string_view prefix = "REDIAL_") {
    return detail::env_variable(prefix, key);
}

/// Sets one key. `key` is the canonical name or the flag ("--backoff-max"); errors name it as
/// written. `preset` replaces every value. Does not validate across keys (nor a `backoff` or
/// `stability` name, which depend on the registries): see validate().
inline void apply_option(options& o, std::string_view key, std::string_view value) {
    const detail::entry e = detail::resolve_key(key, value);
    detail::keys[e.id].set(o, e.as, e.value);
}

/// Every key except `preset` and unset optionals, as text: options_from_pairs reads it back to
/// equal options.
inline std::vector<std::pair<std::string, std::string>> to_pairs(const options& o) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const option_key& k : detail::keys) {
        if (auto v = k.get(o)) {
            pairs.emplace_back(k.name, std::move(*v));
        }
    }
    return pairs;
}

/// to_pairs as "key=value,key=value": options_from_string reads it back to equal options.
inline std::string to_string(const options& o) {
    std::string s;
    for (const auto& [key, value] : to_pairs(o)) {
        s.append(s.empty() ? "" : ",").append(key).append("=").append(value);
    }
    return s;
}

} // namespace redial

#endif
