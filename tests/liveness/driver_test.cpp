#include <redial/reconnector.hpp>

#include <redial/clock/virtual_clock.hpp>
#include <redial/liveness/heartbeat.hpp>
#include <redial/liveness/idle_timeout.hpp>
#include <redial/transport/scripted.hpp>

#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

// The driver running a liveness policy over scripted servers, in virtual time: exact detection
// times, the close reason, the observer events, and the stability verdict on useful uptime.
namespace {

using namespace std::chrono_literals;
using redial::time_point;
using transport = redial::scripted_transport<redial::virtual_clock>;
constexpr time_point t0{};

struct recorder {
    struct drop {
        time_point at;
        std::error_code code;
        std::string text;
        std::chrono::nanoseconds uptime;
        std::chrono::nanoseconds alive_for;
        redial::verdict verdict;
    };
    std::vector<drop> drops;
    std::vector<time_point> pings;
    std::vector<std::chrono::nanoseconds> ping_idle;
    std::vector<redial::liveness_timeout_event> timeouts;
    std::vector<std::chrono::nanoseconds> delays;
    std::vector<time_point> connects;
    std::string give_up;
    time_point gave_up_at{};

    void on_connected(const redial::connected_event& e) { connects.push_back(e.at); }
    void on_disconnected(const redial::disconnected_event& e) {
        drops.push_back({e.at, e.reason.code, e.reason.text, e.uptime, e.alive_for, e.verdict});
    }
    void on_ping(const redial::ping_event& e) {
        pings.push_back(e.at);
        ping_idle.push_back(e.idle_for);
    }
    void on_liveness_timeout(const redial::liveness_timeout_event& e) { timeouts.push_back(e); }
    void on_backoff(const redial::backoff_event& e) { delays.push_back(e.delay); }
    void on_give_up(const redial::give_up_event& e) {
        give_up = std::string(e.error);
        gave_up_at = e.at;
    }
};

// Writes one byte per ping, counting them, on the session's connection.
struct counting_ping {
    std::shared_ptr<int> sent = std::make_shared<int>(0);
    template <class Connection>
    void operator()(Connection& c) const {
        ++*sent;
        c.async_write_some(asio::buffer("p", 1), [](std::error_code, std::size_t) {});
    }
};

template <class Liveness>
using reconnector = redial::basic_reconnector<transport, redial::virtual_clock,
                                              redial::exponential_backoff, redial::uptime_threshold,
                                              recorder, redial::no_terminal_errors, Liveness>;

template <class Liveness>
struct rig {
    asio::io_context io;
    redial::virtual_clock clock{io};
    reconnector<Liveness> r;
    std::error_code result{asio::error::would_block};

