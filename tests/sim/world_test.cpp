#include <redial/sim/world.hpp>

#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>
#include <redial/duration.hpp>
#include <redial/sim/fleet_stats.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using redial::time_point;
using ns = std::chrono::nanoseconds;
namespace sim = redial::sim;

time_point at(ns d) {
    return time_point{d};
}

// Records what one world does, in world time.
struct recorder {
    std::vector<time_point> attempts, connects, give_ups, stops;
    std::vector<std::pair<time_point, sim::errc>> failures, ends;
    std::vector<ns> backoffs;
    void on_attempt(std::uint32_t, const redial::attempt_event& e) { attempts.push_back(e.at); }
    void on_connected(std::uint32_t, const redial::connected_event& e) { connects.push_back(e.at); }
    void on_connect_failed(std::uint32_t, const redial::connect_failed_event& e) {
        EXPECT_EQ(&e.error.code.category(), &sim::sim_category());
        failures.emplace_back(e.at, static_cast<sim::errc>(e.error.code.value()));
    }
    void on_disconnected(std::uint32_t, const redial::disconnected_event& e) {
        ends.emplace_back(e.at, static_cast<sim::errc>(e.reason.code.value()));
    }
    void on_backoff(std::uint32_t, const redial::backoff_event& e) { backoffs.push_back(e.delay); }
    void on_give_up(std::uint32_t, const redial::give_up_event& e) { give_ups.push_back(e.at); }
    void on_stopped(std::uint32_t, const redial::stopped_event& e) { stops.push_back(e.at); }
};

sim::world_options one_server(std::uint32_t clients, std::vector<sim::phase> schedule) {
    sim::world_options o;
    o.clients = clients;
    o.servers[0].schedule = std::move(schedule);
    return o;
}

using exp_world = sim::world<redial::exponential_backoff, redial::uptime_threshold, recorder>;

auto seeds_clients() {
    return sim::identical_clients(redial::exponential_backoff{1s, 2.0, 30s});
}

TEST(SimWorld, RefusingServerGetsTheExactScheduleThenTheGiveUpError) {
    exp_world w(one_server(1, {{0s, sim::server_mode::refusing}}), seeds_clients());
    w.run();
    const recorder& r = w.probe();
    // Each attempt fails after the 1 ms round trip, then sleeps min(2^n s, 30 s).
    std::vector<time_point> expected{at(0s)};
    ns delay = 1s;
    time_point wake = at(1ms) + delay;
    while (wake - at(0s) <= 5min) {
        expected.push_back(wake);
        delay = std::min<ns>(delay * 2, 30s);
        wake += 1ms + delay;
    }
    EXPECT_EQ(r.attempts, expected);
    ASSERT_EQ(r.give_ups.size(), 1U);
    EXPECT_EQ(r.give_ups[0], wake); // the first wake-up past the 5-minute window
    EXPECT_EQ(w.machine(0).give_up_message(), "reconnect timed out after 5m: connection refused");
    EXPECT_EQ(w.phase_of(0), sim::client_phase::gave_up);
    EXPECT_EQ(r.failures.size(), expected.size());
    EXPECT_EQ(r.failures[0], (std::pair{at(1ms), sim::errc::refused}));
}

TEST(SimWorld, OutageReconnectsEveryClientOnTheSchedule) {
    auto o = one_server(3, {{0s, sim::server_mode::up},
                            {10s, sim::server_mode::refusing},
                            {20s, sim::server_mode::up}});
    o.start_connected = true;
    sim::world<redial::exponential_backoff, redial::uptime_threshold, sim::fleet_stats> w(
        o, seeds_clients(), sim::fleet_stats(3, at(20s)));
    w.run();
    // Stable drop at 10 s: sleep 1 s; attempts at 11 s, 13.001 s, 17.002 s fail (1, 2, 4 s
    // sleeps after each 1 ms refusal); 25.003 s connects at 25.004 s.
    const sim::fleet_stats& s = w.probe();
    EXPECT_EQ(s.attempts(), 12U);
    EXPECT_EQ(s.reconnected(), 3U);
    EXPECT_EQ(s.reconnect_quantile(0.5), 5004ms);
    EXPECT_EQ(s.reconnect_quantile(1.0), 5004ms);
    EXPECT_EQ(s.failures(), 9U);
    // No jitter: all three attempt in the same 100 ms bin, four times.
    EXPECT_EQ(s.peak_attempts_per_second(), 30.0);
    for (std::uint32_t i = 0; i < 3; ++i) {
        EXPECT_EQ(w.phase_of(i), sim::client_phase::connected);
    }
}

