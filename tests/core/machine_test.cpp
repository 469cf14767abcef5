#include <redial/core/machine.hpp>

#include <redial/backoff/constant.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/stability/always_stable.hpp>
#include <redial/stability/flap_damping.hpp>
#include <redial/stability/restart_intensity.hpp>
#include <redial/stability/uptime_threshold.hpp>

#include "support/drive.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace {

using namespace std::chrono_literals;
using redial::decision;
using redial::machine_options;
using redial::verdict;
using redial::test::accept_then_reset;
using redial::test::always_refuse;
using redial::test::drive;
using redial::test::ns;
using redial::test::outcome;
using redial::test::since_start;
using redial::test::t0;

// Errors in these tests are plain text (connect errors and close reasons alike).
using machine = redial::basic_reconnect_machine<redial::exponential_backoff,
                                                redial::uptime_threshold, std::string>;
using naive_machine = redial::basic_reconnect_machine<redial::exponential_backoff,
                                                      redial::always_stable, std::string>;

std::vector<ns> seconds(std::initializer_list<std::int64_t> s) {
    std::vector<ns> out;
    for (auto v : s) {
        out.push_back(std::chrono::seconds{v});
    }
    return out;
}

// --- the seeds' scenarios with exact times --------------------------------------------------

TEST(Machine, AcceptThenResetEscalatesAndGivesUpWithTheCloseReason) {
    machine m;
    auto t = drive(m, accept_then_reset);

    EXPECT_EQ(t.delays, seconds({1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30, 30, 30, 30}));
    std::vector<ns> attempt_times;
    for (auto a : t.attempts) {
        attempt_times.push_back(since_start(a));
    }
    EXPECT_EQ(attempt_times, seconds({0, 1, 3, 7, 15, 31, 61, 91, 121, 151, 181, 211, 241, 271}));
    ASSERT_TRUE(t.gave_up_at);
    // The first attempt due after 300 s of flapping is the one at 301 s: it is not made.
    EXPECT_EQ(since_start(*t.gave_up_at), 301s);
    EXPECT_EQ(t.error, "reconnect timed out after 5m: connection reset by peer");
    EXPECT_EQ(m.reason(), redial::give_up_reason::timeout);
    for (verdict v : t.verdicts) {
        EXPECT_EQ(v, verdict::flap);
    }
}

TEST(Machine, StableSessionResetsBackoffWindowAndLastError) {
    machine m;
    // Two refusals (sleeps 1 s, 2 s), then a 5 s session, then refusals again.
    auto server = [](std::size_t i, redial::time_point) {
        if (i < 2) {
            return outcome::refuse("connection refused");
        }
        if (i == 2) {
            return outcome::accept(5s, "peer closed");
        }
        return outcome::refuse("connection refused");
    };
    auto t = drive(m, server, 5);
    // Attempt 2 at t=3 s, session until 8 s: stable, so the next sleep is exactly the initial
    // delay and the escalation starts over (1, then 2).
    EXPECT_EQ(t.delays, seconds({1, 2, 1, 2, 4}));
    ASSERT_EQ(t.verdicts.size(), 1u);
    EXPECT_EQ(t.verdicts[0], verdict::stable);
    EXPECT_EQ(since_start(t.attempts[3]), 9s);
    EXPECT_EQ(since_start(m.window_start()), 8s);
    EXPECT_EQ(m.attempts(), 3u); // attempts at 9 s and 11 s, and the one just granted
}

TEST(Machine, StableDropClearsLastErrorAndRestartsWindow) {
    machine m;
    EXPECT_EQ(m.start(t0), decision::connect());
    EXPECT_EQ(m.on_connect_failed(t0 + 10ms, "connection refused"), decision::wait(1s));
    ASSERT_TRUE(m.last_error());
    EXPECT_EQ(m.on_wait_done(t0 + 1010ms), decision::connect());
    m.on_connected(t0 + 1020ms);
    EXPECT_EQ(m.on_session_end(t0 + 2020ms, "eof"), decision::wait(1s)); // uptime exactly 1 s
    EXPECT_EQ(m.last_verdict(), verdict::stable);
    EXPECT_FALSE(m.last_error());
    EXPECT_EQ(m.window_start(), t0 + 2020ms);
    EXPECT_EQ(m.attempts(), 0u);
}

