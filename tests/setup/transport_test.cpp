#include <redial/setup/transport.hpp>

#include <redial/backoff/constant.hpp>
#include <redial/clock/virtual_clock.hpp>
#include <redial/liveness/idle_timeout.hpp>
#include <redial/reconnector.hpp>
#include <redial/session/hold.hpp>
#include <redial/transport/scripted.hpp>
#include <redial/transport/tcp.hpp>

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/completion_condition.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/strand.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

// The setup stage over the scripted transport in virtual time: steps in order, one deadline over
// connect and setup to the nanosecond, cancel, failure texts, the bytes left for the session,
// and the reconnector's give-up message carrying a step's words.
namespace {

using namespace std::chrono_literals;
using redial::failure;
using redial::scripted_step;
using scripted = redial::scripted_transport<redial::virtual_clock>;
using conn = scripted::connection;

const std::error_code timed_out = asio::error::timed_out;

// Writes a hello and waits for the server's one-byte answer, which it consumes.
struct hello_step {
    std::vector<std::string>* log = nullptr;
    void operator()(conn& c, redial::setup_buffer& in, redial::setup_done done) const {
        if (log != nullptr) {
            log->emplace_back("hello");
        }
        asio::async_write(
            c, asio::buffer("HELLO", 5),
            [&c, &in, done = std::move(done)](std::error_code ec, std::size_t) mutable {
                if (ec) {
                    done(ec);
                    return;
                }
                asio::async_read(
                    c, in.dynamic(), asio::transfer_exactly(1),
                    [&in, done = std::move(done)](std::error_code e, std::size_t n) mutable {
                        if (e) {
                            done(e);
                            return;
                        }
                        in.consume(n);
                        done();
                    });
            });
    }
};

// Completes at once with what it was given.
struct fixed_step {
    failure result;
    std::vector<std::string>* log = nullptr;
    std::string name;
    void operator()(conn&, redial::setup_buffer&, redial::setup_done done) const {
        if (log != nullptr) {
            log->push_back(name);
        }
        done(result);
    }
};

struct SetupTransport : ::testing::Test {
    asio::io_context io;
    redial::virtual_clock clock{io};
    std::optional<failure> result;
    std::optional<std::chrono::nanoseconds> at;

    scripted inner(scripted_step step) {
        return scripted{clock, io.get_executor(), [step](std::size_t) { return step; }};
    }
    template <class Connection>
    auto on_connect(Connection& out) {
        return [this, &out](failure f, Connection c) {
            result = std::move(f);
            at = clock.now().time_since_epoch();
            out = std::move(c);
        };
    }
};

TEST_F(SetupTransport, AStepRunsOnEachConnectionBeforeItIsHandedOut) {
    std::vector<std::string> log;
    auto t = redial::with_setup(redial::setup_options{.timeout = 5s},
                                inner(scripted_step::accept_forever().answering_after(100ms)),
                                hello_step{&log});
    static_assert(redial::transport<decltype(t)>);
    decltype(t)::connection c;
    t.async_connect(on_connect(c));
    clock.advance(99ms);
    EXPECT_FALSE(result);
    clock.advance(1ms);
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, failure{});
    EXPECT_EQ(at, 100ms);
    EXPECT_TRUE(c.is_open());
    EXPECT_EQ(c.buffered(), 0U); // the answer was consumed
    EXPECT_EQ(log, std::vector<std::string>{"hello"});
    EXPECT_EQ(t.connect_timeout(), 5s);
}

TEST_F(SetupTransport, StepsRunInOrderAndTheFirstFailureEndsTheAttempt) {
    std::vector<std::string> log;
    auto t = redial::with_setup(
        redial::setup_options{.timeout = 1s}, inner(scripted_step::accept_forever()),
        fixed_step{{}, &log, "first"},
        fixed_step{{redial::setup_errc::rejected, "-NOPERM no permissions"}, &log, "second"},
        fixed_step{{}, &log, "third"});
    decltype(t)::connection c;
    t.async_connect(on_connect(c));
    clock.advance(0s);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->code, redial::setup_errc::rejected);
    EXPECT_EQ(result->text, "setup step 2 of 3: -NOPERM no permissions");
    EXPECT_EQ(log, (std::vector<std::string>{"first", "second"}));
    EXPECT_FALSE(c.is_open());
}

