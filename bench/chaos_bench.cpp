// The chaos invariants of tests/sim/chaos_invariants_test.cpp over many more seeds: every rule
// checked on every client of --seeds (default 100,000) random chaotic worlds per policy.
// Prints seeds per second and exits 1 on the first violation, naming the seed.
//
//   build/bin/redial-chaos-bench
//   build/bin/redial-chaos-bench --seeds 1000000 --first 5000

#include "support/sim_invariants.hpp"

#include <redial/backoff/decorrelated_jitter.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace {

using namespace std::chrono_literals;

std::uint64_t parse(std::string_view flag, std::string_view v) {
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size() || n == 0) {
        std::fprintf(stderr,
                     "redial-chaos-bench: invalid %s \"%s\": expected a positive whole "
                     "number\n",
                     std::string(flag).c_str(), std::string(v).c_str());
        std::exit(2);
    }
    return n;
}

template <class Backoff>
bool sweep(const char* name, const Backoff& policy, std::chrono::nanoseconds floor,
           std::uint64_t first, std::uint64_t seeds) {
    const auto t0 = std::chrono::steady_clock::now();
    std::uint64_t events = 0, attempts = 0, give_ups = 0;
    for (std::uint64_t seed = first; seed < first + seeds; ++seed) {
        const auto r = redial::test::run_chaos_seed(seed, policy, floor);
        if (!r.violations.empty()) {
            std::printf("%s: seed %llu: %s\n", name, static_cast<unsigned long long>(seed),
                        r.violations.front().c_str());
            return false;
        }
        events += r.events;
        attempts += r.attempts;
        give_ups += r.give_ups;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-13s %9llu seeds clean  %8.0f seeds/s  %11llu events  %10llu attempts  %8llu "
                "give-ups\n",
                name, static_cast<unsigned long long>(seeds), static_cast<double>(seeds) / s,
                static_cast<unsigned long long>(events), static_cast<unsigned long long>(attempts),
                static_cast<unsigned long long>(give_ups));
    return true;
}

} // namespace

int main(int argc, char** argv) {
    std::uint64_t seeds = 100'000, first = 1'000'000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--seeds") {
            seeds = parse(flag, argv[i + 1]);
        } else if (flag == "--first") {
            first = parse(flag, argv[i + 1]);
        } else {
            std::fprintf(stderr, "redial-chaos-bench: invalid %s \"%s\": unknown flag\n", argv[i],
                         argv[i + 1]);
            return 2;
        }
    }
    if (argc % 2 == 0) {
        std::fprintf(stderr, "redial-chaos-bench: invalid %s: missing value\n", argv[argc - 1]);
        return 2;
    }
    const redial::jittered<redial::exponential_backoff> equal{
        redial::exponential_backoff{1s, 2.0, 30s}, redial::equal_jitter(), 0};
    const bool ok =
        sweep("exponential", redial::exponential_backoff{1s, 2.0, 30s}, 1s, first, seeds) &&
        sweep("equal-jitter", equal, 500ms, first, seeds) &&
        sweep("decorrelated", redial::decorrelated_jitter{1s, 30s, 0}, 1s, first, seeds);
    return ok ? 0 : 1;
}
