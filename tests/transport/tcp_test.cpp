#include <redial/transport/tcp.hpp>

#include <redial/clock/steady_clock.hpp>
#include <redial/clock/virtual_clock.hpp>
#include <redial/reconnector.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

// Real sockets on 127.0.0.1 with millisecond backoff: these tests assert counts, errors and
// verdicts, never how long anything took.
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;

struct counting_observer {
    int attempts = 0;
    std::vector<redial::verdict> verdicts;
    void on_attempt(const redial::attempt_event&) { ++attempts; }
    void on_disconnected(const redial::disconnected_event& e) { verdicts.push_back(e.verdict); }
};

using reconnector = redial::basic_reconnector<redial::tcp_transport, redial::steady_clock,
                                              redial::exponential_backoff, redial::uptime_threshold,
                                              counting_observer>;

struct loopback : ::testing::Test {
    asio::io_context io;
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    std::string port = std::to_string(acceptor.local_endpoint().port());
    std::optional<std::error_code> result;
    int accepted = 0;
    std::vector<std::shared_ptr<tcp::socket>> held;

    reconnector make(std::chrono::nanoseconds timeout,
                     redial::uptime_threshold stability = redial::uptime_threshold{100ms}) {
        return reconnector{io.get_executor(),
                           redial::tcp_transport{io.get_executor(), "127.0.0.1", port, 2s},
                           redial::steady_clock{},
                           redial::exponential_backoff{1ms, 2.0, 4ms},
                           stability,
                           redial::machine_options{.give_up_timeout = timeout}};
    }
    // Accepts forever; `on_accept` decides what to do with each connection.
    template <class F>
    void serve(F on_accept) {
        acceptor.async_accept([this, on_accept](std::error_code ec, tcp::socket s) {
            if (ec) {
                return;
            }
            ++accepted;
            on_accept(std::make_shared<tcp::socket>(std::move(s)));
            serve(on_accept);
        });
    }
};

using TcpTransport = loopback;

// An int socket option as the kernel holds it.
int option(int fd, int level, int name) {
    int value = -1;
    socklen_t size = sizeof value;
    EXPECT_EQ(::getsockopt(fd, level, name, &value, &size), 0) << name;
    return value;
}

TEST_F(TcpTransport, AClosedPortGivesUpWithConnectionRefused) {
    acceptor.close();
    auto r = make(30ms);
    r.async_run(redial::hold_session{}, [&](std::error_code ec) { result = ec; });
    io.run();
    EXPECT_EQ(result, redial::reconnect_errc::timed_out);
    EXPECT_EQ(r.give_up_message(),
              "reconnect timed out after 30ms: " +
                  std::make_error_code(std::errc::connection_refused).message());
    EXPECT_GE(r.observer().attempts, 3);
}

TEST_F(TcpTransport, AServerThatAcceptsThenClosesIsAFlapUntilTheTimeout) {
    serve([](std::shared_ptr<tcp::socket> s) { s->close(); });
    auto r = make(40ms);
    r.async_run(redial::hold_session{}, [&](std::error_code ec) {
        result = ec;
        acceptor.close();
    });
    io.run();
    EXPECT_EQ(result, redial::reconnect_errc::timed_out);
    EXPECT_GE(accepted, 3);
    for (redial::verdict v : r.observer().verdicts) {
        EXPECT_EQ(v, redial::verdict::flap);
    }
    // The close reason, not a generic timeout: end of file (or a reset, if the peer sent one).
    const std::string msg = r.give_up_message();
    EXPECT_TRUE(msg == "reconnect timed out after 40ms: " +
                           asio::error::make_error_code(asio::error::eof).message() ||
                msg == "reconnect timed out after 40ms: " +
                           std::make_error_code(std::errc::connection_reset).message())
        << msg;
}

