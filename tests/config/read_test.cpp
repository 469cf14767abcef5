#include <redial/config/read.hpp>

#include <redial/config/keys.hpp>

#include "support/config_error.hpp"
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

// Options from strings, pairs and the environment; every error names the key as written.
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

using redial::test::expect_error;

// --- front ends -----------------------------------------------------------------------------

TEST(options_from_string, parses_comma_separated_pairs) {
    const redial::options o = redial::options_from_string("backoff-initial=250ms,backoff-max=10s");
    EXPECT_EQ(o.initial, 250ms);
    EXPECT_EQ(o.max, 10s);
    EXPECT_EQ(o.multiplier, 2.0);
    EXPECT_EQ(o.timeout, 5min);
}

TEST(options_from_string, ignores_white_space_around_keys_and_values) {
    const redial::options o =
        redial::options_from_string(" backoff-initial = 250ms , jitter=full ,seed= 9 ");
    EXPECT_EQ(o.initial, 250ms);
    EXPECT_EQ(o.jitter, redial::jitter_kind::full);
    EXPECT_EQ(o.seed, 9u);
}

TEST(options_from_string, empty_gives_the_defaults) {
    EXPECT_EQ(redial::options_from_string(""), redial::options{});
    EXPECT_EQ(redial::options_from_string("  "), redial::options{});
}

TEST(options_from_string, chooses_any_registered_backoff) {
    const redial::options o = redial::options_from_string("backoff=linear,backoff-step=2s");
    EXPECT_EQ(o.backoff, "linear");
    EXPECT_EQ(o.step, nanoseconds{2s});
    EXPECT_EQ(redial::options_from_string("backoff=constant").backoff, "constant");
    // The older spelling keeps working, and agrees with the new one.
    EXPECT_NO_THROW((void)redial::options_from_string("jitter=decorrelated"));
    EXPECT_NO_THROW((void)redial::options_from_string("backoff=decorrelated,jitter=decorrelated"));
}

// The liveness and socket keys through a string (slashes inside tcp-keepalive, commas between
// entries) and through the environment, with exact values.
TEST(options_from_string, liveness_and_socket_keys) {
    const redial::options o = redial::options_from_string(
        "liveness=heartbeat,ping-interval=2s,ping-timeout=4s,tcp-keepalive=30s/5s/3,"
        "tcp-user-timeout=45s");
    EXPECT_EQ(o.liveness, redial::liveness_kind::heartbeat);
    EXPECT_EQ(o.ping_interval, nanoseconds{2s});
    EXPECT_EQ(o.ping_timeout, nanoseconds{4s});
    EXPECT_FALSE(o.idle_timeout);
    EXPECT_EQ(o.tcp_keepalive, (redial::tcp_keepalive{30s, 5s, 3}));
    EXPECT_EQ(o.tcp_user_timeout, 45s);
    EXPECT_EQ(redial::options_from_string(redial::to_string(o)), o);
    EXPECT_EQ(redial::to_string(o).substr(redial::to_string(o).find("liveness=")),
              "liveness=heartbeat,ping-interval=2s,ping-timeout=4s,tcp-keepalive=30s/5s/3,"
              "tcp-user-timeout=45s,queue-messages=10000,queue-bytes=8MiB,queue-overflow=reject,"
              "queue-cut=resend");

    const redial::options idle = redial::options_from_string("idle-timeout=3s");
    EXPECT_FALSE(idle.liveness); // implied, and left unset: to_string does not add it
    EXPECT_EQ(redial::detail::chosen_liveness(idle), redial::liveness_kind::idle);
    EXPECT_EQ(idle.idle_timeout, nanoseconds{3s});
    EXPECT_EQ(redial::options_from_string(redial::to_string(idle)), idle);
}

