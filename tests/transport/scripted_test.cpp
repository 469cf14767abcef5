#include <redial/transport/scripted.hpp>

#include <redial/clock/virtual_clock.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <system_error>

namespace {

using namespace std::chrono_literals;
using redial::scripted_step;
using transport = redial::scripted_transport<redial::virtual_clock>;

struct ScriptedTransport : ::testing::Test {
    asio::io_context io;
    redial::virtual_clock clock{io};
    std::optional<std::error_code> result;
    std::optional<std::chrono::nanoseconds> at;
    transport::connection conn;

    auto on_connect() {
        return [this](std::error_code ec, transport::connection c) {
            result = ec;
            at = clock.now().time_since_epoch();
            conn = std::move(c);
        };
    }
};

TEST_F(ScriptedTransport, RefusalCompletesAfterItsLatency) {
    transport t{clock, io.get_executor(), [](std::size_t) {
                    return scripted_step::refuse(asio::error::host_unreachable, 250ms);
                }};
    t.async_connect(on_connect());
    clock.advance(249ms);
    EXPECT_FALSE(result);
    clock.advance(1ms);
    EXPECT_EQ(result, asio::error::host_unreachable);
    EXPECT_EQ(at, 250ms);
    EXPECT_FALSE(conn.is_open());
    EXPECT_EQ(t.attempts(), 1u);
}

TEST_F(ScriptedTransport, AHangEndsOnlyWhenCancelled) {
    transport t{clock, io.get_executor(), [](std::size_t) { return scripted_step::hang(); }};
    t.async_connect(on_connect());
    clock.advance(24h);
    EXPECT_FALSE(result);
    t.cancel();
    clock.advance(0s);
    EXPECT_EQ(result, asio::error::operation_aborted);
}

TEST_F(ScriptedTransport, AnAcceptedSessionEndsWithItsCloseReasonOrOnClose) {
    transport t{clock, io.get_executor(), [](std::size_t i) {
                    return scripted_step::accept(i == 0 ? 5s : 1h, asio::error::eof, 10ms);
                }};
    t.async_connect(on_connect());
    clock.advance(10ms);
    ASSERT_EQ(result, std::error_code{});
    ASSERT_TRUE(conn.is_open());
    char byte{};
    std::optional<std::error_code> closed;
    conn.async_read_some(asio::buffer(&byte, 1), [&](std::error_code ec, std::size_t n) {
        closed = ec;
        EXPECT_EQ(n, 0u);
    });
    clock.advance(5s - 1ns);
    EXPECT_FALSE(closed);
    clock.advance(1ns);
    EXPECT_EQ(closed, asio::error::eof);

    closed.reset();
    t.async_connect(on_connect());
    clock.advance(10ms);
    conn.async_read_some(asio::buffer(&byte, 1),
                         [&](std::error_code ec, std::size_t) { closed = ec; });
    conn.close();
    clock.advance(0s);
    EXPECT_EQ(closed, asio::error::operation_aborted);
    EXPECT_EQ(t.attempts(), 2u);
}

} // namespace