// The "Done when": one deadline covers the whole setup. Connect 3s + an answer that
// would take 3s more: the attempt times out at 5s exactly, not at 3s + 5s.
TEST_F(SetupTransport, OneDeadlineCoversConnectAndSetup) {
    auto t = redial::with_setup(redial::setup_options{.timeout = 5s},
                                inner(scripted_step::accept(std::chrono::nanoseconds::max(),
                                                            asio::error::connection_reset, 3s)
                                          .answering_after(3s)),
                                hello_step{});
    decltype(t)::connection c;
    t.async_connect(on_connect(c));
    clock.advance(5s - 1ns);
    EXPECT_FALSE(result);
    clock.advance(1ns);
    ASSERT_TRUE(result);
    EXPECT_EQ(at, 5s);
    EXPECT_EQ(result->code, timed_out);
    EXPECT_EQ(result->text,
              "setup: timed out after 5s (the connect timeout covers connect and setup)");
    EXPECT_FALSE(c.is_open());
    clock.advance(1h); // the answer, and the closed connection's read, change nothing
    EXPECT_EQ(result->code, timed_out);
}

TEST_F(SetupTransport, AServerThatNeverAnswersTimesOutAtTheDeadline) {
    auto t = redial::with_setup(redial::setup_options{.timeout = 2s},
                                inner(scripted_step::accept_forever()), hello_step{});
    decltype(t)::connection c;
    t.async_connect(on_connect(c));
    clock.advance(1h);
    ASSERT_TRUE(result);
    EXPECT_EQ(at, 2s);
    EXPECT_EQ(result->code, timed_out);
}

TEST_F(SetupTransport, TheDeadlineStopsAConnectTheInnerTransportWouldWaitOn) {
    auto t = redial::with_setup(redial::setup_options{.timeout = 2s}, inner(scripted_step::hang()),
                                hello_step{});
    decltype(t)::connection c;
    t.async_connect(on_connect(c));
    clock.advance(1h);
    ASSERT_TRUE(result);
    EXPECT_EQ(at, 2s);
    EXPECT_EQ(result->code, timed_out);
    EXPECT_EQ(result->text, "connect timed out after 2s");
}

TEST_F(SetupTransport, AConnectFailureIsPassedOnAsItIs) {
    auto t = redial::with_setup(redial::setup_options{.timeout = 2s},
                                inner(scripted_step::refuse(asio::error::connection_refused, 7ms)),
                                hello_step{});
    decltype(t)::connection c;
    t.async_connect(on_connect(c));
    clock.advance(1h);
    ASSERT_TRUE(result);
    EXPECT_EQ(at, 7ms);
    EXPECT_EQ(*result, failure{asio::error::connection_refused});
}

TEST_F(SetupTransport, CancelAbortsTheConnectOrTheRunningStep) {
    auto hanging = redial::with_setup(redial::setup_options{.timeout = 2s},
                                      inner(scripted_step::hang()), hello_step{});
    decltype(hanging)::connection c;
    hanging.async_connect(on_connect(c));
    clock.advance(1s);
    hanging.cancel();
    clock.advance(0s);
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, failure{asio::error::operation_aborted});
    EXPECT_EQ(at, 1s);

    result.reset();
    auto silent = redial::with_setup(redial::setup_options{.timeout = 2s},
                                     inner(scripted_step::accept_forever()), hello_step{});
    silent.async_connect(on_connect(c));
    clock.advance(500ms);
    EXPECT_FALSE(result);
    silent.cancel();
    clock.advance(0s);
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, failure{asio::error::operation_aborted});
    EXPECT_EQ(at, 1s + 500ms);
    clock.advance(1h); // no second completion at the deadline
    EXPECT_EQ(at, 1s + 500ms);
}