TEST(options_from_env, liveness_and_socket_keys) {
    const redial::options o = redial::options_from_env({
        "REDIAL_IDLE_TIMEOUT=1m",
        "REDIAL_TCP_KEEPALIVE=on",
        "REDIAL_TCP_USER_TIMEOUT=30s",
    });
    EXPECT_EQ(redial::detail::chosen_liveness(o), redial::liveness_kind::idle);
    EXPECT_EQ(o.idle_timeout, nanoseconds{1min});
    EXPECT_EQ(o.tcp_keepalive, redial::tcp_keepalive{});
    EXPECT_EQ(o.tcp_user_timeout, 30s);
    const redial::options pings = redial::options_from_env(
        {"REDIAL_LIVENESS=heartbeat", "REDIAL_PING_INTERVAL=5s", "REDIAL_PING_TIMEOUT=15s"});
    EXPECT_EQ(pings.liveness, redial::liveness_kind::heartbeat);
    EXPECT_EQ(pings.ping_interval, nanoseconds{5s});
    EXPECT_EQ(pings.ping_timeout, nanoseconds{15s});
}

TEST(options_from_string, later_values_win) {
    EXPECT_EQ(redial::options_from_string("backoff-max=10s,backoff-max=20s").max, 20s);
}

TEST(options_from_pairs, applies_the_preset_first_wherever_it_appears) {
    const redial::options o = redial::options_from_pairs(
        {{"backoff-max", "5s"}, {"preset", "moonpool-local"}, {"--max-attempts", "3"}});
    EXPECT_EQ(o.max, 5s);          // given before the preset, still wins over it
    EXPECT_EQ(o.initial, 10ms);    // from the preset
    EXPECT_EQ(o.max_attempts, 3u); // flag spelling
    EXPECT_EQ(o.connect_timeout, nanoseconds{500ms});
}

TEST(options_from_pairs, takes_a_span) {
    const std::vector<std::pair<std::string_view, std::string_view>> pairs{
        {"jitter", "decorrelated"}, {"seed", "1"}};
    const redial::options o = redial::options_from_pairs(pairs);
    EXPECT_EQ(o.jitter, redial::jitter_kind::decorrelated);
    EXPECT_EQ(o.seed, 1u);
}

TEST(options_from_env, preset_first_then_the_others) {
    const redial::options o = redial::options_from_env({
        "REDIAL_BACKOFF_MAX=2m", "PATH=/usr/bin", "REDIAL_PRESET=grpc",
        "REDIAL_BACKOFF_INITIAL=250ms",
        "REDIALX=1", // a different prefix
    });
    EXPECT_EQ(o.initial, 250ms);
    EXPECT_EQ(o.max, 2min);
    EXPECT_EQ(o.multiplier, 1.6);
    EXPECT_EQ(o.jitter, redial::jitter_kind::grpc);
    EXPECT_EQ(o.timeout, 0s);
}

TEST(options_from_env, custom_prefix) {
    const redial::options o =
        redial::options_from_env({"MOQ_BACKOFF_TIMEOUT=1m", "REDIAL_BACKOF=ignored here"}, "MOQ_");
    EXPECT_EQ(o.timeout, 1min);
}

TEST(options_from_env, no_variables_gives_the_defaults) {
    EXPECT_EQ(redial::options_from_env({"HOME=/root"}), redial::options{});
}

TEST(options_from_env, reads_the_process_environment) {
    ASSERT_EQ(::setenv("REDIALCFGTEST_BACKOFF_INITIAL", "20ms", 1), 0);
    ASSERT_EQ(::setenv("REDIALCFGTEST_JITTER", "equal", 1), 0);
    const redial::options o = redial::options_from_env("REDIALCFGTEST_");
    EXPECT_EQ(o.initial, 20ms);
    EXPECT_EQ(o.jitter, redial::jitter_kind::equal);
    ASSERT_EQ(::setenv("REDIALCFGTEST_JITER", "full", 1), 0);
    try {
        (void)redial::options_from_env("REDIALCFGTEST_");
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "REDIALCFGTEST_JITER");
        EXPECT_EQ(e.value(), "full");
    }
    ::unsetenv("REDIALCFGTEST_BACKOFF_INITIAL");
    ::unsetenv("REDIALCFGTEST_JITTER");
    ::unsetenv("REDIALCFGTEST_JITER");
}

