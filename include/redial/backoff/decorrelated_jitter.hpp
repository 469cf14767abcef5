#ifndef REDIAL_BACKOFF_DECORRELATED_JITTER_HPP
#define REDIAL_BACKOFF_DECORRELATED_JITTER_HPP

#include <redial/backoff/concept.hpp>
#include <redial/detail/check.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/random.hpp>

#include <chrono>
#include <cstdint>
#include <utility>

namespace redial {

/// AWS "decorrelated jitter": sleep = min(cap, U(base, 3·sleep)), starting from sleep = base.
/// Each delay depends on the previous one, so a fleet spreads out without a separate jitter
/// step. The generator is owned by value: a copy repeats the original's sequence, so seed each
/// client's copy (seed()) when one configured policy is copied across a fleet.
template <seedable_generator Generator = default_generator>
class basic_decorrelated_jitter {
public:
    using nonnegative_delays_of = basic_decorrelated_jitter; // see promises_nonnegative_delays

    /// base 1s, cap 30s, seeded from std::random_device.
    basic_decorrelated_jitter() = default;
    /// Throws config_error unless 0 < base <= max. Seeded from std::random_device.
    basic_decorrelated_jitter(std::chrono::nanoseconds base, std::chrono::nanoseconds max)
        : basic_decorrelated_jitter(base, max, Generator{}) {}
    /// As above, with an explicit seed for a reproducible sequence.
    basic_decorrelated_jitter(std::chrono::nanoseconds base, std::chrono::nanoseconds max,
                              std::uint64_t seed)
        : basic_decorrelated_jitter(base, max, Generator{seed}) {}
    /// As above, with a generator of the caller's.
    basic_decorrelated_jitter(std::chrono::nanoseconds base, std::chrono::nanoseconds max,
                              Generator gen)
        : base_(detail::require_positive("decorrelated_jitter base", base)), max_(max),
          gen_(std::move(gen)) {
        detail::require_not_above("decorrelated_jitter base", base, "max", max);
        window_cap_ = max_ < third_of_max ? max_ : third_of_max;
        // 3·window_cap_ is one nanosecond short of the largest duration, so only a base of the
        // largest duration itself lies above it (found by fuzzing): its window is empty.
        floor_ = base_ < window_cap_ * 3 ? base_ : window_cap_ * 3;
        reset();
    }

    [[nodiscard]] std::chrono::nanoseconds next() noexcept {
        // U[base, 3·sleep) in integers. Each delay feeds the next, so the loop-carried chain is
        // kept as short as the unguarded formula's: the state is already limited to
        // window_cap_, so 3·window_ cannot overflow and needs no check (a cheap add, not imul),
        // and floor_ <= 3·window_ keeps the span non-negative without a branch.
        const auto span = static_cast<std::uint64_t>((window_ * 3 - floor_).count());
        const std::chrono::nanoseconds d =
            base_ +
            std::chrono::nanoseconds{static_cast<std::int64_t>(detail::scale_draw(span, gen_()))};
        window_ = d < window_cap_ ? d : window_cap_;
        return d < max_ ? d : max_;
    }
    void reset() noexcept { window_ = base_ < window_cap_ ? base_ : window_cap_; }
    void seed(std::uint64_t s) noexcept { gen_.seed(s); }

    [[nodiscard]] std::chrono::nanoseconds initial_delay() const noexcept { return base_; }
    [[nodiscard]] std::chrono::nanoseconds max_delay() const noexcept { return max_; }
    [[nodiscard]] const Generator& generator() const noexcept { return gen_; }

private:
    std::chrono::nanoseconds base_{std::chrono::seconds{1}};
    std::chrono::nanoseconds max_{std::chrono::seconds{30}};
    // sleep = min(previous delay, max), further limited to a third of the largest duration so
    // that 3·sleep saturates at the largest multiple of 3 that fits (one nanosecond short of
    // the maximum) instead of overflowing.
    static constexpr std::chrono::nanoseconds third_of_max{detail::ns_max / 3};
    std::chrono::nanoseconds window_cap_{std::chrono::seconds{30}};
    std::chrono::nanoseconds floor_{std::chrono::seconds{1}}; // min(base, 3·window_cap_)
    std::chrono::nanoseconds window_{base_};
    Generator gen_{};
};

using decorrelated_jitter = basic_decorrelated_jitter<>;
static_assert(backoff_policy<decorrelated_jitter>);

} // namespace redial

#endif
