// The fleet engine at scale: 1,000,000 clients (full jitter, the default schedule) through a
// 30 s outage of a server that comes back with 50,000 accepts per second, until every client
// is back. Three ways, in the same run:
//
//   fleet_wheel      the world on its monotone two-level event wheel (the default)
//   fleet_heap       the same world on a std::priority_queue (heap_queue): the same events in
//                    the same order (the trace hashes are compared)
//   pq_loop          the textbook loop: a std::priority_queue of 1,000,000 timed events, pop the
//                    earliest and push one a random 0-2 s later (5 pops per event queued); no
//                    clients at all
//   fleet_silent     liveness at scale (issue 14): the clients (started over 10 s) run
//                    heartbeat 5s / 2s against a server that answers pings after 20-120 ms;
//                    at 60 s the path is blackholed (sessions stay open, nothing arrives). Run
//                    until 60 s + interval + timeout: every client must have found its session
//                    dead by then (exit 1 otherwise); prints the detection times' distribution
//                    and the bytes a client takes with each liveness setting
//
// Events per second of each (min / median / max over the repetitions), then the ratios: the
// like-for-like one is fleet_wheel against fleet_heap (the same world, the same events); the
// textbook loop does other work per event and is a floor for a heap, not a twin.
//
//   build/bin/redial-fleet-bench --benchmark_repetitions=3    (the numbers in the docs)
//   build/bin/redial-fleet-bench --clients=100000

#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>
#include <redial/sim/fleet_stats.hpp>
#include <redial/sim/world.hpp>

#include "report.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace sim = redial::sim;

std::uint32_t clients = 1'000'000;
std::map<std::string, std::vector<double>> events_per_s; // one rate per repetition
std::map<std::string, std::uint64_t> hashes;

sim::world_options outage() {
    sim::world_options o;
    o.clients = clients;
    o.start_connected = true;
    o.servers[0].schedule = {
        {0s, sim::server_mode::up}, {10s, sim::server_mode::refusing}, {40s, sim::server_mode::up}};
    o.servers[0].accept_rate = 50'000;
    o.servers[0].backlog = 4096;
    return o;
}

using policy = redial::jittered<redial::exponential_backoff>;

template <class Queue>
void fleet(benchmark::State& state, const char* name) {
    std::uint64_t events = 0;
    double seconds = 0;
    for (auto _ : state) {
        sim::world<policy, redial::uptime_threshold, sim::null_probe, Queue> w(
            outage(), sim::identical_clients(
                          policy{redial::exponential_backoff{}, redial::full_jitter(), 1}));
        const auto t0 = std::chrono::steady_clock::now();
        w.run();
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        state.SetIterationTime(s); // the run only: building a million clients is not an event
        events += w.events() + w.stale_events();
        seconds += s;
        hashes[name] = w.trace_hash();
    }
    state.counters["events"] =
        static_cast<double>(events) / static_cast<double>(state.iterations());
    state.counters["events_per_s"] = static_cast<double>(events) / seconds;
    events_per_s[name].push_back(static_cast<double>(events) / seconds);
}

