#include <redial/outbox/outbox.hpp>

#include "../support/restartable_server.hpp"

#include <redial/backoff/constant.hpp>
#include <redial/clock/steady_clock.hpp>
#include <redial/outbox/error.hpp>
#include <redial/outbox/overflow.hpp>
#include <redial/reconnector.hpp>
#include <redial/session/hold.hpp>
#include <redial/setup/transport.hpp>
#include <redial/stability/uptime_threshold.hpp>
#include <redial/transport/tcp.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

// The outbox over real loopback TCP (issue 16): a server restarted three times, each time ending
// its connection gracefully (it stops listening, shuts down its sending side and reads what the
// client sent until the client closes), receives every message exactly once and in order, with
// messages sent while it was down among them; while nothing listens, drop_oldest keeps exactly
// the newest max_messages and reject exactly the oldest. The test waits on events, not on time:
// timing changes which connection carries a message, never what arrives.
namespace {

using namespace std::chrono_literals;
using redial::outbox_errc;
using redial::test::restartable_server;
namespace overflow = redial::overflow;

struct recorder {
    std::function<void()> connected;
    std::function<void()> disconnected;
    std::function<void()> attempt_failed;
    std::size_t connects = 0;
    std::vector<std::error_code> drop_reasons;
    std::size_t expired = 0;
    void on_connected(const redial::connected_event&) {
        ++connects;
        if (connected) {
            connected();
        }
    }
    void on_disconnected(const redial::disconnected_event&) {
        if (disconnected) {
            disconnected();
        }
    }
    void on_connect_failed(const redial::connect_failed_event&) {
        if (attempt_failed) {
            attempt_failed();
        }
    }
    void on_outbox_drop(const redial::outbox_drop_event& e) { drop_reasons.push_back(e.reason); }
    void on_outbox_expired(const redial::outbox_expired_event&) { ++expired; }
};

template <class Overflow>
using reconnector =
    redial::basic_reconnector<redial::tcp_transport, redial::steady_clock, redial::constant_backoff,
                              redial::uptime_threshold, recorder, redial::no_terminal_errors,
                              redial::no_liveness, redial::outbox<Overflow>>;

std::string message(std::size_t i) {
    return "m" + std::to_string(i) + "\n";
}

std::string messages(std::size_t from, std::size_t to) {
    std::string all;
    for (std::size_t i = from; i < to; ++i) {
        all += message(i);
    }
    return all;
}

template <class Overflow>
struct rig {
    asio::io_context io;
    restartable_server server{io};
    reconnector<Overflow> r;
    std::vector<std::optional<std::error_code>> done; // each send's completion, by index
    std::size_t completed = 0;
    std::size_t completed_in_order = 0; // completions that came in send order
    std::function<void()> after_completion;
    asio::steady_timer limit{io};
    bool timed_out = false;

    explicit rig(redial::outbox_options o)
        : r(io.get_executor(),
            redial::tcp_transport{io.get_executor(), "127.0.0.1", std::to_string(server.port()),
                                  2s},
            {.backoff = redial::constant_backoff{5ms},
             .stability = redial::uptime_threshold{1ms},
             .give_up = {.give_up_timeout = 0ns},
             .outbox = redial::outbox<Overflow>{o}}) {}

    void send(std::size_t i) {
        if (done.size() <= i) {
            done.resize(i + 1);
        }
        r.async_send(message(i), [this, i](std::error_code ec) {
            done.at(i) = ec;
            if (i == completed) {
                ++completed_in_order;
            }
            ++completed;
            if (after_completion) {
                after_completion();
            }
        });
    }

    // Runs until finish() (or 20 s, which fails the test).
    void run() {
        limit.expires_after(20s);
        limit.async_wait([this](std::error_code ec) {
            if (!ec) {
                timed_out = true;
                finish();
            }
        });
        r.async_run(redial::hold_session{}, [](std::error_code) {});
        io.run();
        EXPECT_FALSE(timed_out) << "received so far: " << server.received().size() << " bytes";
    }

    void finish() {
        r.stop();
        server.close();
        limit.cancel();
    }

