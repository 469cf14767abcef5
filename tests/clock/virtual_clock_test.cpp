#include <redial/clock/virtual_clock.hpp>

#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;
using redial::time_point;
using redial::virtual_clock;

constexpr time_point t0{};

struct fixture : ::testing::Test {
    asio::io_context io;
    virtual_clock clock{io};
    std::vector<std::pair<int, ns>> fired; // (id, the time the handler saw)

    auto record(int id) {
        return [this, id](std::error_code ec) {
            ASSERT_FALSE(ec) << ec.message();
            fired.emplace_back(id, clock.now() - t0);
        };
    }
};

using VirtualClock = fixture;

TEST_F(VirtualClock, TimeMovesOnlyWhenAdvanced) {
    EXPECT_EQ(clock.now(), t0);
    io.run(); // nothing pending: returns at once, time unchanged
    EXPECT_EQ(clock.now(), t0);
    EXPECT_EQ(clock.advance(1500ms), 0u);
    EXPECT_EQ(clock.now(), t0 + 1500ms);
    clock.run_until(t0 + 1s); // never backwards
    EXPECT_EQ(clock.now(), t0 + 1500ms);
}

TEST_F(VirtualClock, WaitsCompleteInTimeOrderAtTheirOwnTime) {
    virtual_clock::timer a{clock, io.get_executor()}, b{clock, io.get_executor()},
        c{clock, io.get_executor()};
    a.expires_at(t0 + 3s);
    b.expires_at(t0 + 1s);
    c.expires_at(t0 + 2s);
    a.async_wait(record(1));
    b.async_wait(record(2));
    c.async_wait(record(3));
    EXPECT_EQ(clock.pending(), 3u);
    EXPECT_EQ(clock.advance(2500ms), 2u);
    EXPECT_EQ(fired, (std::vector<std::pair<int, ns>>{{2, 1s}, {3, 2s}}));
    EXPECT_EQ(clock.now(), t0 + 2500ms);
    EXPECT_EQ(clock.advance(10s), 1u);
    EXPECT_EQ(fired.back(), (std::pair<int, ns>{1, 3s}));
    EXPECT_EQ(clock.now(), t0 + 12500ms);
}

TEST_F(VirtualClock, TiesCompleteInTheOrderTheyStarted) {
    std::vector<std::unique_ptr<virtual_clock::timer>> timers;
    for (int i = 0; i < 5; ++i) {
        timers.push_back(std::make_unique<virtual_clock::timer>(clock, io.get_executor()));
        timers.back()->expires_at(t0 + 1s);
        timers.back()->async_wait(record(i));
    }
    clock.advance(1s);
    ASSERT_EQ(fired.size(), 5u);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(fired[static_cast<std::size_t>(i)].first, i);
    }
}

TEST_F(VirtualClock, AHandlerThatWaitsAgainRunsBeforeLaterWaits) {
    virtual_clock::timer chain{clock, io.get_executor()}, late{clock, io.get_executor()};
    late.expires_at(t0 + 10s);
    late.async_wait(record(99));
    int hops = 0;
    std::function<void(std::error_code)> hop = [&](std::error_code ec) {
        ASSERT_FALSE(ec);
        fired.emplace_back(hops, clock.now() - t0);
        if (++hops < 3) {
            chain.expires_after(2s);
            chain.async_wait(hop);
        }
    };
    chain.expires_at(t0 + 1s);
    chain.async_wait(hop);
    EXPECT_EQ(clock.advance(20s), 4u);
    EXPECT_EQ(fired, (std::vector<std::pair<int, ns>>{{0, 1s}, {1, 3s}, {2, 5s}, {99, 10s}}));
}

TEST_F(VirtualClock, AnExpiredWaitCompletesWithoutMovingTime) {
    clock.advance(5s);
    virtual_clock::timer t{clock, io.get_executor()};
    t.expires_at(t0 + 1s);
    t.async_wait(record(1));
    EXPECT_TRUE(fired.empty()); // posted, not run inline
    io.poll();
    EXPECT_EQ(fired, (std::vector<std::pair<int, ns>>{{1, 5s}}));
    EXPECT_EQ(clock.now(), t0 + 5s);
}

TEST_F(VirtualClock, CancelAndDestructionAbortThePendingWait) {
    std::vector<std::error_code> results;
    auto keep = [&](std::error_code ec) { results.push_back(ec); };
    {
        virtual_clock::timer t{clock, io.get_executor()};
        t.expires_at(t0 + 1s);
        t.async_wait(keep);
        t.cancel();
        t.expires_at(t0 + 2s);
        t.async_wait(keep);
    } // destroyed with a pending wait
    EXPECT_EQ(clock.pending(), 0u);
    EXPECT_EQ(clock.advance(1min), 0u);
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0], asio::error::operation_aborted);
    EXPECT_EQ(results[1], asio::error::operation_aborted);
}

