#include <redial/reconnector.hpp>

#include <redial/backoff/constant.hpp>
#include <redial/clock/steady_clock.hpp>
#include <redial/clock/virtual_clock.hpp>
#include <redial/stability/always_stable.hpp>
#include <redial/stability/flap_damping.hpp>
#include <redial/transport/scripted.hpp>
#include <redial/transport/tcp.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

// The core issue's scenarios again, end to end through basic_reconnector with the virtual clock
// and the scripted transport: the five-minute flap scenario runs in microseconds.
namespace {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;
using redial::scripted_step;
using redial::time_point;
using transport = redial::scripted_transport<redial::virtual_clock>;

constexpr time_point t0{};

// Records every hook as numbers a test can compare exactly.
struct recorder {
    std::vector<ns> attempts; // when each attempt started
    std::vector<ns> backoffs; // each sleep
    std::vector<redial::verdict> verdicts;
    std::vector<ns> uptimes;
    std::vector<std::string> failures;
    std::optional<std::string> gave_up;
    int connected = 0;
    int stopped = 0;
    int calls = 0;

    void on_attempt(const redial::attempt_event& e) {
        ++calls;
        attempts.push_back(e.at - t0);
    }
    void on_connected(const redial::connected_event&) {
        ++calls;
        ++connected;
    }
    void on_connect_failed(const redial::connect_failed_event& e) {
        ++calls;
        failures.push_back(e.error.message());
    }
    void on_disconnected(const redial::disconnected_event& e) {
        ++calls;
        verdicts.push_back(e.verdict);
        uptimes.push_back(e.uptime);
    }
    void on_backoff(const redial::backoff_event& e) {
        ++calls;
        backoffs.push_back(e.delay);
    }
    void on_give_up(const redial::give_up_event& e) {
        ++calls;
        gave_up = std::string(e.error);
    }
    void on_stopped(const redial::stopped_event&) {
        ++calls;
        ++stopped;
    }
};

template <class Stability = redial::uptime_threshold>
using reconnector = redial::basic_reconnector<transport, redial::virtual_clock,
                                              redial::exponential_backoff, Stability, recorder>;

struct world {
    asio::io_context io;
    redial::virtual_clock clock{io};
    std::optional<std::error_code> result;

    transport make_transport(transport::script s) {
        return transport{clock, io.get_executor(), std::move(s)};
    }
    template <class R>
    void run(R& r) {
        r.async_run(redial::hold_session{}, [this](std::error_code ec) { result = ec; });
    }
    // Runs what is ready now. asio leaves a context that ran out of work stopped: restart it.
    void poll() {
        io.restart();
        io.poll();
    }
    // Runs virtual time until the reconnector's run completed (or `limit` waits passed).
    void until_done(std::size_t limit = 1'000'000) {
        for (std::size_t i = 0; i < limit && !result && clock.run_next(); ++i) {
        }
        poll();
    }
};

std::vector<ns> secs(std::initializer_list<std::int64_t> v) {
    std::vector<ns> out;
    for (auto s : v) {
        out.push_back(std::chrono::seconds{s});
    }
    return out;
}

TEST(Reconnector, AcceptThenResetGivesUpAfterFiveMinutesWithTheCloseReason) {
    world w;
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::accept(0s); }),
                    w.clock};
    w.run(r);
    w.until_done();
    ASSERT_TRUE(w.result);
    EXPECT_EQ(*w.result, redial::reconnect_errc::timed_out);
    EXPECT_EQ(w.clock.now(), t0 + 301s);
    const recorder& o = r.observer();
    EXPECT_EQ(o.attempts, secs({0, 1, 3, 7, 15, 31, 61, 91, 121, 151, 181, 211, 241, 271}));
    EXPECT_EQ(o.backoffs, secs({1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30, 30, 30, 30}));
    EXPECT_EQ(o.verdicts, std::vector<redial::verdict>(14, redial::verdict::flap));
    const std::string reset = std::make_error_code(std::errc::connection_reset).message();
    EXPECT_EQ(r.give_up_message(), "reconnect timed out after 5m: " + reset);
    EXPECT_EQ(o.gave_up, r.give_up_message());
    EXPECT_EQ(o.stopped, 0);
}

