#include <redial/config/keys.hpp>

#include <gtest/gtest.h>
#include <redial/config/read.hpp>
#include <redial/config/validate.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The key table, presets, one key at a time, and the text round trips.
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

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
    EXPECT_EQ(o.stability, "uptime");
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
    EXPECT_EQ(names, (std::vector<std::string_view>{"preset",
                                                    "backoff-initial",
                                                    "backoff-multiplier",
                                                    "backoff-max",
                                                    "backoff-timeout",
                                                    "backoff",
                                                    "backoff-step",
                                                    "jitter",
                                                    "jitter-fraction",
                                                    "jitter-cap",
                                                    "stability",
                                                    "stable-after",
                                                    "intensity-drops",
                                                    "intensity-window",
                                                    "damping-half-life",
                                                    "connect-timeout",
                                                    "max-attempts",
                                                    "clip-to-deadline",
                                                    "seed",
                                                    "liveness",
                                                    "idle-timeout",
                                                    "ping-interval",
                                                    "ping-timeout",
                                                    "tcp-keepalive",
                                                    "tcp-user-timeout",
                                                    "queue-messages",
                                                    "queue-bytes",
                                                    "queue-overflow",
                                                    "queue-ttl",
                                                    "queue-cut"}));
}

TEST(option_keys, environment_names) {
    EXPECT_EQ(redial::env_name("backoff-initial"), "REDIAL_BACKOFF_INITIAL");
    EXPECT_EQ(redial::env_name("backoff-multiplier"), "REDIAL_BACKOFF_MULTIPLIER");
    EXPECT_EQ(redial::env_name("backoff-max"), "REDIAL_BACKOFF_MAX");
    EXPECT_EQ(redial::env_name("backoff-timeout"), "REDIAL_BACKOFF_TIMEOUT");
    EXPECT_EQ(redial::env_name("jitter"), "REDIAL_JITTER");
    EXPECT_EQ(redial::env_name("stable-after"), "REDIAL_STABLE_AFTER");
    EXPECT_EQ(redial::env_name("damping-half-life", "MOQ_"), "MOQ_DAMPING_HALF_LIFE");
    EXPECT_EQ(redial::env_name("liveness"), "REDIAL_LIVENESS");
    EXPECT_EQ(redial::env_name("idle-timeout"), "REDIAL_IDLE_TIMEOUT");
    EXPECT_EQ(redial::env_name("ping-interval"), "REDIAL_PING_INTERVAL");
    EXPECT_EQ(redial::env_name("ping-timeout"), "REDIAL_PING_TIMEOUT");
    EXPECT_EQ(redial::env_name("tcp-keepalive"), "REDIAL_TCP_KEEPALIVE");
    EXPECT_EQ(redial::env_name("tcp-user-timeout"), "REDIAL_TCP_USER_TIMEOUT");
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
    redial::apply_option(o, "backoff", " linear ");
    redial::apply_option(o, "backoff-step", "3s");
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
    redial::apply_option(o, "liveness", " heartbeat ");
    redial::apply_option(o, "idle-timeout", "3s");
    redial::apply_option(o, "ping-interval", "1.5s");
    redial::apply_option(o, "ping-timeout", "250ms");
    redial::apply_option(o, "tcp-keepalive", "1m/10s/5");
    redial::apply_option(o, "tcp-user-timeout", "2m30.5s");
    EXPECT_EQ(o.initial, 250ms);
    EXPECT_EQ(o.multiplier, 1.5);
    EXPECT_EQ(o.max, 10s);
    EXPECT_EQ(o.timeout, 0s);
    EXPECT_EQ(o.backoff, "linear");
    EXPECT_EQ(o.step, nanoseconds{3s});
    EXPECT_EQ(o.jitter, redial::jitter_kind::proportional);
    EXPECT_EQ(o.jitter_fraction, 0.1);
    EXPECT_EQ(o.jitter_cap, redial::jitter_cap::clamp);
    EXPECT_EQ(o.stability, "intensity");
    EXPECT_EQ(o.stable_after, nanoseconds{2s});
    EXPECT_EQ(o.intensity_drops, 3u);
    EXPECT_EQ(o.intensity_window, 1min);
    EXPECT_EQ(o.damping_half_life, 5min);
    EXPECT_EQ(o.connect_timeout, nanoseconds{3s});
    EXPECT_EQ(o.max_attempts, 7u);
    EXPECT_TRUE(o.clip_to_deadline);
    EXPECT_EQ(o.seed, std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(o.liveness, redial::liveness_kind::heartbeat);
    EXPECT_EQ(o.idle_timeout, nanoseconds{3s});
    EXPECT_EQ(o.ping_interval, nanoseconds{1500ms});
    EXPECT_EQ(o.ping_timeout, nanoseconds{250ms});
    EXPECT_EQ(o.tcp_keepalive, (redial::tcp_keepalive{60s, 10s, 5}));
    EXPECT_EQ(o.tcp_user_timeout, 150500ms);
}

// The unset liveness keys have no text; the socket keys always have one ("off", "0s").
TEST(apply_option, liveness_and_socket_keys_read_back) {
    redial::options o;
    const auto text = [&](std::string_view key) {
        for (const redial::option_key& k : redial::option_keys()) {
            if (k.name == key) {
                return k.get(o).value_or("(unset)");
            }
        }
        return std::string("(no key)");
    };
    EXPECT_EQ(text("liveness"), "(unset)");
    EXPECT_EQ(text("idle-timeout"), "(unset)");
    EXPECT_EQ(text("ping-interval"), "(unset)");
    EXPECT_EQ(text("ping-timeout"), "(unset)");
    EXPECT_EQ(text("tcp-keepalive"), "off");
    EXPECT_EQ(text("tcp-user-timeout"), "0s");
    for (std::string_view kind : {"none", "idle", "heartbeat"}) {
        redial::apply_option(o, "liveness", kind);
        EXPECT_EQ(text("liveness"), kind);
    }
    redial::apply_option(o, "idle-timeout", "90s");
    EXPECT_EQ(text("idle-timeout"), "1m30s");
    redial::apply_option(o, "tcp-keepalive", "on"); // tcp_keepalive's defaults
    EXPECT_EQ(o.tcp_keepalive, redial::tcp_keepalive{});
    EXPECT_EQ(text("tcp-keepalive"), "1m/10s/5");
    redial::apply_option(o, "tcp-keepalive", " 2h / 75s / 9 "); // white space around parts
    EXPECT_EQ(o.tcp_keepalive, (redial::tcp_keepalive{7200s, 75s, 9}));
    EXPECT_EQ(text("tcp-keepalive"), "2h/1m15s/9");
    redial::apply_option(o, "tcp-keepalive", "off");
    EXPECT_FALSE(o.tcp_keepalive);
    redial::apply_option(o, "tcp-user-timeout", "0");
    EXPECT_EQ(o.tcp_user_timeout, 0ms);
    redial::apply_option(o, "tcp-user-timeout", "1ms");
    EXPECT_EQ(text("tcp-user-timeout"), "1ms");
    redial::apply_option(o, "tcp-user-timeout", "596h31m23.647s"); // INT_MAX ms, Linux's limit
    EXPECT_EQ(o.tcp_user_timeout, std::chrono::milliseconds{2147483647});
    EXPECT_EQ(text("tcp-user-timeout"), "596h31m23.647s");
}

// A keepalive or user timeout the kernel could not hold exactly is refused when it is read, not
// rounded; each error quotes the whole value, and names the part that is wrong.
TEST(apply_option, socket_keys_refuse_what_the_kernel_cannot_hold) {
    const auto refused = [](std::string_view key, std::string_view value) -> std::string {
        redial::options o;
        try {
            redial::apply_option(o, key, value);
        } catch (const redial::config_error& e) {
            EXPECT_EQ(e.key(), key);
            EXPECT_EQ(e.value(), value);
            return e.what();
        }
        return "accepted";
    };
    EXPECT_EQ(refused("tcp-keepalive", "1.5s/10s/5"),
              "invalid tcp-keepalive \"1.5s/10s/5\": IDLE \"1.5s\": must be whole seconds");
    EXPECT_EQ(refused("tcp-keepalive", "60s/500ms/5"),
              "invalid tcp-keepalive \"60s/500ms/5\": INTERVAL \"500ms\": must be whole seconds");
    EXPECT_EQ(refused("tcp-keepalive", "60x/10s/5"),
              "invalid tcp-keepalive \"60x/10s/5\": IDLE \"60x\": unknown unit \"x\" (use d, h, "
              "m, s, ms, us or ns)");
    EXPECT_EQ(refused("tcp-keepalive", "60s/10s/-1"),
              "invalid tcp-keepalive \"60s/10s/-1\": COUNT \"-1\": must not be negative");
    EXPECT_EQ(refused("tcp-keepalive", "60s/10s/five"),
              "invalid tcp-keepalive \"60s/10s/five\": COUNT \"five\": not a whole number");
    EXPECT_EQ(refused("tcp-keepalive", "60s/10s/"),
              "invalid tcp-keepalive \"60s/10s/\": COUNT \"\": empty value (expected a whole "
              "number)");
    EXPECT_EQ(refused("tcp-keepalive", "60s/10s"),
              "invalid tcp-keepalive \"60s/10s\": not a keepalive setting (expected off, on, or "
              "IDLE/INTERVAL/COUNT such as 60s/10s/5)");
    EXPECT_NE(refused("tcp-keepalive", "60s/10s/5/1").find("not a keepalive setting"),
              std::string::npos);
    // Commas separate a config string's entries, so the parts take slashes.
    EXPECT_NE(refused("tcp-keepalive", "60s,10s,5").find("not a keepalive setting"),
              std::string::npos);
    EXPECT_NE(refused("tcp-keepalive", "yes").find("not a keepalive setting"), std::string::npos);
    EXPECT_EQ(refused("tcp-keepalive", ""),
              "invalid tcp-keepalive \"\": empty value (expected off, on, or IDLE/INTERVAL/COUNT "
              "such as 60s/10s/5)");
    EXPECT_EQ(refused("tcp-user-timeout", "1.5ms"),
              "invalid tcp-user-timeout \"1.5ms\": must be whole milliseconds");
    EXPECT_EQ(refused("tcp-user-timeout", "-1ms"),
              "invalid tcp-user-timeout \"-1ms\": negative durations are not allowed");
    EXPECT_EQ(refused("tcp-user-timeout", "5"),
              "invalid tcp-user-timeout \"5\": missing unit (use d, h, m, s, ms, us or ns; only "
              "0 may omit it)");
    EXPECT_EQ(refused("liveness", "idel"),
              "invalid liveness \"idel\": unknown value (did you mean idle?); expected one of: "
              "none|idle|heartbeat");
    EXPECT_EQ(refused("--idle-timeout", "20"),
              "invalid --idle-timeout \"20\": missing unit (use d, h, m, s, ms, us or ns; only 0 "
              "may omit it)");
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
              "backoff=exponential,jitter=none,jitter-fraction=0.2,jitter-cap=fit,stability=uptime,"
              "intensity-drops=1,"
              "intensity-window=5s,damping-half-life=15m,connect-timeout=5s,max-attempts=0,"
              "clip-to-deadline=false,tcp-keepalive=off,tcp-user-timeout=0s,"
              "queue-messages=10000,queue-bytes=8MiB,queue-overflow=reject,queue-cut=resend");
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
        o.stability = std::string(redial::stability_policies()[gen() % 4].name);
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
        if (o.stability == "damping" || (o.stable_after && *o.stable_after > o.timeout)) {
            o.timeout = 0ns;
        }
        o.max_attempts = gen() % 3 == 0 ? gen() : 0;
        o.clip_to_deadline = gen() % 2 != 0;
        if (gen() % 2 != 0) {
            o.seed = gen();
        }
        // Liveness: unset or chosen by name, with only the times its kind reads.
        switch (gen() % 4) {
        case 0:
            break;
        case 1:
            o.liveness = redial::liveness_kind::none;
            break;
        case 2:
            if (gen() % 2 != 0) {
                o.liveness = redial::liveness_kind::idle;
            }
            o.idle_timeout = duration(1, std::numeric_limits<std::int64_t>::max() - 1);
            break;
        default:
            if (gen() % 2 != 0) {
                o.liveness = redial::liveness_kind::heartbeat;
            }
            if (gen() % 2 != 0) {
                o.ping_interval = duration(1, 100'000'000'000);
            }
            if (gen() % 2 != 0 || !o.ping_interval) {
                o.ping_timeout = duration(1, 100'000'000'000);
            }
            break;
        }
        if (gen() % 2 != 0) {
            o.tcp_keepalive = redial::tcp_keepalive{std::chrono::seconds{1 + gen() % 32767},
                                                    std::chrono::seconds{1 + gen() % 32767},
                                                    static_cast<unsigned>(1 + gen() % 127)};
        }
        o.tcp_user_timeout = std::chrono::milliseconds{gen() % 2147483648U};
        ASSERT_NO_THROW(redial::validate(o));
        const std::string text = redial::to_string(o);
        ASSERT_EQ(redial::options_from_string(text), o) << text;
    }
}

TEST(to_string, round_trips_every_backoff) {
    for (const redial::backoff_info& b : redial::backoff_policies()) {
        redial::options o;
        o.backoff = std::string(b.name);
        if (std::find(b.keys.begin(), b.keys.end(), "backoff-step") != b.keys.end()) {
            o.step = 250ms; // given only where it is read: elsewhere it is refused
        }
        ASSERT_EQ(redial::options_from_string(redial::to_string(o)), o) << b.name;
    }
}

TEST(option_keys, backoff_syntax_lists_the_registry) {
    const redial::option_key& k = redial::option_keys()[5];
    EXPECT_EQ(k.name, "backoff");
    // Every registered name, in registry order: a new entry needs no edit here.
    std::string names;
    for (const std::string_view n : redial::builtin_backoffs::names) {
        names += (names.empty() ? "" : "|") + std::string(n);
    }
    EXPECT_EQ(k.syntax, names);
    EXPECT_TRUE(k.syntax.starts_with("exponential|decorrelated|constant|linear"));
}

TEST(option_keys, stability_syntax_lists_the_registry) {
    const redial::option_key& k = redial::option_keys()[10];
    EXPECT_EQ(k.name, "stability");
    EXPECT_EQ(k.syntax, "uptime|always|damping|intensity");
}
} // namespace
