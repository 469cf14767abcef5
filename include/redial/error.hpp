#ifndef REDIAL_ERROR_HPP
#define REDIAL_ERROR_HPP

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace redial {

namespace detail {

/// Length of the well-formed UTF-8 sequence at the start of `s` (1 to 4), or 0 if it is not one
/// (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF, or cut short).
constexpr std::size_t utf8_sequence(std::string_view s) noexcept {
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = b(0);
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; // no overlong forms
        hi = c == 0xED ? 0x9F : 0xBF; // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; // nothing past U+10FFFF
    } else {
        return 0;
    }
    if (s.size() < n || b(1) < lo || b(1) > hi) {
        return 0;
    }
    for (std::size_t i = 2; i < n; ++i) {
        if (b(i) < 0x80 || b(i) > 0xBF) {
            return 0;
        }
    }
    return n;
}

/// The code point of the well-formed UTF-8 sequence `seq` if it is a control that is no text:
/// C1 (U+0080 to U+009F, where U+009B is a terminal's CSI), the bidi marks, embeddings,
/// overrides and isolates (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), and
/// the line and paragraph separators (U+2028, U+2029); otherwise 0.
constexpr char32_t unicode_control(std::string_view seq) noexcept {
    const auto b = [&](std::size_t i) {
        return static_cast<char32_t>(static_cast<unsigned char>(seq[i]));
    };
    char32_t cp = 0;
    if (seq.size() == 2) {
        cp = ((b(0) & 0x1FU) << 6U) | (b(1) & 0x3FU);
    } else if (seq.size() == 3) {
        cp = ((b(0) & 0x0FU) << 12U) | ((b(1) & 0x3FU) << 6U) | (b(2) & 0x3FU);
    } else {
        return 0;
    }
    const bool control = (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
                         cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
                         (cp >= 0x2066 && cp <= 0x2069);
    return control ? cp : 0;
}

/// `v` as it can be printed on one line between double quotes: `"` and `\` escaped, control
/// characters as \n, \r, \t or \xNN, bytes that are not well-formed UTF-8 as \xNN, Unicode
/// controls (unicode_control) as \uXXXX; other valid UTF-8 (é, 日本) is kept as it is. With
/// `quotes` false, `"` and `\` are kept too: for a whole message whose quoted values are escaped
/// already (the tools' usage errors).
inline std::string escape(std::string_view v, bool quotes = true) {
    std::string out;
    out.reserve(v.size());
    const auto hex_byte = [&out](unsigned char c) {
        constexpr std::string_view digits = "0123456789abcdef";
        out.append("\\x").push_back(digits[c >> 4]);
        out.push_back(digits[c & 0xF]);
    };
    while (!v.empty()) {
        const auto c = static_cast<unsigned char>(v.front());
        std::size_t n = 1;
        if (quotes && (c == '"' || c == '\\')) {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c == '\n') {
            out.append("\\n");
        } else if (c == '\r') {
            out.append("\\r");
        } else if (c == '\t') {
            out.append("\\t");
        } else {
            // Kept as it is: printable ASCII, or a well-formed UTF-8 sequence that is not a
            // control (C1, bidi overrides, line separators: they steer a terminal or reorder
            // the line), which is written as \uXXXX.
            const std::size_t kept =
                c >= 0x80 ? utf8_sequence(v) : (c >= 0x20 && c != 0x7F ? 1 : 0);
            if (kept != 0 && unicode_control(v.substr(0, kept)) != 0) {
                const char32_t cp = unicode_control(v.substr(0, kept));
                constexpr std::string_view digits = "0123456789abcdef";
                out.append("\\u");
                for (int shift = 12; shift >= 0; shift -= 4) {
                    out.push_back(digits[(cp >> shift) & 0xF]);
                }
                n = kept;
            } else if (kept != 0) {
                out.append(v.substr(0, kept));
                n = kept;
            } else {
                hex_byte(c);
            }
        }
        v.remove_prefix(n);
    }
    return out;
}

} // namespace detail

/// Thrown for bad input: a configuration value, a flag, an environment variable or a policy
/// parameter. Carries the key and the offending value so the message can be acted on. The
/// message holds both escaped (detail::escape), the value quoted, so it stays one line whatever
/// the input; key() and value() are as given.
class config_error : public std::invalid_argument {
public:
    config_error(std::string_view key, std::string_view value, std::string_view why)
        : std::invalid_argument(compose(key, value, why)), key_(key), value_(value) {}

    [[nodiscard]] const std::string& key() const noexcept { return key_; }
    [[nodiscard]] const std::string& value() const noexcept { return value_; }

private:
    static std::string compose(std::string_view key, std::string_view value, std::string_view why) {
        std::string s = "invalid ";
        s.append(detail::escape(key)).append(" \"").append(detail::escape(value)).append("\": ");
        s.append(why);
        return s;
    }

    std::string key_;
    std::string value_;
};

} // namespace redial

#endif
