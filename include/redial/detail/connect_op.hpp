#ifndef REDIAL_DETAIL_CONNECT_OP_HPP
#define REDIAL_DETAIL_CONNECT_OP_HPP

#include <redial/detail/deadline.hpp>
#include <redial/detail/erased_handler.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/error.hpp>

#include <chrono>
#include <memory>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

namespace redial {

namespace detail {

/// The transports' connect timeout when none is given (tcp, tls, unix, and configuration's
/// `connect-timeout` left unset).
inline constexpr std::chrono::seconds default_connect_timeout{10};

// One connect attempt: the socket, the resolver (TCP only) and the connect timeout on the
// Clock policy's timer, completing its handler exactly once, with whichever of connect,
// failure, timeout or cancel comes first.
template <class Socket, class Clock>
struct connect_op {
    Socket socket;
    deadline<Clock> timeout;
    erased_handler<std::error_code, Socket> handler;
    bool done = false;

    connect_op(const asio::any_io_executor& ex, const Clock& clock)
        : socket(ex), timeout(clock, ex) {}

    /// A new attempt of type Op (this or a derived type) holding `handler`, its timeout armed
    /// `limit` from the clock's now. The op and its control block come from block_cache, so
    /// steady attempts allocate nothing; apart, so the weak_ptr a transport keeps to its last
    /// attempt holds only the control block (32 bytes), not the op's few hundred, through a
    /// session. A timeout calls Op's abort (a derived op's, which may stop more than the socket).
    template <class Op, class Handler>
    static std::shared_ptr<Op> begin(const asio::any_io_executor& ex, const Clock& clock,
                                     Handler handler, std::chrono::nanoseconds limit) {
        void* memory = block_cache::allocate(sizeof(Op));
        Op* raw = nullptr;
        try {
            raw = ::new (memory) Op(ex, clock);
        } catch (...) {
            block_cache::deallocate(memory, sizeof(Op));
            throw;
        }
        std::shared_ptr<Op> op(raw, cached_delete<Op>{}, cached_allocator<Op>{});
        op->handler = erased_handler<std::error_code, Socket>(std::move(handler), ex);
        op->timeout.arm(deadline<Clock>::after(clock, limit), std::weak_ptr<Op>(op),
                        [](Op& o) { o.abort(asio::error::timed_out); });
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
        timeout.cancel();
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

private:
    template <class Op>
    struct cached_delete {
        void operator()(Op* p) const noexcept {
            p->~Op();
            block_cache::deallocate(p, sizeof(Op));
        }
    };
};

/// What the socket transports (tcp, unix) share: the executor, the clock, the connect timeout,
/// the attempt in progress and its cancel. Derived (CRTP) provides `launch(op, ex)`, which
/// starts the attempt's I/O; Op is a connect_op or derived from one, and its abort is what
/// both cancel() and the timeout call.
template <class Derived, class Op, class Clock>
class connect_transport {
public:
    using connection = std::remove_cvref_t<decltype(std::declval<Op&>().socket)>;

    template <class Token>
    auto async_connect(Token&& token) {
        return asio::async_initiate<Token, void(std::error_code, connection)>(
            [this](auto handler) { this->start(std::move(handler)); }, token);
    }

    /// Aborts the attempt in progress: it completes with operation_aborted.
    void cancel() {
        if (auto op = op_.lock()) {
            op->abort(asio::error::operation_aborted);
        }
    }

    /// The clock the connect timeout runs on.
    [[nodiscard]] const Clock& clock() const noexcept { return clock_; }
    /// The limit on one attempt, as validated by the constructor.
    [[nodiscard]] std::chrono::nanoseconds connect_timeout() const noexcept { return timeout_; }
    /// The executor attempts run on when the handler has none of its own.
    [[nodiscard]] asio::any_io_executor get_executor() const noexcept { return ex_; }

protected:
    connect_transport(asio::any_io_executor ex, std::chrono::nanoseconds timeout, Clock clock)
        : ex_(std::move(ex)), timeout_(timeout), clock_(std::move(clock)) {}

private:
    template <class Handler>
    void start(Handler handler) {
        // The attempt's socket, resolver and timer live on the handler's executor (a
        // reconnector's strand), so the connection's I/O completes where its owner runs.
        const asio::any_io_executor ex = asio::get_associated_executor(handler, ex_);
        auto op = Op::template begin<Op>(ex, clock_, std::move(handler), timeout_);
        op_ = op;
        static_cast<Derived*>(this)->launch(std::move(op), ex);
    }

    asio::any_io_executor ex_;
    std::chrono::nanoseconds timeout_;
    [[no_unique_address]] Clock clock_;
    std::weak_ptr<Op> op_;
};

} // namespace detail

} // namespace redial

#endif
