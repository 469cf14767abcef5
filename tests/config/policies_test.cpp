#include <redial/config/policies.hpp>

#include <redial/config/keys.hpp>
#include <redial/config/read.hpp>

#include "support/config_error.hpp"
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

// The run-time policies and their builders.
namespace {

using namespace std::chrono_literals;
using redial::test::expect_error;
using std::chrono::nanoseconds;

TEST(describe, one_line_summaries) {
    EXPECT_EQ(redial::describe(redial::options{}),
              "backoff 1s x2 up to 30s, no jitter; stable after 1s; give up after 5m");
    EXPECT_EQ(redial::describe(redial::preset("grpc")),
              "backoff 1s x1.6 up to 2m, grpc jitter +-20% (overshoot); stable after 1s; never "
              "give up; connect timeout 20s");
    EXPECT_EQ(redial::describe(redial::preset("moonpool-local")),
              "backoff 10ms x2 up to 1s, no jitter; stable after 10ms; give up after 10 "
              "attempts; connect timeout 500ms");
    EXPECT_EQ(redial::describe(redial::options_from_string(
                  "jitter=proportional,jitter-fraction=0.07,stability=intensity,intensity-drops="
                  "3,max-attempts=4,clip-to-deadline=yes,seed=7")),
              "backoff 1s x2 up to 30s, jitter +-7% (fit); flap after more than 3 drops in 5s; "
              "give up after 5m or 4 attempts, clipped to the deadline; seed 7");
    EXPECT_EQ(redial::describe(redial::options_from_string(
                  "jitter=decorrelated,stability=damping,damping-half-life=1m")),
              "backoff decorrelated 1s..30s; flap damping, half-life 1m; give up after 5m");
    EXPECT_EQ(redial::describe(redial::options_from_string(
                  "jitter=equal,jitter-cap=clamp,stability=always,stable-after=3s")),
              "backoff 1s x2 up to 30s, equal jitter (clamp); always stable; give up after 5m");
    EXPECT_EQ(redial::describe(redial::options_from_string("backoff=linear,backoff-step=500ms")),
              "backoff linear 1s +500ms up to 30s; stable after 1s; give up after 5m");
    EXPECT_EQ(redial::describe(redial::options_from_string("backoff=constant")),
              "backoff constant 1s; stable after 1s; give up after 5m");
}

// --- builders -------------------------------------------------------------------------------

std::vector<nanoseconds> take(redial::configured_backoff& b, std::size_t n) {
    std::vector<nanoseconds> v;
    for (std::size_t i = 0; i < n; ++i) {
        v.push_back(b.next());
    }
    return v;
}

TEST(make_backoff, default_preset_is_plain_exponential) {
    redial::configured_backoff b = redial::make_backoff(redial::preset("default"));
    EXPECT_EQ(b.policy().index(), 0u);
    EXPECT_TRUE(std::holds_alternative<redial::exponential_backoff>(b.policy()));
    EXPECT_EQ(take(b, 7), (std::vector<nanoseconds>{1s, 2s, 4s, 8s, 16s, 30s, 30s}));
    b.reset();
    EXPECT_EQ(b.next(), 1s);
    EXPECT_EQ(b.initial_delay(), 1s);
    EXPECT_EQ(b.max_delay(), 30s);
    b.seed(3); // no generator: no effect
    EXPECT_EQ(b.next(), 2s);
}

TEST(make_backoff, moonpool_local_delays) {
    redial::configured_backoff b = redial::make_backoff(redial::preset("moonpool-local"));
    EXPECT_EQ(take(b, 9),
              (std::vector<nanoseconds>{10ms, 20ms, 40ms, 80ms, 160ms, 320ms, 640ms, 1s, 1s}));
}

TEST(make_backoff, grpc_preset_stays_within_twenty_percent_and_may_overshoot_the_cap) {
    redial::options o = redial::preset("grpc");
    o.seed = 42;
    redial::configured_backoff b = redial::make_backoff(o);
    ASSERT_TRUE(std::holds_alternative<redial::jittered<redial::exponential_backoff>>(b.policy()));
    EXPECT_EQ(std::get<1>(b.policy()).range(), redial::grpc_jitter());
    EXPECT_EQ(b.initial_delay(), 1s);
    EXPECT_EQ(b.max_delay(), 144s); // 1.2 × 120s

    // The exact sequence: the same policy built by hand with the same seed.
    redial::jittered<redial::exponential_backoff> by_hand{
        redial::exponential_backoff{1s, 1.6, 120s}, redial::grpc_jitter(), 42};
    redial::exponential_backoff undecorated{1s, 1.6, 120s};
    bool overshot = false;
    for (int i = 0; i < 200; ++i) {
        const nanoseconds d = b.next();
        ASSERT_EQ(d, by_hand.next()) << i;
        const auto base = static_cast<double>(undecorated.next().count());
        EXPECT_GE(static_cast<double>(d.count()), 0.8 * base - 1) << i;
        EXPECT_LE(static_cast<double>(d.count()), 1.2 * base + 1) << i;
        overshot = overshot || d > 120s;
    }
    EXPECT_TRUE(overshot);
}

TEST(make_backoff, seeded_policies_repeat_and_reseed) {
    const redial::options o = redial::options_from_string("jitter=full,seed=11");
    redial::configured_backoff a = redial::make_backoff(o);
    redial::configured_backoff b = redial::make_backoff(o);
    const auto first = take(a, 20);
    EXPECT_EQ(first, take(b, 20));
    a.reset();
    a.seed(11);
    EXPECT_EQ(take(a, 20), first);
    a.reset();
    a.seed(12);
    EXPECT_NE(take(a, 20), first);
}

TEST(make_backoff, jitter_kinds_and_cap_modes) {
    auto build = [](std::string_view text) {
        return redial::make_backoff(redial::options_from_string(text));
    };
    using jittered = redial::jittered<redial::exponential_backoff>;
    {
        // Full and equal jitter use compile-time windows, computed in integers; they never
        // exceed the capped delay, so every cap mode gives the same policy.
        auto b = build("jitter=full,seed=1");
        using full = redial::full_jittered<redial::exponential_backoff>;
        ASSERT_TRUE(std::holds_alternative<full>(b.policy()));
        EXPECT_EQ(std::get<full>(b.policy()).range(), redial::full_jitter());
        full by_hand{redial::exponential_backoff{1s, 2.0, 30s}, {}, 1};
        for (nanoseconds d : take(b, 50)) {
            EXPECT_EQ(d, by_hand.next());
            EXPECT_LE(d, 30s);
        }
    }
    {
        auto b = build("jitter=equal,jitter-cap=clamp,seed=1");
        using equal = redial::equal_jittered<redial::exponential_backoff>;
        ASSERT_TRUE(std::holds_alternative<equal>(b.policy()));
        EXPECT_EQ(std::get<equal>(b.policy()).range(), redial::equal_jitter());
    }
    {
        auto b = build("jitter=proportional,jitter-fraction=0.25,jitter-cap=overshoot,seed=1");
        EXPECT_EQ(std::get<jittered>(b.policy()).range(),
                  (redial::jitter_range{0.75, 1.25, redial::jitter_cap::overshoot}));
        EXPECT_EQ(b.max_delay(), 37500ms);
    }
    {
        // grpc overshoots whatever jitter-cap says
        auto b = build("jitter=grpc,jitter-cap=fit,seed=1");
        EXPECT_EQ(std::get<jittered>(b.policy()).range(), redial::grpc_jitter());
    }
    {
        auto b = build("jitter=decorrelated,backoff-initial=100ms,backoff-max=2s,seed=5");
        ASSERT_TRUE(std::holds_alternative<redial::decorrelated_jitter>(b.policy()));
        redial::decorrelated_jitter by_hand{100ms, 2s, 5};
        for (int i = 0; i < 100; ++i) {
            const nanoseconds d = b.next();
            EXPECT_EQ(d, by_hand.next());
            EXPECT_GE(d, 100ms);
            EXPECT_LE(d, 2s);
        }
        EXPECT_EQ(b.initial_delay(), 100ms);
        EXPECT_EQ(b.max_delay(), 2s);
    }
}

TEST(make_backoff, constant_and_linear_from_configuration) {
    redial::configured_backoff c =
        redial::make_backoff(redial::options_from_string("backoff=constant,backoff-initial=2s"));
    ASSERT_TRUE(std::holds_alternative<redial::constant_backoff>(c.policy()));
    EXPECT_EQ(take(c, 3), (std::vector<nanoseconds>{2s, 2s, 2s}));
    redial::configured_backoff l =
        redial::make_backoff(redial::options_from_string("backoff=linear"));
    ASSERT_TRUE(std::holds_alternative<redial::linear_backoff>(l.policy()));
    EXPECT_EQ(take(l, 3), (std::vector<nanoseconds>{1s, 2s, 3s})); // the step follows initial
    l = redial::make_backoff(
        redial::options_from_string("backoff=linear,backoff-step=10s,backoff-max=25s"));
    EXPECT_EQ(take(l, 4), (std::vector<nanoseconds>{1s, 11s, 21s, 25s}));
    EXPECT_EQ(l.max_delay(), 25s);
    redial::configured_backoff d =
        redial::make_backoff(redial::options_from_string("backoff=decorrelated,seed=4"));
    ASSERT_TRUE(std::holds_alternative<redial::decorrelated_jitter>(d.policy()));
    redial::configured_backoff d2 =
        redial::make_backoff(redial::options_from_string("jitter=decorrelated,seed=4"));
    EXPECT_EQ(take(d, 20), take(d2, 20)); // the older spelling makes the same policy
}

TEST(make_backoff, validates_options_set_in_code) {
    redial::options o;
    o.initial = 0s;
    try {
        (void)redial::make_backoff(o);
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "backoff-initial", "0s", "must be greater than zero");
    }
}

