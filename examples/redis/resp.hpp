#ifndef REDIAL_EXAMPLES_REDIS_RESP_HPP
#define REDIAL_EXAMPLES_REDIS_RESP_HPP

// RESP, the Redis protocol (RESP2 and RESP3), for redial-redis: a sans-I/O reply parser, the
// encoding of a command, and the readable form redis-cli prints. No I/O here: the parser takes
// whatever bytes arrived and says how many it used, so the same code serves the setup step, the
// session and the fuzz target.

#include <redial/error.hpp> // detail::escape, for values quoted in error messages

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace resp {

/// What a reply is. Attributes (RESP3 '|') are parsed and dropped: they augment a reply, they
/// are not part of it.
enum class kind : std::uint8_t {
    simple_string, ///< +OK
    error,         ///< -ERR ...
    integer,       ///< :1
    bulk_string,   ///< $3 foo
    bulk_error,    ///< !21 SYNTAX invalid syntax
    verbatim,      ///< =15 txt:Some string
    double_value,  ///< ,1.23 (also inf, -inf, nan)
    big_number,    ///< (3492890328409238509324850943850943825024385
    boolean,       ///< #t
    null,          ///< _ (RESP3), or $-1 / *-1 (RESP2)
    array,         ///< *2
    map,           ///< %1: elements are key, value, key, value...
    set,           ///< ~2
    push,          ///< >3: out of band (pub/sub messages, client tracking)
};

struct value {
    resp::kind kind = kind::null;
    std::string text;            ///< strings and errors; a double's or big number's digits
    std::string format;          ///< verbatim only: "txt", "mkd"
    std::int64_t integer = 0;    ///< kind::integer
    bool boolean = false;        ///< kind::boolean
    std::vector<value> elements; ///< array, set, push; a map's keys and values alternating

    [[nodiscard]] bool is_error() const noexcept {
        return kind == kind::error || kind == kind::bulk_error;
    }
    [[nodiscard]] bool is_aggregate() const noexcept {
        return kind == kind::array || kind == kind::map || kind == kind::set || kind == kind::push;
    }
};

/// What one reply may take. A reply past any of them is a protocol error (the connection is
/// not trusted further), never an allocation the peer chose.
struct limits {
    std::size_t max_depth = 32;                    ///< aggregates nested in aggregates
    std::size_t max_line = std::size_t{64} * 1024; ///< a line: simple string, error, number, header
    std::size_t max_bytes = 64u << 20; ///< a reply's bytes in all (so any one bulk string)
    std::size_t max_values = 1u << 20; ///< values in a reply, at every level
};

enum class status : std::uint8_t {
    need_more, ///< a reply has not ended in the bytes given: call again with more
    done,      ///< a reply is complete: take() it
    error,     ///< the bytes are not RESP, or past a limit: error() says why (sticky)
};

struct result {
    resp::status status;
    std::size_t consumed; ///< bytes used from the front of the input: drop them
};

/// An incremental reply parser. Feed it the bytes received and not yet consumed; it consumes
/// whole items (a header line, a bulk string with its payload) and keeps the aggregates being
/// filled, so bytes are read once however the reply is split. After `done`, take() the reply
/// and parse the next. After `error`, the parser stays in error until reset().
class parser {
public:
    parser() = default;
    explicit parser(const limits& l) : limits_(l) {}

    result parse(std::string_view in) {
        if (status_ == status::error) {
            return {status::error, 0};
        }
        if (status_ == status::done) {
            return {status::done, 0};
        }
        std::size_t pos = 0;
        while (true) {
            std::size_t used = 0;
            const step s = item(in.substr(pos), used);
            if (s == step::more) {
                return {status::need_more, pos};
            }
            if (s == step::failed) {
                return {status::error, pos};
            }
            pos += used;
            reply_bytes_ += used;
            if (s == step::complete) {
                return {status::done, pos};
            }
        }
    }

    /// The reply, after `done`; the parser is then ready for the next one.
    [[nodiscard]] value take() {
        value v = std::move(reply_);
        reset();
        return v;
    }
    [[nodiscard]] resp::status state() const noexcept { return status_; }
    /// Why, after `error`: "RESP: ..." with the offending bytes escaped (a backslash doubled),
    /// and where.
    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    /// The same with the offending bytes as they came (their run cut at 40): for a caller that
    /// escapes the whole text itself, as redial::setup_error does (escaping twice garbles it).
    [[nodiscard]] const std::string& raw_error() const noexcept { return raw_error_; }
    [[nodiscard]] const limits& bounds() const noexcept { return limits_; }

    /// Forgets the reply in progress and any error (a new connection).
    void reset() {
        stack_.clear();
        reply_ = value{};
        error_.clear();
        raw_error_.clear();
        status_ = status::need_more;
        reply_bytes_ = 0;
        values_ = 0;
    }

private:
    enum class step : std::uint8_t { more, progress, complete, failed };
    struct frame {
        value v;
        std::size_t remaining; // elements still to come
        bool attribute;        // an attribute map: dropped when complete
    };

    step fail(std::string why) {
        raw_error_ = "RESP: " + std::move(why) + " (at byte " + std::to_string(reply_bytes_) +
                     " of the reply)";
        // Escaped as the setup stage escapes a server's text: a backslash doubled, so a
        // literal "\x1b" is told from an escaped ESC (the message's own words are plain ASCII).
        error_.clear();
        std::string_view rest = raw_error_;
        for (std::size_t slash = rest.find('\\'); slash != std::string_view::npos;
             slash = rest.find('\\')) {
            error_ += redial::detail::escape(rest.substr(0, slash), false) + "\\\\";
            rest.remove_prefix(slash + 1);
        }
        error_ += redial::detail::escape(rest, false);
        status_ = status::error;
        return step::failed;
    }

    // Bytes as an error message quotes them, as they came (fail() escapes the message), the
    // tail of a long run elided.
    static std::string shown(std::string_view s) {
        constexpr std::size_t most = 40;
        if (s.size() > most) {
            return "\"" + std::string(s.substr(0, most)) + "...\" (" + std::to_string(s.size()) +
                   " bytes)";
        }
        return "\"" + std::string(s) + "\"";
    }

    // One item from the front of `in`: a whole scalar, or an aggregate's header.
    step item(std::string_view in, std::size_t& used) {
        std::string_view line;
        std::size_t line_end = 0; // bytes of the line with its CRLF
        if (const step s = read_line(in, line, line_end); s != step::progress) {
            return s;
        }
        if (line.empty()) {
            return fail("an empty line where a type byte was expected");
        }
        if (reply_bytes_ + line_end > limits_.max_bytes) {
            return fail("the reply exceeds " + std::to_string(limits_.max_bytes) + " bytes");
        }
        const char type = line.front();
        const std::string_view body = line.substr(1);
        value v;
        switch (type) {
        case '+':
        case '-':
            v.kind = type == '+' ? kind::simple_string : kind::error;
            v.text = body;
            break;
        case ':':
            v.kind = kind::integer;
            if (!parse_integer(body, v.integer)) {
                return fail("invalid integer " + shown(body));
            }
            break;
        case '(':
            v.kind = kind::big_number;
            if (!valid_big_number(body)) {
                return fail("invalid big number " + shown(body));
            }
            v.text = body;
            break;
        case ',':
            v.kind = kind::double_value;
            if (!valid_double(body)) {
                return fail("invalid double " + shown(body));
            }
            v.text = body;
            break;
        case '#':
            v.kind = kind::boolean;
            if (body != "t" && body != "f") {
                return fail("invalid boolean " + shown(body) + ": expected t or f");
            }
            v.boolean = body == "t";
            break;
        case '_':
            if (!body.empty()) {
                return fail("a null with a body " + shown(body));
            }
            break;
        case '$':
        case '!':
        case '=':
            return blob(type, body, in, line_end, used);
        case '*':
        case '~':
        case '%':
        case '>':
        case '|':
            return aggregate(type, body, line_end, used);
        default:
            return fail("unknown type byte " + shown(line.substr(0, 1)));
        }
        used = line_end;
        return complete(std::move(v));
    }

    // A line up to CRLF, within max_line. A bare LF or CR in it is not RESP. Decided by the
    // first CR or LF alone, so any split of the bytes reaches the same verdict: a CR must be
    // followed by LF, an LF must follow a CR, and a line that has neither within max_line + 2
    // bytes is too long.
    step read_line(std::string_view in, std::string_view& line, std::size_t& end) {
        const std::size_t lf = in.substr(0, limits_.max_line + 2).find('\n');
        // Past max_line, a CR ends a line that is too long anyway.
        const std::size_t cr = in.substr(0, limits_.max_line + 1).find('\r');
        if (lf != std::string_view::npos && (cr == std::string_view::npos || lf < cr)) {
            return fail("a line ending in LF without CR: " + shown(in.substr(0, lf + 1)));
        }
        if (cr != std::string_view::npos && cr + 1 < in.size()) {
            if (in[cr + 1] != '\n') {
                return fail("a CR not followed by LF in " + shown(in.substr(0, cr + 2)));
            }
            line = in.substr(0, cr);
            end = cr + 2;
            return step::progress;
        }
        if (in.size() >= limits_.max_line + 2) {
            return fail("a line longer than " + std::to_string(limits_.max_line) + " bytes");
        }
        return step::more;
    }

    // A length in a header: a non-negative whole number, or -1 where RESP2 allows a null.
    step length(char type, std::string_view body, std::int64_t& n, bool null_allowed) {
        if (body == "?") {
            return fail(std::string("a streamed ") + (type == '$' ? "string" : "aggregate") +
                        " (\"" + type + "?\"), which this client does not support");
        }
        if (!parse_integer(body, n) || n < (null_allowed ? -1 : 0)) {
            return fail("invalid length " + shown(body) + " after " + shown({&type, 1}));
        }
        return step::progress;
    }

    step blob(char type, std::string_view body, std::string_view in, std::size_t line_end,
              std::size_t& used) {
        std::int64_t n = 0;
        if (const step s = length(type, body, n, type == '$'); s != step::progress) {
            return s;
        }
        if (n == -1) { // RESP2's null bulk string
            used = line_end;
            return complete(value{});
        }
        const auto size = static_cast<std::uint64_t>(n);
        if (size > limits_.max_bytes || reply_bytes_ + line_end + size > limits_.max_bytes) {
            return fail("a string of " + std::to_string(size) + " bytes: the reply would exceed " +
                        std::to_string(limits_.max_bytes) + " bytes");
        }
        const std::size_t need = line_end + static_cast<std::size_t>(size) + 2;
        if (in.size() < need) {
            return step::more; // the header is read again with the payload: no partial state
        }
        const std::string_view data = in.substr(line_end, static_cast<std::size_t>(size));
        if (in.substr(need - 2, 2) != "\r\n") {
            return fail("a string of " + std::to_string(size) +
                        " bytes not followed by CRLF: " + shown(in.substr(need - 2, 2)));
        }
        value v;
        if (type == '=') {
            if (data.size() < 4 || data[3] != ':') {
                return fail("a verbatim string without its \"fmt:\" prefix: " + shown(data));
            }
            v.kind = kind::verbatim;
            v.format = data.substr(0, 3);
            v.text = data.substr(4);
        } else {
            v.kind = type == '$' ? kind::bulk_string : kind::bulk_error;
            v.text = data;
        }
        used = need;
        return complete(std::move(v));
    }

    step aggregate(char type, std::string_view body, std::size_t line_end, std::size_t& used) {
        std::int64_t n = 0;
        if (const step s = length(type, body, n, type == '*'); s != step::progress) {
            return s;
        }
        used = line_end;
        if (n == -1) { // RESP2's null array
            return complete(value{});
        }
        const bool pairs = type == '%' || type == '|';
        const auto count = static_cast<std::uint64_t>(n);
        const std::uint64_t budget = limits_.max_values - values_;
        if (count > budget || (pairs && count > budget / 2)) {
            return fail("an aggregate of " + std::to_string(count) +
                        (pairs ? " pairs" : " elements") + ": the reply would exceed " +
                        std::to_string(limits_.max_values) + " values");
        }
        if (stack_.size() >= limits_.max_depth) {
            return fail("aggregates nested deeper than " + std::to_string(limits_.max_depth));
        }
        const std::size_t elements = static_cast<std::size_t>(pairs ? count * 2 : count);
        values_ += elements;
        value v;
        v.kind = type == '*'   ? kind::array
                 : type == '~' ? kind::set
                 : type == '>' ? kind::push
                               : kind::map;
        if (elements == 0) {
            return type == '|' ? step::progress : complete(std::move(v));
        }
        stack_.push_back(frame{std::move(v), elements, type == '|'});
        return step::progress;
    }

    // A value is whole: into its aggregate, or the reply itself. Aggregates it completes are
    // closed in turn; an attribute is dropped and does not count as an element.
    step complete(value v) {
        while (true) {
            if (stack_.empty()) {
                reply_ = std::move(v);
                status_ = status::done;
                return step::complete;
            }
            frame& top = stack_.back();
            top.v.elements.push_back(std::move(v));
            if (--top.remaining != 0) {
                return step::progress;
            }
            const bool attribute = top.attribute;
            v = std::move(top.v);
            stack_.pop_back();
            if (attribute) {
                return step::progress;
            }
        }
    }

    static bool parse_integer(std::string_view s, std::int64_t& out) {
        if (s.empty() || s.front() == '+') {
            return false;
        }
        const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc{} && ptr == s.data() + s.size();
    }
    static bool all_digits(std::string_view s) {
        return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
    }
    static bool valid_big_number(std::string_view s) {
        if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
            s.remove_prefix(1);
        }
        return all_digits(s);
    }
    // [+|-]digits[.digits][(e|E)[+|-]digits], or inf, -inf, nan (the RESP3 grammar).
    static bool valid_double(std::string_view s) {
        if (s == "inf" || s == "-inf" || s == "+inf" || s == "nan" || s == "-nan") {
            return true;
        }
        if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
            s.remove_prefix(1);
        }
        const std::size_t e = s.find_first_of("eE");
        std::string_view mantissa = s.substr(0, e);
        if (e != std::string_view::npos) {
            std::string_view exponent = s.substr(e + 1);
            if (!exponent.empty() && (exponent.front() == '-' || exponent.front() == '+')) {
                exponent.remove_prefix(1);
            }
            if (!all_digits(exponent)) {
                return false;
            }
        }
        const std::size_t dot = mantissa.find('.');
        if (dot == std::string_view::npos) {
            return all_digits(mantissa);
        }
        return all_digits(mantissa.substr(0, dot)) && all_digits(mantissa.substr(dot + 1));
    }

    limits limits_{};
    std::vector<frame> stack_;
    value reply_;
    std::string error_;
    std::string raw_error_;
    status status_ = status::need_more;
    std::size_t reply_bytes_ = 0; // consumed for the reply in progress
    std::size_t values_ = 0;      // elements announced by its aggregates
};