// A talking server sends a byte every 10ms; the step reads two and consumes one: the session's
// first read gets the other at once.
TEST_F(SetupTransport, BytesReadPastTheReplyGoToTheSessionFirst) {
    auto step = [](conn& c, redial::setup_buffer& in, redial::setup_done done) {
        asio::async_read(c, in.dynamic(), asio::transfer_exactly(2),
                         [&in, done = std::move(done)](std::error_code ec, std::size_t) mutable {
                             in.consume(1);
                             done(ec);
                         });
    };
    auto t = redial::with_setup(redial::setup_options{.timeout = 1s},
                                inner(scripted_step::accept_forever().talking_every(10ms)), step);
    decltype(t)::connection c;
    t.async_connect(on_connect(c));
    clock.advance(20ms);
    ASSERT_TRUE(result);
    ASSERT_EQ(*result, failure{});
    EXPECT_EQ(c.buffered(), 1U);
    char byte = 0;
    std::optional<std::chrono::nanoseconds> read_at;
    c.async_read_some(asio::buffer(&byte, 1), [&](std::error_code ec, std::size_t n) {
        EXPECT_FALSE(ec);
        EXPECT_EQ(n, 1U);
        read_at = clock.now().time_since_epoch();
    });
    clock.advance(0s);
    EXPECT_EQ(read_at, 20ms); // no waiting for the server's next byte
    EXPECT_EQ(byte, 'x');
    EXPECT_EQ(c.buffered(), 0U);
}

TEST_F(SetupTransport, AReplyLongerThanTheBufferSaysSo) {
    auto step = [](conn& c, redial::setup_buffer& in, redial::setup_done done) {
        asio::async_read_until(
            c, in.dynamic(), "\r\n",
            [done = std::move(done)](std::error_code ec, std::size_t) mutable { done(ec); });
    };
    auto t = redial::with_setup(redial::setup_options{.timeout = 1s, .max_buffer = 4},
                                inner(scripted_step::accept_forever().talking_every(1ms)), step);
    decltype(t)::connection c;
    t.async_connect(on_connect(c));
    clock.advance(10ms);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->code, asio::error::not_found);
    EXPECT_EQ(result->text,
              "setup: a reply longer than the setup buffer's 4 bytes (setup_options::max_buffer)");
}

TEST_F(SetupTransport, AStepThatThrowsFailsTheAttemptWithItsMessage) {
    auto step = [](conn&, redial::setup_buffer&, redial::setup_done) {
        throw std::runtime_error("no hello for you");
    };
    auto t = redial::with_setup(redial::setup_options{.timeout = 1s},
                                inner(scripted_step::accept_forever()), step);
    decltype(t)::connection c;
    t.async_connect(on_connect(c));
    clock.advance(0s);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->code, redial::setup_errc::exception);
    EXPECT_EQ(result->text, "setup: no hello for you");
}

TEST_F(SetupTransport, ALateOrSecondDoneIsIgnored) {
    std::optional<redial::setup_done> kept;
    auto step = [&kept](conn&, redial::setup_buffer&, redial::setup_done done) {
        kept.emplace(std::move(done));
    };
    auto t = redial::with_setup(redial::setup_options{.timeout = 1s},
                                inner(scripted_step::accept_forever()), step);
    decltype(t)::connection c;
    t.async_connect(on_connect(c));
    clock.advance(1s);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->code, timed_out);
    ASSERT_TRUE(kept);
    (*kept)(); // after the deadline: the timeout stands
    (*kept)(); // and twice
    clock.advance(0s);
    EXPECT_EQ(result->code, timed_out);
    EXPECT_FALSE(c.is_open());
}

