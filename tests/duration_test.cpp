#include <redial/duration.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <string_view>

namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST(parse_duration, accepts_the_documented_forms) {
    EXPECT_EQ(redial::parse_duration("250ms"), 250ms);
    EXPECT_EQ(redial::parse_duration("1.5s"), 1500ms);
    EXPECT_EQ(redial::parse_duration("1s"), 1s);
    EXPECT_EQ(redial::parse_duration("5m"), 5min);
    EXPECT_EQ(redial::parse_duration("1h30m"), 90min);
    EXPECT_EQ(redial::parse_duration("0"), 0ns);
    EXPECT_EQ(redial::parse_duration("0s"), 0ns);
    EXPECT_EQ(redial::parse_duration("1m30.5s"), 90500ms);
    EXPECT_EQ(redial::parse_duration("2h"), 2h);
    EXPECT_EQ(redial::parse_duration("1d"), 24h);
    EXPECT_EQ(redial::parse_duration("0.000000001s"), 1ns);
    EXPECT_EQ(redial::parse_duration("1d2h3m4s5ms6us7ns"), 24h + 2h + 3min + 4s + 5ms + 6us + 7ns);
    EXPECT_EQ(redial::parse_duration("1.5ms"), 1500us);
    EXPECT_EQ(redial::parse_duration(".5s"), 500ms);
    EXPECT_EQ(redial::parse_duration("1.00ns"), 1ns); // zeros below a nanosecond are exact
}

TEST(parse_duration, ignores_surrounding_white_space) {
    EXPECT_EQ(redial::parse_duration("  250ms "), 250ms);
    EXPECT_EQ(redial::parse_duration("\t5m\n"), 5min);
    EXPECT_EQ(redial::parse_duration(" 0 "), 0ns);
}

TEST(parse_duration, reaches_the_largest_duration_exactly) {
    EXPECT_EQ(redial::parse_duration("9223372036854775807ns"), nanoseconds::max());
    EXPECT_EQ(redial::parse_duration("9223372036.854775807s"), nanoseconds::max());
    EXPECT_EQ(redial::parse_duration("2562047h47m16.854775807s"), nanoseconds::max());
}

TEST(format_duration, produces_the_shortest_text) {
    EXPECT_EQ(redial::format_duration(0ns), "0s");
    EXPECT_EQ(redial::format_duration(1500ms), "1.5s");
    EXPECT_EQ(redial::format_duration(5min), "5m");
    EXPECT_EQ(redial::format_duration(90min), "1h30m");
    EXPECT_EQ(redial::format_duration(250ms), "250ms");
    EXPECT_EQ(redial::format_duration(1500us), "1.5ms");
    EXPECT_EQ(redial::format_duration(1us), "1us");
    EXPECT_EQ(redial::format_duration(999ns), "999ns");
    EXPECT_EQ(redial::format_duration(1s), "1s");
    EXPECT_EQ(redial::format_duration(24h), "24h");
    EXPECT_EQ(redial::format_duration(90500ms), "1m30.5s");
    EXPECT_EQ(redial::format_duration(1h + 1ns), "1h0.000000001s");
    EXPECT_EQ(redial::format_duration(nanoseconds::max()), "2562047h47m16.854775807s");
}

// parse(format(d)) == d across every magnitude: values are drawn with a random number of
// significant bits, so short and long, round and ragged durations are all covered.
TEST(format_duration, round_trips_through_parse) {
    std::mt19937_64 gen(20240611);
    for (int i = 0; i < 10'000; ++i) {
        const auto bits = static_cast<unsigned>(gen() % 64);
        const std::uint64_t mask = bits == 0 ? 0 : (~std::uint64_t{0} >> (64 - bits));
        auto d = nanoseconds{static_cast<std::int64_t>(gen() & mask & ~(std::uint64_t{1} << 63))};
        if (i % 4 == 0) {
            d = nanoseconds{d.count() - d.count() % 1'000'000}; // whole milliseconds
        }
        const std::string text = redial::format_duration(d);
        ASSERT_EQ(redial::parse_duration(text), d) << text;
    }
}

struct bad_duration {
    std::string_view text;
    std::string_view message; // a fragment of what()
};

// Test names show the rejected text, not the parameter's bytes.
void PrintTo(const bad_duration& b, std::ostream* os) {
    *os << '"' << b.text << '"';
}

class parse_duration_rejects : public testing::TestWithParam<bad_duration> {};

