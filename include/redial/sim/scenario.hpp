#ifndef REDIAL_SIM_SCENARIO_HPP
#define REDIAL_SIM_SCENARIO_HPP

// What a simulated world is made of (servers and their schedules, chaos, the fleet), and its
// validation. The engine that runs it is sim/world.hpp.

#include <redial/detail/check.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redial::sim {

/// What a simulated server does during a phase of its schedule.
enum class server_mode : std::uint8_t {
    up,          ///< accepts (within its capacity); sessions last until a phase ends them
    down,        ///< the host is gone: connects fail "host unreachable" after the latency
    refusing,    ///< the process is gone: connects fail "connection refused" after the latency
    reset_after, ///< accepts, then resets every session after `session_life` (a flapping server)
    hanging,     ///< connects get no answer and time out after the connect timeout
    contended,   ///< overlap: an attempt holds the shared state for the latency and succeeds
                 ///< only if no other attempt overlaps it (both fail); a success finishes the
                 ///< client
    occ,         ///< AWS's optimistic concurrency: an attempt reads the record's version and
                 ///< writes it back, each a round trip of two hops drawn from N(hop_mean,
                 ///< hop_stddev); the first write carrying the current version succeeds and
                 ///< finishes the client, later ones fail "conflicting write"
    // The silent modes: a connection stays open but nothing arrives (see liveness_options).
    silent,       ///< hung (SIGSTOP): open sessions receive nothing; the kernel still completes
                  ///< `backlog` handshakes, so connects succeed and are silent, later ones time
                  ///< out; when the phase ends the sessions still open resume (SIGCONT)
    blackhole,    ///< gone without a word (a crashed host, a dropped route or NAT mapping): open
                  ///< sessions receive nothing ever again, connects time out
    silent_after, ///< accepts, then each session goes silent for good `session_life` after its
                  ///< connect (0: accept-then-hang)
};

/// The name of a mode as the tools print it: "up", "down", "refusing", ...
constexpr std::string_view to_string(server_mode m) noexcept {
    constexpr std::array<std::string_view, 10> names{
        "up",        "down", "refusing", "reset_after", "hanging",
        "contended", "occ",  "silent",   "blackhole",   "silent_after"};
    return names[static_cast<std::size_t>(m)];
}

/// From `at` on (world time), the server behaves as `mode`. A change to any mode but `up`,
/// `silent` and `blackhole` resets the sessions open on that server (it restarted or died);
/// those three leave them open (silent and blackhole silence them).
struct phase {
    std::chrono::nanoseconds at{0};
    server_mode mode = server_mode::up;
    std::chrono::nanoseconds session_life{0}; ///< reset_after and silent_after only
};

struct server_options {
    std::vector<phase> schedule{phase{}};
    /// Accepts per second; 0 = unlimited. Connects beyond it queue in the backlog; when the
    /// backlog is full, or the queue wait exceeds the connect timeout, the client sees a timeout.
    double accept_rate = 0;
    std::uint32_t backlog = 4096;
    /// A connect's round trip (and the hold time of a contended attempt).
    std::chrono::nanoseconds latency{std::chrono::milliseconds{1}};
    /// occ: each one-way hop takes a normal draw with this mean and standard deviation (AWS's
    /// simulator: 10 ms and 2 ms); a draw below zero is redrawn. `latency` is not used.
    std::chrono::nanoseconds hop_mean{std::chrono::milliseconds{10}};
    std::chrono::nanoseconds hop_stddev{std::chrono::milliseconds{2}};
    /// What a session that is not silent receives, for the clients' liveness policies (traffic
    /// is modelled, not simulated byte by byte): a byte every `talk_every` (0: the server
    /// speaks only when pinged), each client's bytes offset by its own fraction of it; and the
    /// reply to a ping, `ping_rtt` plus a draw from [0, ping_rtt_jitter] after it.
    std::chrono::nanoseconds talk_every{0};
    std::chrono::nanoseconds ping_rtt{std::chrono::milliseconds{1}};
    std::chrono::nanoseconds ping_rtt_jitter{0};
};

/// How the clients notice a connection that stays open but delivers nothing: not at all, by
/// redial::idle_timeout, or by redial::heartbeat_monitor (one policy per client, on its clock).
enum class liveness_mode : std::uint8_t { none, idle, heartbeat };

