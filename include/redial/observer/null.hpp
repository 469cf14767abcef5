#ifndef REDIAL_OBSERVER_NULL_HPP
#define REDIAL_OBSERVER_NULL_HPP

#include <redial/observer/hooks.hpp>

namespace redial {

/// Observes nothing: no hooks, no bytes, no instructions.
struct null_observer {};

} // namespace redial

#endif