TEST(SimWorld, FlappingServerEscalatesAndGivesUpWithTheCloseReason) {
    exp_world w(one_server(1, {{0s, sim::server_mode::reset_after, 100ms}}), seeds_clients());
    w.run();
    const recorder& r = w.probe();
    // Connect 1 ms, reset 100 ms later: a flap every time, so the backoff keeps escalating.
    std::size_t expected = 0;
    ns delay = 1s;
    time_point attempt = at(0s);
    for (;;) {
        ++expected;
        const time_point wake = attempt + 101ms + delay;
        delay = std::min<ns>(delay * 2, 30s);
        if (wake - at(0s) > 5min) {
            ASSERT_EQ(r.give_ups, std::vector<time_point>{wake});
            break;
        }
        attempt = wake;
    }
    EXPECT_EQ(r.attempts.size(), expected);
    EXPECT_EQ(r.connects.size(), expected);
    EXPECT_EQ(r.ends.size(), expected);
    EXPECT_EQ(r.ends[0], (std::pair{at(101ms), sim::errc::reset}));
    EXPECT_EQ(w.machine(0).give_up_message(),
              "reconnect timed out after 5m: connection reset by peer");
}

// The fields a reconnector's observer gets, as the reconnector fills them, per client.
struct field_recorder {
    std::vector<std::string> log;
    std::string give_up;
    std::vector<std::uint64_t> done_attempts;
    void on_attempt(std::uint32_t id, const redial::attempt_event& e) {
        log.push_back(std::to_string(id) + " attempt " + std::to_string(e.attempt));
    }
    void on_connected(std::uint32_t id, const redial::connected_event& e) {
        log.push_back(std::to_string(id) + " connected " + std::to_string(e.attempt));
    }
    void on_connect_failed(std::uint32_t id, const redial::connect_failed_event& e) {
        EXPECT_TRUE(e.error.text.empty());
        log.push_back(std::to_string(id) + " failed " + std::to_string(e.attempt) + " " +
                      e.error.message());
    }
    void on_disconnected(std::uint32_t id, const redial::disconnected_event& e) {
        log.push_back(std::to_string(id) + " disconnected " + e.reason.message() + " " +
                      std::to_string(
                          std::chrono::duration_cast<std::chrono::milliseconds>(e.uptime).count()) +
                      "ms " + (e.verdict == redial::verdict::flap ? "flap" : "stable"));
    }
    void on_backoff(std::uint32_t id, const redial::backoff_event& e) {
        log.push_back(std::to_string(id) + " backoff " + redial::format_duration(e.delay) +
                      " then " + std::to_string(e.attempt));
    }
    void on_give_up(std::uint32_t, const redial::give_up_event& e) { give_up = e.error; }
    void on_done(std::uint32_t, const sim::done_event& e) { done_attempts.push_back(e.attempt); }
};

