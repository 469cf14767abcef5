// Does the simulator tell the truth? --clients (500) real tcp_reconnectors on 127.0.0.1, in one
// io_context, go through a real outage of a server in a forked child process (killed, down for
// --outage seconds (3), restarted on the same port); the same scenario then runs in
// redial::sim::world. Printed side by side: attempts made from the start of the outage, and the
// time from the server listening again to each client's reconnect (p50, p99, max), for
// exponential backoff (100ms x2 to 2s) with and without full jitter. The goal is agreement
// within 10%; the exit code is 0 either way (a benchmark, not a test).
//
// The sim's parameters that describe the machine rather than the policy are measured here, not
// guessed: its latency is the connect round trip the real fleet saw (attempt to outcome; a lone
// loopback connect's is shown beside it, as "sim@bare"), and its outage is the time from the
// clients seeing their sessions end to the new server's listen() returning. The jittered
// clients draw the same random numbers on both sides (each real client is seeded with the seed
// the world gives its twin), so what differs is the model, not the dice.
//
//   build/bin/redial-sim-truth
//   build/bin/redial-sim-truth --clients 50 --outage 1

// The standard library's configuration before asio's (see redial/detail/erased_handler.hpp).
#include <chrono>
#include <cstdint>

#include <redial/aliases.hpp>
#include <redial/backoff/jitter.hpp>
#include <redial/sim/fleet_stats.hpp>
#include <redial/sim/world.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using wall = std::chrono::steady_clock;
using ns = std::chrono::nanoseconds;

// The scenario's policy: exponential 100 ms x2 to 2 s; stable after the initial delay (the
// uptime_threshold default); never give up.
const redial::exponential_backoff base_backoff{100ms, 2.0, 2s};
constexpr redial::machine_options never_give_up{.give_up_timeout = 0s};
// Longer than the stability threshold (100 ms), so the outage's drop is judged stable and the
// backoff starts from its initial delay, as it does in the sim.
constexpr ns settle = 500ms;
// The world's seed; client i's jitter seed is derived from it (identical_clients).
constexpr std::uint64_t world_seed = 1;

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "redial-sim-truth: %s\n", what);
    std::exit(1);
}

double ms(ns d) {
    return static_cast<double>(d.count()) / 1e6;
}

// --- the server ------------------------------------------------------------------------------

struct server {
    pid_t pid = -1;
    int listening_fd = -1; // the child writes the time its listen() returned here
};

// Forks a server on `port` that holds every connection it accepts. The child reports when its
// listen() returned, on CLOCK_MONOTONIC (steady_clock, shared by all processes): from that
// moment the kernel completes handshakes into the backlog, so that is when the server is up
// again, whatever fork() and exec-free startup cost before it.
server fork_server(unsigned short port) {
    int fds[2];
    if (::pipe(fds) != 0) {
        die("pipe failed");
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        die("fork failed");
    }
    if (pid != 0) {
        ::close(fds[1]);
        return {pid, fds[0]};
    }
    // However the parent ends (a crash, a die()), no server outlives it holding the port.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The child drops every descriptor it inherited (the clients' sockets, the parent's epoll
    // instance): a client's close must really close its connection, as it would with a server
    // on another machine.
    ::dup2(fds[1], 3);
    ::close_range(4, ~0U, 0);
    try {
        asio::io_context io;
        tcp::acceptor acceptor{io};
        const tcp::endpoint at{asio::ip::address_v4::loopback(), port};
        acceptor.open(at.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(at);
        acceptor.listen(4096);
        const std::int64_t listening = wall::now().time_since_epoch().count();
        if (::write(3, &listening, sizeof listening) != sizeof listening) {
            std::_Exit(1);
        }
        ::close(3);
        std::vector<std::unique_ptr<tcp::socket>> held;
        std::function<void()> accept = [&] {
            acceptor.async_accept([&](std::error_code ec, tcp::socket s) {
                if (!ec) {
                    held.push_back(std::make_unique<tcp::socket>(std::move(s)));
                } else if (ec == asio::error::operation_aborted) {
                    return;
                }
                accept(); // EMFILE and the like: keep accepting what can be accepted
            });
        };
        accept();
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "redial-sim-truth: server: %s\n", e.what());
        std::_Exit(1);
    }
    std::_Exit(0);
}