TEST(make_stability, each_kind) {
    using namespace redial;
    const session_end quick{100ms, time_point{}};
    {
        configured_stability s = make_stability(options{});
        ASSERT_TRUE(std::holds_alternative<uptime_threshold>(s.policy()));
        EXPECT_EQ(std::get<uptime_threshold>(s.policy()).threshold(), 1s); // follows initial
        EXPECT_EQ(s.judge(quick), verdict::flap);
        EXPECT_EQ(s.judge({1s, time_point{}}), verdict::stable);
        EXPECT_EQ(s.hold_down(time_point{}), 0s);
    }
    {
        configured_stability s = make_stability(options_from_string("backoff-initial=250ms"));
        EXPECT_EQ(std::get<uptime_threshold>(s.policy()).threshold(), 250ms);
        s.adopt_initial_delay(5s); // explicit threshold: kept
        EXPECT_EQ(std::get<uptime_threshold>(s.policy()).threshold(), 250ms);
    }
    {
        configured_stability s = make_stability(options_from_string("stable-after=3s"));
        EXPECT_EQ(std::get<uptime_threshold>(s.policy()).threshold(), 3s);
    }
    {
        configured_stability s = make_stability(options_from_string("stability=always"));
        ASSERT_TRUE(std::holds_alternative<always_stable>(s.policy()));
        EXPECT_EQ(s.judge(quick), verdict::stable);
    }
    {
        configured_stability s =
            make_stability(options_from_string("stability=intensity,intensity-drops=2,"
                                               "intensity-window=10s"));
        ASSERT_TRUE(std::holds_alternative<restart_intensity>(s.policy()));
        EXPECT_EQ(std::get<restart_intensity>(s.policy()).max_drops(), 2u);
        EXPECT_EQ(std::get<restart_intensity>(s.policy()).window(), 10s);
        EXPECT_EQ(s.judge({1s, time_point{1s}}), verdict::stable);
        EXPECT_EQ(s.judge({1s, time_point{2s}}), verdict::stable);
        EXPECT_EQ(s.judge({1s, time_point{3s}}), verdict::flap);
        s.reset();
        EXPECT_EQ(s.judge({1s, time_point{4s}}), verdict::stable);
    }
    {
        configured_stability s = make_stability(
            options_from_string("stability=damping,damping-half-life=1m,backoff-timeout=0"));
        ASSERT_TRUE(std::holds_alternative<flap_damping>(s.policy()));
        const flap_damping_params& p = std::get<flap_damping>(s.policy()).params();
        EXPECT_EQ(p.half_life, 1min);
        EXPECT_EQ(p.max_hold_down, 4min);
        EXPECT_EQ(p.penalty, 1000);
        EXPECT_EQ(p.suppress, 2000);
        EXPECT_EQ(p.reuse, 750);
        EXPECT_EQ(s.judge({1s, time_point{0s}}), verdict::stable);
        EXPECT_EQ(s.judge({1s, time_point{1s}}), verdict::stable);
        EXPECT_EQ(s.judge({1s, time_point{2s}}), verdict::flap);
        // Held down until the penalty (about 2962) decays to 750: about 2 half-lives.
        const nanoseconds hold = s.hold_down(time_point{2s});
        EXPECT_GT(hold, 1min + 55s);
        EXPECT_LT(hold, 2min);
        s.reset();
        EXPECT_EQ(s.hold_down(time_point{2s}), 0s);
    }
    {
        // Long half-lives stay valid: max hold-down scales with them.
        configured_stability s = make_stability(
            options_from_string("stability=damping,damping-half-life=2h,backoff-timeout=0"));
        EXPECT_EQ(std::get<flap_damping>(s.policy()).params().max_hold_down, 8h);
    }
}

