#ifndef REDIAL_SESSION_HOLD_HPP
#define REDIAL_SESSION_HOLD_HPP

#include <redial/detail/erased_handler.hpp>

#include <asio/buffer.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <system_error>
#include <utility>

namespace redial {

/// A session that holds the connection until the peer closes it (or it fails): reads and
/// discards, and ends with the read error as the close reason.
struct hold_session {
    template <class Connection, class Done>
    void operator()(Connection& c, Done done) const {
        // From a per-thread cache: steady reconnects allocate nothing here.
        auto buffer = std::allocate_shared<std::array<char, 128>>(
            detail::cached_allocator<std::array<char, 128>>());
        read(c, std::move(done), std::move(buffer));
    }

private:
    template <class Connection, class Done>
    static void read(Connection& c, Done done, std::shared_ptr<std::array<char, 128>> buffer) {
        c.async_read_some(asio::buffer(*buffer), [&c, done = std::move(done),
                                                  buffer](std::error_code ec, std::size_t) mutable {
            if (ec) {
                done(ec);
            } else {
                read(c, std::move(done), std::move(buffer));
            }
        });
    }
};

} // namespace redial

#endif