// Another key's value quoted inside a message is escaped like the message's own: a line break
// kept around an environment value cannot split the error over two lines.
TEST(options_from_env, another_keys_value_in_a_message_is_escaped) {
    try {
        (void)redial::options_from_env({"REDIAL_BACKOFF_INITIAL=1m", "REDIAL_BACKOFF_MAX=2s\n"});
        FAIL();
    } catch (const redial::config_error& e) {
        redial::test::expect_error(e, "REDIAL_BACKOFF_INITIAL", "1m",
                                   "must not exceed REDIAL_BACKOFF_MAX (2s\\n)");
        EXPECT_EQ(std::string_view(e.what()).find('\n'), std::string_view::npos) << e.what();
    }
}

// --- bad input: every error names the key as written and the value as given -----------------

struct bad_input {
    std::string_view text; // for options_from_string
    std::string_view key;
    std::string_view value;
    std::string_view message; // a fragment of what()
};

void PrintTo(const bad_input& b, std::ostream* os) {
    *os << '"' << b.text << '"';
}

class options_from_string_rejects : public testing::TestWithParam<bad_input> {};

TEST_P(options_from_string_rejects, naming_key_and_value) {
    const bad_input& bad = GetParam();
    try {
        (void)redial::options_from_string(bad.text);
        FAIL() << "accepted \"" << bad.text << "\"";
    } catch (const redial::config_error& e) {
        expect_error(e, bad.key, bad.value, bad.message);
    }
}

