#ifndef REDIAL_BACKOFF_EXPONENTIAL_HPP
#define REDIAL_BACKOFF_EXPONENTIAL_HPP

#include <redial/backoff/concept.hpp>
#include <redial/backoff/traits.hpp>
#include <redial/detail/check.hpp>
#include <redial/detail/saturate.hpp>

#include <chrono>
#include <cstdint>

namespace redial {

/// initial, initial·m, initial·m², ... capped at max; the multiplier may be fractional
/// (gRPC: 1.6). Each step is rounded to the nearest nanosecond and saturates. Defaults are
/// moq-native's: 1s, ×2, 30s, giving 1, 2, 4, 8, 16, 30, 30, ...
class exponential_backoff {
public:
    exponential_backoff() noexcept = default;
    /// Throws config_error unless 0 < initial <= max and multiplier >= 1 (finite).
    exponential_backoff(std::chrono::nanoseconds initial, double multiplier,
                        std::chrono::nanoseconds max)
        : initial_(detail::require_positive("exponential_backoff initial", initial)), max_(max),
          current_(initial),
          multiplier_(detail::require_at_least("exponential_backoff multiplier", multiplier, 1.0)),
          integral_multiplier_(integral(multiplier)), limit_(limit(max, integral_multiplier_)) {
        detail::require_not_above("exponential_backoff initial", initial, "max", max);
    }

    [[nodiscard]] std::chrono::nanoseconds next() noexcept {
        const std::chrono::nanoseconds d = current_;
        // Past limit_ (max / m) an integral multiplier reaches the cap, so most steps of a
        // failing streak are one compare and one select; below it the product is at most max
        // and needs no overflow check. A fractional multiplier's limit is the largest duration:
        // every step is grown (and capped) in grow().
        current_ = current_ > limit_ ? max_ : grow();
        return d;
    }
    void reset() noexcept { current_ = initial_; }

    [[nodiscard]] std::chrono::nanoseconds initial_delay() const noexcept { return initial_; }
    [[nodiscard]] double multiplier() const noexcept { return multiplier_; }
    [[nodiscard]] std::chrono::nanoseconds max_delay() const noexcept { return max_; }

    friend bool operator==(const exponential_backoff&, const exponential_backoff&) = default;

private:
    // At or below limit_. Integral multipliers stay exact in integers; a fractional one is
    // applied in doubles (which lose digits past 2^53 ns), saturating and capped here.
    [[nodiscard]] std::chrono::nanoseconds grow() const noexcept {
        if (integral_multiplier_ != 0) [[likely]] {
            return current_ * integral_multiplier_;
        }
        return grow_fractional();
    }
    // Out of line, so the integral step stays small enough to unroll at -O3.
    [[nodiscard]] [[gnu::noinline]] std::chrono::nanoseconds grow_fractional() const noexcept {
        if (current_ >= max_) {
            return max_;
        }
        std::chrono::nanoseconds grown = detail::sat_mul(current_, multiplier_);
        // A fractional step can round back to where it was (1ns × 1.4): grow by at least a
        // nanosecond, so the schedule never stalls below its cap.
        if (grown <= current_) {
            grown = detail::sat_add(current_, std::chrono::nanoseconds{1});
        }
        return grown < max_ ? grown : max_;
    }

    static constexpr std::chrono::nanoseconds limit(std::chrono::nanoseconds max,
                                                    std::int64_t integral_multiplier) noexcept {
        return integral_multiplier != 0 ? max / integral_multiplier : detail::ns_max;
    }
    static constexpr std::int64_t integral(double m) noexcept {
        return m <= 1e9 && static_cast<double>(static_cast<std::int64_t>(m)) == m
                   ? static_cast<std::int64_t>(m)
                   : 0;
    }

    std::chrono::nanoseconds initial_{std::chrono::seconds{1}};
    std::chrono::nanoseconds max_{std::chrono::seconds{30}};
    std::chrono::nanoseconds current_{initial_};
    double multiplier_{2.0};
    std::int64_t integral_multiplier_{2}; // 0: use multiplier_
    // The largest delay an integral multiplier grows without reaching the cap (max / m); the
    // largest duration for a fractional one, whose every step goes through grow().
    std::chrono::nanoseconds limit_{limit(max_, integral_multiplier_)};
};

static_assert(backoff_policy<exponential_backoff>);
template <>
inline constexpr bool enable_nonnegative_delays<exponential_backoff> = true;

} // namespace redial

#endif
