#include <redial/config/transport.hpp>

#include <redial/config/read.hpp>
#include <redial/transport/unix.hpp>

#include "support/config_error.hpp"
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <system_error>

// Configuration into the transports: the connect-timeout and TCP keys, and what code sets kept.
namespace {

using namespace std::chrono_literals;
using redial::test::expect_error;

TEST(make_tcp_options, follows_the_connect_timeout_and_tcp_keys) {
    const redial::tcp_options t = redial::make_tcp_options(redial::options_from_string(
        "connect-timeout=3s,tcp-keepalive=30s/5s/3,tcp-user-timeout=1500ms"));
    EXPECT_EQ(t.connect_timeout, 3s);
    EXPECT_EQ(t.socket, (redial::socket_options{redial::tcp_keepalive{30s, 5s, 3}, 1500ms}));
    EXPECT_FALSE(t.prepare);
}

TEST(make_tcp_options, unset_keys_give_the_transports_defaults) {
    const redial::tcp_options t = redial::make_tcp_options(redial::options{});
    EXPECT_EQ(t.connect_timeout, 10s);
    EXPECT_EQ(t.connect_timeout, redial::tcp_options{}.connect_timeout);
    EXPECT_EQ(t.socket, redial::socket_options{});
    EXPECT_EQ(redial::make_tcp_options(redial::preset("grpc")).connect_timeout, 20s);
}

// The base keeps what configuration has no key for (the hook) and gives the timeout when the
// key is unset; the keys decide the socket options.
TEST(make_tcp_options, keeps_the_base_where_the_options_say_nothing) {
    int calls = 0;
    redial::tcp_options base{
        .connect_timeout = 4s,
        .socket = {.user_timeout = 9s},
        .prepare = [&](asio::ip::tcp::socket&, const asio::ip::tcp::endpoint&) {
            ++calls;
            return std::error_code{};
        }};
    const redial::tcp_options unset = redial::make_tcp_options(redial::options{}, base);
    EXPECT_EQ(unset.connect_timeout, 4s);
    EXPECT_EQ(unset.socket, redial::socket_options{}); // the keys' defaults: nothing set
    ASSERT_TRUE(unset.prepare);
    asio::io_context io;
    asio::ip::tcp::socket s{io};
    EXPECT_EQ(unset.prepare(s, {}), std::error_code{});
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(redial::make_tcp_options(redial::options_from_string("connect-timeout=250ms"), base)
                  .connect_timeout,
              250ms);
}

// Options set in code are checked as every builder checks them, naming the key and value.
TEST(make_tcp_options, refuses_bad_options_naming_the_key) {
    redial::options o;
    o.connect_timeout = 0s;
    try {
        (void)redial::make_tcp_options(o);
        FAIL() << "accepted";
    } catch (const redial::config_error& e) {
        expect_error(e, "connect-timeout", "0s", "must be greater than zero");
    }
    o = {};
    o.tcp_keepalive = redial::tcp_keepalive{60s, 10s, 200};
    try {
        (void)redial::make_tcp_options(o);
        FAIL() << "accepted";
    } catch (const redial::config_error& e) {
        expect_error(e, "tcp-keepalive", "1m/10s/200", "COUNT must be 1 to 127");
    }
}

// The unix transport takes only the timeout.
TEST(make_connect_timeout, is_the_key_or_the_transports_default) {
    EXPECT_EQ(redial::make_connect_timeout(redial::options{}), 10s);
    EXPECT_EQ(redial::make_connect_timeout(redial::options_from_string("connect-timeout=1500ms")),
              1500ms);
    asio::io_context io;
    const redial::unix_transport t{
        io.get_executor(), "/tmp/unused.sock",
        redial::make_connect_timeout(redial::options_from_string("connect-timeout=2s"))};
    EXPECT_EQ(t.connect_timeout(), 2s);
    redial::options o;
    o.connect_timeout = -1s;
    try {
        (void)redial::make_connect_timeout(o);
        FAIL() << "accepted";
    } catch (const redial::config_error& e) {
        expect_error(e, "connect-timeout", "-1s", "must be greater than zero");
    }
}

// A transport made from them reports what the options said.
TEST(make_tcp_options, reaches_the_transport) {
    asio::io_context io;
    const redial::tcp_transport t{
        io.get_executor(), "127.0.0.1", "80",
        redial::make_tcp_options(redial::options_from_string("connect-timeout=750ms"))};
    EXPECT_EQ(t.connect_timeout(), 750ms);
}

} // namespace