TEST(Reconnector, StableSessionResetsTheBackoffAndTheNextSleepIsExactlyOneSecond) {
    world w;
    reconnector<> r{w.io.get_executor(), w.make_transport([](std::size_t i) {
                        if (i < 2) {
                            return scripted_step::refuse();
                        }
                        return i == 2 ? scripted_step::accept(5s) : scripted_step::refuse();
                    }),
                    w.clock};
    w.run(r);
    for (int i = 0; i < 5; ++i) {
        w.clock.run_next();
    }
    const recorder& o = r.observer();
    // Refused at 0 and 1; a 5 s session from 3 s to 8 s (stable); then sleeps start over.
    EXPECT_EQ(o.attempts, secs({0, 1, 3, 9, 11}));
    EXPECT_EQ(o.backoffs, secs({1, 2, 1, 2, 4}));
    EXPECT_EQ(o.verdicts, std::vector<redial::verdict>{redial::verdict::stable});
    EXPECT_EQ(o.uptimes, secs({5}));
    EXPECT_EQ(r.machine().window_start(), t0 + 8s);
}

TEST(Reconnector, ConnectFailuresGiveUpWithTheLastConnectError) {
    world w;
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::refuse(); }), w.clock};
    w.run(r);
    w.until_done();
    EXPECT_EQ(w.clock.now(), t0 + 301s);
    EXPECT_EQ(r.observer().failures.size(), 14u);
    EXPECT_EQ(r.give_up_message(),
              "reconnect timed out after 5m: " +
                  std::make_error_code(std::errc::connection_refused).message());
}

// --- named construction -----------------------------------------------------------------------

// make_reconnector deduces each policy type from the part given, in any order, and leaves the
// others at their defaults.
TEST(Reconnector, MakeReconnectorDeducesThePartsAndKeepsTheirValues) {
    world w;
    auto r = redial::make_reconnector(
        w.io.get_executor(), w.make_transport([](std::size_t) { return scripted_step::refuse(); }),
        redial::with_observer(recorder{}),
        redial::with_give_up({.give_up_timeout = 0s, .max_attempts = 3}),
        redial::with_backoff(redial::constant_backoff{250ms}), redial::with_clock(w.clock));
    using r_type = decltype(r);
    static_assert(std::is_same_v<r_type::machine_type::backoff_type, redial::constant_backoff>);
    static_assert(std::is_same_v<r_type::machine_type::stability_type, redial::uptime_threshold>);
    static_assert(std::is_same_v<decltype(r.observer()), recorder&>);
    // The default uptime threshold followed the backoff's initial delay.
    EXPECT_EQ(r.machine().stability().threshold(), 250ms);
    EXPECT_TRUE(r.machine().stability().follows_initial_delay());
    w.run(r);
    w.until_done();
    ASSERT_TRUE(w.result);
    EXPECT_EQ(*w.result, redial::reconnect_errc::attempts_exhausted);
    EXPECT_EQ(r.observer().attempts, (std::vector<ns>{0ms, 250ms, 500ms}));
}

// The settings aggregate names the parts with designated initialisers; those left out are the
// defaults (here the backoff: 1s ×2).
TEST(Reconnector, SettingsNameThePartsAndTheRestAreDefaults) {
    world w;
    reconnector<redial::always_stable> r{
        w.io.get_executor(),
        w.make_transport([](std::size_t) { return scripted_step::refuse(); }),
        {.clock = w.clock, .give_up = {.give_up_timeout = 0s, .max_attempts = 4}}};
    w.run(r);
    w.until_done();
    ASSERT_TRUE(w.result);
    EXPECT_EQ(*w.result, redial::reconnect_errc::attempts_exhausted);
    EXPECT_EQ(r.observer().attempts, secs({0, 1, 3, 7}));
}

// An observer only observes: a hook that throws does not stop the run from going on and
// completing, on a give-up or on stop() (it used to escape io.poll() and leave the run hanging).
struct throwing_observer {
    int calls = 0;
    template <class Event>
    void on_event(const Event&) {
        ++calls;
        throw std::runtime_error("hook failed");
    }
};

TEST(Reconnector, AThrowingHookIsDroppedAndTheRunStillGivesUp) {
    world w;
    auto r = redial::make_reconnector(
        w.io.get_executor(), w.make_transport([](std::size_t) { return scripted_step::refuse(); }),
        redial::with_clock(w.clock), redial::with_observer(throwing_observer{}),
        redial::with_give_up({.give_up_timeout = 0s, .max_attempts = 3}));
    w.run(r);
    w.until_done();
    ASSERT_TRUE(w.result);
    EXPECT_EQ(*w.result, redial::reconnect_errc::attempts_exhausted);
    EXPECT_EQ(r.transport().attempts(), 3u);
    // started, 3 attempts, 3 failures, 2 backoffs, give up.
    EXPECT_EQ(r.observer().calls, 10);
}

