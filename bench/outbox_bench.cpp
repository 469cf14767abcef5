// What the outbox costs per message, beside what a careful user writes by hand, measured in the
// same run with the same parameters (batch size and message size are benchmark arguments, read
// at run time on both sides, so neither side is folded by the compiler); allocations counted at
// the allocator (alloc_count.hpp). Built at the build's optimisation (-O2) and at -O3:
//
//   build/bin/redial-outbox-bench --benchmark_repetitions=3
//   build/bin/redial-outbox-bench-O3 --benchmark_repetitions=3
//
// machine: the sans-I/O outbox_machine (push, then write 16 buffers at a time until empty)
//   beside a std::deque of {string, id} with the same limits, the same gather of 16 and the same
//   partial-write bookkeeping.
// send: reconnector::async_send over a scripted connection (writes complete at once, as posted
//   handlers), from a handler on the reconnector's strand, beside the same connection written
//   by a hand-written session: a deque of {string, std::function} drained by async_write_some
//   of up to 16 buffers. Both sides post one batch, construct each message's string, write it
//   and run each completion.
// The table after the run prints ours / baseline per benchmark pair.

#include "alloc_count.hpp"
#include "report.hpp"

#include <redial/backoff/exponential.hpp>
#include <redial/clock/virtual_clock.hpp>
#include <redial/outbox/outbox.hpp>
#include <redial/reconnector.hpp>
#include <redial/session/hold.hpp>
#include <redial/stability/uptime_threshold.hpp>
#include <redial/transport/scripted.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using transport = redial::scripted_transport<redial::virtual_clock>;
constexpr std::size_t gather = 16; // buffers per write, as the reconnector's

void count(benchmark::State& state, std::uint64_t before, std::uint64_t messages) {
    state.counters["allocs/msg"] =
        static_cast<double>(redial_bench::allocations() - before) / static_cast<double>(messages);
    state.SetItemsProcessed(static_cast<std::int64_t>(messages));
}

// --- machine level ----------------------------------------------------------------------------

void machine_ours(benchmark::State& state) {
    const auto batch = static_cast<std::size_t>(state.range(0));
    const std::string payload(static_cast<std::size_t>(state.range(1)), 'x');
    redial::outbox_machine<redial::overflow::reject, std::string, std::size_t> m;
    redial::time_point now{};
    benchmark::DoNotOptimize(now);
    std::size_t completed = 0;
    const auto sink = [&completed](std::size_t&&, const redial::outbox_outcome& o) {
        completed += o.code ? 0 : 1;
    };
    m.on_connected(now, sink);
    std::array<redial::outbox_buffer, gather> buffers{};
    std::uint64_t messages = 0;
    const std::uint64_t before = redial_bench::allocations();
    for (auto _ : state) {
        for (std::size_t k = 0; k < batch; ++k) {
            m.push(now, std::string(payload), {}, k, sink);
        }
        while (!m.empty()) {
            const std::size_t n = m.begin_write(now, buffers, sink);
            std::size_t bytes = 0;
            for (std::size_t i = 0; i < n; ++i) {
                bytes += buffers[i].size;
            }
            benchmark::DoNotOptimize(buffers);
            m.end_write(now, bytes, sink);
        }
        messages += batch;
    }
    count(state, before, messages);
    if (completed != messages) {
        state.SkipWithError("not every message completed");
    }
}

// The hand-written queue: limits checked (reject), bytes counted, a partial write remembered.
struct queue_baseline {
    struct entry {
        std::string data;
        std::size_t id;
    };
    std::deque<entry> q;
    std::size_t bytes = 0;
    std::size_t max_messages = 10'000;
    std::size_t max_bytes = std::size_t{8} << 20;
    std::size_t offset = 0;  // of q.front() already written
    std::size_t writing = 0; // entries handed to the write in flight

    template <class Done>
    void push(std::string s, std::size_t id, Done& done) {
        if (q.size() >= max_messages || bytes + s.size() > max_bytes) {
            done(id, false);
            return;
        }
        bytes += s.size();
        q.push_back({std::move(s), id});
    }
    std::size_t begin_write(std::span<redial::outbox_buffer> out) {
        std::size_t n = 0;
        for (; n < out.size() && n < q.size(); ++n) {
            const std::size_t skip = n == 0 ? offset : 0;
            out[n] = {q[n].data.data() + skip, q[n].data.size() - skip};
        }
        writing = n;
        return n;
    }
    template <class Done>
    void end_write(std::size_t transferred, Done& done) {
        while (transferred > 0 && writing > 0) {
            const std::size_t left = q.front().data.size() - offset;
            if (transferred < left) {
                offset += transferred;
                break;
            }
            transferred -= left;
            offset = 0;
            bytes -= q.front().data.size();
            done(q.front().id, true);
            q.pop_front();
            --writing;
        }
        writing = 0;
    }
};