// A step that drops its setup_done without calling it: the attempt still times out at the
// deadline (the deadline's wait holds it), and the reconnector retries.
TEST_F(SetupTransport, AStepThatDropsItsDoneTimesOutAtTheDeadline) {
    auto t = redial::with_setup(redial::setup_options{.timeout = 1s},
                                inner(scripted_step::accept_forever()),
                                [](conn&, redial::setup_buffer&, redial::setup_done) {});
    decltype(t)::connection c;
    t.async_connect(on_connect(c));
    clock.advance(1h);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->code, timed_out);
    EXPECT_EQ(at, 1s);
}

// What the step concept refuses: a completion step that returns something (an awaitable taking
// a setup_done would be dropped unstarted), a buffer taken by value (its bytes would be lost).
using mixed = asio::awaitable<void> (*)(conn&, redial::setup_buffer&, redial::setup_done);
static_assert(!redial::setup_step<mixed, conn>);
using by_value = void (*)(conn&, redial::setup_buffer, redial::setup_done);
static_assert(!redial::setup_step<by_value, conn>);
static_assert(!std::is_copy_constructible_v<redial::setup_buffer>);
static_assert(redial::setup_step<void (*)(conn&, redial::setup_buffer&, redial::setup_done), conn>);

// A transport that completes with `{}` for success (as users' transports do) still compiles
// with the reconnector, whose completion also takes a failure.
struct braces_transport {
    struct connection {
        void close() {}
    };
    asio::any_io_executor ex;
    template <class Handler>
    void async_connect(Handler h) {
        asio::post(ex, [h = std::move(h)]() mutable { std::move(h)({}, connection{}); });
    }
    void cancel() {}
};
static_assert(redial::transport<braces_transport>);

TEST_F(SetupTransport, ATransportCompletingWithBracesStillCompiles) {
    auto r = redial::make_reconnector(io.get_executor(), braces_transport{io.get_executor()},
                                      redial::with_clock(clock));
    int sessions = 0;
    r.async_run(
        [&](braces_transport::connection&, auto done) {
            ++sessions;
            done(std::error_code{});
        },
        [](std::error_code) {});
    clock.advance(0s);
    EXPECT_GE(sessions, 1);
    r.stop();
    clock.advance(0s);
}

TEST_F(SetupTransport, DestroyingTheTransportMidSetupStillEndsTheAttempt) {
    std::optional<decltype(redial::with_setup(
        redial::setup_options{}, inner(scripted_step::accept_forever()), hello_step{}))>
        t;
    t.emplace(redial::setup_options{.timeout = 1s}, inner(scripted_step::accept_forever()),
              hello_step{});
    redial::buffered_connection<conn> c;
    t->async_connect(on_connect(c));
    clock.advance(10ms);
    t.reset();
    clock.advance(1h);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->code, timed_out);
    EXPECT_EQ(at, 1s);
}

TEST_F(SetupTransport, BadOptionsAreRefusedNamingTheKey) {
    const auto refused = [&](redial::setup_options o, const std::string& message) {
        try {
            redial::with_setup(o, inner(scripted_step::accept_forever()), hello_step{});
            ADD_FAILURE() << "accepted: " << message;
        } catch (const redial::config_error& e) {
            EXPECT_EQ(std::string(e.what()), message);
        }
    };
    refused({.timeout = 0s}, "invalid setup timeout \"0s\": must be greater than zero");
    refused({}, "invalid setup timeout \"unset\": must be given: the inner transport has no "
                "connect_timeout()");
    refused({.timeout = 1s, .max_buffer = 0}, "invalid setup max-buffer \"0\": must be at least 1 "
                                              "byte");
    refused({.timeout = 1s, .max_text = 3},
            "invalid setup max-text \"3\": must be at least 16 bytes");
}

// Through the reconnector: the step's words reach the observer and the give-up message, and the
// classifier sees code and text.
struct texts {
    std::vector<std::string> failures;
    void on_connect_failed(const redial::connect_failed_event& e) {
        failures.push_back(e.error.message());
    }
};

