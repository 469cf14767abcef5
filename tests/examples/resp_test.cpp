#include <redis/resp.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// redial-redis's RESP2/RESP3 reply parser, the command encoding and the printed form.
namespace {

using resp::kind;
using resp::status;

// Parses `wire` whole; expects one complete reply using every byte.
resp::value parse_all(std::string_view wire, const resp::limits& l = {}) {
    resp::parser p{l};
    const resp::result r = p.parse(wire);
    EXPECT_EQ(r.status, status::done) << p.error();
    EXPECT_EQ(r.consumed, wire.size());
    return p.take();
}

// The parser's error for `wire`.
std::string error_of(std::string_view wire, const resp::limits& l = {}) {
    resp::parser p{l};
    const resp::result r = p.parse(wire);
    EXPECT_EQ(r.status, status::error);
    return p.error();
}

TEST(Resp, Scalars) {
    EXPECT_EQ(parse_all("+OK\r\n").kind, kind::simple_string);
    EXPECT_EQ(parse_all("+OK\r\n").text, "OK");
    const resp::value e = parse_all("-WRONGPASS invalid username-password pair\r\n");
    EXPECT_EQ(e.kind, kind::error);
    EXPECT_EQ(e.text, "WRONGPASS invalid username-password pair");
    EXPECT_TRUE(e.is_error());
    EXPECT_EQ(parse_all(":-42\r\n").integer, -42);
    EXPECT_EQ(parse_all(":9223372036854775807\r\n").integer, INT64_MAX);
    EXPECT_EQ(parse_all(":-9223372036854775808\r\n").integer, INT64_MIN);
    EXPECT_EQ(parse_all("$3\r\nfoo\r\n").text, "foo");
    EXPECT_EQ(parse_all("$0\r\n\r\n").kind, kind::bulk_string);
    EXPECT_EQ(parse_all("$4\r\na\r\nb\r\n").text, "a\r\nb"); // binary safe
    EXPECT_EQ(parse_all("!21\r\nSYNTAX invalid syntax\r\n").kind, kind::bulk_error);
    EXPECT_EQ(parse_all(",1.5\r\n").text, "1.5");
    EXPECT_EQ(parse_all(",-inf\r\n").text, "-inf");
    EXPECT_EQ(parse_all(",1e-3\r\n").kind, kind::double_value);
    EXPECT_EQ(parse_all("(-3492890328409238509324850943850943825024385\r\n").kind,
              kind::big_number);
    EXPECT_TRUE(parse_all("#t\r\n").boolean);
    EXPECT_FALSE(parse_all("#f\r\n").boolean);
    EXPECT_EQ(parse_all("_\r\n").kind, kind::null);
    EXPECT_EQ(parse_all("$-1\r\n").kind, kind::null); // RESP2
    EXPECT_EQ(parse_all("*-1\r\n").kind, kind::null); // RESP2
    const resp::value v = parse_all("=15\r\ntxt:Some string\r\n");
    EXPECT_EQ(v.kind, kind::verbatim);
    EXPECT_EQ(v.format, "txt");
    EXPECT_EQ(v.text, "Some string");
}

TEST(Resp, Aggregates) {
    const resp::value a = parse_all("*3\r\n:1\r\n*2\r\n+a\r\n$1\r\nb\r\n_\r\n");
    ASSERT_EQ(a.kind, kind::array);
    ASSERT_EQ(a.elements.size(), 3u);
    EXPECT_EQ(a.elements[0].integer, 1);
    ASSERT_EQ(a.elements[1].elements.size(), 2u);
    EXPECT_EQ(a.elements[1].elements[1].text, "b");
    EXPECT_EQ(a.elements[2].kind, kind::null);

    const resp::value m = parse_all("%2\r\n+first\r\n:1\r\n+second\r\n#t\r\n");
    ASSERT_EQ(m.kind, kind::map);
    ASSERT_EQ(m.elements.size(), 4u); // key, value, key, value
    EXPECT_EQ(m.elements[2].text, "second");
    EXPECT_TRUE(m.elements[3].boolean);

    EXPECT_EQ(parse_all("~2\r\n+a\r\n+b\r\n").kind, kind::set);
    EXPECT_EQ(parse_all(">2\r\n+message\r\n+hi\r\n").kind, kind::push);
    EXPECT_EQ(parse_all("*0\r\n").elements.size(), 0u);
    EXPECT_EQ(parse_all("%0\r\n").kind, kind::map);
}

TEST(Resp, AttributesAreDroppedAndDoNotCountAsElements) {
    const resp::value top = parse_all("|1\r\n+ttl\r\n:3600\r\n:7\r\n");
    EXPECT_EQ(top.kind, kind::integer);
    EXPECT_EQ(top.integer, 7);
    const resp::value inner = parse_all("*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n");
    ASSERT_EQ(inner.elements.size(), 2u);
    EXPECT_EQ(inner.elements[1].integer, 2);
    EXPECT_EQ(parse_all("|0\r\n+x\r\n").text, "x");
}

// Every split of a reply parses to the same value, each byte read once: the parser consumes
// whole items and keeps partial aggregates, and an incomplete item is left unconsumed.
TEST(Resp, AnySplitGivesTheSameReply) {
    const std::string wire =
        "*3\r\n$5\r\nhello\r\n%1\r\n+k\r\n*2\r\n:1\r\n,2.5\r\n=7\r\ntxt:abc\r\n";
    const std::string whole = resp::to_text(parse_all(wire));
    for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
        resp::parser p;
        std::string buffer = wire.substr(0, cut);
        resp::result r = p.parse(buffer);
        std::size_t consumed = r.consumed;
        if (cut < wire.size()) {
            ASSERT_EQ(r.status, status::need_more) << "cut at " << cut;
        }
        buffer.erase(0, r.consumed);
        buffer += wire.substr(cut);
        r = p.parse(buffer);
        consumed += r.consumed;
        ASSERT_EQ(r.status, status::done) << "cut at " << cut << ": " << p.error();
        EXPECT_EQ(consumed, wire.size());
        EXPECT_EQ(resp::to_text(p.take()), whole);
    }
}

