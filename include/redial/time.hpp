#ifndef REDIAL_TIME_HPP
#define REDIAL_TIME_HPP

#include <chrono>

namespace redial {

/// The time type of the core and the policies: nanoseconds on a monotonic timeline. The core
/// never reads a clock; the driver passes `now` in (steady_clock in production, a virtual clock
/// in tests and simulations, whose epoch is simply time_point{}).
using time_point = std::chrono::time_point<std::chrono::steady_clock, std::chrono::nanoseconds>;

} // namespace redial

#endif
