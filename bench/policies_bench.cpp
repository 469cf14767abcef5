// Every policy's next delay beside a hand-written equivalent (`<name>_baseline`) measured in the
// same run, jitter beside std::mt19937_64 + a standard distribution, one machine step per
// event, and the machine's size with each policy. Ratios are printed after the runs.
//
//   build/bin/redial-bench                       (the numbers in docs/performance.md)
//   build/bin/redial-bench --benchmark_filter=jitter

#include <redial/core/machine.hpp>

#include "support/policy_list.hpp"

#include <benchmark/benchmark.h>
#include <boost/hana/for_each.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace {

using namespace std::chrono_literals;
using redial::test::policy_traits;
namespace hana = boost::hana;

constexpr std::int64_t sec = 1'000'000'000;

// --- hand-written baselines: what a user would write inline, no policies --------------------

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

void constant_baseline(benchmark::State& state) {
    std::int64_t d = sec;
    benchmark::DoNotOptimize(d);
    for (auto _ : state) {
        benchmark::DoNotOptimize(d);
    }
}

void linear_baseline(benchmark::State& state) {
    std::int64_t cur = sec, step = sec, max = 30 * sec;
    for (auto _ : state) {
        const std::int64_t d = cur;
        cur = std::min(cur + step, max);
        benchmark::DoNotOptimize(d);
    }
}

void exponential_baseline(benchmark::State& state) {
    std::int64_t cur = sec, max = 30 * sec;
    for (auto _ : state) {
        const std::int64_t d = cur;
        cur = std::min(cur * 2, max);
        benchmark::DoNotOptimize(d);
    }
}

void decorrelated_jitter_baseline(benchmark::State& state) {
    splitmix g{1};
    std::int64_t base = sec, cap = 30 * sec, sleep = sec;
    for (auto _ : state) {
        const double span = static_cast<double>(3 * sleep - base);
        sleep = std::min(cap, base + static_cast<std::int64_t>(span * g.unit()));
        benchmark::DoNotOptimize(sleep);
    }
}

void decorrelated_jitter_mt19937_baseline(benchmark::State& state) {
    std::mt19937_64 g{1};
    std::int64_t base = sec, cap = 30 * sec, sleep = sec;
    for (auto _ : state) {
        std::uniform_int_distribution<std::int64_t> dist(base, 3 * sleep);
        sleep = std::min(cap, dist(g));
        benchmark::DoNotOptimize(sleep);
    }
}

void jittered_exponential_baseline(benchmark::State& state) {
    splitmix g{1};
    std::int64_t cur = sec, max = 30 * sec;
    for (auto _ : state) {
        const std::int64_t d = cur;
        cur = std::min(cur * 2, max);
        benchmark::DoNotOptimize(static_cast<std::int64_t>(static_cast<double>(d) * g.unit()));
    }
}

void jittered_exponential_mt19937_baseline(benchmark::State& state) {
    std::mt19937_64 g{1};
    std::uniform_real_distribution<double> dist(0.0, 1.0);
    std::int64_t cur = sec, max = 30 * sec;
    for (auto _ : state) {
        const std::int64_t d = cur;
        cur = std::min(cur * 2, max);
        benchmark::DoNotOptimize(static_cast<std::int64_t>(static_cast<double>(d) * dist(g)));
    }
}

void jittered_constant_baseline(benchmark::State& state) {
    splitmix g{1};
    const std::int64_t d = 2 * sec;
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            static_cast<std::int64_t>(static_cast<double>(d) * (1.0 + 0.05 * g.unit())));
    }
}

// A run-time choice between the configured schedules, written as a plain switch.
void configured_baseline(benchmark::State& state) {
    enum class kind { exponential, jittered, decorrelated };
    volatile kind chosen_v = kind::jittered;
    const kind chosen = chosen_v;
    splitmix g{1};
    std::int64_t cur = sec, max = 30 * sec, base = sec;
    for (auto _ : state) {
        std::int64_t d = 0;
        switch (chosen) {
        case kind::exponential:
            d = cur;
            cur = std::min(cur * 2, max);
            break;
        case kind::jittered:
            d = static_cast<std::int64_t>(static_cast<double>(cur) * g.unit());
            cur = std::min(cur * 2, max);
            break;
        case kind::decorrelated:
            cur = std::min(max, base + static_cast<std::int64_t>(
                                           static_cast<double>(3 * cur - base) * g.unit()));
            d = cur;
            break;
        }
        benchmark::DoNotOptimize(d);
    }
}

// --- the policies, from the one list ---------------------------------------------------------

template <class P>
void next_delay(benchmark::State& state) {
    P p = policy_traits<P>::make(1);
    for (auto _ : state) {
        benchmark::DoNotOptimize(p.next());
    }
}

// --- one machine step per event: a failed connect then the end of its sleep -----------------

void machine_step(benchmark::State& state) {
    redial::reconnect_machine m{redial::exponential_backoff{}, redial::uptime_threshold{},
                                redial::machine_options{.give_up_timeout = 0s}};
    redial::time_point now{};
    m.start(now);
    const std::error_code refused = std::make_error_code(std::errc::connection_refused);
    for (auto _ : state) {
        const redial::decision d = m.on_connect_failed(now, refused);
        now += d.delay;
        benchmark::DoNotOptimize(m.on_wait_done(now));
    }
    state.SetItemsProcessed(2 * state.iterations());
}

