#include <redial/config/validate.hpp>

#include <redial/config/read.hpp>

#include "support/config_error.hpp"
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

// Checks across keys, for options from any source.
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

using redial::test::expect_error;

TEST(validate, options_set_in_code) {
    auto expect_invalid = [](redial::options o, std::string_view key, std::string_view value,
                             std::string_view message) {
        try {
            redial::validate(o);
            FAIL() << key;
        } catch (const redial::config_error& e) {
            expect_error(e, key, value, message);
        }
    };
    redial::options o;
    o.timeout = -1s;
    expect_invalid(o, "backoff-timeout", "-1s", "must not be negative");
    o = {};
    o.initial = -5ms;
    expect_invalid(o, "backoff-initial", "-5ms", "must be greater than zero");
    o = {};
    o.multiplier = std::nan("");
    expect_invalid(o, "backoff-multiplier", "nan", "must be at least 1");
    o = {};
    o.multiplier = std::numeric_limits<double>::infinity();
    expect_invalid(o, "backoff-multiplier", "inf", "must be at least 1");
    o = {};
    o.jitter_fraction = std::nan("");
    expect_invalid(o, "jitter-fraction", "nan", "must be between 0 and 1");
    o = {};
    o.stable_after = 0s;
    expect_invalid(o, "stable-after", "0s", "must be greater than zero");
    o = {};
    o.connect_timeout = -1s;
    expect_invalid(o, "connect-timeout", "-1s", "must be greater than zero");
}

TEST(validate, BadEnumsSetInCodeAreRefused) {
    redial::options o;
    o.jitter = static_cast<redial::jitter_kind>(42);
    try {
        redial::validate(o);
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "jitter");
        EXPECT_EQ(e.value(), "42");
    }
    o = {};
    o.stability = "9";
    EXPECT_THROW(redial::validate(o), redial::config_error);
}
TEST(validate, backoff_names_come_from_the_registry) {
    redial::options o;
    for (const redial::backoff_info& b : redial::backoff_policies()) {
        o.backoff = std::string(b.name);
        EXPECT_NO_THROW(redial::validate(o)) << b.name;
    }
    o.backoff = "fibonacci";
    try {
        redial::validate(o);
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "backoff", "fibonacci",
                     "unknown value; expected one of: exponential|decorrelated|constant|linear");
    }
}

// Jitter is exponential's key: given to a policy that does not read it, it is refused rather
// than ignored. jitter=decorrelated is the older spelling of backoff=decorrelated.
TEST(validate, jitter_only_where_the_backoff_reads_it) {
    redial::options o;
    o.backoff = "linear";
    o.jitter = redial::jitter_kind::full;
    try {
        redial::validate(o);
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "jitter", "full",
                     "does not apply to backoff=linear (it reads: backoff-initial, backoff-step, "
                     "backoff-max)");
    }
    o.backoff = "decorrelated";
    o.jitter = redial::jitter_kind::grpc;
    EXPECT_THROW(redial::validate(o), redial::config_error);
    o.jitter = redial::jitter_kind::decorrelated;
    EXPECT_NO_THROW(redial::validate(o));
    o.backoff = "constant";
    try {
        redial::validate(o);
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "jitter", "decorrelated",
                     "means backoff=decorrelated, which backoff (constant) contradicts");
    }
}

// A liveness time given to a liveness that does not read it is refused, as backoff-step given to
// a backoff that does not read it is, naming the key and the kind.
TEST(validate, liveness_times_only_where_the_liveness_reads_them) {
    using redial::liveness_kind;
    const auto refused = [](const redial::options& o) -> std::string {
        try {
            redial::validate(o);
        } catch (const redial::config_error& e) {
            return e.what();
        }
        return "accepted";
    };
    redial::options o;
    o.idle_timeout = 3s; // implies idle
    EXPECT_EQ(refused(o), "accepted");
    o.liveness = liveness_kind::idle;
    EXPECT_EQ(refused(o), "accepted");
    o.liveness = liveness_kind::heartbeat;
    EXPECT_EQ(refused(o),
              "invalid idle-timeout \"3s\": does not apply to liveness=heartbeat (it reads: "
              "ping-interval, ping-timeout)");
    o.liveness = liveness_kind::none;
    EXPECT_EQ(refused(o),
              "invalid idle-timeout \"3s\": does not apply to liveness=none (no times)");
    o = {};
    o.ping_timeout = 2s; // implies heartbeat
    EXPECT_EQ(refused(o), "accepted");
    o.ping_interval = 5s;
    o.liveness = liveness_kind::heartbeat;
    EXPECT_EQ(refused(o), "accepted");
    o.liveness = liveness_kind::idle;
    EXPECT_EQ(refused(o), "invalid ping-interval \"5s\": does not apply to liveness=idle (it "
                          "reads: idle-timeout)");
    o.ping_interval.reset();
    EXPECT_EQ(refused(o), "invalid ping-timeout \"2s\": does not apply to liveness=idle (it "
                          "reads: idle-timeout)");
    o.liveness = liveness_kind::none;
    EXPECT_EQ(refused(o),
              "invalid ping-timeout \"2s\": does not apply to liveness=none (no times)");
    // Both kinds' times and no liveness to say which: refused, naming both.
    o = {};
    o.idle_timeout = 20s;
    o.ping_interval = 10s;
    EXPECT_EQ(refused(o),
              "invalid idle-timeout \"20s\": cannot be combined with ping-interval (10s): the "
              "first is for liveness=idle, the second for liveness=heartbeat; give the times of "
              "one");
    o.liveness = liveness_kind::idle;
    EXPECT_EQ(refused(o).find("invalid ping-interval \"10s\": does not apply to liveness=idle"),
              0U);
    // Each kind alone, named, with no times: its defaults.
    for (liveness_kind k : {liveness_kind::none, liveness_kind::idle, liveness_kind::heartbeat}) {
        o = {};
        o.liveness = k;
        EXPECT_EQ(refused(o), "accepted");
    }
}

