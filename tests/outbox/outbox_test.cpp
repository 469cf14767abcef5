#include <redial/outbox/outbox.hpp>

#include "../support/link_transport.hpp"

#include <redial/backoff/constant.hpp>
#include <redial/clock/virtual_clock.hpp>
#include <redial/liveness/idle_timeout.hpp>
#include <redial/observer/counters.hpp>
#include <redial/reconnector.hpp>
#include <redial/session/hold.hpp>
#include <redial/stability/uptime_threshold.hpp>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <gtest/gtest.h>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

// The outbox driven by the reconnector, in virtual time over a link whose server the test drives:
// sends go out in order, wait while down and go first after each connect; limits, overflow
// policies, time-to-live, partial writes, write errors, stop and destruction, each with the
// completions and observer events a user sees.
namespace {

using namespace std::chrono_literals;
using redial::outbox_errc;
using redial::test::link_server;
using redial::test::link_transport;
namespace overflow = redial::overflow;

struct recorder {
    std::vector<std::string> events; // "drop <reason> <bytes>", "expired <bytes> <waited>"
    std::vector<std::string> disconnects;
    void on_outbox_drop(const redial::outbox_drop_event& e) {
        events.push_back("drop " + e.reason.message() + " " + std::to_string(e.bytes));
    }
    void on_outbox_expired(const redial::outbox_expired_event& e) {
        events.push_back(
            "expired " + std::to_string(e.bytes) + " " +
            std::to_string(
                std::chrono::duration_cast<std::chrono::milliseconds>(e.waited).count()) +
            "ms");
    }
    void on_disconnected(const redial::disconnected_event& e) {
        disconnects.push_back(e.reason.message());
    }
};

template <class Overflow>
using reconnector =
    redial::basic_reconnector<link_transport, redial::virtual_clock, redial::constant_backoff,
                              redial::uptime_threshold, recorder, redial::no_terminal_errors,
                              redial::no_liveness, redial::outbox<Overflow>>;

template <class Overflow = overflow::reject>
struct rig {
    asio::io_context io;
    redial::virtual_clock clock{io};
    std::shared_ptr<link_server> server = std::make_shared<link_server>();
    reconnector<Overflow> r;
    std::vector<std::pair<std::string, std::error_code>> done; // each send's completion, in order
    std::error_code result{asio::error::would_block};

