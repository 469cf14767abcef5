// libFuzzer target: parse_duration and format_duration (include/redial/duration.hpp).
//
// Invariants, on every input:
// - parse_duration either returns a non-negative duration or throws config_error whose key()
//   is the key passed in, whose value() is the text as given, and whose what() names both;
//   no other exception escapes;
// - it accepts exactly what a reference parser written from the documented grammar accepts
//   (docs/configuration.md, "Durations"), with the same value: exact to the nanosecond,
//   anything finer refused, anything beyond the largest duration refused;
// - format_duration(d) parses back to d, and formatting that again gives the same text.

#include "fuzz_support.hpp"

#include <redial/duration.hpp>
#include <redial/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace detail {

// NOLINTNEXTLINE(modernize-use-using): only a typedef takes __extension__, which -Wpedantic needs
__extension__ typedef __int128 int128;

constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

/// The documented grammar, evaluated exactly in 128-bit integers: nullopt where it refuses.
/// Where the docs are silent ("5.s": a point without fraction digits), it follows the header.
std::optional<std::int64_t> reference_parse(std::string_view s) {
    struct unit {
        std::string_view name;
        std::int64_t ns;
    };
    constexpr unit units[] = {{"d", 86'400'000'000'000},
                              {"h", 3'600'000'000'000},
                              {"m", 60'000'000'000},
                              {"s", 1'000'000'000},
                              {"ms", 1'000'000},
                              {"us", 1'000},
                              {"ns", 1}};
    constexpr int128 largest = std::numeric_limits<std::int64_t>::max();
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    if (s.empty()) {
        return std::nullopt;
    }
    if (s == "0") {
        return 0;
    }
    int128 total = 0;
    std::size_t next_unit = 0;
    while (!s.empty()) {
        std::size_t i = 0;
        while (i < s.size() && is_digit(s[i])) {
            ++i;
        }
        std::string_view whole = s.substr(0, i);
        std::string_view frac;
        if (i < s.size() && s[i] == '.') {
            std::size_t j = i + 1;
            while (j < s.size() && is_digit(s[j])) {
                ++j;
            }
            frac = s.substr(i + 1, j - i - 1);
            i = j;
        }
        std::size_t u = i;
        while (u < s.size() && !is_digit(s[u]) && s[u] != '.') {
            ++u;
        }
        const std::string_view name = s.substr(i, u - i);
        std::size_t k = next_unit;
        while (k < std::size(units) && units[k].name != name) {
            ++k;
        }
        if ((whole.empty() && frac.empty()) || k == std::size(units)) {
            return std::nullopt; // no number, no unit, an unknown unit, or one out of order
        }
        next_unit = k + 1;
        while (!whole.empty() && whole.front() == '0') {
            whole.remove_prefix(1);
        }
        while (!frac.empty() && frac.back() == '0') {
            frac.remove_suffix(1);
        }
        // 20 digits exceed the largest duration in any unit; a fraction of more than 20
        // significant digits is finer than a nanosecond in every unit (2^16 · 5^11 divides
        // the day, the largest: at most 16 digits can come out exact).
        if (whole.size() > 19 || frac.size() > 20) {
            return std::nullopt;
        }
        int128 w = 0;
        for (char c : whole) {
            w = w * 10 + (c - '0');
        }
        int128 f = 0;
        int128 denominator = 1;
        for (char c : frac) {
            f = f * 10 + (c - '0');
            denominator *= 10;
        }
        const int128 fraction_ns = f * units[k].ns;
        if (fraction_ns % denominator != 0) {
            return std::nullopt; // finer than a nanosecond
        }
        total += w * units[k].ns + fraction_ns / denominator;
        if (total > largest) {
            return std::nullopt;
        }
        s.remove_prefix(u);
    }
    return static_cast<std::int64_t>(total);
}

} // namespace detail

using redial::fuzz::check;
using redial::fuzz::fail;

constexpr std::string_view key = "fuzz-key";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::optional<std::int64_t> expected = detail::reference_parse(text);
    std::chrono::nanoseconds d{};
    try {
        d = redial::parse_duration(text, key);
    } catch (const redial::config_error& e) {
        check(e.key() == key, "config_error names another key", e.key());
        check(e.value() == text, "config_error carries another value", e.value());
        redial::fuzz::check_message(e);
        check(!expected, "refused a duration the documented grammar accepts", e.what());
        return 0;
    } catch (const std::exception& e) {
        fail("an exception other than config_error escaped parse_duration", e.what());
    }
    const std::string got = std::to_string(d.count());
    check(d.count() >= 0, "parsed a negative duration", got);
    if (!expected) {
        fail("accepted a duration the documented grammar refuses", got);
    }
    check(*expected == d.count(), "parsed another value than the documented grammar",
          got + " ns, expected " + std::to_string(*expected));

    // The format round trip: parse(format(d)) == d and format is a fixed point.
    const std::string formatted = redial::format_duration(d);
    try {
        check(redial::parse_duration(formatted) == d, "format_duration does not parse back",
              formatted);
    } catch (const std::exception& e) {
        fail("format_duration's text is refused by parse_duration", formatted + ": " + e.what());
    }
    check(redial::format_duration(redial::parse_duration(formatted)) == formatted,
          "format_duration is not a fixed point", formatted);
    return 0;
}
