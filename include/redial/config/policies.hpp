#ifndef REDIAL_CONFIG_POLICIES_HPP
#define REDIAL_CONFIG_POLICIES_HPP

#include <redial/backoff/concept.hpp>
#include <redial/backoff/traits.hpp>
#include <redial/config/backoff_registry.hpp>
#include <redial/config/options.hpp>
#include <redial/config/stability_registry.hpp>
#include <redial/config/validate.hpp>
#include <redial/core/machine.hpp>
#include <redial/detail/parse.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>
#include <redial/liveness/configured.hpp>
#include <redial/liveness/heartbeat.hpp>
#include <redial/liveness/idle_timeout.hpp>
#include <redial/stability/always_stable.hpp>
#include <redial/stability/concept.hpp>
#include <redial/stability/flap_damping.hpp>
#include <redial/stability/restart_intensity.hpp>
#include <redial/stability/traits.hpp>
#include <redial/stability/uptime_threshold.hpp>
#include <redial/time.hpp>
#include <redial/transport/socket_options.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

// The run-time policies: configured_backoff and configured_stability hold the policy the
// options choose in a variant, and the builders make them (and the machine's give-up rules).
namespace redial {

namespace detail {

/// Visits the active alternative with a chain of index tests: unlike std::visit it cannot
/// throw on a valueless variant, so reset() stays noexcept without a try block. For a variant
/// that can never be valueless, visit_never_valueless is the faster choice.
template <std::size_t I = 0, class Variant, class F>
constexpr decltype(auto) visit_active(Variant& v,
                                      F&& f) noexcept(noexcept(f(*std::get_if<0>(&v)))) {
    if constexpr (I + 1 == std::variant_size_v<std::remove_const_t<Variant>>) {
        return f(*std::get_if<I>(&v));
    } else {
        if (v.index() == I) {
            return f(*std::get_if<I>(&v));
        }
        return visit_active<I + 1>(v, std::forward<F>(f));
    }
}

template <class... Ts>
constexpr bool never_valueless(const std::variant<Ts...>*) noexcept {
    return (... &&
            (std::is_nothrow_copy_constructible_v<Ts> && std::is_nothrow_move_constructible_v<Ts> &&
             std::is_nothrow_copy_assignable_v<Ts> && std::is_nothrow_move_assignable_v<Ts>));
}

/// std::visit, for variants whose alternatives copy and move without throwing: they are never
/// valueless, so it cannot throw. Its switch lets the compiler keep the index in a register
/// across calls, where visit_active's chain reloads the one-byte index (which may alias the
/// state) after every call (docs/performance.md has the figures).
template <class Variant, class F>
constexpr decltype(auto) visit_never_valueless(Variant& v, F&& f) noexcept {
    static_assert(never_valueless(static_cast<std::remove_const_t<Variant>*>(nullptr)));
    return std::visit(std::forward<F>(f), v);
}

} // namespace detail

/// A one-line summary for logs, e.g. "backoff 1s x2 up to 30s, no jitter; stable after 1s;
/// give up after 5m". The policies' words are their registry entries' (as for validate()).
template <class... Registries>
std::string describe(const options& o) {
    std::string s = "backoff " + detail::backoffs_in<Registries...>::summary(o) + "; " +
                    detail::stabilities_in<Registries...>::summary(o);
    const std::string attempts =
        std::to_string(o.max_attempts) + (o.max_attempts == 1 ? " attempt" : " attempts");
    if (o.timeout.count() == 0) {
        s += o.max_attempts == 0 ? "; never give up" : "; give up after " + attempts;
    } else {
        s += "; give up after " + format_duration(o.timeout);
        s += o.max_attempts == 0 ? "" : " or " + attempts;
    }
    if (o.clip_to_deadline) {
        s += ", clipped to the deadline";
    }
    if (o.connect_timeout) {
        s += "; connect timeout " + format_duration(*o.connect_timeout);
    }
    switch (detail::chosen_liveness(o)) {
    case liveness_kind::none:
        break;
    case liveness_kind::idle:
        s += "; dead after " +
             format_duration(o.idle_timeout.value_or(detail::default_idle_timeout)) +
             " without data";
        break;
    case liveness_kind::heartbeat:
        s += "; ping after " +
             format_duration(o.ping_interval.value_or(detail::default_ping_interval)) +
             " idle, dead " +
             format_duration(o.ping_timeout.value_or(detail::default_ping_timeout)) +
             " after an unanswered ping";
        break;
    }
    if (o.seed) {
        s += "; seed " + std::to_string(*o.seed);
    }
    return s;
}

/// A backoff chosen at run time: one of the policies `Registry` can make (its alternatives are
/// every type the registry's factories return, so a registered policy is one of them).
template <class Registry>
class basic_configured_backoff {
public:
    using registry = Registry;
    using variant_type = typename Registry::variant_type;