TEST(Reconnector, AThrowingHookIsDroppedAndStopStillCompletesTheRun) {
    world w;
    auto r = redial::make_reconnector(
        w.io.get_executor(), w.make_transport([](std::size_t) { return scripted_step::hang(); }),
        redial::with_clock(w.clock), redial::with_observer(throwing_observer{}));
    w.run(r);
    w.clock.advance(1s);
    r.stop();
    w.poll();
    ASSERT_TRUE(w.result);
    EXPECT_FALSE(*w.result);
}

// A classifier of the driver's errors (redial::failure): connection refused is final here.
// asio's error category does not compare equal to std::errc: compare with asio::error.
struct refused_is_final {
    bool operator()(const redial::failure& f) const {
        return f.code == asio::error::connection_refused;
    }
};

TEST(Reconnector, ATerminalErrorGivesUpAtOnce) {
    world w;
    redial::basic_reconnector<transport, redial::virtual_clock, redial::exponential_backoff,
                              redial::uptime_threshold, recorder, refused_is_final>
        r{w.io.get_executor(),
          w.make_transport([](std::size_t i) {
              // A timeout first (retried), then a refusal (final).
              return i == 0 ? scripted_step::refuse(asio::error::timed_out)
                            : scripted_step::refuse();
          }),
          w.clock,
          redial::exponential_backoff{},
          redial::uptime_threshold{},
          redial::machine_options{},
          recorder{},
          refused_is_final{}};
    w.run(r);
    w.until_done();
    ASSERT_TRUE(w.result);
    EXPECT_EQ(*w.result, redial::reconnect_errc::terminal_error);
    EXPECT_EQ(r.observer().attempts, secs({0, 1})); // retried once after 1 s, then final
    EXPECT_EQ(w.clock.now(), t0 + 1s);
    EXPECT_NE(
        r.give_up_message().find(std::make_error_code(std::errc::connection_refused).message()),
        std::string::npos)
        << r.give_up_message();
}