    explicit rig(redial::outbox_options o = {}, bool run = true)
        : r(io.get_executor(), link_transport{server, io.get_executor()},
            {.clock = clock,
             .backoff = redial::constant_backoff{1s},
             .outbox = redial::outbox<Overflow>{o}}) {
        if (run) {
            start();
        }
    }
    void start() {
        r.async_run(redial::hold_session{}, [this](std::error_code ec) { result = ec; });
        clock.advance(0s);
    }
    ~rig() {
        r.stop();
        clock.advance(0s);
    }
    void send(std::string s, redial::send_options so = {}) {
        r.async_send(s, so, [this, s](std::error_code ec) { done.emplace_back(s, ec); });
    }
    std::vector<std::string> with(std::error_code code) const {
        std::vector<std::string> v;
        for (const auto& [s, ec] : done) {
            if (ec == code) {
                v.push_back(s);
            }
        }
        return v;
    }
    recorder& seen() { return r.observer(); }
};

const std::error_code written{};

TEST(Outbox, WritesInOrderWhileConnected) {
    rig<> g;
    ASSERT_EQ(g.r.status(), redial::link_status::connected);
    g.send("a\n");
    g.send("b\n");
    g.send("c\n");
    g.clock.advance(0s);
    EXPECT_EQ(g.server->received.at(0), "a\nb\nc\n");
    EXPECT_EQ(g.with(written), (std::vector<std::string>{"a\n", "b\n", "c\n"}));
    EXPECT_EQ(g.r.outbox_size(), 0u);
}

TEST(Outbox, SendsMadeBeforeTheRunAreWrittenFirstThingAfterTheConnect) {
    rig<> g({}, false);
    g.send("hello\n");
    g.send("world\n");
    g.clock.advance(0s);
    EXPECT_EQ(g.r.outbox_size(), 2u);
    EXPECT_EQ(g.r.outbox_bytes(), 12u);
    EXPECT_TRUE(g.done.empty());
    g.start();
    EXPECT_EQ(g.server->received.at(0), "hello\nworld\n");
    EXPECT_EQ(g.with(written).size(), 2u);
}

TEST(Outbox, WhatIsSentWhileDownWaitsAndGoesFirstAfterTheReconnect) {
    rig<> g;
    g.send("1\n");
    g.clock.advance(0s);
    g.server->accepting = false;
    g.server->end_session(); // the server restarts
    g.clock.advance(0s);
    ASSERT_EQ(g.r.status(), redial::link_status::disconnected);
    g.send("2\n");
    g.send("3\n");
    g.clock.advance(1s); // an attempt, refused
    EXPECT_EQ(g.r.outbox_size(), 2u);
    g.server->accepting = true;
    g.clock.advance(1s - 1ns);
    EXPECT_EQ(g.server->connects, 1u);
    g.clock.advance(1ns);
    ASSERT_EQ(g.server->connects, 2u);
    EXPECT_EQ(g.server->received.at(1), "2\n3\n");
    EXPECT_EQ(g.with(written), (std::vector<std::string>{"1\n", "2\n", "3\n"}));
}

TEST(Outbox, APeerThatStopsReadingFillsTheOutboxAndRejectSaysSo) {
    rig<overflow::reject> g({.max_messages = 3});
    g.server->stalled = true;
    g.send("a");
    g.send("b");
    g.send("c");
    g.send("d");
    g.clock.advance(0s);
    EXPECT_EQ(g.with(outbox_errc::rejected), (std::vector<std::string>{"d"}));
    EXPECT_EQ(g.r.outbox_size(), 3u);
    EXPECT_TRUE(g.seen().events.empty()); // a rejection is the sender's to see, no event
    g.server->resume();
    g.clock.advance(0s);
    EXPECT_EQ(g.server->received.at(0), "abc");
}

TEST(Outbox, DropOldestKeepsTheNewestAndReportsEachDrop) {
    rig<overflow::drop_oldest> g({.max_messages = 3});
    g.server->accepting = false;
    g.server->end_session();
    g.clock.advance(0s);
    for (int i = 1; i <= 10; ++i) {
        g.send(std::to_string(i) + "\n");
    }
    g.clock.advance(0s);
    EXPECT_EQ(g.with(outbox_errc::dropped).size(), 7u);
    EXPECT_EQ(g.seen().events.size(), 7u);
    EXPECT_EQ(g.seen().events.front(),
              "drop the outbox dropped the message to stay within its limits 2");
    g.server->accepting = true;
    g.clock.advance(1s);
    EXPECT_EQ(g.server->received.at(1), "8\n9\n10\n");
}

TEST(Outbox, AMessageExpiresAtItsTimeToLiveWithItsEvent) {
    rig<> g({.ttl = 5s});
    g.server->accepting = false;
    g.server->end_session();
    g.clock.advance(0s);
    g.send("stale");
    g.clock.advance(2s);
    g.send("fresh");
    g.clock.advance(3s - 1ns);
    EXPECT_TRUE(g.done.empty());
    g.clock.advance(1ns);
    EXPECT_EQ(g.done, (std::vector<std::pair<std::string, std::error_code>>{
                          {"stale", outbox_errc::expired}}));
    EXPECT_EQ(g.seen().events, (std::vector<std::string>{"expired 5 5000ms"}));
    g.server->accepting = true;
    g.clock.advance(1s);
    EXPECT_EQ(g.server->received.at(1), "fresh");
}

TEST(Outbox, PartialWritesDeliverEveryMessageWholeAndInOrder) {
    rig<> g;
    g.server->take = 3;
    g.send("hello ");
    g.send("partial ");
    g.send("world");
    g.clock.advance(0s);
    EXPECT_EQ(g.server->received.at(0), "hello partial world");
    EXPECT_EQ(g.with(written).size(), 3u);
}

TEST(Outbox, AWriteErrorEndsTheSessionAndTheMessageGoesAgainOnTheNextConnection) {
    rig<> g;
    g.server->take = 0;
    g.server->write_error = asio::error::broken_pipe;
    g.send("line\n");
    g.clock.advance(0s);
    EXPECT_EQ(g.seen().disconnects.size(), 1u);
    EXPECT_EQ(g.seen().disconnects.at(0),
              "write: " + std::error_code(asio::error::broken_pipe).message());
    g.server->take = static_cast<std::size_t>(-1);
    g.clock.advance(1s);
    EXPECT_EQ(g.server->received.at(1), "line\n");
    EXPECT_EQ(g.with(written).size(), 1u);
}

TEST(Outbox, ACutMessageIsWrittenAgainWholeAfterTheReconnectUnderResend) {
    rig<> g({.cut = redial::cut_message::resend});
    g.server->take = 4;
    g.server->stall_after = 1; // the first write takes 4 bytes, the next one hangs
    g.send("abcdefgh\n");
    g.send("next\n");
    g.clock.advance(0s);
    EXPECT_EQ(g.server->received.at(0), "abcd");
    g.server->end_session(); // the server goes away under the write
    g.clock.advance(0s);
    EXPECT_TRUE(g.done.empty());
    g.server->resume();
    g.server->take = static_cast<std::size_t>(-1);
    g.clock.advance(1s);
    EXPECT_EQ(g.server->received.at(1), "abcdefgh\nnext\n"); // whole, from its start
    EXPECT_EQ(g.with(written).size(), 2u);
}

TEST(Outbox, ACutMessageIsLostUnderLoseWithItsEvent) {
    rig<> g({.cut = redial::cut_message::lose});
    g.server->take = 4;
    g.server->stall_after = 1;
    g.send("abcdefgh\n");
    g.send("next\n");
    g.clock.advance(0s);
    g.server->end_session();
    g.clock.advance(0s);
    EXPECT_EQ(g.with(outbox_errc::lost), (std::vector<std::string>{"abcdefgh\n"}));
    EXPECT_EQ(g.seen().events, (std::vector<std::string>{
                                   "drop the connection ended in the middle of the message 9"}));
    g.server->resume();
    g.server->take = static_cast<std::size_t>(-1);
    g.clock.advance(1s);
    EXPECT_EQ(g.server->received.at(1), "next\n");
}

TEST(Outbox, StopCompletesEverythingWithStopped) {
    rig<> g;
    g.server->accepting = false;
    g.server->end_session();
    g.clock.advance(0s);
    g.send("a");
    g.send("b");
    g.clock.advance(0s);
    g.r.stop();
    g.clock.advance(0s);
    EXPECT_EQ(g.with(outbox_errc::stopped).size(), 2u);
    EXPECT_EQ(g.done.at(0).second, std::errc::operation_canceled);
    g.send("late");
    g.clock.advance(0s);
    EXPECT_EQ(g.with(outbox_errc::stopped).size(), 3u);
    EXPECT_TRUE(g.seen().events.empty()); // a stop is no drop
}

TEST(Outbox, DestroyingAReconnectorThatNeverRanCompletesItsSends) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    auto server = std::make_shared<link_server>();
    std::vector<std::error_code> done;
    {
        reconnector<overflow::reject> r(
            io.get_executor(), link_transport{server, io.get_executor()}, {.clock = clock});
        r.async_send(std::string("x"), [&](std::error_code ec) { done.push_back(ec); });
        clock.advance(0s);
    }
    clock.advance(0s);
    EXPECT_EQ(done, (std::vector<std::error_code>{outbox_errc::stopped}));
}

