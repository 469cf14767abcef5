#include <redial/transport/socket_options.hpp>

#include "support/config_error.hpp"
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <string>
#include <string_view>

// The socket options as data: defaults, their text, and the limits Linux puts on them. That the
// transports set them is tcp_test's and tls_test's (read back from a connected socket).
namespace {

using namespace std::chrono_literals;

using redial::test::expect_error;

TEST(SocketOptions, DefaultsSetNothing) {
    const redial::socket_options s;
    EXPECT_FALSE(s.keepalive);
    EXPECT_EQ(s.user_timeout, 0ms);
    EXPECT_NO_THROW(redial::validate_socket_options(s));
}

TEST(SocketOptions, KeepaliveDefaultsNoticeAnIdleDeadPeerInUnderTwoMinutes) {
    const redial::tcp_keepalive k;
    EXPECT_EQ(k.idle, 60s);
    EXPECT_EQ(k.interval, 10s);
    EXPECT_EQ(k.count, 5U);
    EXPECT_EQ(k.idle + k.interval * k.count, 110s);
    EXPECT_NO_THROW(redial::validate_socket_options({.keepalive = k}));
}

TEST(SocketOptions, KeepaliveAsText) {
    EXPECT_EQ(redial::format_tcp_keepalive({}), "1m/10s/5");
    EXPECT_EQ(redial::format_tcp_keepalive({7200s, 75s, 9}), "2h/1m15s/9");
    EXPECT_EQ(redial::format_tcp_keepalive({-1s, 0s, 0}), "-1s/0s/0");
    // Beyond what nanoseconds hold: a count of seconds, not an overflow.
    EXPECT_EQ(redial::format_tcp_keepalive({std::chrono::seconds::max(), 1s, 1}),
              std::to_string(std::numeric_limits<std::int64_t>::max()) + "s/1s/1");
}

// The limits are the kernel's: 1 to 32767 s for each timer, 1 to 127 probes, a user timeout
// from 0 to INT_MAX ms. Each boundary is accepted, one step past it refused.
TEST(SocketOptions, TheKernelsLimitsAreAcceptedAndOneStepPastThemRefused) {
    const auto ok = [](redial::socket_options s) {
        EXPECT_NO_THROW(redial::validate_socket_options(s));
    };
    ok({.keepalive = redial::tcp_keepalive{1s, 1s, 1}});
    ok({.keepalive = redial::tcp_keepalive{32767s, 32767s, 127}});
    ok({.user_timeout = 1ms});
    ok({.user_timeout = std::chrono::milliseconds{2147483647}});

    const auto refused = [](redial::socket_options s) -> std::string {
        try {
            redial::validate_socket_options(s);
        } catch (const redial::config_error& e) {
            return e.what();
        }
        return "accepted";
    };
    EXPECT_EQ(refused({.keepalive = redial::tcp_keepalive{0s, 10s, 5}}),
              "invalid tcp-keepalive \"0s/10s/5\": IDLE must be 1s to 9h6m7s (TCP_KEEPIDLE takes "
              "1 to 32767 seconds)");
    EXPECT_EQ(refused({.keepalive = redial::tcp_keepalive{32768s, 10s, 5}}),
              "invalid tcp-keepalive \"9h6m8s/10s/5\": IDLE must be 1s to 9h6m7s (TCP_KEEPIDLE "
              "takes 1 to 32767 seconds)");
    EXPECT_EQ(refused({.keepalive = redial::tcp_keepalive{60s, -1s, 5}}),
              "invalid tcp-keepalive \"1m/-1s/5\": INTERVAL must be 1s to 9h6m7s (TCP_KEEPINTVL "
              "takes 1 to 32767 seconds)");
    EXPECT_NE(refused({.keepalive = redial::tcp_keepalive{60s, 32768s, 5}}).find("INTERVAL must"),
              std::string::npos);
    EXPECT_EQ(refused({.keepalive = redial::tcp_keepalive{60s, 10s, 0}}),
              "invalid tcp-keepalive \"1m/10s/0\": COUNT must be 1 to 127 (TCP_KEEPCNT's limits)");
    EXPECT_EQ(refused({.keepalive = redial::tcp_keepalive{60s, 10s, 128}}),
              "invalid tcp-keepalive \"1m/10s/128\": COUNT must be 1 to 127 (TCP_KEEPCNT's "
              "limits)");
    EXPECT_EQ(refused({.user_timeout = -1ms}),
              "invalid tcp-user-timeout \"-1ms\": must not be negative (0 means the kernel's "
              "default)");
    EXPECT_EQ(refused({.user_timeout = std::chrono::milliseconds{2147483648}}),
              "invalid tcp-user-timeout \"596h31m23.648s\": must not exceed 596h31m23.647s "
              "(TCP_USER_TIMEOUT takes up to 2147483647 ms)");
    // Values nanoseconds cannot hold are refused, not overflowed on the way to the message.
    try {
        redial::validate_socket_options({.user_timeout = std::chrono::milliseconds::min()});
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "tcp-user-timeout", "-9223372036854775808ms", "must not be negative");
    }
    try {
        redial::validate_socket_options(
            {.keepalive = redial::tcp_keepalive{std::chrono::seconds::max(), 1s, 1}});
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "tcp-keepalive", "9223372036854775807s/1s/1", "IDLE must be 1s to");
    }
}

} // namespace
