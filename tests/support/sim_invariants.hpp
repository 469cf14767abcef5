#ifndef REDIAL_TESTS_SUPPORT_SIM_INVARIANTS_HPP
#define REDIAL_TESTS_SUPPORT_SIM_INVARIANTS_HPP

// A probe that checks the reconnect rules on every client of a simulated world, on each
// client's own clock, and collects violations as text (so a test prints the first ones).

#include <redial/sim/world.hpp>

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

    void on_attempt(std::uint32_t id, time_point t) {
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
    void on_connected(std::uint32_t id, time_point t) {
        client& c = alive(id, t, "on_connected");
        if (c.connected) {
            fail(id, t, "a second session while one is open");
        }
        c.connected = true;
    }
    void on_session_end(std::uint32_t id, time_point t, const sim::error&, verdict v) {
        client& c = alive(id, t, "on_session_end");
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
    void on_backoff(std::uint32_t id, time_point t, std::chrono::nanoseconds d) {
        client& c = alive(id, t, "on_backoff");
        const std::chrono::nanoseconds expected = c.shadow.next();
        if (d != expected) {
            fail(id, t,
                 "delay " + std::to_string(d.count()) + " ns, the policy says " +
                     std::to_string(expected.count()));
        }
        c.due = mine(id, t) + d;
    }
    void on_give_up(std::uint32_t id, time_point t) {
        ++give_ups;
        client& c = alive(id, t, "on_give_up");
        if (!(mine(id, t) - c.window_start > timeout)) {
            fail(id, t, "gave up inside the window");
        }
        c.finished = true;
    }
    void on_done(std::uint32_t id, time_point t) { alive(id, t, "on_done").finished = true; }
    void on_stopped(std::uint32_t id, time_point t) {
        ++stops;
        alive(id, t, "on_stopped").finished = true;
    }
};

} // namespace redial::test

#endif