/// "none", "idle" or "heartbeat" (configuration's names for the policies).
constexpr std::string_view to_string(liveness_mode m) noexcept {
    constexpr std::array<std::string_view, 3> names{"none", "idle", "heartbeat"};
    return names[static_cast<std::size_t>(m)];
}

struct liveness_options {
    liveness_mode mode = liveness_mode::none;
    std::chrono::nanoseconds idle_timeout{std::chrono::seconds{20}};  ///< idle
    std::chrono::nanoseconds ping_interval{std::chrono::seconds{10}}; ///< heartbeat
    std::chrono::nanoseconds ping_timeout{std::chrono::seconds{10}};  ///< heartbeat
};

/// Faults injected at random, all drawn from the world's seed. Zero turns each off.
struct chaos_options {
    /// Healthy sessions close after an exponentially distributed lifetime with this mean.
    std::chrono::nanoseconds session_mean_life{0};
    double refuse_probability = 0; ///< each connect to an up server is refused
    double hang_probability = 0;   ///< each connect to an up server hangs until the timeout
    /// Partitions start at exponentially distributed intervals of this mean; each cuts a
    /// `partition_fraction` of the clients (their sessions end, their connects time out) for an
    /// exponentially distributed duration of mean `partition_mean_duration`.
    std::chrono::nanoseconds partition_mean_interval{0};
    std::chrono::nanoseconds partition_mean_duration{std::chrono::seconds{10}};
    double partition_fraction = 0.1;
    /// Each client's clock runs fast or slow by a rate drawn from [-max_drift, +max_drift]
    /// (0.01 = ±1%); its policy's delays are measured on its own clock.
    double max_drift = 0;
    /// Fault points ("buggify"): each is armed for a run with this probability, and an armed
    /// point fires with `buggify_fire` each time the world passes it.
    double buggify_arm = 0;
    double buggify_fire = 0.05;
};

/// The fault points a run may arm (see chaos_options::buggify_arm).
enum class fault_point : std::uint8_t {
    refuse_connect, ///< an up server refuses this connect
    hang_connect,   ///< this connect hangs until the timeout
    slow_connect,   ///< this connect takes ten times the latency
    drop_session,   ///< this session is reset as soon as it connects
    count_
};

struct world_options {
    std::uint32_t clients = 1;
    std::uint64_t seed = 1;
    std::chrono::nanoseconds connect_timeout{std::chrono::seconds{10}};
    /// Client i uses server i % servers.size().
    std::vector<server_options> servers{server_options{}};
    chaos_options chaos{};
    /// Clients begin connected at time zero (an outage scenario) instead of starting.
    bool start_connected = false;
    /// Otherwise each client starts at a time drawn uniformly from [0, start_spread).
    std::chrono::nanoseconds start_spread{0};
    /// The clients' liveness policy (none: a silent session stays open for ever).
    liveness_options liveness{};
};

namespace detail {
inline void require_probability(std::string_view key, double p) {
    if (!(p >= 0.0 && p <= 1.0)) {
        throw config_error(key, redial::detail::format_number(p), "must be between 0 and 1");
    }
}
} // namespace detail

