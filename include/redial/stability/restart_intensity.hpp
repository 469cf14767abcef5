#ifndef REDIAL_STABILITY_RESTART_INTENSITY_HPP
#define REDIAL_STABILITY_RESTART_INTENSITY_HPP

#include <redial/detail/check.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>
#include <redial/stability/concept.hpp>
#include <redial/time.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace redial {

/// "More than max_drops drops within window is a flap", counted as Erlang/OTP supervisors count
/// restart intensity (intensity / period, default 1 per 5 s) and systemd its start limit
/// (StartLimitBurst / StartLimitIntervalSec). A drop at time t is a flap iff the number of drops
/// d (t's own included) with t − d < window is greater than max_drops; otherwise it is stable.
/// The window is half-open: a drop exactly `window` old no longer counts, one at window − 1ns
/// does. The uptime of a session is not considered.
///
/// Keeps the last max_drops + 1 drop times in a ring allocated once by the constructor; judge
/// never allocates. Drops are expected in time order; an earlier time than a recorded drop
/// counts that drop as zero time ago.
class restart_intensity {
public:
    static constexpr std::size_t max_max_drops = 4096;

    /// Erlang's default: more than 1 drop within 5 s is a flap.
    restart_intensity() : restart_intensity(1, std::chrono::seconds{5}) {}

    /// Throws config_error unless 1 <= max_drops <= 4096 and window > 0.
    restart_intensity(std::size_t max_drops, std::chrono::nanoseconds window)
        : max_drops_(check_max_drops(max_drops)),
          window_(detail::require_positive("restart_intensity window", window)),
          ring_(max_drops + 1) {}

    [[nodiscard]] verdict judge(const session_end& e) noexcept {
        const std::size_t capacity = ring_.size();
        if (capacity == 0) {
            return verdict::stable; // moved-from: only assignment and destruction are meaningful
        }
        ring_[next_] = e.at;
        next_ = next_ + 1 == capacity ? 0 : next_ + 1;
        if (count_ < capacity) {
            ++count_;
        }
        // Flap iff max_drops + 1 drops fall in the window. They are in time order, so it is
        // enough that the oldest kept one does; it sits where the next drop will be written.
        if (count_ < capacity) {
            return verdict::stable;
        }
        return detail::elapsed(ring_[next_], e.at) < window_ ? verdict::flap : verdict::stable;
    }

    /// Forgets every drop.
    void reset() noexcept {
        next_ = 0;
        count_ = 0;
    }

    [[nodiscard]] std::size_t max_drops() const noexcept { return max_drops_; }
    [[nodiscard]] std::chrono::nanoseconds window() const noexcept { return window_; }

private:
    static std::size_t check_max_drops(std::size_t n) {
        if (n < 1 || n > max_max_drops) {
            throw config_error("restart_intensity max_drops", std::to_string(n),
                               "must be between 1 and " + std::to_string(max_max_drops));
        }
        return n;
    }

    std::size_t max_drops_;
    std::chrono::nanoseconds window_;
    std::vector<time_point> ring_; // the last max_drops + 1 drops; next_ is the oldest when full
    std::size_t next_{0};
    std::size_t count_{0};
};

static_assert(stability_policy<restart_intensity>);

} // namespace redial

#endif
