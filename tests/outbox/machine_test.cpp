#include <redial/outbox/machine.hpp>

#include <redial/error.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

// The outbox machine alone, in virtual time (time is an argument): order, limits and overflow
// policies, time-to-live, the write window, partial writes, cuts, disconnects during a write,
// stop, and exactly one outcome per message under a random schedule.
namespace {

using namespace std::chrono_literals;
using redial::outbox_errc;
using redial::time_point;
namespace overflow = redial::overflow;

const time_point t0{};

// Completions are message ids; the sink records what ended, in order.
struct ended {
    int id;
    std::error_code code;
    std::size_t bytes;
    bool operator==(const ended&) const = default;
};

template <class Overflow = overflow::reject>
struct rig {
    using machine = redial::outbox_machine<Overflow, std::string, int>;
    explicit rig(redial::outbox_options o = {}) : m(o) {}
    machine m;
    std::vector<ended> log;
    std::array<redial::outbox_buffer, 16> buffers{};

    auto sink() {
        return [this](int&& id, const redial::outbox_outcome& o) {
            log.push_back({id, o.code, o.bytes});
        };
    }
    void push(time_point now, std::string s, int id, redial::send_options so = {}) {
        m.push(now, std::move(s), so, id, sink());
    }
    // The next write's bytes, concatenated ("" when there is none).
    std::string begin(time_point now, std::size_t max = 16) {
        const std::size_t n = m.begin_write(now, std::span(buffers.data(), max), sink());
        std::string s;
        for (std::size_t i = 0; i < n; ++i) {
            s.append(static_cast<const char*>(buffers[i].data), buffers[i].size);
        }
        return s;
    }
    std::size_t pieces(time_point now, std::size_t max = 16) {
        return m.begin_write(now, std::span(buffers.data(), max), sink());
    }
    void end(time_point now, std::size_t n) { m.end_write(now, n, sink()); }
    void connect(time_point now) { m.on_connected(now, sink()); }
    void disconnect(time_point now) { m.on_disconnected(now, sink()); }
    std::vector<int> ids(std::error_code code) const {
        std::vector<int> v;
        for (const ended& e : log) {
            if (e.code == code) {
                v.push_back(e.id);
            }
        }
        return v;
    }
};

const std::error_code written{};

TEST(OutboxMachine, WritesInOrderWhileConnectedAndTakesSeveralMessagesPerWrite) {
    rig<> r;
    r.connect(t0);
    r.push(t0, "a\n", 1);
    r.push(t0, "bb\n", 2);
    r.push(t0, "ccc\n", 3);
    EXPECT_EQ(r.m.size(), 3u);
    EXPECT_EQ(r.m.bytes(), 9u);
    EXPECT_EQ(r.begin(t0), "a\nbb\nccc\n");
    EXPECT_TRUE(r.m.writing());
    EXPECT_EQ(r.begin(t0), ""); // one write at a time
    r.end(t0, 9);
    EXPECT_EQ(r.log, (std::vector<ended>{{1, written, 2}, {2, written, 3}, {3, written, 4}}));
    EXPECT_TRUE(r.m.empty());
    EXPECT_EQ(r.m.bytes(), 0u);
}

TEST(OutboxMachine, KeepsWhatIsSentWhileDownAndWritesItFirstAfterTheConnect) {
    rig<> r;
    r.push(t0, "one", 1);
    r.push(t0 + 1s, "two", 2);
    EXPECT_EQ(r.begin(t0 + 2s), ""); // not connected: nothing to write
    EXPECT_TRUE(r.log.empty());
    r.connect(t0 + 3s);
    EXPECT_EQ(r.begin(t0 + 3s), "onetwo");
    r.end(t0 + 3s, 6);
    EXPECT_EQ(r.ids(written), (std::vector<int>{1, 2}));
}

TEST(OutboxMachine, AGatherTakesAtMostTheBuffersGiven) {
    rig<> r;
    r.connect(t0);
    for (int i = 0; i < 5; ++i) {
        r.push(t0, std::string(1, static_cast<char>('a' + i)), i);
    }
    EXPECT_EQ(r.pieces(t0, 2), 2u);
    r.end(t0, 2);
    EXPECT_EQ(r.begin(t0, 2), "cd");
    r.end(t0, 2);
    EXPECT_EQ(r.begin(t0, 2), "e");
    r.end(t0, 1);
    EXPECT_EQ(r.ids(written), (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(OutboxMachine, RejectRefusesTheNewMessageAndKeepsTheQueue) {
    rig<overflow::reject> r({.max_messages = 2});
    r.push(t0, "a", 1);
    r.push(t0, "b", 2);
    r.push(t0, "c", 3);
    EXPECT_EQ(r.log, (std::vector<ended>{{3, outbox_errc::rejected, 1}}));
    EXPECT_EQ(r.m.size(), 2u);
    r.connect(t0);
    EXPECT_EQ(r.begin(t0), "ab");
}

TEST(OutboxMachine, DropNewestDropsTheNewMessage) {
    rig<overflow::drop_newest> r({.max_messages = 2});
    r.push(t0, "a", 1);
    r.push(t0, "b", 2);
    r.push(t0, "c", 3);
    EXPECT_EQ(r.log, (std::vector<ended>{{3, outbox_errc::dropped, 1}}));
    r.connect(t0);
    EXPECT_EQ(r.begin(t0), "ab");
}

TEST(OutboxMachine, DropOldestDropsFromTheFrontUntilTheNewOneFits) {
    rig<overflow::drop_oldest> r({.max_messages = 10, .max_bytes = 10});
    r.push(t0, "aaaa", 1);
    r.push(t0, "bbbb", 2);
    r.push(t0, "cc", 3);    // 10 bytes: full
    r.push(t0, "ddddd", 4); // needs 5: drops 1 (4 bytes) and 2 (4 bytes)
    EXPECT_EQ(r.log,
              (std::vector<ended>{{1, outbox_errc::dropped, 4}, {2, outbox_errc::dropped, 4}}));
    EXPECT_EQ(r.m.bytes(), 7u);
    r.connect(t0);
    EXPECT_EQ(r.begin(t0), "ccddddd");
}

TEST(OutboxMachine, TheByteLimitHoldsAndAMessageLargerThanItIsTooLargeUnderEveryPolicy) {
    rig<overflow::reject> a({.max_bytes = 4});
    rig<overflow::drop_oldest> b({.max_bytes = 4});
    rig<overflow::drop_newest> c({.max_bytes = 4});
    a.push(t0, "12345", 1);
    b.push(t0, "12345", 1);
    c.push(t0, "12345", 1);
    for (const auto* log : {&a.log, &b.log, &c.log}) {
        EXPECT_EQ(*log, (std::vector<ended>{{1, outbox_errc::too_large, 5}}));
    }
    a.push(t0, "123", 2);
    a.push(t0, "12", 3); // 3 + 2 > 4
    EXPECT_EQ(a.ids(outbox_errc::rejected), (std::vector<int>{3}));
    EXPECT_EQ(a.m.bytes(), 3u);
}

TEST(OutboxMachine, DropOldestNeverDropsAMessageBeingWritten) {
    rig<overflow::drop_oldest> r({.max_messages = 2});
    r.connect(t0);
    r.push(t0, "a", 1);
    r.push(t0, "b", 2);
    EXPECT_EQ(r.begin(t0), "ab"); // both in flight
    r.push(t0, "c", 3);           // nothing droppable: the new one goes
    EXPECT_EQ(r.log, (std::vector<ended>{{3, outbox_errc::dropped, 1}}));
    r.end(t0, 1); // "a" written, "b" still at the head
    r.push(t0, "d", 4);
    r.push(t0, "e", 5); // full again: "d" is queued (droppable), "b" is not
    EXPECT_EQ(r.ids(outbox_errc::dropped), (std::vector<int>{3, 4}));
    EXPECT_EQ(r.begin(t0), "be");
}

TEST(OutboxMachine, AMessageExpiresAtItsTimeToLiveToTheNanosecond) {
    rig<> r({.ttl = 5s});
    r.push(t0, "a", 1);
    r.push(t0 + 2s, "b", 2);
    r.push(t0 + 3s, "c", 3, {.ttl = 1s}); // its own, shorter
    EXPECT_EQ(r.m.next_deadline(), t0 + 4s);
    r.m.expire(t0 + 4s - 1ns, r.sink());
    EXPECT_TRUE(r.log.empty());
    r.m.expire(t0 + 4s, r.sink());
    EXPECT_EQ(r.log, (std::vector<ended>{{3, outbox_errc::expired, 1}}));
    EXPECT_EQ(r.m.next_deadline(), t0 + 5s);
    r.m.expire(t0 + 5s, r.sink());
    EXPECT_EQ(r.ids(outbox_errc::expired), (std::vector<int>{3, 1}));
    r.m.expire(t0 + 7s, r.sink());
    EXPECT_EQ(r.ids(outbox_errc::expired), (std::vector<int>{3, 1, 2}));
    EXPECT_TRUE(r.m.empty());
    EXPECT_EQ(r.m.next_deadline(), time_point::max());
}

TEST(OutboxMachine, AZeroTimeToLiveExpiresAtOnceAndTakesNoRoom) {
    rig<overflow::drop_oldest> r({.max_messages = 1});
    r.push(t0, "a", 1);
    r.push(t0, "b", 2, {.ttl = 0s});
    EXPECT_EQ(r.log, (std::vector<ended>{{2, outbox_errc::expired, 1}}));
    EXPECT_EQ(r.m.size(), 1u); // "a" was not dropped for it
}

TEST(OutboxMachine, AnExpiredMessageIsNeverWrittenAfterAReconnect) {
    rig<> r({.ttl = 2s});
    r.push(t0, "old", 1);
    r.push(t0 + 1s, "new", 2);
    // No expire() call in between (a late timer): the write itself checks.
    r.connect(t0 + 2s + 500ms);
    EXPECT_EQ(r.begin(t0 + 2s + 500ms), "new");
    EXPECT_EQ(r.ids(outbox_errc::expired), (std::vector<int>{1}));
}

TEST(OutboxMachine, AMessageBeingWrittenDoesNotExpireButExpiresIfItComesBackUnwritten) {
    rig<> r({.ttl = 2s});
    r.connect(t0);
    r.push(t0, "a", 1);
    EXPECT_EQ(r.begin(t0), "a");
    r.m.expire(t0 + 3s, r.sink());
    EXPECT_TRUE(r.log.empty()); // the write has it
    // Not due while the write has it: a timer armed on it would fire again at once, forever.
    EXPECT_EQ(r.m.next_deadline(), time_point::max());
    r.disconnect(t0 + 3s); // the write is still in flight: settled when it completes
    r.end(t0 + 3s, 0);     // nothing went out: back in the queue, and past its time
    EXPECT_EQ(r.log, (std::vector<ended>{{1, outbox_errc::expired, 1}}));
}

TEST(OutboxMachine, APartialWriteGoesOnFromWhereItStopped) {
    rig<> r;
    r.connect(t0);
    r.push(t0, "hello ", 1);
    r.push(t0, "world", 2);
    EXPECT_EQ(r.begin(t0), "hello world");
    r.end(t0, 4);
    EXPECT_TRUE(r.log.empty());
    EXPECT_EQ(r.begin(t0), "o world");
    r.end(t0, 3); // "hello " is whole
    EXPECT_EQ(r.log, (std::vector<ended>{{1, written, 6}}));
    EXPECT_EQ(r.begin(t0), "orld");
    r.end(t0, 4);
    EXPECT_EQ(r.ids(written), (std::vector<int>{1, 2}));
}

TEST(OutboxMachine, AMessageCutByADisconnectIsWrittenAgainWholeUnderResend) {
    rig<> r({.cut = redial::cut_message::resend});
    r.connect(t0);
    r.push(t0, "abcdef", 1);
    r.push(t0, "gh", 2);
    EXPECT_EQ(r.begin(t0), "abcdefgh");
    r.end(t0, 3);
    r.disconnect(t0);
    EXPECT_TRUE(r.log.empty());
    EXPECT_EQ(r.m.size(), 2u);
    r.connect(t0 + 1s);
    EXPECT_EQ(r.begin(t0 + 1s), "abcdefgh"); // whole, from its start
    r.end(t0 + 1s, 8);
    EXPECT_EQ(r.ids(written), (std::vector<int>{1, 2}));
}

TEST(OutboxMachine, AMessageCutByADisconnectIsLostUnderLose) {
    rig<> r({.cut = redial::cut_message::lose});
    r.connect(t0);
    r.push(t0, "abcdef", 1);
    r.push(t0, "gh", 2);
    EXPECT_EQ(r.begin(t0), "abcdefgh");
    r.end(t0, 3);
    r.disconnect(t0);
    EXPECT_EQ(r.log, (std::vector<ended>{{1, outbox_errc::lost, 6}}));
    r.connect(t0 + 1s);
    EXPECT_EQ(r.begin(t0 + 1s), "gh"); // untouched: not cut
}

TEST(OutboxMachine, AWriteThatCompletesAfterItsConnectionEndedCountsAsWrittenOnce) {
    rig<> r;
    r.connect(t0);
    r.push(t0, "line 1\n", 1);
    r.push(t0, "line 2\n", 2);
    EXPECT_EQ(r.begin(t0), "line 1\nline 2\n");
    r.disconnect(t0);           // the session ended while the write was in flight
    r.connect(t0);              // and a new connection is up before the write completed
    EXPECT_EQ(r.begin(t0), ""); // it waits for the old write's outcome
    r.end(t0, 7);               // the old write took line 1
    EXPECT_EQ(r.log, (std::vector<ended>{{1, written, 7}}));
    EXPECT_EQ(r.begin(t0), "line 2\n"); // only what did not go out
    r.end(t0, 7);
    EXPECT_EQ(r.ids(written), (std::vector<int>{1, 2}));
}

TEST(OutboxMachine, DisabledKeepsNothingWhileDown) {
    rig<overflow::disabled> r;
    r.push(t0, "a", 1);
    EXPECT_EQ(r.log, (std::vector<ended>{{1, outbox_errc::not_connected, 1}}));
    r.connect(t0);
    r.push(t0, "b", 2);
    r.push(t0, "c", 3);
    EXPECT_EQ(r.begin(t0), "bc");
    r.end(t0, 1); // "b" written; "c" in flight, untouched
    r.disconnect(t0);
    EXPECT_EQ(r.ids(written), (std::vector<int>{2}));
    EXPECT_EQ(r.ids(outbox_errc::not_connected), (std::vector<int>{1, 3}));
    EXPECT_TRUE(r.m.empty());
}

TEST(OutboxMachine, DisabledDoesNotFailWhatANewConnectionTookBeforeTheOldWriteEnded) {
    rig<overflow::disabled> r;
    r.connect(t0);
    r.push(t0, "a", 1);
    EXPECT_EQ(r.begin(t0), "a");
    r.disconnect(t0);
    r.connect(t0);
    r.push(t0, "b", 2); // sent on the new connection
    r.end(t0, 0);       // the old write took nothing: "a" fails, "b" stays
    EXPECT_EQ(r.log, (std::vector<ended>{{1, outbox_errc::not_connected, 1}}));
    EXPECT_EQ(r.begin(t0), "b");
}

TEST(OutboxMachine, StopEndsEverythingAndAWriteInFlightSaysWhatItTook) {
    rig<> r;
    r.connect(t0);
    r.push(t0, "aa", 1);
    r.push(t0, "bb", 2);
    EXPECT_EQ(r.begin(t0, 2), "aabb");
    r.push(t0, "cc", 3);
    r.m.stop(r.sink());
    EXPECT_EQ(r.log, (std::vector<ended>{{3, outbox_errc::stopped, 2}}));
    r.end(t0, 2); // the write took "aa" whole before it ended
    EXPECT_EQ(r.log,
              (std::vector<ended>{
                  {3, outbox_errc::stopped, 2}, {1, written, 2}, {2, outbox_errc::stopped, 2}}));
    r.push(t0, "d", 4);
    EXPECT_EQ(r.log.back(), (ended{4, outbox_errc::stopped, 1}));
    EXPECT_TRUE(r.m.empty());
    EXPECT_EQ(std::error_code(outbox_errc::stopped), std::errc::operation_canceled);
}

// A stop while a message is half written: the write's outcome settles it, and the half that
// went out makes it lost under either cut policy (never "stopped", which reads as not written).
TEST(OutboxMachine, AStopThatCutsAMessageMakesItLostUnderEitherPolicy) {
    for (const redial::cut_message cut : {redial::cut_message::resend, redial::cut_message::lose}) {
        rig<> r({.cut = cut});
        r.connect(t0);
        r.push(t0, "abcdef", 1);
        r.push(t0, "gh", 2);
        EXPECT_EQ(r.begin(t0), "abcdefgh");
        r.m.stop(r.sink());
        r.end(t0, 3); // "abc" went out
        EXPECT_EQ(r.log,
                  (std::vector<ended>{{1, outbox_errc::lost, 6}, {2, outbox_errc::stopped, 2}}));
        EXPECT_TRUE(r.m.empty());
    }
}

// A policy that answers something other than an overflow_action: refused as by reject, and
// the limits hold.
struct out_of_range_policy {
    redial::overflow_action on_overflow(const redial::outbox_usage&) const {
        return static_cast<redial::overflow_action>(42);
    }
};
// A policy that throws: the message completes (rejected) before the exception leaves push().
struct throwing_policy {
    redial::overflow_action on_overflow(const redial::outbox_usage&) const {
        throw std::runtime_error("policy");
    }
};

TEST(OutboxMachine, APolicyThatAnswersNonsenseOrThrowsBreaksNoLimitAndLosesNoCompletion) {
    rig<out_of_range_policy> nonsense({.max_messages = 2, .max_bytes = 4});
    for (int i = 1; i <= 5; ++i) {
        nonsense.push(t0, "xx", i);
    }
    EXPECT_EQ(nonsense.m.size(), 2u);
    EXPECT_EQ(nonsense.m.bytes(), 4u);
    EXPECT_EQ(nonsense.ids(outbox_errc::rejected), (std::vector<int>{3, 4, 5}));

    rig<throwing_policy> throwing({.max_messages = 1});
    throwing.push(t0, "a", 1);
    EXPECT_THROW(throwing.push(t0, "b", 2), std::runtime_error);
    EXPECT_EQ(throwing.log, (std::vector<ended>{{2, outbox_errc::rejected, 1}}));
    EXPECT_EQ(throwing.m.size(), 1u);
}

TEST(OutboxMachine, AnEmptyMessageIsWrittenInItsTurn) {
    rig<> r;
    r.connect(t0);
    r.push(t0, "", 1);
    r.push(t0, "x", 2);
    r.push(t0, "", 3);
    EXPECT_EQ(r.begin(t0), "x");
    EXPECT_EQ(r.ids(written), (std::vector<int>{1})); // at the head: at once
    r.end(t0, 1);
    EXPECT_EQ(r.ids(written), (std::vector<int>{1, 2, 3}));
}

TEST(OutboxMachine, RefusesLimitsOfZeroAndATimeToLiveThatIsNotPositive) {
    using machine = redial::outbox_machine<overflow::reject, std::string, int>;
    auto key_of = [](redial::outbox_options o) {
        try {
            machine m(o);
        } catch (const redial::config_error& e) {
            return e.key() + "=" + e.value();
        }
        return std::string("accepted");
    };
    EXPECT_EQ(key_of({.max_messages = 0}), "outbox max-messages=0");
    EXPECT_EQ(key_of({.max_bytes = 0}), "outbox max-bytes=0");
    EXPECT_EQ(key_of({.ttl = 0s}), "outbox ttl=0s");
    EXPECT_EQ(key_of({.ttl = -1s}), "outbox ttl=-1s");
    EXPECT_EQ(key_of({.max_messages = 1, .max_bytes = 1, .ttl = 1ns}), "accepted");
}

TEST(OutboxMachine, ManyExpiriesInTheMiddleKeepTheQueueConsistent) {
    // Alternating lifetimes: every other message expires, from the middle of the queue.
    rig<> r({.max_messages = 100'000, .max_bytes = 1 << 30});
    for (int i = 0; i < 10'000; ++i) {
        r.push(t0, "m", i, {.ttl = i % 2 == 0 ? 1s : 1h});
    }
    r.m.expire(t0 + 1s, r.sink());
    EXPECT_EQ(r.ids(outbox_errc::expired).size(), 5'000u);
    EXPECT_EQ(r.m.size(), 5'000u);
    r.connect(t0 + 1s);
    std::vector<int> order;
    while (r.pieces(t0 + 1s) != 0) {
        r.end(t0 + 1s, 16);
    }
    const std::vector<int> w = r.ids(written);
    ASSERT_EQ(w.size(), 5'000u);
    for (std::size_t i = 0; i < w.size(); ++i) {
        EXPECT_EQ(w[i], static_cast<int>(2 * i + 1));
    }
}

// A random schedule of sends, partial writes, disconnects and time: every message ends exactly
// once; those written end in the order sent; the limits hold at every step; the bytes written
// per connection are whole messages (with resend, a cut message's first part before it).
TEST(OutboxMachine, EveryMessageEndsExactlyOnceAndWrittenOnesInOrder) {
    for (unsigned seed = 1; seed <= 50; ++seed) {
        std::mt19937 rng(seed);
        rig<overflow::drop_oldest> r({.max_messages = 8, .max_bytes = 64, .ttl = 3s});
        std::map<int, int> ends;
        time_point now = t0;
        int next_id = 0;
        bool in_flight = false;
        std::size_t flight_bytes = 0;
        for (int step = 0; step < 2'000; ++step) {
            switch (rng() % 6) {
            case 0:
            case 1:
                r.push(now, std::string(rng() % 12, 'x'), next_id++,
                       {.ttl = rng() % 4 == 0
                                   ? std::optional(std::chrono::nanoseconds(rng() % 4'000'000'000))
                                   : std::nullopt});
                break;
            case 2:
                if (!in_flight) {
                    const std::size_t n = r.pieces(now, 1 + rng() % 4);
                    in_flight = n != 0;
                    flight_bytes = 0;
                    for (std::size_t i = 0; i < n; ++i) {
                        flight_bytes += r.buffers[i].size;
                    }
                }
                break;
            case 3:
                if (in_flight) {
                    r.end(now, rng() % (flight_bytes + 1));
                    in_flight = false;
                }
                break;
            case 4:
                if (r.m.connected()) {
                    r.disconnect(now);
                } else {
                    r.connect(now);
                }
                break;
            case 5:
                now += std::chrono::milliseconds(rng() % 1000);
                r.m.expire(now, r.sink());
                break;
            }
            ASSERT_LE(r.m.size(), 8u);
            ASSERT_LE(r.m.bytes(), 64u);
        }
        if (in_flight) {
            r.end(now, 0);
        }
        r.m.stop(r.sink());
        for (const ended& e : r.log) {
            ++ends[e.id];
        }
        ASSERT_EQ(ends.size(), static_cast<std::size_t>(next_id)) << "seed " << seed;
        for (const auto& [id, n] : ends) {
            ASSERT_EQ(n, 1) << "message " << id << ", seed " << seed;
        }
        const std::vector<int> w = r.ids(written);
        ASSERT_TRUE(std::is_sorted(w.begin(), w.end())) << "seed " << seed;
        EXPECT_TRUE(r.m.empty());
    }
}

} // namespace
