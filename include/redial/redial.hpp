#ifndef REDIAL_REDIAL_HPP
#define REDIAL_REDIAL_HPP

// Everything in redial that needs no third-party library. <redial/ranges.hpp> (range-v3) is
// left out on purpose: include it where you compose schedules as views.

#include <redial/backoff/concept.hpp>
#include <redial/backoff/constant.hpp>
#include <redial/backoff/decorrelated_jitter.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>
#include <redial/backoff/linear.hpp>
#include <redial/config.hpp>
#include <redial/core/machine.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>
#include <redial/random.hpp>
#include <redial/stability/always_stable.hpp>
#include <redial/stability/concept.hpp>
#include <redial/stability/flap_damping.hpp>
#include <redial/stability/restart_intensity.hpp>
#include <redial/stability/uptime_threshold.hpp>
#include <redial/time.hpp>

#endif
