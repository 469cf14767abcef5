#include <redial/clock/steady_clock.hpp>

#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <system_error>
#include <type_traits>

namespace {

static_assert(std::is_empty_v<redial::steady_clock>);

TEST(SteadyClock, NowIsTheSteadyClock) {
    const auto before = std::chrono::steady_clock::now();
    const redial::time_point now = redial::steady_clock::now();
    EXPECT_GE(now, redial::time_point{before});
}

TEST(SteadyClock, AWaitUntilNowCompletesThroughTheIoContext) {
    asio::io_context io;
    redial::steady_clock clock;
    redial::steady_clock::timer t{clock, io.get_executor()};
    std::optional<std::error_code> result;
    t.expires_at(clock.now()); // already due: no real waiting in a unit test
    t.async_wait([&](std::error_code ec) { result = ec; });
    EXPECT_FALSE(result);
    io.run();
    EXPECT_EQ(result, std::error_code{});
}

TEST(SteadyClock, CancelAbortsAPendingWait) {
    asio::io_context io;
    redial::steady_clock::timer t{redial::steady_clock{}, io.get_executor()};
    std::optional<std::error_code> result;
    t.expires_at(redial::steady_clock::now() + std::chrono::hours{1});
    t.async_wait([&](std::error_code ec) { result = ec; });
    t.cancel();
    io.run();
    EXPECT_EQ(result, asio::error::operation_aborted);
}

} // namespace