TEST_F(TcpTransport, AHealthySessionEndedByTheServerReconnectsAndStopEndsTheRun) {
    asio::steady_timer server_timer{io};
    serve([&](std::shared_ptr<tcp::socket> s) {
        held.push_back(s);
        if (accepted == 1) { // the first session lives 50 ms (stable at 20 ms), then the
                             // server closes it; the second is held until the client stops
            server_timer.expires_after(50ms);
            server_timer.async_wait([s](std::error_code) { s->close(); });
        }
    });
    auto r = make(5s, redial::uptime_threshold{20ms});
    r.async_run(redial::hold_session{}, [&](std::error_code ec) {
        result = ec;
        acceptor.close();
    });
    std::vector<redial::link_status> seen;
    std::function<void(std::error_code, redial::link_status)> watch = [&](std::error_code ec,
                                                                          redial::link_status s) {
        if (ec) {
            return;
        }
        seen.push_back(s);
        if (seen.size() == 3) { // connected, disconnected, connected again
            r.stop();
        } else {
            r.async_wait_status(watch);
        }
    };
    r.async_wait_status(watch);
    io.run();
    EXPECT_EQ(result, std::error_code{});
    EXPECT_EQ(seen, (std::vector<redial::link_status>{redial::link_status::connected,
                                                      redial::link_status::disconnected,
                                                      redial::link_status::connected}));
    EXPECT_EQ(r.observer().verdicts, std::vector<redial::verdict>{redial::verdict::stable});
    EXPECT_EQ(accepted, 2);
}

TEST_F(TcpTransport, BadParametersAreRefusedNamingTheKeyAndValue) {
    auto refused = [&](std::string host, std::string p, std::chrono::nanoseconds timeout) {
        try {
            redial::tcp_transport t{io.get_executor(), std::move(host), std::move(p), timeout};
        } catch (const redial::config_error& e) {
            return e.key() + "=" + e.value();
        }
        return std::string("accepted");
    };
    EXPECT_EQ(refused("", "80", 1s), "tcp host=");
    EXPECT_EQ(refused("localhost", "", 1s), "tcp port=");
    EXPECT_EQ(refused("localhost", "0", 1s), "tcp port=0");
    EXPECT_EQ(refused("127.0.0.1", "65536", 1s), "tcp port=65536");
    EXPECT_EQ(refused("127.0.0.1", "99999999999999999999", 1s), "tcp port=99999999999999999999");
    EXPECT_EQ(refused("localhost", "80", 0s), "connect-timeout=0s");
    EXPECT_EQ(refused("localhost", "80", -1s), "connect-timeout=-1s");
    // A config_error is a std::invalid_argument, as these errors were before.
    EXPECT_THROW(redial::tcp_transport(io.get_executor(), "", "80"), std::invalid_argument);
    // The resolver would read these with strtoul and keep 16 bits (+70000 is port 4464).
    EXPECT_EQ(refused("127.0.0.1", "+70000", 1s), "tcp port=+70000");
    EXPECT_EQ(refused("127.0.0.1", " 70000", 1s), "tcp port= 70000");
    EXPECT_EQ(refused("127.0.0.1", "-1", 1s), "tcp port=-1");
    EXPECT_EQ(refused("127.0.0.1", "000080", 1s), "accepted"); // port 80, as glibc reads it
    // Service names are resolved per attempt, not refused here.
    EXPECT_EQ(refused("localhost", "http", 1s), "accepted");
    EXPECT_EQ(refused("127.0.0.1", "65535", 1s), "accepted");
}

