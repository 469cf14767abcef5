#ifndef REDIAL_SIM_WORLD_HPP
#define REDIAL_SIM_WORLD_HPP

// The engine: a world of simulated clients, each running the core machine, against the
// servers and chaos a scenario (sim/scenario.hpp) describes, reporting to a probe
// (sim/probe.hpp) in the observers' event vocabulary.

#include <redial/core/machine.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/error.hpp>
#include <redial/failure.hpp>
#include <redial/liveness/concept.hpp>
#include <redial/liveness/heartbeat.hpp>
#include <redial/liveness/idle_timeout.hpp>
#include <redial/liveness/traits.hpp>
#include <redial/observer/hooks.hpp>
#include <redial/random.hpp>
#include <redial/sim/event_queue.hpp>
#include <redial/sim/probe.hpp>
#include <redial/sim/scenario.hpp>
#include <redial/sim/sim_error.hpp>
#include <redial/time.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redial::sim {

namespace detail {
/// A hop of the occ model: mean + stddev·Z for a standard normal Z (Box-Muller; the pair's
/// second value is not kept, so a hop depends only on the generator's next draws), redrawn
/// while below zero: a normal truncated at zero. AWS's simulator folds instead (abs of the draw);
/// the two differ only for draws more than mean/stddev deviations below the mean (5, with the
/// defaults: 3e-7 of hops). With mean >= 0 each draw is kept with probability at least 1/2.
template <class G>
std::chrono::nanoseconds normal_hop(G& g, std::chrono::nanoseconds mean,
                                    std::chrono::nanoseconds stddev) noexcept {
    if (stddev.count() <= 0) {
        return mean; // no noise: no draw, so a noiseless world's generator is untouched
    }
    constexpr double two_pi = 6.283185307179586476925286766559;
    for (;;) {
        const double u1 = redial::detail::unit_interval(g);
        const double u2 = redial::detail::unit_interval(g);
        const double z = std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(two_pi * u2);
        const double x =
            static_cast<double>(mean.count()) + static_cast<double>(stddev.count()) * z;
        if (x >= 0.0) {
            return redial::detail::from_double(x);
        }
    }
}
} // namespace detail

/// Where a client is, as the world sees it.
enum class client_phase : std::uint8_t {
    idle,       ///< not started yet
    connecting, ///< an attempt is in flight
    connected,  ///< a session is open
    waiting,    ///< sleeping a backoff delay
    done,       ///< contended or occ: its write succeeded
    gave_up,    ///< the machine gave up
    stopped,    ///< stopped by stop_at / stop_all_at
};

/// A machine factory for identical clients: copies of `backoff` and `stability`, each reseeded
/// (when the policy has seed()) from the world's seed and the client's number, so clients do
/// not share a random sequence.
template <backoff_policy Backoff, stability_policy Stability = uptime_threshold>
auto identical_clients(Backoff backoff, Stability stability = Stability{},
                       machine_options options = {}) {
    return [backoff = std::move(backoff), stability = std::move(stability),
            options](std::uint32_t, std::uint64_t seed) {
        Backoff b = backoff;
        if constexpr (requires { b.seed(seed); }) {
            b.seed(seed);
        }
        return basic_reconnect_machine<Backoff, Stability, sim_error>(std::move(b), stability,
                                                                      options);
    };
}

// --- the world -------------------------------------------------------------------------------

/// A deterministic world: simulated servers with schedules, capacity and latency, chaos, and
/// `clients` reconnecting clients, each driven by its own copy of `Machine` (the same
/// basic_reconnect_machine real clients run; its Error type must be sim_error). Everything
/// random comes from the seed and events are processed in one total order, so the same
/// options and seed give the same run, which trace_hash() proves.
///
/// Time is virtual: run() or run_until() process events as fast as the CPU allows. The Queue
/// is event_wheel (monotone, with look-ahead for prefetching) or heap_queue; both give the
/// same run.
template <class Machine, class Probe = null_probe, class Queue = event_wheel>
class basic_world {
    static_assert(std::same_as<typename Machine::error_type, sim_error>,
                  "redial::sim: clients' machines must use redial::sim::sim_error as their Error");
    static_assert(detail::hooks_take_events<Probe>(),
                  "redial::sim: a probe's hooks take (std::uint32_t client, const event&) with "
                  "the observers' events (on_attempt(client, const attempt_event&), ...; a "
                  "session's end is on_disconnected)");

public:
    using machine_type = Machine;