TEST(SimWorld, ProbeEventsCarryWhatAReconnectorsObserverGets) {
    using field_world =
        sim::world<redial::exponential_backoff, redial::uptime_threshold, field_recorder>;
    redial::machine_options two;
    two.max_attempts = 2;
    field_world w(one_server(1, {{0s, sim::server_mode::reset_after, 100ms}}),
                  sim::identical_clients(redial::exponential_backoff{1s, 2.0, 30s},
                                         redial::uptime_threshold{}, two));
    w.run();
    EXPECT_EQ(w.probe().log,
              (std::vector<std::string>{"0 attempt 1", "0 connected 1",
                                        "0 disconnected connection reset by peer 100ms flap",
                                        "0 backoff 1s then 2", "0 attempt 2", "0 connected 2",
                                        "0 disconnected connection reset by peer 100ms flap"}));
    EXPECT_EQ(w.probe().give_up, w.machine(0).give_up_message());
    EXPECT_EQ(w.probe().give_up, "reconnect gave up after 2 attempts: connection reset by peer");

    // A stable session's end, with the uptime on the client's clock; a refused connect.
    field_world outage(one_server(1, {{0s, sim::server_mode::up},
                                      {10s, sim::server_mode::refusing},
                                      {11s, sim::server_mode::up}}),
                       seeds_clients());
    outage.run_until(at(20s));
    EXPECT_EQ(outage.probe().log,
              (std::vector<std::string>{"0 attempt 1", "0 connected 1",
                                        "0 disconnected connection reset by peer 9999ms stable",
                                        "0 backoff 1s then 1", "0 attempt 1", "0 connected 1"}));

    auto o = one_server(2, {{0s, sim::server_mode::contended}});
    o.servers[0].latency = 10ms;
    redial::machine_options forever;
    forever.give_up_timeout = 0s;
    sim::world<redial::jittered<redial::exponential_backoff>, redial::uptime_threshold,
               field_recorder>
        contended(o, sim::identical_clients(
                         redial::jittered<redial::exponential_backoff>{
                             redial::exponential_backoff{1s, 2.0, 30s}, redial::full_jitter(), 1},
                         redial::uptime_threshold{}, forever));
    contended.run();
    ASSERT_EQ(contended.probe().done_attempts.size(), 2U);
    EXPECT_EQ(contended.probe().log.front(), "0 attempt 1");
    EXPECT_NE(std::find(contended.probe().log.begin(), contended.probe().log.end(),
                        "0 failed 1 conflicting write"),
              contended.probe().log.end());
}

TEST(SimWorld, OverloadBeyondTheBacklogShowsAsConnectTimeouts) {
    auto o = one_server(100, {{0s, sim::server_mode::up}});
    o.servers[0].accept_rate = 1000; // one accept per millisecond
    o.servers[0].backlog = 10;
    exp_world w(o, seeds_clients());
    w.run_until(at(10s));
    const recorder& r = w.probe();
    ASSERT_EQ(r.connects.size(), 10U); // the first 10 queue; client i is accepted at (i+1) ms
    for (std::size_t i = 0; i < 10; ++i) {
        EXPECT_EQ(r.connects[i], at(ns{2ms} + ns{1ms} * static_cast<std::int64_t>(i)));
    }
    ASSERT_EQ(r.failures.size(), 90U); // the other 90 find the backlog full
    for (const auto& [t, code] : r.failures) {
        EXPECT_EQ(t, at(10s));
        EXPECT_EQ(code, sim::errc::timed_out);
    }
}

TEST(SimWorld, ContendedWriteSucceedsAloneAndConflictsWhenOverlapping) {
    auto o = one_server(1, {{0s, sim::server_mode::contended}});
    o.servers[0].latency = 10ms;
    exp_world alone(o, seeds_clients());
    alone.run();
    EXPECT_EQ(alone.probe().connects, std::vector<time_point>{at(10ms)});
    EXPECT_EQ(alone.phase_of(0), sim::client_phase::done);

    // Two clients without jitter overlap on every attempt, so neither ever succeeds.
    o.clients = 2;
    exp_world lockstep(o, seeds_clients());
    lockstep.run();
    EXPECT_TRUE(lockstep.probe().connects.empty());
    EXPECT_EQ(lockstep.probe().give_ups.size(), 2U);
    EXPECT_EQ(lockstep.probe().failures.front().second, sim::errc::conflict);

    // With full jitter they spread out and all succeed.
    o.clients = 10;
    redial::machine_options forever;
    forever.give_up_timeout = 0s;
    sim::world<redial::jittered<redial::exponential_backoff>, redial::uptime_threshold, recorder>
        jittered(o, sim::identical_clients(
                        redial::jittered<redial::exponential_backoff>{
                            redial::exponential_backoff{1s, 2.0, 30s}, redial::full_jitter(), 1},
                        redial::uptime_threshold{}, forever));
    jittered.run();
    EXPECT_EQ(jittered.probe().connects.size(), 10U);
    EXPECT_GT(jittered.probe().attempts.size(), 10U);
    for (std::uint32_t i = 0; i < 10; ++i) {
        EXPECT_EQ(jittered.phase_of(i), sim::client_phase::done);
    }
}

