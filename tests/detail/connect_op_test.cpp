#include <redial/detail/connect_op.hpp>

#include <redial/clock/steady_clock.hpp>
#include <redial/clock/virtual_clock.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

namespace {

using namespace std::chrono_literals;
using op_type = redial::detail::connect_op<asio::ip::tcp::socket, redial::steady_clock>;

// The operation completes exactly once, whichever of its outcomes comes first.
TEST(ConnectOp, CompletesOnceWithTheFirstOutcome) {
    asio::io_context io;
    auto op = std::make_shared<op_type>(io.get_executor(), redial::steady_clock{});
    int calls = 0;
    std::optional<std::error_code> got;
    op->handler = redial::detail::erased_handler<std::error_code, asio::ip::tcp::socket>(
        [&](std::error_code ec, asio::ip::tcp::socket) {
            ++calls;
            got = ec;
        },
        io.get_executor());
    op->abort(asio::error::timed_out);
    op->finish({});
    op->abort(asio::error::operation_aborted);
    io.run();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(got, asio::error::timed_out);
}

// A socket whose connect never completes on its own: only close() ends it (with
// operation_aborted, as an asio socket's does). Counts its connects and closes.
struct silent_socket {
    explicit silent_socket(asio::any_io_executor ex) : ex_(std::move(ex)) {}
    silent_socket(silent_socket&&) noexcept = default;
    silent_socket& operator=(silent_socket&&) noexcept = default;

    template <class Endpoint, class Handler>
    void async_connect(const Endpoint&, Handler h) {
        pending_ = std::move(h);
    }
    void close(std::error_code&) {
        if (pending_) {
            asio::post(ex_,
                       [h = std::exchange(pending_, {})] { h(asio::error::operation_aborted); });
        }
    }
    [[nodiscard]] asio::any_io_executor get_executor() const { return ex_; }

private:
    asio::any_io_executor ex_;
    std::function<void(std::error_code)> pending_;
};

using silent_op = redial::detail::connect_op<silent_socket, redial::virtual_clock>;

// The smallest transport over connect_transport: what tcp and unix add is only their launch.
class silent_transport
    : public redial::detail::connect_transport<silent_transport, silent_op, redial::virtual_clock> {
    using base =
        redial::detail::connect_transport<silent_transport, silent_op, redial::virtual_clock>;
    friend base;

public:
    silent_transport(asio::any_io_executor ex, std::chrono::nanoseconds timeout,
                     redial::virtual_clock clock)
        : base(std::move(ex), timeout, std::move(clock)) {}
    int launches = 0;

private:
    void launch(std::shared_ptr<silent_op> op, const asio::any_io_executor&) {
        ++launches;
        silent_op& o = *op;
        o.socket.async_connect(0, [op = std::move(op)](std::error_code ec) { op->finish(ec); });
    }
};

struct VirtualConnect : ::testing::Test {
    asio::io_context io;
    redial::virtual_clock clock{io, redial::time_point{} + 1h};
    int calls = 0;
    std::optional<std::error_code> got;
    auto record() {
        return [this](std::error_code ec, silent_socket) {
            ++calls;
            got = ec;
        };
    }
};

// The connect timeout is a wait on the Clock: it fires when virtual time reaches the deadline,
// not one nanosecond before, and completes the attempt once with timed_out.
TEST_F(VirtualConnect, TheTimeoutFiresExactlyAtTheDeadlineInVirtualTime) {
    silent_transport t{io.get_executor(), 3s, clock};
    t.async_connect(record());
    EXPECT_EQ(t.launches, 1);
    clock.advance(3s - 1ns);
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(clock.pending(), 1U);
    clock.advance(1ns);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(got, asio::error::timed_out);
    EXPECT_EQ(clock.pending(), 0U);
    clock.advance(1h);
    EXPECT_EQ(calls, 1);
}

// cancel() ends the attempt with operation_aborted and takes its timeout off the timeline.
TEST_F(VirtualConnect, CancelEndsTheAttemptAndItsTimeout) {
    silent_transport t{io.get_executor(), 3s, clock};
    t.async_connect(record());
    clock.advance(1s);
    t.cancel();
    clock.advance(0s);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(got, asio::error::operation_aborted);
    EXPECT_EQ(clock.pending(), 0U);
    clock.advance(1h);
    EXPECT_EQ(calls, 1);
}

// Each attempt's deadline counts from its own start.
TEST_F(VirtualConnect, EachAttemptGetsTheWholeTimeoutFromItsStart) {
    silent_transport t{io.get_executor(), 3s, clock};
    t.async_connect(record());
    clock.advance(3s);
    EXPECT_EQ(calls, 1);
    clock.advance(10s);
    t.async_connect(record());
    clock.advance(3s - 1ns);
    EXPECT_EQ(calls, 1);
    clock.advance(1ns);
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(got, asio::error::timed_out);
}

// The largest timeout saturates at the end of time: it never fires (rather than wrapping into
// the past and firing at once).
TEST_F(VirtualConnect, TheLargestTimeoutNeverFires) {
    silent_transport t{io.get_executor(), std::chrono::nanoseconds::max(), clock};
    t.async_connect(record());
    clock.advance(std::chrono::nanoseconds::max());
    EXPECT_EQ(calls, 0);
    t.cancel();
    clock.advance(0s);
    EXPECT_EQ(got, asio::error::operation_aborted);
}

} // namespace
