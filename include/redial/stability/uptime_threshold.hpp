#ifndef REDIAL_STABILITY_UPTIME_THRESHOLD_HPP
#define REDIAL_STABILITY_UPTIME_THRESHOLD_HPP

#include <redial/detail/check.hpp>
#include <redial/stability/concept.hpp>

#include <chrono>

namespace redial {

/// The default rule: a session is stable iff it lived at least `threshold`. Default-constructed,
/// the threshold FOLLOWS THE BACKOFF'S INITIAL DELAY (1s when the backoff has none), so
/// "stable" means "outlived the first retry delay"; follows_initial_delay() tells which, and a
/// reconnector's started_event reports the threshold in use.
class uptime_threshold {
public:
    uptime_threshold() noexcept = default;
    /// An explicit threshold, kept whatever the backoff's initial delay. Throws config_error
    /// unless threshold > 0 (zero would call every session stable: use always_stable for that).
    explicit uptime_threshold(std::chrono::nanoseconds threshold)
        : threshold_(detail::require_positive("stable-after", threshold)), explicit_(true) {}

    [[nodiscard]] verdict judge(const session_end& e) const noexcept {
        return e.uptime >= threshold_ ? verdict::stable : verdict::flap;
    }
    void reset() noexcept {}

    /// Called by the machine with the backoff's initial delay; ignored if set explicitly.
    void adopt_initial_delay(std::chrono::nanoseconds initial) noexcept {
        if (!explicit_ && initial.count() > 0) {
            threshold_ = initial;
            adopted_ = true;
        }
    }

    [[nodiscard]] std::chrono::nanoseconds threshold() const noexcept { return threshold_; }
    /// The threshold is the backoff's initial delay, adopted (not given).
    [[nodiscard]] bool follows_initial_delay() const noexcept { return adopted_; }

private:
    std::chrono::nanoseconds threshold_{std::chrono::seconds{1}};
    bool explicit_{false};
    bool adopted_{false};
};

static_assert(stability_policy<uptime_threshold>);

} // namespace redial

#endif
