#ifndef REDIAL_TESTS_SUPPORT_SIM_INVARIANTS_HPP
#define REDIAL_TESTS_SUPPORT_SIM_INVARIANTS_HPP

// A probe that checks the reconnect rules on every client of a simulated world, on each
// client's own clock, and collects violations as text (so a test prints the first ones).

#include <redial/observer/hooks.hpp>
#include <redial/random.hpp>
#include <redial/sim/world.hpp>
#include <redial/stability/uptime_threshold.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace redial::test {

template <class Backoff>
struct sim_invariants {
    struct client {
        Backoff shadow;            // the policy's own sequence, replayed
        time_point window_start{}; // local: start of the current failing streak
        time_point due{};          // local: the earliest next attempt
        bool started = false, connected = false, finished = false, fresh_window = true;
        std::deque<time_point> recent; // local times of attempts in the last minute
    };

    std::chrono::nanoseconds timeout{std::chrono::minutes{5}};
    std::size_t max_per_minute = 0;                             // 0: not checked
    std::function<time_point(std::uint32_t, time_point)> local; // world time -> client's clock
    std::vector<client> clients;
    std::vector<std::string> violations;
    std::uint64_t attempts = 0, give_ups = 0, stops = 0;

private:
    std::function<Backoff(std::uint32_t)> policy_of_;

public:
    // Clients are created on first use: a world builds its clients (and so the policies to
    // replay) after its probe.
    explicit sim_invariants(std::function<Backoff(std::uint32_t)> policy_of)
        : policy_of_(std::move(policy_of)) {}

    void fail(std::uint32_t id, time_point t, const std::string& what) {
        if (violations.size() < 20) {
            violations.push_back("client " + std::to_string(id) + " at " +
                                 std::to_string(t.time_since_epoch().count()) + " ns: " + what);
        }
    }
    time_point mine(std::uint32_t id, time_point t) const { return local ? local(id, t) : t; }
    client& alive(std::uint32_t id, time_point t, const char* hook) {
        while (clients.size() <= id) {
            clients.push_back(client{policy_of_(static_cast<std::uint32_t>(clients.size())),
                                     {},
                                     {},
                                     false,
                                     false,
                                     false,
                                     true,
                                     {}});
        }
        client& c = clients[id];
        if (c.finished) {
            fail(id, t, std::string(hook) + " after the client finished");
        }
        return c;
    }

    void on_attempt(std::uint32_t id, const attempt_event& e) {
        const time_point t = e.at;
        ++attempts;
        client& c = alive(id, t, "on_attempt");
        const time_point now = mine(id, t);
        if (c.connected) {
            fail(id, t, "an attempt while a session is open");
        }
        if (!c.started) {
            c.started = true;
            c.window_start = now;
        } else {
            if (now < c.due) {
                fail(id, t, "attempt earlier than the policy allows");
            }
            if (!c.fresh_window && now - c.window_start > timeout) {
                fail(id, t, "attempt after the give-up window");
            }
        }
        c.fresh_window = false;
        c.recent.push_back(now);
        while (now - c.recent.front() >= std::chrono::minutes{1}) {
            c.recent.pop_front();
        }
        if (max_per_minute != 0 && c.recent.size() > max_per_minute) {
            fail(id, t, "busy loop: " + std::to_string(c.recent.size()) + " attempts in a minute");
        }
    }
    void on_connected(std::uint32_t id, const connected_event& e) {
        const time_point t = e.at;
        client& c = alive(id, t, "on_connected");
        if (!c.started) { // a world that starts its clients connected: the window opens here
            c.started = true;
            c.window_start = mine(id, t);
        }
        if (c.connected) {
            fail(id, t, "a second session while one is open");
        }
        c.connected = true;
    }
    void on_disconnected(std::uint32_t id, const disconnected_event& e) {
        const time_point t = e.at;
        const verdict v = e.verdict;
        client& c = alive(id, t, "on_disconnected");
        if (!c.connected) {
            fail(id, t, "a session ended that was not open");
        }
        c.connected = false;
        if (v == verdict::stable) {
            c.shadow.reset();
            c.window_start = mine(id, t);
            c.fresh_window = true;
        }
    }
    void on_backoff(std::uint32_t id, const backoff_event& e) {
        const time_point t = e.at;
        const std::chrono::nanoseconds d = e.delay;
        client& c = alive(id, t, "on_backoff");
        const std::chrono::nanoseconds expected = c.shadow.next();
        if (d != expected) {
            fail(id, t,
                 "delay " + std::to_string(d.count()) + " ns, the policy says " +
                     std::to_string(expected.count()));
        }
        c.due = mine(id, t) + d;
    }
    void on_give_up(std::uint32_t id, const give_up_event& e) {
        const time_point t = e.at;
        ++give_ups;
        client& c = alive(id, t, "on_give_up");
        if (!(mine(id, t) - c.window_start > timeout)) {
            fail(id, t, "gave up inside the window");
        }
        c.finished = true;
    }
    void on_done(std::uint32_t id, const sim::done_event& e) {
        alive(id, e.at, "on_done").finished = true;
    }
    void on_stopped(std::uint32_t id, const stopped_event& e) {
        ++stops;
        alive(id, e.at, "on_stopped").finished = true;
    }
};