// When the server's listen() returned (blocks until it has, or fails if the child died).
wall::time_point listening_since(server& s) {
    std::int64_t t = 0;
    const ssize_t n = ::read(s.listening_fd, &t, sizeof t);
    ::close(s.listening_fd);
    s.listening_fd = -1;
    if (n != sizeof t) {
        die("the server did not start");
    }
    return wall::time_point{wall::duration{t}};
}

void stop_server(server& s) {
    ::kill(s.pid, SIGKILL);
    ::waitpid(s.pid, nullptr, 0);
    if (s.listening_fd >= 0) {
        ::close(s.listening_fd);
        s.listening_fd = -1;
    }
}

// A free port, from the kernel: the server child binds it (SO_REUSEADDR) and the restart
// reuses it.
unsigned short pick_port() {
    asio::io_context io;
    tcp::acceptor a{io, tcp::endpoint{asio::ip::address_v4::loopback(), 0}};
    return a.local_endpoint().port();
}

// Each client and the server hold a socket per connection: raise the soft limit to the hard one.
rlim_t raise_fd_limit() {
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
    ::getrlimit(RLIMIT_NOFILE, &r);
    return r.rlim_cur;
}

// Nearest rank, as fleet_stats::reconnect_quantile; negative values (a client that never
// reconnected) are left out.
ns quantile(std::vector<ns> v, double q) {
    std::erase_if(v, [](ns d) { return d < ns{0}; });
    if (v.empty()) {
        return ns{0};
    }
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[rank == 0 ? 0 : rank - 1];
}

// The loopback connect round trip, as a blocking connect sees it (median of `n`): to a
// listening port (the handshake) and to a closed one (the RST).
struct connect_latency {
    ns established{0};
    ns refused{0};
};

connect_latency measure_connect_latency(int n) {
    const unsigned short port = pick_port();
    const tcp::endpoint at{asio::ip::address_v4::loopback(), port};
    asio::io_context io;
    auto time_connects = [&](bool expect_ok) {
        std::vector<ns> times;
        std::vector<tcp::socket> kept; // the server holds them; closing them now would be noise
        for (int i = 0; i < n; ++i) {
            tcp::socket s{io};
            std::error_code ec;
            const auto t0 = wall::now();
            s.connect(at, ec);
            times.push_back(wall::now() - t0);
            if (static_cast<bool>(ec) == expect_ok) {
                die(expect_ok ? "calibration connect failed" : "calibration port is not closed");
            }
            kept.push_back(std::move(s));
        }
        return quantile(std::move(times), 0.5);
    };
    server s = fork_server(port);
    (void)listening_since(s);
    connect_latency r;
    r.established = time_connects(true);
    stop_server(s);
    r.refused = time_connects(false);
    return r;
}

// --- the real side ---------------------------------------------------------------------------

// What the real fleet did, per client; times on steady_clock.
struct fleet_log {
    wall::time_point outage_began = wall::time_point::max();
    std::vector<std::uint32_t> attempts;       // at or after outage_began
    std::vector<wall::time_point> session_end; // the session the outage ended
    std::vector<wall::time_point> reconnected; // the first connect after outage_began
    std::uint64_t first_attempts = 0;          // before the outage: K unless a connect failed
    std::uint32_t connected = 0;               // clients connected before the outage
    std::uint32_t reconnects = 0;
    std::uint32_t early_drops = 0; // sessions that ended before the outage (should be none)
    // Per client: when its attempt in flight began, and when its sleep was due to end.
    std::vector<wall::time_point> attempt_at;
    std::vector<wall::time_point> wake_due;
    // From the outage on, every attempt's round trip as the driver saw it (attempt to outcome),
    // and how late each sleep ended (due time to the attempt it led to).
    std::vector<ns> round_trips;
    std::vector<ns> wake_lateness;
};

struct log_observer {
    fleet_log* log;
    std::uint32_t id;