TEST(Outbox, ASendFromAnotherThreadIsSafe) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    auto server = std::make_shared<link_server>();
    std::vector<std::error_code> done;
    reconnector<overflow::reject> r(io.get_executor(), link_transport{server, io.get_executor()},
                                    {.clock = clock});
    r.async_run(redial::hold_session{}, [](std::error_code) {});
    clock.advance(0s);
    std::thread t([&] {
        for (int i = 0; i < 100; ++i) {
            r.async_send(std::to_string(i % 10), [&](std::error_code ec) { done.push_back(ec); });
        }
    });
    t.join();
    clock.advance(0s);
    EXPECT_EQ(done.size(), 100u);
    EXPECT_EQ(server->received.at(0).size(), 100u);
    r.stop();
    clock.advance(0s);
}

template <class R>
concept can_send = requires(R& r) { r.async_send(std::string(), [](std::error_code) {}); };

// A write's completions run at once, on the strand, as asio's composed operations call their
// final handler: in order, after the next write has begun (so a completion that sends queues
// behind what was already waiting).
TEST(Outbox, AWritesCompletionsRunInOrderAndASendFromOneQueuesBehind) {
    rig<> g;
    g.server->stalled = true;
    std::vector<std::string> order;
    const auto note = [&](std::string name) {
        return [&order, name](std::error_code ec) {
            order.push_back(name + (ec ? " " + ec.message() : ""));
        };
    };
    g.r.async_send(std::string("a"), note("a"));
    g.r.async_send(std::string("b"), [&](std::error_code) {
        order.emplace_back("b");
        g.r.async_send(std::string("d"), note("d")); // from the completion: after c
    });
    g.r.async_send(std::string("c"), note("c"));
    g.clock.advance(0s);
    EXPECT_TRUE(order.empty());
    g.server->resume();
    g.clock.advance(0s);
    EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c", "d"}));
    EXPECT_EQ(g.server->received.at(0), "abcd");
}

