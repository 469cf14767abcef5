#ifndef REDIAL_TRANSPORT_UNIX_HPP
#define REDIAL_TRANSPORT_UNIX_HPP

#include <redial/detail/connect_op.hpp>
#include <redial/detail/erased_handler.hpp>
#include <redial/transport/concept.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/local/stream_protocol.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

namespace redial {

/// A unix-domain stream socket at a path, with a connect timeout like tcp_transport's.
class unix_transport {
public:
    using connection = asio::local::stream_protocol::socket;

    /// Throws std::invalid_argument for an empty path or a zero or negative timeout.
    unix_transport(asio::any_io_executor ex, std::string path,
                   std::chrono::nanoseconds connect_timeout = std::chrono::seconds{10})
        : ex_(std::move(ex)), path_(std::move(path)), timeout_(connect_timeout) {
        if (path_.empty() || timeout_.count() <= 0) {
            throw std::invalid_argument("unix_transport: needs a path and a positive connect "
                                        "timeout");
        }
    }

    template <class Token>
    auto async_connect(Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, connection)>(
            [this](auto handler) { this->start(std::move(handler)); }, token);
    }
    void cancel() {
        if (auto op = op_.lock()) {
            op->abort(asio::error::operation_aborted);
        }
    }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    using op_type = detail::connect_op<connection>;

    template <class Handler>
    void start(Handler handler) {
        auto op = op_type::template begin<op_type>(ex_, std::move(handler), timeout_);
        op_ = op;
        op->socket.async_connect(asio::local::stream_protocol::endpoint(path_),
                                 [op](std::error_code ec) { op->finish(ec); });
    }

    asio::any_io_executor ex_;
    std::string path_;
    std::chrono::nanoseconds timeout_;
    std::weak_ptr<op_type> op_;
};

static_assert(transport<unix_transport>);

} // namespace redial

#endif
