#ifndef REDIAL_TRANSPORT_UNIX_HPP
#define REDIAL_TRANSPORT_UNIX_HPP

#include <redial/detail/check.hpp>
#include <redial/detail/connect_op.hpp>
#include <redial/detail/erased_handler.hpp>
#include <redial/transport/concept.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/local/stream_protocol.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <sys/un.h>

namespace redial {

/// A unix-domain stream socket at a path, with a connect timeout like tcp_transport's.
class unix_transport {
public:
    using connection = asio::local::stream_protocol::socket;

    /// Throws config_error (a std::invalid_argument) naming the key and the value for an empty
    /// path or one longer than a socket address holds (key `unix path`; 107 bytes on Linux),
    /// or a timeout that is not positive (`connect-timeout`).
    unix_transport(asio::any_io_executor ex, std::string path,
                   std::chrono::nanoseconds connect_timeout = std::chrono::seconds{10})
        : ex_(std::move(ex)), path_(std::move(path)),
          timeout_(detail::require_positive("connect-timeout", connect_timeout)) {
        if (path_.empty()) {
            throw config_error("unix path", path_, "must not be empty");
        }
        // Checked here, not at the first connect (where asio would throw out of run()).
        constexpr std::size_t longest = sizeof(sockaddr_un{}.sun_path) - 1;
        if (path_.size() > longest) {
            throw config_error("unix path", path_,
                               "longer than a socket address holds (" + std::to_string(longest) +
                                   " bytes)");
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
        // On the handler's executor (a reconnector's strand): see tcp_transport.
        const asio::any_io_executor ex = asio::get_associated_executor(handler, ex_);
        auto op = op_type::template begin<op_type>(ex, std::move(handler), timeout_);
        op_ = op;
        op->socket.async_connect(asio::local::stream_protocol::endpoint(path_),
                                 op_type::cached([op](std::error_code ec) { op->finish(ec); }));
    }

    asio::any_io_executor ex_;
    std::string path_;
    std::chrono::nanoseconds timeout_;
    std::weak_ptr<op_type> op_;
};

static_assert(transport<unix_transport>);

} // namespace redial

#endif
