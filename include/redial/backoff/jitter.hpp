#ifndef REDIAL_BACKOFF_JITTER_HPP
#define REDIAL_BACKOFF_JITTER_HPP

#include <redial/backoff/concept.hpp>
#include <redial/backoff/constant.hpp>
#include <redial/backoff/traits.hpp>
#include <redial/detail/check.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/random.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <ratio>
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

/// A jitter window fixed at compile time: factors in [Lo, Hi) given as std::ratio, and a cap
/// mode. The window costs no storage and its checks happen at compile time; a window with
/// Hi <= 1 is computed in integers (exact: a delay never exceeds the inner one), the others
/// in doubles with the constants folded. Use it as jittered's third argument.
template <class Lo, class Hi, jitter_cap Cap = jitter_cap::fit>
struct static_jitter {
    static_assert(Lo::num >= 0, "static_jitter: Lo must not be negative");
    static_assert(Hi::num > 0, "static_jitter: Hi must be greater than zero");
    static_assert(std::ratio_less_equal_v<Lo, Hi>, "static_jitter: Lo must not exceed Hi");
    using lo_ratio = Lo;
    using hi_ratio = Hi;
    static constexpr double lo = static_cast<double>(Lo::num) / static_cast<double>(Lo::den);
    static constexpr double hi = static_cast<double>(Hi::num) / static_cast<double>(Hi::den);
    static constexpr jitter_cap cap = Cap;
    static constexpr jitter_range range() noexcept { return {lo, hi, cap}; }
    friend constexpr bool operator==(const static_jitter&, const static_jitter&) = default;
};

/// full_jitter() fixed at compile time: U(0, d), computed exactly in integers.
using full_jitter_window = static_jitter<std::ratio<0>, std::ratio<1>>;
/// equal_jitter() fixed at compile time: U(d/2, d), computed exactly in integers.
using equal_jitter_window = static_jitter<std::ratio<1, 2>, std::ratio<1>>;
/// grpc_jitter() fixed at compile time: ±20% after the cap.
using grpc_jitter_window = static_jitter<std::ratio<4, 5>, std::ratio<6, 5>, jitter_cap::overshoot>;

namespace detail {
template <class W>
inline constexpr bool is_static_jitter = false;
template <class Lo, class Hi, jitter_cap Cap>
inline constexpr bool is_static_jitter<static_jitter<Lo, Hi, Cap>> = true;

/// floor(n · R) for a ratio R in [0, 1], without a 128-bit division: n/den·num cannot
/// overflow (num <= den), and the remainder's share is below one.
template <class R>
constexpr std::uint64_t mul_ratio(std::uint64_t n) noexcept {
    static_assert(R::num >= 0 && R::num <= R::den && R::den <= (std::intmax_t{1} << 31));
    constexpr auto num = static_cast<std::uint64_t>(R::num);
    constexpr auto den = static_cast<std::uint64_t>(R::den);
    if constexpr (num == 0) {
        return 0;
    } else if constexpr (num == den) {
        return n;
    } else {
        return n / den * num + n % den * num / den;
    }
}

/// The window of jittered<Inner, G, Window>: a static window's values are constants and take
/// no storage; a jitter_range's are kept.
template <class Window>
struct window_storage {
    static constexpr double lo() noexcept { return Window::lo; }
    static constexpr double scale() noexcept { return (Window::hi - Window::lo) * 0x1.0p-53; }
    static constexpr double hi() noexcept { return Window::hi; }
    static constexpr jitter_cap cap() noexcept { return Window::cap; }
};
template <>
struct window_storage<jitter_range> {
    double lo_;
    double scale_; // (hi - lo) / 2^53, the draw's scale folded in
    double hi_;
    jitter_cap cap_;
    [[nodiscard]] double lo() const noexcept { return lo_; }
    [[nodiscard]] double scale() const noexcept { return scale_; }
    [[nodiscard]] double hi() const noexcept { return hi_; }
    [[nodiscard]] jitter_cap cap() const noexcept { return cap_; }
};
} // namespace detail

