#include <redial/transport/unix.hpp>

#include <redial/clock/steady_clock.hpp>
#include <redial/clock/virtual_clock.hpp>
#include <redial/reconnector.hpp>

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <system_error>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using asio::local::stream_protocol;

struct UnixTransport : ::testing::Test {
    std::string dir;
    std::string path;
    void SetUp() override {
        char tmpl[] = "/tmp/redial-unix-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir = tmpl;
        path = dir + "/server.sock";
    }
    void TearDown() override {
        ::unlink(path.c_str());
        ::rmdir(dir.c_str());
    }
};

using reconnector = redial::basic_reconnector<redial::unix_transport, redial::steady_clock>;

TEST_F(UnixTransport, ConnectsToAListeningSocketAndStops) {
    asio::io_context io;
    stream_protocol::acceptor acceptor{io, stream_protocol::endpoint(path)};
    std::optional<stream_protocol::socket> server_side;
    acceptor.async_accept([&](std::error_code ec, stream_protocol::socket s) {
        ASSERT_FALSE(ec);
        server_side.emplace(std::move(s));
    });
    reconnector r{io.get_executor(), redial::unix_transport{io.get_executor(), path, 1s},
                  redial::steady_clock{}};
    std::optional<std::error_code> result;
    r.async_run(redial::hold_session{}, [&](std::error_code ec) { result = ec; });
    r.async_wait_status([&](std::error_code ec, redial::link_status s) {
        EXPECT_FALSE(ec);
        EXPECT_EQ(s, redial::link_status::connected);
        r.stop();
    });
    io.run();
    EXPECT_EQ(result, std::error_code{});
    EXPECT_TRUE(server_side);
}

TEST_F(UnixTransport, AMissingSocketGivesUpWithTheConnectError) {
    asio::io_context io;
    reconnector r{io.get_executor(),          redial::unix_transport{io.get_executor(), path, 1s},
                  redial::steady_clock{},     redial::exponential_backoff{1ms, 2.0, 2ms},
                  redial::uptime_threshold{}, redial::machine_options{.give_up_timeout = 10ms}};
    std::optional<std::error_code> result;
    r.async_run(redial::hold_session{}, [&](std::error_code ec) { result = ec; });
    io.run();
    EXPECT_EQ(result, redial::reconnect_errc::timed_out);
    EXPECT_EQ(r.give_up_message(),
              "reconnect timed out after 10ms: " +
                  std::make_error_code(std::errc::no_such_file_or_directory).message());
}

TEST_F(UnixTransport, AnEmptyPathIsRefused) {
    asio::io_context io;
    EXPECT_THROW(redial::unix_transport(io.get_executor(), ""), std::invalid_argument);
}

TEST_F(UnixTransport, APathLongerThanASocketAddressIsRefusedNamingIt) {
    asio::io_context io;
    const std::string longest(107, 'x'); // sun_path holds 108 bytes with the terminating NUL
    EXPECT_NO_THROW(redial::unix_transport(io.get_executor(), longest));
    try {
        redial::unix_transport t{io.get_executor(), longest + "y"};
        ADD_FAILURE() << "accepted a 108-byte path";
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "unix path");
        EXPECT_EQ(e.value(), longest + "y");
        EXPECT_NE(std::string(e.what()).find("(107 bytes)"), std::string::npos) << e.what();
    }
    try {
        redial::unix_transport t{io.get_executor(), "/tmp/s", 0s};
        ADD_FAILURE() << "accepted a zero timeout";
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "connect-timeout");
    }
}

// A file path with a NUL in it would connect to the part before the NUL: refused. A leading NUL
// names the abstract namespace, where any byte may follow: accepted.
TEST_F(UnixTransport, AFilePathWithANulByteIsRefusedAnAbstractNameIsNot) {
    asio::io_context io;
    const std::string with_nul("/tmp/a\0b", 8);
    try {
        redial::unix_transport t{io.get_executor(), with_nul};
        ADD_FAILURE() << "accepted a path with a NUL byte";
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "unix path");
        EXPECT_EQ(e.value(), with_nul);
        EXPECT_NE(std::string(e.what()).find("/tmp/a\\x00b"), std::string::npos) << e.what();
    }
    EXPECT_NO_THROW(redial::unix_transport(io.get_executor(), std::string("\0abstract\0x", 12)));
}

// A non-blocking unix-domain connect never hangs on Linux: it connects, or fails at once
// (no listener; a full accept queue fails with EAGAIN, which asio 1.22 reports as "no buffer
// space"). So no real unix connect can reach its timeout; the timeout's path (shared with TCP:
// detail::connect_transport over connect_op) fires in virtual time in
// tests/detail/connect_op_test.cpp. Here: the deadline is a wait on the transport's Clock, and a
// connect that completes takes it off the timeline, with no time passing.
TEST_F(UnixTransport, TheConnectTimeoutIsAWaitOnTheVirtualClock) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    redial::basic_unix_transport<redial::virtual_clock> t{io.get_executor(), path, 3s, clock};
    std::optional<std::error_code> got;
    t.async_connect([&](std::error_code ec, stream_protocol::socket) { got = ec; });
    EXPECT_EQ(clock.pending(), 1U); // the deadline
    clock.advance(0s);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->value(), ENOENT) << got->message(); // no such file: nobody listens
    EXPECT_EQ(clock.pending(), 0U);
    EXPECT_EQ(clock.now(), redial::time_point{});
}

// connect_timeout() and clock(): what a setup stage over this transport takes for its deadline.
TEST_F(UnixTransport, ConnectTimeoutAndClockAreTheOnesGiven) {
    asio::io_context io;
    EXPECT_EQ((redial::unix_transport{io.get_executor(), path}.connect_timeout()), 10s);
    redial::virtual_clock clock{io};
    const redial::basic_unix_transport<redial::virtual_clock> t{io.get_executor(), path, 250ms,
                                                                clock};
    EXPECT_EQ(t.connect_timeout(), 250ms);
    clock.advance(2s);
    EXPECT_EQ(t.clock().now(), redial::time_point{} + 2s);
}

} // namespace