// The same two events written as the seeds' loop body, inline.
void machine_step_baseline(benchmark::State& state) {
    std::int64_t delay = sec, max = 30 * sec, now = 0, start = 0, timeout = 0;
    std::error_code last;
    const std::error_code refused = std::make_error_code(std::errc::connection_refused);
    bool give_up = false;
    for (auto _ : state) {
        last = refused;
        now += delay;
        delay = std::min(delay * 2, max);
        give_up = timeout != 0 && now - start > timeout;
        benchmark::DoNotOptimize(give_up);
        benchmark::DoNotOptimize(last);
    }
    state.SetItemsProcessed(2 * state.iterations());
}

// --- ratios ---------------------------------------------------------------------------------

class ratio_reporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs) {
            if (!r.error_occurred && r.run_type == Run::RT_Iteration) {
                ns_[r.benchmark_name()] =
                    r.GetAdjustedRealTime() * (r.time_unit == benchmark::kNanosecond ? 1.0 : 1e3);
            }
        }
        ConsoleReporter::ReportRuns(runs);
    }

    void print_ratios(const std::vector<std::string>& policies) const {
        std::printf("\n%-28s %10s %10s %8s  %s\n", "policy", "ns/delay", "baseline", "ratio",
                    "target");
        for (const std::string& name : policies) {
            row(name, name + "_baseline", "<= 1.10");
        }
        std::printf("\n%-28s %10s %10s %8s  %s\n", "against std::mt19937_64", "ns/delay", "mt19937",
                    "speedup", "target");
        speedup("decorrelated_jitter", "decorrelated_jitter_mt19937_baseline", ">= 2.0");
        speedup("jittered_exponential", "jittered_exponential_mt19937_baseline", "");
        std::printf("\n%-28s %10s %10s %8s\n", "machine", "ns/2 evts", "baseline", "ratio");
        row("machine_step", "machine_step_baseline", "");
    }

private:
    bool have(const std::string& a, const std::string& b) const {
        return ns_.count(a) != 0 && ns_.count(b) != 0 && ns_.at(b) > 0;
    }
    void row(const std::string& a, const std::string& b, const char* target) const {
        if (have(a, b)) {
            std::printf("%-28s %10.2f %10.2f %8.2f  %s\n", a.c_str(), ns_.at(a), ns_.at(b),
                        ns_.at(a) / ns_.at(b), target);
        }
    }
    void speedup(const std::string& a, const std::string& b, const char* target) const {
        if (have(b, a)) {
            std::printf("%-28s %10.2f %10.2f %8.2f  %s\n", a.c_str(), ns_.at(a), ns_.at(b),
                        ns_.at(b) / ns_.at(a), target);
        }
    }

    std::map<std::string, double> ns_;
};

template <class B, class S>
void print_size(const char* b, const char* s) {
    std::printf("  sizeof(basic_reconnect_machine<%s, %s>) = %zu\n", b, s,
                sizeof(redial::basic_reconnect_machine<B, S>));
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> policies;
    hana::for_each(redial::test::backoff_policies, [&](auto t) {
        using P = typename decltype(t)::type;
        policies.emplace_back(policy_traits<P>::name);
        benchmark::RegisterBenchmark(policy_traits<P>::name, next_delay<P>);
    });
    benchmark::RegisterBenchmark("constant_baseline", constant_baseline);
    benchmark::RegisterBenchmark("linear_baseline", linear_baseline);
    benchmark::RegisterBenchmark("exponential_baseline", exponential_baseline);
    benchmark::RegisterBenchmark("decorrelated_jitter_baseline", decorrelated_jitter_baseline);
    benchmark::RegisterBenchmark("decorrelated_jitter_mt19937_baseline",
                                 decorrelated_jitter_mt19937_baseline);
    benchmark::RegisterBenchmark("jittered_exponential_baseline", jittered_exponential_baseline);
    benchmark::RegisterBenchmark("jittered_exponential_mt19937_baseline",
                                 jittered_exponential_mt19937_baseline);
    benchmark::RegisterBenchmark("jittered_constant_baseline", jittered_constant_baseline);
    benchmark::RegisterBenchmark("configured_baseline", configured_baseline);
    benchmark::RegisterBenchmark("machine_step", machine_step);
    benchmark::RegisterBenchmark("machine_step_baseline", machine_step_baseline);

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    std::printf("Machine sizes (Error = std::error_code):\n");
    hana::for_each(redial::test::backoff_policies, [](auto t) {
        using P = typename decltype(t)::type;
        print_size<P, redial::uptime_threshold>(policy_traits<P>::name, "uptime_threshold");
    });
    hana::for_each(redial::test::stability_policies, [](auto t) {
        using S = typename decltype(t)::type;
        print_size<redial::exponential_backoff, S>("exponential", policy_traits<S>::name);
    });
    ratio_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.print_ratios(policies);
    benchmark::Shutdown();
    return 0;
}
