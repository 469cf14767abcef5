#ifndef REDIAL_SETUP_BUFFERED_CONNECTION_HPP
#define REDIAL_SETUP_BUFFERED_CONNECTION_HPP

#include <redial/detail/close.hpp>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_executor.hpp>
#include <asio/buffer.hpp>
#include <asio/post.hpp>

#include <cstddef>
#include <string>
#include <system_error>
#include <utility>

namespace redial {

/// The connection a setup transport hands out: the inner transport's connection, and the bytes
/// the setup steps read past their last reply (a server that sends its first message in the
/// same packet as the handshake's answer). Reads return those bytes first, then read the
/// connection; writes go straight through. An AsyncReadStream and AsyncWriteStream, so session
/// code written for the bare connection (asio::async_read, a coroutine) works unchanged; the
/// rest of the connection is next_layer().
template <class Connection>
class buffered_connection {
public:
    using next_layer_type = Connection;
    using executor_type = decltype(std::declval<Connection&>().get_executor());

    buffered_connection() = default;
    buffered_connection(Connection c, std::string buffered)
        : next_(std::move(c)), buffered_(std::move(buffered)) {}

    /// Completes with buffered bytes if there are any (posted, never inside this call), else
    /// reads the connection.
    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
            [](auto handler, buffered_connection* self, const MutableBuffers& b) {
                if (self->offset_ == self->buffered_.size()) {
                    self->next_.async_read_some(b, std::move(handler));
                    return;
                }
                const std::size_t n =
                    asio::buffer_copy(b, asio::buffer(self->buffered_) + self->offset_);
                self->offset_ += n;
                if (self->offset_ == self->buffered_.size()) {
                    std::string().swap(self->buffered_); // the memory goes back at once
                    self->offset_ = 0;
                }
                auto ex = asio::get_associated_executor(handler, self->next_.get_executor());
                asio::post(std::move(ex), [h = std::move(handler), n]() mutable {
                    std::move(h)(std::error_code{}, n);
                });
            },
            token, this, buffers);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return next_.async_write_some(buffers, std::forward<Token>(token));
    }

    /// Closes the connection and drops what the setup left unread (the session is over).
    void close() {
        std::string().swap(buffered_);
        offset_ = 0;
        detail::close_quietly(next_);
    }
    [[nodiscard]] bool is_open() const
        requires requires(const Connection& c) { c.is_open(); }
    {
        return next_.is_open();
    }
    [[nodiscard]] executor_type get_executor() { return next_.get_executor(); }

    /// Bytes the setup read that no read has returned yet.
    [[nodiscard]] std::size_t buffered() const noexcept { return buffered_.size() - offset_; }

    [[nodiscard]] Connection& next_layer() noexcept { return next_; }
    [[nodiscard]] const Connection& next_layer() const noexcept { return next_; }

private:
    Connection next_;
    std::string buffered_;
    std::size_t offset_ = 0;
};

} // namespace redial

#endif
