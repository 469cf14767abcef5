// Every policy's next delay beside a hand-written equivalent (`<name>_baseline`) measured in the
// same run, jitter beside std::mt19937_64 + a standard distribution, one machine step per
// event, and the machine's size with each policy. Ratios are printed after the runs.
//
//   build/bin/redial-bench --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
//   build/bin/redial-bench-O3 ...                 (the same source at -O3)
//   build/bin/redial-bench --instructions=N       (under callgrind: scripts/bench-instructions.sh)
//
// Fairness: both sides are built from literals, then laundered (the compiler sees the whole
// object rewritten by an asm statement it cannot look into), so no parameter is a constant on
// either side; the object's address escapes, and every schedule (the `schedule` variant) or
// every call (the `per_call` variant, as a driver sees a policy between attempts) clobbers
// memory, so the state is reloaded and nothing is loop-invariant.

#include <redial/core/machine.hpp>

#include "report.hpp"
#include "support/policy_list.hpp"

#include <benchmark/benchmark.h>
#include <boost/hana/for_each.hpp>
#include <valgrind/callgrind.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

/// After this the compiler knows nothing of `v`'s contents, and its address has escaped.
template <class T>
T& launder(T& v) {
    benchmark::DoNotOptimize(v);
    T* p = &v;
    benchmark::DoNotOptimize(p);
    return v;
}

// Every benchmark runs whole schedules: reset(), then `schedule_length` delays, so each policy
// grows, reaches its cap and is reset again, as in a real failing streak. Policies and their
// baselines go through the same template, so the harness is identical on both sides.
constexpr int schedule_length = 16;

enum class variant { schedule, per_call };

constexpr std::int64_t count_of(std::int64_t n) {
    return n;
}
constexpr std::int64_t count_of(std::chrono::nanoseconds d) {
    return d.count();
}

template <variant V, class State, class P>
void run_schedules(State& state, P& p) {
    launder(p);
    for (auto _ : state) {
        benchmark::ClobberMemory(); // the state is read from memory at each schedule
        p.reset();
        for (int i = 0; i < schedule_length; ++i) {
            std::int64_t d = count_of(p.next()); // both sides consume an integer in a register
            benchmark::DoNotOptimize(d);
            if constexpr (V == variant::per_call) {
                benchmark::ClobberMemory();
            }
        }
    }
    state.SetItemsProcessed(schedule_length * static_cast<std::int64_t>(state.iterations()));
}

// --- hand-written baselines: what a careful user writes inline, without redial ---------------
// Each keeps the policy's guarantees (no overflow at any parameter, the cap) unless its comment
// says otherwise, and computes its limits once, as such code would.

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

struct linear_baseline { // cur + step, capped; the cap is checked before the add can overflow
    std::int64_t initial = sec, step = sec, max = 30 * sec;
    std::int64_t limit = max - step; // above it, the next step reaches the cap
    std::int64_t cur = initial;
    void reset() { cur = initial; }
    std::int64_t next() {
        const std::int64_t d = cur;
        cur = cur > limit ? max : cur + step;
        return d;
    }
};

struct exponential_baseline { // moq-native's loop: delay = min(delay · multiplier, max)
    std::int64_t initial = sec, multiplier = 2, max = 30 * sec;
    std::int64_t limit = max / multiplier; // above it, the product is past the cap
    std::int64_t cur = initial;
    void reset() { cur = initial; }
    std::int64_t next() {
        const std::int64_t d = cur;
        cur = cur > limit ? max : cur * multiplier;
        return d;
    }
};

