// Every policy's next delay beside a hand-written equivalent (`<name>_baseline`) measured in the
// same run, jitter beside std::mt19937_64 + a standard distribution, one machine step per
// event, and the machine's size with each policy. Ratios are printed after the runs.
//
//   build/bin/redial-bench --benchmark_repetitions=10 --benchmark_enable_random_interleaving=true
//   (the numbers in docs/performance.md)
//   build/bin/redial-bench --benchmark_filter=jitter

#include <redial/core/machine.hpp>

#include "report.hpp"
#include "support/policy_list.hpp"

#include <benchmark/benchmark.h>
#include <boost/hana/for_each.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

using namespace std::chrono_literals;
using redial::test::policy_traits;
namespace hana = boost::hana;

constexpr std::int64_t sec = 1'000'000'000;

// Every benchmark runs whole schedules: reset(), then `schedule_length` delays, so each policy
// grows, reaches its cap and is reset again, as in a real failing streak. Policies and their
// baselines go through the same template, so the harness is identical on both sides.
constexpr int schedule_length = 16;

template <class P>
void schedule(benchmark::State& state, P p) {
    for (auto _ : state) {
        p.reset();
        for (int i = 0; i < schedule_length; ++i) {
            benchmark::DoNotOptimize(p.next());
        }
    }
    state.SetItemsProcessed(schedule_length * state.iterations());
}

// --- hand-written baselines: what a user would write inline, without redial ------------------

