#include <redial/transport/scripted.hpp>

#include <redial/clock/virtual_clock.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <system_error>
#include <vector>

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

namespace {

// A chatty server: a byte every talk period, an answer to each write after its latency, and
// nothing at all once it goes silent, while the connection stays open.
TEST_F(ScriptedTransport, AChattyServerTalksAnswersAndGoesSilent) {
    transport t{clock, io.get_executor(), [](std::size_t) {
                    return scripted_step::accept_forever()
                        .talking_every(1s)
                        .answering_after(300ms)
                        .going_silent_after(2500ms);
                }};
    t.async_connect(on_connect());
    clock.advance(0s);
    ASSERT_EQ(result, std::error_code{});
    std::vector<std::chrono::nanoseconds> bytes;
    char byte{};
    std::function<void()> read = [&] {
        conn.async_read_some(asio::buffer(&byte, 1), [&](std::error_code ec, std::size_t n) {
            if (!ec && n == 1) {
                EXPECT_EQ(byte, 'x');
                bytes.push_back(clock.now().time_since_epoch());
                read();
            }
        });
    };
    read();
    clock.advance(1500ms);
    std::optional<std::size_t> written;
    conn.async_write_some(asio::buffer("ping", 4), [&](std::error_code ec, std::size_t n) {
        EXPECT_FALSE(ec);
        written = n;
    });
    clock.advance(0s);
    EXPECT_EQ(written, 4u);
    clock.advance(1h);
    // Talks at 1 s and 2 s, answers the write at 1.8 s; silent from 2.5 s on (3 s never comes).
    const std::vector<std::chrono::nanoseconds> expected{1s, 1800ms, 2s};
    EXPECT_EQ(bytes, expected);
    EXPECT_TRUE(conn.is_open());
    // A write after the server went silent gets no answer.
    conn.async_write_some(asio::buffer("ping", 4), [](std::error_code, std::size_t) {});
    clock.advance(1h);
    EXPECT_EQ(bytes, expected);
    conn.close();
    clock.advance(0s);
}

// Closing or destroying a chatty connection completes its pending read with operation_aborted.
TEST_F(ScriptedTransport, AChattyConnectionAbortsItsReadOnCloseAndDestruction) {
    transport t{clock, io.get_executor(),
                [](std::size_t) { return scripted_step::accept_forever().answering_after(1s); }};
    t.async_connect(on_connect());
    clock.advance(0s);
    char byte{};
    std::optional<std::error_code> first;
    conn.async_read_some(asio::buffer(&byte, 1),
                         [&](std::error_code ec, std::size_t) { first = ec; });
    conn = transport::connection{}; // destroyed
    clock.advance(0s);
    EXPECT_EQ(first, asio::error::operation_aborted);
}

} // namespace
