#ifndef REDIAL_DETAIL_ENVIRONMENT_HPP
#define REDIAL_DETAIL_ENVIRONMENT_HPP

#ifdef _WIN32
#include <stdlib.h> // _environ
#else
#include <unistd.h> // environ (POSIX)
#endif

#include <string_view>
#include <vector>

namespace redial::detail {

/// The process environment's "NAME=VALUE" strings that start with `prefix`. The views point
/// into the environment: use them before the next setenv().
inline std::vector<std::string_view> environment_with_prefix(std::string_view prefix) {
    std::vector<std::string_view> variables;
#ifdef _WIN32
    char** env = ::_environ;
#else
    char** env = ::environ;
#endif
    for (; env != nullptr && *env != nullptr; ++env) {
        const std::string_view var = *env;
        if (var.starts_with(prefix)) {
            variables.push_back(var);
        }
    }
    return variables;
}

} // namespace redial::detail

#endif
