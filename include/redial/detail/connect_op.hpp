#ifndef REDIAL_DETAIL_CONNECT_OP_HPP
#define REDIAL_DETAIL_CONNECT_OP_HPP

#include <redial/detail/erased_handler.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/error.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <new>
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
    /// The op and its control block come from block_cache, so steady attempts allocate
    /// nothing; apart, so the weak_ptr a transport keeps to its last attempt holds only the
    /// control block (32 bytes), not the op's few hundred, through a session.
    template <class Op, class Handler>
    static std::shared_ptr<Op> begin(const asio::any_io_executor& ex, Handler handler,
                                     std::chrono::nanoseconds timeout) {
        void* memory = block_cache::allocate(sizeof(Op));
        Op* raw = nullptr;
        try {
            raw = ::new (memory) Op(ex);
        } catch (...) {
            block_cache::deallocate(memory, sizeof(Op));
            throw;
        }
        std::shared_ptr<Op> op(raw, cached_delete<Op>{}, cached_allocator<Op>{});
        op->handler = erased_handler<std::error_code, Socket>(std::move(handler), ex);
        op->arm_timeout(timeout, op);
        return op;
    }

    /// `f` as a completion handler whose asio operation memory comes from block_cache.
    template <class F>
    static auto cached(F f) {
        return with_cached_memory(std::move(f));
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
        if (done) {
            return; // the socket may be the connection handed out: leave it alone
        }
        std::error_code ignored;
        socket.close(ignored); // completes the pending connect with operation_aborted
        finish(ec);
    }
    void arm_timeout(std::chrono::nanoseconds timeout, std::weak_ptr<connect_op> weak) {
        timer.expires_after(timeout);
        timer.async_wait(with_cached_memory([weak = std::move(weak)](std::error_code ec) {
            if (auto op = weak.lock(); op && !ec) {
                op->abort(asio::error::timed_out);
            }
        }));
    }

private:
    template <class Op>
    struct cached_delete {
        void operator()(Op* p) const noexcept {
            p->~Op();
            block_cache::deallocate(p, sizeof(Op));
        }
    };
};

} // namespace detail

} // namespace redial

#endif
