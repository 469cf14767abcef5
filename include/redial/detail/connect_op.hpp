#ifndef REDIAL_DETAIL_CONNECT_OP_HPP
#define REDIAL_DETAIL_CONNECT_OP_HPP

#include <redial/detail/erased_handler.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/error.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <system_error>
#include <utility>

namespace redial {

namespace detail {

// One connect attempt: the socket, the resolver (TCP only) and the connect timeout, completing
// its handler exactly once, with whichever of connect, failure, timeout or cancel comes first.
template <class Socket>
struct connect_op {
    Socket socket;
    asio::steady_timer timer;
    erased_handler<std::error_code, Socket> handler;
    bool done = false;

    explicit connect_op(const asio::any_io_executor& ex) : socket(ex), timer(ex) {}

    /// A new attempt of type Op (this or a derived type) holding `handler`, its timeout armed.
    template <class Op, class Handler>
    static std::shared_ptr<Op> begin(const asio::any_io_executor& ex, Handler handler,
                                     std::chrono::nanoseconds timeout) {
        auto op = std::make_shared<Op>(ex);
        op->handler = erased_handler<std::error_code, Socket>(std::move(handler), ex);
        op->arm_timeout(timeout, op);
        return op;
    }

    void finish(std::error_code ec) {
        if (done) {
            return;
        }
        done = true;
        timer.cancel();
        if (ec) {
            std::error_code ignored;
            socket.close(ignored);
            handler.complete(ec, Socket(socket.get_executor()));
        } else {
            handler.complete(ec, std::move(socket));
        }
    }
    void abort(std::error_code ec) {
        std::error_code ignored;
        socket.close(ignored); // completes the pending connect with operation_aborted
        finish(ec);
    }
    void arm_timeout(std::chrono::nanoseconds timeout, std::weak_ptr<connect_op> weak) {
        timer.expires_after(timeout);
        timer.async_wait([weak](std::error_code ec) {
            if (auto op = weak.lock(); op && !ec) {
                op->abort(asio::error::timed_out);
            }
        });
    }
};

} // namespace detail

} // namespace redial

#endif