// An error is decided by the bytes, not by how they arrive: every split of these gives the
// error the whole gives (a split parse never fails earlier, or otherwise).
TEST(Resp, AnySplitGivesTheSameError) {
    const resp::limits l{.max_depth = 4, .max_line = 8, .max_bytes = 64, .max_values = 8};
    for (const std::string wire : {"+a\rb\r\n", "*2\r\n+a\n", "+0123456789\r\n", "+0123456\r\r\n",
                                   "+01234567\r\n", "$3\r\nabcd\r\n", "*2\r\n:1\r\n:x\r\n"}) {
        const std::string whole = error_of(wire, l);
        for (std::size_t cut = 0; cut < wire.size(); ++cut) {
            resp::parser p{l};
            std::string buffer = wire.substr(0, cut);
            const resp::result first = p.parse(buffer);
            if (first.status != status::error) { // else the bytes before the cut decided it
                ASSERT_EQ(first.status, status::need_more) << "cut at " << cut;
                buffer.erase(0, first.consumed);
                buffer += wire.substr(cut);
                EXPECT_EQ(p.parse(buffer).status, status::error);
            }
            EXPECT_EQ(p.error(), whole) << "cut at " << cut;
        }
    }
}

TEST(Resp, BytesAfterAReplyAreLeftForTheNext) {
    resp::parser p;
    const std::string wire = "+PONG\r\n:1\r\n";
    const resp::result r = p.parse(wire);
    EXPECT_EQ(r.status, status::done);
    EXPECT_EQ(r.consumed, 7u);
    EXPECT_EQ(p.take().text, "PONG");
    const resp::result next = p.parse(std::string_view(wire).substr(7));
    EXPECT_EQ(next.status, status::done);
    EXPECT_EQ(p.take().integer, 1);
}

