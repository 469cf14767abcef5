#ifndef REDIAL_OBSERVER_NULL_HPP
#define REDIAL_OBSERVER_NULL_HPP

#include <redial/observer/hooks.hpp>

namespace redial {

/// Observes nothing: no hooks, no bytes, no instructions.
struct null_observer {};

template <>
inline constexpr bool observes_nothing<null_observer> = true;

} // namespace redial

#endif
