#ifndef REDIAL_CONFIG_HPP
#define REDIAL_CONFIG_HPP

#include <redial/backoff/concept.hpp>
#include <redial/backoff/decorrelated_jitter.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>
#include <redial/core/machine.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>
#include <redial/stability/always_stable.hpp>
#include <redial/stability/concept.hpp>
#include <redial/stability/flap_damping.hpp>
#include <redial/stability/restart_intensity.hpp>
#include <redial/stability/uptime_threshold.hpp>
#include <redial/time.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

// Run-time configuration: one table of keys (flags without "--", environment variables with a
// prefix, "k=v,k=v" strings), named presets, and builders from options to policies.

#ifdef _WIN32
extern "C" char** _environ;
#else
extern "C" char** environ; // POSIX; declared here so the header needs no <unistd.h>
#endif

namespace redial {

enum class jitter_kind : std::uint8_t { none, full, equal, decorrelated, grpc, proportional };
enum class stability_kind : std::uint8_t { uptime, always, damping, intensity };

/// Every run-time value of a reconnector. Defaults are the seeds': 1s, ×2, 30s, give up after 5m.
struct options {
    std::chrono::nanoseconds initial{std::chrono::seconds{1}};
    double multiplier{2.0};
    std::chrono::nanoseconds max{std::chrono::seconds{30}};
    std::chrono::nanoseconds timeout{std::chrono::minutes{5}}; ///< 0 = never give up
    jitter_kind jitter{jitter_kind::none};
    double jitter_fraction{0.2}; ///< ±fraction, for jitter_kind::proportional
    redial::jitter_cap jitter_cap{redial::jitter_cap::fit}; ///< grpc always overshoots
    stability_kind stability{stability_kind::uptime};
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

inline std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

inline std::string join(std::span<const std::string_view> words, std::string_view sep = ", ") {
    std::string s;
    for (std::string_view w : words) {
        s.append(s.empty() ? "" : sep).append(w);
    }
    return s;
}

// Levenshtein distance, for "did you mean" hints on keys; inputs are short.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j < row.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            const std::size_t replace = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            row[j] = std::min({up + 1, row[j - 1] + 1, replace});
            diagonal = up;
        }
    }
    return row[b.size()];
}

/// " (did you mean X?)" for the closest candidate within two edits, else "".
inline std::string did_you_mean(std::string_view word, std::span<const std::string_view> names) {
    std::string_view best;
    std::size_t best_distance = 3;
    for (std::string_view n : names) {
        const std::size_t d = edit_distance(word, n);
        if (d < best_distance) {
            best = n;
            best_distance = d;
        }
    }
    return best.empty() ? std::string{} : " (did you mean " + std::string(best) + "?)";
}

inline std::string format_double(double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v); // shortest text that reads back
    return std::string(buf, r.ptr);
}

inline double parse_double(std::string_view key, std::string_view text) {
    const std::string_view s = trim(text);
    if (s.empty()) {
        throw config_error(key, text, "empty value (expected a number such as 1.5)");
    }
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range) {
        throw config_error(key, text, "out of range");
    }
    if (ec != std::errc{} || end != s.data() + s.size()) {
        throw config_error(key, text, "not a number (expected a number such as 1.5)");
    }
    if (!std::isfinite(v)) {
        throw config_error(key, text, "must be a finite number");
    }
    return v;
}

template <class Unsigned>
Unsigned parse_unsigned(std::string_view key, std::string_view text) {
    const std::string_view s = trim(text);
    if (s.empty()) {
        throw config_error(key, text, "empty value (expected a whole number)");
    }
    if (s.front() == '-') {
        throw config_error(key, text, "must not be negative");
    }
    Unsigned v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range) {
        throw config_error(key, text,
                           "too large (the limit is " +
                               std::to_string(std::numeric_limits<Unsigned>::max()) + ")");
    }
    if (ec != std::errc{} || end != s.data() + s.size()) {
        throw config_error(key, text, "not a whole number");
    }
    return v;
}