// occ with noiseless hops (stddev 0): every hop is exactly the mean, so times are exact.
sim::world_options occ_world(std::uint32_t clients, ns hop_stddev = 0ns) {
    auto o = one_server(clients, {{0s, sim::server_mode::occ}});
    o.servers[0].hop_mean = 10ms;
    o.servers[0].hop_stddev = hop_stddev;
    return o;
}

TEST(SimWorld, OccLoneWriteSucceedsAfterAReadAndAWriteRoundTrip) {
    exp_world w(occ_world(1), seeds_clients());
    w.run();
    const recorder& r = w.probe();
    EXPECT_EQ(r.attempts, std::vector<time_point>{at(0s)});
    // Read reaches the server at 10 ms, its reply the client at 20 ms, the write the server
    // at 30 ms, the write's reply the client at 40 ms.
    EXPECT_EQ(r.connects, std::vector<time_point>{at(40ms)});
    EXPECT_TRUE(r.failures.empty());
    EXPECT_EQ(w.phase_of(0), sim::client_phase::done);
    EXPECT_EQ(w.now(), at(40ms));
}

TEST(SimWorld, OccLoneWriteTakesTheFourHopsDrawnFromTheWorldsSeed) {
    auto o = occ_world(1, 2ms);
    o.seed = 11;
    exp_world w(o, seeds_clients());
    w.run();
    // Nothing else draws from the world's generator here (no chaos, drift or start spread):
    // the hops are its first four normal draws, in the order they are sent.
    redial::splitmix64 g(11);
    ns sum{0};
    for (int hop = 0; hop < 4; ++hop) {
        sum += sim::detail::normal_hop(g, 10ms, 2ms);
    }
    EXPECT_EQ(w.probe().connects, std::vector<time_point>{at(sum)});
    EXPECT_NE(sum, 40ms);
}

TEST(SimWorld, OccFirstWriteWithTheCurrentVersionWinsTheRestConflictAndRetry) {
    exp_world w(occ_world(3), seeds_clients());
    w.run();
    const recorder& r = w.probe();
    // All three read version 0 at 10 ms and write at 30 ms: client 0's write is applied first
    // (same instant: client order) and bumps the version; 1 and 2 carry a stale one. Their
    // retries after 1 s read version 1 at 1.05 s; client 1 wins at 1.07 s, client 2 conflicts
    // again and retries 2 s later, alone.
    EXPECT_EQ(r.attempts, (std::vector<time_point>{at(0s), at(0s), at(0s), at(1040ms), at(1040ms),
                                                   at(3080ms)}));
    EXPECT_EQ(r.connects, (std::vector<time_point>{at(40ms), at(1080ms), at(3120ms)}));
    using failure = std::pair<time_point, sim::errc>;
    EXPECT_EQ(r.failures, (std::vector<failure>{{at(40ms), sim::errc::conflict},
                                                {at(40ms), sim::errc::conflict},
                                                {at(1080ms), sim::errc::conflict}}));
    EXPECT_EQ(r.backoffs, (std::vector<ns>{1s, 1s, 2s}));
    for (std::uint32_t i = 0; i < 3; ++i) {
        EXPECT_EQ(w.phase_of(i), sim::client_phase::done);
    }
}