    rig(Liveness l, transport::script script, redial::machine_options give_up = {})
        : r(io.get_executor(), transport{clock, io.get_executor(), std::move(script)},
            {.clock = clock, .give_up = give_up, .liveness = std::move(l)}) {
        r.async_run(redial::hold_session{}, [this](std::error_code ec) { result = ec; });
        clock.advance(0s);
    }
    ~rig() {
        r.stop();
        clock.advance(0s);
    }
    recorder& seen() { return r.observer(); }
};

// A server that accepts and never sends: the idle timeout ends the session exactly `limit` after
// the connect, with a reason that says so, and a flap (no useful uptime at all).
TEST(LivenessDriver, IdleTimeoutEndsASilentSessionExactlyAtTheLimit) {
    rig<redial::idle_timeout> g{redial::idle_timeout{3s}, [](std::size_t) {
                                    return redial::scripted_step::accept_forever();
                                }};
    g.clock.advance(3s - 1ns);
    EXPECT_TRUE(g.seen().drops.empty());
    g.clock.advance(1ns);
    ASSERT_EQ(g.seen().drops.size(), 1U);
    const auto& d = g.seen().drops[0];
    EXPECT_EQ(d.at, t0 + 3s);
    EXPECT_EQ(d.code, redial::liveness_errc::no_data);
    EXPECT_EQ(d.code, std::errc::timed_out);
    EXPECT_EQ(d.text, "no data for 3s");
    EXPECT_EQ(d.uptime, 3s);
    EXPECT_EQ(d.alive_for, 0s);
    EXPECT_EQ(d.verdict, redial::verdict::flap);
    ASSERT_EQ(g.seen().timeouts.size(), 1U);
    EXPECT_EQ(g.seen().timeouts[0].silent_for, 3s);
    EXPECT_EQ(g.seen().timeouts[0].ping_unanswered_for, 0s);
    EXPECT_EQ(g.seen().timeouts[0].at, t0 + 3s);
    EXPECT_EQ(g.r.status(), redial::link_status::disconnected);
}

// A byte 1 ns before the limit keeps the link; a server that talks that often is never dropped.
TEST(LivenessDriver, IdleTimeoutAByteOneNanosecondBeforeTheLimitKeepsTheLink) {
    rig<redial::idle_timeout> g{redial::idle_timeout{3s}, [](std::size_t) {
                                    return redial::scripted_step::accept_forever().talking_every(
                                        3s - 1ns);
                                }};
    g.clock.advance(1h);
    EXPECT_TRUE(g.seen().drops.empty());
    EXPECT_EQ(g.r.status(), redial::link_status::connected);
    EXPECT_EQ(g.r.liveness().last_alive(), t0 + (3s - 1ns) * 1200);
}

// Talks for 5 s (a byte every 100 ms, the last at 4.9 s), then hangs: dead at 4.9 + 3 = 7.9 s,
// judged on its useful 4.9 s of uptime (stable), not on the 7.9 s the connection was open.
TEST(LivenessDriver, IdleTimeoutCountsFromTheLastByte) {
    rig<redial::idle_timeout> g{
        redial::idle_timeout{3s}, [](std::size_t) {
            return redial::scripted_step::accept_forever().talking_every(100ms).going_silent_after(
                5s);
        }};
    g.clock.advance(7900ms - 1ns);
    EXPECT_TRUE(g.seen().drops.empty());
    g.clock.advance(1ns);
    ASSERT_EQ(g.seen().drops.size(), 1U);
    EXPECT_EQ(g.seen().drops[0].at, t0 + 7900ms);
    EXPECT_EQ(g.seen().drops[0].alive_for, 4900ms);
    EXPECT_EQ(g.seen().drops[0].uptime, 7900ms);
    EXPECT_EQ(g.seen().drops[0].verdict, redial::verdict::stable);
}

// Heartbeat against a server that never answers: ping at `interval`, dead at interval + timeout.
TEST(LivenessDriver, HeartbeatUnansweredPingEndsTheSessionAtIntervalPlusTimeout) {
    counting_ping ping;
    rig<redial::heartbeat<counting_ping>> g{redial::heartbeat{2s, 1s, ping}, [](std::size_t) {
                                                return redial::scripted_step::accept_forever();
                                            }};
    g.clock.advance(2s - 1ns);
    EXPECT_TRUE(g.seen().pings.empty());
    g.clock.advance(1ns);
    ASSERT_EQ(g.seen().pings.size(), 1U);
    EXPECT_EQ(g.seen().pings[0], t0 + 2s);
    EXPECT_EQ(g.seen().ping_idle[0], 2s);
    EXPECT_EQ(*ping.sent, 1);
    g.clock.advance(1s - 1ns);
    EXPECT_TRUE(g.seen().drops.empty());
    g.clock.advance(1ns);
    ASSERT_EQ(g.seen().drops.size(), 1U);
    EXPECT_EQ(g.seen().drops[0].at, t0 + 3s);
    EXPECT_EQ(g.seen().drops[0].text, "no data for 3s (ping unanswered for 1s)");
    EXPECT_EQ(g.seen().drops[0].verdict, redial::verdict::flap);
    ASSERT_EQ(g.seen().timeouts.size(), 1U);
    EXPECT_EQ(g.seen().timeouts[0].ping_unanswered_for, 1s);
    EXPECT_EQ(*ping.sent, 1); // one ping per interval, never a second one in flight
}

// An answer 1 ns inside the timeout keeps the link for an hour; the next ping waits a full
// interval after the answer, so pings go out every interval + answer latency, one at a time.
TEST(LivenessDriver, HeartbeatAnsweredJustInTimeKeepsTheLink) {
    counting_ping ping;
    rig<redial::heartbeat<counting_ping>> g{
        redial::heartbeat{2s, 1s, ping}, [](std::size_t) {
            return redial::scripted_step::accept_forever().answering_after(1s - 1ns);
        }};
    g.clock.advance(1h);
    EXPECT_TRUE(g.seen().drops.empty());
    // Pings at 2 s, then every 3 s - 1 ns after the previous one.
    ASSERT_GE(g.seen().pings.size(), 2U);
    EXPECT_EQ(g.seen().pings[0], t0 + 2s);
    EXPECT_EQ(g.seen().pings[1], t0 + 2s + (3s - 1ns));
    EXPECT_EQ(g.seen().pings.size(), static_cast<std::size_t>((1h - 2s) / (3s - 1ns) + 1));
    EXPECT_EQ(static_cast<std::size_t>(*ping.sent), g.seen().pings.size());
}

// A busy link whose bytes keep coming sends no ping at all and is never dropped, however late
// the answers to its requests would be.
TEST(LivenessDriver, HeartbeatSendsNoPingWhileBytesFlow) {
    counting_ping ping;
    rig<redial::heartbeat<counting_ping>> g{
        redial::heartbeat{2s, 1s, ping}, [](std::size_t) {
            return redial::scripted_step::accept_forever().talking_every(1999ms).answering_after(
                1h);
        }};
    g.clock.advance(1h);
    EXPECT_TRUE(g.seen().drops.empty());
    EXPECT_TRUE(g.seen().pings.empty());
}

// The trap a hand-written 1 s read deadline fell into: with the default stable-after (1 s, the
// backoff's initial delay), a session cut by its own 1 s timeout lived exactly 1 s and was
// judged stable, so the backoff reset forever. Under a liveness policy the same dead server is
// a flap every time: the backoff escalates 1, 2, 4, 8, 16, 30 s and the run gives up.
TEST(LivenessDriver, AServerThatAcceptsThenHangsEscalatesAndGivesUpWithDefaults) {
    rig<redial::idle_timeout> g{redial::idle_timeout{1s}, [](std::size_t) {
                                    return redial::scripted_step::accept_forever();
                                }};
    g.clock.advance(10min);
    const std::vector<std::chrono::nanoseconds> expected{1s,  2s,  4s,  8s,  16s, 30s, 30s,
                                                         30s, 30s, 30s, 30s, 30s, 30s, 30s};
    // Sessions of 1 s each: attempts at 0, 2, 5, 10, 19, 36, 67, 98, ..., 284, 315 s; the one
    // due at 315 s is past the 5 minute window.
    EXPECT_EQ(g.seen().delays, expected);
    for (const auto& d : g.seen().drops) {
        EXPECT_EQ(d.verdict, redial::verdict::flap);
        EXPECT_EQ(d.uptime, 1s);
        EXPECT_EQ(d.alive_for, 0s);
    }
    EXPECT_EQ(g.result, redial::reconnect_errc::timed_out);
    EXPECT_EQ(g.seen().give_up, "reconnect timed out after 5m: no data for 1s");
    EXPECT_EQ(g.seen().gave_up_at, t0 + 315s);
}

// The same dead server behind a session that ends itself with a 1 s read deadline and no
// liveness policy: every session is "stable", the backoff never escalates (the reported bug).
TEST(LivenessDriver, WithoutAPolicyAHandWrittenDeadlineIsJudgedStable) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    using plain =
        redial::basic_reconnector<transport, redial::virtual_clock, redial::exponential_backoff,
                                  redial::uptime_threshold, recorder>;
    plain r{io.get_executor(),
            transport{clock, io.get_executor(),
                      [](std::size_t) {
                          return redial::scripted_step::accept(1s, asio::error::timed_out);
                      }},
            {.clock = clock}};
    r.async_run(redial::hold_session{}, [](std::error_code) {});
    clock.advance(10min);
    for (const auto d : r.observer().delays) {
        EXPECT_EQ(d, 1s);
    }
    EXPECT_EQ(r.observer().drops.back().verdict, redial::verdict::stable);
    r.stop();
    clock.advance(0s);
}