TEST_P(parse_duration_rejects, naming_the_key_and_the_text) {
    const bad_duration& bad = GetParam();
    try {
        (void)redial::parse_duration(bad.text, "backoff-max");
        FAIL() << "accepted \"" << bad.text << "\"";
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "backoff-max");
        EXPECT_EQ(e.value(), bad.text);
        EXPECT_NE(std::string_view(e.what()).find(bad.message), std::string_view::npos) << e.what();
        const std::string prefix = "invalid backoff-max \"" + std::string(bad.text) + "\": ";
        EXPECT_EQ(std::string_view(e.what()).substr(0, prefix.size()), prefix);
    }
}

INSTANTIATE_TEST_SUITE_P(
    duration, parse_duration_rejects,
    testing::Values(bad_duration{"", "empty value"}, bad_duration{"   ", "empty value"},
                    bad_duration{"-1s", "negative durations are not allowed"},
                    bad_duration{"5", "missing unit"}, bad_duration{"5x", "unknown unit \"x\""},
                    bad_duration{"1sec", "unknown unit \"sec\""},
                    bad_duration{"1.5", "missing unit"}, bad_duration{".s", "expected a number"},
                    bad_duration{"1s1m", "units must go from largest to smallest"},
                    bad_duration{"1s1s", "each at most once"},
                    bad_duration{"0.1ns", "more precise than a nanosecond"},
                    bad_duration{"1e3s", "unknown unit \"e\""},
                    bad_duration{"300000000h", "too large"},
                    bad_duration{"9223372036854775808ns", "too large"},
                    bad_duration{"9223372036.9s", "too large"}, // fraction pushes past the limit
                    bad_duration{"2562047h47m16.854775808s", "too large"},
                    bad_duration{"+1s", "expected a duration"},
                    bad_duration{"1 s", "unknown unit \" s\""}, bad_duration{"00", "missing unit"},
                    bad_duration{"1.5.5s", "missing unit"}));

TEST(parse_duration, names_duration_when_no_key_is_given) {
    try {
        (void)redial::parse_duration("soon");
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "duration");
        EXPECT_STREQ(e.what(), "invalid duration \"soon\": expected a number (a duration such as "
                               "250ms, 1.5s, 5m or 1h30m)");
    }
}

// --- regressions found by fuzzing (fuzz/, docs/fuzzing.md) ------------------------------------

// duration_fuzz: fraction digits past the unit's last power of ten were refused as "more
// precise than a nanosecond" even where the value is a whole number of nanoseconds.
TEST(parse_duration_fuzz_regression, exact_fractions_past_the_units_last_power_of_ten) {
    EXPECT_EQ(redial::parse_duration("1.99999999105000m0505.2s"),
              nanoseconds{119'999'999'463} + nanoseconds{505'200'000'000});
    EXPECT_EQ(redial::parse_duration("0.00000000005m"), 3ns);
    EXPECT_EQ(redial::parse_duration("0.000000000005d"), 432ns);
    EXPECT_EQ(redial::parse_duration("0.0000000000003125d"), 27ns);
    EXPECT_EQ(redial::parse_duration("0.000000000025h"), 90ns);
    EXPECT_EQ(redial::parse_duration("1.500000000000000000000s"), 1500ms); // trailing zeros
    // Still finer than a nanosecond: 0.0864ns, 0.6ns, and six digits past the last power.
    for (const char* finer : {"0.000000000001d", "0.00000000001m", "0.00000000000003125d"}) {
        try {
            (void)redial::parse_duration(finer);
            ADD_FAILURE() << "accepted " << finer;
        } catch (const redial::config_error& e) {
            EXPECT_NE(std::string_view(e.what()).find("more precise than a nanosecond"),
                      std::string_view::npos)
                << e.what();
        }
    }
}

} // namespace

namespace {

// The unit is part of the input: escaped like the value, so the message stays one line and no
// control byte reaches a terminal (found by review: "1\nx" split the line).
TEST(parse_duration, quotes_an_unknown_unit_escaped) {
    try {
        (void)redial::parse_duration("1\nx\x1b", "backoff-max");
        FAIL() << "accepted";
    } catch (const redial::config_error& e) {
        EXPECT_STREQ(e.what(),
                     "invalid backoff-max \"1\\nx\\x1b\": unknown unit \"\\nx\\x1b\" (use "
                     "d, h, m, s, ms, us or ns)");
    }
}

} // namespace
