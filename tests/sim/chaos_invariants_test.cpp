#include <redial/sim/world.hpp>

#include <redial/backoff/decorrelated_jitter.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>

#include "support/sim_invariants.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

// The reconnect rules, checked on every client of chaotic worlds over 1,000 seeds per policy
// (redial-chaos-bench runs many more): one session at a time, no attempt earlier than the
// policy allows, give-up exactly by the window, stop always completes, no busy loop, and the
// same seed gives the same trace.

namespace {

using namespace std::chrono_literals;
using redial::time_point;
namespace sim = redial::sim;

// What the seeds exercised, so a world too tame to test anything shows up as a failure.
struct totals {
    std::uint64_t attempts = 0, give_ups = 0, stops = 0;
};
totals seen;

template <class Backoff>
std::uint64_t check_seed(std::uint64_t seed, Backoff policy, std::chrono::nanoseconds floor) {
    const redial::test::chaos_outcome r = redial::test::run_chaos_seed(seed, policy, floor);
    for (const std::string& v : r.violations) {
        ADD_FAILURE() << "seed " << seed << ": " << v;
    }
    seen.attempts += r.attempts;
    seen.give_ups += r.give_ups;
    seen.stops += r.stops;
    return r.trace_hash;
}

TEST(ChaosInvariants, ExponentialOverAThousandSeeds) {
    seen = {};
    for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
        const auto h = check_seed(seed, redial::exponential_backoff{1s, 2.0, 30s}, 1s);
        if (seed % 50 == 0) {
            EXPECT_EQ(h, check_seed(seed, redial::exponential_backoff{1s, 2.0, 30s}, 1s))
                << "seed " << seed << " is not deterministic";
        }
        if (::testing::Test::HasFailure()) {
            break; // the first failing seed says enough
        }
    }
    // Both endings happen, and clients work hard enough for the busy-loop bound to matter.
    EXPECT_GT(seen.give_ups, 1000U);
    EXPECT_GT(seen.stops, 1000U);
    EXPECT_GT(seen.attempts, 100'000U);
}

TEST(ChaosInvariants, EqualJitterOverAThousandSeeds) {
    seen = {};
    const redial::jittered<redial::exponential_backoff> equal{
        redial::exponential_backoff{1s, 2.0, 30s}, redial::equal_jitter(), 0};
    for (std::uint64_t seed = 1001; seed <= 2000; ++seed) {
        check_seed(seed, equal, 500ms);
        if (::testing::Test::HasFailure()) {
            break;
        }
    }
}

TEST(ChaosInvariants, DecorrelatedJitterOverAThousandSeeds) {
    seen = {};
    for (std::uint64_t seed = 2001; seed <= 3000; ++seed) {
        check_seed(seed, redial::decorrelated_jitter{1s, 30s, 0}, 1s);
        if (::testing::Test::HasFailure()) {
            break;
        }
    }
}

TEST(ChaosInvariants, TheChecksCatchABrokenClient) {
    // Each rule, broken on purpose, is reported: the checks above cannot pass vacuously.
    redial::test::sim_invariants<redial::exponential_backoff> p([](std::uint32_t) {
        return redial::exponential_backoff{1s, 2.0, 30s};
    });
    p.timeout = 10s;
    p.max_per_minute = 3;
    using redial::attempt_event;
    const redial::failure reset{make_error_code(sim::errc::reset)};
    p.on_attempt(0, attempt_event{1, time_point{0s}});
    p.on_connected(0, redial::connected_event{1, time_point{1s}});
    p.on_connected(0, redial::connected_event{1, time_point{2s}}); // a second session
    p.on_attempt(0, attempt_event{2, time_point{3s}});             // attempt while connected
    p.on_disconnected(
        0, redial::disconnected_event{reset, 2s, redial::verdict::flap, 2s, time_point{4s}});
    p.on_backoff(0, redial::backoff_event{5s, 3, time_point{4s}}); // the policy says 1 s
    p.on_attempt(0, attempt_event{3, time_point{6s}});             // before 9 s
    p.on_attempt(0, attempt_event{4, time_point{20s}});            // past the window; busy
    p.on_give_up(0, redial::give_up_event{"reconnect timed out", time_point{20s}});
    p.on_attempt(0, attempt_event{5, time_point{21s}}); // after finishing
    const std::string all = [&] {
        std::string s;
        for (const auto& v : p.violations) {
            s += v + "\n";
        }
        return s;
    }();
    for (const char* expected :
         {"a second session while one is open", "an attempt while a session is open",
          "the policy says 1000000000", "attempt earlier than the policy allows",
          "attempt after the give-up window", "busy loop",
          "on_attempt after the client finished"}) {
        EXPECT_NE(all.find(expected), std::string::npos) << expected << "\n" << all;
    }
    redial::test::sim_invariants<redial::exponential_backoff> early(
        [](std::uint32_t) { return redial::exponential_backoff{}; });
    early.on_attempt(0, redial::attempt_event{1, time_point{0s}});
    early.on_give_up(0, redial::give_up_event{"reconnect timed out", time_point{1s}});
    ASSERT_EQ(early.violations.size(), 1U);
    EXPECT_NE(early.violations[0].find("gave up inside the window"), std::string::npos);
}

} // namespace