TEST(Reconnector, TimeoutZeroNeverGivesUp) {
    world w;
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::refuse(); }),
                    w.clock,
                    redial::exponential_backoff{},
                    redial::uptime_threshold{},
                    redial::machine_options{.give_up_timeout = 0s}};
    w.run(r);
    w.until_done(10'000);
    EXPECT_FALSE(w.result);
    EXPECT_GE(r.transport().attempts(), 10'000u);
    r.stop();
    w.poll();
    EXPECT_EQ(w.result, std::error_code{});
}

// flap_damping holds a suppressed link down for up to 60 m by default: with the default 5 m
// budget the run would give up at the first suppression (it did, at 25 s, with "timed out
// after 5m"), so the typed constructor refuses the pair as the configuration strings do.
TEST(Reconnector, FlapDampingWithABudgetShorterThanItsHoldDownIsRefused) {
    world w;
    auto script = [](std::size_t) { return scripted_step::accept(0s); };
    EXPECT_THROW(
        (reconnector<redial::flap_damping>{w.io.get_executor(), w.make_transport(script), w.clock}),
        redial::config_error);
    // Never giving up, the third quick drop is suppressed and held down (about 30 min), not
    // retried every second and not given up on.
    reconnector<redial::flap_damping> r{w.io.get_executor(),
                                        w.make_transport(script),
                                        w.clock,
                                        redial::exponential_backoff{},
                                        redial::flap_damping{},
                                        redial::machine_options{.give_up_timeout = 0s}};
    w.run(r);
    w.clock.advance(29min);
    EXPECT_EQ(r.observer().attempts, secs({0, 1, 2}));
    EXPECT_EQ(r.observer().verdicts, (std::vector{redial::verdict::stable, redial::verdict::stable,
                                                  redial::verdict::flap}));
    ASSERT_EQ(r.observer().backoffs.size(), 3u);
    EXPECT_GT(r.observer().backoffs.back(), 1798s);
    EXPECT_FALSE(w.result);
    // At the release (2 s + the hold-down) the penalty has decayed to 750: one drop (1750) is
    // stable and sleeps 1 s, the next (2749) is suppressed again.
    const ns hold = r.observer().backoffs.back();
    w.clock.advance(2min);
    ASSERT_EQ(r.observer().attempts.size(), 5u);
    EXPECT_EQ(r.observer().attempts[3], 2s + hold);
    EXPECT_EQ(r.observer().attempts[4], 3s + hold);
    EXPECT_EQ(r.observer().verdicts[3], redial::verdict::stable);
    EXPECT_EQ(r.observer().verdicts[4], redial::verdict::flap);
    r.stop();
    w.poll();
    EXPECT_EQ(w.result, std::error_code{});
}

TEST(Reconnector, BudgetCountsFromTheFirstFailureAfterALongSession) {
    world w;
    reconnector<> r{w.io.get_executor(), w.make_transport([](std::size_t i) {
                        return i == 0 ? scripted_step::accept(1h) : scripted_step::refuse();
                    }),
                    w.clock};
    w.run(r);
    w.until_done();
    EXPECT_EQ(w.clock.now(), t0 + 3600s + 301s);
    EXPECT_EQ(r.transport().attempts(), 14u);
}

TEST(Reconnector, AlwaysStableNeverEscalatesAgainstAFlappingServer) {
    world w;
    reconnector<redial::always_stable> r{
        w.io.get_executor(),
        w.make_transport([](std::size_t) { return scripted_step::accept(0s); }), w.clock};
    w.run(r);
    w.until_done(2000);
    EXPECT_FALSE(w.result);
    EXPECT_EQ(r.observer().backoffs, std::vector<ns>(r.observer().backoffs.size(), 1s));
    EXPECT_GT(r.observer().backoffs.size(), 1000u);
}

// --- stop and destroy at every stage: the run completes with success, nothing runs after ----

enum class stage { connecting, sleeping, in_session };

class StopDuring : public ::testing::TestWithParam<stage> {};

TEST_P(StopDuring, CompletesWithSuccessAndNoHookRunsAfterwards) {
    world w;
    const stage s = GetParam();
    reconnector<> r{w.io.get_executor(), w.make_transport([s](std::size_t) {
                        switch (s) {
                        case stage::connecting:
                            return scripted_step::hang();
                        case stage::sleeping:
                            return scripted_step::refuse();
                        case stage::in_session:
                            break;
                        }
                        return scripted_step::accept(1h);
                    }),
                    w.clock};
    w.run(r);
    w.clock.advance(500ms); // mid-connect, mid-sleep, or mid-session
    r.stop();
    r.stop(); // twice is fine
    w.poll();
    EXPECT_EQ(w.result, std::error_code{});
    const int calls = r.observer().calls;
    EXPECT_EQ(r.observer().stopped, 1);
    w.clock.advance(24h);
    EXPECT_EQ(r.observer().calls, calls) << "a hook ran after stop";
    EXPECT_EQ(w.clock.pending(), 0u);
}

TEST_P(StopDuring, DestroyingTheReconnectorIsAStop) {
    world w;
    const stage s = GetParam();
    {
        reconnector<> r{w.io.get_executor(), w.make_transport([s](std::size_t) {
                            return s == stage::connecting
                                       ? scripted_step::hang()
                                       : (s == stage::sleeping ? scripted_step::refuse()
                                                               : scripted_step::accept(1h));
                        }),
                        w.clock};
        w.run(r);
        w.clock.advance(500ms);
    }
    w.poll();
    EXPECT_EQ(w.result, std::error_code{});
    w.clock.advance(24h);
    EXPECT_EQ(w.clock.pending(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Reconnector, StopDuring,
                         ::testing::Values(stage::connecting, stage::sleeping, stage::in_session));

TEST(Reconnector, StopFromAnotherThread) {
    world w;
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::accept(1h); }),
                    w.clock};
    w.run(r);
    w.clock.advance(1s);
    std::thread other([&] { r.stop(); });
    other.join();
    w.poll();
    EXPECT_EQ(w.result, std::error_code{});
}

// --- stop before the run, saturation at the limits, a close that throws -----------------------