/// A command as RESP sends it: an array of bulk strings.
inline std::string encode(std::span<const std::string> args) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (const std::string& a : args) {
        out += "$" + std::to_string(a.size()) + "\r\n";
        out += a;
        out += "\r\n";
    }
    return out;
}

namespace detail {

// A string as redis-cli quotes it: printable ASCII as is, the usual escapes, \xHH otherwise.
inline void quote(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
        case '\\':
            out += "\\\\";
            break;
        case '"':
            out += "\\\"";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\a':
            out += "\\a";
            break;
        case '\b':
            out += "\\b";
            break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                out += ch;
            } else {
                out += "\\x";
                out += hex[c >> 4];
                out += hex[c & 0xf];
            }
        }
    }
    out += '"';
}

// Text on several lines (LF or CRLF): every line after the first starts at `indent`, and a
// final line end is dropped.
inline void indented(std::string& out, std::string_view text, std::size_t indent) {
    std::size_t begin = 0;
    while (true) {
        const std::size_t nl = text.find('\n', begin);
        std::string_view line = text.substr(begin, nl == std::string_view::npos ? nl : nl - begin);
        if (nl != std::string_view::npos && line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        out += line;
        if (nl == std::string_view::npos || nl + 1 == text.size()) {
            return;
        }
        out += '\n';
        out.append(indent, ' ');
        begin = nl + 1;
    }
}

inline void print(std::string& out, const value& v, std::size_t indent) {
    switch (v.kind) {
    case kind::simple_string:
        indented(out, v.text, indent);
        return;
    case kind::error:
    case kind::bulk_error:
        out += "(error) ";
        indented(out, v.text, indent + 8);
        return;
    case kind::integer:
        out += "(integer) " + std::to_string(v.integer);
        return;
    case kind::bulk_string:
        quote(out, v.text);
        return;
    case kind::verbatim:
        indented(out, v.text, indent);
        return;
    case kind::double_value:
        out += "(double) " + v.text;
        return;
    case kind::big_number:
        out += "(big number) " + v.text;
        return;
    case kind::boolean:
        out += v.boolean ? "(true)" : "(false)";
        return;
    case kind::null:
        out += "(nil)";
        return;
    case kind::array:
    case kind::set:
    case kind::map:
    case kind::push:
        break;
    }
    if (v.kind == kind::push) {
        out += "(push) ";
        indent += 7;
    }
    const bool map = v.kind == kind::map;
    const std::size_t n = map ? v.elements.size() / 2 : v.elements.size();
    if (n == 0) {
        out += v.kind == kind::map   ? "(empty map)"
               : v.kind == kind::set ? "(empty set)"
                                     : "(empty array)";
        return;
    }
    const char mark = map ? '#' : v.kind == kind::set ? '~' : ')';
    const std::size_t width = std::to_string(n).size();
    for (std::size_t i = 0; i < n; ++i) {
        if (i != 0) {
            out += '\n';
            out.append(indent, ' ');
        }
        const std::string number = std::to_string(i + 1);
        out.append(width - number.size(), ' ');
        out += number;
        out += mark;
        out += ' ';
        const std::size_t inner = indent + width + 2;
        if (map) {
            print(out, v.elements[2 * i], inner);
            out += " => ";
            // A nested value lines up under its first line (keys are short and on one line).
            const std::size_t line_start = out.rfind('\n');
            const std::size_t column =
                out.size() - (line_start == std::string::npos ? 0 : line_start + 1);
            print(out, v.elements[2 * i + 1], column);
        } else {
            print(out, v.elements[i], inner);
        }
    }
}

} // namespace detail

/// The reply as redis-cli shows it: OK, "bulk", (integer) 1, (nil), (error) ..., numbered
/// nested arrays indented under their parent, maps as `1# key => value`, sets as `1~`, and
/// push messages as `(push) 1) ...`. No trailing newline.
inline std::string to_text(const value& v) {
    std::string out;
    detail::print(out, v, 0);
    return out;
}

} // namespace resp

#endif