// A completion that throws: the exception leaves the event loop (as from any asio handler),
// the write's other completions still run (posted), and the outbox goes on writing.
TEST(Outbox, ACompletionThatThrowsLosesNoOtherCompletion) {
    rig<> g;
    g.server->stalled = true;
    std::vector<std::string> order;
    g.r.async_send(std::string("a"), [&](std::error_code) { order.emplace_back("a"); });
    g.r.async_send(std::string("b"), [&](std::error_code) {
        order.emplace_back("b");
        throw std::runtime_error("the application's");
    });
    g.r.async_send(std::string("c"), [&](std::error_code) { order.emplace_back("c"); });
    g.clock.advance(0s);
    g.server->resume();
    EXPECT_THROW(g.clock.advance(0s), std::runtime_error);
    g.clock.advance(0s);
    EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
    g.send("d");
    g.clock.advance(0s);
    EXPECT_EQ(g.with(written), (std::vector<std::string>{"d"}));
    EXPECT_EQ(g.server->received.at(0), "abcd");
    EXPECT_EQ(g.r.outbox_size(), 0u);
}

// Under a liveness policy the outbox writes through the watched connection: a link that went
// silent ends (idle timeout), what is sent meanwhile waits, and goes first on the next one.
TEST(Outbox, WorksUnderALivenessPolicy) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    auto server = std::make_shared<link_server>();
    redial::basic_reconnector<link_transport, redial::virtual_clock, redial::constant_backoff,
                              redial::uptime_threshold, recorder, redial::no_terminal_errors,
                              redial::idle_timeout, redial::outbox<overflow::reject>>
        r(io.get_executor(), link_transport{server, io.get_executor()},
          {.clock = clock,
           .backoff = redial::constant_backoff{1s},
           .liveness = redial::idle_timeout{3s}});
    std::vector<std::error_code> done;
    r.async_run(redial::hold_session{}, [](std::error_code) {});
    clock.advance(0s);
    r.async_send(std::string("a\n"), [&](std::error_code ec) { done.push_back(ec); });
    clock.advance(0s);
    ASSERT_EQ(server->received.size(), 1u);
    EXPECT_EQ(server->received.at(0), "a\n");
    server->accepting = false;
    clock.advance(3s); // nothing came for 3 s: the session ends
    ASSERT_EQ(r.observer().disconnects.size(), 1u);
    EXPECT_EQ(r.status(), redial::link_status::disconnected);
    r.async_send(std::string("b\n"), [&](std::error_code ec) { done.push_back(ec); });
    clock.advance(0s);
    EXPECT_EQ(r.outbox_size(), 1u);
    server->accepting = true;
    clock.advance(1s);
    ASSERT_EQ(server->received.size(), 2u);
    EXPECT_EQ(server->received.at(1), "b\n");
    EXPECT_EQ(done, (std::vector<std::error_code>{{}, {}}));
    r.stop();
    clock.advance(0s);
}

