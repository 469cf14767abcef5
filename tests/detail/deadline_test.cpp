#include <redial/detail/deadline.hpp>

#include <redial/clock/steady_clock.hpp>
#include <redial/clock/virtual_clock.hpp>

#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace {

using namespace std::chrono_literals;
using redial::time_point;

struct limited {
    limited(const redial::virtual_clock& clock, asio::io_context& io)
        : limit(clock, io.get_executor()) {}
    redial::detail::deadline<redial::virtual_clock> limit;
    int aborts = 0;
};

struct Deadline : ::testing::Test {
    asio::io_context io;
    redial::virtual_clock clock{io, time_point{} + 1h};
    std::shared_ptr<limited> op = std::make_shared<limited>(clock, io);
    void arm(time_point at) {
        op->limit.arm(at, std::weak_ptr<limited>(op), [](limited& l) { ++l.aborts; });
    }
};

TEST_F(Deadline, AfterSaturatesAtTheEndOfTime) {
    using redial::detail::deadline;
    EXPECT_EQ(deadline<redial::virtual_clock>::after(clock, 2s), time_point{} + 1h + 2s);
    EXPECT_EQ(deadline<redial::virtual_clock>::after(clock, std::chrono::nanoseconds::max()),
              time_point::max());
}

TEST_F(Deadline, FiresOnceExactlyAtItsTimeAndSaysSo) {
    arm(clock.now() + 5s);
    clock.advance(5s - 1ns);
    EXPECT_EQ(op->aborts, 0);
    EXPECT_FALSE(op->limit.expired());
    clock.advance(1ns);
    EXPECT_EQ(op->aborts, 1);
    EXPECT_TRUE(op->limit.expired());
    clock.advance(1h);
    EXPECT_EQ(op->aborts, 1);
}

TEST_F(Deadline, CancelBeforeTheTimeMeansNoAbort) {
    arm(clock.now() + 5s);
    clock.advance(4s);
    op->limit.cancel();
    clock.advance(1h);
    EXPECT_EQ(op->aborts, 0);
    EXPECT_FALSE(op->limit.expired());
    EXPECT_EQ(clock.pending(), 0U);
}

// The timer's completion holds the owner weakly: a finished operation is freed at once, and
// its deadline passing later does nothing.
TEST_F(Deadline, AnOwnerGoneBeforeTheTimeIsNotKeptAliveNorCalled) {
    arm(clock.now() + 5s);
    const std::weak_ptr<limited> weak = op;
    op.reset(); // destroys the timer: its wait is cancelled
    EXPECT_TRUE(weak.expired());
    clock.advance(1h);
    EXPECT_EQ(clock.pending(), 0U);
}

// A deadline already past fires at the next poll, without time moving.
TEST_F(Deadline, ADeadlineInThePastFiresWithoutTimeMoving) {
    arm(clock.now() - 1s);
    clock.advance(0s);
    EXPECT_EQ(op->aborts, 1);
    EXPECT_EQ(clock.now(), time_point{} + 1h);
}

// The same helper on production time: asio's steady timer.
TEST(DeadlineSteady, FiresOnTheSteadyClock) {
    asio::io_context io;
    struct owner {
        explicit owner(asio::io_context& io) : limit(redial::steady_clock{}, io.get_executor()) {}
        redial::detail::deadline<redial::steady_clock> limit;
        int aborts = 0;
    };
    auto op = std::make_shared<owner>(io);
    op->limit.arm(redial::steady_clock::now() - 1s, std::weak_ptr<owner>(op),
                  [](owner& o) { ++o.aborts; });
    io.run();
    EXPECT_EQ(op->aborts, 1);
    EXPECT_TRUE(op->limit.expired());
}

} // namespace