/// The index of `text` in `names`, which an enum lists in order.
template <class Enum, std::size_t N>
Enum parse_choice(std::string_view key, std::string_view text,
                  const std::array<std::string_view, N>& names) {
    const std::string_view s = trim(text);
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == s) {
            return static_cast<Enum>(i);
        }
    }
    throw config_error(key, text,
                       (s.empty() ? std::string("empty value") : std::string("unknown value")) +
                           did_you_mean(s, names) + "; expected one of: " + join(names, "|"));
}

inline constexpr std::array<std::string_view, 6> jitter_names{
    "none", "full", "equal", "decorrelated", "grpc", "proportional"};
inline constexpr std::array<std::string_view, 3> jitter_cap_names{"fit", "clamp", "overshoot"};
inline constexpr std::array<std::string_view, 4> stability_names{"uptime", "always", "damping",
                                                                 "intensity"};

inline bool parse_bool(std::string_view key, std::string_view text) {
    const std::string_view s = trim(text);
    if (s == "true" || s == "1" || s == "yes") {
        return true;
    }
    if (s == "false" || s == "0" || s == "no") {
        return false;
    }
    throw config_error(key, text, "expected one of: true|false|1|0|yes|no");
}

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
    {"jitter", "none|full|equal|decorrelated|grpc|proportional", "none",
     "randomise delays so a fleet does not retry in step",
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
    {"stability", "uptime|always|damping|intensity", "uptime",
     "how a session that ended is judged healthy or a flap",
     [](options& o, std::string_view as, std::string_view v) {
         o.stability = parse_choice<stability_kind>(as, v, stability_names);
     },
     [](const options& o) -> std::optional<std::string> {
         return std::string(stability_names[static_cast<std::size_t>(o.stability)]);
     }},
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
    {"connect-timeout", "duration > 0", "transport default", "limit on one connect attempt",
     set_duration<&options::connect_timeout>, get_duration<&options::connect_timeout>},
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
};

inline constexpr std::size_t key_count = std::size(keys);

enum class key_id : std::size_t {
    preset,
    backoff_initial,
    backoff_multiplier,
    backoff_max,
    backoff_timeout,
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
};
static_assert(static_cast<std::size_t>(key_id::seed) + 1 == key_count);

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
};

