#ifndef REDIAL_DURATION_HPP
#define REDIAL_DURATION_HPP

#include <redial/detail/text.hpp>
#include <redial/error.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

// Human durations: "250ms", "1.5s", "5m", "1h30m", "0". Parsing is exact to the nanosecond and
// refuses anything it cannot represent; formatting produces text (hours, minutes, seconds, then
// one fractional unit) that parses back to exactly the same value.
namespace redial {

namespace detail {

struct duration_unit {
    std::string_view name;
    std::int64_t ns;
};

// Largest first: components of a compound duration must appear in this order.
inline constexpr duration_unit duration_units[] = {
    {"d", 86'400'000'000'000},
    {"h", 3'600'000'000'000},
    {"m", 60'000'000'000},
    {"s", 1'000'000'000},
    {"ms", 1'000'000},
    {"us", 1'000},
    {"ns", 1},
};

inline void append_fraction(std::string& out, std::int64_t frac, int digits) {
    if (frac == 0) {
        return;
    }
    std::string f(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i, frac /= 10) {
        f[static_cast<std::size_t>(i)] = static_cast<char>('0' + frac % 10);
    }
    while (!f.empty() && f.back() == '0') {
        f.pop_back();
    }
    out.append(".").append(f);
}

} // namespace detail

/// Parses a duration. Accepted: "0", or one or more components `<number><unit>` with units
/// d, h, m, s, ms, us, ns in decreasing order, each at most once; a component may have a
/// fraction ("1.5s"). Surrounding white space is ignored. Throws config_error naming `key` and
/// the text for an empty value, a missing or unknown unit, a negative value, a value finer than
/// a nanosecond, or one beyond the largest duration (about 292 years).
inline std::chrono::nanoseconds parse_duration(std::string_view text,
                                               std::string_view key = "duration") {
    using detail::duration_units;
    std::string_view s = detail::trim(text);
    auto fail = [&](std::string_view why) { return config_error(key, text, why); };
    if (s.empty()) {
        throw fail("empty value (expected a duration such as 250ms, 1.5s, 5m or 1h30m)");
    }
    if (s.front() == '-') {
        throw fail("negative durations are not allowed");
    }
    if (s.front() == '+') {
        throw fail("expected a duration such as 250ms, 1.5s, 5m or 1h30m");
    }
    if (s == "0") {
        return std::chrono::nanoseconds{0};
    }

    std::int64_t total = 0;
    std::size_t next_unit = 0; // index into duration_units: units must strictly decrease
    while (!s.empty()) {
        std::size_t i = 0;
        while (i < s.size() && detail::is_digit(s[i])) {
            ++i;
        }
        std::string_view whole = s.substr(0, i);
        std::string_view frac;
        if (i < s.size() && s[i] == '.') {
            std::size_t j = i + 1;
            while (j < s.size() && detail::is_digit(s[j])) {
                ++j;
            }
            frac = s.substr(i + 1, j - i - 1);
            i = j;
        }
        if (whole.empty() && frac.empty()) {
            throw fail("expected a number (a duration such as 250ms, 1.5s, 5m or 1h30m)");
        }
        std::size_t u = i;
        while (u < s.size() && !detail::is_digit(s[u]) && s[u] != '.') {
            ++u;
        }
        std::string_view unit = s.substr(i, u - i);
        if (unit.empty()) {
            throw fail("missing unit (use d, h, m, s, ms, us or ns; only 0 may omit it)");
        }
        std::size_t k = 0;
        while (k < std::size(duration_units) && duration_units[k].name != unit) {
            ++k;
        }
        if (k == std::size(duration_units)) {
            throw fail("unknown unit \"" + detail::escape(unit) +
                       "\" (use d, h, m, s, ms, us or ns)");
        }
        if (k < next_unit) {
            throw fail("units must go from largest to smallest, each at most once");
        }
        next_unit = k + 1;
        const std::int64_t scale = duration_units[k].ns;

        auto too_large = [&] { return fail("too large (the limit is about 292 years)"); };
        std::int64_t value = 0;
        for (char c : whole) {
            if (__builtin_mul_overflow(value, 10, &value) ||
                __builtin_add_overflow(value, c - '0', &value)) {
                throw too_large();
            }
        }
        std::int64_t component = 0;
        if (__builtin_mul_overflow(value, scale, &component)) {
            throw too_large();
        }
        // Fraction: exact in integers. Digits past the unit's last power of ten (place: 6 for
        // minutes, 864 for days) form `rest` over `span`; they are exact only when place · rest
        // is a multiple of span (0.00000000005m is 3ns), which takes at most five of them
        // (place ≤ 864 has no factor 5 and at most 2^5) once trailing zeros are dropped.
        while (!frac.empty() && frac.back() == '0') {
            frac.remove_suffix(1);
        }
        std::int64_t place = scale;
        std::int64_t rest = 0;
        std::int64_t span = 1;
        for (char c : frac) {
            const std::int64_t digit = c - '0';
            if (place % 10 != 0) {
                if (span == 100'000) { // a sixth such digit: finer than a nanosecond
                    throw fail("more precise than a nanosecond");
                }
                rest = rest * 10 + digit;
                span *= 10;
                continue;
            }
            place /= 10;
            // The fraction is below one unit, but the whole part may already be near the limit.
            if (__builtin_add_overflow(component, digit * place, &component)) {
                throw too_large();
            }
        }
        if (place * rest % span != 0) {
            throw fail("more precise than a nanosecond");
        }
        if (__builtin_add_overflow(component, place * rest / span, &component)) {
            throw too_large();
        }
        if (__builtin_add_overflow(total, component, &total)) {
            throw too_large();
        }
        s.remove_prefix(u);
    }
    return std::chrono::nanoseconds{total};
}

/// Formats a duration as text parse_duration reads back exactly (largest units first):
/// 0 -> "0s", 1.5s -> "1.5s", 300s -> "5m", 5400s -> "1h30m", 0.25s -> "250ms".
inline std::string format_duration(std::chrono::nanoseconds d) {
    std::string out;
    std::int64_t n = d.count();
    if (n == 0) {
        return "0s";
    }
    std::uint64_t u = static_cast<std::uint64_t>(n);
    if (n < 0) {
        out.push_back('-');
        u = ~u + 1; // magnitude, also for the minimum value
    }
    constexpr std::uint64_t sec = 1'000'000'000;
    if (u < sec) {
        // Below a second: the largest unit that leaves a whole part, with a fraction if needed.
        const std::uint64_t scale = u >= 1'000'000 ? 1'000'000 : (u >= 1'000 ? 1'000 : 1);
        out += std::to_string(u / scale);
        detail::append_fraction(out, static_cast<std::int64_t>(u % scale),
                                scale == 1'000'000 ? 6 : (scale == 1'000 ? 3 : 0));
        out += scale == 1'000'000 ? "ms" : (scale == 1'000 ? "us" : "ns");
        return out;
    }
    const std::uint64_t hours = u / (3600 * sec);
    const std::uint64_t minutes = u / (60 * sec) % 60;
    const std::uint64_t rest = u % (60 * sec);
    if (hours != 0) {
        out += std::to_string(hours) + "h";
    }
    if (minutes != 0) {
        out += std::to_string(minutes) + "m";
    }
    if (rest != 0) {
        out += std::to_string(rest / sec);
        detail::append_fraction(out, static_cast<std::int64_t>(rest % sec), 9);
        out += "s";
    }
    return out;
}

} // namespace redial

#endif
