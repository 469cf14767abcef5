#include <redial/error.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string_view>

namespace {

TEST(ConfigError, NamesTheKeyAndTheValue) {
    const redial::config_error e("backoff-max", "30x", "unknown unit \"x\"");
    EXPECT_EQ(e.key(), "backoff-max");
    EXPECT_EQ(e.value(), "30x");
    EXPECT_STREQ(e.what(), "invalid backoff-max \"30x\": unknown unit \"x\"");
    const std::invalid_argument& base = e; // catchable as a standard exception
    EXPECT_STREQ(base.what(), e.what());
}

} // namespace

namespace {

// The message is one line whatever the value holds: a newline in a target or invalid UTF-8 in
// an environment variable once split the line or reached the terminal raw.
TEST(ConfigError, QuotesTheValueEscaped) {
    const redial::config_error e("tcp host", "evil\nhost\"\\\x01\x7f", "bad");
    EXPECT_STREQ(e.what(), R"(invalid tcp host "evil\nhost\"\\\x01\x7f": bad)");
    EXPECT_EQ(e.value(), "evil\nhost\"\\\x01\x7f"); // as given
    EXPECT_STREQ(redial::config_error("k", "a\tb\rc", "x").what(), R"(invalid k "a\tb\rc": x)");
}

TEST(ConfigError, KeepsValidUtf8AndEscapesEveryInvalidByte) {
    EXPECT_EQ(redial::detail::escape("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80"),
              "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80"); // é, 日, 😀
    EXPECT_EQ(redial::detail::escape("\xff\xfe"), R"(\xff\xfe)");
    EXPECT_EQ(redial::detail::escape("\x80"), R"(\x80)");                 // a stray continuation
    EXPECT_EQ(redial::detail::escape("\xc3"), R"(\xc3)");                 // cut short
    EXPECT_EQ(redial::detail::escape("\xc0\xaf"), R"(\xc0\xaf)");         // overlong "/"
    EXPECT_EQ(redial::detail::escape("\xed\xa0\x80"), R"(\xed\xa0\x80)"); // a surrogate
    EXPECT_EQ(redial::detail::escape("\xf4\x90\x80\x80"), R"(\xf4\x90\x80\x80)"); // > U+10FFFF
    EXPECT_EQ(redial::detail::escape("a\xe6\x97"), R"(a\xe6\x97)");               // a truncated 日
    EXPECT_EQ(redial::detail::escape(std::string_view("nul\0in", 6)), R"(nul\x00in)");
    EXPECT_EQ(redial::detail::escape(""), "");
}

TEST(ConfigError, WritesUnicodeControlsAsCodePoints) {
    // The 8-bit CSI (a terminal escape), a right-to-left override, a line separator and an
    // isolate: valid UTF-8 that steers a terminal or reorders the line. Text around them stays.
    EXPECT_EQ(redial::detail::escape("a\xc2\x9b"
                                     "b\u202e"
                                     "c\u2028"
                                     "d\u2066"
                                     "\u00e9"),
              "a\\u009bb\\u202ec\\u2028d\\u2066\u00e9");
    // Not a control: the no-break space right after C1, and the character before the overrides.
    EXPECT_EQ(redial::detail::escape("\u00a0\u2027"), "\u00a0\u2027");
}

} // namespace
