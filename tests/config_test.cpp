#include <redial/config.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

// --- defaults and presets -------------------------------------------------------------------

TEST(options, defaults_are_the_seeds) {
    const redial::options o;
    EXPECT_EQ(o.initial, 1s);
    EXPECT_EQ(o.multiplier, 2.0);
    EXPECT_EQ(o.max, 30s);
    EXPECT_EQ(o.timeout, 5min);
    EXPECT_EQ(o.jitter, redial::jitter_kind::none);
    EXPECT_EQ(o.jitter_fraction, 0.2);
    EXPECT_EQ(o.jitter_cap, redial::jitter_cap::fit);
    EXPECT_EQ(o.stability, redial::stability_kind::uptime);
    EXPECT_FALSE(o.stable_after);
    EXPECT_EQ(o.intensity_drops, 1u);
    EXPECT_EQ(o.intensity_window, 5s);
    EXPECT_EQ(o.damping_half_life, 15min);
    EXPECT_FALSE(o.connect_timeout);
    EXPECT_EQ(o.max_attempts, 0u);
    EXPECT_FALSE(o.clip_to_deadline);
    EXPECT_FALSE(o.seed);
    EXPECT_NO_THROW(redial::validate(o));
}

TEST(preset, names_are_listed_in_order) {
    const auto names = redial::preset_names();
    EXPECT_EQ(std::vector<std::string_view>(names.begin(), names.end()),
              (std::vector<std::string_view>{"default", "moonpool", "moonpool-local",
                                             "moonpool-wan", "grpc"}));
    for (std::string_view name : names) {
        EXPECT_NO_THROW(redial::validate(redial::preset(name))) << name;
    }
}

TEST(preset, default_is_the_seeds) {
    EXPECT_EQ(redial::preset("default"), redial::options{});
}

TEST(preset, moonpool) {
    redial::options want;
    want.initial = 100ms;
    want.multiplier = 2.0;
    want.max = 30s;
    want.timeout = 0s;
    want.connect_timeout = 5s;
    EXPECT_EQ(redial::preset("moonpool"), want);
}

TEST(preset, moonpool_local) {
    redial::options want;
    want.initial = 10ms;
    want.max = 1s;
    want.timeout = 0s;
    want.connect_timeout = 500ms;
    want.max_attempts = 10;
    EXPECT_EQ(redial::preset("moonpool-local"), want);
}

TEST(preset, moonpool_wan) {
    redial::options want;
    want.initial = 500ms;
    want.max = 60s;
    want.timeout = 0s;
    want.connect_timeout = 30s;
    EXPECT_EQ(redial::preset("moonpool-wan"), want);
}

TEST(preset, grpc) {
    const redial::options o = redial::preset("grpc");
    EXPECT_EQ(o.initial, 1s);
    EXPECT_EQ(o.multiplier, 1.6);
    EXPECT_EQ(o.max, 120s);
    EXPECT_EQ(o.timeout, 0s); // gRPC never gives up
    EXPECT_EQ(o.jitter, redial::jitter_kind::grpc);
    EXPECT_EQ(o.jitter_cap, redial::jitter_cap::overshoot);
    EXPECT_EQ(o.connect_timeout, nanoseconds{20s});
    EXPECT_EQ(o.max_attempts, 0u);
    EXPECT_EQ(o.stability, redial::stability_kind::uptime);
    EXPECT_FALSE(o.seed);
}

// --- the key table --------------------------------------------------------------------------

TEST(option_keys, are_the_documented_flags_in_order) {
    std::vector<std::string_view> names;
    for (const redial::option_key& k : redial::option_keys()) {
        names.push_back(k.name);
        EXPECT_FALSE(k.syntax.empty()) << k.name;
        EXPECT_FALSE(k.default_text.empty()) << k.name;
        EXPECT_FALSE(k.help.empty()) << k.name;
    }
    EXPECT_EQ(names, (std::vector<std::string_view>{
                         "preset", "backoff-initial", "backoff-multiplier", "backoff-max",
                         "backoff-timeout", "jitter", "jitter-fraction", "jitter-cap", "stability",
                         "stable-after", "intensity-drops", "intensity-window", "damping-half-life",
                         "connect-timeout", "max-attempts", "clip-to-deadline", "seed"}));
}