TEST_F(SetupTransport, AnAuthFailureIsTerminalWithTheServersText) {
    auto step = fixed_step{{redial::setup_errc::rejected,
                            "-WRONGPASS invalid username-password pair or user is disabled."},
                           nullptr,
                           ""};
    auto t = redial::with_setup(redial::setup_options{.timeout = 1s},
                                inner(scripted_step::accept_forever()), step);
    auto terminal = [](const failure& f) { return f.code == redial::setup_errc::rejected; };
    auto r =
        redial::make_reconnector(io.get_executor(), std::move(t), redial::with_clock(clock),
                                 redial::with_observer(texts{}), redial::with_classifier(terminal));
    std::optional<std::error_code> ended;
    r.async_run(redial::hold_session{}, [&](std::error_code ec) { ended = ec; });
    clock.advance(0s);
    ASSERT_TRUE(ended);
    EXPECT_EQ(*ended, redial::reconnect_errc::terminal_error);
    EXPECT_EQ(r.give_up_message(), "reconnect gave up on a terminal error: setup: -WRONGPASS "
                                   "invalid username-password pair or user is disabled.");
    EXPECT_EQ(r.observer().failures,
              std::vector<std::string>{
                  "setup: -WRONGPASS invalid username-password pair or user is disabled."});
}

TEST_F(SetupTransport, TheReconnectorRetriesATimedOutSetupAndTheSessionGetsTheConnection) {
    int sessions = 0;
    auto t = redial::with_setup(
        redial::setup_options{.timeout = 2s},
        scripted{clock, io.get_executor(),
                 [](std::size_t i) {
                     // The first server never answers; the second does.
                     return i == 0 ? scripted_step::accept_forever()
                                   : scripted_step::accept_forever().answering_after(50ms);
                 }},
        hello_step{});
    auto r = redial::make_reconnector(io.get_executor(), std::move(t), redial::with_clock(clock),
                                      redial::with_backoff(redial::constant_backoff{1s}),
                                      redial::with_observer(texts{}));
    r.async_run(
        [&](redial::buffered_connection<conn>& c, auto) {
            ++sessions;
            EXPECT_TRUE(c.is_open());
        },
        [](std::error_code) {});
    clock.advance(3s + 50ms);
    EXPECT_EQ(sessions, 1);
    EXPECT_EQ(r.observer().failures,
              std::vector<std::string>{
                  "setup: timed out after 2s (the connect timeout covers connect and setup)"});
    r.stop();
    clock.advance(0s);
}

TEST_F(SetupTransport, StopDuringASetupStepEndsTheRunAndClosesTheConnection) {
    std::optional<redial::setup_done> kept;
    std::optional<std::error_code> step_read; // the step's read, pending until the close
    char byte = 0;
    auto step = [&](conn& c, redial::setup_buffer&, redial::setup_done done) {
        c.async_read_some(asio::buffer(&byte, 1),
                          [&](std::error_code ec, std::size_t) { step_read = ec; });
        kept.emplace(std::move(done));
    };
    auto t = redial::with_setup(redial::setup_options{.timeout = 10s},
                                inner(scripted_step::accept_forever()), step);
    int sessions = 0;
    auto r = redial::make_reconnector(io.get_executor(), std::move(t), redial::with_clock(clock));
    std::optional<std::error_code> ended;
    r.async_run([&](auto&, auto) { ++sessions; }, [&](std::error_code ec) { ended = ec; });
    clock.advance(1s);
    ASSERT_TRUE(kept);
    EXPECT_FALSE(step_read);
    r.stop();
    clock.advance(0s);
    ASSERT_TRUE(ended);
    EXPECT_FALSE(*ended);                                 // stop() ends the run cleanly
    EXPECT_EQ(step_read, asio::error::operation_aborted); // its connection closed under it
    (*kept)();                                            // the step finishing now reaches nobody
    clock.advance(1h);
    EXPECT_EQ(sessions, 0);
}

// A liveness policy over a setup transport: the session's connection is the monitored stream
// over the buffered one, and a server silent after its answer is dropped idle_timeout after the
// connect (the handshake's byte was read by the setup, not the session).
struct drops {
    std::vector<std::string> reasons;
    std::vector<std::chrono::nanoseconds> at;
    void on_disconnected(const redial::disconnected_event& e) {
        reasons.push_back(e.reason.message());
        at.push_back(e.at.time_since_epoch());
    }
};

