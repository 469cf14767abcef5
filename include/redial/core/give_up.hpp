#ifndef REDIAL_CORE_GIVE_UP_HPP
#define REDIAL_CORE_GIVE_UP_HPP

// Why a reconnect gave up, as the machine records it and as an error_code. Here, beside the
// machine, so machine-only and simulation users get an error_code without asio.

#include <cstdint>
#include <string>
#include <system_error>

namespace redial {

/// Why the machine gave up (basic_reconnect_machine::reason()).
enum class give_up_reason : std::uint8_t {
    none,
    timeout,   ///< the give-up timeout passed
    attempts,  ///< the attempt limit was reached
    terminal,  ///< the classifier marked an error as final
    held_down, ///< the stability policy's hold-down outlasts what is left of the timeout
};

/// The error a reconnect that gave up completes with (the full text is the machine's
/// give_up_message()). A hold-down that outlasts the timeout is a timeout.
enum class reconnect_errc {
    timed_out = 1,      ///< the give-up timeout passed
    attempts_exhausted, ///< the attempt limit was reached
    terminal_error,     ///< the classifier marked an error as final
};

namespace detail {
class reconnect_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "redial"; }
    std::string message(int ev) const override {
        switch (static_cast<reconnect_errc>(ev)) {
        case reconnect_errc::timed_out:
            return "reconnect timed out";
        case reconnect_errc::attempts_exhausted:
            return "reconnect attempts exhausted";
        case reconnect_errc::terminal_error:
            return "reconnect gave up on a terminal error";
        }
        return "unknown redial error";
    }
};
} // namespace detail

inline const std::error_category& reconnect_category() noexcept {
    static const detail::reconnect_category_impl category;
    return category;
}
inline std::error_code make_error_code(reconnect_errc e) noexcept {
    return {static_cast<int>(e), reconnect_category()};
}

/// The error_code of a give-up reason; empty for give_up_reason::none.
inline std::error_code give_up_error(give_up_reason r) noexcept {
    switch (r) {
    case give_up_reason::none:
        return {};
    case give_up_reason::attempts:
        return make_error_code(reconnect_errc::attempts_exhausted);
    case give_up_reason::terminal:
        return make_error_code(reconnect_errc::terminal_error);
    case give_up_reason::timeout:
    case give_up_reason::held_down:
        break;
    }
    return make_error_code(reconnect_errc::timed_out);
}

} // namespace redial

template <>
struct std::is_error_code_enum<redial::reconnect_errc> : std::true_type {};

#endif