TEST(option_keys, environment_names) {
    EXPECT_EQ(redial::env_name("backoff-initial"), "REDIAL_BACKOFF_INITIAL");
    EXPECT_EQ(redial::env_name("backoff-multiplier"), "REDIAL_BACKOFF_MULTIPLIER");
    EXPECT_EQ(redial::env_name("backoff-max"), "REDIAL_BACKOFF_MAX");
    EXPECT_EQ(redial::env_name("backoff-timeout"), "REDIAL_BACKOFF_TIMEOUT");
    EXPECT_EQ(redial::env_name("jitter"), "REDIAL_JITTER");
    EXPECT_EQ(redial::env_name("stable-after"), "REDIAL_STABLE_AFTER");
    EXPECT_EQ(redial::env_name("damping-half-life", "MOQ_"), "MOQ_DAMPING_HALF_LIFE");
}

// Each key's documented default is what the default options hold.
TEST(option_keys, default_text_matches_the_defaults) {
    const redial::options o;
    for (const redial::option_key& k : redial::option_keys()) {
        if (auto v = k.get(o)) {
            EXPECT_EQ(*v, k.default_text) << k.name;
        }
    }
}

// --- one key at a time ----------------------------------------------------------------------

TEST(apply_option, sets_every_key) {
    redial::options o;
    redial::apply_option(o, "backoff-initial", "250ms");
    redial::apply_option(o, "backoff-multiplier", "1.5");
    redial::apply_option(o, "backoff-max", "10s");
    redial::apply_option(o, "backoff-timeout", "0");
    redial::apply_option(o, "jitter", "proportional");
    redial::apply_option(o, "jitter-fraction", "0.1");
    redial::apply_option(o, "jitter-cap", "clamp");
    redial::apply_option(o, "stability", "intensity");
    redial::apply_option(o, "stable-after", "2s");
    redial::apply_option(o, "intensity-drops", "3");
    redial::apply_option(o, "intensity-window", "1m");
    redial::apply_option(o, "damping-half-life", "5m");
    redial::apply_option(o, "connect-timeout", "3s");
    redial::apply_option(o, "max-attempts", "7");
    redial::apply_option(o, "clip-to-deadline", "yes");
    redial::apply_option(o, "seed", "18446744073709551615");
    EXPECT_EQ(o.initial, 250ms);
    EXPECT_EQ(o.multiplier, 1.5);
    EXPECT_EQ(o.max, 10s);
    EXPECT_EQ(o.timeout, 0s);
    EXPECT_EQ(o.jitter, redial::jitter_kind::proportional);
    EXPECT_EQ(o.jitter_fraction, 0.1);
    EXPECT_EQ(o.jitter_cap, redial::jitter_cap::clamp);
    EXPECT_EQ(o.stability, redial::stability_kind::intensity);
    EXPECT_EQ(o.stable_after, nanoseconds{2s});
    EXPECT_EQ(o.intensity_drops, 3u);
    EXPECT_EQ(o.intensity_window, 1min);
    EXPECT_EQ(o.damping_half_life, 5min);
    EXPECT_EQ(o.connect_timeout, nanoseconds{3s});
    EXPECT_EQ(o.max_attempts, 7u);
    EXPECT_TRUE(o.clip_to_deadline);
    EXPECT_EQ(o.seed, std::numeric_limits<std::uint64_t>::max());
}

TEST(apply_option, accepts_the_flag_spelling_and_names_it_in_errors) {
    redial::options o;
    redial::apply_option(o, "--backoff-max", "1m");
    EXPECT_EQ(o.max, 1min);
    try {
        redial::apply_option(o, "--backoff-max", "1minute");
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "--backoff-max");
        EXPECT_EQ(e.value(), "1minute");
    }
}

TEST(apply_option, every_bool_spelling) {
    redial::options o;
    for (std::string_view yes : {"true", "1", "yes", " yes "}) {
        o.clip_to_deadline = false;
        redial::apply_option(o, "clip-to-deadline", yes);
        EXPECT_TRUE(o.clip_to_deadline) << yes;
    }
    for (std::string_view no : {"false", "0", "no"}) {
        o.clip_to_deadline = true;
        redial::apply_option(o, "clip-to-deadline", no);
        EXPECT_FALSE(o.clip_to_deadline) << no;
    }
}

