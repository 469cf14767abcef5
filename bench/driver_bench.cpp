// The driver's cost per reconnect cycle in virtual time, beside the bare machine step, and heap
// allocations per cycle, counted at the allocator (alloc_count.hpp: malloc, aligned_alloc,
// posix_memalign, every operator new).
//
//   build/bin/redial-driver-bench --benchmark_repetitions=5
//   REDIAL_ALLOC_TRACE=1 build/bin/redial-driver-bench --benchmark_min_time=0.0001  (backtraces)

#include "alloc_count.hpp"

#include <redial/aliases.hpp>
#include <redial/liveness/idle_timeout.hpp>

#include <asio/io_context.hpp>
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <system_error>
#include <utility>

namespace {

using namespace std::chrono_literals;
using transport = redial::scripted_transport<redial::virtual_clock>;

// One reconnector against a scripted server; `cycle()` advances virtual time to the next wait
// (one connect attempt and its backoff sleep, or a session and its sleep).
template <class Liveness = redial::no_liveness>
struct rig {
    asio::io_context io;
    redial::virtual_clock clock{io};
    redial::basic_reconnector<transport, redial::virtual_clock, redial::exponential_backoff,
                              redial::uptime_threshold, redial::null_observer,
                              redial::no_terminal_errors, Liveness>
        r;

    explicit rig(redial::scripted_step step, Liveness liveness = Liveness{})
        : r{io.get_executor(),
            transport{clock, io.get_executor(), [step](std::size_t) { return step; }},
            clock,
            redial::exponential_backoff{1s, 2.0, 30s},
            redial::uptime_threshold{},
            redial::machine_options{.give_up_timeout = 0s},
            redial::null_observer{},
            redial::no_terminal_errors{},
            std::move(liveness)} {
        r.async_run(redial::hold_session{}, [](std::error_code) {});
        for (int i = 0; i < 64; ++i) { // warm up: reach the cap, fill every cache
            clock.run_next();
        }
    }
};

template <class Liveness = redial::no_liveness>
void driver_cycle(benchmark::State& state, redial::scripted_step step, const char* label,
                  Liveness liveness = Liveness{}) {
    rig<Liveness> g{step, std::move(liveness)};
    std::uint64_t cycles = 0;
    const redial_bench::alloc_trace trace;
    const std::uint64_t before = redial_bench::allocations();
    for (auto _ : state) {
        g.clock.run_next();
        ++cycles;
    }
    const double per_cycle =
        static_cast<double>(redial_bench::allocations() - before) / static_cast<double>(cycles);
    state.counters["allocs/cycle"] = per_cycle;
    state.SetLabel(label);
}

void refused_cycle(benchmark::State& state) {
    driver_cycle(state, redial::scripted_step::refuse(), "refused connect + backoff");
}
void flap_cycle(benchmark::State& state) {
    // Each run_next is one step: the backoff ends (connect + accept), or the session ends.
    driver_cycle(state, redial::scripted_step::accept(0s), "accept, reset at once, backoff");
}

void stable_cycle(benchmark::State& state) {
    // Sessions of 2 s pass the 1 s threshold: each is judged stable and the backoff resets.
    driver_cycle(state, redial::scripted_step::accept(2s), "accept, stable 2 s session, backoff");
}

// The same sessions under a liveness policy that never fires (idle_timeout 1h): what watching
// costs per session (the wrapped connection, one timer armed at the connect and cancelled at
// the end).
void flap_cycle_idle_timeout(benchmark::State& state) {
    driver_cycle(state, redial::scripted_step::accept(0s), "flap cycle, idle_timeout 1h",
                 redial::idle_timeout{1h});
}
void stable_cycle_idle_timeout(benchmark::State& state) {
    driver_cycle(state, redial::scripted_step::accept(2s), "stable cycle, idle_timeout 1h",
                 redial::idle_timeout{1h});
}

// The bare machine, the same refused cycle: on_connect_failed + on_wait_done.
void machine_cycle(benchmark::State& state) {
    redial::basic_reconnect_machine<redial::exponential_backoff, redial::uptime_threshold,
                                    redial::failure>
        m{redial::exponential_backoff{}, redial::uptime_threshold{},
          redial::machine_options{.give_up_timeout = 0s}};
    redial::time_point now{};
    m.start(now);
    const redial::failure refused{std::make_error_code(std::errc::connection_refused)};
    const std::uint64_t before = redial_bench::allocations();
    std::uint64_t cycles = 0;
    for (auto _ : state) {
        const redial::decision d = m.on_connect_failed(now, refused);
        now += d.delay;
        benchmark::DoNotOptimize(m.on_wait_done(now));
        ++cycles;
    }
    state.counters["allocs/cycle"] =
        static_cast<double>(redial_bench::allocations() - before) / static_cast<double>(cycles);
}

} // namespace

BENCHMARK(machine_cycle);
BENCHMARK(refused_cycle);
BENCHMARK(flap_cycle);
BENCHMARK(stable_cycle);
BENCHMARK(flap_cycle_idle_timeout);
BENCHMARK(stable_cycle_idle_timeout);

int main(int argc, char** argv) {
    redial_bench::check_alloc_count();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