/// A jitter window: the run-time `jitter_range` or a compile-time `static_jitter`.
template <class W>
concept jitter_window = std::same_as<W, jitter_range> || detail::is_static_jitter<W>;

/// Decorates any backoff policy: each delay of `Inner` scaled by a random factor from a
/// jitter window, a run-time `jitter_range` (the default) or a compile-time `static_jitter`.
/// The generator is owned by value: a copy repeats the original's sequence, so seed each
/// client's copy (seed()) when one configured policy is copied across a fleet.
template <backoff_policy Inner, seedable_generator Generator = default_generator,
          jitter_window Window = jitter_range>
class jittered {
    static_assert(backoff_traits<Inner>::checked()); // a misdeclared inner hook, by name
    static constexpr bool dynamic = std::same_as<Window, jitter_range>;

public:
    /// The window type: jitter_range, or the static_jitter given.
    using range_type = Window;
    /// Inner default-constructed, the default window (full jitter), seeded from
    /// std::random_device.
    jittered() : jittered(Inner{}) {}
    /// Throws config_error unless 0 <= lo <= hi (finite). Seeded from std::random_device.
    explicit jittered(Inner inner, Window window = default_window())
        : jittered(std::move(inner), window, Generator{}) {}
    /// As above, with an explicit seed for a reproducible sequence.
    jittered(Inner inner, Window window, std::uint64_t seed)
        : jittered(std::move(inner), window, Generator{seed}) {}
    /// As above, with a generator of the caller's.
    jittered(Inner inner, Window window, Generator gen)
        : inner_(std::move(inner)), gen_(std::move(gen)), w_(make_storage(window)) {
        // The cap mode becomes two limits, so next() has no branch on it: `before` bounds the
        // delay that is scaled (fit), `after` bounds the result (fit and clamp).
        if constexpr (backoff_traits<Inner>::has_max_delay) {
            const std::chrono::nanoseconds max = inner_.max_delay();
            if (cap() == jitter_cap::fit && hi() > 1.0) {
                before_ = detail::sat_mul(max, 1.0 / hi());
                if (before_.count() < 1) { // max/hi below a nanosecond: every delay would be 0
                    throw config_error("jitter hi", detail::format_number(hi()),
                                       "too large to fit below the cap (" + format_duration(max) +
                                           ")");
                }
            }
            if (cap() != jitter_cap::overshoot) {
                after_ = max;
            }
        }
        after_limit_ = detail::double_not_above(after_);
    }

    [[nodiscard]] std::chrono::nanoseconds next() noexcept {
        std::int64_t n = inner_.next().count();
        if constexpr (!backoff_traits<Inner>::nonnegative_delays) {
            n &= ~(n >> 63); // a buggy negative inner delay counts as zero
        }
        if constexpr (exact) {
            // lo·n + U[0, (hi - lo)·n) in integers: never above n, so neither the cap nor
            // saturation can apply.
            using lo_r = typename Window::lo_ratio;
            using width = std::ratio_subtract<typename Window::hi_ratio, lo_r>;
            const auto u = static_cast<std::uint64_t>(n);
            return std::chrono::nanoseconds{
                static_cast<std::int64_t>(detail::mul_ratio<lo_r>(u) +
                                          detail::scale_draw(detail::mul_ratio<width>(u), gen_()))};
        } else {
            if constexpr (fits_below_cap) {
                n = n < before_.count() ? n : before_.count();
            }
            // lo + (hi - lo)·U[0,1), the draw's 2^-53 folded into the scale.
            const double factor = lo() + static_cast<double>(gen_() >> 11) * scale();
            const double x = static_cast<double>(n) * factor;
            if constexpr (unbounded) {
                return detail::from_nonnegative_double(x); // saturates at nanoseconds::max()
            } else {
                // Below after_limit_ (the largest double not above the bound) the truncation
                // is exact and in range; at or above it the result is the bound itself:
                // saturation and cap at once.
                return x < after_limit_ ? std::chrono::nanoseconds{static_cast<std::int64_t>(x)}
                                        : after_;
            }
        }
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
        if constexpr (exact) { // floor(max · Hi) in integers, as next() computes it
            const std::int64_t m = inner_.max_delay().count();
            return std::chrono::nanoseconds{
                cap() == jitter_cap::overshoot && m > 0
                    ? static_cast<std::int64_t>(detail::mul_ratio<typename Window::hi_ratio>(
                          static_cast<std::uint64_t>(m)))
                    : m};
        } else {
            return cap() == jitter_cap::overshoot ? detail::sat_mul(inner_.max_delay(), hi())
                                                  : inner_.max_delay();
        }
    }