    recorder& seen() { return r.observer(); }
};

constexpr std::size_t batch = 25;

TEST(OutboxLoopback, ThreeGracefulRestartsDeliverEveryMessageOnceInOrder) {
    rig<overflow::reject> g({});
    constexpr std::size_t restarts = 3;
    constexpr std::size_t total = (restarts + 1) * batch + restarts * batch;
    std::size_t next = 0;
    const auto send_batch = [&] {
        for (std::size_t k = 0; k < batch; ++k) {
            g.send(next++);
        }
    };
    // Each connection: a batch sent at once; the server restarts as soon as it has accepted the
    // connection (some of the batch written before the client sees the end, the rest left for
    // the next connection). Stopping before the accept would reset a connection that the client
    // thinks open, and lose what it wrote: TCP's limit, not the outbox's (docs/outbox.md).
    g.seen().connected = send_batch;
    g.server.on_accept = [&] {
        if (g.server.connections() <= restarts) {
            g.server.stop();
        }
    };
    // Down: a batch waits in the outbox, and the server comes back 10 ms later.
    asio::steady_timer restart(g.io);
    g.seen().disconnected = [&] {
        if (g.seen().connects > restarts) {
            return; // the final stop
        }
        send_batch();
        restart.expires_after(10ms);
        restart.async_wait([&](std::error_code ec) {
            if (!ec) {
                g.server.start();
            }
        });
    };
    g.server.on_data = [&] {
        if (g.server.received().size() == messages(0, total).size()) {
            g.finish();
        }
    };
    g.server.start();
    g.run();

    EXPECT_EQ(g.server.received(), messages(0, total));
    EXPECT_EQ(g.seen().connects, restarts + 1);
    EXPECT_EQ(g.server.connections(), restarts + 1);
    ASSERT_EQ(g.done.size(), total);
    for (std::size_t i = 0; i < total; ++i) {
        EXPECT_EQ(g.done[i], std::error_code{}) << "message " << i;
    }
    EXPECT_EQ(g.completed_in_order, total);
    EXPECT_TRUE(g.seen().drop_reasons.empty());
    EXPECT_EQ(g.r.outbox_size(), 0u);
}

// Nothing listens: 100 sends meet an outbox of 10. Once the server listens, exactly the kept ten
// arrive, and each of the others completed with the policy's code.
template <class Overflow>
void hundred_sends_while_down(std::size_t first_kept, std::error_code lost) {
    rig<Overflow> g({.max_messages = 10});
    constexpr std::size_t total = 100;
    bool sent = false;
    g.seen().attempt_failed = [&] { // refused: down for sure
        if (!sent) {
            sent = true;
            for (std::size_t i = 0; i < total; ++i) {
                g.send(i);
            }
        }
    };
    g.after_completion = [&] { // the 90 lost ones complete at once; then listen
        if (g.completed == total - 10) {
            g.server.start();
        }
    };
    g.server.on_data = [&] {
        if (g.server.received().size() == messages(first_kept, first_kept + 10).size()) {
            g.finish();
        }
    };
    g.run();

    EXPECT_EQ(g.server.received(), messages(first_kept, first_kept + 10));
    ASSERT_EQ(g.done.size(), total);
    for (std::size_t i = 0; i < total; ++i) {
        const bool kept = i >= first_kept && i < first_kept + 10;
        EXPECT_EQ(g.done[i], kept ? std::error_code{} : lost) << "message " << i;
    }
    EXPECT_EQ(g.seen().connects, 1u);
}

TEST(OutboxLoopback, DropOldestWhileDownDeliversExactlyTheNewest) {
    hundred_sends_while_down<overflow::drop_oldest>(90, outbox_errc::dropped);
}

TEST(OutboxLoopback, RejectWhileDownDeliversExactlyTheOldest) {
    hundred_sends_while_down<overflow::reject>(0, outbox_errc::rejected);
}

TEST(OutboxLoopback, DropOldestReportsEachDropAndStopCompletesTheRest) {
    rig<overflow::drop_oldest> g({.max_messages = 10});
    bool sent = false;
    g.seen().attempt_failed = [&] {
        if (sent) {
            return;
        }
        sent = true;
        for (std::size_t i = 0; i < 30; ++i) {
            g.send(i);
        }
    };
    g.after_completion = [&] {
        if (g.completed == 20) {
            g.finish();
        }
    };
    g.run();
    ASSERT_EQ(g.seen().drop_reasons.size(), 20u);
    for (const std::error_code& reason : g.seen().drop_reasons) {
        EXPECT_EQ(reason, outbox_errc::dropped);
    }
    // stop completed the ten kept with `stopped`
    for (std::size_t i = 20; i < 30; ++i) {
        EXPECT_EQ(g.done.at(i), outbox_errc::stopped) << "message " << i;
    }
}

// A setup step that writes a hello line (the server answers nothing).
struct hello_step {
    template <class Connection>
    void operator()(Connection& c, redial::setup_buffer&, redial::setup_done done) const {
        asio::async_write(
            c, asio::buffer("HELLO\n", 6),
            [done = std::move(done)](std::error_code ec, std::size_t) mutable { done(ec); });
    }
};

// With a setup stage, each connection's handshake goes first and the outbox writes after it:
// what was sent before the run and while down follows the hello on each connection.
TEST(OutboxLoopback, TheOutboxWritesAfterEachConnectionsSetup) {
    asio::io_context io;
    restartable_server server(io);
    auto r = redial::make_reconnector(
        io.get_executor(),
        redial::with_setup(redial::setup_options{.timeout = 5s},
                           redial::tcp_transport{io.get_executor(), "127.0.0.1",
                                                 std::to_string(server.port()), 2s},
                           hello_step{}),
        redial::with_backoff(redial::constant_backoff{5ms}),
        redial::with_give_up({.give_up_timeout = 0ns}), redial::with_observer(recorder{}),
        redial::with_outbox(redial::outbox<overflow::reject>{}));
    std::size_t completed = 0;
    const auto send = [&](std::size_t i) {
        r.async_send(message(i), [&](std::error_code ec) {
            EXPECT_FALSE(ec) << ec.message();
            ++completed;
        });
    };
    asio::steady_timer limit(io, 20s);
    bool timed_out = false;
    const auto finish = [&] {
        r.stop();
        server.close();
        limit.cancel();
    };
    limit.async_wait([&](std::error_code ec) {
        if (!ec) {
            timed_out = true;
            finish();
        }
    });
    send(0); // before the run: after the first hello
    send(1);
    const std::string first = "HELLO\n" + messages(0, 2);
    const std::string second = "HELLO\n" + messages(2, 4);
    server.on_data = [&] {
        if (server.connections() == 1 && server.received(0) == first) {
            server.stop(); // the client sees the end, then sends while down
        } else if (server.connections() == 2 && server.received(1) == second) {
            finish();
        }
    };
    r.observer().disconnected = [&] {
        if (r.observer().connects == 1) {
            send(2);
            send(3);
            server.start();
        }
    };
    server.start();
    r.async_run(redial::hold_session{}, [](std::error_code) {});
    io.run();
    EXPECT_FALSE(timed_out);
    ASSERT_EQ(server.connections(), 2u);
    EXPECT_EQ(server.received(0), first);
    EXPECT_EQ(server.received(1), second);
    EXPECT_EQ(completed, 4u);
}

} // namespace