TEST(Machine, OneOffDropsAreNeverRateEscalated) {
    machine m;
    auto healthy = [](std::size_t, redial::time_point) { return outcome::accept(1min, "eof"); };
    auto t = drive(m, healthy, 1000);
    ASSERT_EQ(t.delays.size(), 1000u);
    for (ns d : t.delays) {
        ASSERT_EQ(d, 1s);
    }
    EXPECT_FALSE(t.gave_up_at);
}

TEST(Machine, UptimeJustBelowThresholdIsAFlap) {
    machine m;
    m.start(t0);
    m.on_connected(t0);
    EXPECT_EQ(m.on_session_end(t0 + 1s - 1ns, "reset"), decision::wait(1s));
    EXPECT_EQ(m.last_verdict(), verdict::flap);
    ASSERT_TRUE(m.last_error());
    EXPECT_EQ(*m.last_error(), "reset");
    EXPECT_EQ(m.on_wait_done(t0 + 2s), decision::connect());
    m.on_connected(t0 + 2s);
    // Escalated: the flap did not reset the backoff.
    EXPECT_EQ(m.on_session_end(t0 + 2s, "reset"), decision::wait(2s));
    EXPECT_EQ(m.window_start(), t0);
}

TEST(Machine, ConnectFailuresEscalateAndGiveUpWithTheLastConnectError) {
    machine m;
    auto server = [](std::size_t i, redial::time_point) {
        return outcome::refuse("connection refused #" + std::to_string(i));
    };
    auto t = drive(m, server);
    EXPECT_EQ(t.delays, seconds({1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30, 30, 30, 30}));
    ASSERT_TRUE(t.gave_up_at);
    EXPECT_EQ(since_start(*t.gave_up_at), 301s);
    EXPECT_EQ(t.error, "reconnect timed out after 5m: connection refused #13");
}

TEST(Machine, ConnectLatencyCountsAgainstTheWindow) {
    machine m;
    auto slow = [](std::size_t, redial::time_point) {
        return outcome::refuse("connect timed out", 10s);
    };
    auto t = drive(m, slow);
    // Attempts at 0, 11, 23, 37, 55, 81, 121, 161, 201, 241, 281; the one due at 321 is not.
    ASSERT_EQ(t.attempts.size(), 11u);
    EXPECT_EQ(since_start(t.attempts.back()), 281s);
    EXPECT_EQ(since_start(*t.gave_up_at), 321s);
    EXPECT_EQ(t.error, "reconnect timed out after 5m: connect timed out");
}