    [[nodiscard]] jitter_range range() const noexcept { return {lo(), hi(), cap()}; }
    [[nodiscard]] const Inner& inner() const noexcept { return inner_; }
    [[nodiscard]] const Generator& generator() const noexcept { return gen_; }

private:
    // A compile-time window with hi <= 1 is computed in integers (see next()).
    static constexpr bool exact = [] {
        if constexpr (dynamic) {
            return false;
        } else {
            return std::ratio_less_equal_v<typename Window::hi_ratio, std::ratio<1>>;
        }
    }();

    // Compile-time windows skip the limits their cap mode cannot need: `before_` exists for
    // fit with hi > 1 only, and overshoot has no bound but saturation.
    static constexpr bool fits_below_cap = [] {
        if constexpr (dynamic) {
            return true;
        } else {
            return Window::cap == jitter_cap::fit && Window::hi > 1.0;
        }
    }();
    static constexpr bool unbounded = [] {
        if constexpr (dynamic) {
            return false;
        } else {
            return Window::cap == jitter_cap::overshoot || !backoff_traits<Inner>::has_max_delay;
        }
    }();

    static constexpr Window default_window() noexcept {
        if constexpr (dynamic) {
            return full_jitter();
        } else {
            return Window{};
        }
    }
    static detail::window_storage<Window> make_storage(const Window& w) {
        if constexpr (dynamic) {
            const double lo = detail::require_at_least("jitter lo", w.lo, 0.0);
            const double hi = detail::require_at_least("jitter hi", w.hi, w.lo);
            if (!(hi > 0.0)) { // [0, 0) would scale every delay to zero: a busy loop
                throw config_error("jitter hi", detail::format_number(hi),
                                   "must be greater than zero");
            }
            return {lo, (hi - lo) * 0x1.0p-53, hi, w.cap};
        } else {
            return {};
        }
    }
    [[nodiscard]] double lo() const noexcept { return w_.lo(); }
    [[nodiscard]] double scale() const noexcept { return w_.scale(); }
    [[nodiscard]] double hi() const noexcept { return w_.hi(); }
    [[nodiscard]] jitter_cap cap() const noexcept { return w_.cap(); }

    Inner inner_;
    Generator gen_;
    [[no_unique_address]] detail::window_storage<Window> w_;
    std::chrono::nanoseconds before_{detail::ns_max};
    std::chrono::nanoseconds after_{detail::ns_max};
    double after_limit_; // the largest double not above after_
};

/// jittered with a compile-time window: `full_jittered<exponential_backoff>`.
/// Every factor is non-negative and a negative inner delay counts as zero.
template <backoff_policy Inner, seedable_generator Generator, jitter_window Window>
inline constexpr bool enable_nonnegative_delays<jittered<Inner, Generator, Window>> = true;

template <backoff_policy Inner, seedable_generator Generator = default_generator>
using full_jittered = jittered<Inner, Generator, full_jitter_window>;
template <backoff_policy Inner, seedable_generator Generator = default_generator>
using equal_jittered = jittered<Inner, Generator, equal_jitter_window>;

static_assert(backoff_policy<jittered<constant_backoff>>);
static_assert(backoff_policy<full_jittered<constant_backoff>>);
static_assert(backoff_policy<jittered<constant_backoff, default_generator, grpc_jitter_window>>);

} // namespace redial

#endif
