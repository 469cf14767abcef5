#ifndef REDIAL_SETUP_ERROR_HPP
#define REDIAL_SETUP_ERROR_HPP

#include <string>
#include <system_error>
#include <utility>

namespace redial {

/// Why a setup step failed, when no system error says it.
enum class setup_errc {
    rejected = 1, ///< the server refused the handshake (credentials, version, database)
    protocol,     ///< a reply the protocol does not allow
    exception,    ///< a step threw something that is neither setup_error nor std::system_error
};

namespace detail {
class setup_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "redial.setup"; }
    std::string message(int ev) const override {
        switch (static_cast<setup_errc>(ev)) {
        case setup_errc::rejected:
            return "the server rejected the connection setup";
        case setup_errc::protocol:
            return "the server's reply broke the protocol";
        case setup_errc::exception:
            return "a setup step threw an exception";
        }
        return "unknown redial.setup error";
    }
};
} // namespace detail

inline const std::error_category& setup_category() noexcept {
    static const detail::setup_category_impl category;
    return category;
}
inline std::error_code make_error_code(setup_errc e) noexcept {
    return {static_cast<int>(e), setup_category()};
}

/// What a coroutine setup step throws to fail the attempt with a code and the server's words:
/// `throw setup_error(setup_errc::rejected, "-WRONGPASS invalid username-password pair")`.
/// The text reaches the connect_failed event, the log and the give-up message verbatim
/// (escaped, and cut at setup_options::max_text).
class setup_error : public std::system_error {
public:
    setup_error(std::error_code code, std::string text)
        : std::system_error(code, text), text_(std::move(text)) {}

    /// The text as given (what() adds the code's message).
    [[nodiscard]] const std::string& text() const noexcept { return text_; }

private:
    std::string text_;
};

} // namespace redial

template <>
struct std::is_error_code_enum<redial::setup_errc> : std::true_type {};

#endif
