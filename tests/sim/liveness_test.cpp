#include <redial/sim/world.hpp>

#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>
#include <redial/sim/fleet_stats.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

// A server that stops responding without closing, and clients that notice with a liveness
// policy (sim/world.hpp, liveness_options), in virtual time, with exact times.

namespace {

using namespace std::chrono_literals;
using redial::time_point;
using ns = std::chrono::nanoseconds;
namespace sim = redial::sim;

time_point at(ns d) {
    return time_point{d};
}

struct timeout_record {
    time_point at;
    ns silent_for;
    ns unanswered;
    friend bool operator==(const timeout_record&, const timeout_record&) = default;
};
struct end_record {
    time_point at;
    sim::errc reason;
    ns uptime;
    ns alive_for;
    redial::verdict verdict;
    friend bool operator==(const end_record&, const end_record&) = default;
};

void PrintTo(const timeout_record& t, std::ostream* os) {
    *os << "{" << t.at.time_since_epoch().count() << "ns, silent " << t.silent_for.count()
        << "ns, unanswered " << t.unanswered.count() << "ns}";
}
void PrintTo(const end_record& e, std::ostream* os) {
    *os << "{" << e.at.time_since_epoch().count() << "ns, " << static_cast<int>(e.reason) << ", up "
        << e.uptime.count() << "ns, alive " << e.alive_for.count() << "ns, "
        << (e.verdict == redial::verdict::stable ? "stable" : "flap") << "}";
}

// What one small world does, in world time.
struct recorder {
    std::vector<time_point> attempts, connects, pings, resumes, give_ups;
    std::vector<timeout_record> timeouts;
    std::vector<end_record> ends;
    std::string give_up;
    void on_attempt(std::uint32_t, const redial::attempt_event& e) { attempts.push_back(e.at); }
    void on_connected(std::uint32_t, const redial::connected_event& e) { connects.push_back(e.at); }
    void on_ping(std::uint32_t, const redial::ping_event& e) { pings.push_back(e.at); }
    void on_liveness_timeout(std::uint32_t, const redial::liveness_timeout_event& e) {
        timeouts.push_back({e.at, e.silent_for, e.ping_unanswered_for});
    }
    void on_disconnected(std::uint32_t, const redial::disconnected_event& e) {
        ends.push_back({e.at, static_cast<sim::errc>(e.reason.code.value()), e.uptime, e.alive_for,
                        e.verdict});
    }
    void on_resumed(std::uint32_t, const sim::resumed_event& e) { resumes.push_back(e.at); }
    void on_give_up(std::uint32_t, const redial::give_up_event& e) {
        give_ups.push_back(e.at);
        give_up = e.error;
    }
};

using exp_world = sim::world<redial::exponential_backoff, redial::uptime_threshold, recorder>;

// The defaults: exponential 1s x2 30s, stable after 1s, give up after 5m.
auto default_clients() {
    return sim::identical_clients(redial::exponential_backoff{});
}

sim::world_options one_server(std::uint32_t clients, std::vector<sim::phase> schedule) {
    sim::world_options o;
    o.clients = clients;
    o.servers[0].schedule = std::move(schedule);
    return o;
}

sim::liveness_options heartbeat(ns interval, ns timeout) {
    return {sim::liveness_mode::heartbeat, 20s, interval, timeout};
}
sim::liveness_options idle(ns limit) {
    return {sim::liveness_mode::idle, limit, 10s, 10s};
}

TEST(SimLiveness, HeartbeatPingsWhenQuietAndEndsAHungSessionOnItsUsefulUptime) {
    // Heartbeat 2s / 1s; the server speaks only when pinged and answers at once (rtt 0). It
    // hangs (SIGSTOP) at 9.5 s and resumes (SIGCONT) at 14.5 s.
    auto o = one_server(1, {{0s, sim::server_mode::up},
                            {9500ms, sim::server_mode::silent},
                            {14500ms, sim::server_mode::up}});
    o.start_connected = true;
    o.servers[0].ping_rtt = 0s;
    o.liveness = heartbeat(2s, 1s);
    exp_world w(o, default_clients());
    w.run_until(at(19s));
    const recorder& r = w.probe();
    // Pings at 2, 4, 6, 8 s, each answered by the check a second later; the one at 10 s goes to
    // the hung server, and at 11 s the session is dead: 3 s after its last byte (the reply at
    // 8 s), 1.5 s after the server hung. Judged on 8 s of useful uptime: stable, so the client
    // sleeps the initial 1 s and reconnects at 12 s into the stopped server's accept queue
    // (connected at 12.001 s, silent). Its ping at 14.001 s waits; the server resumes at 14.5 s
    // and answers; the next pings are an interval after that answer.
    EXPECT_EQ(r.pings, (std::vector<time_point>{at(2s), at(4s), at(6s), at(8s), at(10s),
                                                at(14001ms), at(16500ms), at(18500ms)}));
    EXPECT_EQ(r.timeouts, (std::vector<timeout_record>{{at(11s), 3s, 1s}}));
    EXPECT_EQ(r.ends, (std::vector<end_record>{
                          {at(11s), sim::errc::no_data, 11s, 8s, redial::verdict::stable}}));
    EXPECT_EQ(r.attempts, std::vector<time_point>{at(12s)});
    EXPECT_EQ(r.connects, (std::vector<time_point>{at(0s), at(12001ms)}));
    EXPECT_EQ(r.resumes, std::vector<time_point>{at(14500ms)});
    EXPECT_EQ(w.phase_of(0), sim::client_phase::connected);
    EXPECT_FALSE(w.silent(0));
    // The reply to the ping at 16.5 s (rtt 0), given to the policy by its check at 17.5 s.
    EXPECT_EQ(w.last_alive(0), at(16500ms));
}

TEST(SimLiveness, IdleTimeoutSeesTheServersTalkAndEndsASessionThatWentSilent) {
    // The server sends a byte every second; each session goes silent 10.5 s after its connect.
    auto o = one_server(1, {{0s, sim::server_mode::silent_after, 10500ms}});
    o.servers[0].talk_every = 1s;
    o.liveness = idle(3s);
    exp_world w(o, default_clients());
    w.run_until(at(30s));
    const recorder& r = w.probe();
    // Connected at 1 ms: bytes at 1 ms + k s. Silent from 10.501 s: the last byte 10.001 s, so
    // dead at 13.001 s, 10 s of useful uptime (stable). Back at 14.001 s, connected 14.002 s,
    // silent from 24.502 s, last byte 24.002 s, dead at 27.002 s.
    EXPECT_EQ(r.ends, (std::vector<end_record>{
                          {at(13001ms), sim::errc::no_data, 13s, 10s, redial::verdict::stable},
                          {at(27002ms), sim::errc::no_data, 13s, 10s, redial::verdict::stable}}));
    EXPECT_EQ(r.timeouts,
              (std::vector<timeout_record>{{at(13001ms), 3s, 0s}, {at(27002ms), 3s, 0s}}));
    EXPECT_TRUE(r.pings.empty());
    EXPECT_EQ(r.connects, (std::vector<time_point>{at(1ms), at(14002ms), at(28003ms)}));
}

TEST(SimLiveness, AByteAtTheCheckKeepsTheLinkOneLaterDoesNot) {
    // Idle timeout 3 s. Bytes every 3 s - 1 ns: never dead. Every 3 s: the byte at the check's
    // own instant counts, never dead. Every 3 s + 1 ns: dead at 3 s, with the connect's byte only.
    for (const auto& [talk, dies] : std::vector<std::pair<ns, bool>>{
             {ns{3s} - 1ns, false}, {3s, false}, {ns{3s} + 1ns, true}}) {
        auto o = one_server(1, {{0s, sim::server_mode::up}});
        o.start_connected = true;
        o.servers[0].talk_every = talk;
        o.liveness = idle(3s);
        exp_world w(o, default_clients());
        w.run_until(at(1h));
        if (dies) {
            ASSERT_FALSE(w.probe().timeouts.empty());
            EXPECT_EQ(w.probe().timeouts.front(), (timeout_record{at(3s), 3s, 0s}));
            EXPECT_EQ(w.false_liveness_timeouts(), w.probe().timeouts.size()); // all live
        } else {
            EXPECT_TRUE(w.probe().timeouts.empty()) << redial::format_duration(talk);
        }
    }
    // Heartbeat 1s / 2s: a reply exactly at the timeout counts, one a nanosecond later does not.
    for (const auto& [rtt, dies] :
         std::vector<std::pair<ns, bool>>{{2s, false}, {ns{2s} + 1ns, true}}) {
        auto o = one_server(1, {{0s, sim::server_mode::up}});
        o.start_connected = true;
        o.servers[0].ping_rtt = rtt;
        o.liveness = heartbeat(1s, 2s);
        exp_world w(o, default_clients());
        w.run_until(at(1h));
        if (dies) {
            ASSERT_FALSE(w.probe().timeouts.empty());
            EXPECT_EQ(w.probe().timeouts.front(), (timeout_record{at(3s), 3s, 2s}));
        } else {
            EXPECT_TRUE(w.probe().timeouts.empty());
            EXPECT_EQ(w.probe().pings.size(), 1200U); // one every 3 s: 1 s quiet + 2 s reply
        }
    }
}

TEST(SimLiveness, SlowButAliveLinksRunAnHourWithoutAFalseDisconnect) {
    // Replies late but within the timeout: heartbeat 1s / 2s, replies after 1.5 s to 1.999 s.
    auto o = one_server(1000, {{0s, sim::server_mode::up}});
    o.start_connected = true;
    o.servers[0].ping_rtt = 1500ms;
    o.servers[0].ping_rtt_jitter = 499ms;
    o.liveness = heartbeat(1s, 2s);
    sim::world<redial::exponential_backoff, redial::uptime_threshold, sim::fleet_stats> late(
        o, default_clients(), sim::fleet_stats(1000));
    late.run_until(at(1h));
    EXPECT_EQ(late.probe().liveness_timeouts(), 0U);
    EXPECT_EQ(late.probe().connects(), 1000U); // the start only: nobody dropped
    EXPECT_GT(late.probe().pings(), 1000U * 3600 / 4);
    EXPECT_LT(late.probe().pings(), 1000U * 3600 / 2);

    // Bytes flowing and no replies at all (a busy stream whose server ignores pings): every
    // 999 ms under heartbeat 1s / 1s, and every 2.9 s under an idle timeout of 3 s.
    o.servers[0].ping_rtt = 1h;
    o.servers[0].ping_rtt_jitter = 0s;
    o.servers[0].talk_every = 999ms;
    sim::world<redial::exponential_backoff, redial::uptime_threshold, sim::fleet_stats> busy(
        o, default_clients(), sim::fleet_stats(1000));
    busy.run_until(at(1h));
    EXPECT_EQ(busy.probe().liveness_timeouts(), 0U);
    EXPECT_EQ(busy.probe().pings(), 0U);
    EXPECT_EQ(busy.probe().connects(), 1000U);

    o.servers[0].talk_every = 2900ms;
    o.liveness = idle(3s);
    sim::world<redial::exponential_backoff, redial::uptime_threshold, sim::fleet_stats> feed(
        o, default_clients(), sim::fleet_stats(1000));
    feed.run_until(at(1h));
    EXPECT_EQ(feed.probe().liveness_timeouts(), 0U);
    EXPECT_EQ(feed.probe().connects(), 1000U);
}

TEST(SimLiveness, AcceptThenHangEscalatesAndGivesUpWithTheDefaults) {
    // Every session is accepted, then silent at once. Heartbeat 10s / 10s (the configuration's
    // defaults): each session is found dead 20 s after its connect, with no useful uptime, so a
    // flap: the backoff escalates 1, 2, 4, 8, 16, 30 s and the client gives up at the first
    // wake-up past 5 minutes.
    auto o = one_server(1, {{0s, sim::server_mode::silent_after, 0s}});
    for (const sim::liveness_options& l : {heartbeat(10s, 10s), idle(20s)}) {
        o.liveness = l;
        exp_world w(o, default_clients());
        w.run();
        const recorder& r = w.probe();
        std::vector<time_point> attempts{at(0s)};
        ns delay = 1s;
        time_point wake = at(1ms) + ns{20s} + delay;
        while (wake - at(0s) <= 5min) {
            attempts.push_back(wake);
            delay = std::min<ns>(delay * 2, 30s);
            wake += ns{1ms} + ns{20s} + delay;
        }
        EXPECT_EQ(r.attempts, attempts);
        EXPECT_EQ(r.attempts.size(), 9U);
        EXPECT_EQ(r.give_ups, std::vector<time_point>{at(331009ms)});
        EXPECT_EQ(r.give_up, "reconnect timed out after 5m: no data received in time");
        ASSERT_EQ(r.ends.size(), 9U);
        for (const end_record& e : r.ends) {
            EXPECT_EQ(e.uptime, 20s);
            EXPECT_EQ(e.alive_for, 0s);
            EXPECT_EQ(e.verdict, redial::verdict::flap);
        }
    }
    // Without a policy the client stays "connected" to the hung server for ever.
    o.liveness = {};
    exp_world blind(o, default_clients());
    blind.run();
    EXPECT_EQ(blind.probe().connects, std::vector<time_point>{at(1ms)});
    EXPECT_TRUE(blind.probe().ends.empty());
    EXPECT_TRUE(blind.silent(0));
}

TEST(SimLiveness, AStoppedServerAcceptsIntoItsBacklogUntilItIsFull) {
    auto o = one_server(10, {{0s, sim::server_mode::silent}});
    o.servers[0].backlog = 4;
    exp_world w(o, default_clients());
    w.run_until(at(9s));
    // Clients 0 to 3 are accepted by the kernel (connected at 1 ms, silent); the other six
    // SYNs are dropped and time out after the connect timeout.
    EXPECT_EQ(w.probe().connects, std::vector<time_point>(4, at(1ms)));
    EXPECT_EQ(w.silent_sessions(), 4U);
    for (std::uint32_t i = 0; i < 10; ++i) {
        EXPECT_EQ(w.phase_of(i),
                  i < 4 ? sim::client_phase::connected : sim::client_phase::connecting);
    }
}

TEST(SimLiveness, BlackholedSessionsNeverResumeAndWithoutAPolicyNobodyNotices) {
    // Three clients; the server talks every second (client i offset by i/3 s). The path goes
    // at 5 s and is back at 10 s; the sessions open at 5 s stay dead.
    auto o = one_server(3, {{0s, sim::server_mode::up},
                            {5s, sim::server_mode::blackhole},
                            {10s, sim::server_mode::up}});
    o.start_connected = true;
    o.servers[0].talk_every = 1s;
    sim::world<redial::exponential_backoff, redial::uptime_threshold, recorder> blind(
        o, default_clients());
    blind.run(); // nothing is scheduled once the phases are over
    EXPECT_EQ(blind.silent_sessions(), 3U);
    EXPECT_TRUE(blind.probe().ends.empty());

    o.liveness = idle(3s);
    exp_world w(o, default_clients());
    w.run_until(at(30s));
    const recorder& r = w.probe();
    // Last bytes 4 s, 4.333333333 s, 4.666666666 s: dead 3 s later. Stable (4 s and more of
    // useful uptime): 1 s later they connect into the blackhole, time out 10 s later, back off
    // 2 s, and connect at 20 s and a third and two thirds of a second later.
    EXPECT_EQ(r.timeouts,
              (std::vector<timeout_record>{
                  {at(7s), 3s, 0s}, {at(7333333333ns), 3s, 0s}, {at(7666666666ns), 3s, 0s}}));
    EXPECT_EQ(r.ends[1], (end_record{at(7333333333ns), sim::errc::no_data, 7333333333ns,
                                     4333333333ns, redial::verdict::stable}));
    EXPECT_EQ(r.attempts, (std::vector<time_point>{at(8s), at(8333333333ns), at(8666666666ns),
                                                   at(20s), at(20333333333ns), at(20666666666ns)}));
    EXPECT_EQ(w.silent_sessions(), 0U);
}

TEST(SimLiveness, EverySessionBehindASilentOutageIsFoundWithinIntervalPlusTimeout) {
    // 100,000 clients started over 10 s, heartbeat 5s / 2s, replies after 20 to 120 ms; the
    // path goes at 60 s for good. (redial-fleet-bench --liveness runs a million.)
    constexpr std::uint32_t n = 100'000;
    auto o = one_server(n, {{0s, sim::server_mode::up}, {60s, sim::server_mode::blackhole}});
    o.start_spread = 10s;
    o.servers[0].ping_rtt = 20ms;
    o.servers[0].ping_rtt_jitter = 100ms;
    o.liveness = heartbeat(5s, 2s);
    sim::fleet_stats stats(n);
    stats.detect_from(at(60s));
    sim::world<redial::exponential_backoff, redial::uptime_threshold, sim::fleet_stats> w(
        o, default_clients(), std::move(stats));
    w.run_until(at(60s) + 7s); // interval + timeout after the outage began
    const sim::fleet_stats& s = w.probe();
    EXPECT_EQ(s.detected(), n);
    EXPECT_EQ(s.timeouts_before_detection(), 0U);
    EXPECT_LE(s.detection_quantile(1.0), 7s);
    // The distribution: a ping due anywhere in the cycle, answered or not.
    EXPECT_EQ(s.detection_quantile(0.0), 1881228481ns); // a ping in flight when it began
    EXPECT_EQ(s.detection_quantile(0.5), 4501321023ns);
    EXPECT_EQ(s.detection_quantile(0.99), 6948778029ns);
    EXPECT_EQ(s.detection_quantile(1.0), 6999993053ns);
    EXPECT_EQ(w.false_liveness_timeouts(), 0U);
}

template <class Queue>
std::pair<std::uint64_t, std::uint64_t> silent_run(std::uint64_t seed) {
    auto o = one_server(2000, {{0s, sim::server_mode::up},
                               {30s, sim::server_mode::silent},
                               {50s, sim::server_mode::up},
                               {80s, sim::server_mode::blackhole},
                               {90s, sim::server_mode::up}});
    o.seed = seed;
    o.start_spread = 5s;
    o.servers[0].talk_every = 7s;
    o.servers[0].ping_rtt_jitter = 300ms;
    o.servers[0].backlog = 100;
    o.liveness = heartbeat(3s, 2s);
    o.chaos.session_mean_life = 40s;
    using policy = redial::jittered<redial::exponential_backoff>;
    sim::world<policy, redial::uptime_threshold, sim::fleet_stats, Queue> w(
        o, sim::identical_clients(policy{redial::exponential_backoff{}, redial::full_jitter(), 0}),
        sim::fleet_stats(2000));
    w.stop_all_at(at(3min));
    w.run();
    return {w.trace_hash(), w.probe().liveness_timeouts()};
}

TEST(SimLiveness, SameSeedSameRunWhicheverQueueAndDiffersBySeed) {
    const auto a = silent_run<sim::event_wheel>(3);
    EXPECT_EQ(a, silent_run<sim::event_wheel>(3));
    EXPECT_EQ(a, silent_run<sim::heap_queue>(3));
    EXPECT_NE(a.first, silent_run<sim::event_wheel>(4).first);
    EXPECT_GT(a.second, 2000U); // both outages were noticed
}

TEST(SimLiveness, NoPolicyAddsNoBytePerClient) {
    sim::world_options o;
    exp_world none(o, default_clients());
    o.liveness = idle(3s);
    exp_world idle_world(o, default_clients());
    o.liveness = heartbeat(1s, 1s);
    exp_world beat_world(o, default_clients());
    EXPECT_EQ(idle_world.bytes_per_client(), none.bytes_per_client() + 16);
    EXPECT_EQ(beat_world.bytes_per_client(), none.bytes_per_client() + 32);
}

TEST(SimLiveness, BadLivenessOptionsNameTheKey) {
    sim::world_options o;
    o.liveness = heartbeat(0s, 1s);
    try {
        sim::validate_scenario(o);
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "sim.liveness.ping-interval");
    }
    o.liveness = idle(-1s);
    EXPECT_THROW(sim::validate_scenario(o), redial::config_error);
    o.liveness = {};
    o.servers[0].ping_rtt = -1ms;
    try {
        sim::validate_scenario(o);
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "sim.servers[0].ping-rtt");
    }
}

} // namespace