TEST(SimWorld, OccRetryThatReadsAfterAnotherWriteSeesTheNewVersion) {
    // Two clients; client 1's first write conflicts (both read version 0 at 10 ms). Its retry
    // reads at 1.05 s, after client 0's write at 30 ms bumped the version to 1, and succeeds.
    exp_world w(occ_world(2), seeds_clients());
    w.run();
    const recorder& r = w.probe();
    EXPECT_EQ(r.connects, (std::vector<time_point>{at(40ms), at(1080ms)}));
    ASSERT_EQ(r.failures.size(), 1U);
    EXPECT_EQ(r.failures[0], (std::pair{at(40ms), sim::errc::conflict}));
}

template <class Queue>
std::pair<std::uint64_t, std::uint64_t> occ_hash_and_attempts(std::uint64_t seed) {
    auto o = occ_world(100, 2ms);
    o.seed = seed;
    redial::machine_options forever;
    forever.give_up_timeout = 0s;
    using policy = redial::jittered<redial::exponential_backoff>;
    sim::world<policy, redial::uptime_threshold, sim::fleet_stats, Queue> w(
        o,
        sim::identical_clients(
            policy{redial::exponential_backoff{10ms, 2.0, 2s}, redial::full_jitter(), 0},
            redial::uptime_threshold{}, forever),
        sim::fleet_stats(100));
    w.run();
    EXPECT_EQ(w.probe().reconnected(), 100U);
    return {w.trace_hash(), w.probe().attempts()};
}

TEST(SimWorld, OccRunIsDeterministicWhicheverQueueAndDiffersBySeed) {
    const auto a = occ_hash_and_attempts<sim::event_wheel>(5);
    EXPECT_EQ(a, occ_hash_and_attempts<sim::event_wheel>(5));
    EXPECT_EQ(a, occ_hash_and_attempts<sim::heap_queue>(5));
    const auto b = occ_hash_and_attempts<sim::event_wheel>(6);
    EXPECT_NE(a.first, b.first);
    EXPECT_GT(a.second, 100U); // contended: more attempts than clients
}

TEST(SimWorld, OccNoiselessHopsDrawNothingFromTheGenerator) {
    redial::splitmix64 g(3);
    redial::splitmix64 untouched(3);
    EXPECT_EQ(sim::detail::normal_hop(g, 10ms, 0ns), 10ms);
    EXPECT_EQ(g(), untouched());
}

TEST(SimWorld, OccHopsAreNormalAndRedrawnBelowZero) {
    redial::splitmix64 g(1);
    constexpr int n = 100'000;
    double sum = 0, squares = 0;
    for (int i = 0; i < n; ++i) {
        const double x =
            std::chrono::duration<double, std::milli>(sim::detail::normal_hop(g, 10ms, 2ms))
                .count();
        sum += x;
        squares += x * x;
    }
    const double mean = sum / n;
    EXPECT_NEAR(mean, 10.0, 0.02);
    EXPECT_NEAR(std::sqrt(squares / n - mean * mean), 2.0, 0.02);
    // Mean 0: half the draws are negative and are redrawn, leaving the half-normal, whose
    // mean is stddev * sqrt(2 / pi).
    sum = 0;
    ns least = ns::max();
    for (int i = 0; i < n; ++i) {
        const ns hop = sim::detail::normal_hop(g, 0ns, 1ms);
        least = std::min(least, hop);
        sum += std::chrono::duration<double, std::milli>(hop).count();
    }
    EXPECT_GE(least, 0ns);
    EXPECT_NEAR(sum / n, std::sqrt(2.0 / 3.14159265358979), 0.01);
}

sim::world_options chaotic(std::uint64_t seed) {
    auto o = one_server(50, {{0s, sim::server_mode::up},
                             {20s, sim::server_mode::refusing},
                             {40s, sim::server_mode::up},
                             {90s, sim::server_mode::hanging},
                             {100s, sim::server_mode::up}});
    o.seed = seed;
    o.start_spread = 5s;
    o.chaos.session_mean_life = 15s;
    o.chaos.refuse_probability = 0.1;
    o.chaos.hang_probability = 0.05;
    o.chaos.partition_mean_interval = 30s;
    o.chaos.max_drift = 0.01;
    o.chaos.buggify_arm = 0.5;
    return o;
}

