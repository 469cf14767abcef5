// The driver's cost per reconnect cycle in virtual time, beside the bare machine step, and heap
// allocations per cycle (global operator new is counted in this binary).
//
//   build/bin/redial-driver-bench --benchmark_repetitions=5

#include <redial/aliases.hpp>

#include <asio/io_context.hpp>
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <system_error>

namespace {
std::atomic<std::uint64_t> allocations{0};
} // namespace

void* operator new(std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n != 0 ? n : 1)) {
        return p;
    }
    throw std::bad_alloc{};
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

namespace {

using namespace std::chrono_literals;
using transport = redial::scripted_transport<redial::virtual_clock>;

// One reconnector against a scripted server; `cycle()` advances virtual time to the next wait
// (one connect attempt and its backoff sleep, or a session and its sleep).
struct rig {
    asio::io_context io;
    redial::virtual_clock clock{io};
    redial::sim_reconnector<> r;

    explicit rig(redial::scripted_step step)
        : r{io.get_executor(),
            transport{clock, io.get_executor(), [step](std::size_t) { return step; }},
            clock,
            redial::exponential_backoff{1s, 2.0, 30s},
            redial::uptime_threshold{},
            redial::machine_options{.give_up_timeout = 0s}} {
        r.async_run(redial::hold_session{}, [](std::error_code) {});
        for (int i = 0; i < 64; ++i) { // warm up: reach the cap, fill every cache
            clock.run_next();
        }
    }
};

void driver_cycle(benchmark::State& state, redial::scripted_step step, const char* label) {
    rig g{step};
    std::uint64_t cycles = 0;
    const std::uint64_t before = allocations.load();
    for (auto _ : state) {
        g.clock.run_next();
        ++cycles;
    }
    const double per_cycle =
        static_cast<double>(allocations.load() - before) / static_cast<double>(cycles);
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

// The bare machine, the same refused cycle: on_connect_failed + on_wait_done.
void machine_cycle(benchmark::State& state) {
    redial::basic_reconnect_machine<redial::exponential_backoff, redial::uptime_threshold,
                                    redial::failure>
        m{redial::exponential_backoff{}, redial::uptime_threshold{},
          redial::machine_options{.give_up_timeout = 0s}};
    redial::time_point now{};
    m.start(now);
    const redial::failure refused{std::make_error_code(std::errc::connection_refused)};
    const std::uint64_t before = allocations.load();
    std::uint64_t cycles = 0;
    for (auto _ : state) {
        const redial::decision d = m.on_connect_failed(now, refused);
        now += d.delay;
        benchmark::DoNotOptimize(m.on_wait_done(now));
        ++cycles;
    }
    state.counters["allocs/cycle"] =
        static_cast<double>(allocations.load() - before) / static_cast<double>(cycles);
}

} // namespace

BENCHMARK(machine_cycle);
BENCHMARK(refused_cycle);
BENCHMARK(flap_cycle);
BENCHMARK_MAIN();