    void on_attempt(const redial::attempt_event& e) {
        log->attempt_at[id] = e.at;
        if (e.at < log->outage_began) {
            ++log->first_attempts;
            return;
        }
        ++log->attempts[id];
        if (log->wake_due[id] != wall::time_point{}) {
            log->wake_lateness.push_back(e.at - log->wake_due[id]);
        }
    }
    void on_backoff(const redial::backoff_event& e) {
        if (e.at >= log->outage_began) {
            log->wake_due[id] = e.at + e.delay;
        }
    }
    void on_connect_failed(const redial::connect_failed_event& e) {
        if (log->attempt_at[id] >= log->outage_began) {
            log->round_trips.push_back(e.at - log->attempt_at[id]);
        }
    }
    void on_connected(const redial::connected_event& e) {
        if (e.at < log->outage_began) {
            ++log->connected;
            return;
        }
        log->round_trips.push_back(e.at - log->attempt_at[id]);
        if (log->reconnected[id] == wall::time_point{}) {
            log->reconnected[id] = e.at;
            ++log->reconnects;
        }
    }
    void on_disconnected(const redial::disconnected_event& e) {
        if (e.at < log->outage_began) {
            ++log->early_drops;
            --log->connected;
        } else if (log->session_end[id] == wall::time_point{}) {
            log->session_end[id] = e.at;
        }
    }
};

struct real_result {
    std::vector<std::uint32_t> attempts; // per client, from the start of the outage
    std::vector<ns> reconnect;           // per client, from listening again; negative: never
    ns reaped{0};                        // kill to waitpid's return
    ns first_end{0}, median_end{0}, last_end{0}; // kill to the clients' session ends
    ns listening{0};                             // kill to the new server's listen()
    std::uint64_t first_attempts = 0;
    std::uint32_t early_drops = 0;
    std::vector<ns> round_trips;   // attempt to outcome, from the outage on
    std::vector<ns> wake_lateness; // sleep's due time to the attempt, from the outage on
};

template <class Backoff>
real_result run_real(const std::vector<Backoff>& policies, ns outage) {
    using reconnector = redial::tcp_reconnector<Backoff, redial::uptime_threshold, log_observer>;
    const auto clients = static_cast<std::uint32_t>(policies.size());
    const unsigned short port = pick_port();
    server srv = fork_server(port);
    (void)listening_since(srv);

    fleet_log log;
    log.attempts.assign(clients, 0);
    log.session_end.assign(clients, {});
    log.reconnected.assign(clients, {});
    log.attempt_at.assign(clients, {});
    log.wake_due.assign(clients, {});
    asio::io_context io;
    std::vector<std::unique_ptr<reconnector>> fleet;
    fleet.reserve(clients);
    for (std::uint32_t i = 0; i < clients; ++i) {
        fleet.push_back(std::make_unique<reconnector>(
            io.get_executor(),
            redial::tcp_transport{io.get_executor(), "127.0.0.1", std::to_string(port)},
            redial::steady_clock{}, policies[i], redial::uptime_threshold{}, never_give_up,
            log_observer{&log, i}));
        fleet.back()->async_run(redial::hold_session{}, [](std::error_code) {});
    }
    const auto connect_deadline = wall::now() + 30s;
    while (log.connected < clients && wall::now() < connect_deadline && !io.stopped()) {
        io.run_one_until(connect_deadline);
    }
    if (log.connected < clients) {
        stop_server(srv);
        die("the fleet did not connect within 30 s");
    }
    io.run_for(settle);

    log.outage_began = wall::now();
    stop_server(srv);
    const auto reaped = wall::now();
    io.run_until(log.outage_began + outage);
    srv = fork_server(port);
    // Long enough for the slowest client: a whole max delay after the restart, and then some.
    const auto deadline = wall::now() + base_backoff.max_delay() + 30s;
    while (log.reconnects < clients && wall::now() < deadline && !io.stopped()) {
        io.run_one_until(deadline);
    }
    const wall::time_point listening = listening_since(srv);

    fleet.clear();
    io.restart();
    io.poll();
    stop_server(srv);

    real_result r;
    r.attempts = log.attempts;
    r.reconnect.resize(clients, ns{-1});
    std::vector<ns> ends;
    for (std::uint32_t i = 0; i < clients; ++i) {
        if (log.reconnected[i] != wall::time_point{}) {
            r.reconnect[i] = log.reconnected[i] - listening;
        }
        if (log.session_end[i] != wall::time_point{}) {
            ends.push_back(log.session_end[i] - log.outage_began);
        }
    }
    std::sort(ends.begin(), ends.end());
    if (ends.empty()) {
        die("no session saw the outage");
    }
    r.reaped = reaped - log.outage_began;
    r.first_end = ends.front();
    r.median_end = ends[ends.size() / 2];
    r.last_end = ends.back();
    r.listening = listening - log.outage_began;
    r.first_attempts = log.first_attempts;
    r.early_drops = log.early_drops;
    r.round_trips = std::move(log.round_trips);
    r.wake_lateness = std::move(log.wake_lateness);
    return r;
}

