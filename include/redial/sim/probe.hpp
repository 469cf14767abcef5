#ifndef REDIAL_SIM_PROBE_HPP
#define REDIAL_SIM_PROBE_HPP

// What a simulated world reports: the observers' events (observer/hooks.hpp), each with the
// number of the client it happened to.

#include <redial/observer/hooks.hpp>
#include <redial/time.hpp>

#include <cstdint>

namespace redial::sim {

/// A contended or occ client's write succeeded, and the client is finished (after its
/// on_connected). Simulation only: a reconnector has no such event.
struct done_event {
    std::uint64_t attempt; ///< the attempt that succeeded, 1-based in its window
    time_point at;
};

/// A session that a `silent` phase had hung receives again: the phase ended (SIGCONT) and the
/// client had not given up on it. Simulation only.
struct resumed_event {
    time_point at;
};

/// A probe sees what the clients do, in world time. Every hook is optional and takes the
/// client's number and the observers' event: `on_attempt(std::uint32_t client, const
/// attempt_event&)`, and likewise on_connected, on_connect_failed, on_disconnected, on_backoff,
/// on_give_up, on_stopped, on_ping, on_liveness_timeout, plus on_done (done_event), on_resumed
/// (resumed_event) and `prefetch(std::uint32_t client)`,
/// called a few events before the client's next one. A missing hook costs nothing: the world
/// builds an event only for a probe that has its hook. This probe has none.
struct null_probe {};

template <class P>
concept hears_attempt =
    requires(P& p, std::uint32_t c, const attempt_event& e) { p.on_attempt(c, e); };
template <class P>
concept hears_connected =
    requires(P& p, std::uint32_t c, const connected_event& e) { p.on_connected(c, e); };
template <class P>
concept hears_connect_failed =
    requires(P& p, std::uint32_t c, const connect_failed_event& e) { p.on_connect_failed(c, e); };
template <class P>
concept hears_disconnected =
    requires(P& p, std::uint32_t c, const disconnected_event& e) { p.on_disconnected(c, e); };
template <class P>
concept hears_backoff =
    requires(P& p, std::uint32_t c, const backoff_event& e) { p.on_backoff(c, e); };
template <class P>
concept hears_give_up =
    requires(P& p, std::uint32_t c, const give_up_event& e) { p.on_give_up(c, e); };
template <class P>
concept hears_stopped =
    requires(P& p, std::uint32_t c, const stopped_event& e) { p.on_stopped(c, e); };
template <class P>
concept hears_ping = requires(P& p, std::uint32_t c, const ping_event& e) { p.on_ping(c, e); };
template <class P>
concept hears_liveness_timeout = requires(P& p, std::uint32_t c, const liveness_timeout_event& e) {
    p.on_liveness_timeout(c, e);
};
template <class P>
concept hears_done = requires(P& p, std::uint32_t c, const done_event& e) { p.on_done(c, e); };
template <class P>
concept hears_resumed =
    requires(P& p, std::uint32_t c, const resumed_event& e) { p.on_resumed(c, e); };
template <class P>
concept prefetches = requires(P& p, std::uint32_t c) { p.prefetch(c); };

namespace detail {
/// Asks for the cache line at `p` ahead of its use.
inline void prefetch(const void* p) noexcept {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    // GCC 12 drops a __builtin_prefetch that sits under a condition in a loop (the world's
    // case, measured: no prefetch instruction emitted at -O1 and -O2); an asm statement stays.
    asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#elif defined(__GNUC__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

// A hook the world would not call is a silent bug: a member named like a hook (one function,
// not an overload set or a template) must take the world's arguments.
template <class P>
constexpr bool hooks_take_events() {
    constexpr bool attempt = !requires { &P::on_attempt; } || hears_attempt<P>;
    constexpr bool connected = !requires { &P::on_connected; } || hears_connected<P>;
    constexpr bool failed = !requires { &P::on_connect_failed; } || hears_connect_failed<P>;
    constexpr bool disconnected = !requires { &P::on_disconnected; } || hears_disconnected<P>;
    constexpr bool backoff = !requires { &P::on_backoff; } || hears_backoff<P>;
    constexpr bool give_up = !requires { &P::on_give_up; } || hears_give_up<P>;
    constexpr bool stopped = !requires { &P::on_stopped; } || hears_stopped<P>;
    constexpr bool ping = !requires { &P::on_ping; } || hears_ping<P>;
    constexpr bool timeout = !requires { &P::on_liveness_timeout; } || hears_liveness_timeout<P>;
    constexpr bool done = !requires { &P::on_done; } || hears_done<P>;
    constexpr bool resumed = !requires { &P::on_resumed; } || hears_resumed<P>;
    constexpr bool no_session_end = !requires { &P::on_session_end; };
    return attempt && connected && failed && disconnected && backoff && give_up && stopped &&
           ping && timeout && done && resumed && no_session_end;
}
} // namespace detail

} // namespace redial::sim

#endif
