#ifndef REDIAL_TRANSPORT_UNIX_HPP
#define REDIAL_TRANSPORT_UNIX_HPP

#include <redial/clock/concept.hpp>
#include <redial/clock/steady_clock.hpp>
#include <redial/detail/check.hpp>
#include <redial/detail/connect_op.hpp>
#include <redial/transport/concept.hpp>

#include <asio/any_io_executor.hpp>
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

/// A unix-domain stream socket at a path, with a connect timeout on `Clock` like
/// basic_tcp_transport's. `unix_transport` is the production one, on steady_clock.
template <clock_source Clock = steady_clock>
class basic_unix_transport
    : public detail::connect_transport<
          basic_unix_transport<Clock>,
          detail::connect_op<asio::local::stream_protocol::socket, Clock>, Clock> {
    using op_type = detail::connect_op<asio::local::stream_protocol::socket, Clock>;
    using base = detail::connect_transport<basic_unix_transport, op_type, Clock>;
    friend base;

public:
    using connection = asio::local::stream_protocol::socket;

    /// Throws config_error (a std::invalid_argument) naming the key and the value for an empty
    /// path, a file path with a NUL byte in it, or one longer than a socket address holds (key
    /// `unix path`; 107 bytes on Linux),
    /// or a timeout that is not positive (`connect-timeout`). `clock`: as basic_tcp_transport's.
    basic_unix_transport(asio::any_io_executor ex, std::string path,
                         std::chrono::nanoseconds connect_timeout = std::chrono::seconds{10},
                         Clock clock = Clock{})
        : base(std::move(ex), detail::require_positive("connect-timeout", connect_timeout),
               std::move(clock)),
          path_(std::move(path)) {
        if (path_.empty()) {
            throw config_error("unix path", path_, "must not be empty");
        }
        // A file path ends at its first NUL for the kernel: connecting to the prefix would be
        // a silent surprise. (A leading NUL names Linux's abstract namespace, where any byte
        // may follow.)
        if (path_.front() != '\0' && path_.find('\0') != std::string::npos) {
            throw config_error("unix path", path_,
                               "contains a NUL byte (the socket would be the part before it)");
        }
        // Checked here, not at the first connect (where asio would throw out of run()).
        constexpr std::size_t longest = sizeof(sockaddr_un{}.sun_path) - 1;
        if (path_.size() > longest) {
            throw config_error("unix path", path_,
                               "longer than a socket address holds (" + std::to_string(longest) +
                                   " bytes)");
        }
    }

    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    void launch(std::shared_ptr<op_type> op, const asio::any_io_executor&) {
        op_type& o = *op;
        o.socket.async_connect(
            asio::local::stream_protocol::endpoint(path_),
            op_type::cached([op = std::move(op)](std::error_code ec) { op->finish(ec); }));
    }

    std::string path_;
};

/// A unix-domain socket on steady_clock: production time.
using unix_transport = basic_unix_transport<steady_clock>;

static_assert(transport<unix_transport>);

} // namespace redial

#endif