// A kernel timeout (keepalive or TCP_USER_TIMEOUT: ETIMEDOUT) under a policy is judged on the
// time until the last byte too: this server talks for 2 s, then its reads fail at 10 s.
TEST(LivenessDriver, AKernelTimeoutIsJudgedOnUsefulUptime) {
    rig<redial::idle_timeout> g{redial::idle_timeout{1h}, [](std::size_t) {
                                    return redial::scripted_step::accept(10s,
                                                                         asio::error::timed_out)
                                        .talking_every(500ms)
                                        .going_silent_after(2001ms);
                                }};
    g.clock.advance(10s);
    ASSERT_EQ(g.seen().drops.size(), 1U);
    EXPECT_EQ(g.seen().drops[0].uptime, 10s);
    EXPECT_EQ(g.seen().drops[0].alive_for, 2s);
    // Any other close reason keeps the full uptime.
    rig<redial::idle_timeout> h{redial::idle_timeout{1h}, [](std::size_t) {
                                    return redial::scripted_step::accept(10s, asio::error::eof)
                                        .talking_every(500ms)
                                        .going_silent_after(2001ms);
                                }};
    h.clock.advance(10s);
    ASSERT_EQ(h.seen().drops.size(), 1U);
    EXPECT_EQ(h.seen().drops[0].alive_for, 10s);
}

