// The benchmarks' reporting: Google Benchmark's own output in the format asked for
// (--benchmark_format=console|json|csv), and the tables these binaries add (ratios, sizes,
// rates) on stdout beside the console format only. With json or csv they go to stderr, so
// stdout is exactly what compare.py and CI trackers parse.
#ifndef REDIAL_BENCH_REPORT_HPP
#define REDIAL_BENCH_REPORT_HPP

#include <benchmark/benchmark.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

namespace redial::bench {

/// The value of the last --benchmark_format=X in argv (Google Benchmark takes the last), or
/// "console". Read before benchmark::Initialize, which removes the flags it knows.
inline std::string_view output_format(int argc, char** argv) {
    constexpr std::string_view flag = "--benchmark_format=";
    std::string_view format = "console";
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a.starts_with(flag)) {
            format = a.substr(flag.size());
        }
    }
    return format;
}

/// Where the extra tables go: stdout beside the console format, stderr beside json and csv.
inline std::FILE* table_stream(std::string_view format) {
    return format == "console" ? stdout : stderr;
}

/// A display reporter in the format asked for that also shows each run to `observe`, so a
/// binary can compute its ratios without replacing Google Benchmark's output. An unknown format
/// is left to benchmark::Initialize, which refuses it before any run.
class observing_reporter : public benchmark::BenchmarkReporter {
public:
    using observer = std::function<void(const Run&)>;

    observing_reporter(std::string_view format, observer observe) : observe_(std::move(observe)) {
        if (format == "json") {
            inner_ = std::make_unique<benchmark::JSONReporter>();
        } else if (format == "csv") {
            // Deprecated upstream but still what --benchmark_format=csv prints.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
            inner_ = std::make_unique<benchmark::CSVReporter>();
#pragma GCC diagnostic pop
        } else {
            // Colour only on a terminal, so redirected output (docs, CI logs) stays plain text.
            inner_ = std::make_unique<benchmark::ConsoleReporter>(
                isatty(STDOUT_FILENO) != 0 ? benchmark::ConsoleReporter::OO_Defaults
                                           : benchmark::ConsoleReporter::OO_Tabular);
        }
    }

    bool ReportContext(const Context& context) override {
        inner_->SetOutputStream(&GetOutputStream());
        inner_->SetErrorStream(&GetErrorStream());
        return inner_->ReportContext(context);
    }
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs) {
            observe_(r);
        }
        inner_->ReportRuns(runs);
    }
    void Finalize() override { inner_->Finalize(); }

private:
    observer observe_;
    std::unique_ptr<benchmark::BenchmarkReporter> inner_;
};

} // namespace redial::bench

#endif
