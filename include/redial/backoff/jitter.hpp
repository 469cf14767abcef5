#ifndef REDIAL_BACKOFF_JITTER_HPP
#define REDIAL_BACKOFF_JITTER_HPP

#include <redial/backoff/concept.hpp>
#include <redial/backoff/constant.hpp>
#include <redial/detail/check.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/random.hpp>

#include <chrono>
#include <cstdint>
#include <utility>

namespace redial {

/// What a jittered delay does at the inner policy's cap (policies without max_delay() have no
/// cap, and every mode behaves as `overshoot`). Peers differ here; redial makes it a choice.
enum class jitter_cap : std::uint8_t {
    /// Keep the whole jitter window below the cap: a delay d is first limited to max/hi, then
    /// scaled. The spread survives at the cap and no delay exceeds it. The default.
    fit,
    /// Scale, then clamp to the cap: no delay exceeds it, but at the cap the part of the window
    /// above it collapses onto max (Finagle's streams lose their jitter this way).
    clamp,
    /// Scale after the cap and allow the result above it: up to hi·max (gRPC).
    overshoot,
};

/// A jitter window: each delay is multiplied by a factor drawn uniformly from [lo, hi).
struct jitter_range {
    double lo = 0.0;
    double hi = 1.0;
    jitter_cap cap = jitter_cap::fit;

    friend constexpr bool operator==(const jitter_range&, const jitter_range&) = default;
};

/// AWS full jitter: U(0, d). The widest spread; a delay may be close to zero.
constexpr jitter_range full_jitter() noexcept {
    return {0.0, 1.0, jitter_cap::fit};
}
/// AWS equal jitter: d/2 + U(0, d/2).
constexpr jitter_range equal_jitter() noexcept {
    return {0.5, 1.0, jitter_cap::fit};
}
/// ±f around the delay: U((1−f)·d, (1+f)·d). Throws config_error unless 0 <= f <= 1.
inline jitter_range proportional_jitter(double f, jitter_cap cap = jitter_cap::fit) {
    if (!(f >= 0.0 && f <= 1.0)) {
        throw config_error("jitter fraction", detail::format_number(f), "must be between 0 and 1");
    }
    return {1.0 - f, 1.0 + f, cap};
}
/// gRPC connection backoff: ±20%, applied after the cap, so a delay can reach 1.2 × max.
constexpr jitter_range grpc_jitter() noexcept {
    return {0.8, 1.2, jitter_cap::overshoot};
}

/// Decorates any backoff policy: each delay of `Inner` scaled by a random factor from a
/// jitter_range. The generator is owned by value: a copy repeats the original's sequence, so
/// seed each client's copy (seed()) when one configured policy is copied across a fleet.
template <backoff_policy Inner, seedable_generator Generator = default_generator>
class jittered {
public:
    /// Inner default-constructed, full jitter, seeded from std::random_device.
    jittered() : jittered(Inner{}) {}
    /// Throws config_error unless 0 <= lo <= hi (finite). Seeded from std::random_device.
    explicit jittered(Inner inner, jitter_range range = full_jitter())
        : jittered(std::move(inner), range, Generator{}) {}
    /// As above, with an explicit seed for a reproducible sequence.
    jittered(Inner inner, jitter_range range, std::uint64_t seed)
        : jittered(std::move(inner), range, Generator{seed}) {}
    /// As above, with a generator of the caller's.
    jittered(Inner inner, jitter_range range, Generator gen)
        : inner_(std::move(inner)), gen_(std::move(gen)),
          lo_(detail::require_at_least("jitter lo", range.lo, 0.0)),
          scale_((detail::require_at_least("jitter hi", range.hi, range.lo) - range.lo) *
                 0x1.0p-53),
          hi_(range.hi), cap_(range.cap) {
        if (!(range.hi > 0.0)) { // [0, 0) would scale every delay to zero: a busy loop
            throw config_error("jitter hi", detail::format_number(range.hi),
                               "must be greater than zero");
        }
        // The cap mode becomes two limits, so next() has no branch on it: `before` bounds the
        // delay that is scaled (fit), `after` bounds the result (fit and clamp).
        if constexpr (has_max_delay<Inner>) {
            const std::chrono::nanoseconds max = inner_.max_delay();
            if (cap_ == jitter_cap::fit && range.hi > 1.0) {
                before_ = detail::sat_mul(max, 1.0 / range.hi);
                if (before_.count() < 1) { // max/hi below a nanosecond: every delay would be 0
                    throw config_error("jitter hi", detail::format_number(range.hi),
                                       "too large to fit below the cap (" + format_duration(max) +
                                           ")");
                }
            }
            if (cap_ != jitter_cap::overshoot) {
                after_ = max;
            }
        }
        after_limit_ = detail::double_not_above(after_);
    }

    [[nodiscard]] std::chrono::nanoseconds next() noexcept {
        std::chrono::nanoseconds d = inner_.next();
        d = d < before_ ? d : before_;
        // lo + (hi - lo)·U[0,1), the draw's 2^-53 folded into scale_.
        const double factor = lo_ + static_cast<double>(gen_() >> 11) * scale_;
        double x = static_cast<double>(d.count()) * factor;
        x = x > 0.0 ? x : 0.0; // a buggy negative inner delay means "now"
        // Below after_limit_ (the largest double not above the bound) the truncation is exact and
        // in range; at or above it the result is the bound itself: saturation and cap at once.
        return x < after_limit_ ? std::chrono::nanoseconds{static_cast<std::int64_t>(x)} : after_;
    }

    void reset() noexcept { inner_.reset(); }
    void seed(std::uint64_t s) noexcept { gen_.seed(s); }

    [[nodiscard]] std::chrono::nanoseconds initial_delay() const noexcept
        requires has_initial_delay<Inner>
    {
        return inner_.initial_delay();
    }
    /// The largest delay this policy can return: the inner cap, or hi × cap with overshoot.
    [[nodiscard]] std::chrono::nanoseconds max_delay() const noexcept
        requires has_max_delay<Inner>
    {
        return cap_ == jitter_cap::overshoot ? detail::sat_mul(inner_.max_delay(), hi_)
                                             : inner_.max_delay();
    }

    [[nodiscard]] jitter_range range() const noexcept { return {lo_, hi_, cap_}; }
    [[nodiscard]] const Inner& inner() const noexcept { return inner_; }
    [[nodiscard]] const Generator& generator() const noexcept { return gen_; }

private:
    Inner inner_;
    Generator gen_;
    double lo_;
    double scale_; // (hi - lo) / 2^53
    double hi_;
    std::chrono::nanoseconds before_{detail::ns_max};
    std::chrono::nanoseconds after_{detail::ns_max};
    double after_limit_; // the largest double not above after_
    jitter_cap cap_;
};

static_assert(backoff_policy<jittered<constant_backoff>>);

} // namespace redial

#endif
