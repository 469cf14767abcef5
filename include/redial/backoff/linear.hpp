#ifndef REDIAL_BACKOFF_LINEAR_HPP
#define REDIAL_BACKOFF_LINEAR_HPP

#include <redial/backoff/concept.hpp>
#include <redial/backoff/traits.hpp>
#include <redial/detail/check.hpp>

#include <chrono>

namespace redial {

/// initial, initial + step, initial + 2·step, ... capped at max. Default 1s, +1s, 30s.
class linear_backoff {
public:
    linear_backoff() noexcept = default;
    /// Throws config_error unless 0 < initial <= max and step >= 0.
    linear_backoff(std::chrono::nanoseconds initial, std::chrono::nanoseconds step,
                   std::chrono::nanoseconds max)
        : initial_(detail::require_positive("linear_backoff initial", initial)),
          step_(detail::require_non_negative("linear_backoff step", step)), max_(max),
          limit_(max - step), current_(initial) {
        detail::require_not_above("linear_backoff initial", initial, "max", max);
    }

    [[nodiscard]] std::chrono::nanoseconds next() noexcept {
        const std::chrono::nanoseconds d = current_;
        // Above limit_ one more step reaches the cap, so the add below never overflows: a
        // compare and a select, where a saturating add per call costs an overflow check too.
        current_ = current_ > limit_ ? max_ : current_ + step_;
        return d;
    }
    void reset() noexcept { current_ = initial_; }

    [[nodiscard]] std::chrono::nanoseconds initial_delay() const noexcept { return initial_; }
    [[nodiscard]] std::chrono::nanoseconds step() const noexcept { return step_; }
    [[nodiscard]] std::chrono::nanoseconds max_delay() const noexcept { return max_; }

    friend bool operator==(const linear_backoff&, const linear_backoff&) = default;

private:
    std::chrono::nanoseconds initial_{std::chrono::seconds{1}};
    std::chrono::nanoseconds step_{std::chrono::seconds{1}};
    std::chrono::nanoseconds max_{std::chrono::seconds{30}};
    std::chrono::nanoseconds limit_{max_ - step_}; // max - step: no overflow, max > 0 <= step
    std::chrono::nanoseconds current_{initial_};
};

static_assert(backoff_policy<linear_backoff>);
template <>
inline constexpr bool enable_nonnegative_delays<linear_backoff> = true;

} // namespace redial

#endif