struct splitmix {
    std::uint64_t s;
    std::uint64_t operator()() {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double unit() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
};

struct constant_baseline {
    std::int64_t d = sec;
    void reset() {}
    std::int64_t next() { return d; }
};

struct linear_baseline {
    std::int64_t cur = sec, step = sec, max = 30 * sec;
    void reset() { cur = sec; }
    std::int64_t next() {
        const std::int64_t d = cur;
        cur = std::min(cur + step, max);
        return d;
    }
};

struct exponential_baseline { // the seeds' loop: delay = min(delay * multiplier, max)
    std::int64_t cur = sec, max = 30 * sec;
    void reset() { cur = sec; }
    std::int64_t next() {
        const std::int64_t d = cur;
        cur = std::min(cur * 2, max);
        return d;
    }
};

struct decorrelated_jitter_baseline { // AWS: sleep = min(cap, U(base, 3·sleep)), integers
    splitmix g{1};
    std::int64_t base = sec, cap = 30 * sec, sleep = sec;
    void reset() { sleep = base; }
    std::int64_t next() {
        const auto span = static_cast<std::uint64_t>(3 * sleep - base);
        const auto r = redial::detail::scale_draw(span, g());
        sleep = std::min(cap, base + static_cast<std::int64_t>(r));
        return sleep;
    }
};

struct decorrelated_jitter_mt19937_baseline {
    std::mt19937_64 g{1};
    std::int64_t base = sec, cap = 30 * sec, sleep = sec;
    void reset() { sleep = base; }
    std::int64_t next() {
        std::uniform_int_distribution<std::int64_t> dist(base, 3 * sleep - 1);
        sleep = std::min(cap, dist(g));
        return sleep;
    }
};

// A jitter window chosen at run time, as a careful user writes it from configuration: the
// factor is lo + (hi - lo)·u, the delay scaled is limited to max/hi so the window fits below
// the cap, and the result is checked in doubles before the conversion (a factor from a config
// file may be huge, and converting a double above 2^63 is undefined).
struct jittered_exponential_baseline {
    splitmix g{1};
    exponential_baseline e;
    double lo = 0.0, hi = 1.0;
    std::int64_t before = 30 * sec; // max / hi
    double limit = 30.0 * sec;      // max as a double (exact here)
    std::int64_t max = 30 * sec;
    void reset() { e.reset(); }
    std::int64_t next() {
        const std::int64_t d = std::min(e.next(), before);
        const double x = static_cast<double>(d) * (lo + (hi - lo) * g.unit());
        return x < limit ? static_cast<std::int64_t>(x) : max;
    }
};

struct full_jittered_exponential_baseline { // full jitter: U(0, min(cap, base·2^n))
    splitmix g{1};
    exponential_baseline e;
    void reset() { e.reset(); }
    std::int64_t next() {
        return static_cast<std::int64_t>(static_cast<double>(e.next()) * g.unit());
    }
};

struct jittered_exponential_mt19937_baseline {
    std::mt19937_64 g{1};
    std::uniform_real_distribution<double> dist{0.0, 1.0};
    exponential_baseline e;
    void reset() { e.reset(); }
    std::int64_t next() {
        return static_cast<std::int64_t>(static_cast<double>(e.next()) * dist(g));
    }
};

// NATS: ReconnectWait (2 s) plus up to ReconnectJitter (100 ms), both run-time options. A
// careful hand-written version checks the product before converting it (converting a double
// above 2^63 is undefined), as the policy does.
struct jittered_constant_baseline {
    splitmix g{1};
    std::int64_t wait = 2 * sec;
    double jitter = 0.05; // of the wait
    void reset() {}
    std::int64_t next() {
        const double x = static_cast<double>(wait) * (1.0 + jitter * g.unit());
        return x < 0x1.0p63 ? static_cast<std::int64_t>(x) : INT64_MAX;
    }
};

// A run-time choice between the configured schedules, written as a plain switch.
struct configured_baseline {
    enum class kind { exponential, jittered, decorrelated };
    kind chosen;
    exponential_baseline e;
    full_jittered_exponential_baseline j;
    decorrelated_jitter_baseline d;
    void reset() {
        switch (chosen) {
        case kind::exponential:
            e.reset();
            break;
        case kind::jittered:
            j.reset();
            break;
        case kind::decorrelated:
            d.reset();
            break;
        }
    }
    std::int64_t next() {
        switch (chosen) {
        case kind::exponential:
            return e.next();
        case kind::jittered:
            return j.next();
        case kind::decorrelated:
            return d.next();
        }
        return 0;
    }
};

template <class B>
void baseline(benchmark::State& state) {
    schedule(state, B{});
}

void configured_baseline_bench(benchmark::State& state) {
    volatile int chosen = 1; // jittered, as the configured sample: chosen at run time
    configured_baseline b{static_cast<configured_baseline::kind>(chosen), {}, {}, {}};
    schedule(state, b);
}

// --- the policies, from the one list ---------------------------------------------------------

template <class P>
void next_delay(benchmark::State& state) {
    schedule(state, policy_traits<P>::make(1));
}

// --- the machine: a failing streak of 8 connects, then a stable session, per iteration ------
// The default 5-minute give-up timeout is live (8 failures sleep 121 s, so it never fires), and
// every decision is consumed, on both sides, so neither loop can be folded away.

constexpr int machine_failures = 8;
// Each iteration advances virtual time by an hour; both loops start over long before the
// nanosecond counter could overflow (about 2.5 million hours).
constexpr std::chrono::nanoseconds restart_after = std::chrono::hours{1'000'000};
constexpr int machine_events = 2 * machine_failures + 2;

void machine_step(benchmark::State& state) {
    redial::reconnect_machine m;
    redial::time_point now{};
    redial::decision d = m.start(now);
    const std::error_code refused = std::make_error_code(std::errc::connection_refused);
    for (auto _ : state) {
        for (int i = 0; i < machine_failures; ++i) {
            d = m.on_connect_failed(now, refused);
            benchmark::DoNotOptimize(d);
            now += d.delay;
            d = m.on_wait_done(now);
            benchmark::DoNotOptimize(d);
        }
        m.on_connected(now);
        now += 1h;
        d = m.on_session_end(now, refused);
        benchmark::DoNotOptimize(d);
        now += d.delay;
        d = m.on_wait_done(now);
        benchmark::DoNotOptimize(d);
        if (now.time_since_epoch() > restart_after) { // before virtual time could overflow
            state.PauseTiming();
            m.reset();
            now = {};
            d = m.start(now);
            state.ResumeTiming();
        }
    }
    state.SetItemsProcessed(machine_events * state.iterations());
}

// The same events handled by the seeds' loop body (after PR 1806), written inline.
void machine_step_baseline(benchmark::State& state) {
    std::int64_t delay = sec, max = 30 * sec, now = 0, retry_start = 0, timeout = 300 * sec;
    std::optional<std::error_code> last;
    const std::error_code refused = std::make_error_code(std::errc::connection_refused);
    // Sleep the current delay, escalate it, and check the window before the next attempt.
    auto back_off = [&] {
        std::int64_t d = delay;
        delay = std::min(delay * 2, max);
        benchmark::DoNotOptimize(d);
        now += d;
        bool give_up = timeout != 0 && now - retry_start > timeout;
        benchmark::DoNotOptimize(give_up);
    };
    for (auto _ : state) {
        for (int i = 0; i < machine_failures; ++i) {
            last = refused;
            back_off();
        }
        const std::int64_t connected_at = now;
        now += 3600 * sec;
        if (now - connected_at >= sec) { // stable: reset delay, window and last error
            delay = sec;
            retry_start = now;
            last.reset();
        } else {
            last = refused;
        }
        back_off();
        benchmark::DoNotOptimize(last);
        if (now > restart_after.count()) {
            state.PauseTiming();
            now = retry_start = 0;
            state.ResumeTiming();
        }
    }
    state.SetItemsProcessed(machine_events * state.iterations());
}

// --- ratios ---------------------------------------------------------------------------------

// Per delay (or event), the minimum over repetitions of each benchmark: noise only adds time.
class ratio_table {
public:
    void observe(const benchmark::BenchmarkReporter::Run& r) {
        if (r.error_occurred || r.run_type != benchmark::BenchmarkReporter::Run::RT_Iteration) {
            return;
        }
        const double per_item =
            r.GetAdjustedRealTime() * (r.time_unit == benchmark::kNanosecond ? 1.0 : 1e3) /
            (r.run_name.function_name.starts_with("machine") ? machine_events : schedule_length);
        auto [it, fresh] = ns_.try_emplace(r.run_name.function_name, per_item);
        if (!fresh && per_item < it->second) {
            it->second = per_item;
        }
    }