    basic_configured_backoff() noexcept = default;
    explicit basic_configured_backoff(variant_type policy) noexcept : policy_(std::move(policy)) {}

    [[nodiscard]] std::chrono::nanoseconds next() noexcept {
        return detail::visit_never_valueless(policy_, [](auto& p) noexcept { return p.next(); });
    }
    void reset() noexcept {
        detail::visit_never_valueless(policy_, [](auto& p) noexcept { p.reset(); });
    }
    /// Reseeds the generator of a jittered policy; no effect without jitter.
    void seed(std::uint64_t s) noexcept {
        detail::visit_never_valueless(policy_, [s](auto& p) noexcept {
            if constexpr (requires { p.seed(s); }) {
                p.seed(s);
            }
        });
    }

    [[nodiscard]] std::chrono::nanoseconds initial_delay() const noexcept {
        return detail::visit_never_valueless(
            policy_, [](const auto& p) noexcept { return p.initial_delay(); });
    }
    /// The largest delay a call to next() can return (above backoff-max with overshoot).
    [[nodiscard]] std::chrono::nanoseconds max_delay() const noexcept {
        return detail::visit_never_valueless(policy_,
                                             [](const auto& p) noexcept { return p.max_delay(); });
    }
    [[nodiscard]] const variant_type& policy() const noexcept { return policy_; }

private:
    variant_type policy_;
};

namespace detail {
template <class... Ts>
constexpr bool all_nonnegative(const std::variant<Ts...>*) noexcept {
    return (... && enable_nonnegative_delays<Ts>);
}
} // namespace detail

/// Non-negative when every policy the registry can make is (every built-in one is).
template <class Registry>
inline constexpr bool enable_nonnegative_delays<basic_configured_backoff<Registry>> =
    detail::all_nonnegative(static_cast<const typename Registry::variant_type*>(nullptr));

/// The built-in policies chosen at run time: exponential (plain, or with any jitter),
/// decorrelated jitter, constant or linear.
using configured_backoff = basic_configured_backoff<builtin_backoffs>;

static_assert(backoff_policy<configured_backoff>);
static_assert(backoff_traits<configured_backoff>::has_initial_delay &&
              backoff_traits<configured_backoff>::has_max_delay &&
              backoff_traits<configured_backoff>::nonnegative_delays);

/// A stability policy chosen at run time: one of the policies `Registry` can make. Dispatch is
/// visit_active's index chain, not std::visit: restart_intensity's ring copies may throw.
template <class Registry>
class basic_configured_stability {
public:
    using registry = Registry;
    using variant_type = typename Registry::variant_type;

    basic_configured_stability() noexcept = default;
    explicit basic_configured_stability(variant_type policy) noexcept
        : policy_(std::move(policy)) {}

