#ifndef REDIAL_LIVENESS_NONE_HPP
#define REDIAL_LIVENESS_NONE_HPP

#include <redial/liveness/concept.hpp>

namespace redial {

/// The default: a connection is alive until it closes or fails. No bytes, no instructions: the
/// session gets the transport's connection unwrapped and the driver arms no timer.
struct no_liveness {
    static constexpr bool disabled = true;
};

static_assert(liveness_policy<no_liveness>);

} // namespace redial

#endif