    void print(std::FILE* out, const std::vector<std::string>& policies) const {
        std::fprintf(out, "\n%-28s %10s %10s %8s  %s\n", "policy", "ns/delay", "baseline", "ratio",
                     "target");
        for (const std::string& name : policies) {
            row(out, name, name + "_baseline", "<= 1.10");
        }
        std::fprintf(out, "\n%-28s %10s %10s %8s  %s\n", "against std::mt19937_64", "ns/delay",
                     "mt19937", "speedup", "target");
        speedup(out, "decorrelated_jitter", "decorrelated_jitter_mt19937_baseline", ">= 2.0");
        speedup(out, "full_jittered_exponential", "jittered_exponential_mt19937_baseline", "");
        std::fprintf(out, "\n%-28s %10s %10s %8s\n", "machine", "ns/event", "baseline", "ratio");
        row(out, "machine_step", "machine_step_baseline", "");
    }

private:
    bool have(const std::string& a, const std::string& b) const {
        return ns_.count(a) != 0 && ns_.count(b) != 0 && ns_.at(b) > 0;
    }
    void row(std::FILE* out, const std::string& a, const std::string& b, const char* target) const {
        if (have(a, b)) {
            std::fprintf(out, "%-28s %10.2f %10.2f %8.2f  %s\n", a.c_str(), ns_.at(a), ns_.at(b),
                         ns_.at(a) / ns_.at(b), target);
        }
    }
    void speedup(std::FILE* out, const std::string& a, const std::string& b,
                 const char* target) const {
        if (have(b, a)) {
            std::fprintf(out, "%-28s %10.2f %10.2f %8.2f  %s\n", a.c_str(), ns_.at(a), ns_.at(b),
                         ns_.at(b) / ns_.at(a), target);
        }
    }

    std::map<std::string, double> ns_;
};

template <class B, class S>
void print_size(std::FILE* out, const char* b, const char* s) {
    std::fprintf(out, "  sizeof(basic_reconnect_machine<%s, %s>) = %zu\n", b, s,
                 sizeof(redial::basic_reconnect_machine<B, S>));
}

} // namespace

int main(int argc, char** argv) {
    // Each baseline is registered right after its policy, so both see the same machine state;
    // run with --benchmark_enable_random_interleaving=true for the numbers of record.
    const std::map<std::string, void (*)(benchmark::State&)> baselines{
        {"constant", baseline<constant_baseline>},
        {"linear", baseline<linear_baseline>},
        {"exponential", baseline<exponential_baseline>},
        {"decorrelated_jitter", baseline<decorrelated_jitter_baseline>},
        {"jittered_exponential", baseline<jittered_exponential_baseline>},
        {"full_jittered_exponential", baseline<full_jittered_exponential_baseline>},
        {"jittered_constant", baseline<jittered_constant_baseline>},
        {"configured", configured_baseline_bench},
    };
    std::vector<std::string> policies;
    hana::for_each(redial::test::backoff_policies, [&](auto t) {
        using P = typename decltype(t)::type;
        const std::string name = policy_traits<P>::name;
        policies.push_back(name);
        benchmark::RegisterBenchmark(name.c_str(), next_delay<P>);
        if (auto b = baselines.find(name); b != baselines.end()) {
            benchmark::RegisterBenchmark((name + "_baseline").c_str(), b->second);
        }
    });
    benchmark::RegisterBenchmark("decorrelated_jitter_mt19937_baseline",
                                 baseline<decorrelated_jitter_mt19937_baseline>);
    benchmark::RegisterBenchmark("jittered_exponential_mt19937_baseline",
                                 baseline<jittered_exponential_mt19937_baseline>);
    benchmark::RegisterBenchmark("machine_step", machine_step);
    benchmark::RegisterBenchmark("machine_step_baseline", machine_step_baseline);

    const std::string_view format = redial::bench::output_format(argc, argv);
    std::FILE* const tables = redial::bench::table_stream(format);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    std::fprintf(tables, "Machine sizes (Error = std::error_code):\n");
    hana::for_each(redial::test::backoff_policies, [&](auto t) {
        using P = typename decltype(t)::type;
        print_size<P, redial::uptime_threshold>(tables, policy_traits<P>::name, "uptime_threshold");
    });
    hana::for_each(redial::test::stability_policies, [&](auto t) {
        using S = typename decltype(t)::type;
        print_size<redial::exponential_backoff, S>(tables, "exponential", policy_traits<S>::name);
    });
    std::fflush(tables);
    ratio_table ratios;
    redial::bench::observing_reporter reporter(
        format, [&](const benchmark::BenchmarkReporter::Run& r) { ratios.observe(r); });
    benchmark::RunSpecifiedBenchmarks(&reporter);
    std::fflush(stdout);
    ratios.print(tables, policies);
    benchmark::Shutdown();
    return 0;
}
