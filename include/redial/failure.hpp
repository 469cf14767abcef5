#ifndef REDIAL_FAILURE_HPP
#define REDIAL_FAILURE_HPP

#include <string>
#include <system_error>
#include <utility>

namespace redial {

/// Why a connect failed or a session ended: an error code, and optionally a text that says more
/// than the code can (an exception's message, a TLS verification reason). The reconnector's
/// machine keeps the last one; its message() ends the give-up error.
struct failure {
    std::error_code code;
    std::string text;

    failure() = default;
    failure(std::error_code c) : code(c) {} // NOLINT: an error code is a failure
    failure(std::error_code c, std::string t) : code(c), text(std::move(t)) {}

    [[nodiscard]] std::string message() const { return text.empty() ? code.message() : text; }

    friend bool operator==(const failure&, const failure&) = default;
};

} // namespace redial

#endif