TEST_F(SetupTransport, ALivenessPolicyWatchesTheSetupsConnection) {
    auto t = redial::with_setup(redial::setup_options{.timeout = 1s},
                                inner(scripted_step::accept_forever().answering_after(10ms)),
                                hello_step{});
    auto r = redial::make_reconnector(io.get_executor(), std::move(t), redial::with_clock(clock),
                                      redial::with_liveness(redial::idle_timeout{3s}),
                                      redial::with_observer(drops{}));
    static_assert(std::is_same_v<decltype(r)::connection_type::next_layer_type,
                                 redial::buffered_connection<conn>>);
    r.async_run(redial::hold_session{}, [](std::error_code) {});
    clock.advance(10ms + 3s);
    ASSERT_EQ(r.observer().reasons.size(), 1U);
    EXPECT_EQ(r.observer().reasons[0], "no data for 3s");
    EXPECT_EQ(r.observer().at[0], 10ms + 3s);
    r.stop();
    clock.advance(0s);
}

// Real sockets: a server that accepts and never answers the hello. The attempt ends at the
// transport's connect timeout (no earlier: a lower bound only, as real time allows), with the
// timeout's text, and the server sees the hello and then the close.
TEST(SetupOverTcp, AServerThatAcceptsAndNeverAnswersTimesOutAtTheConnectTimeout) {
    asio::io_context io;
    asio::ip::tcp::acceptor server(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket peer(io);
    std::string heard;
    std::optional<std::error_code> peer_end;
    server.async_accept(peer, [&](std::error_code ec) {
        ASSERT_FALSE(ec);
        // Read until the client gives up: everything it sent, then its close.
        asio::async_read(peer, asio::dynamic_buffer(heard),
                         [&](std::error_code e, std::size_t) { peer_end = e; });
    });
    auto step = [](asio::ip::tcp::socket& s, redial::setup_buffer& in, redial::setup_done done) {
        asio::async_write(
            s, asio::buffer("HELLO\r\n", 7),
            [&s, &in, done = std::move(done)](std::error_code ec, std::size_t) mutable {
                if (ec) {
                    done(ec);
                    return;
                }
                asio::async_read_until(
                    s, in.dynamic(), "\r\n",
                    [done = std::move(done)](std::error_code e, std::size_t) mutable { done(e); });
            });
    };
    auto t = redial::with_setup(
        redial::tcp_transport(io.get_executor(), "127.0.0.1",
                              std::to_string(server.local_endpoint().port()), 300ms),
        step);
    EXPECT_EQ(t.connect_timeout(), 300ms);
    std::optional<failure> result;
    const auto started = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration took{};
    t.async_connect([&](failure f, redial::buffered_connection<asio::ip::tcp::socket>) {
        took = std::chrono::steady_clock::now() - started;
        result = std::move(f);
    });
    io.run();
    ASSERT_TRUE(result);
    EXPECT_EQ(result->code, asio::error::timed_out);
    EXPECT_EQ(result->text,
              "setup: timed out after 300ms (the connect timeout covers connect and setup)");
    EXPECT_GE(took, 300ms);
    EXPECT_EQ(heard, "HELLO\r\n");
    EXPECT_EQ(peer_end, asio::error::eof); // the client closed the connection it gave up on
}

TEST(SetupOverTcp, TheSessionReadsWhatTheServerSentWithTheAnswer) {
    asio::io_context io;
    asio::ip::tcp::acceptor server(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket peer(io);
    server.async_accept(peer, [&](std::error_code ec) {
        ASSERT_FALSE(ec);
        // The answer and the first message in one write: one segment on loopback.
        asio::write(peer, asio::buffer(std::string_view("+OK\r\n*first message*")));
    });
    auto step = [](asio::ip::tcp::socket& s, redial::setup_buffer& in, redial::setup_done done) {
        asio::async_read_until(
            s, in.dynamic(), "\r\n",
            [&in, done = std::move(done)](std::error_code e, std::size_t n) mutable {
                if (!e) {
                    in.consume(n);
                }
                done(e);
            });
    };
    auto t = redial::with_setup(
        redial::tcp_transport(io.get_executor(), "127.0.0.1",
                              std::to_string(server.local_endpoint().port()), 5s),
        step);
    std::optional<redial::buffered_connection<asio::ip::tcp::socket>> c;
    std::optional<failure> result;
    t.async_connect([&](failure f, redial::buffered_connection<asio::ip::tcp::socket> got) {
        result = std::move(f);
        c.emplace(std::move(got));
    });
    io.run();
    ASSERT_TRUE(result);
    ASSERT_EQ(*result, failure{});
    std::string first(15, '\0');
    io.restart();
    ASSERT_TRUE(c);
    asio::async_read(*c, asio::buffer(first),
                     [](std::error_code ec, std::size_t) { EXPECT_FALSE(ec); });
    io.run();
    EXPECT_EQ(first, "*first message*"); // what the setup read past "+OK\r\n" comes first
}

// Two threads run the io_context while a third stops: the setup's attempt, its deadline and
// its step's completions all run on the reconnector's strand (TSan checks them), the run
// completes once, and nothing runs after stop. The server answers each connection's hello and
// closes it at once, so the stop lands in every phase: connecting, stepping, connected, backoff.
struct answering_server {
    asio::io_context& io;
    asio::strand<asio::io_context::executor_type> strand{asio::make_strand(io)};
    asio::ip::tcp::acceptor acceptor{strand, {asio::ip::make_address("127.0.0.1"), 0}};

    void serve() {
        acceptor.async_accept([this](std::error_code ec, asio::ip::tcp::socket s) {
            if (ec) {
                return;
            }
            auto peer = std::make_shared<asio::ip::tcp::socket>(std::move(s));
            asio::async_write(*peer, asio::buffer(std::string_view("+OK\r\n")),
                              [peer](std::error_code, std::size_t) {
                                  std::error_code ignored;
                                  peer->close(ignored);
                              });
            serve();
        });
    }
};

TEST(SetupTransportThreads, TwoThreadsRunWhileAnotherStops) {
    const auto step = [](asio::ip::tcp::socket& s, redial::setup_buffer& in,
                         redial::setup_done done) {
        asio::async_read_until(
            s, in.dynamic(), "\r\n",
            [&in, done = std::move(done)](std::error_code e, std::size_t n) mutable {
                if (!e) {
                    in.consume(n);
                }
                done(e);
            });
    };
    for (int round = 0; round < 30; ++round) {
        asio::io_context io;
        answering_server server{io};
        server.serve();
        auto r = redial::make_reconnector(
            io.get_executor(),
            redial::with_setup(
                redial::tcp_transport(io.get_executor(), "127.0.0.1",
                                      std::to_string(server.acceptor.local_endpoint().port()), 1s),
                step),
            redial::with_backoff(redial::exponential_backoff{100us, 2.0, 400us}),
            redial::with_give_up({.give_up_timeout = 0s}));
        std::atomic<int> completions{0};
        std::atomic<bool> stopped{false};
        std::atomic<int> after_stop{0};
        r.async_run(
            [&](auto& c, auto done) {
                if (stopped.load()) {
                    ++after_stop;
                }
                (void)c;
                done(std::error_code{}); // a clean close: reconnect
            },
            [&](std::error_code) { ++completions; });
        std::thread a([&] { io.run(); });
        std::thread b([&] { io.run(); });
        for (int i = 0; i < 20 + round * 11; ++i) {
            std::this_thread::yield();
        }
        r.stop();
        stopped = true;
        asio::post(server.strand, [&] { server.acceptor.close(); });
        a.join();
        b.join();
        EXPECT_EQ(completions.load(), 1) << "round " << round;
    }
}

} // namespace