TEST(Reconnector, StopBeforeAsyncRunEndsTheRunAtOnceWithoutAnAttempt) {
    world w;
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::accept(1h); }),
                    w.clock};
    r.stop();
    w.run(r);
    w.poll();
    EXPECT_EQ(w.result, std::error_code{});
    EXPECT_EQ(r.transport().attempts(), 0u);
    EXPECT_TRUE(r.observer().attempts.empty());
    EXPECT_EQ(r.observer().stopped, 1);
    // A second run is refused, as after any run.
    std::optional<std::error_code> again;
    r.async_run(redial::hold_session{}, [&](std::error_code ec) { again = ec; });
    w.poll();
    EXPECT_EQ(again, asio::error::already_started);
}

TEST(Reconnector, AStopAfterAsyncRunButBeforeItBeganAlsoMakesNoAttempt) {
    world w;
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::accept(1h); }),
                    w.clock};
    w.run(r); // begins on the strand, when the io_context runs
    r.stop();
    w.poll();
    EXPECT_EQ(w.result, std::error_code{});
    EXPECT_EQ(r.transport().attempts(), 0u);
}

// Rule 6 at the largest delay: the sleep ends at the largest time point. `now + delay` once
// wrapped to a time in the past, so the sleep ended at once and the attempts ran hot.
TEST(Reconnector, TheLargestDelaySleepsUntilTheEndOfTime) {
    world w;
    constexpr ns largest = ns::max();
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::refuse(); }),
                    w.clock,
                    redial::exponential_backoff{largest, 2.0, largest},
                    redial::uptime_threshold{},
                    redial::machine_options{.give_up_timeout = 0s}};
    w.clock.advance(1s); // a run that starts after time zero
    w.run(r);
    w.clock.advance(1000 * 24h);
    EXPECT_EQ(r.transport().attempts(), 1u);
    EXPECT_EQ(r.observer().backoffs, std::vector<ns>{largest});
    r.stop();
    w.poll();
    EXPECT_EQ(w.result, std::error_code{});
}

// The same with a connect latency, as a review found it: the sleep after the refusal ends at
// the end of time, which used to fire and start an attempt at that instant for ever, so
// run_next() never returned. A session of the largest length must not overflow either (UBSan).
TEST(Reconnector, VirtualTimeAtItsEndStaysStill) {
    constexpr ns largest = ns::max();
    for (const bool session : {false, true}) {
        world w;
        reconnector<> r{w.io.get_executor(),
                        w.make_transport([session](std::size_t) {
                            return session
                                       ? scripted_step::accept(ns::max())
                                       : scripted_step::refuse(asio::error::connection_refused, 1s);
                        }),
                        w.clock,
                        redial::exponential_backoff{largest, 2.0, largest},
                        redial::uptime_threshold{},
                        redial::machine_options{.give_up_timeout = 0s}};
        w.clock.advance(1s);
        w.run(r);
        w.poll();
        if (!session) {
            EXPECT_TRUE(w.clock.run_next()); // the refusal, at 2 s
            EXPECT_EQ(r.observer().backoffs, std::vector<ns>{largest});
        } else {
            EXPECT_EQ(r.status(), redial::link_status::connected);
        }
        EXPECT_FALSE(w.clock.run_next()) << session; // the end of time: never
        EXPECT_EQ(r.transport().attempts(), 1u);
        r.stop();
        w.poll();
        EXPECT_EQ(w.result, std::error_code{});
    }
}

// A transport whose connection's close() throws: the library closes without letting it out.
struct throwing_close_transport {
    struct connection {
        void close() { throw std::runtime_error("close failed"); }
    };
    asio::any_io_executor ex;
    template <class Handler>
    void async_connect(Handler h) {
        const asio::any_io_executor on = asio::get_associated_executor(h, ex);
        asio::post(on,
                   [h = std::move(h)]() mutable { std::move(h)(std::error_code{}, connection{}); });
    }
    void cancel() {}
};
static_assert(redial::transport<throwing_close_transport>);

TEST(Reconnector, AConnectionWhoseCloseThrowsNeverThrowsOutOfTheLibrary) {
    world w;
    redial::basic_reconnector<throwing_close_transport, redial::virtual_clock> r{
        w.io.get_executor(), throwing_close_transport{w.io.get_executor()}, w.clock};
    int sessions = 0;
    r.async_run(
        [&](throwing_close_transport::connection&, auto done) {
            if (++sessions == 1) {
                done(std::make_error_code(std::errc::connection_reset)); // closes: throws
            }
            // the second session stays up until the stop closes it (throws again)
        },
        [&](std::error_code ec) { w.result = ec; });
    EXPECT_NO_THROW(w.poll());
    EXPECT_NO_THROW(w.clock.advance(1s));
    EXPECT_EQ(sessions, 2);
    r.stop();
    EXPECT_NO_THROW(w.poll());
    EXPECT_EQ(w.result, std::error_code{});
}