    /// `make(client, seed)` returns each client's machine. Throws config_error for bad options.
    template <class Factory>
    basic_world(world_options options, Factory&& make, Probe probe = Probe{}, Queue queue = Queue{})
        : options_(std::move(options)), probe_(std::move(probe)), queue_(std::move(queue)),
          rng_(options_.seed) {
        validate_scenario(options_);
        for (bool& armed : armed_) {
            armed = options_.chaos.buggify_arm > 0 && unit() < options_.chaos.buggify_arm;
        }
        servers_.resize(options_.servers.size());
        bool contended = false;
        bool occ = false;
        bool silent_after = false;
        for (std::size_t s = 0; s < options_.servers.size(); ++s) {
            const server_options& so = options_.servers[s];
            servers_[s].accept_interval = so.accept_rate > 0 ? 1e9 / so.accept_rate : 0.0;
            for (std::size_t p = 0; p < so.schedule.size(); ++p) {
                if (so.schedule[p].at.count() == 0) {
                    servers_[s].phase = p; // in force before any client moves
                } else {
                    push(so.schedule[p].at.count(), kind::server_phase,
                         static_cast<std::uint32_t>(s), static_cast<std::uint16_t>(p));
                }
                contended = contended || so.schedule[p].mode == server_mode::contended;
                occ = occ || so.schedule[p].mode == server_mode::occ;
                silent_after = silent_after || so.schedule[p].mode == server_mode::silent_after;
            }
        }
        if (contended) {
            overlap_.resize(options_.clients);
        }
        if (occ) {
            read_version_.resize(options_.clients);
        }
        const liveness_options& lv = options_.liveness;
        if (lv.mode == liveness_mode::idle) {
            idle_.assign(options_.clients, redial::idle_timeout{lv.idle_timeout});
        } else if (lv.mode == liveness_mode::heartbeat) {
            beats_.assign(options_.clients,
                          redial::heartbeat_monitor{lv.ping_interval, lv.ping_timeout});
        }
        // A connected client may then have several events pending (a check, a silence, a
        // session end): its session's end cancels them all. Other worlds keep their traces.
        end_cancels_ = lv.mode != liveness_mode::none || silent_after;
        clients_.reserve(options_.clients);
        active_ = options_.clients;
        for (std::uint32_t i = 0; i < options_.clients; ++i) {
            clients_.emplace_back(make(i, client_seed(i)));
            client& c = clients_.back();
            c.server = static_cast<std::uint16_t>(i % options_.servers.size());
            if (options_.chaos.max_drift > 0) {
                c.drift = static_cast<float>((unit() * 2 - 1) * options_.chaos.max_drift);
            }
        }
        for (std::uint32_t i = 0; i < options_.clients; ++i) {
            if (options_.start_connected) {
                client& c = clients_[i];
                (void)c.m.start(time_point{});
                c.ph = client_phase::connecting;
                connected(i, c);
            } else if (options_.start_spread.count() > 0) {
                push(static_cast<std::int64_t>(unit() *
                                               static_cast<double>(options_.start_spread.count())),
                     kind::start, i, 0);
            } else {
                push(0, kind::start, i, 0);
            }
        }
        if (options_.chaos.partition_mean_interval.count() > 0) {
            push(exponential(options_.chaos.partition_mean_interval), kind::partition_start, 0, 0);
        }
    }

    /// Processes events until every client is done, has given up or is stopped (or, with
    /// nothing scheduled, until nothing can happen any more).
    void run() { run_until(time_point::max()); }

    /// Processes the events due at or before `t`, then sets the world's time to `t`.
    void run_until(time_point t) {
        const std::int64_t end = t.time_since_epoch().count();
        // Once every client is done, given up or stopped, server schedules and partitions
        // have nobody left to affect: the run is over.
        while (active_ > 0 && !queue_.empty()) {
            if (const event* ahead = queue_.peek_ahead(8)) {
                prefetch(ahead->key);
            }
            if (queue_.top().at > end) {
                break;
            }
            const event e = queue_.pop();
            popped_ = e.at;
            dispatch(e); // sets now_, unless the event was stale
        }
        now_ = std::max(now_, end == std::numeric_limits<std::int64_t>::max() ? now_ : end);
    }

    /// Stops every client still running at world time `t` (a scheduled event).
    void stop_all_at(time_point t) { push(at_or_now(t), kind::stop_all, 0, 0); }
    /// Stops one client at world time `t`.
    void stop_at(std::uint32_t client_id, time_point t) {
        push(at_or_now(t), kind::stop, checked(client_id), 0);
    }

    /// True when run() would have nothing left to do: every client is done, has given up or
    /// is stopped, or no event is scheduled (clients connected for good).
    [[nodiscard]] bool finished() const noexcept { return active_ == 0 || queue_.empty(); }
    /// Clients not yet done, given up or stopped.
    [[nodiscard]] std::uint64_t active_clients() const noexcept { return active_; }
    [[nodiscard]] time_point now() const noexcept {
        return time_point{std::chrono::nanoseconds{now_}};
    }
    [[nodiscard]] std::uint32_t clients() const noexcept {
        return static_cast<std::uint32_t>(clients_.size());
    }
    [[nodiscard]] const Machine& machine(std::uint32_t id) const { return clients_.at(id).m; }
    [[nodiscard]] client_phase phase_of(std::uint32_t id) const { return clients_.at(id).ph; }
    /// Client `id`'s own clock at world time `t` (differs from `t` only with clock drift).
    [[nodiscard]] time_point local_time(std::uint32_t id, time_point t) const {
        return time_point{
            std::chrono::nanoseconds{local(clients_.at(id), t.time_since_epoch().count())}};
    }
    /// A 64-bit digest of every event processed and every decision taken, in order.
    [[nodiscard]] std::uint64_t trace_hash() const noexcept { return hash_; }
    /// Events processed, and events skipped because what they were for had been cancelled.
    [[nodiscard]] std::uint64_t events() const noexcept { return events_; }
    [[nodiscard]] std::uint64_t stale_events() const noexcept { return stale_; }
    [[nodiscard]] bool armed(fault_point f) const noexcept {
        return armed_[static_cast<std::size_t>(f)];
    }
    [[nodiscard]] Probe& probe() noexcept { return probe_; }
    [[nodiscard]] const Probe& probe() const noexcept { return probe_; }
    [[nodiscard]] const world_options& options() const noexcept { return options_; }