TEST(validate, liveness_times_set_in_code) {
    auto expect_invalid = [](const redial::options& o, std::string_view key, std::string_view value,
                             std::string_view message) {
        try {
            redial::validate(o);
            FAIL() << key;
        } catch (const redial::config_error& e) {
            expect_error(e, key, value, message);
        }
    };
    redial::options o;
    o.idle_timeout = 0s;
    expect_invalid(o, "idle-timeout", "0s", "must be greater than zero");
    o = {};
    o.ping_interval = -1ns;
    expect_invalid(o, "ping-interval", "-1ns", "must be greater than zero");
    o = {};
    o.ping_timeout = nanoseconds::min();
    expect_invalid(o, "ping-timeout", "-2562047h47m16.854775808s", "must be greater than zero");
    o = {};
    o.liveness = static_cast<redial::liveness_kind>(3);
    expect_invalid(o, "liveness", "3", "not a known value (there are 3)");
    // The largest times are accepted: validation does no arithmetic on them (the policies
    // saturate theirs), so nothing overflows.
    o = {};
    o.idle_timeout = nanoseconds::max();
    EXPECT_NO_THROW(redial::validate(o));
    o = {};
    o.ping_interval = nanoseconds::max();
    o.ping_timeout = nanoseconds::max();
    EXPECT_NO_THROW(redial::validate(o));
}

// tcp-keepalive and tcp-user-timeout within what Linux takes, as validate_socket_options
// checks for the transports.
TEST(validate, socket_options_set_in_code) {
    auto expect_invalid = [](const redial::options& o, std::string_view key, std::string_view value,
                             std::string_view message) {
        try {
            redial::validate(o);
            FAIL() << key;
        } catch (const redial::config_error& e) {
            expect_error(e, key, value, message);
        }
    };
    redial::options o;
    o.tcp_keepalive = redial::tcp_keepalive{0s, 10s, 5};
    expect_invalid(o, "tcp-keepalive", "0s/10s/5", "IDLE must be 1s to 9h6m7s");
    o.tcp_keepalive = redial::tcp_keepalive{60s, 32768s, 5};
    expect_invalid(o, "tcp-keepalive", "1m/9h6m8s/5", "INTERVAL must be 1s to 9h6m7s");
    o.tcp_keepalive = redial::tcp_keepalive{60s, 10s, 128};
    expect_invalid(o, "tcp-keepalive", "1m/10s/128", "COUNT must be 1 to 127");
    o.tcp_keepalive = redial::tcp_keepalive{32767s, 32767s, 127};
    EXPECT_NO_THROW(redial::validate(o));
    o = {};
    o.tcp_user_timeout = -1ms;
    expect_invalid(o, "tcp-user-timeout", "-1ms", "must not be negative");
    o.tcp_user_timeout = std::chrono::milliseconds{2147483648};
    expect_invalid(o, "tcp-user-timeout", "596h31m23.648s", "must not exceed 596h31m23.647s");
    o.tcp_user_timeout = std::chrono::milliseconds::max(); // beyond nanoseconds: no overflow
    expect_invalid(o, "tcp-user-timeout", "9223372036854775807ms", "must not exceed");
}

TEST(validate, backoff_step_set_in_code) {
    redial::options o;
    o.backoff = "linear";
    o.step = -1ns;
    try {
        redial::validate(o);
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "backoff-step", "-1ns", "must not be negative");
    }
    o.step = 0s; // linear with no growth: allowed, as linear_backoff allows it
    EXPECT_NO_THROW(redial::validate(o));
    o.backoff = "exponential"; // a policy that does not read it: refused, not ignored
    try {
        redial::validate(o);
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "backoff-step", "0s", "does not apply to backoff=exponential");
    }
}

} // namespace