#ifndef NDEBUG
// Like any asio I/O object, a reconnector must not outlive its io_context: debug builds say so
// instead of touching the freed scheduler.
TEST(ReconnectorDeathTest, OutlivingTheIoContextAssertsInDebugBuilds) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            auto io = std::make_unique<asio::io_context>();
            redial::virtual_clock clock{*io};
            auto r = std::make_unique<reconnector<>>(
                io->get_executor(),
                transport{clock, io->get_executor(),
                          [](std::size_t) { return scripted_step::refuse(); }},
                clock);
            io.reset();
        },
        "destroy the reconnector before its io_context");
}
#endif

// --- two threads: the reconnector serialises its own work on a strand -------------------------

// A real loopback server that accepts and resets at once, so a run goes through every phase
// (connecting, connected, sleeping) every few hundred microseconds. Its acceptor is on a strand
// of its own: two threads run the io_context.
struct flapping_server {
    asio::io_context& io;
    asio::strand<asio::io_context::executor_type> strand = asio::make_strand(io);
    asio::ip::tcp::acceptor acceptor{strand,
                                     asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    std::string port = std::to_string(acceptor.local_endpoint().port());

    void serve() {
        acceptor.async_accept([this](std::error_code ec, asio::ip::tcp::socket s) {
            if (ec) {
                return; // closed: the test is over
            }
            std::error_code ignored;
            s.close(ignored);
            serve();
        });
    }
};

// Counted on the reconnector's strand; read after the threads joined.
struct threaded_recorder {
    int stopped = 0;
    int after_stop = 0;
    int events = 0;
    void hook() {
        after_stop += stopped;
        ++events;
    }
    void on_attempt(const redial::attempt_event&) { hook(); }
    void on_connected(const redial::connected_event&) { hook(); }
    void on_connect_failed(const redial::connect_failed_event&) { hook(); }
    void on_disconnected(const redial::disconnected_event&) { hook(); }
    void on_backoff(const redial::backoff_event&) { hook(); }
    void on_stopped(const redial::stopped_event&) {
        hook();
        ++stopped;
    }
};

using threaded_reconnector = redial::basic_reconnector<redial::tcp_transport, redial::steady_clock,
                                                       redial::exponential_backoff,
                                                       redial::uptime_threshold, threaded_recorder>;

// io.run() on two threads with the io_context's plain executor (no strand from the user):
// stop() twice, wake() and async_wait_status from a third thread at every phase. Before the
// strand, on_stopped ran twice in every round and two finish() calls raced on close().
// `executor(io)` is what the reconnector is given: each static type the constructor tells apart.
template <class MakeExecutor>
void hammer_from_two_threads(int rounds, MakeExecutor executor) {
    for (int round = 0; round < rounds; ++round) {
        asio::io_context io;
        flapping_server server{io};
        server.serve();
        const auto ex = executor(io);
        threaded_reconnector r{
            ex,
            redial::tcp_transport{io.get_executor(), "127.0.0.1", server.port, 1s},
            redial::steady_clock{},
            redial::exponential_backoff{100us, 2.0, 400us},
            redial::uptime_threshold{1s},
            redial::machine_options{.give_up_timeout = 0s}};
        std::atomic<int> completions{0};
        std::error_code result = asio::error::would_block; // written on the strand
        r.async_run(redial::hold_session{}, [&](std::error_code ec) {
            result = ec;
            ++completions;
        });
        std::atomic<int> watched{0};
        std::function<void(std::error_code, redial::link_status)> watch = [&](std::error_code ec,
                                                                              redial::link_status) {
            ++watched;
            if (!ec) {
                r.async_wait_status(watch);
            }
        };
        r.async_wait_status(watch);
        std::thread a([&] { io.run(); });
        std::thread b([&] { io.run(); });
        // Vary the moment of the stop across rounds so it lands in every phase.
        for (int i = 0; i < 25 + round * 13; ++i) {
            r.wake();
            (void)r.status();
            if (i % 7 == 0) {
                r.async_wait_status([](std::error_code, redial::link_status) {});
            }
            std::this_thread::yield();
        }
        r.stop();
        r.stop();
        asio::post(server.strand, [&] { server.acceptor.close(); });
        a.join();
        b.join();
        EXPECT_EQ(completions.load(), 1) << "round " << round;
        EXPECT_EQ(result, std::error_code{}) << "round " << round;
        EXPECT_EQ(r.observer().stopped, 1) << "round " << round;
        EXPECT_EQ(r.observer().after_stop, 0) << "round " << round;
        EXPECT_GE(watched.load(), 1) << "round " << round; // the last one: operation_aborted
    }
}

TEST(Reconnector, TwoThreadsRunningTheIoContextWhileAnotherStopsWakesAndWatches) {
    hammer_from_two_threads(40, [](asio::io_context& io) { return io.get_executor(); });
}

// The same executor behind an any_io_executor: the strand is chosen at run time.
TEST(Reconnector, TwoThreadsWithTheIoContextsExecutorTypeErased) {
    hammer_from_two_threads(
        10, [](asio::io_context& io) { return asio::any_io_executor(io.get_executor()); });
}

// A strand of the user's own is used as it is (no second strand): the same must hold, whether
// it comes with its own type or type-erased.
TEST(Reconnector, TwoThreadsWithTheUsersOwnStrand) {
    hammer_from_two_threads(10, [](asio::io_context& io) { return asio::make_strand(io); });
}

TEST(Reconnector, TwoThreadsWithTheUsersOwnStrandTypeErased) {
    hammer_from_two_threads(
        10, [](asio::io_context& io) { return asio::any_io_executor(asio::make_strand(io)); });
}

// A session's done() and then wake(), called one after the other from a thread of the user's,
// with two threads running the io_context: the wake must find the backoff sleep that done()
// began and cut it. Both are posted into the strand's own queue, in call order; posted through
// the io_context and then dispatched in, they could reach the strand in either order, and a wake
// that came first was ignored, leaving the hour-long sleep (1 to 5 rounds in 200 before). A
// probe posted to the same (user's) strand after them runs after both.
TEST(Reconnector, WakeRightAfterDoneFromAnotherThreadCutsTheSleep) {
    using user_strand = asio::strand<asio::io_context::executor_type>;
    using reconnector_on_strand =
        redial::basic_reconnector<redial::tcp_transport, redial::steady_clock,
                                  redial::exponential_backoff, redial::uptime_threshold>;
    int lost = 0;
    for (int round = 0; round < 200; ++round) {
        asio::io_context io;
        flapping_server server{io};
        server.serve();
        const user_strand strand = asio::make_strand(io);
        reconnector_on_strand r{
            strand,
            redial::tcp_transport{io.get_executor(), "127.0.0.1", server.port, 1s},
            redial::steady_clock{},
            redial::exponential_backoff{1h, 2.0, 1h}, // only a wake ends it
            redial::uptime_threshold{1h},
            redial::machine_options{.give_up_timeout = 0s}};
        std::thread user;
        std::optional<redial::machine_state> after_wake; // written on the strand
        int sessions = 0;                                // on the strand
        r.async_run(
            [&](asio::ip::tcp::socket&, auto done) {
                if (++sessions > 1) {
                    return; // the probe stops the run
                }
                user = std::thread([&r, &strand, &after_wake, &server, done] {
                    done(std::error_code{});
                    r.wake();
                    asio::post(strand, [&] {
                        after_wake = r.machine().state();
                        r.stop();
                        asio::post(server.strand, [&] { server.acceptor.close(); });
                    });
                });
            },
            [](std::error_code) {});
        std::thread a([&] { io.run(); });
        std::thread b([&] { io.run(); });
        a.join();
        b.join();
        user.join();
        ASSERT_TRUE(after_wake.has_value()) << "round " << round;
        lost += *after_wake == redial::machine_state::waiting ? 1 : 0;
    }
    EXPECT_EQ(lost, 0) << "rounds in which the wake was lost, of 200";
}

TEST(Reconnector, StatusIsLevelTriggered) {
    world w;
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::accept(10s); }),
                    w.clock};
    std::vector<redial::link_status> seen;
    std::function<void(std::error_code, redial::link_status)> watch = [&](std::error_code ec,
                                                                          redial::link_status s) {
        if (!ec) {
            seen.push_back(s);
        }
    };
    w.run(r);
    r.async_wait_status(watch);
    w.poll(); // connected at 0
    EXPECT_EQ(seen, std::vector<redial::link_status>{redial::link_status::connected});
    // Not looking while it drops at 10 s and reconnects at 11 s: a flip and a flip back.
    w.clock.advance(11s);
    r.async_wait_status(watch);
    w.poll();
    EXPECT_EQ(seen.size(), 1u) << "a flip and flip-back between two looks is not reported";
    w.clock.advance(10s); // drops at 21 s: this one is seen
    EXPECT_EQ(seen.back(), redial::link_status::disconnected);
    r.stop();
    w.poll();
}

