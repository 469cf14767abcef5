#ifndef REDIAL_BACKOFF_CONSTANT_HPP
#define REDIAL_BACKOFF_CONSTANT_HPP

#include <redial/backoff/concept.hpp>
#include <redial/backoff/traits.hpp>
#include <redial/detail/check.hpp>

#include <chrono>

namespace redial {

/// The same delay every time (Boost.Redis, NATS). Default 1s.
class constant_backoff {
public:
    constant_backoff() noexcept = default;
    /// Throws config_error unless `delay` > 0 (a zero delay is a busy loop).
    explicit constant_backoff(std::chrono::nanoseconds delay)
        : delay_(detail::require_positive("constant_backoff delay", delay)) {}

    [[nodiscard]] std::chrono::nanoseconds next() noexcept { return delay_; }
    void reset() noexcept {}

    [[nodiscard]] std::chrono::nanoseconds initial_delay() const noexcept { return delay_; }
    [[nodiscard]] std::chrono::nanoseconds max_delay() const noexcept { return delay_; }

    friend bool operator==(const constant_backoff&, const constant_backoff&) = default;

private:
    std::chrono::nanoseconds delay_{std::chrono::seconds{1}};
};

static_assert(backoff_policy<constant_backoff>);
template <>
inline constexpr bool enable_nonnegative_delays<constant_backoff> = true;

} // namespace redial

#endif
