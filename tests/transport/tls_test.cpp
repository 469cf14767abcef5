#include <redial/transport/tls.hpp>

#include <redial/clock/steady_clock.hpp>
#include <redial/clock/virtual_clock.hpp>
#include <redial/reconnector.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <vector>

// TLS against `openssl s_server` started by the test, with a throwaway certificate for
// localhost and 127.0.0.1: trusted, untrusted, the wrong name, a missing CA file, and a server
// that never speaks TLS.
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;

extern "C" char** environ;

struct TlsTransport : ::testing::Test {
    std::string dir;
    std::string port;
    pid_t server = -1;
    int server_out = -1; // kept open: s_server prints on every connection (SIGPIPE otherwise)
    int server_in = -1;  // kept open: at end of stdin s_server stops accepting

    void SetUp() override {
        char tmpl[] = "/tmp/redial-tls-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir = tmpl;
        const std::string cmd =
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
            dir + "/key.pem -out " + dir +
            "/cert.pem -days 1 -subj /CN=localhost -addext "
            "subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1";
        ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a certificate";
        asio::io_context io;
        tcp::acceptor probe{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
        port = std::to_string(probe.local_endpoint().port());
    }

    void TearDown() override {
        if (server > 0) {
            ::kill(server, SIGTERM);
            ::waitpid(server, nullptr, 0);
        }
        for (int fd : {server_out, server_in}) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
        (void)std::system(("rm -rf " + dir).c_str());
    }

    // Starts `openssl s_server` and returns once it prints ACCEPT (listening): no polling.
    void start_server(const std::vector<std::string>& extra = {}) {
        int out[2];
        int in[2];
        ASSERT_EQ(::pipe(out), 0);
        ASSERT_EQ(::pipe(in), 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
        posix_spawn_file_actions_addclose(&actions, in[1]);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        const std::string accept = "127.0.0.1:" + port;
        const std::string cert = dir + "/cert.pem";
        const std::string key = dir + "/key.pem";
        std::vector<const char*> argv = {"openssl", "s_server",   "-accept", accept.c_str(),
                                         "-cert",   cert.c_str(), "-key",    key.c_str()};
        for (const std::string& arg : extra) {
            argv.push_back(arg.c_str());
        }
        argv.push_back(nullptr);
        ASSERT_EQ(::posix_spawnp(&server, "openssl", &actions, nullptr,
                                 const_cast<char* const*>(argv.data()), environ),
                  0);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        ::close(in[0]);
        server_in = in[1];
        std::string seen;
        char c{};
        while (seen.find("ACCEPT") == std::string::npos && ::read(out[0], &c, 1) == 1) {
            seen += c;
        }
        server_out = out[0];
        ASSERT_NE(seen.find("ACCEPT"), std::string::npos) << "s_server did not start: " << seen;
    }

    using reconnector = redial::basic_reconnector<redial::tls_transport, redial::steady_clock>;

    // Runs a reconnector with millisecond backoff until it connects (then stops it) or gives
    // up; returns the give-up message, or "connected".
    std::string run(const std::string& host, redial::tls_options options) {
        asio::io_context io;
        reconnector r{io.get_executor(),
                      redial::tls_transport{io.get_executor(), host, port, std::move(options)},
                      redial::steady_clock{},
                      redial::exponential_backoff{1ms, 2.0, 4ms},
                      redial::uptime_threshold{},
                      redial::machine_options{.give_up_timeout = 30ms}};
        std::string outcome;
        r.async_run(redial::hold_session{}, [&](std::error_code ec) {
            if (ec) {
                outcome = r.give_up_message();
            }
        });
        r.async_wait_status([&](std::error_code ec, redial::link_status s) {
            if (!ec && s == redial::link_status::connected) {
                outcome = "connected";
                r.stop();
            }
        });
        io.run();
        return outcome;
    }
};

TEST_F(TlsTransport, ATrustedCertificateForTheHostConnects) {
    start_server();
    EXPECT_EQ(run("localhost", {.ca_file = dir + "/cert.pem"}), "connected");
    EXPECT_EQ(run("127.0.0.1", {.ca_file = dir + "/cert.pem"}), "connected");
}

// The handshake's deadline is the connect's start plus the timeout, saturated: the largest
// timeout once wrapped to a deadline in the past and failed every handshake at once.
TEST_F(TlsTransport, TheLargestConnectTimeoutStillHandshakes) {
    start_server();
    EXPECT_EQ(run("localhost", {.ca_file = dir + "/cert.pem",
                                .connect_timeout = std::chrono::nanoseconds::max()}),
              "connected");
}

TEST_F(TlsTransport, AnUntrustedCertificateIsAConnectErrorThatSaysWhy) {
    start_server();
    EXPECT_EQ(run("localhost", {}),
              "reconnect timed out after 30ms: certificate verify failed: self-signed certificate");
}

TEST_F(TlsTransport, TheWrongNameIsRefused) {
    start_server();
    EXPECT_EQ(run("localhost", {.ca_file = dir + "/cert.pem", .sni = "other.example"}),
              "reconnect timed out after 30ms: certificate verify failed: hostname mismatch");
}

TEST_F(TlsTransport, VerificationCanBeTurnedOffForThrowawayServers) {
    start_server();
    EXPECT_EQ(run("localhost", {.verify = false}), "connected");
}

// Without verification, a handshake the server refuses (here: it demands a client certificate,
// TLS 1.2 so its alert comes during the handshake) fails with the server's reason, not with a
// certificate verdict nobody asked for.
TEST_F(TlsTransport, WithoutVerificationAFailedHandshakeSaysTheServersReason) {
    start_server({"-Verify", "1", "-tls1_2"});
    const std::string outcome = run("localhost", {.verify = false});
    EXPECT_NE(outcome, "connected");
    EXPECT_EQ(outcome.find("verify failed"), std::string::npos) << outcome;
    EXPECT_EQ(outcome.find("self-signed"), std::string::npos) << outcome;
    EXPECT_NE(outcome.find("alert"), std::string::npos) << outcome;
}

// tls_options::socket reaches the TCP socket under the TLS stream, read back once connected.
TEST_F(TlsTransport, SocketOptionsAreSetOnTheTcpSocketUnderneath) {
    start_server();
    asio::io_context io;
    redial::tls_transport t{
        io.get_executor(),
        "localhost",
        port,
        {.verify = false,
         .socket = {.keepalive = redial::tcp_keepalive{45s, 5s, 4}, .user_timeout = 3s}}};
    std::optional<redial::tls_connection> connection;
    t.async_connect([&](std::error_code ec, redial::tls_connection c) {
        EXPECT_FALSE(ec) << ec.message();
        connection.emplace(std::move(c));
    });
    io.run();
    ASSERT_TRUE(connection && connection->is_open());
    const int fd = connection->stream().lowest_layer().native_handle();
    const auto option = [fd](int level, int name) {
        int value = -1;
        socklen_t size = sizeof value;
        EXPECT_EQ(::getsockopt(fd, level, name, &value, &size), 0) << name;
        return value;
    };
    EXPECT_EQ(option(SOL_SOCKET, SO_KEEPALIVE), 1);
    EXPECT_EQ(option(IPPROTO_TCP, TCP_KEEPIDLE), 45);
    EXPECT_EQ(option(IPPROTO_TCP, TCP_KEEPINTVL), 5);
    EXPECT_EQ(option(IPPROTO_TCP, TCP_KEEPCNT), 4);
    EXPECT_EQ(option(IPPROTO_TCP, TCP_USER_TIMEOUT), 3000);
}

// tls_options::prepare runs on the TCP socket under the TLS stream, once per attempt, after the
// socket options and before the connect; its setting is on the connection; its error fails the
// attempt before any handshake.
TEST_F(TlsTransport, ThePrepareHookRunsOnTheTcpSocketUnderneath) {
    start_server();
    asio::io_context io;
    int calls = 0;
    int keepalive_seen = -1;
    std::error_code peer_seen;
    redial::tls_transport t{
        io.get_executor(),
        "localhost",
        port,
        {.verify = false,
         .socket = {.keepalive = redial::tcp_keepalive{45s, 5s, 4}},
         .prepare = [&](tcp::socket& s, const tcp::endpoint& e) -> std::error_code {
             ++calls;
             EXPECT_EQ(e.port(), std::stoi(port));
             int value = -1;
             socklen_t size = sizeof value;
             ::getsockopt(s.native_handle(), SOL_SOCKET, SO_KEEPALIVE, &value, &size);
             keepalive_seen = value;
             (void)s.remote_endpoint(peer_seen);
             std::error_code ec;
             s.set_option(tcp::no_delay(true), ec);
             return ec;
         }}};
    std::optional<redial::tls_connection> connection;
    t.async_connect([&](std::error_code ec, redial::tls_connection c) {
        EXPECT_FALSE(ec) << ec.message();
        connection.emplace(std::move(c));
    });
    io.run();
    ASSERT_TRUE(connection && connection->is_open());
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(keepalive_seen, 1);
    EXPECT_EQ(peer_seen, asio::error::not_connected);
    int nodelay = -1;
    socklen_t size = sizeof nodelay;
    EXPECT_EQ(::getsockopt(connection->stream().lowest_layer().native_handle(), IPPROTO_TCP,
                           TCP_NODELAY, &nodelay, &size),
              0);
    EXPECT_EQ(nodelay, 1);

    const std::error_code denied = std::make_error_code(std::errc::permission_denied);
    EXPECT_EQ(
        run("localhost", {.verify = false,
                          .prepare = [&](tcp::socket&, const tcp::endpoint&) { return denied; }}),
        "reconnect timed out after 30ms: " + denied.message());
    EXPECT_EQ(
        run("localhost", {.verify = false,
                          .prepare = [](tcp::socket&, const tcp::endpoint&) -> std::error_code {
                              throw std::runtime_error("boom");
                          }}),
        "reconnect timed out after 30ms: the socket prepare hook threw an exception");
}

// connect_timeout() is the validated value: the TCP connect's and the handshake's limit.
TEST_F(TlsTransport, ConnectTimeoutIsTheValueGiven) {
    asio::io_context io;
    EXPECT_EQ((redial::tls_transport{io.get_executor(), "localhost", port, {}}.connect_timeout()),
              10s);
    EXPECT_EQ(
        (redial::tls_transport{io.get_executor(), "localhost", port, {.connect_timeout = 2500ms}}
             .connect_timeout()),
        2500ms);
    redial::virtual_clock clock{io};
    const redial::basic_tls_transport<redial::virtual_clock> v{
        io.get_executor(), "localhost", port, {.connect_timeout = 7s}, clock};
    EXPECT_EQ(v.connect_timeout(), 7s);
    // clock(): the one given (a copy sharing its time), for the setup stage's deadline.
    clock.advance(3s);
    EXPECT_EQ(v.clock().now(), redial::time_point{} + 3s);
}

TEST_F(TlsTransport, BadSocketOptionsAreAConfigErrorNamingTheKey) {
    asio::io_context io;
    try {
        redial::tls_transport t{io.get_executor(),
                                "localhost",
                                port,
                                {.socket = {.keepalive = redial::tcp_keepalive{60s, 40000s, 5}}}};
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "tcp-keepalive");
        EXPECT_EQ(e.value(), "1m/11h6m40s/5");
    }
}

TEST_F(TlsTransport, AMissingCaFileIsAConfigErrorNamingIt) {
    asio::io_context io;
    try {
        redial::tls_transport t{
            io.get_executor(), "localhost", port, {.ca_file = dir + "/missing.pem"}};
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "tls ca-file");
        EXPECT_EQ(e.value(), dir + "/missing.pem");
    }
}