INSTANTIATE_TEST_SUITE_P(
    config, options_from_string_rejects,
    testing::Values(
        bad_input{"backoff-initial=5x", "backoff-initial", "5x", "unknown unit \"x\""},
        bad_input{"stability=damping", "backoff-timeout", "5m",
                  "longer than the damping hold-down limit (1h = 4 x damping-half-life)"},
        bad_input{"stable-after=10m", "stable-after", "10m",
                  "must not exceed backoff-timeout (5m)"},
        bad_input{"backoff-timeout=500ms", "backoff-timeout", "500ms",
                  "must be 0 (never give up) or at least backoff-initial (1s)"},
        bad_input{"backoff-initial=-1s", "backoff-initial", "-1s", "negative"},
        bad_input{"backoff-max=300000000h", "backoff-max", "300000000h", "too large"},
        bad_input{"backoff-timeout=5", "backoff-timeout", "5", "missing unit"},
        bad_input{"backoff-max=", "backoff-max", "", "empty value"},
        bad_input{"backoff-multiplier=0.5", "backoff-multiplier", "0.5", "must be at least 1"},
        bad_input{"backoff-multiplier=0", "backoff-multiplier", "0", "must be at least 1"},
        bad_input{"backoff-multiplier=2x", "backoff-multiplier", "2x", "not a number"},
        bad_input{"backoff-multiplier=nan", "backoff-multiplier", "nan", "finite"},
        bad_input{"backoff-multiplier=inf", "backoff-multiplier", "inf", "finite"},
        bad_input{"backoff-multiplier=1e999", "backoff-multiplier", "1e999", "out of range"},
        bad_input{"backoff-multiplier=", "backoff-multiplier", "", "empty value"},
        bad_input{"backoff-initial=0", "backoff-initial", "0", "must be greater than zero"},
        bad_input{"backoff-max=0", "backoff-max", "0", "must be greater than zero"},
        bad_input{"backoff-initial=10s,backoff-max=5s", "backoff-initial", "10s",
                  "must not exceed backoff-max (5s)"},
        bad_input{"backoff-initial=1m", "backoff-initial", "1m",
                  "must not exceed backoff-max (30s)"},
        bad_input{"backof-max=5s", "backof-max", "5s", "unknown key (did you mean backoff-max?)"},
        bad_input{"colour=red", "colour", "red", "known keys: preset, backoff-initial"},
        bad_input{"preset=fast", "preset", "fast",
                  "unknown preset; known presets: default, moonpool, moonpool-local, "
                  "moonpool-wan, grpc"},
        bad_input{"preset=grpc,preset=moonpool", "preset", "moonpool",
                  "preset given twice (first as \"grpc\")"},
        bad_input{"jitter=ful", "jitter", "ful", "(did you mean full?)"},
        bad_input{"backoff=linaer", "backoff", "linaer",
                  "unknown value (did you mean linear?); expected one of: "
                  "exponential|decorrelated|constant|linear"}, // the built-ins come first
        bad_input{"backoff=", "backoff", "", "empty value; expected one of"},
        bad_input{"backoff=linear,backoff-step=-1s", "backoff-step", "-1s", "negative"},
        bad_input{"backoff-step=1s", "backoff-step", "1s",
                  "does not apply to backoff=exponential (it reads: backoff-initial"},
        bad_input{"backoff=constant,jitter=full", "jitter", "full",
                  "does not apply to backoff=constant (it reads: backoff-initial)"},
        bad_input{"backoff=linear,jitter=decorrelated", "jitter", "decorrelated",
                  "means backoff=decorrelated, which backoff (linear) contradicts"},
        bad_input{"jitter=", "jitter", "", "empty value"},
        bad_input{"jitter-cap=ceil", "jitter-cap", "ceil", "expected one of: fit|clamp|overshoot"},
        bad_input{"stability=flappy", "stability", "flappy",
                  "expected one of: uptime|always|damping|intensity"},
        bad_input{"clip-to-deadline=maybe", "clip-to-deadline", "maybe",
                  "expected one of: true|false|1|0|yes|no"},
        bad_input{"clip-to-deadline=True", "clip-to-deadline", "True", "expected one of"},
        bad_input{"max-attempts=-1", "max-attempts", "-1", "must not be negative"},
        bad_input{"max-attempts=18446744073709551616", "max-attempts", "18446744073709551616",
                  "too large (the limit is 18446744073709551615)"},
        bad_input{"max-attempts=2.5", "max-attempts", "2.5", "not a whole number"},
        bad_input{"seed=0x10", "seed", "0x10", "not a whole number"},
        bad_input{"seed=+1", "seed", "+1", "not a whole number"},
        bad_input{"stable-after=0", "stable-after", "0", "must be greater than zero"},
        bad_input{"intensity-drops=0", "intensity-drops", "0", "must be between 1 and 4096"},
        bad_input{"intensity-drops=5000", "intensity-drops", "5000", "between 1 and 4096"},
        bad_input{"intensity-window=0s", "intensity-window", "0s", "must be greater than zero"},
        bad_input{"damping-half-life=0", "damping-half-life", "0", "must be greater than zero"},
        bad_input{"damping-half-life=100000d", "damping-half-life", "100000d", "too large"},
        bad_input{"jitter-fraction=1.5", "jitter-fraction", "1.5", "must be between 0 and 1"},
        bad_input{"jitter-fraction=-0.1", "jitter-fraction", "-0.1", "must be between 0 and 1"},
        bad_input{"connect-timeout=0", "connect-timeout", "0", "must be greater than zero"},
        bad_input{"liveness=idel", "liveness", "idel",
                  "unknown value (did you mean idle?); expected one of: none|idle|heartbeat"},
        bad_input{"liveness=", "liveness", "", "empty value; expected one of: none|idle|heartbeat"},
        bad_input{"idle-timeout=0", "idle-timeout", "0", "must be greater than zero"},
        bad_input{"idle-timeout=20", "idle-timeout", "20", "missing unit"},
        bad_input{"ping-interval=0s", "ping-interval", "0s", "must be greater than zero"},
        bad_input{"ping-timeout=-1s", "ping-timeout", "-1s", "negative durations are not allowed"},
        bad_input{"liveness=heartbeat,idle-timeout=5s", "idle-timeout", "5s",
                  "does not apply to liveness=heartbeat (it reads: ping-interval, ping-timeout)"},
        bad_input{"liveness=none,idle-timeout=5s", "idle-timeout", "5s",
                  "does not apply to liveness=none (no times)"},
        bad_input{"liveness=idle,ping-interval=5s", "ping-interval", "5s",
                  "does not apply to liveness=idle (it reads: idle-timeout)"},
        bad_input{"liveness=none,ping-timeout=5s", "ping-timeout", "5s",
                  "does not apply to liveness=none"},
        bad_input{"idle-timeout=5s,ping-timeout=1s", "idle-timeout", "5s",
                  "cannot be combined with ping-timeout (1s): the first is for liveness=idle, the "
                  "second for liveness=heartbeat"},
        bad_input{"tcp-keepalive=60s/10s/0", "tcp-keepalive", "60s/10s/0",
                  "COUNT must be 1 to 127 (TCP_KEEPCNT's limits)"},
        bad_input{"tcp-keepalive=10h/10s/5", "tcp-keepalive", "10h/10s/5",
                  "IDLE must be 1s to 9h6m7s (TCP_KEEPIDLE takes 1 to 32767 seconds)"},
        bad_input{"tcp-keepalive=60s/0s/5", "tcp-keepalive", "60s/0s/5",
                  "INTERVAL must be 1s to 9h6m7s (TCP_KEEPINTVL takes 1 to 32767 seconds)"},
        bad_input{"tcp-keepalive=1.5s/1s/1", "tcp-keepalive", "1.5s/1s/1",
                  "IDLE \"1.5s\": must be whole seconds"},
        bad_input{"tcp-keepalive=on/off", "tcp-keepalive", "on/off", "not a keepalive setting"},
        bad_input{"tcp-keepalive=60s", "tcp-keepalive", "60s",
                  "expected off, on, or IDLE/INTERVAL/COUNT such as 60s/10s/5"},
        // Commas separate entries: "10s" becomes an entry of its own, and the error says why.
        bad_input{"tcp-keepalive=60s,10s,5", "entry", "10s",
                  "expected key=value, e.g. backoff-initial=250ms, separated by commas "
                  "(tcp-keepalive's parts are separated by slashes: 60s/10s/5)"},
        bad_input{"tcp-user-timeout=1.5ms", "tcp-user-timeout", "1.5ms",
                  "must be whole milliseconds"},
        bad_input{"tcp-user-timeout=25d", "tcp-user-timeout", "25d",
                  "must not exceed 596h31m23.647s (TCP_USER_TIMEOUT takes up to 2147483647 ms)"},
        bad_input{"backoff-max", "entry", "backoff-max", "expected key=value"},
        bad_input{"backoff-initial=1s,,backoff-max=2s", "entry", "", "expected key=value"},
        bad_input{"backoff-initial=1s,", "entry", "", "expected key=value"}));

