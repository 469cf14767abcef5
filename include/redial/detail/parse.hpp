#ifndef REDIAL_DETAIL_PARSE_HPP
#define REDIAL_DETAIL_PARSE_HPP

#include <redial/detail/text.hpp>
#include <redial/error.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

// Numbers, booleans and choices from text, for the configuration and the tools: one
// implementation, so "1e3", " 5" and "-0" mean the same everywhere. Each parser throws
// config_error naming `key` (as the user wrote it) and the text.
namespace redial::detail {

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

/// "unknown value (did you mean X?); expected one of: a|b|c", or "empty value; ..." for "".
inline std::string unknown_choice(std::string_view word, std::span<const std::string_view> names) {
    return (word.empty() ? std::string("empty value") : std::string("unknown value")) +
           did_you_mean(word, names) + "; expected one of: " + join(names, "|");
}

inline std::string format_double(double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v); // shortest text that reads back
    return std::string(buf, r.ptr);
}

/// A finite number; surrounding white space is ignored.
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

/// A whole number that fits `Unsigned`; surrounding white space is ignored.
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
    throw config_error(key, text, unknown_choice(s, names));
}

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

} // namespace redial::detail

#endif
