#ifndef REDIAL_STABILITY_FLAP_DAMPING_HPP
#define REDIAL_STABILITY_FLAP_DAMPING_HPP

#include <redial/detail/check.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>
#include <redial/stability/concept.hpp>
#include <redial/time.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

namespace redial {

/// Parameters of flap_damping. Defaults are RFC 2439's (and common router defaults): each drop
/// adds 1000, suppress above 2000, reuse below 750, half-life 15 min, held down at most 60 min.
struct flap_damping_params {
    double penalty = 1000;  ///< added to the penalty by every drop
    double suppress = 2000; ///< a penalty above this suppresses the connection
    double reuse = 750;     ///< a suppressed connection is released once its penalty is below this
    std::chrono::nanoseconds half_life = std::chrono::minutes{15};
    std::chrono::nanoseconds max_hold_down = std::chrono::minutes{60};

    friend bool operator==(const flap_damping_params&, const flap_damping_params&) = default;
};

/// RFC 2439 route flap damping, applied to connections. A penalty decays exponentially,
/// p(t) = p0 · 2^(−(t − t0) / half_life), and each drop (session end at time t) does, in order:
///   1. decay the penalty to t;
///   2. if suppressed and t is at or past the release (below): no longer suppressed;
///   3. add `penalty`, capped at the ceiling reuse · 2^(max_hold_down / half_life) (RFC 2439's
///      maximum penalty: from the ceiling it takes exactly max_hold_down to decay to reuse);
///   4. if not suppressed and the penalty is now above `suppress` (strictly): suppressed.
/// The verdict is `flap` iff suppressed after the drop, else `stable`: a one-off drop is healthy,
/// repeated drops within about a half-life are suppressed. With the defaults, drops at 0s, 1s, 2s
/// give penalties 1000, 1999.2, 2997.7 and verdicts stable, stable, flap.
///
/// While suppressed, hold_down(now) is the time until the penalty decays to `reuse`; the machine
/// sleeps max(backoff delay, hold_down), so a flapping connection is held down for up to
/// max_hold_down however small the backoff. The machine refuses a give-up timeout that is not
/// longer than max_hold_down (the default 5 m against the default 60 m included), and gives up
/// with "suppressed as flapping" when a hold-down outlasts what is left of the timeout. The uptime
/// of a session is not considered: only how often sessions end. Time never reads a clock; a `now`
/// earlier than the last drop is treated as no time passing.
class flap_damping {
public:
    flap_damping() noexcept : ceiling_(ceiling_of(params_)) {}

    /// Throws config_error unless penalty > 0, 0 < reuse < suppress (all finite), half_life > 0,
    /// max_hold_down > 0, and max_hold_down is long enough for the ceiling to exceed `suppress`
    /// (max_hold_down > half_life · log2(suppress / reuse)); otherwise nothing could ever be
    /// suppressed.
    explicit flap_damping(flap_damping_params p) : params_(validate(p)), ceiling_(ceiling_of(p)) {
        if (!(ceiling_ > params_.suppress)) {
            const double min_hold = static_cast<double>(params_.half_life.count()) *
                                    std::log2(params_.suppress / params_.reuse);
            throw config_error("flap_damping max_hold_down", format_duration(p.max_hold_down),
                               "too short for the penalty ever to exceed suppress: must exceed "
                               "half_life × log2(suppress / reuse) = " +
                                   format_duration(detail::from_double(std::ceil(min_hold))));
        }
    }

    [[nodiscard]] verdict judge(const session_end& e) noexcept {
        const time_point at = e.at > updated_ ? e.at : updated_;
        if (suppressed_ && at >= release_at_) {
            suppressed_ = false;
        }
        // An overflow to infinity is caught by the cap: the ceiling is always finite.
        const double p = std::min(penalty(at) + params_.penalty, ceiling_);
        penalty_ = p;
        updated_ = at;
        if (!suppressed_ && p > params_.suppress) {
            suppressed_ = true;
        }
        if (suppressed_) {
            // The release is fixed here, in integers, so hold_down() and suppressed() agree
            // to the nanosecond (recomputing the decay in doubles at the end could leave the
            // penalty a hair above reuse: found by fuzzing).
            const double t =
                static_cast<double>(params_.half_life.count()) * std::log2(p / params_.reuse);
            std::chrono::nanoseconds d = detail::from_double(std::ceil(t));
            d = d < params_.max_hold_down ? d : params_.max_hold_down;
            release_at_ = time_point{detail::sat_add(at.time_since_epoch(), d)};
        }
        return suppressed_ ? verdict::flap : verdict::stable;
    }

