#include <redial/sim/event_queue.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

namespace {

using redial::sim::event;

// Drives a queue the way a world does: pop the earliest event, push a few later ones (some in
// the same slot, some far beyond the wheel's horizon), and record the order of pops.
template <class Queue>
std::vector<event> drive(std::uint64_t seed, int steps) {
    Queue q;
    std::mt19937_64 g(seed);
    std::uint64_t key = 0;
    for (int i = 0; i < 200; ++i) {
        q.push({static_cast<std::int64_t>(g() % 2'000'000'000), key++});
    }
    std::vector<event> order;
    while (!q.empty() && static_cast<int>(order.size()) < steps) {
        const event e = q.pop();
        order.push_back(e);
        const int children = static_cast<int>(g() % 3);
        for (int c = 0; c < children; ++c) {
            std::int64_t delta = 0;
            switch (g() % 5) {
            case 0: // the same instant (a tie broken by key)
                break;
            case 1: // within the slot being drained
                delta = static_cast<std::int64_t>(g() % 1000);
                break;
            case 2: // within the fine level
                delta = static_cast<std::int64_t>(g() % 200'000'000);
                break;
            case 3: // within the coarse level
                delta = static_cast<std::int64_t>(g() % 60'000'000'000);
                break;
            default: // beyond the 68.7 s horizon
                delta = 70'000'000'000 + static_cast<std::int64_t>(g() % 500'000'000'000);
                break;
            }
            q.push({e.at + delta, key++});
        }
    }
    return order;
}

TEST(EventWheel, PopsInTheSameOrderAsABinaryHeap) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const auto wheel = drive<redial::sim::event_wheel>(seed, 20'000);
        const auto heap = drive<redial::sim::heap_queue>(seed, 20'000);
        ASSERT_EQ(wheel.size(), heap.size()) << "seed " << seed;
        for (std::size_t i = 0; i < wheel.size(); ++i) {
            ASSERT_EQ(wheel[i], heap[i]) << "seed " << seed << " pop " << i;
        }
        for (std::size_t i = 1; i < wheel.size(); ++i) {
            ASSERT_FALSE(wheel[i] < wheel[i - 1]) << "seed " << seed << " pop " << i;
        }
    }
}

TEST(EventWheel, EqualTimesComeOutInKeyOrder) {
    redial::sim::event_wheel q;
    q.push({5, 3});
    q.push({5, 1});
    q.push({5, 2});
    EXPECT_EQ(q.pop().key, 1U);
    q.push({5, 0}); // into the slot being drained
    EXPECT_EQ(q.pop().key, 0U);
    EXPECT_EQ(q.pop().key, 2U);
    EXPECT_EQ(q.pop().key, 3U);
    EXPECT_TRUE(q.empty());
}

TEST(EventWheel, JumpsOverLongEmptyStretches) {
    redial::sim::event_wheel q;
    const std::int64_t hour = 3'600'000'000'000;
    q.push({100 * hour, 2});
    q.push({hour, 1});
    EXPECT_EQ(q.size(), 2U);
    EXPECT_EQ(q.pop(), (event{hour, 1}));
    EXPECT_EQ(q.pop(), (event{100 * hour, 2}));
    EXPECT_TRUE(q.empty());
}

TEST(EventWheel, TopLooksAheadAndLaterPushesBeforeItStillComeFirst) {
    // run_until peeks at the next event; the world may then schedule something earlier (a stop
    // before it). The wheel has moved to the peeked slot, so the push lands behind it.
    redial::sim::event_wheel q;
    const std::int64_t sec = 1'000'000'000;
    q.push({0, 1});
    q.push({10 * sec, 2});
    q.push({200 * sec, 3}); // beyond the horizon
    EXPECT_EQ(q.pop().key, 1U);
    EXPECT_EQ(q.top(), (event{10 * sec, 2}));
    q.push({5 * sec, 4});
    q.push({sec, 5});
    EXPECT_EQ(q.top(), (event{sec, 5}));
    EXPECT_EQ(q.pop().key, 5U);
    EXPECT_EQ(q.pop().key, 4U);
    EXPECT_EQ(q.pop().key, 2U);
    EXPECT_EQ(q.top(), (event{200 * sec, 3}));
    q.push({150 * sec, 6});
    EXPECT_EQ(q.pop().key, 6U);
    EXPECT_EQ(q.pop().key, 3U);
    EXPECT_THROW((void)q.pop(), std::logic_error);
    EXPECT_THROW((void)redial::sim::heap_queue{}.pop(), std::logic_error);
}

TEST(EventWheel, ManyEventsFarBeyondTheHorizonStayCheap) {
    // The overflow list is a heap: 100,000 events spread over a year pop in order without a
    // scan of the whole list at every wheel revolution (that took 8 s; this takes milliseconds).
    redial::sim::event_wheel q;
    std::mt19937_64 g(9);
    const std::uint64_t year = 31'536'000'000'000'000;
    for (std::uint64_t k = 0; k < 100'000; ++k) {
        q.push({static_cast<std::int64_t>(g() % year), k});
    }
    event last{0, 0};
    while (!q.empty()) {
        const event e = q.pop();
        ASSERT_FALSE(e < last);
        last = e;
    }
}

TEST(EventWheel, RefusesAnEventInThePast) {
    redial::sim::event_wheel q;
    q.push({1000, 1});
    (void)q.pop();
    EXPECT_THROW(q.push({999, 2}), std::logic_error);
    EXPECT_THROW(redial::sim::event_wheel{41}, std::invalid_argument);
}

TEST(EventWheel, PeekAheadSeesTheSortedSlot) {
    redial::sim::event_wheel q;
    for (std::uint64_t k = 0; k < 10; ++k) {
        q.push({static_cast<std::int64_t>(100 - k), k});
    }
    EXPECT_EQ(q.pop(), (event{91, 9}));
    ASSERT_NE(q.peek_ahead(2), nullptr);
    EXPECT_EQ(*q.peek_ahead(2), (event{94, 6}));
    EXPECT_EQ(q.peek_ahead(9), nullptr);
    EXPECT_EQ(redial::sim::heap_queue{}.peek_ahead(0), nullptr);
}

} // namespace
