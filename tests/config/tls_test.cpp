#include <redial/config/tls.hpp>

#include <redial/config/read.hpp>

#include "support/config_error.hpp"
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <system_error>

// Configuration into the TLS transport.
namespace {

using namespace std::chrono_literals;
using redial::test::expect_error;

TEST(make_tls_options, follows_the_keys_and_keeps_the_rest_of_the_base) {
    const redial::tls_options base{
        .ca_file = "/etc/ssl/ca.pem",
        .verify = false,
        .sni = "db.example",
        .connect_timeout = 6s,
        .prepare = [](asio::ip::tcp::socket&, const asio::ip::tcp::endpoint&) {
            return std::make_error_code(std::errc::permission_denied);
        }};
    const redial::tls_options t = redial::make_tls_options(
        redial::options_from_string("connect-timeout=3s,tcp-keepalive=on,tcp-user-timeout=2s"),
        base);
    EXPECT_EQ(t.connect_timeout, 3s);
    EXPECT_EQ(t.socket, (redial::socket_options{redial::tcp_keepalive{}, 2s}));
    EXPECT_EQ(t.ca_file, std::optional<std::string>("/etc/ssl/ca.pem"));
    EXPECT_FALSE(t.verify);
    EXPECT_EQ(t.sni, std::optional<std::string>("db.example"));
    ASSERT_TRUE(t.prepare);
    asio::io_context io;
    asio::ip::tcp::socket s{io};
    EXPECT_EQ(t.prepare(s, {}), std::errc::permission_denied);

    // Unset: the base's timeout, and without a base the transport's 10 s.
    EXPECT_EQ(redial::make_tls_options(redial::options{}, base).connect_timeout, 6s);
    const redial::tls_options plain = redial::make_tls_options(redial::options{});
    EXPECT_EQ(plain.connect_timeout, 10s);
    EXPECT_EQ(plain.socket, redial::socket_options{});
    EXPECT_TRUE(plain.verify);
    EXPECT_FALSE(plain.ca_file);
}

TEST(make_tls_options, refuses_bad_options_naming_the_key) {
    redial::options o;
    o.tcp_user_timeout = -1ms;
    try {
        (void)redial::make_tls_options(o);
        FAIL() << "accepted";
    } catch (const redial::config_error& e) {
        expect_error(e, "tcp-user-timeout", "-1ms", "must not be negative");
    }
}

// A transport made from them reports what the options said.
TEST(make_tls_options, reaches_the_transport) {
    asio::io_context io;
    const redial::tls_transport t{
        io.get_executor(), "localhost", "443",
        redial::make_tls_options(redial::options_from_string("connect-timeout=1s"),
                                 {.verify = false})};
    EXPECT_EQ(t.connect_timeout(), 1s);
}

} // namespace
