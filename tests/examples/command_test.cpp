#include <redis/command.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

// redial-redis's command lines: redis-cli's quoting rules.
namespace {

using words = std::vector<std::string>;

TEST(RedisCommandLine, SplitsOnSpacesAndTabs) {
    EXPECT_EQ(resp::split_command("SET k v").words, (words{"SET", "k", "v"}));
    EXPECT_EQ(resp::split_command("  GET\t k  ").words, (words{"GET", "k"}));
    EXPECT_EQ(resp::split_command("PING\r").words, (words{"PING"})); // a CRLF line end
    EXPECT_TRUE(resp::split_command("").words.empty());
    EXPECT_TRUE(resp::split_command(" \t ").words.empty());
    EXPECT_TRUE(resp::split_command(" \t ").error.empty());
}

TEST(RedisCommandLine, Quotes) {
    EXPECT_EQ(resp::split_command(R"(SET k "a b")").words, (words{"SET", "k", "a b"}));
    EXPECT_EQ(resp::split_command(R"(SET k "")").words, (words{"SET", "k", ""}));
    EXPECT_EQ(resp::split_command(R"(SET k "\"\\\n\r\t\x41\x4a\q")").words,
              (words{"SET", "k", "\"\\\n\r\tAJq"}));
    EXPECT_EQ(resp::split_command(R"(SET k '\n\'x')").words, (words{"SET", "k", "\\n'x"}));
    EXPECT_EQ(resp::split_command(R"(SET ab"c d"e f)").error,
              "a closing quote must be followed by a space or the end of the line");
    EXPECT_EQ(resp::split_command(R"(SET ab"c d" f)").words, (words{"SET", "abc d", "f"}));
    EXPECT_EQ(resp::split_command(R"(SET "\x4" x)").words, (words{"SET", "x4", "x"}));
}

TEST(RedisCommandLine, UnbalancedQuotesAreAnError) {
    const resp::split_result r = resp::split_command(R"(SET k "abc)");
    EXPECT_EQ(r.error, "unbalanced quotes");
    EXPECT_TRUE(r.words.empty());
    EXPECT_EQ(resp::split_command("SET k 'abc").error, "unbalanced quotes");
    EXPECT_EQ(resp::split_command(R"(SET k "abc\")").error, "unbalanced quotes");
}

} // namespace