TEST(Resp, MalformedInputIsAClearError) {
    EXPECT_EQ(error_of("?x\r\n"), "RESP: unknown type byte \"?\" (at byte 0 of the reply)");
    EXPECT_EQ(error_of(":12a\r\n"), "RESP: invalid integer \"12a\" (at byte 0 of the reply)");
    EXPECT_EQ(error_of(":+1\r\n"), "RESP: invalid integer \"+1\" (at byte 0 of the reply)");
    EXPECT_EQ(error_of(":99999999999999999999\r\n"),
              "RESP: invalid integer \"99999999999999999999\" (at byte 0 of the reply)");
    EXPECT_EQ(error_of("$-2\r\n"),
              "RESP: invalid length \"-2\" after \"$\" (at byte 0 of the reply)");
    EXPECT_EQ(error_of("%-1\r\n"),
              "RESP: invalid length \"-1\" after \"%\" (at byte 0 of the reply)");
    EXPECT_EQ(error_of("$3\r\nfooX\r\n"),
              "RESP: a string of 3 bytes not followed by CRLF: \"X\\r\" (at byte 0 of the reply)");
    EXPECT_EQ(error_of("*2\r\n+a\n"),
              "RESP: a line ending in LF without CR: \"+a\\n\" (at byte 4 of the reply)");
    EXPECT_EQ(error_of("+a\rb\r\n"),
              "RESP: a CR not followed by LF in \"+a\\rb\" (at byte 0 of the reply)");
    EXPECT_EQ(error_of("+a\rb"),
              "RESP: a CR not followed by LF in \"+a\\rb\" (at byte 0 of the reply)");
    EXPECT_EQ(error_of("#x\r\n"),
              "RESP: invalid boolean \"x\": expected t or f (at byte 0 of the reply)");
    EXPECT_EQ(error_of("_x\r\n"), "RESP: a null with a body \"x\" (at byte 0 of the reply)");
    EXPECT_EQ(error_of(",1.\r\n"), "RESP: invalid double \"1.\" (at byte 0 of the reply)");
    EXPECT_EQ(error_of("(12x\r\n"), "RESP: invalid big number \"12x\" (at byte 0 of the reply)");
    EXPECT_EQ(error_of("=3\r\ntxt\r\n"),
              "RESP: a verbatim string without its \"fmt:\" prefix: \"txt\" (at byte 0 of the "
              "reply)");
    EXPECT_EQ(error_of("$?\r\n"), "RESP: a streamed string (\"$?\"), which this client does not "
                                  "support (at byte 0 of the reply)");
    EXPECT_EQ(error_of("\r\n"),
              "RESP: an empty line where a type byte was expected (at byte 0 of the reply)");
}

// error() escapes the bytes once, a backslash doubled; raw_error() keeps them as they came, for
// the setup stage, which escapes a failure's text itself.
TEST(Resp, AnErrorIsEscapedOnceOrRaw) {
    resp::parser p;
    EXPECT_EQ(p.parse(":\x1b\\x\"\r\n").status, status::error);
    EXPECT_EQ(p.error(), R"(RESP: invalid integer "\x1b\\x"" (at byte 0 of the reply))");
    EXPECT_EQ(p.raw_error(), "RESP: invalid integer \"\x1b\\x\"\" (at byte 0 of the reply)");
    p.reset();
    EXPECT_EQ(p.raw_error(), "");
}

TEST(Resp, AnErrorIsStickyUntilReset) {
    resp::parser p;
    EXPECT_EQ(p.parse("?\r\n").status, status::error);
    EXPECT_EQ(p.parse("+OK\r\n").status, status::error);
    p.reset();
    EXPECT_EQ(p.parse("+OK\r\n").status, status::done);
}

TEST(Resp, LimitsAreErrorsNotAllocations) {
    const resp::limits l{.max_depth = 2, .max_line = 8, .max_bytes = 32, .max_values = 4};
    EXPECT_EQ(error_of("*1\r\n*1\r\n*1\r\n:1\r\n", l),
              "RESP: aggregates nested deeper than 2 (at byte 8 of the reply)");
    EXPECT_EQ(error_of("+123456789", l),
              "RESP: a line longer than 8 bytes (at byte 0 of the reply)");
    EXPECT_EQ(
        error_of("$33\r\n", l),
        "RESP: a string of 33 bytes: the reply would exceed 32 bytes (at byte 0 of the reply)");
    EXPECT_EQ(
        error_of("*2\r\n$30\r\n", l),
        "RESP: a string of 30 bytes: the reply would exceed 32 bytes (at byte 4 of the reply)");
    EXPECT_EQ(error_of("*5\r\n", l),
              "RESP: an aggregate of 5 elements: the reply would exceed 4 values (at byte 0 of the "
              "reply)");
    EXPECT_EQ(error_of("%3\r\n", l),
              "RESP: an aggregate of 3 pairs: the reply would exceed 4 values (at byte 0 of the "
              "reply)");
    // A count no allocation could hold is refused at its header, before any element.
    EXPECT_EQ(error_of("*9223372036854775807\r\n"),
              "RESP: an aggregate of 9223372036854775807 elements: the reply would exceed 1048576 "
              "values (at byte 0 of the reply)");
    // Many small items add up to the byte limit too.
    EXPECT_EQ(error_of("*4\r\n+12345\r\n+12345\r\n+12345\r\n+12345\r\n", l),
              "RESP: the reply exceeds 32 bytes (at byte 28 of the reply)");
    // Within the limits: fine, and the counts start again for the next reply.
    resp::parser p{l};
    EXPECT_EQ(p.parse("*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n").status, status::done);
    (void)p.take();
    EXPECT_EQ(p.parse("*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n").status, status::done);
}