TEST_F(TlsTransport, AFileThatIsNotACertificateIsAConfigErrorNamingIt) {
    asio::io_context io;
    std::ofstream(dir + "/not-a-cert.pem") << "not a certificate\n";
    std::ofstream{dir + "/empty.pem"};
    for (const std::string& file : {dir + "/not-a-cert.pem", dir + "/empty.pem"}) {
        try {
            redial::tls_transport t{io.get_executor(), "localhost", port, {.ca_file = file}};
            ADD_FAILURE() << "accepted " << file;
        } catch (const redial::config_error& e) {
            EXPECT_EQ(e.key(), "tls ca-file");
            EXPECT_EQ(e.value(), file);
            EXPECT_NE(std::string(e.what()).find("cannot be loaded: no certificate or crl found"),
                      std::string::npos)
                << e.what();
        }
    }
}

TEST_F(TlsTransport, StopDuringAHangingHandshakeEndsTheRun) {
    asio::io_context io;
    tcp::acceptor silent{io, tcp::endpoint(asio::ip::address_v4::loopback(),
                                           static_cast<unsigned short>(std::stoi(port)))};
    std::optional<tcp::socket> held;
    silent.async_accept([&](std::error_code, tcp::socket s) { held.emplace(std::move(s)); });
    // stop() during a hanging handshake completes the run with success.
    reconnector r{io.get_executor(),
                  redial::tls_transport{io.get_executor(),
                                        "localhost",
                                        port,
                                        {.ca_file = dir + "/cert.pem", .connect_timeout = 1h}},
                  redial::steady_clock{}};
    std::optional<std::error_code> result;
    r.async_run(redial::hold_session{}, [&](std::error_code ec) { result = ec; });
    while (!held) {
        io.run_one();
    }
    r.stop();
    io.run();
    EXPECT_EQ(result, std::error_code{});
}