// Names no resolver could ever find were retried until the give-up; they are refused up front.
TEST_F(TcpTransport, HostNamesBeyondDnsLimitsAreRefused) {
    auto refused = [&](const std::string& host) -> std::string {
        try {
            redial::tcp_transport t{io.get_executor(), host, "80", 1s};
        } catch (const redial::config_error& e) {
            return e.what();
        }
        return "accepted";
    };
    const std::string label63(63, 'a');
    const std::string name253 =
        label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
    ASSERT_EQ(name253.size(), 253u);
    EXPECT_EQ(refused(name253), "accepted");
    EXPECT_EQ(refused(name253 + "."), "accepted"); // fully qualified
    EXPECT_EQ(refused(name253 + "c").substr(0, 20), "invalid tcp host \"aa");
    EXPECT_NE(refused(name253 + "c").find("longer than the 253 characters"), std::string::npos);
    EXPECT_NE(refused(std::string(70'000, 'x')).find("longer than the 253"), std::string::npos);
    EXPECT_EQ(refused(label63 + ".example"), "accepted");
    EXPECT_EQ(refused(label63 + "a.example"),
              "invalid tcp host \"" + label63 +
                  "a.example\": has a label longer than the 63 characters DNS allows");
    EXPECT_EQ(refused("a..b"), "invalid tcp host \"a..b\": has an empty label");
    EXPECT_EQ(refused(".a"), "invalid tcp host \".a\": has an empty label");
    EXPECT_EQ(refused("host:80"),
              "invalid tcp host \"host:80\": is not an IP address, and a host name has no colon "
              "(an IPv6 address goes without brackets; host and port are separate)");
    EXPECT_EQ(refused("[::1]").find("has no colon") != std::string::npos, true);
    EXPECT_EQ(refused("evil\nhost"),
              "invalid tcp host \"evil\\nhost\": contains a space or control character");
    EXPECT_EQ(refused("::1"), "accepted");          // an IPv6 literal
    EXPECT_EQ(refused("localhost."), "accepted");   // the root label
    EXPECT_EQ(refused("_srv.example"), "accepted"); // resolvers allow more than letters
}

// Every attempt's socket gets the options, through both connect paths (an IP literal, a
// resolved name), read back from the connected socket as the kernel holds them.
TEST_F(TcpTransport, SocketOptionsAreSetOnEveryAttemptsSocket) {
    serve([this](std::shared_ptr<tcp::socket> s) { held.push_back(std::move(s)); });
    const redial::tcp_options options{
        .connect_timeout = 2s,
        .socket = {.keepalive = redial::tcp_keepalive{61s, 7s, 3}, .user_timeout = 1234ms}};
    for (const char* host : {"127.0.0.1", "localhost"}) {
        redial::tcp_transport t{io.get_executor(), host, port, options};
        std::optional<tcp::socket> connection;
        t.async_connect([&](std::error_code ec, tcp::socket s) {
            EXPECT_FALSE(ec) << ec.message();
            connection.emplace(std::move(s));
        });
        io.restart();
        while (!connection && io.run_one() != 0) {
        }
        ASSERT_TRUE(connection) << host;
        const int fd = connection->native_handle();
        EXPECT_EQ(option(fd, SOL_SOCKET, SO_KEEPALIVE), 1) << host;
        EXPECT_EQ(option(fd, IPPROTO_TCP, TCP_KEEPIDLE), 61) << host;
        EXPECT_EQ(option(fd, IPPROTO_TCP, TCP_KEEPINTVL), 7) << host;
        EXPECT_EQ(option(fd, IPPROTO_TCP, TCP_KEEPCNT), 3) << host;
        EXPECT_EQ(option(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 1234) << host;
    }
    // A user timeout alone: no keepalive.
    redial::tcp_transport t{io.get_executor(), "127.0.0.1", port,
                            redial::tcp_options{.socket = {.user_timeout = 5ms}}};
    std::optional<tcp::socket> connection;
    t.async_connect([&](std::error_code ec, tcp::socket s) {
        EXPECT_FALSE(ec) << ec.message();
        connection.emplace(std::move(s));
        acceptor.close();
    });
    io.restart();
    io.run();
    ASSERT_TRUE(connection);
    EXPECT_EQ(option(connection->native_handle(), SOL_SOCKET, SO_KEEPALIVE), 0);
    EXPECT_EQ(option(connection->native_handle(), IPPROTO_TCP, TCP_USER_TIMEOUT), 5);
}

// Without options (every older constructor) nothing is set: the socket keeps what a fresh one
// has, the kernel's defaults (the sysctls' keepalive timers, no keepalive, no user timeout).
TEST_F(TcpTransport, WithoutSocketOptionsTheKernelDefaultsStay) {
    serve([this](std::shared_ptr<tcp::socket> s) { held.push_back(std::move(s)); });
    tcp::socket fresh{io, tcp::v4()};
    const int fresh_fd = fresh.native_handle();
    redial::tcp_transport t{io.get_executor(), "127.0.0.1", port, 2s};
    std::optional<tcp::socket> connection;
    t.async_connect([&](std::error_code ec, tcp::socket s) {
        EXPECT_FALSE(ec) << ec.message();
        connection.emplace(std::move(s));
        acceptor.close();
    });
    io.run();
    ASSERT_TRUE(connection);
    const int fd = connection->native_handle();
    EXPECT_EQ(option(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
    EXPECT_EQ(option(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 0);
    for (int name : {TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT}) {
        EXPECT_EQ(option(fd, IPPROTO_TCP, name), option(fresh_fd, IPPROTO_TCP, name)) << name;
    }
}

// Values Linux would refuse or clamp are refused when the transport is made, naming the key
// and the value (validate_socket_options' limits; socket_options_test has every boundary).
TEST_F(TcpTransport, BadSocketOptionsAreRefusedNamingTheKeyAndValue) {
    const auto refused = [&](redial::socket_options s) -> std::string {
        try {
            redial::tcp_transport t{io.get_executor(), "127.0.0.1", port,
                                    redial::tcp_options{.socket = s}};
        } catch (const redial::config_error& e) {
            return e.what();
        }
        return "accepted";
    };
    EXPECT_EQ(refused({.keepalive = redial::tcp_keepalive{60s, 10s, 200}}),
              "invalid tcp-keepalive \"1m/10s/200\": COUNT must be 1 to 127 (TCP_KEEPCNT's "
              "limits)");
    EXPECT_EQ(refused({.user_timeout = -5ms}),
              "invalid tcp-user-timeout \"-5ms\": must not be negative (0 means the kernel's "
              "default)");
    EXPECT_EQ(refused({.keepalive = redial::tcp_keepalive{1s, 1s, 1}, .user_timeout = 1ms}),
              "accepted");
}

// The prepare hook runs once per attempt, through both connect paths, on the open socket
// after the socket options and before the connect; what it sets (TCP_NODELAY) is on the
// connection handed out.
TEST_F(TcpTransport, ThePrepareHookRunsOnEachAttemptsOpenSocketBeforeTheConnect) {
    serve([this](std::shared_ptr<tcp::socket> s) { held.push_back(std::move(s)); });
    struct call {
        tcp::endpoint endpoint;
        bool open;
        int keepalive;
        std::error_code peer; // the remote endpoint: not connected yet
    };
    std::vector<call> calls;
    const redial::tcp_options options{
        .socket = {.keepalive = redial::tcp_keepalive{61s, 7s, 3}},
        .prepare = [&](tcp::socket& s, const tcp::endpoint& e) -> std::error_code {
            std::error_code peer;
            (void)s.remote_endpoint(peer);
            calls.push_back(
                {e, s.is_open(), option(s.native_handle(), SOL_SOCKET, SO_KEEPALIVE), peer});
            std::error_code ec;
            s.set_option(tcp::no_delay(true), ec);
            return ec;
        }};
    const tcp::endpoint server(asio::ip::address_v4::loopback(), acceptor.local_endpoint().port());
    for (const char* host : {"127.0.0.1", "localhost", "127.0.0.1"}) {
        redial::tcp_transport t{io.get_executor(), host, port, options};
        std::optional<tcp::socket> connection;
        t.async_connect([&](std::error_code ec, tcp::socket s) {
            EXPECT_FALSE(ec) << ec.message();
            connection.emplace(std::move(s));
        });
        io.restart();
        while (!connection && io.run_one() != 0) {
        }
        ASSERT_TRUE(connection) << host;
        EXPECT_EQ(option(connection->native_handle(), IPPROTO_TCP, TCP_NODELAY), 1) << host;
    }
    ASSERT_EQ(calls.size(), 3U);
    for (const call& c : calls) {
        EXPECT_EQ(c.endpoint, server);
        EXPECT_TRUE(c.open);
        EXPECT_EQ(c.keepalive, 1); // the socket options are set first
        EXPECT_EQ(c.peer, asio::error::not_connected);
    }
    // Without a hook, a fresh connection has Nagle on: the hook's setting was not a default.
    redial::tcp_transport plain{io.get_executor(), "127.0.0.1", port, 2s};
    std::optional<tcp::socket> connection;
    plain.async_connect([&](std::error_code ec, tcp::socket s) {
        EXPECT_FALSE(ec) << ec.message();
        connection.emplace(std::move(s));
        acceptor.close();
    });
    io.restart();
    io.run();
    ASSERT_TRUE(connection);
    EXPECT_EQ(option(connection->native_handle(), IPPROTO_TCP, TCP_NODELAY), 0);
    EXPECT_EQ(calls.size(), 3U);
}

// A hook's error fails the endpoint before any SYN: the server accepts nothing and the attempt
// fails with that error, its socket closed. A thrown std::system_error gives its code; any
// other exception transport_errc::prepare_threw; nothing escapes into run().
TEST_F(TcpTransport, AHookErrorOrExceptionFailsTheAttemptWithoutAConnect) {
    serve([this](std::shared_ptr<tcp::socket> s) { held.push_back(std::move(s)); });
    const auto attempt = [&](redial::socket_prepare hook) {
        redial::tcp_transport t{io.get_executor(), "127.0.0.1", port,
                                redial::tcp_options{.prepare = std::move(hook)}};
        std::optional<std::error_code> got;
        t.async_connect([&](std::error_code ec, tcp::socket s) {
            got = ec;
            EXPECT_FALSE(s.is_open());
        });
        io.restart();
        while (!got && io.run_one() != 0) {
        }
        return got.value_or(std::error_code{});
    };
    const std::error_code denied = std::make_error_code(std::errc::permission_denied);
    EXPECT_EQ(attempt([&](tcp::socket&, const tcp::endpoint&) { return denied; }), denied);
    EXPECT_EQ(attempt([](tcp::socket&, const tcp::endpoint&) -> std::error_code {
                  throw std::system_error(std::make_error_code(std::errc::no_such_device));
              }),
              std::errc::no_such_device);
    const std::error_code threw =
        attempt([](tcp::socket&, const tcp::endpoint&) -> std::error_code {
            throw std::runtime_error("boom");
        });
    EXPECT_EQ(threw, redial::transport_errc::prepare_threw);
    EXPECT_EQ(threw.message(), "the socket prepare hook threw an exception");
    EXPECT_STREQ(threw.category().name(), "redial.transport");
    EXPECT_EQ(attempt([](tcp::socket&, const tcp::endpoint&) -> std::error_code { throw 42; }),
              redial::transport_errc::prepare_threw);
    // A system_error without an error is still a failure, not a success.
    EXPECT_EQ(attempt([](tcp::socket&, const tcp::endpoint&) -> std::error_code {
                  throw std::system_error(std::error_code{}, "odd");
              }),
              redial::transport_errc::prepare_threw);
    EXPECT_EQ(accepted, 0);
}

// Through a reconnector: a hook that always throws is an attempt failure like any other, and
// the give-up names it.
TEST_F(TcpTransport, AThrowingHookGivesUpWithItsErrorNamed) {
    serve([this](std::shared_ptr<tcp::socket> s) { held.push_back(std::move(s)); });
    reconnector r{io.get_executor(),
                  redial::tcp_transport{
                      io.get_executor(), "127.0.0.1", port,
                      redial::tcp_options{
                          .prepare = [](tcp::socket&, const tcp::endpoint&) -> std::error_code {
                              throw std::logic_error("bug in the hook");
                          }}},
                  redial::steady_clock{},
                  redial::exponential_backoff{1ms, 2.0, 4ms},
                  redial::uptime_threshold{100ms},
                  redial::machine_options{.give_up_timeout = 30ms}};
    r.async_run(redial::hold_session{}, [&](std::error_code ec) {
        result = ec;
        acceptor.close();
    });
    io.run();
    EXPECT_EQ(result, redial::reconnect_errc::timed_out);
    EXPECT_EQ(r.give_up_message(),
              "reconnect timed out after 30ms: the socket prepare hook threw an exception");
    EXPECT_GE(r.observer().attempts, 3);
    EXPECT_EQ(accepted, 0);
}

// The endpoints a name resolves to, through the transport's own connect path (this machine's
// names resolve to one address, so the test gives the attempt two): a hook's error on the first
// tries the next, and the last endpoint's error is the attempt's.
struct TcpEndpoints : loopback {
    using op_type = redial::detail::tcp_connect_op<redial::steady_clock>;
    std::vector<tcp::endpoint> seen;

    std::error_code attempt(const std::vector<tcp::endpoint>& endpoints,
                            std::function<std::error_code(const tcp::endpoint&)> verdict) {
        std::optional<std::error_code> got;
        auto op = op_type::begin<op_type>(
            io.get_executor(), redial::steady_clock{},
            [&](std::error_code ec, tcp::socket s) {
                got = ec;
                if (!ec) {
                    EXPECT_EQ(s.remote_endpoint(), endpoints.back());
                }
            },
            2s);
        op->prepare =
            redial::detail::shared_prepare([this, verdict](tcp::socket& s, const tcp::endpoint& e) {
                EXPECT_TRUE(s.is_open());
                seen.push_back(e);
                return verdict(e);
            });
        op->endpoints =
            tcp::resolver::results_type::create(endpoints.begin(), endpoints.end(), "test", port);
        op->next = op->endpoints.begin();
        const tcp::endpoint first = *op->next++;
        redial::detail::tcp_connect(std::move(op), first);
        io.restart();
        while (!got && io.run_one() != 0) {
        }
        return got.value_or(std::make_error_code(std::errc::interrupted));
    }
};

TEST_F(TcpEndpoints, AHookErrorTriesTheNextEndpointAndTheLastErrorIsTheAttempts) {
    serve([this](std::shared_ptr<tcp::socket> s) { held.push_back(std::move(s)); });
    const unsigned short p = acceptor.local_endpoint().port();
    const tcp::endpoint other(asio::ip::make_address("127.0.0.2"), p); // never connected to
    const tcp::endpoint server(asio::ip::address_v4::loopback(), p);
    const std::error_code unreachable = std::make_error_code(std::errc::network_unreachable);
    const std::error_code denied = std::make_error_code(std::errc::permission_denied);

    // The first refused by the hook, the second connects.
    EXPECT_EQ(attempt({other, server},
                      [&](const tcp::endpoint& e) {
                          return e == other ? unreachable : std::error_code{};
                      }),
              std::error_code{});
    EXPECT_EQ(seen, (std::vector<tcp::endpoint>{other, server}));
    EXPECT_EQ(accepted, 1);

    // Both refused by the hook: the second's error.
    seen.clear();
    EXPECT_EQ(attempt({other, server},
                      [&](const tcp::endpoint& e) { return e == other ? unreachable : denied; }),
              denied);
    EXPECT_EQ(seen, (std::vector<tcp::endpoint>{other, server}));

    // The hook passes the first, whose connect is refused; the second's hook error ends it.
    tcp::acceptor closed{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    const tcp::endpoint nobody = closed.local_endpoint();
    closed.close();
    seen.clear();
    EXPECT_EQ(
        attempt({nobody, server},
                [&](const tcp::endpoint& e) { return e == nobody ? std::error_code{} : denied; }),
        denied);
    EXPECT_EQ(seen, (std::vector<tcp::endpoint>{nobody, server}));

    // The hook fails the first, the second's connect is refused: refused is the attempt's.
    seen.clear();
    EXPECT_EQ(
        attempt({server, nobody},
                [&](const tcp::endpoint& e) { return e == server ? denied : std::error_code{}; }),
        asio::error::connection_refused);
    EXPECT_EQ(seen, (std::vector<tcp::endpoint>{server, nobody}));
    EXPECT_EQ(accepted, 1);
    acceptor.close();
}

// connect_timeout() is the validated value the setup stage takes as its default deadline.
TEST_F(TcpTransport, ConnectTimeoutIsTheValueGiven) {
    EXPECT_EQ((redial::tcp_transport{io.get_executor(), "127.0.0.1", port}.connect_timeout()), 10s);
    EXPECT_EQ(
        (redial::tcp_transport{io.get_executor(), "127.0.0.1", port, 1500ms}.connect_timeout()),
        1500ms);
    EXPECT_EQ((redial::tcp_transport{io.get_executor(), "localhost", port,
                                     redial::tcp_options{.connect_timeout = 3ns}}
                   .connect_timeout()),
              3ns);
}

TEST_F(TcpTransport, CancelDuringResolveAbortsTheAttempt) {
    redial::tcp_transport t{io.get_executor(), "localhost", port, 2s}; // a name: resolved first
    std::optional<std::error_code> got;
    t.async_connect([&](std::error_code ec, tcp::socket) { got = ec; });
    t.cancel();
    io.run();
    EXPECT_EQ(got, asio::error::operation_aborted);
}

// A name's addresses are tried in order through the same connect path as an IP literal's: the
// server listens on 127.0.0.1 only, so "localhost" connects whether ::1 comes first or not; with
// nothing listening, the attempt fails with the last address's error.
TEST_F(TcpTransport, ANameTriesItsAddressesInTurn) {
    serve([this](std::shared_ptr<tcp::socket> s) { held.push_back(std::move(s)); });
    redial::tcp_transport t{io.get_executor(), "localhost", port, 2s};
    std::optional<std::error_code> got;
    t.async_connect([&](std::error_code ec, tcp::socket s) {
        got = ec;
        EXPECT_EQ(s.is_open(), !ec);
        acceptor.close();
    });
    io.run();
    EXPECT_EQ(got, std::error_code{});

    const std::string closed_port = port; // the acceptor is closed now
    redial::tcp_transport refused{io.get_executor(), "localhost", closed_port, 2s};
    got.reset();
    refused.async_connect([&](std::error_code ec, tcp::socket s) {
        got = ec;
        EXPECT_FALSE(s.is_open());
    });
    io.restart();
    io.run();
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, asio::error::connection_refused) << got->message();
}

TEST_F(TcpTransport, StopDuringResolveEndsTheRun) {
    reconnector r{io.get_executor(),
                  redial::tcp_transport{io.get_executor(), "localhost", port, 2s},
                  redial::steady_clock{}};
    r.async_run(redial::hold_session{}, [&](std::error_code ec) { result = ec; });
    // After the run began on its strand (its first attempt is resolving "localhost").
    asio::post(io, [&] { r.stop(); });
    io.run();
    EXPECT_EQ(result, std::error_code{});
    EXPECT_EQ(r.observer().attempts, 1);
}

TEST_F(TcpTransport, CancelAbortsAConnectInProgress) {
    redial::tcp_transport t{io.get_executor(), "127.0.0.1", port, 2s};
    std::optional<std::error_code> got;
    t.async_connect([&](std::error_code ec, tcp::socket) { got = ec; });
    t.cancel();
    io.run();
    EXPECT_EQ(got, asio::error::operation_aborted);
}

// Attempts one after another, each completing once; a cancel after a connect completed leaves
// the connection it handed out alone.
TEST_F(TcpTransport, SuccessiveAttemptsEachCompleteOnceAndALateCancelKeepsTheConnection) {
    serve([this](std::shared_ptr<tcp::socket> s) { held.push_back(std::move(s)); });
    redial::tcp_transport t{io.get_executor(), "127.0.0.1", port, 2s};
    std::vector<tcp::socket> connections;
    int completions = 0;
    std::function<void()> next = [&] {
        t.async_connect([&](std::error_code ec, tcp::socket s) {
            ++completions;
            EXPECT_FALSE(ec);
            connections.push_back(std::move(s));
            t.cancel(); // nothing in progress: a no-op
            if (connections.size() < 5) {
                next();
            } else {
                acceptor.close();
            }
        });
    };
    next();
    io.run();
    EXPECT_EQ(completions, 5);
    ASSERT_EQ(connections.size(), 5U);
    for (const tcp::socket& s : connections) {
        EXPECT_TRUE(s.is_open());
    }
}

// A connect nobody answers, deterministically: a listener with backlog 0 holds one queued
// connection (the filler, connected first), and Linux drops every further SYN while its accept
// queue is full, so the attempt stays pending (the client retransmits only seconds later, in
// real time). The connect timeout runs on the Clock: under virtual_clock it ends the attempt
// exactly when virtual time reaches the deadline.
struct TcpVirtualTime : ::testing::Test {
    asio::io_context io;
    redial::virtual_clock clock{io};
    tcp::acceptor full{io};
    tcp::socket filler{io};
    std::string port;
    void SetUp() override {
        full.open(tcp::v4());
        full.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
        full.listen(0);
        filler.connect(full.local_endpoint()); // blocking: done once it is in the queue
        port = std::to_string(full.local_endpoint().port());
    }
    // Whether the attempt ended after `d` more virtual time, and with what.
    std::optional<std::error_code> got;
    auto record() {
        return [this](std::error_code ec, tcp::socket s) {
            got = ec;
            EXPECT_FALSE(s.is_open());
        };
    }
};

TEST_F(TcpVirtualTime, TheConnectTimeoutFiresExactlyAtTheDeadline) {
    redial::basic_tcp_transport<redial::virtual_clock> t{io.get_executor(), "127.0.0.1", port, 3s,
                                                         clock};
    t.async_connect(record());
    clock.advance(3s - 1ns);
    EXPECT_FALSE(got) << got->message();
    EXPECT_EQ(clock.pending(), 1U); // the deadline, on the virtual clock
    clock.advance(1ns);
    EXPECT_EQ(got, asio::error::timed_out);
    EXPECT_EQ(clock.pending(), 0U);
}

// Through the resolver: the timeout covers resolve plus connect, and ends both (a resolve that
// is still running when it fires is cancelled; the attempt completes once).
TEST_F(TcpVirtualTime, TheTimeoutCoversTheResolveAndTheConnect) {
    redial::basic_tcp_transport<redial::virtual_clock> t{io.get_executor(), "localhost", port, 3s,
                                                         clock};
    int calls = 0;
    t.async_connect([&](std::error_code ec, tcp::socket) {
        ++calls;
        got = ec;
    });
    clock.advance(3s - 1ns);
    EXPECT_FALSE(got) << got->message();
    clock.advance(1ns);
    EXPECT_EQ(got, asio::error::timed_out);
    EXPECT_EQ(calls, 1);
    io.run(); // a cancelled resolve's completion, if it was still out, finds the attempt done
    EXPECT_EQ(calls, 1);
}

// TCP_USER_TIMEOUT is set before the connect, so it bounds the handshake too: the SYN nobody
// answers fails with ETIMEDOUT at the kernel's first retransmission (1 s of real time), while
// the transport's own timeout (an hour of virtual time, which does not move) is still far off.
TEST_F(TcpVirtualTime, TheUserTimeoutBoundsTheConnectToo) {
    redial::basic_tcp_transport<redial::virtual_clock> t{
        io.get_executor(), "127.0.0.1", port,
        redial::tcp_options{.connect_timeout = 1h, .socket = {.user_timeout = 100ms}}, clock};
    // Only for a kernel that applies the option to established connections alone (tcp(7) says
    // so; Linux applies it to the handshake too): without this the test would wait 2 minutes.
    asio::steady_timer guard{io, 30s};
    bool guard_fired = false;
    guard.async_wait([&](std::error_code ec) {
        if (!ec) {
            guard_fired = true;
            t.cancel();
        }
    });
    t.async_connect([&](std::error_code ec, tcp::socket s) {
        got = ec;
        EXPECT_FALSE(s.is_open());
        guard.cancel();
    });
    io.run();
    if (guard_fired) {
        GTEST_SKIP() << "this kernel does not apply TCP_USER_TIMEOUT to a connect";
    }
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, asio::error::timed_out) << got->message();
    EXPECT_EQ(clock.now(), redial::time_point{}); // the kernel's timeout, not the transport's
}

// cancel() during the hanging connect ends it at once, with no time passing.
TEST_F(TcpVirtualTime, CancelEndsAHangingConnectWithoutTimePassing) {
    redial::basic_tcp_transport<redial::virtual_clock> t{io.get_executor(), "127.0.0.1", port, 3s,
                                                         clock};
    t.async_connect(record());
    clock.advance(1s);
    t.cancel();
    clock.advance(0s);
    EXPECT_EQ(got, asio::error::operation_aborted);
    EXPECT_EQ(clock.now(), redial::time_point{} + 1s);
    EXPECT_EQ(clock.pending(), 0U);
}

} // namespace