TEST(Reconnector, WakeSkipsTheSleepAndResetsTheBackoff) {
    world w;
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::refuse(); }), w.clock};
    w.run(r);
    w.clock.advance(20s); // attempts at 0, 1, 3, 7, 15; now sleeping 16 s until 31 s
    EXPECT_EQ(r.observer().backoffs.back(), 16s);
    r.wake();
    w.poll();
    EXPECT_EQ(r.observer().attempts.back(), 20s);
    EXPECT_EQ(r.observer().backoffs.back(), 1s);
    w.clock.advance(30s); // the cancelled 16 s sleep does not fire an extra attempt at 31 s
    // After the wake at 20 s the schedule starts over: 20, 21, 23, 27, 35 (then 51 > 50).
    EXPECT_EQ(r.observer().attempts, secs({0, 1, 3, 7, 15, 20, 21, 23, 27, 35}));
    r.stop();
    w.poll();
}

// --- completion tokens: asio's, not only callbacks ------------------------------------------

// asio::use_future completes on asio's system thread. With the plain token the future holds the
// give-up error as an exception_ptr, whose last release may run on that thread after this one
// read the exception: the reference count is inside libstdc++, which TSan does not see, so it
// reported a race at random. The function form carries the error_code by value instead, and the
// future's state is shared through std::shared_ptr and call_once, which TSan does see.
TEST(Reconnector, CompletesAFutureWithUseFuture) {
    world w;
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::refuse(); }), w.clock};
    std::future<std::error_code> done = r.async_run(
        redial::hold_session{}, asio::use_future([](std::error_code ec) { return ec; }));
    while (w.clock.run_next() && done.wait_for(0s) != std::future_status::ready) {
    }
    // The give-up was posted to the system thread: get() waits for it to set the value.
    EXPECT_EQ(done.get(), redial::reconnect_errc::timed_out);
    EXPECT_EQ(w.clock.now(), t0 + 301s);
}