struct decorrelated_jitter_baseline { // AWS: sleep = min(cap, U(base, 3·sleep)), integers
    splitmix g{1};
    std::int64_t base = sec, cap = 30 * sec, sleep = sec;
    void reset() { sleep = base; }
    std::int64_t next() { // no overflow guard: 3·sleep overflows for a cap above a third of 2^63
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
    kind chosen = kind::jittered; // as the configured sample; laundered, so chosen at run time
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

template <class B, variant V>
struct baseline {
    template <class State>
    void operator()(State& state) const {
        B b{};
        run_schedules<V>(state, b);
    }
};

template <class P, variant V>
struct next_delay {
    template <class State>
    void operator()(State& state) const {
        P p = policy_traits<P>::make(1);
        run_schedules<V>(state, p);
    }
};

// --- the machine: a failing streak of 8 connects, then a stable session, per iteration ------
// The default 5-minute give-up timeout is live (8 failures sleep 121 s, so it never fires), and
// every decision is consumed, on both sides, so neither loop can be folded away. Both sides are
// laundered after construction and clobbered once per iteration.

constexpr int machine_failures = 8;
// Each iteration advances virtual time by an hour; both loops start over long before the
// nanosecond counter could overflow (about 2.5 million hours).
constexpr std::chrono::nanoseconds restart_after = std::chrono::hours{1'000'000};
constexpr int machine_events = 2 * machine_failures + 2;

/// What a driver reads of a decision, consumed as the baseline consumes its delay and give-up
/// flag: two integers in registers (a 16-byte struct would go through memory).
void consume(const redial::decision& d) {
    auto what = static_cast<int>(d.what);
    std::int64_t delay = d.delay.count();
    benchmark::DoNotOptimize(what);
    benchmark::DoNotOptimize(delay);
}

struct machine_step {
    template <class State>
    void operator()(State& state) const {
        redial::reconnect_machine m;
        redial::time_point now{};
        const std::error_code refused = std::make_error_code(std::errc::connection_refused);
        launder(m);
        redial::decision d = m.start(now);
        for (auto _ : state) {
            benchmark::ClobberMemory();
            for (int i = 0; i < machine_failures; ++i) {
                d = m.on_connect_failed(now, refused);
                consume(d);
                now += d.delay;
                d = m.on_wait_done(now);
                consume(d);
            }
            m.on_connected(now);
            now += 1h;
            d = m.on_session_end(now, refused);
            consume(d);
            now += d.delay;
            d = m.on_wait_done(now);
            consume(d);
            if (now.time_since_epoch() > restart_after) { // before virtual time could overflow
                state.PauseTiming();
                m.reset();
                now = {};
                d = m.start(now);
                state.ResumeTiming();
            }
        }
        state.SetItemsProcessed(machine_events * static_cast<std::int64_t>(state.iterations()));
    }
};

// The same events handled by moq-native's loop body (after PR 1806), written inline, with the
// schedule's limit computed once (as exponential_baseline).
struct machine_step_baseline {
    struct loop {
        std::int64_t initial = sec, multiplier = 2, max = 30 * sec, timeout = 300 * sec;
        std::int64_t threshold = sec;
        std::int64_t limit = max / multiplier;
        std::int64_t delay = initial, now = 0, retry_start = 0;
        std::optional<std::error_code> last;
    };
    template <class State>
    void operator()(State& state) const {
        loop s;
        const std::error_code refused = std::make_error_code(std::errc::connection_refused);
        launder(s);
        // Sleep the current delay, escalate it, and check the window before the next attempt.
        auto back_off = [&] {
            std::int64_t d = s.delay;
            s.delay = s.delay > s.limit ? s.max : s.delay * s.multiplier;
            benchmark::DoNotOptimize(d);
            s.now += d;
            bool give_up = s.timeout != 0 && s.now - s.retry_start > s.timeout;
            benchmark::DoNotOptimize(give_up);
        };
        for (auto _ : state) {
            benchmark::ClobberMemory();
            for (int i = 0; i < machine_failures; ++i) {
                s.last = refused;
                back_off();
            }
            const std::int64_t connected_at = s.now;
            s.now += 3600 * sec;
            if (s.now - connected_at >= s.threshold) { // stable: reset delay, window, last error
                s.delay = s.initial;
                s.retry_start = s.now;
                s.last.reset();
            } else {
                s.last = refused;
            }
            back_off();
            benchmark::DoNotOptimize(s.last);
            if (s.now > restart_after.count()) {
                state.PauseTiming();
                s.now = s.retry_start = 0;
                state.ResumeTiming();
            }
        }
        state.SetItemsProcessed(machine_events * static_cast<std::int64_t>(state.iterations()));
    }
};

// --- registration: one list for Google Benchmark and for the instruction counts --------------

/// Runs a body a fixed number of iterations (under callgrind: --instructions=N).
class fixed_loop {
public:
    explicit fixed_loop(std::uint64_t n) : n_(n) {}
    struct [[gnu::unused]] value {}; // as benchmark::State's: `for (auto _ : state)` is no warning
    struct iterator {
        std::uint64_t left;
        bool operator!=(const iterator& o) const { return left != o.left; }
        void operator++() { --left; }
        value operator*() const { return {}; }
    };
    iterator begin() const { return {n_}; }
    iterator end() const { return {0}; }
    [[nodiscard]] std::uint64_t iterations() const { return n_; }
    void PauseTiming() {}
    void ResumeTiming() {}
    void SetItemsProcessed(std::int64_t) {}

private:
    std::uint64_t n_;
};

struct entry {
    std::string name;
    int items; // delays or events per iteration
    void (*timed)(benchmark::State&);
    void (*counted)(fixed_loop&);
};

template <class Body>
entry make_entry(std::string name, int items) {
    return {std::move(name), items, [](benchmark::State& s) { Body{}(s); },
            [](fixed_loop& s) { Body{}(s); }};
}

template <variant V>
void add_variant(std::vector<entry>& out, std::vector<std::string>& policies) {
    const std::string suffix = V == variant::per_call ? "/per_call" : "";
    const std::map<std::string, entry (*)(std::string, int)> baselines{
        {"constant", make_entry<baseline<constant_baseline, V>>},
        {"linear", make_entry<baseline<linear_baseline, V>>},
        {"exponential", make_entry<baseline<exponential_baseline, V>>},
        {"decorrelated_jitter", make_entry<baseline<decorrelated_jitter_baseline, V>>},
        {"jittered_exponential", make_entry<baseline<jittered_exponential_baseline, V>>},
        {"full_jittered_exponential", make_entry<baseline<full_jittered_exponential_baseline, V>>},
        {"jittered_constant", make_entry<baseline<jittered_constant_baseline, V>>},
        {"configured", make_entry<baseline<configured_baseline, V>>},
    };
    // Each baseline is registered right after its policy, so both see the same machine state;
    // run with --benchmark_enable_random_interleaving=true for the numbers of record.
    hana::for_each(redial::test::backoff_policies, [&](auto t) {
        using P = typename decltype(t)::type;
        const std::string name = policy_traits<P>::name;
        if (V == variant::schedule) {
            policies.push_back(name);
        }
        out.push_back(make_entry<next_delay<P, V>>(name + suffix, schedule_length));
        if (auto b = baselines.find(name); b != baselines.end()) {
            out.push_back(b->second(name + "_baseline" + suffix, schedule_length));
        }
    });
    if (V == variant::schedule) {
        out.push_back(make_entry<baseline<decorrelated_jitter_mt19937_baseline, V>>(
            "decorrelated_jitter_mt19937_baseline", schedule_length));
        out.push_back(make_entry<baseline<jittered_exponential_mt19937_baseline, V>>(
            "jittered_exponential_mt19937_baseline", schedule_length));
    }
}

std::vector<entry> all_benchmarks(std::vector<std::string>& policies) {
    std::vector<entry> out;
    add_variant<variant::schedule>(out, policies);
    add_variant<variant::per_call>(out, policies);
    out.push_back(make_entry<machine_step>("machine_step", machine_events));
    out.push_back(make_entry<machine_step_baseline>("machine_step_baseline", machine_events));
    return out;
}

// --- ratios ---------------------------------------------------------------------------------

// Per delay (or event), every repetition of each benchmark: each row shows min / median / max
// of both sides, and the ratio of the medians with the range of the per-repetition ratios
// (repetition i of a policy against repetition i of its baseline).
class ratio_table {
public:
    explicit ratio_table(const std::vector<entry>& all) {
        for (const entry& e : all) {
            items_[e.name] = e.items;
        }
    }

    void observe(const benchmark::BenchmarkReporter::Run& r) {
        if (r.error_occurred || r.run_type != benchmark::BenchmarkReporter::Run::RT_Iteration) {
            return;
        }
        const std::string name = r.run_name.function_name;
        const auto items = items_.find(name);
        if (items == items_.end()) {
            return;
        }
        ns_[name].push_back(r.GetAdjustedRealTime() *
                            (r.time_unit == benchmark::kNanosecond ? 1.0 : 1e3) / items->second);
    }

    void print(std::FILE* out, const std::vector<std::string>& policies) const {
        for (const char* suffix : {"", "/per_call"}) {
            header(out,
                   *suffix != 0 ? "policy (clobbered per call), ns/delay"
                                : "policy (per schedule), ns/delay",
                   "baseline", "ratio");
            for (const std::string& name : policies) {
                row(out, name + suffix, name + "_baseline" + suffix, false, "<= 1.10");
            }
        }
        header(out, "against std::mt19937_64, ns/delay", "mt19937", "speedup");
        row(out, "decorrelated_jitter", "decorrelated_jitter_mt19937_baseline", true, ">= 2.0");
        row(out, "full_jittered_exponential", "jittered_exponential_mt19937_baseline", true, "");
        header(out, "machine, ns/event", "seeds", "ratio");
        row(out, "machine_step", "machine_step_baseline", false, "");
    }

private:
    struct spread {
        double min, median, max;
    };
    static spread of(std::vector<double> v) {
        std::sort(v.begin(), v.end());
        const std::size_t n = v.size();
        const double median = n % 2 != 0 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return {v.front(), median, v.back()};
    }
    static void header(std::FILE* out, const char* what, const char* base, const char* ratio) {
        std::fprintf(out, "\n%-44s %20s  %20s  %-8s %-13s %s\n", what, "min / median / max", base,
                     ratio, "(range)", "target");
    }
    void row(std::FILE* out, const std::string& a, const std::string& b, bool inverse,
             const char* target) const {
        const auto ia = ns_.find(a);
        const auto ib = ns_.find(b);
        if (ia == ns_.end() || ib == ns_.end()) {
            return;
        }
        const spread sa = of(ia->second);
        const spread sb = of(ib->second);
        std::vector<double> ratios;
        for (std::size_t i = 0; i < ia->second.size() && i < ib->second.size(); ++i) {
            ratios.push_back(inverse ? ib->second[i] / ia->second[i]
                                     : ia->second[i] / ib->second[i]);
        }
        const spread sr = of(ratios);
        const double median = inverse ? sb.median / sa.median : sa.median / sb.median;
        std::fprintf(out, "%-44s %6.2f %6.2f %6.2f  %6.2f %6.2f %6.2f  %-8.2f %5.2f-%-6.2f  %s\n",
                     a.c_str(), sa.min, sa.median, sa.max, sb.min, sb.median, sb.max, median,
                     sr.min, sr.max, target);
    }

    std::map<std::string, int> items_;
    std::map<std::string, std::vector<double>> ns_;
};

template <class B, class S>
void print_size(std::FILE* out, const char* b, const char* s) {
    std::fprintf(out, "  sizeof(basic_reconnect_machine<%s, %s>) = %zu\n", b, s,
                 sizeof(redial::basic_reconnect_machine<B, S>));
}

// Under callgrind, each body runs `n` and then 2·n iterations, each run's instructions dumped
// under the label "redial-bench|<name>|<items per iteration>|<iterations>";
// scripts/bench-instructions.sh takes the difference, so set-up and tear-down cancel out.
int count_instructions(const std::vector<entry>& all, std::string_view filter, std::uint64_t n) {
    if (RUNNING_ON_VALGRIND == 0) {
        std::fprintf(stderr, "redial-bench: --instructions needs callgrind: run it through "
                             "scripts/bench-instructions.sh\n");
        return 2;
    }
    for (const entry& e : all) {
        if (!filter.empty() && e.name.find(filter) == std::string::npos) {
            continue;
        }
        for (const std::uint64_t iterations : {n, 2 * n}) {
            fixed_loop loop{iterations};
            const std::string label = "redial-bench|" + e.name + "|" + std::to_string(e.items) +
                                      "|" + std::to_string(iterations);
            CALLGRIND_ZERO_STATS;
            e.counted(loop);
            CALLGRIND_DUMP_STATS_AT(label.c_str());
        }
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> policies;
    const std::vector<entry> all = all_benchmarks(policies);

    // --instructions=N [--filter=S]: the fixed-iteration runs for callgrind, nothing else.
    constexpr std::string_view instructions_flag = "--instructions=";
    constexpr std::string_view filter_flag = "--filter=";
    std::optional<std::uint64_t> instructions;
    std::string_view filter;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a.starts_with(instructions_flag)) {
            const std::string value{a.substr(instructions_flag.size())};
            char* end = nullptr;
            const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
            if (value.empty() || *end != '\0' || n == 0 || n > 100'000'000 || value[0] == '-') {
                std::fprintf(stderr,
                             "redial-bench: invalid --instructions \"%s\": want a count of "
                             "iterations from 1 to 100000000\n",
                             redial::detail::escape(value, false).c_str());
                return 2;
            }
            instructions = n;
        } else if (a.starts_with(filter_flag)) {
            filter = a.substr(filter_flag.size());
        }
    }
    if (instructions) {
        return count_instructions(all, filter, *instructions);
    }

    for (const entry& e : all) {
        benchmark::RegisterBenchmark(e.name.c_str(), e.timed);
    }
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
    ratio_table ratios{all};
    redial::bench::observing_reporter reporter(
        format, [&](const benchmark::BenchmarkReporter::Run& r) { ratios.observe(r); });
    benchmark::RunSpecifiedBenchmarks(&reporter);
    std::fflush(stdout);
    ratios.print(tables, policies);
    benchmark::Shutdown();
    return 0;
}
