#ifndef REDIAL_CONFIG_HPP
#define REDIAL_CONFIG_HPP

// Run-time configuration (standard library only): every part of config/.
//
//   config/options.hpp           the options struct and its enums
//   config/registry.hpp          what the two registries below share
//   config/backoff_registry.hpp  the backoff policies a configuration can choose
//   config/stability_registry.hpp  the stability policies a configuration can choose
//   config/keys.hpp              the key table, presets, apply_option, to_string
//   config/validate.hpp          the checks across keys
//   config/read.hpp              options from strings, key/value pairs and the environment
//   config/policies.hpp          configured_backoff, configured_stability and their builders

#include <redial/config/backoff_registry.hpp>
#include <redial/config/keys.hpp>
#include <redial/config/options.hpp>
#include <redial/config/policies.hpp>
#include <redial/config/read.hpp>
#include <redial/config/registry.hpp>
#include <redial/config/stability_registry.hpp>
#include <redial/config/validate.hpp>

#endif