TEST(make_machine_options, give_up_rules) {
    const redial::machine_options m = redial::make_machine_options(
        redial::options_from_string("backoff-timeout=90s,max-attempts=4,clip-to-deadline=true"));
    EXPECT_EQ(m.give_up_timeout, 90s);
    EXPECT_EQ(m.max_attempts, 4u);
    EXPECT_TRUE(m.clip_to_deadline);
    const redial::machine_options d = redial::make_machine_options(redial::options{});
    EXPECT_EQ(d.give_up_timeout, 5min);
    EXPECT_EQ(d.max_attempts, 0u);
    EXPECT_FALSE(d.clip_to_deadline);
}

// A session shorter than the stability threshold is a flap: the configured policies keep the
// seeds' rule end to end.
TEST(configured, flap_escalates_and_stable_session_resets) {
    const redial::options o = redial::options_from_string("backoff-initial=100ms");
    redial::basic_reconnect_machine<redial::configured_backoff, redial::configured_stability>
        machine{redial::make_backoff(o), redial::make_stability(o),
                redial::make_machine_options(o)};
    const redial::time_point t0{};
    const auto reset = std::make_error_code(std::errc::connection_reset);
    (void)machine.start(t0);
    machine.on_connected(t0);
    EXPECT_EQ(machine.on_session_end(t0 + 50ms, reset), redial::decision::wait(100ms));
    (void)machine.on_wait_done(t0 + 150ms);
    machine.on_connected(t0 + 150ms);
    EXPECT_EQ(machine.on_session_end(t0 + 160ms, reset), redial::decision::wait(200ms));
    (void)machine.on_wait_done(t0 + 360ms);
    machine.on_connected(t0 + 360ms);
    EXPECT_EQ(machine.on_session_end(t0 + 10s, reset), redial::decision::wait(100ms));
}

