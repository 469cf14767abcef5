#include <redial/setup/buffered_connection.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/local/connect_pair.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <string>
#include <system_error>

// buffered_connection over a real socket pair: what the setup read past its reply comes first,
// never inline, then the socket's bytes; composed reads work across the seam.
namespace {

using socket = asio::local::stream_protocol::socket;
using connection = redial::buffered_connection<socket>;

struct BufferedConnection : ::testing::Test {
    asio::io_context io;
    socket a{io};
    socket b{io}; // the server's end
    connection c = [this] {
        asio::local::connect_pair(a, b);
        return connection{std::move(a), "+PUSH\r\n"};
    }();
};

TEST_F(BufferedConnection, ReturnsTheSetupsBytesFirstAndNeverInline) {
    EXPECT_EQ(c.buffered(), 7U);
    std::array<char, 4> buf{};
    std::size_t got = 0;
    bool done = false;
    c.async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t n) {
        EXPECT_FALSE(ec);
        got = n;
        done = true;
    });
    EXPECT_FALSE(done); // posted, as asio's own operations complete
    io.run();
    EXPECT_EQ(got, 4U);
    EXPECT_EQ(std::string(buf.data(), 4), "+PUS");
    EXPECT_EQ(c.buffered(), 3U);
}

TEST_F(BufferedConnection, AComposedReadSpansTheBufferAndTheSocket) {
    asio::write(b, asio::buffer("world", 5));
    std::array<char, 12> buf{};
    std::size_t got = 0;
    asio::async_read(c, asio::buffer(buf), [&](std::error_code ec, std::size_t n) {
        EXPECT_FALSE(ec);
        got = n;
    });
    io.run();
    ASSERT_EQ(got, 12U);
    EXPECT_EQ(std::string(buf.data(), 12), "+PUSH\r\nworld");
    EXPECT_EQ(c.buffered(), 0U);
}

TEST_F(BufferedConnection, WritesGoStraightToTheConnection) {
    std::size_t sent = 0;
    asio::async_write(c, asio::buffer("PING\r\n", 6),
                      [&](std::error_code, std::size_t n) { sent = n; });
    io.run();
    EXPECT_EQ(sent, 6U);
    std::array<char, 6> buf{};
    asio::read(b, asio::buffer(buf));
    EXPECT_EQ(std::string(buf.data(), 6), "PING\r\n");
}

TEST_F(BufferedConnection, CloseDropsTheBufferAndClosesTheSocket) {
    c.close();
    EXPECT_EQ(c.buffered(), 0U);
    EXPECT_FALSE(c.is_open());
    EXPECT_FALSE(c.next_layer().is_open());
    std::array<char, 4> buf{};
    std::error_code got;
    c.async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t) { got = ec; });
    io.run();
    EXPECT_TRUE(got); // the closed socket's error, not the dropped bytes
}

TEST(BufferedConnectionEmpty, WithNothingBufferedReadsTheSocket) {
    asio::io_context io;
    socket a{io};
    socket b{io};
    asio::local::connect_pair(a, b);
    connection c{std::move(a), std::string{}};
    EXPECT_EQ(c.buffered(), 0U);
    asio::write(b, asio::buffer("ok", 2));
    std::array<char, 2> buf{};
    std::size_t got = 0;
    asio::async_read(c, asio::buffer(buf), [&](std::error_code, std::size_t n) { got = n; });
    io.run();
    EXPECT_EQ(got, 2U);
    EXPECT_EQ(std::string(buf.data(), 2), "ok");
}

} // namespace
