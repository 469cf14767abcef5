#ifndef REDIAL_BACKOFF_DECORRELATED_JITTER_HPP
#define REDIAL_BACKOFF_DECORRELATED_JITTER_HPP

#include <redial/backoff/concept.hpp>
#include <redial/backoff/traits.hpp>
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
        // 3·third_of_max is one nanosecond short of the largest duration, so only a base of the
        // largest duration itself lies above it (found by fuzzing): its window is empty.
        floor_ = base_ < third_of_max * 3 ? base_ : third_of_max * 3;
        reset();
    }

    [[nodiscard]] std::chrono::nanoseconds next() noexcept {
        // U[base, 3·sleep) in integers. Each delay feeds the next, so the loop-carried chain is
        // kept as short as the unguarded formula's: the state is at most window_cap_, a third
        // of the largest duration at most, so 3·sleep cannot overflow (a lea, not a checked
        // multiply), and both caps are branch-free selects (d is random: a branch on it
        // mispredicts, and even a predictable test of a flag here cost a quarter in time).
        const auto span = static_cast<std::uint64_t>((window_ * 3 - floor_).count());
        const std::chrono::nanoseconds d = draw(span);
        window_ = std::chrono::nanoseconds{detail::min_no_branch(d.count(), window_cap_.count())};
        // The same value unless max is above 97 years: then the state stops at a third of the
        // largest duration, and the delay at max.
        return std::chrono::nanoseconds{detail::min_no_branch(d.count(), max_.count())};
    }
    void reset() noexcept { window_ = base_ < window_cap_ ? base_ : window_cap_; }
    void seed(std::uint64_t s) noexcept { gen_.seed(s); }

    [[nodiscard]] std::chrono::nanoseconds initial_delay() const noexcept { return base_; }
    [[nodiscard]] std::chrono::nanoseconds max_delay() const noexcept { return max_; }
    [[nodiscard]] const Generator& generator() const noexcept { return gen_; }

private:
    [[nodiscard]] std::chrono::nanoseconds draw(std::uint64_t span) noexcept {
        return base_ + std::chrono::nanoseconds{
                           static_cast<std::int64_t>(detail::scale_draw(span, gen_()))};
    }

    std::chrono::nanoseconds base_{std::chrono::seconds{1}};
    std::chrono::nanoseconds max_{std::chrono::seconds{30}};
    static constexpr std::chrono::nanoseconds third_of_max{detail::ns_max / 3};
    std::chrono::nanoseconds floor_{std::chrono::seconds{1}}; // min(base, 3·third_of_max)
    // sleep = min(previous delay, window_cap_); floor_ <= 3·window_ keeps the span >= 0.
    std::chrono::nanoseconds window_{base_};
    // min(max, a third of the largest duration): a cap above 97 years limits the state there,
    // so 3·sleep saturates at the largest multiple of 3 that fits instead of overflowing.
    std::chrono::nanoseconds window_cap_{max_};
    Generator gen_{};
};

template <seedable_generator Generator>
inline constexpr bool enable_nonnegative_delays<basic_decorrelated_jitter<Generator>> = true;

using decorrelated_jitter = basic_decorrelated_jitter<>;
static_assert(backoff_policy<decorrelated_jitter>);

} // namespace redial

#endif