TEST(apply_option, preset_replaces_every_value) {
    redial::options o;
    o.seed = 5;
    o.jitter = redial::jitter_kind::full;
    redial::apply_option(o, "preset", "moonpool");
    EXPECT_EQ(o, redial::preset("moonpool"));
}

TEST(apply_option, does_not_check_across_keys) {
    redial::options o;
    redial::apply_option(o, "backoff-initial", "1m"); // above the 30s max, for now
    EXPECT_EQ(o.initial, 1min);
    EXPECT_THROW(redial::validate(o), redial::config_error);
    redial::apply_option(o, "backoff-max", "2m");
    EXPECT_NO_THROW(redial::validate(o));
}

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

void expect_error(const redial::config_error& e, std::string_view key, std::string_view value,
                  std::string_view message) {
    EXPECT_EQ(e.key(), key);
    EXPECT_EQ(e.value(), value);
    const std::string prefix = "invalid " + std::string(key) + " \"" + std::string(value) + "\": ";
    const std::string_view what = e.what();
    EXPECT_EQ(what.substr(0, prefix.size()), prefix);
    EXPECT_NE(what.find(message), std::string_view::npos) << what;
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
        bad_env{{"REDIAL_PRESET=GRPC"}, "REDIAL_PRESET", "GRPC", "unknown preset"}));

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
              "REDIAL_JITTER, REDIAL_JITTER_FRACTION, REDIAL_JITTER_CAP, REDIAL_STABILITY, "
              "REDIAL_STABLE_AFTER, REDIAL_INTENSITY_DROPS, REDIAL_INTENSITY_WINDOW, "
              "REDIAL_DAMPING_HALF_LIFE, REDIAL_CONNECT_TIMEOUT, REDIAL_MAX_ATTEMPTS, "
              "REDIAL_CLIP_TO_DEADLINE, REDIAL_SEED");
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
}

// --- round trips ----------------------------------------------------------------------------

TEST(to_pairs, round_trips_every_preset) {
    for (std::string_view name : redial::preset_names()) {
        const redial::options o = redial::preset(name);
        const auto pairs = redial::to_pairs(o);
        std::vector<std::pair<std::string_view, std::string_view>> views(pairs.begin(),
                                                                         pairs.end());
        EXPECT_EQ(redial::options_from_pairs(views), o) << name;
        EXPECT_EQ(redial::options_from_string(redial::to_string(o)), o) << name;
    }
}

TEST(to_string, lists_set_keys_only) {
    EXPECT_EQ(redial::to_string(redial::preset("moonpool")),
              "backoff-initial=100ms,backoff-multiplier=2,backoff-max=30s,backoff-timeout=0s,"
              "jitter=none,jitter-fraction=0.2,jitter-cap=fit,stability=uptime,intensity-drops=1,"
              "intensity-window=5s,damping-half-life=15m,connect-timeout=5s,max-attempts=0,"
              "clip-to-deadline=false");
}

