#ifndef REDIAL_LIVENESS_STREAM_HPP
#define REDIAL_LIVENESS_STREAM_HPP

#include <redial/detail/close.hpp>

#include <asio/associator.hpp>
#include <asio/async_result.hpp>

#include <cstddef>
#include <system_error>
#include <type_traits>
#include <utility>

namespace redial {

namespace detail {
/// A read's completion handler that reports received bytes to the liveness monitor first.
/// Every association (executor, allocator, cancellation slot) is the wrapped handler's, so
/// composed operations and coroutines over the stream behave as over the bare connection.
template <class Handler, class Sink>
struct received_handler {
    Handler handler;
    Sink sink;

    template <class... More>
    void operator()(std::error_code ec, std::size_t n, More&&... more) {
        if (n != 0) {
            sink.received(); // bytes are proof of life, even alongside an error
        }
        std::move(handler)(ec, n, std::forward<More>(more)...);
    }
};
} // namespace detail

/// The connection a session gets when the reconnector has a liveness policy: the transport's
/// connection, with every completed read reporting its bytes as proof of life. Reads and writes
/// keep the connection's semantics, so existing session code (hold_session, a coroutine over
/// asio::async_read) is unchanged; the rest of the connection is next_layer().
///
/// Reads made on next_layer() directly are not seen: report them with mark_alive().
template <class Connection, class Sink>
class monitored_stream {
public:
    using next_layer_type = Connection;
    using executor_type = decltype(std::declval<Connection&>().get_executor());

    monitored_stream(Connection c, Sink sink) : next_(std::move(c)), sink_(std::move(sink)) {}

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
            [](auto handler, Connection* c, const Sink* sink, const MutableBuffers& b) {
                c->async_read_some(b, detail::received_handler<decltype(handler), Sink>{
                                          std::move(handler), *sink});
            },
            token, &next_, &sink_, buffers);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return next_.async_write_some(buffers, std::forward<Token>(token));
    }

    [[nodiscard]] executor_type get_executor() { return next_.get_executor(); }

    /// Bytes arrived by a path the stream does not see (a read on next_layer()).
    void mark_alive() const { sink_.received(); }
    /// The server asked for fewer pings (gRPC's GOAWAY too_many_pings): heartbeat doubles its
    /// interval; other policies ignore it.
    void slow_down() const { sink_.slow_down(); }

    void close(std::error_code& ec) noexcept {
        ec.clear();
        detail::close_quietly(next_);
    }
    void close() noexcept { detail::close_quietly(next_); }
    [[nodiscard]] bool is_open() const
        requires requires(const Connection& c) { c.is_open(); }
    {
        return next_.is_open();
    }

    [[nodiscard]] Connection& next_layer() noexcept { return next_; }
    [[nodiscard]] const Connection& next_layer() const noexcept { return next_; }

private:
    Connection next_;
    Sink sink_;
};

} // namespace redial

template <template <typename, typename> class Associator, class Handler, class Sink,
          class DefaultCandidate>
struct asio::associator<Associator, redial::detail::received_handler<Handler, Sink>,
                        DefaultCandidate> : Associator<Handler, DefaultCandidate> {
    static typename Associator<Handler, DefaultCandidate>::type
    get(const redial::detail::received_handler<Handler, Sink>& h,
        const DefaultCandidate& c = DefaultCandidate()) noexcept {
        return Associator<Handler, DefaultCandidate>::get(h.handler, c);
    }
};

#endif