// --- the simulated side ----------------------------------------------------------------------

// fleet_stats, plus each client's attempts, to compare the twins client by client.
class truth_probe : public redial::sim::fleet_stats {
public:
    truth_probe(std::uint32_t clients, redial::time_point since)
        : fleet_stats(clients, since), per_client_(clients, 0) {}

    void on_attempt(std::uint32_t id, const redial::attempt_event& e) {
        fleet_stats::on_attempt(id, e);
        ++per_client_[id];
    }
    [[nodiscard]] std::uint32_t attempts_of(std::uint32_t id) const { return per_client_.at(id); }

private:
    std::vector<std::uint32_t> per_client_;
};

redial::sim::world_options sim_options(std::uint32_t clients, ns latency, ns outage) {
    using redial::sim::server_mode;
    redial::sim::server_options server;
    server.latency = latency;
    // The sim's clients start connected at 0; the outage starts once they are stable, as the
    // real ones are.
    server.schedule = {{.at = 0ns, .mode = server_mode::up},
                       {.at = settle, .mode = server_mode::refusing},
                       {.at = settle + outage, .mode = server_mode::up}};
    redial::sim::world_options o;
    o.clients = clients;
    o.seed = world_seed;
    o.start_connected = true;
    o.servers = {server};
    // tcp_transport's default connect timeout, which the real clients use.
    o.connect_timeout = 10s;
    return o;
}

// The seed the world gives each client's copy of `policy`: the real twin is seeded with it.
template <class Backoff>
std::vector<std::uint64_t> sim_client_seeds(const Backoff& policy, std::uint32_t clients) {
    std::vector<std::uint64_t> seeds(clients);
    auto make = redial::sim::identical_clients(policy, redial::uptime_threshold{}, never_give_up);
    // The seeds depend on the world's seed and the client's number only: any schedule will do.
    redial::sim::world<Backoff> w(sim_options(clients, 1ms, 1s),
                                  [&](std::uint32_t i, std::uint64_t seed) {
                                      seeds[i] = seed;
                                      return make(i, seed);
                                  });
    return seeds;
}

struct sim_result {
    std::vector<std::uint32_t> attempts;
    std::vector<ns> reconnect; // negative: never
};

template <class Backoff>
sim_result run_sim(const Backoff& policy, std::uint32_t clients, ns latency, ns outage) {
    redial::sim::world<Backoff, redial::uptime_threshold, truth_probe> w(
        sim_options(clients, latency, outage),
        redial::sim::identical_clients(policy, redial::uptime_threshold{}, never_give_up),
        truth_probe{clients, redial::time_point{settle + outage}});
    w.run_until(redial::time_point{settle + outage + base_backoff.max_delay() + 60s});
    sim_result r;
    for (std::uint32_t i = 0; i < clients; ++i) {
        r.attempts.push_back(w.probe().attempts_of(i));
        r.reconnect.push_back(w.probe().reconnect_time(i));
    }
    return r;
}

// --- comparison ------------------------------------------------------------------------------

struct row {
    std::string policy;
    std::string metric;
    double real;
    double sim;      // latency: the round trip the real fleet saw
    double sim_bare; // latency: a lone loopback connect
    bool is_time;
};

double percent(double real, double sim) {
    return real != 0 ? 100.0 * (sim - real) / real : 0.0;
}

