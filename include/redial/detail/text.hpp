#ifndef REDIAL_DETAIL_TEXT_HPP
#define REDIAL_DETAIL_TEXT_HPP

#include <string_view>

// Character classes and trimming for every parser (durations, configuration, the tools), so
// they agree on what white space is; std::isspace would depend on the locale.
namespace redial::detail {

constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

constexpr std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

} // namespace redial::detail

#endif