// gRPC's too_many_pings: the session asks to slow down, the interval doubles.
TEST(LivenessDriver, SlowDownDoublesTheHeartbeatInterval) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    counting_ping ping;
    reconnector<redial::heartbeat<counting_ping>> r{
        io.get_executor(),
        transport{clock, io.get_executor(),
                  [](std::size_t) {
                      return redial::scripted_step::accept_forever().answering_after(10ms);
                  }},
        {.clock = clock, .liveness = redial::heartbeat{2s, 1s, ping}}};
    r.async_run([](auto& c, auto) { c.slow_down(); }, [](std::error_code) {});
    clock.advance(0s);
    EXPECT_EQ(r.liveness().interval(), 4s);
    clock.advance(4s - 1ns);
    EXPECT_TRUE(r.observer().pings.empty());
    clock.advance(1ns);
    EXPECT_EQ(r.observer().pings.size(), 1U);
    r.stop();
    clock.advance(0s);
}

// Stopping while a check is armed runs no check, no ping and no hook afterwards.
TEST(LivenessDriver, StopCancelsTheMonitor) {
    counting_ping ping;
    rig<redial::heartbeat<counting_ping>> g{redial::heartbeat{2s, 1s, ping}, [](std::size_t) {
                                                return redial::scripted_step::accept_forever();
                                            }};
    g.clock.advance(1s);
    g.r.stop();
    g.clock.advance(1h);
    EXPECT_TRUE(g.seen().pings.empty());
    EXPECT_TRUE(g.seen().drops.empty());
    EXPECT_EQ(*ping.sent, 0);
    EXPECT_EQ(g.result, std::error_code{});
}

// no_liveness: the session gets the transport's connection itself, and the reconnector's state
// is as large as before; a policy adds its own bytes, its timer and a session number only.
using plain_t = reconnector<redial::no_liveness>;
using idle_t = reconnector<redial::idle_timeout>;
static_assert(std::is_same_v<plain_t::connection_type, transport::connection>);
static_assert(std::is_same_v<idle_t::connection_type::next_layer_type, transport::connection>);
// A disabled policy of 8 bytes adds exactly 8 (no timer, no session number), so no_liveness,
// disabled and empty, adds none; an enabled one adds its timer and session number besides.
struct u64_disabled {
    static constexpr bool disabled = true;
    std::uint64_t state = 0;
};
static_assert(reconnector<u64_disabled>::state_size == plain_t::state_size + sizeof(std::uint64_t),
              "no_liveness must take no space");
// Under a policy, session_done also keeps its session's number and connection (a late done()
// from a session the policy ended is ignored); without one it is what it was.
static_assert(sizeof(idle_t::session_done) ==
              sizeof(plain_t::session_done) + sizeof(std::shared_ptr<int>) + sizeof(std::uint64_t));

} // namespace

