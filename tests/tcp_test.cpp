#include <redial/tcp.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/strand.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <typeinfo>

// <redial/tcp.hpp>: tcp_reconnector alone (aliases.hpp adds the unix and simulation aliases).
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using io_executor = asio::io_context::executor_type;
using io_strand = asio::strand<io_executor>;

static_assert(
    std::is_same_v<redial::tcp_reconnector<>,
                   redial::basic_reconnector<redial::tcp_transport, redial::steady_clock,
                                             redial::exponential_backoff, redial::uptime_threshold,
                                             redial::null_observer>>);
static_assert(std::is_same_v<redial::tcp_reconnector<>::connection_type, tcp::socket>);

// One connection to a loopback server, through a reconnector given `ex`; returns the
// connection's executor (the reconnector's strand: the built-in transports make the socket on
// it), as seen in the session.
template <class Executor>
asio::any_io_executor session_executor(asio::io_context& io, const Executor& ex,
                                       const std::string& host) {
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    acceptor.async_accept([](std::error_code, tcp::socket) {}); // and closes it: the session ends
    redial::tcp_reconnector<> r{
        ex,
        redial::tcp_transport{io.get_executor(), host,
                              std::to_string(acceptor.local_endpoint().port()), 2s},
        redial::steady_clock{}};
    std::optional<asio::any_io_executor> seen;
    r.async_run(
        [&](tcp::socket& c, auto done) {
            seen = c.get_executor();
            r.stop();
            done(std::error_code{});
        },
        [](std::error_code) {});
    io.run();
    return seen.value_or(asio::any_io_executor{});
}

// asio 1.22's any_executor::target<T>() does not check T: compare the type first.
template <class T>
const T* target(const asio::any_io_executor& ex) {
    return ex && ex.target_type() == typeid(T) ? ex.target<T>() : nullptr;
}

TEST(AliasesTcp, AnIoContextsExecutorGetsAStrandOfItsOwnType) {
    asio::io_context io;
    const asio::any_io_executor ex = session_executor(io, io.get_executor(), "127.0.0.1");
    ASSERT_NE(target<io_strand>(ex), nullptr);
    EXPECT_EQ(target<io_strand>(ex)->get_inner_executor(), io.get_executor());
}

TEST(AliasesTcp, TheSameTypeErasedGetsTheSameStrandType) {
    asio::io_context io;
    const asio::any_io_executor ex =
        session_executor(io, asio::any_io_executor(io.get_executor()), "localhost");
    EXPECT_NE(target<io_strand>(ex), nullptr);
}

TEST(AliasesTcp, TheUsersOwnStrandIsUsedAsItIs) {
    asio::io_context io;
    const io_strand strand = asio::make_strand(io);
    const asio::any_io_executor ex = session_executor(io, strand, "127.0.0.1");
    ASSERT_NE(target<io_strand>(ex), nullptr);
    EXPECT_EQ(*target<io_strand>(ex), strand);
}

TEST(AliasesTcp, TheUsersOwnStrandTypeErasedIsUsedAsItIs) {
    asio::io_context io;
    const asio::strand<asio::any_io_executor> strand =
        asio::make_strand(asio::any_io_executor(io.get_executor()));
    const asio::any_io_executor ex =
        session_executor(io, asio::any_io_executor(strand), "localhost");
    ASSERT_NE(target<asio::strand<asio::any_io_executor>>(ex), nullptr);
    EXPECT_EQ(*target<asio::strand<asio::any_io_executor>>(ex), strand);
}

} // namespace