struct bad_env {
    std::vector<std::string_view> variables;
    std::string_view key;
    std::string_view value;
    std::string_view message;
};

void PrintTo(const bad_env& b, std::ostream* os) {
    for (std::string_view v : b.variables) {
        *os << v << ' ';
    }
}

class options_from_env_rejects : public testing::TestWithParam<bad_env> {};

TEST_P(options_from_env_rejects, naming_the_variable) {
    const bad_env& bad = GetParam();
    try {
        (void)redial::options_from_env(bad.variables, "REDIAL_");
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, bad.key, bad.value, bad.message);
    }
}

INSTANTIATE_TEST_SUITE_P(
    config, options_from_env_rejects,
    testing::Values(
        bad_env{{"REDIAL_BACKOF_MAX=5s"},
                "REDIAL_BACKOF_MAX",
                "5s",
                "unknown variable (did you mean REDIAL_BACKOFF_MAX?); known: REDIAL_PRESET, "
                "REDIAL_BACKOFF_INITIAL"},
        bad_env{{"REDIAL_backoff_max=5s"}, "REDIAL_backoff_max", "5s", "unknown variable"},
        bad_env{{"REDIAL_=1"}, "REDIAL_", "1", "unknown variable"},
        bad_env{{"REDIAL_JITTER"}, "REDIAL_JITTER", "", "expected NAME=VALUE"},
        bad_env{{"REDIAL_BACKOFF_MAX=5"}, "REDIAL_BACKOFF_MAX", "5", "missing unit"},
        bad_env{{"REDIAL_BACKOFF_MULTIPLIER=0.5"},
                "REDIAL_BACKOFF_MULTIPLIER",
                "0.5",
                "must be at least 1"},
        // The preset's max (1s) is below the initial given: both named as variables.
        bad_env{{"REDIAL_PRESET=moonpool-local", "REDIAL_BACKOFF_INITIAL=5s"},
                "REDIAL_BACKOFF_INITIAL",
                "5s",
                "must not exceed REDIAL_BACKOFF_MAX (1s)"},
        // Only the max was set; the default initial is named as its variable would be.
        bad_env{{"REDIAL_BACKOFF_MAX=0.5s"},
                "REDIAL_BACKOFF_INITIAL",
                "1s",
                "must not exceed REDIAL_BACKOFF_MAX (0.5s)"},
        bad_env{{"REDIAL_PRESET=GRPC"}, "REDIAL_PRESET", "GRPC", "unknown preset"},
        bad_env{{"REDIAL_BACKOFF=Linear"}, "REDIAL_BACKOFF", "Linear", "unknown value"},
        bad_env{{"REDIAL_BACKOFF=constant", "REDIAL_JITTER=equal"},
                "REDIAL_JITTER",
                "equal",
                "does not apply to REDIAL_BACKOFF=constant"},
        bad_env{{"REDIAL_LIVENESS=idle", "REDIAL_PING_INTERVAL=5s"},
                "REDIAL_PING_INTERVAL",
                "5s",
                "does not apply to REDIAL_LIVENESS=idle (it reads: idle-timeout)"},
        bad_env{{"REDIAL_PING_TIMEOUT=5s", "REDIAL_IDLE_TIMEOUT=1m"},
                "REDIAL_IDLE_TIMEOUT",
                "1m",
                "cannot be combined with REDIAL_PING_TIMEOUT (5s)"},
        bad_env{{"REDIAL_IDLE_TIMEOUT=0"}, "REDIAL_IDLE_TIMEOUT", "0", "must be greater than zero"},
        bad_env{{"REDIAL_TCP_KEEPALIVE=60s/10s/200"},
                "REDIAL_TCP_KEEPALIVE",
                "60s/10s/200",
                "COUNT must be 1 to 127"},
        bad_env{{"REDIAL_TCP_USER_TIMEOUT=-1s"},
                "REDIAL_TCP_USER_TIMEOUT",
                "-1s",
                "negative durations are not allowed"}));

