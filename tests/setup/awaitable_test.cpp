#include <redial/setup/awaitable.hpp>

#include <redial/clock/virtual_clock.hpp>
#include <redial/transport/scripted.hpp>

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/completion_condition.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

// Coroutine steps: returning is success, what they throw is the failure (a setup_error's text
// verbatim, an asio error's message, any other exception's what()), and a deadline ends a
// suspended coroutine through its closed connection.
namespace {

using namespace std::chrono_literals;
using redial::failure;
using redial::scripted_step;
using scripted = redial::scripted_transport<redial::virtual_clock>;
using conn = scripted::connection;

// Coroutine frames alive: every step must end, even one the deadline cut short.
int frames = 0;
struct frame_count {
    frame_count() { ++frames; }
    ~frame_count() { --frames; }
    frame_count(const frame_count&) = delete;
    frame_count& operator=(const frame_count&) = delete;
};

asio::awaitable<void> hello(conn& c, redial::setup_buffer& in) {
    const frame_count alive;
    co_await asio::async_write(c, asio::buffer("HELLO", 5), asio::use_awaitable);
    co_await asio::async_read(c, in.dynamic(), asio::transfer_exactly(1), asio::use_awaitable);
    if (in.view() != "x") {
        throw redial::setup_error(redial::setup_errc::protocol, "expected x");
    }
    in.consume(1);
}

asio::awaitable<void> refused(conn&, redial::setup_buffer&) {
    throw redial::setup_error(redial::setup_errc::rejected, "-WRONGPASS invalid password");
    co_return;
}

asio::awaitable<void> throws(conn&, redial::setup_buffer&) {
    throw std::runtime_error("bad hello");
    co_return;
}

struct AwaitableSetup : ::testing::Test {
    asio::io_context io;
    redial::virtual_clock clock{io};
    std::optional<failure> result;
    std::optional<std::chrono::nanoseconds> at;
    redial::buffered_connection<conn> c;

    template <class Step>
    void connect(scripted_step server, Step step) {
        auto t = redial::with_setup(
            redial::setup_options{.timeout = 2s},
            scripted{clock, io.get_executor(), [server](std::size_t) { return server; }}, step);
        t.async_connect([this](failure f, redial::buffered_connection<conn> got) {
            result = std::move(f);
            at = clock.now().time_since_epoch();
            c = std::move(got);
        });
        clock.advance(1h);
    }
    void TearDown() override { EXPECT_EQ(frames, 0); }
};

TEST_F(AwaitableSetup, ACoroutineThatReturnsSucceeds) {
    connect(scripted_step::accept_forever().answering_after(30ms), hello);
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, failure{});
    EXPECT_EQ(at, 30ms);
    EXPECT_TRUE(c.is_open());
}

TEST_F(AwaitableSetup, ASetupErrorKeepsItsCodeAndText) {
    connect(scripted_step::accept_forever(), refused);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->code, redial::setup_errc::rejected);
    EXPECT_EQ(result->text, "setup: -WRONGPASS invalid password");
}

TEST_F(AwaitableSetup, AnAsioErrorIsTheFailureWithItsMessage) {
    // The server closes 1s in, before it answers: the read throws eof.
    connect(scripted_step::accept(1s, asio::error::eof), hello);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->code, asio::error::eof);
    EXPECT_EQ(result->text, "setup: " + std::error_code(asio::error::eof).message());
    EXPECT_EQ(at, 1s);
}

TEST_F(AwaitableSetup, AnyOtherExceptionIsSetupErrcException) {
    connect(scripted_step::accept_forever(), throws);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->code, redial::setup_errc::exception);
    EXPECT_EQ(result->text, "setup: bad hello");
}

TEST_F(AwaitableSetup, TheDeadlineEndsASuspendedCoroutine) {
    connect(scripted_step::accept_forever(), hello); // never answers
    ASSERT_TRUE(result);
    EXPECT_EQ(result->code, std::error_code(asio::error::timed_out));
    EXPECT_EQ(at, 2s);
    // TearDown: the coroutine's frame is gone (its read failed when the connection closed).
}

TEST_F(AwaitableSetup, ALambdaCoroutineKeepsItsCapturesAlive) {
    std::string greeting = "HELLO";
    connect(scripted_step::accept_forever().answering_after(1ms),
            [greeting](conn& s, redial::setup_buffer& in) -> asio::awaitable<void> {
                co_await asio::async_write(s, asio::buffer(greeting), asio::use_awaitable);
                co_await asio::async_read(s, in.dynamic(), asio::transfer_exactly(1),
                                          asio::use_awaitable);
                in.consume(1);
            });
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, failure{});
}

} // namespace
