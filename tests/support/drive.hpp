#ifndef REDIAL_TESTS_SUPPORT_DRIVE_HPP
#define REDIAL_TESTS_SUPPORT_DRIVE_HPP

#include <redial/core/machine.hpp>
#include <redial/time.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

// A virtual-time driver for the machine: the test scripts what the server does at each attempt
// and the driver records what the machine decided. No clocks, no sleeps: time is an integer.
namespace redial::test {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;

/// What the server does with one connection attempt.
struct outcome {
    bool accepted = false;
    ns connect_latency{0}; ///< time the connect (or its failure) takes
    ns session{0};         ///< accepted: how long the session lives before it ends
    std::string error;     ///< refused: the connect error; accepted: the close reason

    static outcome refuse(std::string e, ns latency = 0ns) {
        return {false, latency, 0ns, std::move(e)};
    }
    static outcome accept(ns session, std::string reason, ns latency = 0ns) {
        return {true, latency, session, std::move(reason)};
    }
};

struct trace {
    std::vector<time_point> attempts; ///< when each attempt started
    std::vector<ns> delays;           ///< each sleep the machine asked for
    std::vector<verdict> verdicts;    ///< each session's verdict
    std::optional<time_point> gave_up_at;
    std::string error; ///< the give-up message
};

inline constexpr time_point t0{};

inline ns since_start(time_point t) {
    return t - t0;
}

/// Runs the machine from `start` until it gives up or `max_attempts` attempts were made.
/// `server(attempt_index, now)` returns the outcome of each attempt.
template <class Machine, class Server>
trace drive(Machine& m, Server server, std::size_t max_attempts = 100'000, time_point start = t0) {
    trace t;
    time_point now = start;
    decision d = m.start(now);
    while (true) {
        if (d.what == decision::kind::give_up) {
            t.gave_up_at = now;
            t.error = m.give_up_message();
            return t;
        }
        if (d.what == decision::kind::wait) {
            t.delays.push_back(d.delay);
            now += d.delay;
            d = m.on_wait_done(now);
            continue;
        }
        if (t.attempts.size() == max_attempts) {
            return t;
        }
        t.attempts.push_back(now);
        outcome o = server(t.attempts.size() - 1, now);
        now += o.connect_latency;
        if (!o.accepted) {
            d = m.on_connect_failed(now, std::move(o.error));
            continue;
        }
        m.on_connected(now);
        now += o.session;
        d = m.on_session_end(now, std::move(o.error));
        t.verdicts.push_back(m.last_verdict());
    }
}

/// The seeds' production failure: the server accepts, then resets the session at once.
inline outcome accept_then_reset(std::size_t, time_point) {
    return outcome::accept(0ns, "connection reset by peer");
}

inline outcome always_refuse(std::size_t, time_point) {
    return outcome::refuse("connection refused");
}

} // namespace redial::test

#endif