void machine_baseline(benchmark::State& state) {
    const auto batch = static_cast<std::size_t>(state.range(0));
    const std::string payload(static_cast<std::size_t>(state.range(1)), 'x');
    queue_baseline q;
    std::size_t completed = 0;
    auto done = [&completed](std::size_t, bool ok) { completed += ok ? 1 : 0; };
    std::array<redial::outbox_buffer, gather> buffers{};
    std::uint64_t messages = 0;
    const std::uint64_t before = redial_bench::allocations();
    for (auto _ : state) {
        for (std::size_t k = 0; k < batch; ++k) {
            q.push(std::string(payload), k, done);
        }
        while (!q.q.empty()) {
            const std::size_t n = q.begin_write(buffers);
            std::size_t bytes = 0;
            for (std::size_t i = 0; i < n; ++i) {
                bytes += buffers[i].size;
            }
            benchmark::DoNotOptimize(buffers);
            q.end_write(bytes, done);
        }
        messages += batch;
    }
    count(state, before, messages);
    if (completed != messages) {
        state.SkipWithError("not every message completed");
    }
}

// --- through the reconnector ------------------------------------------------------------------

using strand = asio::strand<asio::io_context::executor_type>;

// The harness both sides share: each iteration posts one batch to the strand, where
// `send(message, completion)` is called `batch` times, and runs the loop until every message
// completed.
template <class Send>
void run_batches(benchmark::State& state, asio::io_context& io, const strand& ex, Send send) {
    const auto batch = static_cast<std::size_t>(state.range(0));
    const std::string payload(static_cast<std::size_t>(state.range(1)), 'x');
    std::size_t completed = 0;
    std::uint64_t messages = 0;
    const std::uint64_t before = redial_bench::allocations();
    for (auto _ : state) {
        asio::post(ex, [&] {
            for (std::size_t k = 0; k < batch; ++k) {
                send(std::string(payload),
                     [&completed](std::error_code ec) { completed += ec ? 0 : 1; });
            }
        });
        messages += batch;
        io.restart(); // poll() stops the context when it runs out of ready handlers
        while (completed != messages && io.poll() != 0) {
        }
    }
    count(state, before, messages);
    if (completed != messages) {
        state.SkipWithError("not every message completed");
    }
}

void send_ours(benchmark::State& state) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    const strand ex = asio::make_strand(io);
    redial::basic_reconnector<transport, redial::virtual_clock, redial::exponential_backoff,
                              redial::uptime_threshold, redial::null_observer,
                              redial::no_terminal_errors, redial::no_liveness,
                              redial::outbox<redial::overflow::reject>>
        r{ex,
          transport{clock, ex, [](std::size_t) { return redial::scripted_step::accept_forever(); }},
          {.clock = clock, .give_up = {.give_up_timeout = 0s}}};
    r.async_run(redial::hold_session{}, [](std::error_code) {});
    io.poll();
    if (!r.outbox().connected()) {
        state.SkipWithError("not connected");
        return;
    }
    run_batches(state, io, ex,
                [&r](std::string m, auto done) { r.async_send(std::move(m), std::move(done)); });
    r.stop();
    io.restart();
    io.poll();
}

// The hand-written side: the session owns the connection; send() queues and writes when idle.
struct session_queue {
    struct entry {
        std::string data;
        std::function<void(std::error_code)> done;
    };
    transport::connection* c = nullptr;
    std::deque<entry> q;
    std::size_t bytes = 0;
    std::size_t offset = 0;
    std::size_t writing = 0;
    std::array<asio::const_buffer, gather> buffers{};