template <class Queue>
std::uint64_t chaotic_hash(std::uint64_t seed) {
    sim::world<redial::jittered<redial::exponential_backoff>, redial::uptime_threshold,
               sim::null_probe, Queue>
        w(chaotic(seed), sim::identical_clients(redial::jittered<redial::exponential_backoff>{
                             redial::exponential_backoff{}, redial::full_jitter(), 0}));
    w.stop_all_at(at(10min));
    w.run();
    EXPECT_GT(w.events(), 500U);
    return w.trace_hash();
}

TEST(SimWorld, SameSeedSameTraceWhicheverQueue) {
    const std::uint64_t a = chaotic_hash<sim::event_wheel>(7);
    EXPECT_EQ(a, chaotic_hash<sim::event_wheel>(7));
    EXPECT_EQ(a, chaotic_hash<sim::heap_queue>(7));
    EXPECT_NE(a, chaotic_hash<sim::event_wheel>(8));
}

TEST(SimWorld, NeighbouringWorldSeedsShareNoClientSeed) {
    // Each world seed must give its own fleet: once, seed s + 1's client i got the seed of
    // seed s's client i + 1, so --seed 2 replayed --seed 1 shifted by one client.
    auto seeds_of = [](std::uint64_t world_seed) {
        std::vector<std::uint64_t> seeds;
        auto o = one_server(100, {{0s, sim::server_mode::refusing}});
        o.seed = world_seed;
        auto make = seeds_clients();
        const exp_world w(o, [&](std::uint32_t i, std::uint64_t seed) {
            seeds.push_back(seed);
            return make(i, seed);
        });
        std::sort(seeds.begin(), seeds.end());
        return seeds;
    };
    const std::vector<std::uint64_t> one = seeds_of(1);
    EXPECT_EQ(std::adjacent_find(one.begin(), one.end()), one.end()); // distinct per client
    for (const std::uint64_t other : {std::uint64_t{0}, std::uint64_t{2}, std::uint64_t{3}}) {
        const std::vector<std::uint64_t> seeds = seeds_of(other);
        std::vector<std::uint64_t> shared;
        std::set_intersection(one.begin(), one.end(), seeds.begin(), seeds.end(),
                              std::back_inserter(shared));
        EXPECT_TRUE(shared.empty()) << "world seeds 1 and " << other << " share client seeds";
    }
}

TEST(SimWorld, ClockDriftStretchesDelaysOnTheClientsOwnClock) {
    auto o = one_server(20, {{0s, sim::server_mode::refusing}});
    o.chaos.max_drift = 0.2;
    o.seed = 3;
    struct wake_check {
        const sim::basic_world<
            redial::basic_reconnect_machine<redial::exponential_backoff, redial::uptime_threshold,
                                            sim::sim_error>,
            wake_check>* w = nullptr;
        std::vector<time_point> due; // per client: earliest local time of the next attempt
        int checked = 0;
        void on_backoff(std::uint32_t id, const redial::backoff_event& e) {
            due.resize(20);
            due[id] = w->local_time(id, e.at) + e.delay;
        }
        void on_attempt(std::uint32_t id, const redial::attempt_event& e) {
            const time_point t = e.at;
            if (due.size() > id && due[id] != time_point{}) {
                // The wake-up is the first world nanosecond at which the delay has passed.
                EXPECT_GE(w->local_time(id, t), due[id]);
                EXPECT_LT(w->local_time(id, t - 1ns), due[id]);
                ++checked;
            }
        }
    };
    sim::basic_world<redial::basic_reconnect_machine<redial::exponential_backoff,
                                                     redial::uptime_threshold, sim::sim_error>,
                     wake_check>
        w(o, seeds_clients());
    w.probe().w = &w;
    w.run();
    EXPECT_GT(w.probe().checked, 200);
    // Drifting clocks: some client's local time is ahead of the world's, some behind.
    int ahead = 0, behind = 0;
    for (std::uint32_t i = 0; i < 20; ++i) {
        const time_point local = w.local_time(i, at(100s));
        ahead += local > at(100s) ? 1 : 0;
        behind += local < at(100s) ? 1 : 0;
    }
    EXPECT_GT(ahead, 0);
    EXPECT_GT(behind, 0);
}