TEST(Resp, EncodesACommandAsAnArrayOfBulkStrings) {
    const std::vector<std::string> args{"SET", "k", "a b\r\n", ""};
    EXPECT_EQ(resp::encode(args), "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na b\r\n\r\n$0\r\n\r\n");
}

TEST(Resp, PrintsLikeRedisCli) {
    EXPECT_EQ(resp::to_text(parse_all("+PONG\r\n")), "PONG");
    EXPECT_EQ(resp::to_text(parse_all("$3\r\nbar\r\n")), "\"bar\"");
    EXPECT_EQ(resp::to_text(parse_all("$6\r\na\"\\\n\x01\xc3\r\n")), R"("a\"\\\n\x01\xc3")");
    EXPECT_EQ(resp::to_text(parse_all(":7\r\n")), "(integer) 7");
    EXPECT_EQ(resp::to_text(parse_all("-ERR unknown command\r\n")), "(error) ERR unknown command");
    EXPECT_EQ(resp::to_text(parse_all("_\r\n")), "(nil)");
    EXPECT_EQ(resp::to_text(parse_all("#t\r\n")), "(true)");
    EXPECT_EQ(resp::to_text(parse_all(",3.25\r\n")), "(double) 3.25");
    EXPECT_EQ(resp::to_text(parse_all("(12\r\n")), "(big number) 12");
    EXPECT_EQ(resp::to_text(parse_all("*0\r\n")), "(empty array)");
    EXPECT_EQ(resp::to_text(parse_all("~0\r\n")), "(empty set)");
    EXPECT_EQ(resp::to_text(parse_all("%0\r\n")), "(empty map)");
    EXPECT_EQ(resp::to_text(parse_all("=14\r\ntxt:a:1\r\nb:2\r\n\r\n")), "a:1\nb:2");
    EXPECT_EQ(resp::to_text(parse_all("*3\r\n$1\r\na\r\n*2\r\n:1\r\n$1\r\nb\r\n_\r\n")),
              "1) \"a\"\n"
              "2) 1) (integer) 1\n"
              "   2) \"b\"\n"
              "3) (nil)");
    EXPECT_EQ(resp::to_text(parse_all("%2\r\n+proto\r\n:3\r\n+modules\r\n*2\r\n+a\r\n+b\r\n")),
              "1# proto => (integer) 3\n"
              "2# modules => 1) a\n"
              "              2) b");
    EXPECT_EQ(resp::to_text(parse_all("~2\r\n+x\r\n+y\r\n")), "1~ x\n2~ y");
    EXPECT_EQ(resp::to_text(parse_all(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n")),
              "(push) 1) \"message\"\n"
              "       2) \"ch\"\n"
              "       3) \"hi\"");
    // Numbers are right-aligned to the widest, and the nesting follows them.
    std::string ten = "*10\r\n";
    for (int i = 0; i < 9; ++i) {
        ten += ":0\r\n";
    }
    ten += "*1\r\n:5\r\n";
    std::string expected;
    for (int i = 1; i <= 9; ++i) {
        expected += " " + std::to_string(i) + ") (integer) 0\n";
    }
    EXPECT_EQ(resp::to_text(parse_all(ten)), expected + "10) 1) (integer) 5");
}

} // namespace