    void send(std::string s, std::function<void(std::error_code)> done) {
        if (q.size() >= 10'000 || bytes + s.size() > (std::size_t{8} << 20)) {
            done(asio::error::no_buffer_space);
            return;
        }
        bytes += s.size();
        q.push_back({std::move(s), std::move(done)});
        if (writing == 0 && c != nullptr) {
            write();
        }
    }
    void write() {
        std::size_t n = 0;
        for (; n < gather && n < q.size(); ++n) {
            const std::size_t skip = n == 0 ? offset : 0;
            buffers[n] = asio::buffer(q[n].data.data() + skip, q[n].data.size() - skip);
        }
        writing = n;
        c->async_write_some(
            std::span<const asio::const_buffer>(buffers.data(), n),
            [this](std::error_code ec, std::size_t transferred) { written(ec, transferred); });
    }
    void written(std::error_code ec, std::size_t transferred) {
        while (!ec && transferred > 0 && writing > 0) {
            const std::size_t left = q.front().data.size() - offset;
            if (transferred < left) {
                offset += transferred;
                break;
            }
            transferred -= left;
            offset = 0;
            bytes -= q.front().data.size();
            auto done = std::move(q.front().done);
            q.pop_front();
            --writing;
            done(std::error_code{});
        }
        writing = 0;
        if (!ec && !q.empty()) {
            write();
        }
    }
};

void send_baseline(benchmark::State& state) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    const strand ex = asio::make_strand(io);
    redial::basic_reconnector<transport, redial::virtual_clock> r{
        ex,
        transport{clock, ex, [](std::size_t) { return redial::scripted_step::accept_forever(); }},
        {.clock = clock, .give_up = {.give_up_timeout = 0s}}};
    session_queue s;
    r.async_run(
        [&s](transport::connection& c, auto done) {
            s.c = &c;
            redial::hold_session{}(c, std::move(done));
        },
        [](std::error_code) {});
    io.poll();
    if (s.c == nullptr) {
        state.SkipWithError("not connected");
        return;
    }
    run_batches(state, io, ex,
                [&s](std::string m, auto done) { s.send(std::move(m), std::move(done)); });
    s.c = nullptr;
    r.stop();
    io.restart();
    io.poll();
}

// Batches of 1 and 64 messages of 8 bytes (in std::string's own buffer) and 256 bytes (one
// allocation each, on both sides).
void arguments(benchmark::internal::Benchmark* b) {
    b->ArgNames({"batch", "bytes"});
    for (const std::int64_t batch : {1, 64}) {
        for (const std::int64_t bytes : {8, 256}) {
            b->Args({batch, bytes});
        }
    }
}

BENCHMARK(machine_ours)->Apply(arguments);
BENCHMARK(machine_baseline)->Apply(arguments);
BENCHMARK(send_ours)->Apply(arguments);
BENCHMARK(send_baseline)->Apply(arguments);

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n == 0 ? 0.0 : n % 2 != 0 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

} // namespace

int main(int argc, char** argv) {
    redial_bench::check_alloc_count();
    const std::string_view format = redial::bench::output_format(argc, argv);
    // "machine/batch:64/bytes:16" -> each repetition's ns/msg and allocs/msg, ours and baseline
    struct side {
        std::vector<double> ns, allocs;
    };
    std::map<std::string, std::pair<side, side>> pairs;
    redial::bench::observing_reporter reporter(
        format, [&](const benchmark::BenchmarkReporter::Run& run) {
            if (run.error_occurred ||
                run.run_type != benchmark::BenchmarkReporter::Run::RT_Iteration) {
                return;
            }
            std::string key = run.benchmark_name();
            const bool ours = key.find("_ours") != std::string::npos;
            key.erase(key.find(ours ? "_ours" : "_baseline"), ours ? 5 : 9);
            const auto items = run.counters.find("items_per_second");
            const auto allocs = run.counters.find("allocs/msg");
            if (items == run.counters.end() || items->second.value <= 0 ||
                allocs == run.counters.end()) {
                return;
            }
            side& s = ours ? pairs[key].first : pairs[key].second;
            s.ns.push_back(1e9 / items->second.value);
            s.allocs.push_back(allocs->second.value);
        });
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks(&reporter);
    std::FILE* out = redial::bench::table_stream(format);
    std::fprintf(out, "\n%-30s %9s %9s %6s %11s %9s\n", "per message (medians)", "ours ns",
                 "baseline", "ratio", "allocs ours", "baseline");
    for (const auto& [key, both] : pairs) {
        const double a = median(both.first.ns);
        const double b = median(both.second.ns);
        if (a <= 0 || b <= 0) {
            continue;
        }
        std::fprintf(out, "%-30s %9.1f %9.1f %6.2f %11.2f %9.2f\n", key.c_str(), a, b, a / b,
                     median(both.first.allocs), median(both.second.allocs));
    }
    benchmark::Shutdown();
    return 0;
}