/// Throws config_error naming the first bad key (e.g. "sim.servers[0].schedule[1].at").
inline void validate_scenario(const world_options& o) {
    using redial::detail::require_non_negative;
    if (o.clients == 0 || o.clients > (std::uint32_t{1} << 31)) {
        throw config_error("sim.clients", std::to_string(o.clients),
                           "must be between 1 and 2147483648");
    }
    redial::detail::require_positive("sim.connect-timeout", o.connect_timeout);
    require_non_negative("sim.start-spread", o.start_spread);
    if (o.servers.empty() || o.servers.size() > 65535) {
        throw config_error("sim.servers", std::to_string(o.servers.size()),
                           "must be between 1 and 65535 servers");
    }
    for (std::size_t s = 0; s < o.servers.size(); ++s) {
        const server_options& sv = o.servers[s];
        const std::string key = "sim.servers[" + std::to_string(s) + "]";
        if (!(std::isfinite(sv.accept_rate) && sv.accept_rate >= 0.0 && sv.accept_rate <= 1e9)) {
            throw config_error(key + ".accept-rate", redial::detail::format_number(sv.accept_rate),
                               "must be between 0 (unlimited) and 1e9 per second");
        }
        require_non_negative(key + ".latency", sv.latency);
        require_non_negative(key + ".hop-mean", sv.hop_mean);
        require_non_negative(key + ".hop-stddev", sv.hop_stddev);
        require_non_negative(key + ".talk-every", sv.talk_every);
        require_non_negative(key + ".ping-rtt", sv.ping_rtt);
        require_non_negative(key + ".ping-rtt-jitter", sv.ping_rtt_jitter);
        if (sv.schedule.empty() || sv.schedule.size() > 65535) {
            throw config_error(key + ".schedule", std::to_string(sv.schedule.size()),
                               "must have between 1 and 65535 phases");
        }
        for (std::size_t p = 0; p < sv.schedule.size(); ++p) {
            const phase& ph = sv.schedule[p];
            const std::string pk = key + ".schedule[" + std::to_string(p) + "]";
            require_non_negative(pk + ".at", ph.at);
            if (p > 0 && ph.at < sv.schedule[p - 1].at) {
                throw config_error(pk + ".at", format_duration(ph.at),
                                   "phases must be in time order");
            }
            if (static_cast<std::uint8_t>(ph.mode) >
                static_cast<std::uint8_t>(server_mode::silent_after)) {
                throw config_error(pk + ".mode", std::to_string(static_cast<unsigned>(ph.mode)),
                                   "is not a server_mode");
            }
            if (ph.mode == server_mode::reset_after) {
                redial::detail::require_positive(pk + ".session-life", ph.session_life);
            }
            if (ph.mode == server_mode::silent_after) {
                require_non_negative(pk + ".session-life", ph.session_life);
            }
        }
    }
    if (o.start_connected) {
        for (std::size_t s = 0; s < o.servers.size(); ++s) {
            server_mode m = server_mode::up; // the phase in force at zero: the last one at zero
            for (const phase& ph : o.servers[s].schedule) {
                if (ph.at.count() == 0) {
                    m = ph.mode;
                }
            }
            if (m != server_mode::up && m != server_mode::reset_after && m != server_mode::silent &&
                m != server_mode::silent_after) {
                throw config_error("sim.start-connected", "true",
                                   "needs every server accepting at time zero (server " +
                                       std::to_string(s) + " starts " + std::string(to_string(m)) +
                                       ")");
            }
        }
    }
    const chaos_options& c = o.chaos;
    require_non_negative("sim.chaos.session-mean-life", c.session_mean_life);
    detail::require_probability("sim.chaos.refuse-probability", c.refuse_probability);
    detail::require_probability("sim.chaos.hang-probability", c.hang_probability);
    require_non_negative("sim.chaos.partition-mean-interval", c.partition_mean_interval);
    if (c.partition_mean_interval.count() > 0) {
        redial::detail::require_positive("sim.chaos.partition-mean-duration",
                                         c.partition_mean_duration);
    }
    detail::require_probability("sim.chaos.partition-fraction", c.partition_fraction);
    if (!(c.max_drift >= 0.0 && c.max_drift <= 0.5)) {
        throw config_error("sim.chaos.max-drift", redial::detail::format_number(c.max_drift),
                           "must be between 0 and 0.5");
    }
    detail::require_probability("sim.chaos.buggify-arm", c.buggify_arm);
    detail::require_probability("sim.chaos.buggify-fire", c.buggify_fire);
    const liveness_options& l = o.liveness;
    if (static_cast<std::uint8_t>(l.mode) > static_cast<std::uint8_t>(liveness_mode::heartbeat)) {
        throw config_error("sim.liveness.mode", std::to_string(static_cast<unsigned>(l.mode)),
                           "is not a liveness_mode");
    }
    if (l.mode == liveness_mode::idle) {
        redial::detail::require_positive("sim.liveness.idle-timeout", l.idle_timeout);
    }
    if (l.mode == liveness_mode::heartbeat) {
        redial::detail::require_positive("sim.liveness.ping-interval", l.ping_interval);
        redial::detail::require_positive("sim.liveness.ping-timeout", l.ping_timeout);
    }
}

} // namespace redial::sim

#endif
