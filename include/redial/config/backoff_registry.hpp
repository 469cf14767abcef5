#ifndef REDIAL_CONFIG_BACKOFF_REGISTRY_HPP
#define REDIAL_CONFIG_BACKOFF_REGISTRY_HPP

#include <redial/backoff/constant.hpp>
#include <redial/backoff/decorrelated_jitter.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>
#include <redial/backoff/linear.hpp>
#include <redial/config/options.hpp>
#include <redial/config/registry.hpp>
#include <redial/detail/parse.hpp>
#include <redial/duration.hpp>

#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <variant>

// The one list of backoff policies a configuration can choose. Everything that offers a choice
// reads it: the `backoff` key and its checks, configured_backoff's alternatives, redial-herd's
// --policy, redial-schedule's help, the typed tests and the benchmarks. An entry is a struct:
//
//   struct my_entry {
//       static constexpr std::string_view name = "mine";          // backoff=mine
//       static constexpr std::string_view description = "...";    // one line, for --help
//       static constexpr std::string_view keys[] = {"backoff-initial"}; // the keys it reads
//       static my_backoff make(const options& o) { return my_backoff{o.initial}; }
//   };
//
// `make` receives validated options and returns the policy, or a std::variant of policies when
// the options choose between several types (exponential, with or without jitter). It does not
// seed: the registry seeds any policy with a seed(std::uint64_t) member from the `seed` key. An
// optional `static std::string summary(const options&)` is describe()'s text for it. The
// machinery is config/registry.hpp's, shared with the stability registry.
namespace redial {

/// What the tools and the documentation show of one registered backoff.
using backoff_info = policy_info;

namespace detail {
/// A backoff registry chooses by the `backoff` key (or jitter=decorrelated, its older spelling).
struct backoff_choice {
    static constexpr std::string_view key = "backoff";
    static std::string_view chosen(const options& o) noexcept { return chosen_backoff(o); }
};
} // namespace detail

/// A compile-time list of backoff entries (see the top of this file). `with<More...>` is the same
/// list with entries appended: how a program (or a test) offers a policy of its own. Its
/// variant_type, names, entries, find, make and summary are config/registry.hpp's.
template <class... Entries>
struct backoff_registry : detail::policy_registry<detail::backoff_choice, Entries...> {
    template <class... More>
    using with = backoff_registry<Entries..., More...>;
};

/// The built-in entries.
namespace backoff_entry {

struct exponential {
    static constexpr std::string_view name = "exponential";
    static constexpr std::string_view description =
        "backoff-initial, times backoff-multiplier per failure, up to backoff-max; with jitter";
    static constexpr std::string_view keys[] = {"backoff-initial", "backoff-multiplier",
                                                "backoff-max",     "jitter",
                                                "jitter-fraction", "jitter-cap"};

    /// Full and equal jitter have compile-time windows (computed in integers); the other
    /// windows, from configuration, are jittered's run-time jitter_range.
    using policy =
        std::variant<exponential_backoff, jittered<exponential_backoff>,
                     full_jittered<exponential_backoff>, equal_jittered<exponential_backoff>>;

    static policy make(const options& o) {
        const exponential_backoff e{o.initial, o.multiplier, o.max};
        switch (o.jitter) {
        case jitter_kind::none:
        case jitter_kind::decorrelated: // backoff=decorrelated: never chosen here
            return e;
        // Windows with hi <= 1 never exceed the capped delay, so the cap mode changes nothing.
        case jitter_kind::full:
            return full_jittered<exponential_backoff>{e};
        case jitter_kind::equal:
            return equal_jittered<exponential_backoff>{e};
        case jitter_kind::proportional:
            return jittered<exponential_backoff>{
                e, proportional_jitter(o.jitter_fraction, o.jitter_cap)};
        case jitter_kind::grpc: // gRPC's rule: jitter after the cap, so up to 1.2 × max
            return jittered<exponential_backoff>{e, grpc_jitter()};
        }
        return e;
    }

    static std::string summary(const options& o) {
        std::string s = format_duration(o.initial) + " x" + detail::format_double(o.multiplier) +
                        " up to " + format_duration(o.max);
        const std::string cap(detail::jitter_cap_names[static_cast<std::size_t>(o.jitter_cap)]);
        switch (o.jitter) {
        case jitter_kind::none:
        case jitter_kind::decorrelated:
            s += ", no jitter";
            break;
        case jitter_kind::grpc:
            s += ", grpc jitter +-20% (overshoot)";
            break;
        case jitter_kind::proportional:
            // Rounded so 0.07 prints as 7%, not 7.000000000000001%.
            s += ", jitter +-" + detail::format_double(std::round(o.jitter_fraction * 1e6) / 1e4) +
                 "% (" + cap + ")";
            break;
        case jitter_kind::full:
        case jitter_kind::equal:
            s += ", " + std::string(detail::jitter_names[static_cast<std::size_t>(o.jitter)]) +
                 " jitter (" + cap + ")";
            break;
        }
        return s;
    }
};

struct decorrelated {
    static constexpr std::string_view name = "decorrelated";
    static constexpr std::string_view description =
        "AWS decorrelated jitter: random in [backoff-initial, 3 x the last delay), up to "
        "backoff-max";
    static constexpr std::string_view keys[] = {"backoff-initial", "backoff-max"};

    static decorrelated_jitter make(const options& o) { return {o.initial, o.max}; }
    static std::string summary(const options& o) {
        return "decorrelated " + format_duration(o.initial) + ".." + format_duration(o.max);
    }
};

struct constant {
    static constexpr std::string_view name = "constant";
    static constexpr std::string_view description = "backoff-initial after every failure";
    static constexpr std::string_view keys[] = {"backoff-initial"};

    static constant_backoff make(const options& o) { return constant_backoff{o.initial}; }
    static std::string summary(const options& o) {
        return "constant " + format_duration(o.initial);
    }
};

struct linear {
    static constexpr std::string_view name = "linear";
    static constexpr std::string_view description =
        "backoff-initial, plus backoff-step per failure, up to backoff-max";
    static constexpr std::string_view keys[] = {"backoff-initial", "backoff-step", "backoff-max"};

    static linear_backoff make(const options& o) {
        return {o.initial, o.step.value_or(o.initial), o.max};
    }
    static std::string summary(const options& o) {
        return "linear " + format_duration(o.initial) + " +" +
               format_duration(o.step.value_or(o.initial)) + " up to " + format_duration(o.max);
    }
};

} // namespace backoff_entry

/// The registry configuration uses unless told otherwise. A built-in policy is added here.
using builtin_backoffs = backoff_registry<backoff_entry::exponential, backoff_entry::decorrelated,
                                          backoff_entry::constant, backoff_entry::linear>;

/// The built-in registry's entries, in order: the `backoff` key's values.
inline std::span<const backoff_info> backoff_policies() noexcept {
    return builtin_backoffs::entries;
}

} // namespace redial

#endif
