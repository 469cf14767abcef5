#include <redial/session/awaitable.hpp>

#include <redial/aliases.hpp>
#include <redial/liveness/idle_timeout.hpp>
#include <redial/observer/callback.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace {

using namespace std::chrono_literals;
using transport = redial::scripted_transport<redial::virtual_clock>;

struct world {
    asio::io_context io;
    redial::virtual_clock clock{io};
    std::optional<std::error_code> result;

    redial::sim_reconnector<> make(redial::scripted_step step) {
        return redial::sim_reconnector<>{
            io.get_executor(),
            transport{clock, io.get_executor(), [step](std::size_t) { return step; }}, clock};
    }
    template <class R>
    void until_done(R&) {
        while (!result && clock.run_next()) {
        }
    }
};

TEST(AwaitableSession, ACoroutineReadingUntilTheEndGetsTheCloseReason) {
    world w;
    auto r = w.make(redial::scripted_step::accept(0s, asio::error::connection_reset));
    r.async_run(redial::awaitable_session([](transport::connection& c) -> asio::awaitable<void> {
                    char byte{};
                    for (;;) {
                        co_await c.async_read_some(asio::buffer(&byte, 1), asio::use_awaitable);
                    }
                }),
                [&](std::error_code ec) { w.result = ec; });
    w.until_done(r);
    EXPECT_EQ(w.result, redial::reconnect_errc::timed_out);
    EXPECT_EQ(w.clock.now(), redial::time_point{} + 301s);
    const std::string reset = std::make_error_code(std::errc::connection_reset).message();
    EXPECT_EQ(r.give_up_message(), "reconnect timed out after 5m: " + reset);
}

TEST(AwaitableSession, AnExceptionsMessageIsTheCloseReason) {
    world w;
    auto r = w.make(redial::scripted_step::accept(1h));
    r.async_run(redial::awaitable_session([](transport::connection&) -> asio::awaitable<void> {
                    throw std::runtime_error("protocol violation: bad frame");
                    co_return;
                }),
                [&](std::error_code ec) { w.result = ec; });
    w.until_done(r);
    EXPECT_EQ(r.give_up_message(), "reconnect timed out after 5m: protocol violation: bad frame");
}

TEST(AwaitableSession, ReturningEndsTheSessionAsAHealthyOne) {
    world w;
    auto r = w.make(redial::scripted_step::accept(1h));
    int sessions = 0;
    r.async_run(redial::awaitable_session([&](transport::connection& c) -> asio::awaitable<void> {
                    ++sessions;
                    redial::virtual_clock::timer t{w.clock, c.get_executor()};
                    t.expires_after(2s); // up 2 s, then done: stable
                    co_await t.async_wait(asio::use_awaitable);
                }),
                [&](std::error_code ec) { w.result = ec; });
    w.clock.advance(10s);
    EXPECT_FALSE(w.result); // every session was stable: it never gives up
    EXPECT_EQ(sessions, 4); // at 0, 3, 6, 9 s: 2 s up, then the initial 1 s sleep
    EXPECT_EQ(r.machine().last_verdict(), redial::verdict::stable);
    r.stop();
    w.clock.advance(0s);
    EXPECT_EQ(w.result, std::error_code{});
}

TEST(AwaitableSession, AHandlerSessionThatThrowsEndsWithItsMessage) {
    world w;
    auto r = w.make(redial::scripted_step::accept(1h));
    r.async_run([](transport::connection&, auto) { throw std::runtime_error("no handshake"); },
                [&](std::error_code ec) { w.result = ec; });
    w.until_done(r);
    EXPECT_EQ(r.give_up_message(), "reconnect timed out after 5m: no handshake");
}

} // namespace

namespace {

// A coroutine session gains liveness by choosing a policy: its reads (through asio::async_read
// here) are unchanged, and a server that goes silent ends it with the liveness reason.
TEST(AwaitableSession, ACoroutineSessionGainsLivenessWithoutChangingItsReads) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    std::vector<std::string> reasons;
    int bytes = 0;
    auto r = redial::make_reconnector(
        io.get_executor(),
        transport{clock, io.get_executor(),
                  [](std::size_t) {
                      return redial::scripted_step::accept_forever()
                          .talking_every(100ms)
                          .going_silent_after(1s);
                  }},
        redial::with_clock(clock), redial::with_liveness(redial::idle_timeout{500ms}),
        redial::with_observer(redial::callback_observer{
            [&](const redial::disconnected_event& e) { reasons.push_back(e.reason.message()); }}));
    r.async_run(redial::awaitable_session([&](auto& c) -> asio::awaitable<void> {
                    char b[1];
                    for (;;) {
                        co_await asio::async_read(c, asio::buffer(b), asio::use_awaitable);
                        ++bytes;
                    }
                }),
                [](std::error_code) {});
    clock.advance(1400ms - 1ns);
    EXPECT_TRUE(reasons.empty());
    clock.advance(1ns); // the last byte came at 900 ms
    ASSERT_EQ(reasons.size(), 1U);
    EXPECT_EQ(reasons[0], "no data for 500ms");
    EXPECT_EQ(bytes, 9);
    r.stop();
    clock.advance(0s);
}

} // namespace
