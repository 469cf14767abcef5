#ifndef REDIAL_DETAIL_CLOSE_HPP
#define REDIAL_DETAIL_CLOSE_HPP

#include <system_error>

namespace redial::detail {

/// Closes a connection without letting an error escape: close(error_code&) when it has one (asio
/// sockets), otherwise close() with any exception swallowed. A failed close still ends the
/// session; there is nobody to report it to.
template <class Connection>
void close_quietly(Connection& c) noexcept {
    if constexpr (requires(std::error_code& ec) { c.close(ec); }) {
        std::error_code ignored;
        c.close(ignored);
    } else {
        try {
            c.close();
        } catch (...) { // NOLINT(bugprone-empty-catch): see above
        }
    }
}

} // namespace redial::detail

#endif
