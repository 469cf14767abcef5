#include <redial/sim/world.hpp>

#include <redial/backoff/decorrelated_jitter.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>

#include "support/sim_invariants.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

// The reconnect rules, checked on every client of chaotic worlds over 1,000 seeds: one session
// at a time, no attempt earlier than the policy allows, give-up exactly by the window, stop
// always completes, no busy loop, and the same seed gives the same trace.

namespace {

using namespace std::chrono_literals;
using redial::time_point;
namespace sim = redial::sim;

constexpr std::uint32_t clients = 12;
constexpr auto give_up_after = 90s;

sim::world_options chaos_world(std::uint64_t seed) {
    redial::splitmix64 g(seed);
    auto pick = [&](std::uint64_t n) { return g() % n; };
    sim::world_options o;
    o.clients = clients;
    o.seed = seed;
    o.connect_timeout = std::chrono::seconds{1 + pick(10)};
    o.start_spread = 3s;
    o.servers.resize(1 + pick(2));
    for (auto& s : o.servers) {
        s.latency = std::chrono::milliseconds{pick(50)};
        s.accept_rate = pick(2) == 0 ? 0.0 : 5.0;
        s.backlog = static_cast<std::uint32_t>(1 + pick(4));
        s.schedule.clear();
        std::chrono::nanoseconds at{0};
        for (int p = 0; p < 6; ++p) {
            const auto mode = static_cast<sim::server_mode>(pick(5)); // every mode but contended
            s.schedule.push_back({at, mode, std::chrono::milliseconds{1 + pick(3000)}});
            at += std::chrono::seconds{1 + pick(60)};
        }
    }
    o.chaos.session_mean_life = std::chrono::seconds{pick(2) * (1 + pick(30))};
    o.chaos.refuse_probability = 0.1 * static_cast<double>(pick(3));
    o.chaos.hang_probability = 0.05 * static_cast<double>(pick(3));
    o.chaos.partition_mean_interval = std::chrono::seconds{pick(2) * (5 + pick(60))};
    o.chaos.max_drift = 0.02 * static_cast<double>(pick(2));
    o.chaos.buggify_arm = 0.3;
    return o;
}

// What the seeds exercised, so a world too tame to test anything shows up as a failure.
struct totals {
    std::uint64_t attempts = 0, give_ups = 0, stops = 0;
};
totals seen;

template <class Backoff>
std::uint64_t check_seed(std::uint64_t seed, Backoff policy, std::chrono::nanoseconds floor) {
    using probe = redial::test::sim_invariants<Backoff>;
    using machine = redial::basic_reconnect_machine<Backoff, redial::uptime_threshold, sim::error>;
    redial::machine_options mo;
    mo.give_up_timeout = give_up_after;
    const sim::world_options o = chaos_world(seed);
    auto make = sim::identical_clients(policy, redial::uptime_threshold{}, mo);
    // The shadow policies replay each client's own sequence (the same per-client seed).
    std::vector<Backoff> shadows;
    sim::basic_world<machine, probe> w(
        o,
        [&](std::uint32_t id, std::uint64_t s) {
            machine m = make(id, s);
            shadows.push_back(m.backoff());
            return m;
        },
        probe([&](std::uint32_t id) { return shadows.at(id); }));
    probe& p = w.probe();
    p.timeout = give_up_after;
    // Attempts are at least `floor` apart on the client's clock, give or take drift.
    p.max_per_minute = static_cast<std::size_t>(60s / floor) + 2;
    p.local = [&w](std::uint32_t id, time_point t) { return w.local_time(id, t); };
    const auto stop = std::chrono::seconds{60 + redial::splitmix64(seed)() % 240};
    w.stop_all_at(time_point{stop});
    w.run();
    for (const std::string& v : p.violations) {
        ADD_FAILURE() << "seed " << seed << ": " << v;
    }
    for (std::uint32_t i = 0; i < clients; ++i) {
        const auto ph = w.phase_of(i);
        EXPECT_TRUE(ph == sim::client_phase::gave_up || ph == sim::client_phase::stopped)
            << "seed " << seed << " client " << i;
    }
    EXPECT_EQ(p.give_ups + p.stops, clients) << "seed " << seed;
    seen.attempts += p.attempts;
    seen.give_ups += p.give_ups;
    seen.stops += p.stops;
    EXPECT_LE(w.now(), time_point{stop}) << "seed " << seed << ": nothing happens after stop";
    return w.trace_hash();
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
    p.on_attempt(0, time_point{0s});
    p.on_connected(0, time_point{1s});
    p.on_connected(0, time_point{2s}); // a second session
    p.on_attempt(0, time_point{3s});   // attempt while connected
    p.on_session_end(0, time_point{4s}, sim::error{}, redial::verdict::flap);
    p.on_backoff(0, time_point{4s}, 5s); // the policy says 1 s
    p.on_attempt(0, time_point{6s});     // before 9 s
    p.on_attempt(0, time_point{20s});    // past the window; busy
    p.on_give_up(0, time_point{20s});
    p.on_attempt(0, time_point{21s}); // after finishing
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
    early.on_attempt(0, time_point{0s});
    early.on_give_up(0, time_point{1s});
    ASSERT_EQ(early.violations.size(), 1U);
    EXPECT_NE(early.violations[0].find("gave up inside the window"), std::string::npos);
}

} // namespace