inline void validate(const options& o, const origins& from) {
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
    known(key_id::stability, o.stability, stability_names.size());
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
    positive(key_id::backoff_max, o.max);
    if (o.initial > o.max) {
        throw fail(key_id::backoff_initial, "must not exceed " + from.name(key_id::backoff_max) +
                                                " (" + from.value(key_id::backoff_max, o) + ")");
    }
    if (o.timeout.count() < 0) {
        throw fail(key_id::backoff_timeout, "must not be negative (0 means never give up)");
    }
    if (o.timeout.count() != 0 && o.timeout < o.initial) {
        // After a stable drop the first retry comes `initial` later: past such a timeout, so
        // the reconnector would give up on every healthy drop without one retry.
        throw fail(key_id::backoff_timeout, "must be 0 (never give up) or at least " +
                                                from.name(key_id::backoff_initial) + " (" +
                                                from.value(key_id::backoff_initial, o) + ")");
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
    if (o.timeout.count() != 0) {
        // Settings under which the reconnector would give up at the first hold-down or the
        // first long-but-not-stable session, without a retry: refused, naming both keys.
        if (o.stability == stability_kind::damping && o.timeout <= o.damping_half_life * 4) {
            throw fail(key_id::backoff_timeout,
                       "must be 0 (never give up) or longer than the damping hold-down limit (" +
                           format_duration(o.damping_half_life * 4) + " = 4 x " +
                           from.name(key_id::damping_half_life) +
                           "): a suppressed connection would give up at once");
        }
        if (o.stability == stability_kind::uptime && o.stable_after &&
            *o.stable_after > o.timeout) {
            throw fail(key_id::stable_after,
                       "must not exceed " + from.name(key_id::backoff_timeout) + " (" +
                           from.value(key_id::backoff_timeout, o) +
                           "): a session in between would count as a flap and give up");
        }
    }
}

/// Applies `preset` first wherever it appears, then the other entries in order, then checks.
inline options build(std::span<const entry> entries, origins from) {
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
    validate(o, from);
    return o;
}

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

/// Visits the active alternative with a chain of index tests: unlike std::visit it cannot
/// throw on a valueless variant, so reset() stays noexcept without a try block. For a variant
/// that can never be valueless, visit_never_valueless is the faster choice.
template <std::size_t I = 0, class Variant, class F>
constexpr decltype(auto) visit_active(Variant& v,
                                      F&& f) noexcept(noexcept(f(*std::get_if<0>(&v)))) {
    if constexpr (I + 1 == std::variant_size_v<std::remove_const_t<Variant>>) {
        return f(*std::get_if<I>(&v));
    } else {
        if (v.index() == I) {
            return f(*std::get_if<I>(&v));
        }
        return visit_active<I + 1>(v, std::forward<F>(f));
    }
}

template <class... Ts>
constexpr bool never_valueless(const std::variant<Ts...>*) noexcept {
    return (... &&
            (std::is_nothrow_copy_constructible_v<Ts> && std::is_nothrow_move_constructible_v<Ts> &&
             std::is_nothrow_copy_assignable_v<Ts> && std::is_nothrow_move_assignable_v<Ts>));
}

/// std::visit, for variants whose alternatives copy and move without throwing: they are never
/// valueless, so it cannot throw. Its switch lets the compiler keep the index in a register
/// across calls, where visit_active's chain reloads the one-byte index (which may alias the
/// state) after every call: configured_backoff went from 1.44x its baseline to 1.2x.
template <class Variant, class F>
constexpr decltype(auto) visit_never_valueless(Variant& v, F&& f) noexcept {
    static_assert(never_valueless(static_cast<std::remove_const_t<Variant>*>(nullptr)));
    return std::visit(std::forward<F>(f), v);
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

/// A named preset: default (the seeds), moonpool, moonpool-local, moonpool-wan, grpc.
/// Throws config_error naming "preset" for an unknown name.
inline options preset(std::string_view name) {
    return detail::make_preset("preset", name);
}

/// The environment variable of a key: prefix + key upper-cased, '-' → '_'.
inline std::string env_name(std::string_view key, std::string_view prefix = "REDIAL_") {
    return detail::env_variable(prefix, key);
}

/// Cross-field and range checks; throws config_error naming the key and its value. Called by
/// every builder below, so options from any source are checked the same way.
inline void validate(const options& o) {
    detail::validate(o, detail::origins{});
}

/// Sets one key. `key` is the canonical name or the flag ("--backoff-max"); errors name it as
/// written. `preset` replaces every value. Does not validate across keys: see validate().
inline void apply_option(options& o, std::string_view key, std::string_view value) {
    const detail::entry e = detail::resolve_key(key, value);
    detail::keys[e.id].set(o, e.as, e.value);
}

/// Options from key/value pairs (keys as for apply_option): `preset` first, the rest in order
/// (a later value wins), then validate().
inline options
options_from_pairs(std::span<const std::pair<std::string_view, std::string_view>> pairs) {
    std::vector<detail::entry> entries;
    entries.reserve(pairs.size());
    for (const auto& [key, value] : pairs) {
        entries.push_back(detail::resolve_key(key, value));
    }
    return detail::build(entries, {});
}
inline options
options_from_pairs(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
    return options_from_pairs(std::span(pairs.begin(), pairs.size()));
}

/// Options from "backoff-initial=250ms,backoff-max=10s". White space around keys and values is
/// ignored; an empty (or blank) string gives the defaults.
inline options options_from_string(std::string_view text) {
    std::vector<detail::entry> entries;
    if (!detail::trim(text).empty()) {
        std::string_view rest = text;
        while (true) {
            const std::size_t comma = rest.find(',');
            const std::string_view piece = detail::trim(rest.substr(0, comma));
            const std::size_t eq = piece.find('=');
            if (eq == std::string_view::npos) {
                throw config_error("entry", piece,
                                   "expected key=value, e.g. backoff-initial=250ms, separated by "
                                   "commas");
            }
            entries.push_back(detail::resolve_key(detail::trim(piece.substr(0, eq)),
                                                  detail::trim(piece.substr(eq + 1))));
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
    }
    return detail::build(entries, {});
}

/// Options from "NAME=VALUE" strings (an environment block). Variables without `prefix` are
/// ignored; every one with it must name a key (REDIAL_BACKOF_MAX is refused, not skipped).
/// Errors name the variable.
inline options options_from_env(std::span<const std::string_view> variables,
                                std::string_view prefix) {
    if (prefix.empty()) {
        throw config_error("prefix", prefix, "must not be empty");
    }
    std::vector<std::string> known;
    for (const option_key& k : detail::keys) {
        known.push_back(detail::env_variable(prefix, k.name));
    }
    std::vector<detail::entry> entries;
    for (std::string_view var : variables) {
        if (!var.starts_with(prefix)) {
            continue;
        }
        const std::size_t eq = var.find('=');
        const std::string_view name = var.substr(0, eq);
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : var.substr(eq + 1);
        std::size_t i = 0;
        while (i < known.size() && known[i] != name) {
            ++i;
        }
        if (i == known.size()) {
            const std::vector<std::string_view> names(known.begin(), known.end());
            throw config_error(name, value,
                               "unknown variable" + detail::did_you_mean(name, names) +
                                   "; known: " + detail::join(names));
        }
        if (eq == std::string_view::npos) {
            throw config_error(name, value, "expected NAME=VALUE");
        }
        entries.push_back({i, name, value});
    }
    return detail::build(entries, {prefix, true, {}});
}
inline options options_from_env(std::initializer_list<std::string_view> variables,
                                std::string_view prefix = "REDIAL_") {
    return options_from_env(std::span(variables.begin(), variables.size()), prefix);
}

/// Options from the process environment (`environ`).
inline options options_from_env(std::string_view prefix = "REDIAL_") {
    std::vector<std::string_view> variables;
#ifdef _WIN32
    char** env = ::_environ;
#else
    char** env = ::environ;
#endif
    for (; env != nullptr && *env != nullptr; ++env) {
        const std::string_view var = *env;
        if (var.starts_with(prefix)) {
            variables.push_back(var);
        }
    }
    return options_from_env(std::span<const std::string_view>(variables), prefix);
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

/// A one-line summary for logs, e.g. "backoff 1s x2 up to 30s, no jitter; stable after 1s;
/// give up after 5m".
inline std::string describe(const options& o) {
    std::string s = "backoff ";
    if (o.jitter == jitter_kind::decorrelated) {
        s += "decorrelated " + format_duration(o.initial) + ".." + format_duration(o.max);
    } else {
        s += format_duration(o.initial) + " x" + detail::format_double(o.multiplier) + " up to " +
             format_duration(o.max);
    }
    const std::string cap(detail::jitter_cap_names[static_cast<std::size_t>(o.jitter_cap)]);
    switch (o.jitter) {
    case jitter_kind::none:
        s += ", no jitter";
        break;
    case jitter_kind::decorrelated: // the schedule itself is random
        break;
    case jitter_kind::grpc:
        s += ", grpc jitter +-20% (overshoot)";
        break;
    case jitter_kind::proportional:
        // Rounded so 0.07 prints as 7%, not 7.000000000000001%.
        s += ", jitter +-" + detail::format_double(std::round(o.jitter_fraction * 1e6) / 1e4) +
             "% (" + cap + ")";
        break;
    case jitter_kind::full:
    case jitter_kind::equal:
        s += ", " + std::string(detail::jitter_names[static_cast<std::size_t>(o.jitter)]) +
             " jitter (" + cap + ")";
        break;
    }
    switch (o.stability) {
    case stability_kind::uptime:
        s += "; stable after " + format_duration(o.stable_after.value_or(o.initial));
        break;
    case stability_kind::always:
        s += "; always stable";
        break;
    case stability_kind::damping:
        s += "; flap damping, half-life " + format_duration(o.damping_half_life);
        break;
    case stability_kind::intensity:
        s += "; flap after more than " + std::to_string(o.intensity_drops) + " drops in " +
             format_duration(o.intensity_window);
        break;
    }
    const std::string attempts =
        std::to_string(o.max_attempts) + (o.max_attempts == 1 ? " attempt" : " attempts");
    if (o.timeout.count() == 0) {
        s += o.max_attempts == 0 ? "; never give up" : "; give up after " + attempts;
    } else {
        s += "; give up after " + format_duration(o.timeout);
        s += o.max_attempts == 0 ? "" : " or " + attempts;
    }
    if (o.clip_to_deadline) {
        s += ", clipped to the deadline";
    }
    if (o.connect_timeout) {
        s += "; connect timeout " + format_duration(*o.connect_timeout);
    }
    if (o.seed) {
        s += "; seed " + std::to_string(*o.seed);
    }
    return s;
}

/// A backoff chosen at run time: exponential, jittered exponential or decorrelated jitter.
class configured_backoff {
public:
    /// Full and equal jitter have compile-time windows (computed in integers); the other
    /// windows, from configuration, are jittered's run-time jitter_range.
    using variant_type =
        std::variant<exponential_backoff, jittered<exponential_backoff>, decorrelated_jitter,
                     full_jittered<exponential_backoff>, equal_jittered<exponential_backoff>>;

    using nonnegative_delays_of = configured_backoff; // every alternative's are

    configured_backoff() noexcept = default;
    explicit configured_backoff(variant_type policy) noexcept : policy_(policy) {}

    [[nodiscard]] std::chrono::nanoseconds next() noexcept {
        return detail::visit_never_valueless(policy_, [](auto& p) noexcept { return p.next(); });
    }
    void reset() noexcept {
        detail::visit_never_valueless(policy_, [](auto& p) noexcept { p.reset(); });
    }
    /// Reseeds the generator of a jittered policy; no effect without jitter.
    void seed(std::uint64_t s) noexcept {
        detail::visit_never_valueless(policy_, [s](auto& p) noexcept {
            if constexpr (requires { p.seed(s); }) {
                p.seed(s);
            }
        });
    }

    [[nodiscard]] std::chrono::nanoseconds initial_delay() const noexcept {
        return detail::visit_never_valueless(
            policy_, [](const auto& p) noexcept { return p.initial_delay(); });
    }
    /// The largest delay a call to next() can return (above backoff-max with overshoot).
    [[nodiscard]] std::chrono::nanoseconds max_delay() const noexcept {
        return detail::visit_never_valueless(policy_,
                                             [](const auto& p) noexcept { return p.max_delay(); });
    }
    [[nodiscard]] const variant_type& policy() const noexcept { return policy_; }

private:
    variant_type policy_;
};

static_assert(backoff_policy<configured_backoff>);
static_assert(has_initial_delay<configured_backoff> && has_max_delay<configured_backoff>);

/// A stability policy chosen at run time.
class configured_stability {
public:
    using variant_type =
        std::variant<uptime_threshold, always_stable, flap_damping, restart_intensity>;

    configured_stability() noexcept = default;
    explicit configured_stability(variant_type policy) noexcept : policy_(std::move(policy)) {}

    [[nodiscard]] verdict judge(const session_end& e) {
        return detail::visit_active(policy_, [&e](auto& p) { return p.judge(e); });
    }
    void reset() noexcept {
        detail::visit_active(policy_, [](auto& p) noexcept { p.reset(); });
    }
    /// Flap damping's hold-down while suppressed; zero for the other policies.
    [[nodiscard]] std::chrono::nanoseconds hold_down(time_point now) const noexcept {
        return detail::visit_active(policy_, [now](const auto& p) noexcept {
            if constexpr (has_hold_down<std::remove_cvref_t<decltype(p)>>) {
                return std::chrono::nanoseconds{p.hold_down(now)};
            } else {
                return std::chrono::nanoseconds{0};
            }
        });
    }
    /// Flap damping's longest hold-down; zero for the other policies.
    [[nodiscard]] std::chrono::nanoseconds max_hold_down() const noexcept {
        return detail::visit_active(policy_, [](const auto& p) noexcept {
            if constexpr (has_max_hold_down<std::remove_cvref_t<decltype(p)>>) {
                return std::chrono::nanoseconds{p.max_hold_down()};
            } else {
                return std::chrono::nanoseconds{0};
            }
        });
    }
    /// Forwarded to uptime_threshold (which ignores it when its threshold was explicit).
    void adopt_initial_delay(std::chrono::nanoseconds d) noexcept {
        detail::visit_active(policy_, [d](auto& p) noexcept {
            if constexpr (adopts_initial_delay<std::remove_cvref_t<decltype(p)>>) {
                p.adopt_initial_delay(d);
            }
        });
    }
    [[nodiscard]] const variant_type& policy() const noexcept { return policy_; }

private:
    variant_type policy_;
};

static_assert(stability_policy<configured_stability>);
static_assert(has_hold_down<configured_stability> && has_max_hold_down<configured_stability> &&
              adopts_initial_delay<configured_stability>);

namespace detail {
template <class Policy>
configured_backoff seeded(Policy p, const std::optional<std::uint64_t>& seed) {
    if (seed) {
        p.seed(*seed);
    }
    return configured_backoff{std::move(p)};
}
} // namespace detail

/// The backoff the options describe, seeded with options.seed when set. Validates first.
inline configured_backoff make_backoff(const options& o) {
    validate(o);
    const exponential_backoff exponential{o.initial, o.multiplier, o.max};
    jitter_range range;
    switch (o.jitter) {
    case jitter_kind::none:
        return configured_backoff{exponential};
    case jitter_kind::decorrelated:
        return detail::seeded(decorrelated_jitter{o.initial, o.max}, o.seed);
    // Windows with hi <= 1 never exceed the capped delay, so the cap mode changes nothing.
    case jitter_kind::full:
        return detail::seeded(full_jittered<exponential_backoff>{exponential}, o.seed);
    case jitter_kind::equal:
        return detail::seeded(equal_jittered<exponential_backoff>{exponential}, o.seed);
    case jitter_kind::proportional:
        range = proportional_jitter(o.jitter_fraction, o.jitter_cap);
        break;
    case jitter_kind::grpc:
        range = grpc_jitter(); // gRPC's rule: jitter after the cap, so up to 1.2 × max
        break;
    }
    return detail::seeded(jittered<exponential_backoff>{exponential, range}, o.seed);
}

/// The stability policy the options describe. Validates first. Flap damping keeps RFC 2439's
/// penalty, suppress and reuse, with max hold-down 4 × the half-life (Cisco's default ratio).
inline configured_stability make_stability(const options& o) {
    validate(o);
    switch (o.stability) {
    case stability_kind::always:
        return configured_stability{always_stable{}};
    case stability_kind::damping: {
        flap_damping_params p;
        p.half_life = o.damping_half_life;
        p.max_hold_down = detail::sat_mul(o.damping_half_life, std::int64_t{4});
        return configured_stability{flap_damping{p}};
    }
    case stability_kind::intensity:
        return configured_stability{restart_intensity{o.intensity_drops, o.intensity_window}};
    case stability_kind::uptime:
        break;
    }
    return configured_stability{uptime_threshold{o.stable_after.value_or(o.initial)}};
}

/// The give-up rules the options describe. Validates first.
inline machine_options make_machine_options(const options& o) {
    validate(o);
    return machine_options{o.timeout, o.max_attempts, o.clip_to_deadline};
}

} // namespace redial

#endif
