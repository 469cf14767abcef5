#include <redial/detail/connect_op.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <system_error>

namespace {

using namespace std::chrono_literals;
using op_type = redial::detail::connect_op<asio::ip::tcp::socket>;

// The operation completes exactly once, whichever of its outcomes comes first.
TEST(ConnectOp, CompletesOnceWithTheFirstOutcome) {
    asio::io_context io;
    auto op = std::make_shared<op_type>(io.get_executor());
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

} // namespace