    /// While suppressed(now): the time left until the release, fixed at the last drop as
    /// half_life · log2(penalty / reuse) rounded up to a whole nanosecond (so the penalty has
    /// reached reuse when it elapses), at most max_hold_down. Otherwise zero.
    [[nodiscard]] std::chrono::nanoseconds hold_down(time_point now) const noexcept {
        if (!suppressed(now)) {
            return std::chrono::nanoseconds{0};
        }
        return detail::elapsed(now > updated_ ? now : updated_, release_at_);
    }

    /// The longest hold_down() can be: params().max_hold_down.
    [[nodiscard]] std::chrono::nanoseconds max_hold_down() const noexcept {
        return params_.max_hold_down;
    }

    /// The penalty decayed to `now` (zero after reset).
    [[nodiscard]] double penalty(time_point now) const noexcept {
        if (penalty_ == 0) {
            return 0;
        }
        const double half_lives = static_cast<double>(detail::elapsed(updated_, now).count()) /
                                  static_cast<double>(params_.half_life.count());
        return penalty_ * std::exp2(-half_lives);
    }

    /// Suppressed, and the release (when the penalty decays to reuse) is still ahead of `now`.
    [[nodiscard]] bool suppressed(time_point now) const noexcept {
        return suppressed_ && now < release_at_;
    }

    /// The ceiling of the penalty: reuse · 2^(max_hold_down / half_life), at most the largest
    /// finite double.
    [[nodiscard]] double max_penalty() const noexcept { return ceiling_; }

    [[nodiscard]] const flap_damping_params& params() const noexcept { return params_; }

    void reset() noexcept {
        penalty_ = 0;
        updated_ = time_point::min();
        release_at_ = time_point::min();
        suppressed_ = false;
    }

private:
    static double require_positive_finite(std::string_view key, double v) {
        if (!std::isfinite(v) || !(v > 0)) {
            throw config_error(key, detail::format_number(v),
                               "must be a finite number greater than zero");
        }
        return v;
    }

    static flap_damping_params validate(const flap_damping_params& p) {
        require_positive_finite("flap_damping penalty", p.penalty);
        require_positive_finite("flap_damping suppress", p.suppress);
        require_positive_finite("flap_damping reuse", p.reuse);
        if (!(p.reuse < p.suppress)) {
            throw config_error("flap_damping reuse", detail::format_number(p.reuse),
                               "must be less than suppress (" + detail::format_number(p.suppress) +
                                   ")");
        }
        detail::require_positive("flap_damping half_life", p.half_life);
        detail::require_positive("flap_damping max_hold_down", p.max_hold_down);
        return p;
    }

    // Finite even when 2^(max_hold_down / half_life) overflows, so sums and decays of the
    // penalty never produce infinity or NaN.
    static double ceiling_of(const flap_damping_params& p) noexcept {
        const double ratio =
            static_cast<double>(p.max_hold_down.count()) / static_cast<double>(p.half_life.count());
        const double c = p.reuse * std::exp2(ratio);
        constexpr double largest = std::numeric_limits<double>::max();
        return c < largest ? c : largest;
    }

    flap_damping_params params_{};
    double ceiling_;
    double penalty_{0};
    time_point updated_{time_point::min()};    // before any drop: no drop is clamped to it
    time_point release_at_{time_point::min()}; // while suppressed_: when hold_down() ends
    bool suppressed_{false};
};

static_assert(stability_policy<flap_damping>);
static_assert(has_hold_down<flap_damping> && has_max_hold_down<flap_damping>);

} // namespace redial

#endif