/// A random chaotic world for a seed: 12 clients, one or two servers with six random phases
/// (every mode but contended), random capacity, latency and connect timeout, and random session
/// closes, refusals, hangs, partitions, clock drift and armed fault points.
inline sim::world_options chaos_world(std::uint64_t seed) {
    using namespace std::chrono_literals;
    splitmix64 g(seed);
    auto pick = [&](std::uint64_t n) { return g() % n; };
    sim::world_options o;
    o.clients = 12;
    o.seed = seed;
    o.connect_timeout = std::chrono::seconds{1 + pick(10)};
    o.start_spread = 3s;
    o.servers.resize(1 + pick(2));
    for (auto& s : o.servers) {
        s.latency = std::chrono::milliseconds{pick(50)};
        s.accept_rate = pick(2) == 0 ? 0.0 : 5.0;
        s.backlog = static_cast<std::uint32_t>(1 + pick(4));
        s.schedule.clear();
        std::chrono::nanoseconds at{0};
        for (int p = 0; p < 6; ++p) {
            const auto mode = static_cast<sim::server_mode>(pick(5));
            s.schedule.push_back({at, mode, std::chrono::milliseconds{1 + pick(3000)}});
            at += std::chrono::seconds{1 + pick(60)};
        }
    }
    o.chaos.session_mean_life = std::chrono::seconds{pick(2) * (1 + pick(30))};
    o.chaos.refuse_probability = 0.1 * static_cast<double>(pick(3));
    o.chaos.hang_probability = 0.05 * static_cast<double>(pick(3));
    o.chaos.partition_mean_interval = std::chrono::seconds{pick(2) * (5 + pick(60))};
    o.chaos.max_drift = 0.02 * static_cast<double>(pick(2));
    o.chaos.buggify_arm = 0.3;
    return o;
}

struct chaos_outcome {
    std::uint64_t trace_hash = 0;
    std::vector<std::string> violations;
    std::uint64_t attempts = 0, give_ups = 0, stops = 0, events = 0;
};

/// Runs chaos_world(seed) with `policy` (give up after 90 s), stopped at a random time between
/// 1 and 5 minutes, and checks every rule; `floor` is the policy's shortest delay, which bounds
/// attempts per minute.
template <class Backoff>
chaos_outcome run_chaos_seed(std::uint64_t seed, const Backoff& policy,
                             std::chrono::nanoseconds floor) {
    using namespace std::chrono_literals;
    using probe = sim_invariants<Backoff>;
    using machine = basic_reconnect_machine<Backoff, uptime_threshold, sim::sim_error>;
    machine_options mo;
    mo.give_up_timeout = 90s;
    const sim::world_options o = chaos_world(seed);
    auto make = sim::identical_clients(policy, uptime_threshold{}, mo);
    // The shadow policies replay each client's own sequence (the same per-client seed).
    std::vector<Backoff> shadows;
    sim::basic_world<machine, probe> w(
        o,
        [&](std::uint32_t id, std::uint64_t s) {
            machine m = make(id, s);
            shadows.push_back(m.backoff());
            return m;
        },
        probe([&](std::uint32_t id) { return shadows.at(id); }));
    probe& p = w.probe();
    p.timeout = mo.give_up_timeout;
    p.max_per_minute = static_cast<std::size_t>(60s / floor) + 2; // give or take drift
    p.local = [&w](std::uint32_t id, time_point t) { return w.local_time(id, t); };
    const auto stop = std::chrono::seconds{60 + splitmix64(seed)() % 240};
    w.stop_all_at(time_point{stop});
    w.run();
    chaos_outcome r;
    r.violations = p.violations;
    for (std::uint32_t i = 0; i < o.clients; ++i) {
        const auto ph = w.phase_of(i);
        if (ph != sim::client_phase::gave_up && ph != sim::client_phase::stopped) {
            r.violations.push_back("client " + std::to_string(i) + " neither stopped nor gave up");
        }
    }
    if (p.give_ups + p.stops != o.clients) {
        r.violations.push_back("give-ups and stops do not add up to the clients");
    }
    if (w.now() > time_point{stop}) {
        r.violations.push_back("an event after the stop");
    }
    r.trace_hash = w.trace_hash();
    r.attempts = p.attempts;
    r.give_ups = p.give_ups;
    r.stops = p.stops;
    r.events = w.events();
    return r;
}

} // namespace redial::test

#endif
