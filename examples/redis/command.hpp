#ifndef REDIAL_EXAMPLES_REDIS_COMMAND_HPP
#define REDIAL_EXAMPLES_REDIS_COMMAND_HPP

// A line of stdin as a Redis command, with redis-cli's quoting rules (sdssplitargs): words split
// on spaces and tabs; "double quotes" take \" \\ \n \r \t \b \a and \xHH (any other \c is c);
// 'single quotes' are literal but for \'; a closing quote must end the word.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace resp {

struct split_result {
    std::vector<std::string> words; ///< empty for a blank line
    std::string error;              ///< why the line is not a command; empty when it is
};

inline split_result split_command(std::string_view line) {
    split_result r;
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    const auto hex = [](char c) {
        return c >= '0' && c <= '9'   ? c - '0'
               : c >= 'a' && c <= 'f' ? c - 'a' + 10
               : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                      : -1;
    };
    if (!line.empty() && line.back() == '\r') { // a CRLF line end
        line.remove_suffix(1);
    }
    std::size_t i = 0;
    while (true) {
        while (i < line.size() && blank(line[i])) {
            ++i;
        }
        if (i == line.size()) {
            return r;
        }
        std::string word;
        while (i < line.size() && !blank(line[i])) {
            const char quote = line[i];
            if (quote != '"' && quote != '\'') {
                word += line[i++];
                continue;
            }
            ++i;
            bool closed = false;
            while (i < line.size()) {
                char c = line[i++];
                if (c == quote) {
                    closed = true;
                    break;
                }
                if (c == '\\' && i < line.size()) {
                    const char next = line[i];
                    if (quote == '\'') {
                        if (next == '\'') {
                            c = '\'';
                            ++i;
                        }
                    } else if (next == 'x' && i + 2 < line.size() && hex(line[i + 1]) >= 0 &&
                               hex(line[i + 2]) >= 0) {
                        c = static_cast<char>(hex(line[i + 1]) * 16 + hex(line[i + 2]));
                        i += 3;
                    } else {
                        c = next == 'n'   ? '\n'
                            : next == 'r' ? '\r'
                            : next == 't' ? '\t'
                            : next == 'b' ? '\b'
                            : next == 'a' ? '\a'
                                          : next;
                        ++i;
                    }
                }
                word += c;
            }
            if (!closed) {
                r.words.clear();
                r.error = "unbalanced quotes";
                return r;
            }
            if (i < line.size() && !blank(line[i])) {
                r.words.clear();
                r.error = "a closing quote must be followed by a space or the end of the line";
                return r;
            }
        }
        r.words.push_back(std::move(word));
    }
}

} // namespace resp

#endif