// A time-to-live that runs out while the write holds the message (a peer that stopped
// reading): the timer does not fire again and again; the message is written when the peer
// reads again (it belonged to the write), and a later one that waited too long expires.
TEST(Outbox, ATimeToLiveThatPassesDuringAStalledWriteDoesNotSpin) {
    rig<> g({.ttl = 1s});
    g.server->stalled = true;
    g.send("a");
    g.clock.advance(0s);
    g.send("b");
    g.clock.advance(2s); // returned: no timer loop
    EXPECT_EQ(g.with(outbox_errc::expired), (std::vector<std::string>{"b"}));
    EXPECT_EQ(g.clock.pending(), 0u); // no wait left armed for a message the write holds
    g.server->resume();
    g.clock.advance(0s);
    EXPECT_EQ(g.with(written), (std::vector<std::string>{"a"}));
    EXPECT_EQ(g.server->received.at(0), "a");
}

// stop() with no run in progress, and a send after it: it completes stopped at once (no stop
// will come by later to settle it).
TEST(Outbox, ASendAfterAStopWithoutARunCompletesStopped) {
    rig<> g({}, false);
    g.r.stop();
    g.clock.advance(0s);
    g.send("a");
    g.clock.advance(0s);
    EXPECT_EQ(g.with(outbox_errc::stopped), (std::vector<std::string>{"a"}));
}

// The heap in use (glibc's count): 0 under a sanitizer's allocator, which glibc does not see.
std::size_t heap_in_use() {
    return ::mallinfo2().uordblks;
}

// 200 000 messages of 100 bytes (20 MB) flood an outbox of 1 MiB while nothing listens, 1000 at a
// time between runs of the event loop: the outbox keeps the newest 1 MiB, every other send
// completes `dropped`, and the heap never grows by more than 4 MiB (measured: 3.4 MiB,
// the kept messages with their completions and queue entries; docs/outbox.md).
TEST(Outbox, AFloodWhileDownStaysWithinTheByteLimit) {
    constexpr std::size_t limit = std::size_t{1} << 20;
    rig<overflow::drop_oldest> g({.max_messages = 1'000'000, .max_bytes = limit});
    g.server->accepting = false;
    g.server->end_session();
    g.clock.advance(0s);
    ASSERT_EQ(g.r.status(), redial::link_status::disconnected);
    const std::string payload(100, 'x');
    std::size_t dropped = 0;
    std::size_t other = 0;
    std::size_t drop_events = 0;
    const std::size_t before = heap_in_use();
    std::size_t peak = 0;
    for (int round = 0; round < 200; ++round) {
        for (int k = 0; k < 1000; ++k) {
            g.r.async_send(payload, [&](std::error_code ec) {
                ++(ec == outbox_errc::dropped ? dropped : other);
            });
        }
        g.clock.advance(0s);
        ASSERT_LE(g.r.outbox_bytes(), limit);
        drop_events += g.seen().events.size();
        g.seen().events.clear(); // the test's own record of each drop: not the outbox's memory
        peak = std::max(peak, heap_in_use() - std::min(before, heap_in_use()));
    }
    EXPECT_EQ(g.r.outbox_size(), limit / payload.size());
    EXPECT_EQ(dropped, 200'000 - limit / payload.size());
    EXPECT_EQ(other, 0u);
    EXPECT_EQ(drop_events, dropped);
    if (before == 0) {
        GTEST_SKIP() << "the allocator is not glibc's (a sanitizer's): the heap is not measured";
    }
    EXPECT_LE(peak, 4 * limit) << "heap growth " << peak << " bytes";
    RecordProperty("peak_heap_growth_bytes", std::to_string(peak));
    std::printf("flood of 20 MB into a 1 MiB outbox: heap grew at most %zu bytes\n", peak);
}

TEST(Outbox, NoOutboxMeansNoSendAndNoBytes) {
    using plain = redial::basic_reconnector<link_transport, redial::virtual_clock>;
    EXPECT_FALSE(can_send<plain>);
    EXPECT_TRUE(can_send<reconnector<overflow::reject>>);
    EXPECT_TRUE(std::is_empty_v<redial::no_outbox>);
}

} // namespace
