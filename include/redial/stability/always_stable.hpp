#ifndef REDIAL_STABILITY_ALWAYS_STABLE_HPP
#define REDIAL_STABILITY_ALWAYS_STABLE_HPP

#include <redial/stability/concept.hpp>

namespace redial {

/// The naive rule that uptime_threshold fixes: every session that connected counts as healthy,
/// so the backoff resets on every connect. Against a server that accepts then resets, this
/// never escalates and never gives up. Kept to show that bug side by side with the fix.
struct always_stable {
    [[nodiscard]] static constexpr verdict judge(const session_end&) noexcept {
        return verdict::stable;
    }
    static constexpr void reset() noexcept {}
};

static_assert(stability_policy<always_stable>);

} // namespace redial

#endif