    /// Client `id` is connected to a session that delivers nothing (its server is silent, hung
    /// or blackholed, or its session went silent), whether or not it noticed yet.
    [[nodiscard]] bool silent(std::uint32_t id) const {
        const client& c = clients_.at(id);
        return c.ph == client_phase::connected && c.quiet != hush::live;
    }
    /// Clients connected to a silent session (silent(id) for each; walks every client).
    [[nodiscard]] std::uint64_t silent_sessions() const noexcept {
        return static_cast<std::uint64_t>(
            std::count_if(clients_.begin(), clients_.end(), [](const client& c) {
                return c.ph == client_phase::connected && c.quiet != hush::live;
            }));
    }
    /// Client `id`'s liveness policy's last proof of life, on its clock (time_point{} without a
    /// policy).
    [[nodiscard]] time_point last_alive(std::uint32_t id) const {
        if (!beats_.empty()) {
            return beats_.at(id).last_alive();
        }
        return idle_.empty() ? time_point{} : idle_.at(id).last_alive();
    }
    /// Sessions a liveness policy ended while their server was still delivering (a quiet server
    /// under an idle timeout, replies later than the ping timeout): false positives.
    [[nodiscard]] std::uint64_t false_liveness_timeouts() const noexcept { return false_timeouts_; }
    /// The memory a client takes: its state (the machine included) plus its liveness policy.
    [[nodiscard]] std::size_t bytes_per_client() const noexcept {
        return sizeof(client) + (beats_.empty() ? 0 : sizeof(redial::heartbeat_monitor)) +
               (idle_.empty() ? 0 : sizeof(redial::idle_timeout));
    }

private:
    // Event kinds, in the order they are processed at equal times: world events first, and a
    // contended attempt ends before one that starts at the same instant (half-open intervals).
    // The occ kinds come last (older kinds keep their numbers, so their traces keep their
    // hashes); at one instant a write is applied before a read, so the read sees it.
    enum class kind : std::uint8_t {
        server_phase,
        partition_start,
        partition_end,
        stop_all,
        stop,
        overlap_end,
        connect_done,
        session_end,
        wait_done,
        start,
        occ_write, // the write reaches the server
        occ_read,  // the read reaches the server
        occ_reply, // the write's outcome reaches the client
        // A session goes silent before its policy's check at the same instant (which then sees
        // nothing from that instant on).
        session_silent, // silent_after: the session stops receiving
        liveness_check, // the client's liveness policy's check is due
    };

    // What a connected client's session still delivers.
    enum class hush : std::uint8_t {
        live, // the server's talk and ping replies arrive
        hung, // nothing, until its silent phase ends (SIGCONT)
        dead, // nothing, for good (blackhole, silent_after)
    };

    // The world's bookkeeping first: a stale event reads only the first cache line.
    struct client {
        explicit client(Machine machine) : m(std::move(machine)) {}
        std::uint32_t gen = 0;    // bumped (mod 2^29) to cancel the client's pending event
        std::uint16_t server = 0; // index into servers_
        std::uint16_t epoch = 0;  // its server's epoch when the attempt in flight began
        client_phase ph = client_phase::idle;
        errc pending = errc::none; // the outcome of the attempt in flight, or the close reason
        hush quiet = hush::live;   // its session's delivery (in padding: no extra byte)
        float drift = 0;           // its clock runs at (1 + drift) times world time
        Machine m;
    };

    struct server_state {
        std::size_t phase = 0;
        std::uint16_t epoch = 0; // bumped when its sessions are reset
        double accept_interval = 0;
        double next_free = 0; // when the accept queue drains
        std::uint64_t overlap_inflight = 0;
        std::uint64_t overlap_starts = 0;
        std::uint64_t version = 0; // occ: the record's version, bumped by each successful write
        std::uint32_t hung_accepts = 0; // silent: handshakes the kernel completed in the phase
    };

    struct overlap_slot {
        std::uint64_t starts_at_begin = 0;
        bool overlapped = false;
        bool active = false;
    };