TEST_F(VirtualClock, NewExpiryAbortsThePendingWait) {
    std::optional<std::error_code> first;
    virtual_clock::timer t{clock, io.get_executor()};
    t.expires_at(t0 + 1s);
    t.async_wait([&](std::error_code ec) { first = ec; });
    t.expires_at(t0 + 3s);
    t.async_wait(record(2));
    clock.advance(5s);
    EXPECT_EQ(first, asio::error::operation_aborted);
    EXPECT_EQ(fired, (std::vector<std::pair<int, ns>>{{2, 3s}}));
}

TEST_F(VirtualClock, RunNextJumpsToTheEarliestWait) {
    virtual_clock::timer a{clock, io.get_executor()}, b{clock, io.get_executor()};
    a.expires_at(t0 + 7s);
    b.expires_at(t0 + 4s);
    a.async_wait(record(1));
    b.async_wait(record(2));
    EXPECT_TRUE(clock.run_next());
    EXPECT_EQ(clock.now(), t0 + 4s);
    EXPECT_TRUE(clock.run_next());
    EXPECT_EQ(clock.now(), t0 + 7s);
    EXPECT_FALSE(clock.run_next());
    EXPECT_EQ(fired.size(), 2u);
}

TEST_F(VirtualClock, SameScheduleSameOrderWhateverTheStartOrder) {
    // 1,000 timers at random times: completion order is exactly (time, start order).
    std::mt19937_64 gen(7);
    std::vector<std::unique_ptr<virtual_clock::timer>> timers;
    std::vector<std::pair<ns, int>> expected;
    for (int i = 0; i < 1000; ++i) {
        const ns at = std::chrono::milliseconds{static_cast<std::int64_t>(gen() % 500)};
        timers.push_back(std::make_unique<virtual_clock::timer>(clock, io.get_executor()));
        timers.back()->expires_at(t0 + at);
        timers.back()->async_wait(record(i));
        expected.emplace_back(at, i);
    }
    std::stable_sort(expected.begin(), expected.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    clock.advance(1s);
    ASSERT_EQ(fired.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        ASSERT_EQ(fired[i].first, expected[i].second);
        ASSERT_EQ(fired[i].second, expected[i].first);
    }
}

TEST(VirtualClockShutdown, PendingWaitsAreDestroyedNotRunWhenTheIoContextGoes) {
    auto token = std::make_shared<int>(0);
    bool ran = false;
    {
        asio::io_context io;
        redial::virtual_clock clock{io};
        // A handler that owns a timer of its own timeline: a cycle only shutdown can break.
        auto t = std::make_shared<virtual_clock::timer>(clock, io.get_executor());
        t->expires_at(t0 + 1h);
        t->async_wait([t, token, &ran](std::error_code) { ran = true; });
        EXPECT_EQ(token.use_count(), 2);
    }
    EXPECT_FALSE(ran);
    EXPECT_EQ(token.use_count(), 1); // the handler, and with it the timer, are gone
}

TEST_F(VirtualClock, CopiesShareOneTimeline) {
    virtual_clock copy = clock;
    copy.advance(3s);
    EXPECT_EQ(clock.now(), t0 + 3s);
}

// A saturated deadline is "never": firing it at the end of time would let every wait started
// from its handler (also saturated) fire at the same instant again, for ever (found by review:
// a run with the largest backoff never returned from run_next()).
TEST_F(VirtualClock, AWaitAtTheEndOfTimeNeverCompletes) {
    virtual_clock::timer t{clock, io.get_executor()};
    std::optional<std::error_code> got;
    t.expires_at(time_point::max());
    t.async_wait([&](std::error_code ec) { got = ec; });
    EXPECT_FALSE(clock.run_next());
    EXPECT_EQ(clock.advance(ns::max()), 0u);
    EXPECT_EQ(clock.now(), time_point::max());
    EXPECT_FALSE(got);
    EXPECT_EQ(clock.pending(), 1u);
    // Started at the end of time itself, it does not complete either; cancel() still ends it.
    virtual_clock::timer u{clock, io.get_executor()};
    std::optional<std::error_code> got_u;
    u.expires_at(time_point::max());
    u.async_wait([&](std::error_code ec) { got_u = ec; });
    io.poll();
    EXPECT_FALSE(got_u);
    t.cancel();
    u.cancel();
    io.restart(); // polled out of work before
    io.poll();
    EXPECT_EQ(got, asio::error::operation_aborted);
    EXPECT_EQ(got_u, asio::error::operation_aborted);
    EXPECT_EQ(clock.pending(), 0u);
}

TEST_F(VirtualClock, AdvanceSaturatesAtTheEndOfTime) {
    clock.advance(ns::max());
    clock.advance(ns::max());
    EXPECT_EQ(clock.now().time_since_epoch(), ns::max());
}

} // namespace