TEST(Reconnector, WorksInCoroutinesWithUseAwaitable) {
    world w;
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::accept(1h); }),
                    w.clock};
    std::optional<redial::link_status> seen;
    asio::co_spawn(
        w.io,
        [&]() -> asio::awaitable<void> {
            seen = co_await r.async_wait_status(asio::use_awaitable);
            r.stop();
        },
        asio::detached);
    std::optional<std::error_code> ended;
    asio::co_spawn(
        w.io,
        [&]() -> asio::awaitable<void> {
            co_await r.async_run(redial::hold_session{}, asio::use_awaitable);
            ended = std::error_code{}; // a stop completes without an exception
        },
        asio::detached);
    w.clock.advance(1s);
    EXPECT_EQ(seen, redial::link_status::connected);
    EXPECT_EQ(ended, std::error_code{});
}

TEST(Reconnector, DeferredOperationsStartWhenInvoked) {
    world w;
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::refuse(); }), w.clock};
    auto run = r.async_run(redial::hold_session{}, asio::experimental::deferred);
    w.clock.advance(1min);
    EXPECT_EQ(r.transport().attempts(), 0u) << "nothing starts before the deferred op runs";
    std::optional<std::error_code> result;
    std::move(run)([&](std::error_code ec) { result = ec; });
    w.until_done();
    EXPECT_EQ(result, redial::reconnect_errc::timed_out);
}

TEST(Reconnector, RunningTwiceIsRefused) {
    world w;
    reconnector<> r{w.io.get_executor(),
                    w.make_transport([](std::size_t) { return scripted_step::accept(1h); }),
                    w.clock};
    w.run(r);
    std::optional<std::error_code> second;
    r.async_run(redial::hold_session{}, [&](std::error_code ec) { second = ec; });
    w.poll();
    EXPECT_EQ(second, asio::error::already_started);
    r.stop();
    w.poll();
}

} // namespace