    // A key is kind (4 bits), client or server number (31 bits), generation (29 bits): events
    // at one instant sort by kind, then by number. A client's generation is bumped each time
    // its pending event is cancelled; 2^29 cancellations before an old event could match again.
    static constexpr std::uint64_t gen_mask = (std::uint64_t{1} << 29) - 1;
    static constexpr std::uint64_t key_of(kind k, std::uint32_t id, std::uint32_t gen) noexcept {
        return (std::uint64_t{static_cast<std::uint8_t>(k)} << 60) | (std::uint64_t{id} << 29) |
               (gen & gen_mask);
    }
    static constexpr kind kind_of(std::uint64_t key) noexcept {
        return static_cast<kind>(key >> 60);
    }
    static constexpr std::uint32_t id_of(std::uint64_t key) noexcept {
        return static_cast<std::uint32_t>((key >> 29) & 0x7fff'ffff);
    }
    static constexpr std::uint32_t gen_of(std::uint64_t key) noexcept {
        return static_cast<std::uint32_t>(key & gen_mask);
    }

    static constexpr std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
        std::uint64_t z = h + v + 0x9e3779b97f4a7c15ULL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    // The world's seed is hashed before the client's number is added: mix(seed, i) alone
    // would give world seed s + 1's client i the seed of world seed s's client i + 1.
    std::uint64_t client_seed(std::uint32_t i) const noexcept {
        return mix(mix(options_.seed, 0x5eed0000'00000000ULL), i);
    }
    std::uint32_t checked(std::uint32_t id) const {
        if (id >= clients_.size()) {
            throw config_error("sim client", std::to_string(id), "is not a client of this world");
        }
        return id;
    }
    std::int64_t at_or_now(time_point t) const noexcept {
        return std::max({now_, popped_, t.time_since_epoch().count()});
    }

    double unit() noexcept { return redial::detail::unit_interval(rng_); }
    std::int64_t exponential(std::chrono::nanoseconds mean) noexcept {
        const double x = -std::log1p(-unit()) * static_cast<double>(mean.count());
        return std::max<std::int64_t>(1, redial::detail::from_double(x).count());
    }
    bool fires(fault_point f) noexcept {
        return armed_[static_cast<std::size_t>(f)] && unit() < options_.chaos.buggify_fire;
    }

    void push(std::int64_t at, kind k, std::uint32_t id, std::uint32_t gen) {
        queue_.push(event{at, key_of(k, id, gen)});
    }
    void push_client(std::int64_t at, kind k, std::uint32_t id, const client& c) {
        push(at, k, id, c.gen);
    }

    void prefetch(std::uint64_t key) noexcept {
        const std::uint32_t id = id_of(key);
        if (kind_of(key) >= kind::stop && id < clients_.size()) {
            // Clients are visited in time order, which is random in memory: fetch the whole
            // state of a client a few events before it is needed.
            const char* p = reinterpret_cast<const char*>(&clients_[id]);
            for (std::size_t line = 0; line < sizeof(client); line += 64) {
                detail::prefetch(p + line);
            }
            if (!beats_.empty()) {
                detail::prefetch(&beats_[id]);
            } else if (!idle_.empty()) {
                detail::prefetch(&idle_[id]);
            }
            if constexpr (prefetches<Probe>) {
                probe_.prefetch(id); // a probe with per-client state fetches it too
            }
        }
    }

    // The client's clock: world time scaled by its drift.
    static std::int64_t local(const client& c, std::int64_t t) noexcept {
        if (c.drift == 0.0F) {
            return t;
        }
        const double skew = std::floor(static_cast<double>(t) * c.drift);
        return redial::detail::sat_add(std::chrono::nanoseconds{t},
                                       redial::detail::from_double(skew))
            .count();
    }
    static time_point local_tp(const client& c, std::int64_t t) noexcept {
        return time_point{std::chrono::nanoseconds{local(c, t)}};
    }

    // World time at which `d` of the client's own time has passed since world time `from`.
    std::int64_t after_local(const client& c, std::int64_t from,
                             std::chrono::nanoseconds d) const noexcept {
        using redial::detail::sat_add;
        using ns = std::chrono::nanoseconds;
        if (c.drift == 0.0F) {
            return sat_add(ns{from}, d).count();
        }
        const double scaled = std::ceil(static_cast<double>(d.count()) / (1.0 + c.drift));
        std::int64_t at = sat_add(ns{from}, redial::detail::from_double(scaled)).count();
        const std::int64_t target = sat_add(ns{local(c, from)}, d).count();
        // Rounding may leave the estimate a few nanoseconds off either way: settle on the first
        // world nanosecond at which the client's clock has reached the target.
        if (at >= std::numeric_limits<std::int64_t>::max() / 2) {
            return at;
        }
        while (at > from && local(c, at - 1) >= target) {
            --at;
        }
        while (local(c, at) < target) {
            ++at;
        }
        return at;
    }

    template <class... A>
    void note(A... values) noexcept {
        ((hash_ = mix(hash_, static_cast<std::uint64_t>(values))), ...);
    }

    void dispatch(const event& e) {
        const kind k = kind_of(e.key);
        const std::uint32_t id = id_of(e.key);
        if (k >= kind::stop) {
            client& c = clients_[id];
            // A stop is not tied to what the client was doing when it was scheduled.
            if (k != kind::stop && gen_of(e.key) != (c.gen & gen_mask)) {
                ++stale_;
                return;
            }
            now_ = e.at;
            ++events_;
            note(e.at, e.key);
            switch (k) {
            case kind::stop:
                stop_client(id, c);
                return;
            case kind::overlap_end:
                overlap_end(id, c);
                return;
            case kind::occ_read:
                occ_read(id, c);
                return;
            case kind::occ_write:
                occ_write(id, c);
                return;
            case kind::occ_reply:
                occ_reply(id, c);
                return;
            case kind::connect_done:
                connect_done(id, c);
                return;
            case kind::session_end:
                session_ended(id, c, sim_error{c.pending});
                return;
            case kind::wait_done:
                apply(id, c, c.m.on_wait_done(local_tp(c, now_)));
                return;
            case kind::start:
                apply(id, c, c.m.start(local_tp(c, now_)));
                return;
            case kind::session_silent:
                silence(id, c, hush::dead);
                return;
            case kind::liveness_check:
                if (!beats_.empty()) {
                    check(id, c, beats_[id]);
                } else {
                    check(id, c, idle_[id]);
                }
                return;
            default:
                return;
            }
        }
        now_ = e.at;
        ++events_;
        note(e.at, e.key);
        switch (k) {
        case kind::server_phase:
            enter_phase(id, gen_of(e.key));
            return;
        case kind::partition_start:
            partition_start(id);
            return;
        case kind::partition_end:
            std::erase(partitions_, id);
            return;
        case kind::stop_all:
            for (std::uint32_t i = 0; i < clients_.size(); ++i) {
                stop_client(i, clients_[i]);
            }
            return;
        default:
            return;
        }
    }

    // Turns the machine's decision into the world's next event for this client.
    void apply(std::uint32_t id, client& c, decision d) {
        note(static_cast<std::uint64_t>(d.what), d.delay.count());
        switch (d.what) {
        case decision::kind::connect:
            begin_attempt(id, c);
            return;
        case decision::kind::wait:
            c.ph = client_phase::waiting;
            if constexpr (hears_backoff<Probe>) {
                probe_.on_backoff(id, backoff_event{d.delay, c.m.attempts() + 1, now()});
            }
            push_client(after_local(c, now_, d.delay), kind::wait_done, id, c);
            return;
        case decision::kind::give_up:
            c.ph = client_phase::gave_up;
            --active_;
            if constexpr (hears_give_up<Probe>) {
                const std::string message = c.m.give_up_message(); // only a probe that reads it
                probe_.on_give_up(id, give_up_event{message, now()});
            }
            return;
        }
    }

    void begin_attempt(std::uint32_t id, client& c) {
        c.ph = client_phase::connecting;
        if constexpr (hears_attempt<Probe>) {
            probe_.on_attempt(id, attempt_event{c.m.attempts(), now()});
        }
        server_state& sv = servers_[c.server];
        const server_options& so = options_.servers[c.server];
        const phase& ph = so.schedule[sv.phase];
        const std::int64_t latency = so.latency.count();
        const std::int64_t timeout = options_.connect_timeout.count();
        c.epoch = sv.epoch;
        auto finish = [&](errc outcome, std::int64_t after) {
            c.pending = outcome;
            push_client(redial::detail::sat_add(std::chrono::nanoseconds{now_},
                                                std::chrono::nanoseconds{after})
                            .count(),
                        kind::connect_done, id, c);
        };
        if (!partitions_.empty() && partitioned(id)) {
            finish(errc::timed_out, timeout);
            return;
        }
        switch (ph.mode) {
        case server_mode::down:
            finish(errc::unreachable, std::min(latency, timeout));
            return;
        case server_mode::refusing:
            finish(errc::refused, std::min(latency, timeout));
            return;
        case server_mode::hanging:
        case server_mode::blackhole:
            finish(errc::timed_out, timeout);
            return;
        case server_mode::silent:
            // The process is stopped, but the kernel completes handshakes into its accept queue
            // until the queue is full; nothing drains it. Later SYNs are dropped.
            if (sv.hung_accepts >= so.backlog || latency > timeout) {
                finish(errc::timed_out, timeout);
                return;
            }
            ++sv.hung_accepts;
            finish(errc::none, latency);
            return;
        case server_mode::contended: {
            overlap_slot& o = overlap_[id];
            o.starts_at_begin = ++sv.overlap_starts;
            o.overlapped = sv.overlap_inflight > 0;
            o.active = true;
            ++sv.overlap_inflight;
            push_client(later(latency), kind::overlap_end, id, c);
            return;
        }
        case server_mode::occ:
            push_client(later(hop(so)), kind::occ_read, id, c);
            return;
        case server_mode::up:
        case server_mode::reset_after:
        case server_mode::silent_after:
            break;
        }
        const chaos_options& ch = options_.chaos;
        if ((ch.refuse_probability > 0 && unit() < ch.refuse_probability) ||
            fires(fault_point::refuse_connect)) {
            finish(errc::refused, std::min(latency, timeout));
            return;
        }
        if ((ch.hang_probability > 0 && unit() < ch.hang_probability) ||
            fires(fault_point::hang_connect)) {
            finish(errc::timed_out, timeout);
            return;
        }
        // In double: a queue wait at a tiny accept rate, or a huge latency, may exceed any
        // duration; it is compared with the timeout before it becomes one.
        double done = static_cast<double>(latency) * (fires(fault_point::slow_connect) ? 10 : 1);
        if (sv.accept_interval > 0) {
            const double t = static_cast<double>(now_);
            const double queued = std::max(0.0, sv.next_free - t) / sv.accept_interval;
            if (queued >= static_cast<double>(so.backlog)) {
                finish(errc::timed_out, timeout); // the SYN is dropped: the backlog is full
                return;
            }
            sv.next_free = std::max(sv.next_free, t) + sv.accept_interval;
            done += std::ceil(sv.next_free - t);
        }
        if (!(done <= static_cast<double>(timeout))) {
            finish(errc::timed_out, timeout);
            return;
        }
        finish(errc::none, static_cast<std::int64_t>(done));
    }

    void connect_done(std::uint32_t id, client& c) {
        if (c.pending == errc::none && c.epoch != servers_[c.server].epoch) {
            c.pending = errc::reset; // the server went away while this connect was in flight
        }
        if (c.pending != errc::none) {
            attempt_failed(id, c);
            return;
        }
        connected(id, c);
    }

    // The attempt failed with c.pending (a connect, or an occ write that lost).
    void attempt_failed(std::uint32_t id, client& c) {
        const sim_error err{c.pending};
        report_connect_failed(id, c, err);
        apply(id, c, c.m.on_connect_failed(local_tp(c, now_), err));
    }

    // Kept apart from the machine's call: one function doing both made GCC inline apply()
    // differently and cost 1% more instructions per event, even with no probe.
    void report_connect_failed(std::uint32_t id, const client& c, sim_error err) {
        if constexpr (hears_connect_failed<Probe>) {
            const failure f{make_error_code(err.code)}; // no text: nothing allocated
            probe_.on_connect_failed(id, connect_failed_event{f, c.m.attempts(), now()});
        }
    }

    // The connect succeeded: the session runs until its server, chaos or a fault ends it.
    void connected(std::uint32_t id, client& c) {
        c.m.on_connected(local_tp(c, now_));
        c.ph = client_phase::connected;
        c.quiet = hush::live;
        if constexpr (hears_connected<Probe>) {
            probe_.on_connected(id, connected_event{c.m.attempts(), now()});
        }
        const phase& ph = options_.servers[c.server].schedule[servers_[c.server].phase];
        if (!beats_.empty()) {
            start_liveness(id, c, beats_[id]);
        } else if (!idle_.empty()) {
            start_liveness(id, c, idle_[id]);
        }
        if (ph.mode == server_mode::silent) {
            c.quiet = hush::hung; // accepted by the kernel; the process sends nothing
        } else if (ph.mode == server_mode::blackhole) {
            c.quiet = hush::dead; // the handshake completed just before the path went
        } else if (ph.mode == server_mode::silent_after) {
            if (ph.session_life.count() == 0) {
                c.quiet = hush::dead; // accept-then-hang
            } else {
                push_client(later(ph.session_life.count()), kind::session_silent, id, c);
            }
        }
        std::int64_t life = std::numeric_limits<std::int64_t>::max();
        errc why = errc::none;
        if (ph.mode == server_mode::reset_after) {
            life = ph.session_life.count();
            why = errc::reset;
        }
        if (options_.chaos.session_mean_life.count() > 0) {
            const std::int64_t l = exponential(options_.chaos.session_mean_life);
            if (l < life) {
                life = l;
                why = errc::chaos_close;
            }
        }
        if (fires(fault_point::drop_session)) {
            life = 0;
            why = errc::fault;
        }
        if (why != errc::none) {
            c.pending = why;
            push_client(redial::detail::sat_add(std::chrono::nanoseconds{now_},
                                                std::chrono::nanoseconds{life})
                            .count(),
                        kind::session_end, id, c);
        }
    }

    // `alive_until`: the session's last proof of life, when a liveness policy ended it; the
    // machine judges it on the uptime until then.
    void session_ended(std::uint32_t id, client& c, sim_error reason,
                       time_point alive_until = time_point::max()) {
        if (end_cancels_) {
            ++c.gen; // its pending check, silence or session end is void
        }
        const time_point local = local_tp(c, now_);
        const time_point until = std::min(alive_until, local);
        const decision d = c.m.on_session_end(local, reason, until);
        if constexpr (hears_disconnected<Probe>) {
            // The uptime on the client's own clock, the one its stability policy judged.
            const failure f{make_error_code(reason.code)};
            const time_point connected = c.m.connected_at();
            probe_.on_disconnected(id, disconnected_event{f, local - connected, c.m.last_verdict(),
                                                          redial::detail::elapsed(connected, until),
                                                          now()});
        }
        apply(id, c, d);
    }

    // --- liveness: traffic is modelled, not simulated byte by byte. A policy keeps only the
    // newest byte's time, so giving it the newest byte before each check decides exactly as
    // giving it every byte would: a check event per check the policy asks for is the only cost.

    template <class Policy>
    void start_liveness(std::uint32_t id, client& c, Policy& p) {
        const time_point first = p.on_connected(local_tp(c, now_));
        push_client(world_at(c, first), kind::liveness_check, id, c);
    }

    // The world time at which the client's clock reads `t` (now, if it already does).
    std::int64_t world_at(const client& c, time_point t) const noexcept {
        const std::int64_t from = local(c, now_);
        const std::int64_t target = t.time_since_epoch().count();
        return target <= from ? now_
                              : after_local(c, now_, std::chrono::nanoseconds{target - from});
    }

    // Where in talk_every client `id`'s bytes fall: the fleet spread evenly over it,
    // floor(every * id / clients) (in two parts: the product may not fit 64 bits).
    std::int64_t talk_offset(std::uint32_t id, std::int64_t every) const noexcept {
        const auto n = static_cast<std::int64_t>(clients_.size());
        return every / n * id + every % n * id / n;
    }
    // How long the reply to a ping sent at `sent` takes, drawn from the seed, the client and the
    // ping (no state: the same ping always gets the same reply).
    std::chrono::nanoseconds reply_after(std::uint32_t id, const server_options& so,
                                         time_point sent) const noexcept {
        std::chrono::nanoseconds rtt = so.ping_rtt;
        if (so.ping_rtt_jitter.count() > 0) {
            const std::uint64_t h =
                mix(mix(options_.seed ^ 0x9196'0000'0000'0000ULL, id),
                    static_cast<std::uint64_t>(sent.time_since_epoch().count()));
            const std::uint64_t span = static_cast<std::uint64_t>(so.ping_rtt_jitter.count()) + 1;
            rtt = redial::detail::sat_add(
                rtt, std::chrono::nanoseconds{static_cast<std::int64_t>(h % span)});
        }
        return rtt;
    }

    // Gives the policy the newest byte the session received at or before `limit` (the client's
    // clock): its server's talk, a byte every talk_every from the client's offset after the
    // connect, and the reply to the ping in flight.
    template <class Policy>
    void feed(std::uint32_t id, const client& c, Policy& p, std::int64_t limit) {
        using redial::detail::sat_add;
        using ns = std::chrono::nanoseconds;
        const server_options& so = options_.servers[c.server];
        std::int64_t newest = std::numeric_limits<std::int64_t>::min();
        if (const std::int64_t every = so.talk_every.count(); every > 0) {
            const std::int64_t first =
                sat_add(c.m.connected_at().time_since_epoch(), ns{talk_offset(id, every)}).count();
            if (limit >= first) {
                newest = first + (limit - first) / every * every;
            }
        }
        if constexpr (liveness_traits<Policy>::has_ping_sent_at) {
            const time_point sent = p.ping_sent_at();
            if (sent != time_point::max() && p.last_alive() < sent) {
                const std::int64_t reply =
                    sat_add(sent, reply_after(id, so, sent)).time_since_epoch().count();
                newest = reply <= limit ? std::max(newest, reply) : newest;
            }
        }
        if (newest != std::numeric_limits<std::int64_t>::min()) {
            p.on_received(time_point{ns{newest}});
        }
    }

    // The policy's check is due: it gets what arrived, then decides.
    template <class Policy>
    void check(std::uint32_t id, client& c, Policy& p) {
        const time_point local = local_tp(c, now_);
        if (c.quiet == hush::live) {
            feed(id, c, p, local.time_since_epoch().count());
        }
        const liveness_decision d = p.on_check(local);
        note(static_cast<std::uint64_t>(d.what), d.at.time_since_epoch().count());
        switch (d.what) {
        case liveness_decision::kind::ping:
            if constexpr (hears_ping<Probe>) {
                probe_.on_ping(id,
                               ping_event{redial::detail::elapsed(p.last_alive(), local), now()});
            }
            [[fallthrough]]; // the ping itself is modelled: its reply is reply_after() later
        case liveness_decision::kind::check:
            push_client(world_at(c, d.at), kind::liveness_check, id, c);
            return;
        case liveness_decision::kind::dead: {
            if constexpr (hears_liveness_timeout<Probe>) {
                std::chrono::nanoseconds unanswered{0};
                if constexpr (liveness_traits<Policy>::has_ping_sent_at) {
                    if (p.ping_sent_at() != time_point::max()) {
                        unanswered = redial::detail::elapsed(p.ping_sent_at(), local);
                    }
                }
                probe_.on_liveness_timeout(
                    id, liveness_timeout_event{redial::detail::elapsed(p.last_alive(), local),
                                               unanswered, now()});
            }
            false_timeouts_ += c.quiet == hush::live ? 1 : 0;
            session_ended(id, c, sim_error{errc::no_data}, p.last_alive());
            return;
        }
        }
    }

    // The session receives nothing from now on (`hung`: until its silent phase ends); its
    // policy first gets what arrived before this instant. Dead stays dead.
    void silence(std::uint32_t id, client& c, hush how) {
        if (c.quiet == hush::live) {
            const std::int64_t before = local(c, now_) - 1;
            if (!beats_.empty()) {
                feed(id, c, beats_[id], before);
            } else if (!idle_.empty()) {
                feed(id, c, idle_[id], before);
            }
        }
        c.quiet = c.quiet == hush::dead ? hush::dead : how;
    }

    // A hung session's server came back (SIGCONT): what it queued arrives at once, a byte if
    // it talks or a ping waits for its reply.
    template <class Policy>
    void resume_delivery(const client& c, Policy& p) {
        bool queued = options_.servers[c.server].talk_every.count() > 0;
        if constexpr (liveness_traits<Policy>::has_ping_sent_at) {
            queued = queued ||
                     (p.ping_sent_at() != time_point::max() && p.last_alive() < p.ping_sent_at());
        }
        if (queued) {
            p.on_received(local_tp(c, now_));
        }
    }

    void resume(std::uint32_t s) {
        for (std::uint32_t i = 0; i < clients_.size(); ++i) {
            client& c = clients_[i];
            if (c.server != s || c.ph != client_phase::connected || c.quiet != hush::hung) {
                continue;
            }
            c.quiet = hush::live;
            if (!beats_.empty()) {
                resume_delivery(c, beats_[i]);
            } else if (!idle_.empty()) {
                resume_delivery(c, idle_[i]);
            }
            note(i, 0x5e5eULL);
            if constexpr (hears_resumed<Probe>) {
                probe_.on_resumed(i, resumed_event{now()});
            }
        }
    }

    // Ends an open session now (its server changed phase, or a partition cut it).
    void cut(std::uint32_t id, client& c, errc why) {
        ++c.gen; // its pending session end, if any, is void
        session_ended(id, c, sim_error{why});
    }

    void overlap_end(std::uint32_t id, client& c) {
        server_state& sv = servers_[c.server];
        overlap_slot& o = overlap_[id];
        o.active = false;
        --sv.overlap_inflight;
        if (o.overlapped || sv.overlap_starts != o.starts_at_begin) {
            const sim_error err{errc::conflict};
            report_connect_failed(id, c, err);
            apply(id, c, c.m.on_connect_failed(local_tp(c, now_), err));
            return;
        }
        write_succeeded(id, c);
    }

    // occ: one hop of the client's server, from the world's generator.
    std::int64_t hop(const server_options& so) noexcept {
        return detail::normal_hop(rng_, so.hop_mean, so.hop_stddev).count();
    }

    // occ, at the server: the read takes the record's version; the reply and the write that
    // carries it are two more hops. An attempt begun in an occ phase ends by these rules even
    // if the server's phase changes meanwhile (a schedule mixing occ with others is unusual).
    void occ_read(std::uint32_t id, client& c) {
        read_version_[id] = servers_[c.server].version;
        const server_options& so = options_.servers[c.server];
        const std::int64_t reply = hop(so);
        push_client(redial::detail::sat_add(std::chrono::nanoseconds{later(reply)},
                                            std::chrono::nanoseconds{hop(so)})
                        .count(),
                    kind::occ_write, id, c);
    }

    // occ, at the server: the first write carrying the current version wins and bumps it.
    void occ_write(std::uint32_t id, client& c) {
        server_state& sv = servers_[c.server];
        if (read_version_[id] == sv.version) {
            ++sv.version;
            c.pending = errc::none;
        } else {
            c.pending = errc::conflict;
        }
        note(sv.version);
        push_client(later(hop(options_.servers[c.server])), kind::occ_reply, id, c);
    }

    // occ, at the client: the write's outcome arrives.
    void occ_reply(std::uint32_t id, client& c) {
        if (c.pending != errc::none) {
            attempt_failed(id, c);
            return;
        }
        write_succeeded(id, c);
    }

    // A contended or occ write succeeded: the client is done.
    void write_succeeded(std::uint32_t id, client& c) {
        c.m.on_connected(local_tp(c, now_));
        c.ph = client_phase::done;
        --active_;
        if constexpr (hears_connected<Probe>) {
            probe_.on_connected(id, connected_event{c.m.attempts(), now()});
        }
        if constexpr (hears_done<Probe>) {
            probe_.on_done(id, done_event{c.m.attempts(), now()});
        }
    }

    static bool finished(const client& c) noexcept {
        return c.ph == client_phase::done || c.ph == client_phase::gave_up ||
               c.ph == client_phase::stopped;
    }

    void stop_client(std::uint32_t id, client& c) {
        if (finished(c)) {
            return;
        }
        --active_;
        ++c.gen;
        if (!overlap_.empty() && overlap_[id].active) {
            overlap_[id].active = false;
            --servers_[c.server].overlap_inflight;
        }
        c.ph = client_phase::stopped;
        note(id, 0x570bULL);
        if constexpr (hears_stopped<Probe>) {
            probe_.on_stopped(id, stopped_event{now()});
        }
    }

    void enter_phase(std::uint32_t s, std::uint32_t p) {
        server_state& sv = servers_[s];
        const server_mode before = options_.servers[s].schedule[sv.phase].mode;
        sv.phase = p;
        const server_mode mode = options_.servers[s].schedule[p].mode;
        if (mode == server_mode::up) {
            if (before == server_mode::silent) {
                resume(s); // SIGCONT: the sessions it hung, still open, receive again
            }
            return;
        }
        if (mode == server_mode::silent || mode == server_mode::blackhole) {
            // Hung or gone without a word: every open session stays open and goes silent.
            if (mode == server_mode::silent && before != server_mode::silent) {
                sv.hung_accepts = 0;
            }
            const hush how = mode == server_mode::silent ? hush::hung : hush::dead;
            for (std::uint32_t i = 0; i < clients_.size(); ++i) {
                client& c = clients_[i];
                if (c.server == s && c.ph == client_phase::connected) {
                    silence(i, c, how);
                }
            }
            return;
        }
        // Restarted or gone: every open session on it is reset, in client order.
        ++sv.epoch;
        sv.next_free = 0;
        for (std::uint32_t i = 0; i < clients_.size(); ++i) {
            client& c = clients_[i];
            if (c.server == s && c.ph == client_phase::connected) {
                cut(i, c, errc::reset);
            }
        }
    }

    bool member(std::uint32_t partition, std::uint32_t id) const noexcept {
        const std::uint64_t h = mix(options_.seed ^ (std::uint64_t{partition} << 32), id);
        return static_cast<double>(h >> 11) * 0x1.0p-53 < options_.chaos.partition_fraction;
    }
    bool partitioned(std::uint32_t id) const noexcept {
        return std::any_of(partitions_.begin(), partitions_.end(),
                           [&](std::uint32_t p) { return member(p, id); });
    }

    std::int64_t later(std::int64_t d) const noexcept {
        return redial::detail::sat_add(std::chrono::nanoseconds{now_}, std::chrono::nanoseconds{d})
            .count();
    }

    void partition_start(std::uint32_t p) {
        if (active_ == 0) {
            return; // nobody left to cut off: the chain of partitions ends with the run
        }
        partitions_.push_back(p);
        push(later(exponential(options_.chaos.partition_mean_duration)), kind::partition_end, p, 0);
        if (p + 1 < (std::uint32_t{1} << 31)) {
            push(later(exponential(options_.chaos.partition_mean_interval)), kind::partition_start,
                 p + 1, 0);
        }
        for (std::uint32_t i = 0; i < clients_.size(); ++i) {
            client& c = clients_[i];
            if (c.ph == client_phase::connected && member(p, i)) {
                cut(i, c, errc::partitioned);
            }
        }
    }

    world_options options_;
    [[no_unique_address]] Probe probe_;
    Queue queue_;
    splitmix64 rng_;
    std::vector<client> clients_;
    std::vector<server_state> servers_;
    std::vector<overlap_slot> overlap_;
    std::vector<std::uint64_t> read_version_; // occ: the version each client's read returned
    // The clients' liveness policies, one per client in the vector of the chosen mode (none:
    // both empty, no byte per client).
    std::vector<redial::idle_timeout> idle_;
    std::vector<redial::heartbeat_monitor> beats_;
    bool end_cancels_ = false; // a session's end bumps the generation (see the constructor)
    std::vector<std::uint32_t> partitions_;
    std::array<bool, static_cast<std::size_t>(fault_point::count_)> armed_{};
    std::int64_t now_ = 0;     // the time of the last event processed
    std::int64_t popped_ = 0;  // the time of the last event taken from the queue, stale or not
    std::uint64_t active_ = 0; // clients not yet done, given up or stopped
    std::uint64_t hash_ = 0x7265'6469'616cULL; // "redial"
    std::uint64_t events_ = 0;
    std::uint64_t stale_ = 0;
    std::uint64_t false_timeouts_ = 0;
};

/// A world of identical clients running `Backoff` and `Stability` on the core machine.
template <backoff_policy Backoff, stability_policy Stability = uptime_threshold,
          class Probe = null_probe, class Queue = event_wheel>
using world = basic_world<basic_reconnect_machine<Backoff, Stability, sim_error>, Probe, Queue>;

} // namespace redial::sim

#endif