namespace {

// A ping timeout longer than the interval: the answer re-arms the check at once, so the next
// ping is `interval` after the answer and a link that answers once and then hangs is still
// found dead within interval + timeout of its last byte.
TEST(LivenessDriver, HeartbeatWithATimeoutLongerThanTheIntervalKeepsItsBound) {
    counting_ping ping;
    rig<redial::heartbeat<counting_ping>> g{
        redial::heartbeat{1s, 5s, ping}, [](std::size_t) {
            return redial::scripted_step::accept_forever().answering_after(10ms).going_silent_after(
                1500ms);
        }};
    g.clock.advance(7010ms - 1ns);
    ASSERT_EQ(g.seen().pings.size(), 2U);
    EXPECT_EQ(g.seen().pings[0], t0 + 1s);
    EXPECT_EQ(g.seen().pings[1], t0 + 2010ms); // 1 s after the answer at 1.01 s
    EXPECT_TRUE(g.seen().drops.empty());
    g.clock.advance(1ns);
    ASSERT_EQ(g.seen().drops.size(), 1U);
    EXPECT_EQ(g.seen().drops[0].at, t0 + 7010ms); // last byte 1.01 s + 1 s + 5 s
    EXPECT_EQ(g.seen().drops[0].text, "no data for 6s (ping unanswered for 5s)");
}

// A session that ends late (its own cleanup after the read failed) must not end the session
// after it: the policy ended that session already.
TEST(LivenessDriver, ALateDoneFromASessionThePolicyEndedIsIgnored) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    using r_t = reconnector<redial::idle_timeout>;
    r_t r{io.get_executor(),
          transport{clock, io.get_executor(),
                    [](std::size_t i) {
                        return i == 0
                                   ? redial::scripted_step::accept_forever()
                                   : redial::scripted_step::accept_forever().talking_every(100ms);
                    }},
          {.clock = clock, .liveness = redial::idle_timeout{1s}}};
    std::vector<std::shared_ptr<redial::virtual_clock::timer>> cleanups;
    r.async_run(
        [&](r_t::connection_type& c, r_t::session_done done) {
            redial::hold_session{}(c, [&, done](std::error_code ec) {
                // Cleans up for 1.5 s before saying it is done.
                auto t = std::make_shared<redial::virtual_clock::timer>(clock, io.get_executor());
                cleanups.push_back(t);
                t->expires_after(1500ms);
                t->async_wait([done, ec](std::error_code) { done(ec); });
            });
        },
        [](std::error_code) {});
    clock.advance(10s);
    // Session 1 found dead at 1 s; session 2 (at 2 s) talks and is never dropped.
    ASSERT_EQ(r.observer().drops.size(), 1U);
    EXPECT_EQ(r.observer().connects.size(), 2U);
    EXPECT_EQ(r.status(), redial::link_status::connected);
    r.stop();
    clock.advance(0s);
}

// An on_ping hook that stops the run: no ping is written afterwards.
struct stopping_observer {
    std::function<void()> stop;
    void on_ping(const redial::ping_event&) { stop(); }
};
TEST(LivenessDriver, AHookThatStopsTheRunStopsThePing) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    counting_ping ping;
    using r_t =
        redial::basic_reconnector<transport, redial::virtual_clock, redial::exponential_backoff,
                                  redial::uptime_threshold, stopping_observer,
                                  redial::no_terminal_errors, redial::heartbeat<counting_ping>>;
    r_t r{io.get_executor(),
          transport{clock, io.get_executor(),
                    [](std::size_t) { return redial::scripted_step::accept_forever(); }},
          {.clock = clock, .liveness = redial::heartbeat{1s, 1s, ping}}};
    r.observer().stop = [&] { r.stop(); };
    std::error_code result{asio::error::would_block};
    r.async_run(redial::hold_session{}, [&](std::error_code ec) { result = ec; });
    clock.advance(5s);
    EXPECT_EQ(*ping.sent, 0);
    EXPECT_EQ(result, std::error_code{});
}

} // namespace
