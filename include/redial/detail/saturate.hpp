#ifndef REDIAL_DETAIL_SATURATE_HPP
#define REDIAL_DETAIL_SATURATE_HPP

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

// Saturating arithmetic on nanosecond durations: every step of every policy goes through these,
// so no parameter value can overflow a duration (rule 6).
namespace redial::detail {

using ns = std::chrono::nanoseconds;
inline constexpr ns ns_max = ns::max();
inline constexpr ns ns_min = ns::min();

constexpr ns sat_add(ns a, ns b) noexcept {
    std::int64_t r{};
    if (__builtin_add_overflow(a.count(), b.count(), &r)) {
        return b.count() > 0 ? ns_max : ns_min;
    }
    return ns{r};
}

constexpr ns sat_sub(ns a, ns b) noexcept {
    std::int64_t r{};
    if (__builtin_sub_overflow(a.count(), b.count(), &r)) {
        return b.count() < 0 ? ns_max : ns_min;
    }
    return ns{r};
}

constexpr ns sat_mul(ns a, std::int64_t k) noexcept {
    std::int64_t r{};
    if (__builtin_mul_overflow(a.count(), k, &r)) {
        return (a.count() < 0) != (k < 0) ? ns_min : ns_max;
    }
    return ns{r};
}

/// Rounds a count of nanoseconds held in a double to the nearest duration, saturating.
/// NaN saturates to the maximum, so a broken factor can never produce a zero delay.
constexpr ns from_double(double count) noexcept {
    // 2^63 is exact as a double; anything at or above it does not fit in int64_t.
    constexpr double limit = 9223372036854775808.0;
    if (!(count < limit)) {
        return ns_max;
    }
    if (count <= -limit) {
        return ns_min;
    }
    return ns{static_cast<std::int64_t>(count < 0 ? count - 0.5 : count + 0.5)};
}

/// A non-negative count held in a double, truncated, saturating at the maximum (NaN too). One
/// compare: the hot path of jitter, where rounding direction does not matter.
constexpr ns from_nonnegative_double(double count) noexcept {
    return count < 9223372036854775808.0 ? ns{static_cast<std::int64_t>(count)} : ns_max;
}

/// The largest double not above `d` (a double holds 53 bits, so large counts round), for bounds
/// checked in doubles before an exact conversion.
inline double double_not_above(ns d) noexcept {
    double x = static_cast<double>(d.count());
    while (x >= 9223372036854775808.0 || static_cast<std::int64_t>(x) > d.count()) {
        x = std::nextafter(x, -1.0);
    }
    return x;
}

/// A uniform integer in [0, span) from a 64-bit draw: the high half of span × draw (Lemire's
/// multiply-shift). Exact in integers, no division, no doubles on the dependency chain.
// NOLINTNEXTLINE(modernize-use-using): only a typedef takes __extension__, which -Wpedantic needs
__extension__ typedef unsigned __int128 uint128; // GCC and Clang
constexpr std::uint64_t scale_draw(std::uint64_t span, std::uint64_t draw) noexcept {
    return static_cast<std::uint64_t>((static_cast<uint128>(span) * draw) >> 64);
}

/// min(a, b) as a conditional move, for a random operand a compiler would otherwise branch on
/// (GCC 12 does when the result is stored to memory next to a second limit).
inline std::int64_t min_no_branch(std::int64_t a, std::int64_t b) noexcept {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __asm__("cmpq %[b], %[a]\n\tcmovgq %[b], %[a]" : [a] "+r"(a) : [b] "r"(b) : "cc");
    return a;
#else
    return a < b ? a : b;
#endif
}

/// d * f for a non-negative finite factor, rounded to the nearest nanosecond, saturating.
constexpr ns sat_mul(ns d, double f) noexcept {
    return from_double(static_cast<double>(d.count()) * f);
}

/// `t + d`, clamped to the time points a nanosecond count can hold: a deadline far in the
/// future is the largest time point, never a wrapped one in the past.
template <class TimePoint>
    requires requires { typename TimePoint::clock; }
constexpr TimePoint sat_add(TimePoint t, ns d) noexcept {
    static_assert(std::is_same_v<typename TimePoint::duration, ns>,
                  "redial: sat_add needs a time point counted in nanoseconds");
    return TimePoint{sat_add(t.time_since_epoch(), d)};
}

/// Time elapsed from `from` to `to`, never negative (a clock that steps back yields zero).
template <class TimePoint>
constexpr ns elapsed(TimePoint from, TimePoint to) noexcept {
    ns d = sat_sub(std::chrono::duration_cast<ns>(to.time_since_epoch()),
                   std::chrono::duration_cast<ns>(from.time_since_epoch()));
    return d.count() < 0 ? ns{0} : d;
}

} // namespace redial::detail

#endif