TEST(SimWorld, StopAllEndsEveryClientAndTheRun) {
    exp_world w(one_server(50, {{0s, sim::server_mode::refusing}}), seeds_clients());
    w.stop_all_at(at(30s));
    w.stop_at(3, at(5s));
    w.run();
    const recorder& r = w.probe();
    ASSERT_EQ(r.stops.size(), 50U);
    EXPECT_EQ(r.stops[0], at(5s));
    for (std::uint32_t i = 0; i < 50; ++i) {
        EXPECT_EQ(w.phase_of(i), sim::client_phase::stopped);
    }
    for (const time_point t : r.attempts) {
        EXPECT_LE(t, at(30s));
    }
    EXPECT_LE(w.now(), at(31s));
}

TEST(SimWorld, AStopScheduledBeforeTheNextEventAfterRunUntilStillStops) {
    exp_world w(one_server(1, {{0s, sim::server_mode::refusing}}),
                sim::identical_clients(redial::exponential_backoff{10s, 1.0, 10s}));
    w.run_until(at(1s)); // the next event is the wake-up at 10.001 s
    w.stop_at(0, at(5s));
    w.run();
    EXPECT_EQ(w.probe().stops, std::vector<time_point>{at(5s)});
    EXPECT_EQ(w.probe().attempts, std::vector<time_point>{at(0s)});
}

TEST(SimWorld, AnAcceptRateTooSmallToEverAcceptTimesOutInsteadOfOverflowing) {
    auto o = one_server(20, {{0s, sim::server_mode::up}});
    o.servers[0].accept_rate = 1e-9; // one accept every 31 years
    o.servers[0].backlog = 50;
    exp_world w(o, seeds_clients());
    w.run_until(at(1min));
    EXPECT_TRUE(w.probe().connects.empty());
    ASSERT_FALSE(w.probe().failures.empty());
    for (const auto& [t, code] : w.probe().failures) {
        EXPECT_EQ(code, sim::errc::timed_out);
        EXPECT_GE(t, at(10s));
    }
}

TEST(SimWorld, ArmedFaultPointsFireFromTheSeed) {
    auto o = one_server(5, {{0s, sim::server_mode::up}});
    o.chaos.buggify_arm = 1.0;
    o.chaos.buggify_fire = 1.0;
    exp_world w(o, seeds_clients());
    EXPECT_TRUE(w.armed(sim::fault_point::refuse_connect));
    w.run_until(at(1min));
    EXPECT_TRUE(w.probe().connects.empty()); // every connect is refused by the fault point
    ASSERT_FALSE(w.probe().failures.empty());
    EXPECT_EQ(w.probe().failures[0].second, sim::errc::refused);

    o.chaos.buggify_arm = 0.5;
    int armed = 0;
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        o.seed = seed;
        exp_world s(o, seeds_clients());
        armed += s.armed(sim::fault_point::hang_connect) ? 1 : 0;
    }
    EXPECT_GT(armed, 5);
    EXPECT_LT(armed, 35);
}

TEST(SimWorld, PartitionsCutSessionsOfTheirMembers) {
    auto o = one_server(200, {{0s, sim::server_mode::up}});
    o.start_connected = true;
    o.chaos.partition_mean_interval = 10s;
    o.chaos.partition_fraction = 0.25;
    exp_world w(o, seeds_clients());
    w.stop_all_at(at(2min));
    w.run();
    int cut = 0;
    for (const auto& [t, code] : w.probe().ends) {
        cut += code == sim::errc::partitioned ? 1 : 0;
    }
    EXPECT_GT(cut, 20);
    EXPECT_GT(w.probe().connects.size(), 200U); // the cut clients came back
}

TEST(SimWorld, BadOptionsThrowFromTheConstructor) {
    sim::world_options o;
    o.chaos.max_drift = 0.9;
    EXPECT_THROW(exp_world(o, seeds_clients()), redial::config_error);
}

} // namespace