static_assert(redial::backoff_policy<redial::configured_backoff>);
static_assert(redial::stability_policy<redial::configured_stability>);

TEST(Config, DescribeSaysOneAttemptInTheSingular) {
    redial::options o;
    o.timeout = std::chrono::nanoseconds{0};
    o.max_attempts = 1;
    EXPECT_NE(redial::describe(o).find("; give up after 1 attempt"), std::string::npos)
        << redial::describe(o);
    EXPECT_EQ(redial::describe(o).find("1 attempts"), std::string::npos) << redial::describe(o);
}
} // namespace

namespace {

TEST(make_liveness, follows_the_keys_and_their_defaults) {
    using kind = redial::configured_liveness<>::kind;
    EXPECT_EQ(redial::make_liveness(redial::options{}).which(), kind::none);
    const auto idle = redial::make_liveness(redial::options_from_string("idle-timeout=3s"));
    EXPECT_EQ(idle.which(), kind::idle);
    EXPECT_EQ(idle.idle().limit(), 3s);
    const auto idle_default = redial::make_liveness(redial::options_from_string("liveness=idle"));
    EXPECT_EQ(idle_default.idle().limit(), 20s);
    const auto ping = [](auto&) {};
    const auto hb = redial::make_liveness(redial::options_from_string("ping-interval=2s"), ping);
    EXPECT_EQ(hb.which(), kind::heartbeat);
    EXPECT_EQ(hb.heartbeat().interval(), 2s);
    EXPECT_EQ(hb.heartbeat().timeout(), 10s);
    EXPECT_EQ(hb.detection_bound(), 12s);
    // A heartbeat with nothing to send would wait for answers to pings never sent.
    try {
        (void)redial::make_liveness(redial::options_from_string("ping-interval=2s"));
        ADD_FAILURE() << "a heartbeat without a ping was accepted";
    } catch (const redial::config_error& e) {
        expect_error(e, "liveness", "heartbeat",
                     "needs a ping: pass the protocol's ping to make_liveness(options, ping)");
    }
}

TEST(make_socket_options, follows_the_tcp_keys) {
    const redial::socket_options s = redial::make_socket_options(
        redial::options_from_string("tcp-keepalive=30s/5s/3,tcp-user-timeout=1500ms"));
    ASSERT_TRUE(s.keepalive);
    EXPECT_EQ(s.keepalive->idle, 30s);
    EXPECT_EQ(s.keepalive->interval, 5s);
    EXPECT_EQ(s.keepalive->count, 3U);
    EXPECT_EQ(s.user_timeout, 1500ms);
    EXPECT_EQ(redial::make_socket_options(redial::options{}), redial::socket_options{});
}

TEST(describe, says_how_a_dead_link_is_noticed) {
    EXPECT_EQ(redial::describe(redial::options_from_string("idle-timeout=3s")),
              "backoff 1s x2 up to 30s, no jitter; stable after 1s; give up after 5m; dead after "
              "3s without data");
    EXPECT_EQ(redial::describe(redial::options_from_string("liveness=heartbeat")),
              "backoff 1s x2 up to 30s, no jitter; stable after 1s; give up after 5m; ping after "
              "10s idle, dead 10s after an unanswered ping");
}

} // namespace
