// The driver's cost per reconnect cycle in virtual time, beside the bare machine step, and heap
// allocations per cycle, counted at the allocator (alloc_count.hpp: malloc, aligned_alloc,
// posix_memalign, every operator new).
//
//   build/bin/redial-driver-bench --benchmark_repetitions=5
//   REDIAL_ALLOC_TRACE=1 build/bin/redial-driver-bench --benchmark_min_time=0.0001  (backtraces)

#include "alloc_count.hpp"

#include <redial/aliases.hpp>
#include <redial/liveness/idle_timeout.hpp>
#include <redial/setup/transport.hpp>

#include <asio/completion_condition.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
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

// A setup step: write a hello, read the server's one-byte answer, consume it.
struct hello_step {
    void operator()(transport::connection& c, redial::setup_buffer& in,
                    redial::setup_done done) const {
        asio::async_write(
            c, asio::buffer("HELLO", 5),
            [&c, &in, done = std::move(done)](std::error_code ec, std::size_t) mutable {
                if (ec) {
                    done(ec);
                    return;
                }
                asio::async_read(
                    c, in.dynamic(), asio::transfer_exactly(1),
                    [&in, done = std::move(done)](std::error_code e, std::size_t n) mutable {
                        in.consume(n);
                        done(e);
                    });
            });
    }
};

// Runs `r` to its cap, then counts virtual-time steps and allocations per step.
template <class Reconnector>
void count_cycles(benchmark::State& state, redial::virtual_clock& clock, Reconnector& r,
                  auto session, const char* label) {
    r.async_run(std::move(session), [](std::error_code) {});
    for (int i = 0; i < 64; ++i) {
        clock.run_next();
    }
    std::uint64_t cycles = 0;
    const redial_bench::alloc_trace trace;
    const std::uint64_t before = redial_bench::allocations();
    for (auto _ : state) {
        clock.run_next();
        ++cycles;
    }
    state.counters["allocs/cycle"] =
        static_cast<double>(redial_bench::allocations() - before) / static_cast<double>(cycles);
    state.SetLabel(label);
}

// Both sessions last 2 s against a server that answers each write with a byte at once.
const redial::scripted_step answering = redial::scripted_step::accept(2s).answering_after(0s);

// The baseline, written by hand: the session does the hello itself, then holds the connection.
void stable_cycle_hello_in_session(benchmark::State& state) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    auto r = redial::make_reconnector(
        io.get_executor(),
        transport{clock, io.get_executor(), [](std::size_t) { return answering; }},
        redial::with_clock(clock), redial::with_backoff(redial::exponential_backoff{1s, 2.0, 30s}),
        redial::with_give_up({.give_up_timeout = 0s}));
    std::string buffer;
    count_cycles(
        state, clock, r,
        [&buffer](transport::connection& c, auto done) {
            asio::async_write(
                c, asio::buffer("HELLO", 5), [&c, &buffer, done](std::error_code ec, std::size_t) {
                    if (ec) {
                        done(ec);
                        return;
                    }
                    buffer.clear();
                    asio::async_read(c, asio::dynamic_buffer(buffer), asio::transfer_exactly(1),
                                     [&c, done](std::error_code e, std::size_t) {
                                         if (e) {
                                             done(e);
                                             return;
                                         }
                                         redial::hold_session{}(c, done);
                                     });
                });
        },
        "stable 2 s sessions, the hello written in the session");
}

// The same hello as a setup step: what the setup stage costs per connect beyond the baseline
// (its attempt, its deadline, its buffer).
void stable_cycle_hello_in_setup(benchmark::State& state) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    auto r = redial::make_reconnector(
        io.get_executor(),
        redial::with_setup(
            redial::setup_options{.timeout = 10s},
            transport{clock, io.get_executor(), [](std::size_t) { return answering; }},
            hello_step{}),
        redial::with_clock(clock), redial::with_backoff(redial::exponential_backoff{1s, 2.0, 30s}),
        redial::with_give_up({.give_up_timeout = 0s}));
    count_cycles(state, clock, r, redial::hold_session{},
                 "stable 2 s sessions, the hello as a setup step");
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
BENCHMARK(stable_cycle_hello_in_session);
BENCHMARK(stable_cycle_hello_in_setup);

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