// The handshake's deadline runs on the Clock, and it is what is left of the connect timeout:
// counted from the start of the attempt, not of the handshake. The sockets run on an
// io_context of their own that the test runs by hand, so the TCP connect completes only after
// virtual time has moved on: 2 s into a 5 s timeout, the handshake starts, against a server
// that accepts and never speaks. It fails with timed_out exactly at 5 s, not a nanosecond
// before (and not at 2 s + 5 s).
TEST(TlsVirtualTime, TheHandshakeGetsWhatIsLeftOfTheConnectTimeout) {
    asio::io_context timeline; // the virtual clock's
    asio::io_context io;       // the sockets' and the transport's completions
    redial::virtual_clock clock{timeline};
    tcp::acceptor silent{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    tcp::socket server{io};
    std::array<char, 64> hello{};
    std::size_t heard = 0; // bytes of the client's hello: the handshake has started
    silent.async_accept(server, [&](std::error_code ec) {
        ASSERT_FALSE(ec);
        server.async_read_some(asio::buffer(hello),
                               [&](std::error_code, std::size_t n) { heard = n; });
    });
    redial::basic_tls_transport<redial::virtual_clock> t{
        io.get_executor(),
        "127.0.0.1",
        std::to_string(silent.local_endpoint().port()),
        {.verify = false, .connect_timeout = 5s},
        clock};
    std::optional<std::error_code> got;
    t.async_connect([&](std::error_code ec, redial::tls_connection c) {
        got = ec;
        EXPECT_FALSE(c.is_open());
    });
    clock.advance(2s);
    while (heard == 0) {
        io.run_one(); // the TCP connect, the accept, the client's hello
    }
    EXPECT_FALSE(got);
    clock.advance(3s - 1ns);
    io.poll();
    EXPECT_FALSE(got) << got->message();
    clock.advance(1ns); // 5 s: the deadline's wait completes onto `io`
    while (!got && io.poll() > 0) {
    }
    EXPECT_EQ(got, asio::error::timed_out);
    EXPECT_EQ(clock.pending(), 0U);
}

// With one io_context for both, as a reconnector runs it: the deadline fires when the virtual
// clock reaches it, and cancel() during the handshake aborts it with no time passing.
TEST(TlsVirtualTime, TheHandshakeTimesOutOnTheClockAndCancelAbortsIt) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    tcp::acceptor silent{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    std::vector<tcp::socket> held;
    std::size_t heard = 0;
    std::array<char, 64> hello{};
    std::function<void()> serve = [&] {
        silent.async_accept([&](std::error_code ec, tcp::socket s) {
            if (ec) {
                return;
            }
            held.push_back(std::move(s));
            held.back().async_read_some(asio::buffer(hello),
                                        [&](std::error_code, std::size_t n) { heard += n; });
            serve();
        });
    };
    serve();
    redial::basic_tls_transport<redial::virtual_clock> t{
        io.get_executor(),
        "127.0.0.1",
        std::to_string(silent.local_endpoint().port()),
        {.verify = false, .connect_timeout = 5s},
        clock};
    std::optional<std::error_code> got;
    const auto record = [&](std::error_code ec, redial::tls_connection) { got = ec; };

    t.async_connect(record);
    while (heard == 0) {
        io.run_one();
    }
    clock.advance(5s - 1ns);
    EXPECT_FALSE(got) << got->message();
    clock.advance(1ns);
    EXPECT_EQ(got, asio::error::timed_out);

    got.reset();
    heard = 0;
    t.async_connect(record);
    while (heard == 0) {
        io.run_one();
    }
    clock.advance(1s);
    t.cancel();
    clock.advance(0s);
    EXPECT_EQ(got, asio::error::operation_aborted);
    EXPECT_EQ(clock.now(), redial::time_point{} + 5s + 1s);
    EXPECT_EQ(clock.pending(), 0U);
    silent.close();
}

} // namespace
