#include <redial/liveness/stream.hpp>

#include <asio/associated_executor.hpp>
#include <asio/bind_executor.hpp>
#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/local/connect_pair.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>
#include <asio/strand.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <string>
#include <system_error>

// monitored_stream over a real socket pair: bytes are reported, the handler keeps its
// executor, composed reads work through it, and everything else is the socket's.
namespace {

struct counting_sink {
    int* bytes;
    int* slowed;
    void received() const { ++*bytes; }
    void slow_down() const { ++*slowed; }
};

using socket = asio::local::stream_protocol::socket;
using stream = redial::monitored_stream<socket, counting_sink>;

// A monitored stream over one end of a socket pair; `b` is the peer.
struct MonitoredStream : ::testing::Test {
    asio::io_context io;
    socket a{io};
    socket b{io};
    int received = 0;
    int slowed = 0;
    stream s = [this] {
        asio::local::connect_pair(a, b);
        return stream{std::move(a), counting_sink{&received, &slowed}};
    }();
};

TEST_F(MonitoredStream, ReportsReadsThatBroughtBytes) {
    asio::write(b, asio::buffer("hello", 5));
    std::array<char, 5> buf{};
    std::size_t got = 0;
    // asio::async_read over the stream: a composed operation of several reads.
    asio::async_read(s, asio::buffer(buf), [&](std::error_code ec, std::size_t n) {
        EXPECT_FALSE(ec);
        got = n;
    });
    io.run();
    EXPECT_EQ(got, 5U);
    EXPECT_EQ(std::string(buf.data(), 5), "hello");
    EXPECT_GE(received, 1);
    // A read that ends with no bytes (the peer closed) is no proof of life.
    const int before = received;
    b.close();
    std::error_code end;
    s.async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t) { end = ec; });
    io.restart();
    io.run();
    EXPECT_EQ(end, asio::error::eof);
    EXPECT_EQ(received, before);
    s.mark_alive();
    s.slow_down();
    EXPECT_EQ(received, before + 1);
    EXPECT_EQ(slowed, 1);
}

// The wrapped handler runs on its own associated executor (a strand), as it would unwrapped.
TEST_F(MonitoredStream, KeepsTheHandlersExecutor) {
    auto strand = asio::make_strand(io);
    asio::write(b, asio::buffer("x", 1));
    char byte{};
    bool on_strand = false;
    s.async_read_some(asio::buffer(&byte, 1),
                      asio::bind_executor(strand, [&](std::error_code, std::size_t) {
                          on_strand = strand.running_in_this_thread();
                      }));
    io.run();
    EXPECT_TRUE(on_strand);
    using handler = redial::detail::received_handler<
        asio::executor_binder<void (*)(), asio::strand<asio::io_context::executor_type>>,
        counting_sink>;
    static_assert(std::is_same_v<asio::associated_executor_t<handler>,
                                 asio::strand<asio::io_context::executor_type>>);
}

TEST_F(MonitoredStream, WritesAndCloseAreTheConnections) {
    std::size_t sent = 0;
    asio::async_write(s, asio::buffer("ping", 4),
                      [&](std::error_code, std::size_t n) { sent = n; });
    io.run();
    EXPECT_EQ(sent, 4U);
    EXPECT_EQ(received, 0); // writes are no proof of life
    std::error_code ec;
    s.close(ec);
    EXPECT_FALSE(s.next_layer().is_open());
}

} // namespace
