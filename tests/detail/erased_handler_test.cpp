#include <redial/detail/erased_handler.hpp>

#include <asio/bind_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

using redial::detail::block_cache;

// A freed block is handed out again for a request of the same size class.
TEST(BlockCache, ReusesAFreedBlockOfTheSameClass) {
    void* a = block_cache::allocate(100);
    block_cache::deallocate(a, 100);
    void* b = block_cache::allocate(97); // the same 16-byte class (97..112)
    EXPECT_EQ(a, b);
    block_cache::deallocate(b, 97);
    block_cache::trim();
}

TEST(BlockCache, LargeRequestsBypassTheCache) {
    void* a = block_cache::allocate(block_cache::largest + 1);
    ASSERT_NE(a, nullptr);
    block_cache::deallocate(a, block_cache::largest + 1);
}

// Blocks freed on another thread join that thread's lists (and are freed when it exits).
TEST(BlockCache, BlocksMayBeFreedOnAnotherThread) {
    std::vector<void*> blocks;
    for (int i = 0; i < 100; ++i) {
        blocks.push_back(block_cache::allocate(48));
    }
    std::thread([&] {
        for (void* p : blocks) {
            block_cache::deallocate(p, 48);
        }
    }).join();
}

TEST(ErasedHandler, CompletesThroughItsExecutorNeverInline) {
    asio::io_context io;
    int calls = 0;
    std::string got;
    redial::detail::erased_handler<std::error_code, std::string> h(
        [&](std::error_code ec, std::string s) {
            ++calls;
            got = s;
            EXPECT_FALSE(ec);
        },
        io.get_executor());
    ASSERT_TRUE(h);
    h.complete({}, "hello");
    EXPECT_FALSE(h);
    EXPECT_EQ(calls, 0); // posted
    io.run();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(got, "hello");
}

// Its fallback executor a strand: the handler runs on the strand (posted through the inner
// io_context executor, then dispatched in).
TEST(ErasedHandler, RunsOnAStrandFallback) {
    asio::io_context io;
    const auto strand = asio::make_strand(io.get_executor());
    bool on_strand = false;
    redial::detail::erased_handler<int> h([&](int) { on_strand = strand.running_in_this_thread(); },
                                          strand);
    asio::post(strand, [&] { h.complete(1); }); // completed from inside the strand itself
    io.run();
    EXPECT_TRUE(on_strand);
}

// complete_on(current): a handler whose executor is `current` (the fallback, no executor of its
// own) runs at once; one bound to another executor is posted there, as complete() would.
TEST(ErasedHandler, CompleteOnRunsAtOnceOnlyOnItsOwnExecutor) {
    asio::io_context io;
    const auto strand = asio::make_strand(io.get_executor());
    const auto other = asio::make_strand(io.get_executor());
    std::vector<std::string> ran;
    redial::detail::erased_handler<int> mine(
        [&](int v) { ran.push_back("mine " + std::to_string(v)); }, strand);
    redial::detail::erased_handler<int> bound(
        asio::bind_executor(other,
                            [&](int v) {
                                ran.push_back("bound " + std::to_string(v) +
                                              (other.running_in_this_thread() ? " on its strand"
                                                                              : " elsewhere"));
                            }),
        strand);
    asio::post(strand, [&] {
        mine.complete_on(strand, 1);
        bound.complete_on(strand, 2);
        ran.push_back("after");
    });
    io.run();
    EXPECT_EQ(ran, (std::vector<std::string>{"mine 1", "after", "bound 2 on its strand"}));
    EXPECT_FALSE(mine);
    EXPECT_FALSE(bound);
}

// complete_in_order: completions posted one after another run in that order, even on an
// io_context that four threads run (complete()'s two hops, via the io_context and then into
// the strand, can swap them).
TEST(ErasedHandler, CompleteInOrderKeepsTheOrderOnAThreadedContext) {
    for (int round = 0; round < 20; ++round) {
        asio::io_context io;
        const asio::any_io_executor strand = asio::make_strand(io.get_executor());
        std::vector<int> order;
        std::vector<redial::detail::erased_handler<int>> handlers;
        for (int i = 0; i < 200; ++i) {
            handlers.emplace_back([&order](int v) { order.push_back(v); }, strand);
        }
        asio::post(strand, [&] {
            for (int i = 0; i < 200; ++i) {
                handlers[static_cast<std::size_t>(i)].complete_in_order(i);
            }
        });
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&io] { io.run(); });
        }
        for (std::thread& t : threads) {
            t.join();
        }
        ASSERT_EQ(order.size(), 200u);
        for (int i = 0; i < 200; ++i) {
            ASSERT_EQ(order[static_cast<std::size_t>(i)], i) << "round " << round;
        }
    }
}

// Destroyed without completing (an operation abandoned at shutdown): the handler and what it
// owns are released, not run.
TEST(ErasedHandler, DestroyedUncompletedReleasesTheHandler) {
    asio::io_context io;
    auto owned = std::make_shared<int>(7);
    std::weak_ptr<int> watch = owned;
    bool ran = false;
    {
        redial::detail::erased_handler<> h([&ran, o = std::move(owned)] { ran = true; },
                                           io.get_executor());
        redial::detail::erased_handler<> moved = std::move(h);
        EXPECT_FALSE(h); // NOLINT(bugprone-use-after-move): moved-from is empty
        EXPECT_TRUE(moved);
    }
    EXPECT_TRUE(watch.expired());
    io.run();
    EXPECT_FALSE(ran);
}

// A posted completion the io_context never runs is destroyed with it.
TEST(ErasedHandler, PendingCompletionIsDestroyedWithTheContext) {
    auto owned = std::make_shared<int>(7);
    std::weak_ptr<int> watch = owned;
    {
        asio::io_context io;
        const auto strand = asio::make_strand(io.get_executor());
        redial::detail::erased_handler<> h([o = std::move(owned)] {}, strand);
        h.complete();
    }
    EXPECT_TRUE(watch.expired());
}

} // namespace