TEST(Machine, TimeoutZeroNeverGivesUp) {
    machine m{redial::exponential_backoff{}, redial::uptime_threshold{},
              machine_options{.give_up_timeout = 0s}};
    auto t = drive(m, always_refuse, 10'000);
    EXPECT_EQ(t.attempts.size(), 10'000u);
    EXPECT_FALSE(t.gave_up_at);
    EXPECT_EQ(t.delays.back(), 30s);
    EXPECT_EQ(m.state(), redial::machine_state::connecting);
}

TEST(Machine, BudgetCountsFromTheFirstFailureAfterALongSession) {
    machine m;
    auto server = [](std::size_t i, redial::time_point) {
        return i == 0 ? outcome::accept(1h, "server restarted")
                      : outcome::refuse("connection refused");
    };
    auto t = drive(m, server);
    // The hour-long session does not eat the 5-minute budget: the window starts at the drop
    // (3600 s), and the machine retries for 300 s more, as after a fresh start.
    ASSERT_TRUE(t.gave_up_at);
    EXPECT_EQ(since_start(*t.gave_up_at), 3600s + 301s);
    EXPECT_EQ(t.attempts.size(), 1u + 13u);
    EXPECT_EQ(since_start(t.attempts[1]), 3601s);
    EXPECT_EQ(t.error, "reconnect timed out after 5m: connection refused");
}

TEST(Machine, FlapDoesNotRestartTheWindowOfAFailingStreak) {
    machine m;
    // Refused for a while, then one accept that is reset at once, then refused again: the flap
    // belongs to the same failing streak, so the give-up time is the same as with no accept.
    auto server = [](std::size_t i, redial::time_point) {
        return i == 5 ? outcome::accept(0s, "reset") : outcome::refuse("connection refused");
    };
    auto t = drive(m, server);
    EXPECT_EQ(since_start(*t.gave_up_at), 301s);
    EXPECT_EQ(t.delays, seconds({1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30, 30, 30, 30}));
}

TEST(Machine, AlwaysStableNeverEscalatesNorGivesUpAgainstAFlappingServer) {
    // The bug the seeds fixed, side by side with the fix.
    naive_machine naive;
    auto bad = drive(naive, accept_then_reset, 10'000);
    EXPECT_FALSE(bad.gave_up_at);
    EXPECT_EQ(bad.attempts.size(), 10'000u);
    for (ns d : bad.delays) {
        ASSERT_EQ(d, 1s); // reset on every connect: never escalates
    }

    machine fixed;
    auto good = drive(fixed, accept_then_reset, 10'000);
    ASSERT_TRUE(good.gave_up_at);
    EXPECT_EQ(good.attempts.size(), 14u);
}

// --- give-up rules --------------------------------------------------------------------------

TEST(Machine, AttemptLimitGivesUpAfterTheLastFailure) {
    machine m{redial::exponential_backoff{}, redial::uptime_threshold{},
              machine_options{.max_attempts = 3}};
    auto t = drive(m, always_refuse);
    EXPECT_EQ(t.attempts.size(), 3u);
    EXPECT_EQ(t.delays, seconds({1, 2}));
    EXPECT_EQ(since_start(*t.gave_up_at), 3s);
    EXPECT_EQ(t.error, "reconnect gave up after 3 attempts: connection refused");
    EXPECT_EQ(m.reason(), redial::give_up_reason::attempts);
}

TEST(Machine, OneAttemptIsSingular) {
    machine m{redial::exponential_backoff{}, redial::uptime_threshold{},
              machine_options{.max_attempts = 1}};
    auto t = drive(m, always_refuse);
    EXPECT_EQ(t.error, "reconnect gave up after 1 attempt: connection refused");
}

TEST(Machine, AttemptLimitCountsFromTheLastStableSession) {
    machine m{redial::exponential_backoff{}, redial::uptime_threshold{},
              machine_options{.max_attempts = 2}};
    auto server = [](std::size_t i, redial::time_point) {
        return i == 1 ? outcome::accept(10s, "eof") : outcome::refuse("connection refused");
    };
    auto t = drive(m, server);
    EXPECT_EQ(t.attempts.size(), 4u); // 1 failure, 1 session, then 2 more failures
}

TEST(Machine, OptionsReadBackAsGiven) {
    constexpr std::uint64_t most = std::numeric_limits<std::uint64_t>::max();
    for (const machine_options given :
         {machine_options{}, machine_options{.max_attempts = most},
          machine_options{.give_up_timeout = 0s, .max_attempts = 7, .clip_to_deadline = true},
          machine_options{.give_up_timeout = 90s, .max_attempts = 1, .clip_to_deadline = true}}) {
        const machine m{redial::exponential_backoff{}, redial::uptime_threshold{}, given};
        EXPECT_EQ(m.options().give_up_timeout, given.give_up_timeout);
        EXPECT_EQ(m.options().max_attempts, given.max_attempts);
        EXPECT_EQ(m.options().clip_to_deadline, given.clip_to_deadline);
    }
}

TEST(Machine, TheLargestAttemptLimitIsNeverReached) {
    machine m{redial::exponential_backoff{}, redial::uptime_threshold{},
              machine_options{.give_up_timeout = 0s,
                              .max_attempts = std::numeric_limits<std::uint64_t>::max()}};
    redial::time_point now = t0;
    ASSERT_EQ(m.start(now).what, decision::kind::connect);
    for (int i = 0; i < 100; ++i) {
        const decision d = m.on_connect_failed(now, "connection refused");
        ASSERT_EQ(d.what, decision::kind::wait) << i;
        now += d.delay;
        ASSERT_EQ(m.on_wait_done(now).what, decision::kind::connect) << i;
    }
}

// The elapsed time saturates at the largest duration, so a give-up timeout of that duration
// never fires, even between time points further apart than it (a virtual clock at its limits).
TEST(Machine, TheLargestTimeoutNeverFires) {
    for (const bool clip : {false, true}) {
        machine m{redial::exponential_backoff{}, redial::uptime_threshold{},
                  machine_options{.give_up_timeout = ns::max(), .clip_to_deadline = clip}};
        const redial::time_point before_zero{-1s};
        ASSERT_EQ(m.start(before_zero).what, decision::kind::connect);
        ASSERT_EQ(m.on_connect_failed(before_zero, "connection refused").what,
                  decision::kind::wait);
        EXPECT_EQ(m.on_wait_done(redial::time_point::max()).what, decision::kind::connect)
            << "clip " << clip;
    }
}

struct auth_failures_are_final {
    bool operator()(const std::string& e) const { return e.starts_with("authentication"); }
};

TEST(Machine, TerminalErrorGivesUpAtOnce) {
    redial::basic_reconnect_machine<redial::exponential_backoff, redial::uptime_threshold,
                                    std::string, auth_failures_are_final>
        m;
    auto server = [](std::size_t i, redial::time_point) {
        return i < 2 ? outcome::refuse("connection refused")
                     : outcome::refuse("authentication failed: bad token");
    };
    auto t = drive(m, server);
    EXPECT_EQ(t.attempts.size(), 3u);
    EXPECT_EQ(since_start(*t.gave_up_at), 3s);
    EXPECT_EQ(t.error, "reconnect gave up on a terminal error: authentication failed: bad token");
    EXPECT_EQ(m.reason(), redial::give_up_reason::terminal);
}

TEST(Machine, TerminalCloseReasonGivesUpEvenAfterAStableSession) {
    redial::basic_reconnect_machine<redial::exponential_backoff, redial::uptime_threshold,
                                    std::string, auth_failures_are_final>
        m;
    m.start(t0);
    m.on_connected(t0);
    EXPECT_EQ(m.on_session_end(t0 + 1h, "authentication expired"), decision::give_up());
    EXPECT_EQ(m.give_up_message(), "reconnect gave up on a terminal error: authentication expired");
}

TEST(Machine, ClipToDeadlineMakesTheLastAttemptAtTheDeadline) {
    machine m{redial::exponential_backoff{}, redial::uptime_threshold{},
              machine_options{.clip_to_deadline = true}};
    auto t = drive(m, always_refuse);
    EXPECT_EQ(t.delays, seconds({1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30, 30, 30, 29}));
    EXPECT_EQ(since_start(t.attempts.back()), 300s);
    EXPECT_EQ(since_start(*t.gave_up_at), 300s);
    EXPECT_EQ(t.error, "reconnect timed out after 5m: connection refused");
}

TEST(Machine, ClipToDeadlineGivesUpWhenNoTimeIsLeft) {
    machine m{redial::exponential_backoff{}, redial::uptime_threshold{},
              machine_options{.give_up_timeout = 10s, .clip_to_deadline = true}};
    m.start(t0);
    // The connect itself took past the deadline: no sleep, no further attempt.
    EXPECT_EQ(m.on_connect_failed(t0 + 11s, "connect timed out"), decision::give_up());
    EXPECT_EQ(m.give_up_message(), "reconnect timed out after 10s: connect timed out");
}

TEST(Machine, AFreshWindowAlwaysGetsItsFirstAttempt) {
    // A timeout shorter than the first sleep after a stable session: the window is already
    // "exceeded" when that sleep ends, but a give-up needs a failure to report, so the first
    // attempt of the fresh window is made; its failure then ends the run.
    machine m{redial::exponential_backoff{}, redial::uptime_threshold{},
              machine_options{.give_up_timeout = 500ms}};
    m.start(t0);
    m.on_connected(t0);
    EXPECT_EQ(m.on_session_end(t0 + 1min, "eof"), decision::wait(1s));
    EXPECT_FALSE(m.last_error());
    EXPECT_EQ(m.on_wait_done(t0 + 1min + 1s), decision::connect());
    EXPECT_EQ(m.on_connect_failed(t0 + 1min + 1s, "refused"), decision::wait(2s));
    EXPECT_EQ(m.on_wait_done(t0 + 1min + 3s), decision::give_up());
    EXPECT_EQ(m.give_up_message(), "reconnect timed out after 500ms: refused");
}

TEST(Machine, WindowBoundaryIsExclusive) {
    machine m{redial::exponential_backoff{}, redial::uptime_threshold{},
              machine_options{.give_up_timeout = 3s}};
    m.start(t0);
    m.on_connect_failed(t0, "refused");
    EXPECT_EQ(m.on_wait_done(t0 + 1s), decision::connect());
    m.on_connect_failed(t0 + 1s, "refused");
    EXPECT_EQ(m.on_wait_done(t0 + 3s), decision::connect()); // exactly the timeout: not over
    m.on_connect_failed(t0 + 3s, "refused");
    EXPECT_EQ(m.on_wait_done(t0 + 3s + 1ns), decision::give_up());
}

TEST(Machine, ErrorCodesDescribeThemselves) {
    redial::reconnect_machine m; // Error = std::error_code
    m.start(t0);
    m.on_connect_failed(t0, std::make_error_code(std::errc::connection_refused));
    m.on_wait_done(t0 + 301s);
    EXPECT_EQ(m.give_up_message(),
              "reconnect timed out after 5m: " +
                  std::make_error_code(std::errc::connection_refused).message());
}

// --- policy wiring --------------------------------------------------------------------------

TEST(Machine, DefaultThresholdFollowsTheBackoffsInitialDelay) {
    machine fast{redial::exponential_backoff{100ms, 2.0, 10s}};
    EXPECT_EQ(fast.stability().threshold(), 100ms);
    machine explicit_threshold{redial::exponential_backoff{100ms, 2.0, 10s},
                               redial::uptime_threshold{5s}};
    EXPECT_EQ(explicit_threshold.stability().threshold(), 5s);
}

TEST(Machine, NegativeTimeoutIsRefused) {
    try {
        machine m{redial::exponential_backoff{}, redial::uptime_threshold{},
                  machine_options{.give_up_timeout = -1s}};
        FAIL() << "expected config_error";
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "backoff-timeout");
        EXPECT_EQ(e.value(), "-1s");
    }
}

TEST(Machine, EventsOutOfOrderAreLogicErrors) {
    machine m;
    EXPECT_THROW(m.on_connected(t0), std::logic_error);
    EXPECT_THROW(m.on_wait_done(t0), std::logic_error);
    m.start(t0);
    EXPECT_THROW(m.start(t0), std::logic_error);
    EXPECT_THROW(m.on_session_end(t0, "x"), std::logic_error);
    m.on_connect_failed(t0, "refused");
    EXPECT_THROW(m.on_connect_failed(t0, "refused"), std::logic_error);
}

TEST(Machine, WakeSkipsTheSleepResetsTheBackoffAndStartsAFreshWindow) {
    machine m;
    m.start(t0);
    for (int i = 0; i < 4; ++i) { // sleeps 1, 2, 4, 8 s: attempts at 0, 1, 3, 7, 15 s
        m.on_connect_failed(m.window_start() + std::chrono::seconds{(1 << i) - 1}, "refused");
        m.on_wait_done(m.window_start() + std::chrono::seconds{(2 << i) - 1});
    }
    EXPECT_EQ(m.on_connect_failed(t0 + 15s, "refused"), decision::wait(16s));
    EXPECT_EQ(m.on_wake(t0 + 20s), decision::connect()); // 11 s early
    EXPECT_EQ(m.window_start(), t0 + 20s);
    EXPECT_EQ(m.attempts(), 1u);
    EXPECT_EQ(m.on_connect_failed(t0 + 20s, "refused"), decision::wait(1s)); // reset
    m.on_wait_done(t0 + 21s);
    EXPECT_THROW(m.on_wake(t0 + 21s), std::logic_error); // connecting: nothing to skip
}

TEST(Machine, ResetReturnsToIdleWithFreshPolicies) {
    machine m;
    auto t = drive(m, accept_then_reset);
    ASSERT_TRUE(t.gave_up_at);
    m.reset();
    EXPECT_EQ(m.state(), redial::machine_state::idle);
    EXPECT_EQ(m.reason(), redial::give_up_reason::none);
    EXPECT_EQ(m.give_up_message(), "");
    auto again = drive(m, accept_then_reset, 100, t0 + 1h);
    EXPECT_EQ(again.delays, t.delays);
}

TEST(Machine, SaturatesWithExtremeParameters) {
    machine m{redial::exponential_backoff{1ns, 1e300, ns::max()}, redial::uptime_threshold{},
              machine_options{.give_up_timeout = ns::max(), .clip_to_deadline = true}};
    auto t = drive(m, always_refuse, 10);
    // 1 ns, then the cap (the largest duration) clipped to what is left of an unbounded
    // window: time reaches the end of the timeline without overflowing, and the machine gives
    // up there instead of wrapping around.
    EXPECT_EQ(t.delays, (std::vector<ns>{1ns, ns::max() - 1ns}));
    ASSERT_TRUE(t.gave_up_at);
    EXPECT_EQ(since_start(*t.gave_up_at), ns::max());
    EXPECT_EQ(m.reason(), redial::give_up_reason::timeout);
}

struct negative_backoff { // a user policy with a bug
    ns next() noexcept { return -5s; }
    void reset() noexcept {}
};

TEST(Machine, NegativeDelaysFromAPolicyMeanNow) {
    redial::basic_reconnect_machine<negative_backoff, redial::uptime_threshold, std::string> m;
    m.start(t0);
    EXPECT_EQ(m.on_connect_failed(t0, "refused"), decision::wait(0s));
}

TEST(Machine, ClockSteppingBackYieldsZeroUptime) {
    machine m;
    m.start(t0 + 10s);
    m.on_connected(t0 + 10s);
    EXPECT_EQ(m.on_session_end(t0 + 5s, "reset"), decision::wait(1s));
    EXPECT_EQ(m.last_verdict(), verdict::flap);
}

// --- hold-downs: flap damping -----------------------------------------------------------------

using damped_machine =
    redial::basic_reconnect_machine<redial::exponential_backoff, redial::flap_damping, std::string>;

// Sessions reset at once, three times: at 0 s and 1 s the penalty (1000, then 1999.2) stays
// under 2000, so the drops are stable and sleep 1 s; the third, at 2 s, pushes it to 2997.7:
// suppressed, and the sleep is the hold-down until the penalty decays to 750.
template <class M>
decision three_quick_drops(M& m) {
    m.start(t0);
    decision d{};
    for (int i = 0; i < 3; ++i) {
        const redial::time_point at = t0 + std::chrono::seconds{i};
        if (i > 0) {
            EXPECT_EQ(m.on_wait_done(at), decision::connect());
        }
        m.on_connected(at);
        d = m.on_session_end(at, "reset");
        EXPECT_EQ(m.last_verdict(), i < 2 ? verdict::stable : verdict::flap) << i;
    }
    return d;
}

ns expected_hold_after_three_drops() {
    redial::flap_damping reference;
    for (int i = 0; i < 3; ++i) {
        (void)reference.judge({0s, t0 + std::chrono::seconds{i}});
    }
    return reference.hold_down(t0 + 2s);
}

TEST(Machine, ASuppressedConnectionSleepsTheHoldDown) {
    damped_machine m{redial::exponential_backoff{}, redial::flap_damping{},
                     machine_options{.give_up_timeout = 0s}};
    const decision d = three_quick_drops(m);
    const ns hold = expected_hold_after_three_drops();
    EXPECT_GT(hold, 1798s);
    EXPECT_LT(hold, 1800s);
    EXPECT_EQ(d, decision::wait(hold)); // not the backoff's 2 s
}

// flap_damping's default max hold-down is 60 m, the default give-up timeout 5 m: every
// suppression would give up at once (the first one at 2 s), so the pair is refused up front,
// as the configuration strings refuse it.
TEST(Machine, RefusesAGiveUpTimeoutNoLongerThanTheLongestHoldDown) {
    try {
        damped_machine m{redial::exponential_backoff{}, redial::flap_damping{}};
        FAIL() << "the default 5m timeout with a 1h max hold-down was accepted";
    } catch (const redial::config_error& e) {
        EXPECT_STREQ(e.what(), "invalid backoff-timeout \"5m\": must be 0 (never give up) or "
                               "longer than the stability policy's longest hold-down "
                               "(max_hold_down 1h): a suppressed connection would give up at "
                               "once");
        EXPECT_EQ(e.key(), "backoff-timeout");
        EXPECT_EQ(e.value(), "5m");
    }
    EXPECT_THROW((damped_machine{redial::exponential_backoff{}, redial::flap_damping{},
                                 machine_options{.give_up_timeout = 1h}}),
                 redial::config_error); // equal is refused too: it gives up at the limit
    EXPECT_NO_THROW((damped_machine{redial::exponential_backoff{}, redial::flap_damping{},
                                    machine_options{.give_up_timeout = 1h + 1ns}}));
    EXPECT_NO_THROW((damped_machine{redial::exponential_backoff{}, redial::flap_damping{},
                                    machine_options{.give_up_timeout = 0s}}));
    redial::flap_damping_params short_hold;
    short_hold.half_life = 10s;
    short_hold.max_hold_down = 30s;
    EXPECT_NO_THROW((damped_machine{redial::exponential_backoff{},
                                    redial::flap_damping{short_hold}})); // 5m > 30s
}

// A suppression late in a window, whose hold-down outlasts what is left of the timeout: no
// attempt could be made in time, so it gives up at once, and the message says why (not "timed
// out after 1h1m" 40 minutes in).
TEST(Machine, AHoldDownPastWhatIsLeftGivesUpNamingTheSuppression) {
    redial::flap_damping_params one_drop; // a single drop suppresses: 3000 > 2000
    one_drop.penalty = 3000;
    for (bool clip : {false, true}) {
        damped_machine m{redial::exponential_backoff{40min, 2.0, 40min},
                         redial::flap_damping{one_drop},
                         machine_options{.give_up_timeout = 61min, .clip_to_deadline = clip}};
        m.start(t0);
        EXPECT_EQ(m.on_connect_failed(t0, "refused"), decision::wait(40min));
        EXPECT_EQ(m.on_wait_done(t0 + 40min), decision::connect());
        m.on_connected(t0 + 40min);
        // The hold-down is 15m · log2(3000 / 750) = 30m; 21m are left of the window.
        EXPECT_EQ(m.on_session_end(t0 + 40min, "reset"), decision::give_up()) << clip;
        EXPECT_EQ(m.last_verdict(), verdict::flap);
        EXPECT_EQ(m.reason(), redial::give_up_reason::held_down);
        EXPECT_EQ(m.give_up_message(), "reconnect gave up 40m into the retry window: suppressed "
                                       "as flapping for another 30m, past the 1h1m give-up "
                                       "timeout: reset");
    }
    // With 30m left, the same hold-down fits: it sleeps it (max(backoff 40m, hold 30m) = 40m).
    damped_machine fits{redial::exponential_backoff{40min, 2.0, 40min},
                        redial::flap_damping{one_drop}, machine_options{.give_up_timeout = 70min}};
    fits.start(t0);
    (void)fits.on_connect_failed(t0, "refused");
    (void)fits.on_wait_done(t0 + 40min);
    fits.on_connected(t0 + 40min);
    EXPECT_EQ(fits.on_session_end(t0 + 40min, "reset"), decision::wait(40min));
}

TEST(Machine, WakeDoesNotBypassAHoldDown) {
    damped_machine m{redial::exponential_backoff{}, redial::flap_damping{},
                     machine_options{.give_up_timeout = 0s}};
    (void)three_quick_drops(m);
    redial::flap_damping reference;
    for (int i = 0; i < 3; ++i) {
        (void)reference.judge({0s, t0 + std::chrono::seconds{i}});
    }
    EXPECT_EQ(m.on_wake(t0 + 10min), decision::wait(reference.hold_down(t0 + 10min)));
    EXPECT_EQ(m.on_wait_done(t0 + 10min + reference.hold_down(t0 + 10min)), decision::connect());
}

// --- restart intensity end to end -------------------------------------------------------------

TEST(Machine, RestartIntensityCountsDropsWithinItsWindow) {
    using intensity_machine =
        redial::basic_reconnect_machine<redial::exponential_backoff, redial::restart_intensity,
                                        std::string>;
    // A window longer than the backoff's cap: every quick drop after the first is a flap, so
    // the schedule escalates as with uptime_threshold and gives up at 301 s.
    intensity_machine wide{redial::exponential_backoff{}, redial::restart_intensity{1, 31s}};
    auto t = drive(wide, accept_then_reset);
    ASSERT_TRUE(t.gave_up_at);
    EXPECT_EQ(since_start(*t.gave_up_at), 301s);
    // Erlang's default window (5 s) is shorter than the 8 s sleeps the escalation reaches: a
    // drop 8 s after the previous one counts alone, is stable, resets the backoff, and the
    // cycle repeats: it never gives up against this server.
    intensity_machine narrow{redial::exponential_backoff{}, redial::restart_intensity{}};
    auto n = drive(narrow, accept_then_reset, 10'000);
    EXPECT_FALSE(n.gave_up_at);
}

// --- layout: empty policies take no space ---------------------------------------------------

struct expected_layout {
    redial::exponential_backoff backoff;
    std::chrono::nanoseconds timeout;
    std::uint64_t last_attempt;
    redial::time_point window_start, deadline, connected_at;
    std::uint64_t attempts;
    std::optional<std::error_code> last_error;
    std::uint8_t state, verdict, reason;
    bool clip, limited;
};
// The options are kept unpacked (the two flags in the tail padding), so the precomputed
// deadline costs no bytes over a stored machine_options.
static_assert(sizeof(expected_layout) == sizeof(redial::exponential_backoff) + 8 * 10);
static_assert(
    sizeof(redial::basic_reconnect_machine<redial::exponential_backoff, redial::always_stable>) ==
        sizeof(expected_layout),
    "always_stable and no_terminal_errors must add no bytes to the machine");

} // namespace
