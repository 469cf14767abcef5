#include <redial/reconnector.hpp>

#include <redial/clock/virtual_clock.hpp>
#include <redial/transport/scripted.hpp>

#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <system_error>
#include <vector>

// A session's own timers on the reconnector's clock (session_done::clock()), so liveness
// checks and heartbeats run in virtual time like the reconnector's sleeps.
namespace {

using namespace std::chrono_literals;
using transport = redial::scripted_transport<redial::virtual_clock>;
using reconnector = redial::basic_reconnector<transport, redial::virtual_clock>;

// A session that ends itself after 2 s of quiet, on a timer made from done.clock(): the test
// advances the virtual clock and the session ends exactly at 2 s.
TEST(SessionClock, ASessionsTimerRunsOnTheVirtualClockTheTestAdvances) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    reconnector r{io.get_executor(),
                  transport{clock, io.get_executor(),
                            [](std::size_t) { return redial::scripted_step::accept(1h); }},
                  clock};
    std::vector<redial::time_point> ended;
    std::optional<redial::virtual_clock::timer> idle;
    r.async_run(
        [&](transport::connection& c, reconnector::session_done done) {
            EXPECT_EQ(done.clock().now(), clock.now()); // the same timeline
            idle.emplace(done.clock(), c.get_executor());
            idle->expires_after(2s);
            idle->async_wait([&, done](std::error_code ec) {
                if (!ec) {
                    ended.push_back(clock.now());
                    done(std::error_code{asio::error::timed_out});
                }
            });
        },
        [](std::error_code) {});
    clock.advance(2s - 1ns);
    EXPECT_TRUE(ended.empty());
    clock.advance(1ns);
    ASSERT_EQ(ended.size(), 1U);
    EXPECT_EQ(ended[0], redial::time_point{} + 2s);
    EXPECT_EQ(r.machine().last_verdict(), redial::verdict::stable);
    r.stop();
    clock.advance(0s);
}

// On steady_clock, session_done stays the size of its weak reference: the clock takes no bytes.
TEST(SessionClock, TheSteadyClockCostsSessionDoneNothing) {
    using steady = redial::basic_reconnector<transport, redial::steady_clock>;
    static_assert(sizeof(steady::session_done) == sizeof(std::weak_ptr<int>));
    SUCCEED();
}

} // namespace