void print_table(const std::vector<row>& rows) {
    std::printf("\n%-12s %-14s %10s %10s %7s  %-17s %10s %7s\n", "policy", "metric", "real", "sim",
                "diff", "", "sim@bare", "diff");
    for (const row& r : rows) {
        auto text = [&](double v) {
            char b[32];
            std::snprintf(b, sizeof b, r.is_time ? "%.2fms" : "%.0f", v);
            return std::string(b);
        };
        const double diff = percent(r.real, r.sim);
        char verdict[32];
        if (r.real == 0) {
            std::snprintf(verdict, sizeof verdict, "n/a (real is 0)");
        } else if (std::abs(diff) <= 10.0) {
            std::snprintf(verdict, sizeof verdict, "within 10%%");
        } else {
            std::snprintf(verdict, sizeof verdict, "differs by %.1f%%", std::abs(diff));
        }
        std::printf("%-12s %-14s %10s %10s %+6.1f%%  %-17s %10s %+6.1f%%\n", r.policy.c_str(),
                    r.metric.c_str(), text(r.real).c_str(), text(r.sim).c_str(), diff, verdict,
                    text(r.sim_bare).c_str(), percent(r.real, r.sim_bare));
    }
}

double sum(const std::vector<std::uint32_t>& v) {
    double s = 0;
    for (const std::uint32_t a : v) {
        s += a;
    }
    return s;
}

template <class Backoff>
void compare(const char* name, const Backoff& policy, std::uint32_t clients, ns outage,
             ns bare_latency, std::vector<row>& rows) {
    // Client i of the real fleet draws what client i of the world draws.
    const std::vector<std::uint64_t> seeds = sim_client_seeds(policy, clients);
    std::vector<Backoff> policies;
    for (std::uint32_t i = 0; i < clients; ++i) {
        Backoff b = policy;
        if constexpr (requires { b.seed(seeds[i]); }) {
            b.seed(seeds[i]);
        }
        policies.push_back(std::move(b));
    }
    const real_result real = run_real(policies, outage);
    // The sim cuts every session at once and its clients start backing off at that instant;
    // the real clients start when each one reads its EOF. The outage the sim models is the
    // one the clients saw: from the median session end to the server listening again.
    // (Never negative: a very short outage can be over before the slowest EOF is read.)
    const ns sim_outage = std::max(ns{0}, real.listening - real.median_end);
    // The sim's latency is a connect's round trip; the real fleet's, under its own herd, is
    // longer than a lone connect's (one thread starts every due connect before it reads any
    // outcome), so the sim is given the round trip the fleet measured, and, for comparison,
    // the lone one.
    const ns fleet_latency = quantile(real.round_trips, 0.5);
    const sim_result sim = run_sim(policy, clients, fleet_latency, sim_outage);
    const sim_result bare = run_sim(policy, clients, bare_latency, sim_outage);

    std::printf("\n%s: kill -> reaped %.2f ms; sessions ended %.2f .. %.2f ms (median %.2f); "
                "listening again %.2f ms  =>  sim outage %.2f ms\n",
                name, ms(real.reaped), ms(real.first_end), ms(real.last_end), ms(real.median_end),
                ms(real.listening), ms(sim_outage));
    std::printf("  fleet's connect round trip (attempt -> outcome, %zu attempts): median %.3f ms, "
                "p99 %.3f ms  =>  sim latency %.3f ms\n",
                real.round_trips.size(), ms(fleet_latency), ms(quantile(real.round_trips, 0.99)),
                ms(fleet_latency));
    std::printf("  sleeps ended late by (not modelled by the sim): median %.3f ms, p99 %.3f ms, "
                "max %.3f ms\n",
                ms(quantile(real.wake_lateness, 0.5)), ms(quantile(real.wake_lateness, 0.99)),
                ms(quantile(real.wake_lateness, 1.0)));
    if (real.first_attempts != clients || real.early_drops != 0) {
        std::printf("  note: %llu first attempts for %u clients, %u early drops: those clients' "
                    "draws no longer line up with the sim's\n",
                    static_cast<unsigned long long>(real.first_attempts), clients,
                    real.early_drops);
    }

    std::uint32_t real_back = 0, sim_back = 0, same_attempts = 0;
    std::vector<ns> gaps;
    for (std::uint32_t i = 0; i < clients; ++i) {
        real_back += real.reconnect[i] >= ns{0} ? 1 : 0;
        sim_back += sim.reconnect[i] >= ns{0} ? 1 : 0;
        same_attempts += real.attempts[i] == sim.attempts[i] ? 1 : 0;
        if (real.reconnect[i] >= ns{0} && sim.reconnect[i] >= ns{0}) {
            gaps.push_back(ns{std::abs((real.reconnect[i] - sim.reconnect[i]).count())});
        }
    }
    std::printf("  reconnected: real %u/%u in %.2f .. %.2f ms, sim %u/%u in %.2f .. %.2f ms\n",
                real_back, clients, ms(quantile(real.reconnect, 0)),
                ms(quantile(real.reconnect, 1)), sim_back, clients, ms(quantile(sim.reconnect, 0)),
                ms(quantile(sim.reconnect, 1)));
    std::printf("  client by client: same attempt count %u/%u, |real - sim| reconnect time median "
                "%.2f ms, max %.2f ms\n",
                same_attempts, clients, ms(quantile(gaps, 0.5)), ms(quantile(gaps, 1.0)));

    rows.push_back(
        {name, "attempts", sum(real.attempts), sum(sim.attempts), sum(bare.attempts), false});
    const std::pair<const char*, double> qs[] = {
        {"reconnect p50", 0.5}, {"reconnect p99", 0.99}, {"reconnect max", 1.0}};
    for (const auto& [metric, q] : qs) {
        rows.push_back({name, metric, ms(quantile(real.reconnect, q)),
                        ms(quantile(sim.reconnect, q)), ms(quantile(bare.reconnect, q)), true});
    }
}