void pq_loop(benchmark::State& state) {
    struct timed {
        std::int64_t at;
        std::uint64_t key;
        bool operator>(const timed& o) const noexcept {
            return at != o.at ? at > o.at : key > o.key;
        }
    };
    const std::uint64_t pops = 5 * std::uint64_t{clients}; // five events per queued one
    double seconds = 0;
    std::uint64_t done = 0;
    for (auto _ : state) {
        state.PauseTiming();
        std::priority_queue<timed, std::vector<timed>, std::greater<>> q;
        redial::splitmix64 g(1);
        for (std::uint32_t i = 0; i < clients; ++i) {
            q.push({static_cast<std::int64_t>(g() % 2'000'000'000), i});
        }
        state.ResumeTiming();
        const auto t0 = std::chrono::steady_clock::now();
        std::uint64_t sum = 0;
        for (std::uint64_t n = 0; n < pops; ++n) {
            const timed e = q.top();
            q.pop();
            sum += e.key;
            q.push({e.at + static_cast<std::int64_t>(g() % 2'000'000'000), e.key});
        }
        benchmark::DoNotOptimize(sum);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        state.SetIterationTime(s);
        seconds += s;
        done += pops;
    }
    state.counters["events_per_s"] = static_cast<double>(done) / seconds;
    events_per_s["pq_loop"].push_back(static_cast<double>(done) / seconds);
}

// fleet_silent's outcome, for the table after the run.
struct silent_outcome {
    std::uint64_t clients = 0, detected = 0, early = 0, events = 0;
    std::chrono::nanoseconds p0{}, p50{}, p99{}, max{};
    std::size_t bytes_none = 0, bytes_idle = 0, bytes_heartbeat = 0;
    double seconds = 0;
};
silent_outcome silent_result;
constexpr auto silent_at = 60s;
constexpr auto ping_interval = 5s;
constexpr auto ping_timeout = 2s;

sim::world_options silent_outage(sim::liveness_mode mode) {
    sim::world_options o;
    o.clients = clients;
    o.start_spread = 10s;
    o.servers[0].schedule = {{0s, sim::server_mode::up}, {silent_at, sim::server_mode::blackhole}};
    o.servers[0].ping_rtt = 20ms;
    o.servers[0].ping_rtt_jitter = 100ms;
    o.liveness = {mode, ping_interval + ping_timeout, ping_interval, ping_timeout};
    return o;
}

void fleet_silent(benchmark::State& state) {
    const auto make =
        sim::identical_clients(policy{redial::exponential_backoff{}, redial::full_jitter(), 1});
    for (auto _ : state) {
        sim::fleet_stats stats(clients);
        stats.detect_from(redial::time_point{silent_at});
        sim::world<policy, redial::uptime_threshold, sim::fleet_stats> w(
            silent_outage(sim::liveness_mode::heartbeat), make, std::move(stats));
        const auto t0 = std::chrono::steady_clock::now();
        w.run_until(redial::time_point{silent_at + ping_interval + ping_timeout});
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        state.SetIterationTime(s);
        const sim::fleet_stats& f = w.probe();
        silent_result.clients = clients;
        silent_result.detected = f.detected();
        silent_result.early = f.timeouts_before_detection();
        silent_result.events = w.events() + w.stale_events();
        silent_result.p0 = f.detection_quantile(0.0);
        silent_result.p50 = f.detection_quantile(0.5);
        silent_result.p99 = f.detection_quantile(0.99);
        silent_result.max = f.detection_quantile(1.0);
        silent_result.bytes_heartbeat = w.bytes_per_client();
        silent_result.seconds = s;
        state.counters["events_per_s"] = static_cast<double>(silent_result.events) / s;
    }
    // A client's bytes do not depend on the fleet's size: a world of one says.
    auto bytes = [&](sim::liveness_mode mode) {
        sim::world_options o = silent_outage(mode);
        o.clients = 1;
        return sim::world<policy, redial::uptime_threshold>(o, make).bytes_per_client();
    };
    silent_result.bytes_none = bytes(sim::liveness_mode::none);
    silent_result.bytes_idle = bytes(sim::liveness_mode::idle);
}

struct spread {
    double min, median, max;
};
spread spread_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return {v.front(), n % 2 != 0 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v.back()};
}

} // namespace

int main(int argc, char** argv) {
    // --clients=N is ours; everything else goes to Google Benchmark.
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a.starts_with("--clients=")) {
            char* end = nullptr;
            const unsigned long n = std::strtoul(argv[i] + 10, &end, 10);
            if (*end != '\0' || n == 0 || n > 100'000'000) {
                std::fprintf(stderr,
                             "redial-fleet-bench: invalid --clients \"%s\": expected a "
                             "whole number from 1 to 100000000\n",
                             argv[i] + 10);
                return 2;
            }
            clients = static_cast<std::uint32_t>(n);
        } else {
            rest.push_back(argv[i]);
        }
    }
    int n = static_cast<int>(rest.size());
    std::FILE* const tables =
        redial::bench::table_stream(redial::bench::output_format(n, rest.data()));
    benchmark::RegisterBenchmark("fleet_wheel", fleet<sim::event_wheel>, "fleet_wheel")
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1);
    benchmark::RegisterBenchmark("fleet_heap", fleet<sim::heap_queue>, "fleet_heap")
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1);
    benchmark::RegisterBenchmark("pq_loop", pq_loop)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1);
    benchmark::RegisterBenchmark("fleet_silent", fleet_silent)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1);
    benchmark::Initialize(&n, rest.data());
    if (benchmark::ReportUnrecognizedArguments(n, rest.data())) {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    std::fflush(stdout);
    bool ok = true;
    if (silent_result.clients != 0) {
        auto s = [](std::chrono::nanoseconds d) {
            return std::chrono::duration<double>(d).count();
        };
        const auto bound = ping_interval + ping_timeout;
        ok = silent_result.detected == silent_result.clients && silent_result.max <= bound &&
             silent_result.early == 0;
        std::fprintf(tables,
                     "\n%llu clients behind a blackhole at 60 s, heartbeat 5s / 2s: %llu found "
                     "dead within %.0f s (%s), %llu false timeouts before;\n  detection s after "
                     "the outage began: min %.9f, p50 %.9f, p99 %.9f, max %.9f;\n  %.1f M events "
                     "in %.2f s; bytes per client: %zu without liveness, %zu idle, %zu heartbeat\n",
                     static_cast<unsigned long long>(silent_result.clients),
                     static_cast<unsigned long long>(silent_result.detected), s(bound),
                     ok ? "all" : "NOT ALL", static_cast<unsigned long long>(silent_result.early),
                     s(silent_result.p0), s(silent_result.p50), s(silent_result.p99),
                     s(silent_result.max), static_cast<double>(silent_result.events) / 1e6,
                     silent_result.seconds, silent_result.bytes_none, silent_result.bytes_idle,
                     silent_result.bytes_heartbeat);
    }
    std::fprintf(tables,
                 "\n%u clients, full jitter, outage of 30 s; million events per second, "
                 "min / median / max of %zu repetition(s)\n",
                 clients,
                 events_per_s.empty() ? std::size_t{0} : events_per_s.begin()->second.size());
    for (const auto& [name, rates] : events_per_s) {
        const spread r = spread_of(rates);
        std::fprintf(tables, "  %-12s %8.2f %8.2f %8.2f\n", name.c_str(), r.min / 1e6,
                     r.median / 1e6, r.max / 1e6);
    }
    // The ratio of the medians, and the range over repetition i of one against repetition i of
    // the other.
    auto ratio = [&](const char* a, const char* b, const char* what) {
        if (events_per_s.count(a) == 0 || events_per_s.count(b) == 0) {
            return;
        }
        const std::vector<double>& ra = events_per_s[a];
        const std::vector<double>& rb = events_per_s[b];
        std::vector<double> pairs;
        for (std::size_t i = 0; i < ra.size() && i < rb.size(); ++i) {
            pairs.push_back(ra[i] / rb[i]);
        }
        const spread p = spread_of(pairs);
        std::fprintf(tables, "  %-12s / %-12s %6.2fx (%.2f-%.2f)  %s\n", a, b,
                     spread_of(ra).median / spread_of(rb).median, p.min, p.max, what);
    };
    ratio("fleet_wheel", "fleet_heap", "the same world and events on a heap: like for like");
    ratio("fleet_wheel", "pq_loop", "a bare heap loop with no clients: other work per event");
    if (hashes.count("fleet_wheel") != 0 && hashes.count("fleet_heap") != 0) {
        const bool same = hashes["fleet_wheel"] == hashes["fleet_heap"];
        std::fprintf(tables, "  trace hashes %s (%016llx)\n", same ? "equal" : "DIFFER",
                     static_cast<unsigned long long>(hashes["fleet_wheel"]));
        if (!same) {
            return 1;
        }
    }
    return ok ? 0 : 1;
}
