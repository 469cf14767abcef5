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

/// A probe sees what the clients do, in world time. Every hook is optional and takes the
/// client's number and the observers' event: `on_attempt(std::uint32_t client, const
/// attempt_event&)`, and likewise on_connected, on_connect_failed, on_disconnected, on_backoff,
/// on_give_up, on_stopped, plus on_done (done_event) and `prefetch(std::uint32_t client)`,
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
concept hears_done = requires(P& p, std::uint32_t c, const done_event& e) { p.on_done(c, e); };
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
    return (!requires { &P::on_attempt; } || hears_attempt<P>)&&(!requires {
        &P::on_connected;
    } || hears_connected<P>)&&(!requires { &P::on_connect_failed; } ||
                               hears_connect_failed<P>)&&(!requires {
        &P::on_disconnected;
    } || hears_disconnected<P>)&&(!requires { &P::on_backoff; } || hears_backoff<P>)&&(!requires {
        &P::on_give_up;
    } || hears_give_up<P>)&&(!requires { &P::on_stopped; } || hears_stopped<P>)&&(!requires {
        &P::on_done;
    } || hears_done<P>)&&!requires { &P::on_session_end; };
}
} // namespace detail

} // namespace redial::sim

#endif
