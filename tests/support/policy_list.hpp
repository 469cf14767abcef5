#ifndef REDIAL_TESTS_SUPPORT_POLICY_LIST_HPP
#define REDIAL_TESTS_SUPPORT_POLICY_LIST_HPP

// The one list of every built-in policy type. Typed tests and benchmarks iterate over it. The
// policies are the registries' (config/backoff_registry.hpp, config/stability_registry.hpp): a
// policy registered there is tested and benchmarked here with no change, its sample made by its
// entry from the default options; a policy_traits specialization below only names a sample
// differently.

#include <redial/backoff/constant.hpp>
#include <redial/backoff/decorrelated_jitter.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>
#include <redial/backoff/linear.hpp>
#include <redial/config.hpp>
#include <redial/stability/always_stable.hpp>
#include <redial/stability/flap_damping.hpp>
#include <redial/stability/restart_intensity.hpp>
#include <redial/stability/uptime_threshold.hpp>

#include <boost/hana/concat.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/unpack.hpp>

#include <chrono>
#include <cstdint>
#include <ratio>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace redial::test {

using namespace std::chrono_literals;

namespace detail {

/// The name of the registry entry whose factory returns P itself ("" if none does).
template <class P, class... Entries>
constexpr std::string_view entry_name(redial::detail::type_list<Entries...>) {
    std::string_view name;
    (void)((std::is_same_v<redial::detail::made_by<Entries>, P> && (name = Entries::name, true)) ||
           ...);
    return name;
}

} // namespace detail

/// A name and a deterministic sample instance (fixed seed) of each listed policy. By default,
/// a registered policy's entry name, made from the default options by its entry.
template <class P>
struct policy_traits {
    static constexpr std::string_view backoff_entry =
        detail::entry_name<P>(builtin_backoffs::entry_types{});
    static constexpr std::string_view entry =
        backoff_entry.empty() ? detail::entry_name<P>(builtin_stabilities::entry_types{})
                              : backoff_entry;
    static_assert(!entry.empty(), "a listed policy needs a registry entry or a policy_traits");
    static constexpr const char* name = entry.data(); // a literal: terminated
    static P make(std::uint64_t seed) {
        options o;
        o.seed = seed;
        if constexpr (!backoff_entry.empty()) {
            o.backoff = std::string(entry);
            return std::get<P>(builtin_backoffs::make(o));
        } else {
            o.stability = std::string(entry);
            return std::get<P>(builtin_stabilities::make(o));
        }
    }
};

template <>
struct policy_traits<exponential_backoff> {
    static constexpr const char* name = "exponential";
    static exponential_backoff make(std::uint64_t) { return exponential_backoff{1s, 2.0, 30s}; }
};
template <>
struct policy_traits<decorrelated_jitter> {
    static constexpr const char* name = "decorrelated_jitter";
    static decorrelated_jitter make(std::uint64_t seed) { return {1s, 30s, seed}; }
};
template <>
struct policy_traits<jittered<exponential_backoff>> {
    static constexpr const char* name = "jittered_exponential";
    static jittered<exponential_backoff> make(std::uint64_t seed) {
        return jittered<exponential_backoff>{exponential_backoff{1s, 2.0, 30s}, full_jitter(),
                                             seed};
    }
};
template <>
struct policy_traits<full_jittered<exponential_backoff>> {
    static constexpr const char* name = "full_jittered_exponential";
    static full_jittered<exponential_backoff> make(std::uint64_t seed) {
        return {exponential_backoff{1s, 2.0, 30s}, {}, seed};
    }
};
template <>
struct policy_traits<equal_jittered<exponential_backoff>> {
    static constexpr const char* name = "equal_jittered_exponential";
    static equal_jittered<exponential_backoff> make(std::uint64_t seed) {
        return {exponential_backoff{1s, 2.0, 30s}, {}, seed};
    }
};

/// NATS: a constant 2 s wait plus up to 100 ms (factor [1, 1.05), above the constant).
using nats_window = static_jitter<std::ratio<1>, std::ratio<21, 20>, jitter_cap::overshoot>;
using nats_jittered = jittered<constant_backoff, default_generator, nats_window>;
template <>
struct policy_traits<nats_jittered> {
    static constexpr const char* name = "jittered_constant";
    static nats_jittered make(std::uint64_t seed) { return {constant_backoff{2s}, {}, seed}; }
};
template <>
struct policy_traits<configured_backoff> {
    static constexpr const char* name = "configured";
    static configured_backoff make(std::uint64_t seed) {
        options o;
        o.jitter = jitter_kind::full;
        o.seed = seed;
        return make_backoff(o);
    }
};

template <>
struct policy_traits<uptime_threshold> {
    static constexpr const char* name = "uptime_threshold";
    static uptime_threshold make(std::uint64_t) { return uptime_threshold{1s}; }
};
template <>
struct policy_traits<always_stable> {
    static constexpr const char* name = "always_stable";
    static always_stable make(std::uint64_t) { return {}; }
};
template <>
struct policy_traits<flap_damping> {
    static constexpr const char* name = "flap_damping";
    static flap_damping make(std::uint64_t) { return flap_damping{}; }
};
template <>
struct policy_traits<restart_intensity> {
    static constexpr const char* name = "restart_intensity";
    static restart_intensity make(std::uint64_t) { return restart_intensity{5, 10s}; }
};
template <>
struct policy_traits<configured_stability> {
    static constexpr const char* name = "configured_stability";
    static configured_stability make(std::uint64_t) { return make_stability(options{}); }
};

template <class... Ts>
constexpr auto hana_types(const std::variant<Ts...>*) {
    return boost::hana::tuple_t<Ts...>;
}

/// The registry's policy types, then two that are not registered: a NATS-style static window
/// on a constant, and the run-time choice itself.
inline constexpr auto backoff_policies =
    boost::hana::concat(hana_types(static_cast<const builtin_backoffs::variant_type*>(nullptr)),
                        boost::hana::tuple_t<nats_jittered, configured_backoff>);

/// The registry's policy types, then the run-time choice itself.
inline constexpr auto stability_policies =
    boost::hana::concat(hana_types(static_cast<const builtin_stabilities::variant_type*>(nullptr)),
                        boost::hana::tuple_t<configured_stability>);

/// A Hana type list as GoogleTest's ::testing::Types<...>.
template <class HanaTypes, template <class...> class Out>
using unpack_types = decltype(boost::hana::unpack(
    HanaTypes{}, [](auto... t) { return Out<typename decltype(t)::type...>{}; }));

} // namespace redial::test

#endif
