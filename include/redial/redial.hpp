#ifndef REDIAL_REDIAL_HPP
#define REDIAL_REDIAL_HPP

// The core and every policy: everything in redial a policy user needs, and no third-party
// library. Left out on purpose: <redial/config.hpp> (options from strings, flags and the
// environment; about as costly to compile as all of this together), so include it where you
// parse configuration; <redial/ranges.hpp> (range-v3), where you compose schedules as views.

#include <redial/backoff/concept.hpp>
#include <redial/backoff/constant.hpp>
#include <redial/backoff/decorrelated_jitter.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>
#include <redial/backoff/linear.hpp>
#include <redial/core/machine.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>
#include <redial/liveness/concept.hpp>
#include <redial/liveness/configured.hpp>
#include <redial/liveness/error.hpp>
#include <redial/liveness/heartbeat.hpp>
#include <redial/liveness/idle_timeout.hpp>
#include <redial/liveness/none.hpp>
#include <redial/random.hpp>
#include <redial/setup/error.hpp>
#include <redial/setup/machine.hpp>
#include <redial/stability/always_stable.hpp>
#include <redial/stability/concept.hpp>
#include <redial/stability/flap_damping.hpp>
#include <redial/stability/restart_intensity.hpp>
#include <redial/stability/uptime_threshold.hpp>
#include <redial/time.hpp>

#endif