TEST(options_from_env, refuses_an_empty_prefix) {
    try {
        (void)redial::options_from_env({"A=1"}, "");
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "prefix", "", "must not be empty");
    }
}

TEST(options_from_pairs, errors_name_the_flag_as_written) {
    try {
        (void)redial::options_from_pairs({{"--backoff-initial", "0"}});
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "--backoff-initial", "0", "must be greater than zero");
    }
    try {
        (void)redial::options_from_pairs({{"--jiter", "full"}});
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "--jiter", "full", "unknown key (did you mean jitter?)");
    }
}
// Verbatim messages, as quoted in docs/configuration.md.
TEST(config_error, messages_users_see) {
    auto what = [](auto f) -> std::string {
        try {
            f();
        } catch (const redial::config_error& e) {
            return e.what();
        }
        return "no error";
    };
    EXPECT_EQ(what([] { (void)redial::options_from_env({"REDIAL_BACKOF_MAX=10s"}); }),
              "invalid REDIAL_BACKOF_MAX \"10s\": unknown variable (did you mean "
              "REDIAL_BACKOFF_MAX?); known: REDIAL_PRESET, REDIAL_BACKOFF_INITIAL, "
              "REDIAL_BACKOFF_MULTIPLIER, REDIAL_BACKOFF_MAX, REDIAL_BACKOFF_TIMEOUT, "
              "REDIAL_BACKOFF, REDIAL_BACKOFF_STEP, REDIAL_JITTER, REDIAL_JITTER_FRACTION, "
              "REDIAL_JITTER_CAP, REDIAL_STABILITY, "
              "REDIAL_STABLE_AFTER, REDIAL_INTENSITY_DROPS, REDIAL_INTENSITY_WINDOW, "
              "REDIAL_DAMPING_HALF_LIFE, REDIAL_CONNECT_TIMEOUT, REDIAL_MAX_ATTEMPTS, "
              "REDIAL_CLIP_TO_DEADLINE, REDIAL_SEED, REDIAL_LIVENESS, REDIAL_IDLE_TIMEOUT, "
              "REDIAL_PING_INTERVAL, REDIAL_PING_TIMEOUT, REDIAL_TCP_KEEPALIVE, "
              "REDIAL_TCP_USER_TIMEOUT, REDIAL_QUEUE_MESSAGES, REDIAL_QUEUE_BYTES, "
              "REDIAL_QUEUE_OVERFLOW, REDIAL_QUEUE_TTL, REDIAL_QUEUE_CUT");
    EXPECT_EQ(what([] { (void)redial::options_from_string("backoff-initial=10s,backoff-max=5s"); }),
              "invalid backoff-initial \"10s\": must not exceed backoff-max (5s)");
    EXPECT_EQ(what([] {
                  (void)redial::options_from_pairs({{"--backoff-timeout", "5"}});
              }),
              "invalid --backoff-timeout \"5\": missing unit (use d, h, m, s, ms, us or ns; only 0 "
              "may omit it)");
    EXPECT_EQ(what([] { (void)redial::options_from_string("backoff-multiplier=0.5"); }),
              "invalid backoff-multiplier \"0.5\": must be at least 1 (a shrinking delay would "
              "retry ever faster)");
    EXPECT_EQ(what([] { (void)redial::options_from_string("jitter=ful"); }),
              "invalid jitter \"ful\": unknown value (did you mean full?); expected one of: "
              "none|full|equal|decorrelated|grpc|proportional");
    EXPECT_EQ(what([] { (void)redial::preset("moonpol"); }),
              "invalid preset \"moonpol\": unknown preset (did you mean moonpool?); known "
              "presets: default, moonpool, moonpool-local, moonpool-wan, grpc");
    EXPECT_EQ(what([] { (void)redial::options_from_string("max-attempts=-1"); }),
              "invalid max-attempts \"-1\": must not be negative");
    EXPECT_EQ(what([] { (void)redial::options_from_string("liveness=heartbeat,idle-timeout=5s"); }),
              "invalid idle-timeout \"5s\": does not apply to liveness=heartbeat (it reads: "
              "ping-interval, ping-timeout)");
    EXPECT_EQ(what([] { (void)redial::options_from_string("tcp-keepalive=60s/10s/200"); }),
              "invalid tcp-keepalive \"60s/10s/200\": COUNT must be 1 to 127 (TCP_KEEPCNT's "
              "limits)");
}
} // namespace