    [[nodiscard]] verdict judge(const session_end& e) {
        return detail::visit_active(policy_, [&e](auto& p) { return p.judge(e); });
    }
    void reset() noexcept {
        detail::visit_active(policy_, [](auto& p) noexcept { p.reset(); });
    }
    /// Flap damping's hold-down while suppressed; zero for the other policies.
    [[nodiscard]] std::chrono::nanoseconds hold_down(time_point now) const noexcept {
        return detail::visit_active(policy_, [now](const auto& p) noexcept {
            if constexpr (stability_traits<std::remove_cvref_t<decltype(p)>>::has_hold_down) {
                return std::chrono::nanoseconds{p.hold_down(now)};
            } else {
                return std::chrono::nanoseconds{0};
            }
        });
    }
    /// Flap damping's longest hold-down; zero for the other policies.
    [[nodiscard]] std::chrono::nanoseconds max_hold_down() const noexcept {
        return detail::visit_active(policy_, [](const auto& p) noexcept {
            if constexpr (stability_traits<std::remove_cvref_t<decltype(p)>>::has_max_hold_down) {
                return std::chrono::nanoseconds{p.max_hold_down()};
            } else {
                return std::chrono::nanoseconds{0};
            }
        });
    }
    /// Forwarded to uptime_threshold (which ignores it when its threshold was explicit).
    void adopt_initial_delay(std::chrono::nanoseconds d) noexcept {
        detail::visit_active(policy_, [d](auto& p) noexcept {
            if constexpr (stability_traits<
                              std::remove_cvref_t<decltype(p)>>::adopts_initial_delay) {
                p.adopt_initial_delay(d);
            }
        });
    }
    [[nodiscard]] const variant_type& policy() const noexcept { return policy_; }

private:
    variant_type policy_;
};

/// The built-in policies chosen at run time: uptime threshold, always stable, flap damping or
/// restart intensity.
using configured_stability = basic_configured_stability<builtin_stabilities>;

static_assert(
    std::is_same_v<configured_stability::variant_type,
                   std::variant<uptime_threshold, always_stable, flap_damping, restart_intensity>>);
static_assert(stability_policy<configured_stability>);
static_assert(stability_traits<configured_stability>::has_hold_down &&
              stability_traits<configured_stability>::has_max_hold_down &&
              stability_traits<configured_stability>::adopts_initial_delay);

// The builders validate first, against `Registries` as validate() does (a backoff registry, a
// stability registry or both, in any order; the built-in ones otherwise), so options that name a
// registered policy of either kind build with the same list given to every builder.

/// The backoff the options describe (from the backoff registry), seeded with options.seed when
/// set.
template <class... Registries>
basic_configured_backoff<detail::backoffs_in<Registries...>> make_backoff(const options& o) {
    using registry = detail::backoffs_in<Registries...>;
    validate<Registries...>(o);
    return basic_configured_backoff<registry>{registry::make(o)};
}

/// The stability policy the options describe, made by its registry entry (flap damping keeps
/// RFC 2439's penalty, suppress and reuse, with max hold-down 4 × the half-life).
template <class... Registries>
basic_configured_stability<detail::stabilities_in<Registries...>> make_stability(const options& o) {
    using registry = detail::stabilities_in<Registries...>;
    validate<Registries...>(o);
    return basic_configured_stability<registry>{registry::make(o)};
}

/// The socket options the options describe (`tcp-keepalive`, `tcp-user-timeout`), checked, for
/// tcp_options::socket or tls_options::socket.
template <class... Registries>
socket_options make_socket_options(const options& o) {
    validate<Registries...>(o);
    return detail::chosen_socket_options(o);
}

/// The give-up rules the options describe.
template <class... Registries>
machine_options make_machine_options(const options& o) {
    validate<Registries...>(o);
    return machine_options{o.timeout, o.max_attempts, o.clip_to_deadline};
}

/// The liveness policy the options describe (`liveness`, `idle-timeout`, `ping-interval`,
/// `ping-timeout`), with `ping` as the heartbeat's ping. Throws config_error for a heartbeat
/// without a ping (no_ping): it would wait for answers to pings never sent.
template <class Ping = no_ping, class... Registries>
configured_liveness<Ping> make_liveness(const options& o, Ping ping = {}) {
    validate<Registries...>(o);
    switch (detail::chosen_liveness(o)) {
    case liveness_kind::idle:
        return configured_liveness<Ping>{
            idle_timeout{o.idle_timeout.value_or(detail::default_idle_timeout)}};
    case liveness_kind::heartbeat:
        if constexpr (!configured_liveness<Ping>::sends_pings) {
            throw config_error("liveness", "heartbeat",
                               "needs a ping: pass the protocol's ping to make_liveness(options, "
                               "ping); for a server that speaks on its own use idle-timeout");
        }
        return configured_liveness<Ping>{
            heartbeat_monitor{o.ping_interval.value_or(detail::default_ping_interval),
                              o.ping_timeout.value_or(detail::default_ping_timeout)},
            std::move(ping)};
    case liveness_kind::none:
        break;
    }
    return configured_liveness<Ping>{};
}

} // namespace redial

#endif