TEST(to_string, round_trips_random_options) {
    std::mt19937_64 gen(7);
    auto duration = [&](std::int64_t lo, std::int64_t hi) {
        return nanoseconds{
            lo + static_cast<std::int64_t>(gen() % static_cast<std::uint64_t>(hi - lo + 1))};
    };
    for (int i = 0; i < 500; ++i) {
        redial::options o;
        o.initial = duration(1, 10'000'000'000);
        o.max = o.initial + duration(0, 100'000'000'000);
        o.multiplier = 1.0 + static_cast<double>(gen() % 1'000'000) / 997.0;
        // 0 (never) or at least the initial delay: validate() refuses anything shorter.
        o.timeout = gen() % 4 == 0 ? 0ns : o.initial + duration(0, 1'000'000'000'000);
        o.jitter = static_cast<redial::jitter_kind>(gen() % 6);
        o.jitter_fraction = static_cast<double>(gen() % 1001) / 1000.0;
        o.jitter_cap = static_cast<redial::jitter_cap>(gen() % 3);
        o.stability = static_cast<redial::stability_kind>(gen() % 4);
        if (gen() % 2 != 0) {
            o.stable_after = duration(1, 100'000'000'000);
        }
        o.intensity_drops = 1 + gen() % 4096;
        o.intensity_window = duration(1, 100'000'000'000);
        o.damping_half_life = duration(1, 10'000'000'000'000);
        if (gen() % 2 != 0) {
            o.connect_timeout = duration(1, 100'000'000'000);
        }
        // validate() refuses a give-up timeout that damping or stable-after would defeat.
        if (o.stability == redial::stability_kind::damping ||
            (o.stable_after && *o.stable_after > o.timeout)) {
            o.timeout = 0ns;
        }
        o.max_attempts = gen() % 3 == 0 ? gen() : 0;
        o.clip_to_deadline = gen() % 2 != 0;
        if (gen() % 2 != 0) {
            o.seed = gen();
        }
        ASSERT_NO_THROW(redial::validate(o));
        const std::string text = redial::to_string(o);
        ASSERT_EQ(redial::options_from_string(text), o) << text;
    }
}

TEST(describe, one_line_summaries) {
    EXPECT_EQ(redial::describe(redial::options{}),
              "backoff 1s x2 up to 30s, no jitter; stable after 1s; give up after 5m");
    EXPECT_EQ(redial::describe(redial::preset("grpc")),
              "backoff 1s x1.6 up to 2m, grpc jitter +-20% (overshoot); stable after 1s; never "
              "give up; connect timeout 20s");
    EXPECT_EQ(redial::describe(redial::preset("moonpool-local")),
              "backoff 10ms x2 up to 1s, no jitter; stable after 10ms; give up after 10 "
              "attempts; connect timeout 500ms");
    EXPECT_EQ(redial::describe(redial::options_from_string(
                  "jitter=proportional,jitter-fraction=0.07,stability=intensity,intensity-drops="
                  "3,max-attempts=4,clip-to-deadline=yes,seed=7")),
              "backoff 1s x2 up to 30s, jitter +-7% (fit); flap after more than 3 drops in 5s; "
              "give up after 5m or 4 attempts, clipped to the deadline; seed 7");
    EXPECT_EQ(redial::describe(redial::options_from_string(
                  "jitter=decorrelated,stability=damping,damping-half-life=1m")),
              "backoff decorrelated 1s..30s; flap damping, half-life 1m; give up after 5m");
    EXPECT_EQ(redial::describe(redial::options_from_string(
                  "jitter=equal,jitter-cap=clamp,stability=always,stable-after=3s")),
              "backoff 1s x2 up to 30s, equal jitter (clamp); always stable; give up after 5m");
}

// --- builders -------------------------------------------------------------------------------

std::vector<nanoseconds> take(redial::configured_backoff& b, std::size_t n) {
    std::vector<nanoseconds> v;
    for (std::size_t i = 0; i < n; ++i) {
        v.push_back(b.next());
    }
    return v;
}

TEST(make_backoff, default_preset_is_plain_exponential) {
    redial::configured_backoff b = redial::make_backoff(redial::preset("default"));
    EXPECT_EQ(b.policy().index(), 0u);
    EXPECT_TRUE(std::holds_alternative<redial::exponential_backoff>(b.policy()));
    EXPECT_EQ(take(b, 7), (std::vector<nanoseconds>{1s, 2s, 4s, 8s, 16s, 30s, 30s}));
    b.reset();
    EXPECT_EQ(b.next(), 1s);
    EXPECT_EQ(b.initial_delay(), 1s);
    EXPECT_EQ(b.max_delay(), 30s);
    b.seed(3); // no generator: no effect
    EXPECT_EQ(b.next(), 2s);
}

TEST(make_backoff, moonpool_local_delays) {
    redial::configured_backoff b = redial::make_backoff(redial::preset("moonpool-local"));
    EXPECT_EQ(take(b, 9),
              (std::vector<nanoseconds>{10ms, 20ms, 40ms, 80ms, 160ms, 320ms, 640ms, 1s, 1s}));
}

TEST(make_backoff, grpc_preset_stays_within_twenty_percent_and_may_overshoot_the_cap) {
    redial::options o = redial::preset("grpc");
    o.seed = 42;
    redial::configured_backoff b = redial::make_backoff(o);
    ASSERT_TRUE(std::holds_alternative<redial::jittered<redial::exponential_backoff>>(b.policy()));
    EXPECT_EQ(std::get<1>(b.policy()).range(), redial::grpc_jitter());
    EXPECT_EQ(b.initial_delay(), 1s);
    EXPECT_EQ(b.max_delay(), 144s); // 1.2 × 120s

    // The exact sequence: the same policy built by hand with the same seed.
    redial::jittered<redial::exponential_backoff> by_hand{
        redial::exponential_backoff{1s, 1.6, 120s}, redial::grpc_jitter(), 42};
    redial::exponential_backoff undecorated{1s, 1.6, 120s};
    bool overshot = false;
    for (int i = 0; i < 200; ++i) {
        const nanoseconds d = b.next();
        ASSERT_EQ(d, by_hand.next()) << i;
        const auto base = static_cast<double>(undecorated.next().count());
        EXPECT_GE(static_cast<double>(d.count()), 0.8 * base - 1) << i;
        EXPECT_LE(static_cast<double>(d.count()), 1.2 * base + 1) << i;
        overshot = overshot || d > 120s;
    }
    EXPECT_TRUE(overshot);
}

TEST(make_backoff, seeded_policies_repeat_and_reseed) {
    const redial::options o = redial::options_from_string("jitter=full,seed=11");
    redial::configured_backoff a = redial::make_backoff(o);
    redial::configured_backoff b = redial::make_backoff(o);
    const auto first = take(a, 20);
    EXPECT_EQ(first, take(b, 20));
    a.reset();
    a.seed(11);
    EXPECT_EQ(take(a, 20), first);
    a.reset();
    a.seed(12);
    EXPECT_NE(take(a, 20), first);
}

TEST(make_backoff, jitter_kinds_and_cap_modes) {
    auto build = [](std::string_view text) {
        return redial::make_backoff(redial::options_from_string(text));
    };
    using jittered = redial::jittered<redial::exponential_backoff>;
    {
        // Full and equal jitter use compile-time windows, computed in integers; they never
        // exceed the capped delay, so every cap mode gives the same policy.
        auto b = build("jitter=full,seed=1");
        using full = redial::full_jittered<redial::exponential_backoff>;
        ASSERT_TRUE(std::holds_alternative<full>(b.policy()));
        EXPECT_EQ(std::get<full>(b.policy()).range(), redial::full_jitter());
        full by_hand{redial::exponential_backoff{1s, 2.0, 30s}, {}, 1};
        for (nanoseconds d : take(b, 50)) {
            EXPECT_EQ(d, by_hand.next());
            EXPECT_LE(d, 30s);
        }
    }
    {
        auto b = build("jitter=equal,jitter-cap=clamp,seed=1");
        using equal = redial::equal_jittered<redial::exponential_backoff>;
        ASSERT_TRUE(std::holds_alternative<equal>(b.policy()));
        EXPECT_EQ(std::get<equal>(b.policy()).range(), redial::equal_jitter());
    }
    {
        auto b = build("jitter=proportional,jitter-fraction=0.25,jitter-cap=overshoot,seed=1");
        EXPECT_EQ(std::get<jittered>(b.policy()).range(),
                  (redial::jitter_range{0.75, 1.25, redial::jitter_cap::overshoot}));
        EXPECT_EQ(b.max_delay(), 37500ms);
    }
    {
        // grpc overshoots whatever jitter-cap says
        auto b = build("jitter=grpc,jitter-cap=fit,seed=1");
        EXPECT_EQ(std::get<jittered>(b.policy()).range(), redial::grpc_jitter());
    }
    {
        auto b = build("jitter=decorrelated,backoff-initial=100ms,backoff-max=2s,seed=5");
        ASSERT_TRUE(std::holds_alternative<redial::decorrelated_jitter>(b.policy()));
        redial::decorrelated_jitter by_hand{100ms, 2s, 5};
        for (int i = 0; i < 100; ++i) {
            const nanoseconds d = b.next();
            EXPECT_EQ(d, by_hand.next());
            EXPECT_GE(d, 100ms);
            EXPECT_LE(d, 2s);
        }
        EXPECT_EQ(b.initial_delay(), 100ms);
        EXPECT_EQ(b.max_delay(), 2s);
    }
}

TEST(make_backoff, validates_options_set_in_code) {
    redial::options o;
    o.initial = 0s;
    try {
        (void)redial::make_backoff(o);
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "backoff-initial", "0s", "must be greater than zero");
    }
}

TEST(make_stability, each_kind) {
    using namespace redial;
    const session_end quick{100ms, time_point{}};
    {
        configured_stability s = make_stability(options{});
        ASSERT_TRUE(std::holds_alternative<uptime_threshold>(s.policy()));
        EXPECT_EQ(std::get<uptime_threshold>(s.policy()).threshold(), 1s); // follows initial
        EXPECT_EQ(s.judge(quick), verdict::flap);
        EXPECT_EQ(s.judge({1s, time_point{}}), verdict::stable);
        EXPECT_EQ(s.hold_down(time_point{}), 0s);
    }
    {
        configured_stability s = make_stability(options_from_string("backoff-initial=250ms"));
        EXPECT_EQ(std::get<uptime_threshold>(s.policy()).threshold(), 250ms);
        s.adopt_initial_delay(5s); // explicit threshold: kept
        EXPECT_EQ(std::get<uptime_threshold>(s.policy()).threshold(), 250ms);
    }
    {
        configured_stability s = make_stability(options_from_string("stable-after=3s"));
        EXPECT_EQ(std::get<uptime_threshold>(s.policy()).threshold(), 3s);
    }
    {
        configured_stability s = make_stability(options_from_string("stability=always"));
        ASSERT_TRUE(std::holds_alternative<always_stable>(s.policy()));
        EXPECT_EQ(s.judge(quick), verdict::stable);
    }
    {
        configured_stability s =
            make_stability(options_from_string("stability=intensity,intensity-drops=2,"
                                               "intensity-window=10s"));
        ASSERT_TRUE(std::holds_alternative<restart_intensity>(s.policy()));
        EXPECT_EQ(std::get<restart_intensity>(s.policy()).max_drops(), 2u);
        EXPECT_EQ(std::get<restart_intensity>(s.policy()).window(), 10s);
        EXPECT_EQ(s.judge({1s, time_point{1s}}), verdict::stable);
        EXPECT_EQ(s.judge({1s, time_point{2s}}), verdict::stable);
        EXPECT_EQ(s.judge({1s, time_point{3s}}), verdict::flap);
        s.reset();
        EXPECT_EQ(s.judge({1s, time_point{4s}}), verdict::stable);
    }
    {
        configured_stability s = make_stability(
            options_from_string("stability=damping,damping-half-life=1m,backoff-timeout=0"));
        ASSERT_TRUE(std::holds_alternative<flap_damping>(s.policy()));
        const flap_damping_params& p = std::get<flap_damping>(s.policy()).params();
        EXPECT_EQ(p.half_life, 1min);
        EXPECT_EQ(p.max_hold_down, 4min);
        EXPECT_EQ(p.penalty, 1000);
        EXPECT_EQ(p.suppress, 2000);
        EXPECT_EQ(p.reuse, 750);
        EXPECT_EQ(s.judge({1s, time_point{0s}}), verdict::stable);
        EXPECT_EQ(s.judge({1s, time_point{1s}}), verdict::stable);
        EXPECT_EQ(s.judge({1s, time_point{2s}}), verdict::flap);
        // Held down until the penalty (about 2962) decays to 750: about 2 half-lives.
        const nanoseconds hold = s.hold_down(time_point{2s});
        EXPECT_GT(hold, 1min + 55s);
        EXPECT_LT(hold, 2min);
        s.reset();
        EXPECT_EQ(s.hold_down(time_point{2s}), 0s);
    }
    {
        // Long half-lives stay valid: max hold-down scales with them.
        configured_stability s = make_stability(
            options_from_string("stability=damping,damping-half-life=2h,backoff-timeout=0"));
        EXPECT_EQ(std::get<flap_damping>(s.policy()).params().max_hold_down, 8h);
    }
}

TEST(make_machine_options, give_up_rules) {
    const redial::machine_options m = redial::make_machine_options(
        redial::options_from_string("backoff-timeout=90s,max-attempts=4,clip-to-deadline=true"));
    EXPECT_EQ(m.give_up_timeout, 90s);
    EXPECT_EQ(m.max_attempts, 4u);
    EXPECT_TRUE(m.clip_to_deadline);
    const redial::machine_options d = redial::make_machine_options(redial::options{});
    EXPECT_EQ(d.give_up_timeout, 5min);
    EXPECT_EQ(d.max_attempts, 0u);
    EXPECT_FALSE(d.clip_to_deadline);
}

// The example in docs/configuration.md.
TEST(config_docs, example) {
    // Environment first (REDIAL_*), then command-line flags on top.
    redial::options o = redial::options_from_env({"REDIAL_PRESET=moonpool-local", "HOME=/root"});
    redial::apply_option(o, "--max-attempts", "3");
    redial::validate(o);

    redial::basic_reconnect_machine<redial::configured_backoff, redial::configured_stability>
        machine{redial::make_backoff(o), redial::make_stability(o),
                redial::make_machine_options(o)};

    const redial::time_point t0{};
    const auto refused = std::make_error_code(std::errc::connection_refused);
    EXPECT_EQ(machine.start(t0), redial::decision::connect());
    EXPECT_EQ(machine.on_connect_failed(t0, refused), redial::decision::wait(10ms));
    EXPECT_EQ(machine.on_wait_done(t0 + 10ms), redial::decision::connect());
    EXPECT_EQ(machine.on_connect_failed(t0 + 10ms, refused), redial::decision::wait(20ms));
    EXPECT_EQ(machine.on_wait_done(t0 + 30ms), redial::decision::connect());
    EXPECT_EQ(machine.on_connect_failed(t0 + 30ms, refused), redial::decision::give_up());
    EXPECT_EQ(machine.give_up_message(),
              "reconnect gave up after 3 attempts: " + refused.message());
}

// A session shorter than the stability threshold is a flap: the configured policies keep the
// seeds' rule end to end.
TEST(configured, flap_escalates_and_stable_session_resets) {
    const redial::options o = redial::options_from_string("backoff-initial=100ms");
    redial::basic_reconnect_machine<redial::configured_backoff, redial::configured_stability>
        machine{redial::make_backoff(o), redial::make_stability(o),
                redial::make_machine_options(o)};
    const redial::time_point t0{};
    const auto reset = std::make_error_code(std::errc::connection_reset);
    (void)machine.start(t0);
    machine.on_connected(t0);
    EXPECT_EQ(machine.on_session_end(t0 + 50ms, reset), redial::decision::wait(100ms));
    (void)machine.on_wait_done(t0 + 150ms);
    machine.on_connected(t0 + 150ms);
    EXPECT_EQ(machine.on_session_end(t0 + 160ms, reset), redial::decision::wait(200ms));
    (void)machine.on_wait_done(t0 + 360ms);
    machine.on_connected(t0 + 360ms);
    EXPECT_EQ(machine.on_session_end(t0 + 10s, reset), redial::decision::wait(100ms));
}

static_assert(redial::backoff_policy<redial::configured_backoff>);
static_assert(redial::stability_policy<redial::configured_stability>);

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
    o.stability = static_cast<redial::stability_kind>(9);
    EXPECT_THROW(redial::validate(o), redial::config_error);
}

} // namespace

namespace {

TEST(Config, DescribeSaysOneAttemptInTheSingular) {
    redial::options o;
    o.timeout = std::chrono::nanoseconds{0};
    o.max_attempts = 1;
    EXPECT_NE(redial::describe(o).find("; give up after 1 attempt"), std::string::npos)
        << redial::describe(o);
    EXPECT_EQ(redial::describe(o).find("1 attempts"), std::string::npos) << redial::describe(o);
}

} // namespace