void usage(std::FILE* to) {
    std::fprintf(to, "usage: redial-sim-truth [--clients N (500)] [--outage SECONDS (3)]\n");
}

} // namespace

int main(int argc, char** argv) {
    long clients = 500;
    double outage_seconds = 3.0;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            usage(stdout);
            return 0;
        }
        if (flag != "--clients" && flag != "--outage") {
            std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
            usage(stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "%s needs a value\n", flag.c_str());
            return 2;
        }
        const char* value = argv[++i];
        char* end = nullptr;
        if (flag == "--clients") {
            clients = std::strtol(value, &end, 10);
            if (end == value || *end != '\0' || clients < 1 || clients > 100'000) {
                std::fprintf(stderr,
                             "invalid --clients \"%s\": expected a whole number from 1 "
                             "to 100000\n",
                             value);
                return 2;
            }
        } else {
            outage_seconds = std::strtod(value, &end);
            if (end == value || *end != '\0' || !std::isfinite(outage_seconds) ||
                outage_seconds <= 0 || outage_seconds > 600) {
                std::fprintf(stderr,
                             "invalid --outage \"%s\": expected seconds, more than 0 "
                             "and at most 600\n",
                             value);
                return 2;
            }
        }
    }
    // The fleet's sockets, the server's, and a few for the io_context and the pipes.
    const rlim_t fds = raise_fd_limit();
    if (fds != RLIM_INFINITY && static_cast<rlim_t>(clients) + 64 > fds) {
        std::fprintf(stderr,
                     "invalid --clients \"%ld\": needs %ld file descriptors, the limit "
                     "is %llu\n",
                     clients, clients + 64, static_cast<unsigned long long>(fds));
        return 2;
    }
    ::signal(SIGPIPE, SIG_IGN);

    const auto k = static_cast<std::uint32_t>(clients);
    const auto outage =
        std::chrono::duration_cast<ns>(std::chrono::duration<double>(outage_seconds));
    const connect_latency bare = measure_connect_latency(200);
    std::printf("sim-truth: %u clients, outage %.3g s, exponential 100ms x2 to 2s, stable after "
                "100ms, never give up\n",
                k, outage_seconds);
    std::printf("a lone loopback connect's round trip (median of 200): established %.1f us, "
                "refused %.1f us  =>  sim@bare latency %.1f us\n",
                static_cast<double>(bare.established.count()) / 1e3,
                static_cast<double>(bare.refused.count()) / 1e3,
                static_cast<double>(bare.established.count()) / 1e3);

    std::vector<row> rows;
    compare("exponential", base_backoff, k, outage, bare.established, rows);
    compare("full-jitter",
            redial::jittered<redial::exponential_backoff>{base_backoff, redial::full_jitter(),
                                                          world_seed},
            k, outage, bare.established, rows);
    print_table(rows);
    return 0;
}
