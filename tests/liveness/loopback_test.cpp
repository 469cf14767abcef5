#include <redial/reconnector.hpp>

#include <redial/clock/steady_clock.hpp>
#include <redial/liveness/error.hpp>
#include <redial/liveness/heartbeat.hpp>
#include <redial/liveness/idle_timeout.hpp>
#include <redial/transport/tcp.hpp>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <ctime>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

// Liveness over real loopback TCP on steady_clock (issue 14): a server process stopped with
// SIGSTOP and a server that accepts and never sends are found dead within interval + timeout +
// 10%, and the reconnects after them escalate; a busy link whose ping replies come late loses no
// session. Unlike the virtual-time tests these wait on real time (about 7 s in all), with every
// slack at least 60 ms so that a loaded machine under sanitizers does not fail them.
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using nanos = std::chrono::nanoseconds;
using redial::time_point;

// Heartbeat 300 ms + 300 ms and an idle timeout of the same 600 ms: a 60 ms slack.
constexpr nanos interval = 300ms;
constexpr nanos timeout = 300ms;
constexpr nanos bound = interval + timeout;
constexpr nanos slack = bound / 10;

double ms(nanos d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

struct recorder {
    struct drop {
        time_point at;
        std::error_code code;
        std::string text;
        redial::verdict verdict;
        nanos alive_for;
    };
    std::vector<time_point> connects;
    std::vector<drop> drops;
    std::vector<redial::liveness_timeout_event> timeouts;
    std::vector<nanos> delays;
    int pings = 0;
    std::vector<time_point> ping_times;
    std::function<void()> after_drop; // the test's: stops the run after enough drops

    void on_connected(const redial::connected_event& e) { connects.push_back(e.at); }
    void on_disconnected(const redial::disconnected_event& e) {
        drops.push_back({e.at, e.reason.code, e.reason.text, e.verdict, e.alive_for});
        if (after_drop) {
            after_drop();
        }
    }
    void on_liveness_timeout(const redial::liveness_timeout_event& e) { timeouts.push_back(e); }
    void on_ping(const redial::ping_event& e) {
        ++pings;
        ping_times.push_back(e.at);
    }
    void on_backoff(const redial::backoff_event& e) { delays.push_back(e.delay); }
};

// The heartbeat's ping: a line, written on the connection (the session itself never writes).
struct line_ping {
    template <class Connection>
    void operator()(Connection& c) const {
        static constexpr std::string_view line = "PING\n";
        asio::async_write(c, asio::buffer(line.data(), line.size()),
                          [](std::error_code, std::size_t) {});
    }
};

template <class Liveness>
using reconnector = redial::basic_reconnector<redial::tcp_transport, redial::steady_clock,
                                              redial::exponential_backoff, redial::uptime_threshold,
                                              recorder, redial::no_terminal_errors, Liveness>;

// Backoff 20 ms doubling; stable after 100 ms of useful uptime; never gives up (the test stops).
template <class Liveness>
reconnector<Liveness> make(asio::io_context& io, unsigned short port, Liveness liveness) {
    return reconnector<Liveness>{
        io.get_executor(),
        redial::tcp_transport{io.get_executor(), "127.0.0.1", std::to_string(port), 2s},
        redial::steady_clock{},
        redial::exponential_backoff{20ms, 2.0, 1s},
        redial::uptime_threshold{100ms},
        redial::machine_options{.give_up_timeout = 0ns},
        recorder{},
        redial::no_terminal_errors{},
        std::move(liveness)};
}

// Runs each reconnector with hold_session until it has `drops` drops, then stops it, and calls
// `done` when every run is over (to end the test's own I/O); false if `limit` passed first
// (every run is stopped then, so the test reports what it saw).
template <class... R>
bool run_until_drops(asio::io_context& io, std::size_t drops, nanos limit,
                     const std::function<void()>& done, R&... rs) {
    int running = sizeof...(R);
    bool in_time = true;
    asio::steady_timer deadline(io, limit);
    deadline.async_wait([&](std::error_code ec) {
        if (!ec) {
            in_time = false;
            (rs.stop(), ...);
        }
    });
    const auto start = [&](auto& r) {
        r.observer().after_drop = [&r, drops] {
            if (r.observer().drops.size() == drops) {
                r.stop();
            }
        };
        r.async_run(redial::hold_session{}, [&](std::error_code) {
            if (--running == 0) {
                deadline.cancel();
                done();
            }
        });
    };
    (start(rs), ...);
    io.run();
    return in_time;
}

// Every session after the first ended silent at once: a flap, found dead `bound` after its
// connect (within the slack), useful for no time at all; the delays grow.
void expect_escalating_flaps(const recorder& o, std::size_t first_flap, const char* name) {
    SCOPED_TRACE(name);
    ASSERT_EQ(o.connects.size(), o.drops.size());
    ASSERT_EQ(o.timeouts.size(), o.drops.size());
    for (std::size_t k = first_flap; k < o.drops.size(); ++k) {
        SCOPED_TRACE("session " + std::to_string(k + 1));
        EXPECT_EQ(o.drops[k].verdict, redial::verdict::flap);
        EXPECT_EQ(o.drops[k].alive_for, 0ns);
        const nanos found = o.timeouts[k].at - o.connects[k];
        EXPECT_GE(found, bound);
        EXPECT_LE(found, bound + slack) << ms(found) << " ms";
    }
    for (const recorder::drop& d : o.drops) {
        EXPECT_EQ(d.code, redial::liveness_errc::no_data);
        EXPECT_TRUE(d.text.starts_with("no data for ")) << d.text;
    }
    ASSERT_GE(o.delays.size(), o.drops.size() - 1); // the last drop's delay may be cut by stop
    for (std::size_t k = 1; k < o.delays.size(); ++k) {
        EXPECT_GT(o.delays[k], o.delays[k - 1]) << "delay " << k;
    }
}

// A server in a child process, so that it can be stopped (SIGSTOP) while the kernel keeps its
// sockets and still completes handshakes into the listen backlog: it accepts every connection,
// sends each a byte every 20 ms, and reads and drops what arrives. The child makes only system
// calls (the parent may have threads). The destructor kills it (SIGKILL ends a stopped process
// too) and reaps it, whatever the test did; the child dies with the parent (PR_SET_PDEATHSIG).
class stoppable_server {
public:
    stoppable_server() {
        const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        if (listener < 0 ||
            ::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listener, 16) != 0 ||
            ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
            throw std::system_error(errno, std::system_category(), "loopback listener");
        }
        port_ = ntohs(address.sin_port);
        const pid_t parent = ::getpid();
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) {
                ::_exit(0); // the parent is gone already
            }
            serve(listener);
        }
        ::close(listener); // the child's copy listens
        if (pid_ < 0) {
            throw std::system_error(errno, std::system_category(), "fork");
        }
    }
    stoppable_server(const stoppable_server&) = delete;
    stoppable_server& operator=(const stoppable_server&) = delete;
    ~stoppable_server() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }

    [[nodiscard]] unsigned short port() const { return port_; }

    // SIGSTOP, and wait until the kernel reports the child stopped.
    bool stop() {
        int status = 0;
        return ::kill(pid_, SIGSTOP) == 0 && ::waitpid(pid_, &status, WUNTRACED) == pid_ &&
               WIFSTOPPED(status);
    }

private:
    static long now_ms() {
        timespec t{};
        ::clock_gettime(CLOCK_MONOTONIC, &t);
        return t.tv_sec * 1000 + t.tv_nsec / 1000000;
    }

    [[noreturn]] static void serve(int listener) {
        constexpr long tick_ms = 20;
        std::array<pollfd, 32> fds{};
        fds[0] = {listener, POLLIN, 0};
        nfds_t n = 1;
        long next_tick = now_ms() + tick_ms;
        while (true) {
            const long wait = next_tick - now_ms();
            if (wait <= 0) {
                for (nfds_t i = 1; i < n; ++i) {
                    (void)::send(fds[i].fd, "t", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
                }
                next_tick += tick_ms;
                continue;
            }
            if (::poll(fds.data(), n, static_cast<int>(wait)) <= 0) {
                continue;
            }
            if ((fds[0].revents & POLLIN) != 0) {
                const int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
                if (c >= 0 && n < fds.size()) {
                    fds[n++] = {c, POLLIN, 0};
                } else if (c >= 0) {
                    ::close(c);
                }
            }
            for (nfds_t i = 1; i < n;) {
                if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                    std::array<char, 512> buffer{};
                    const ssize_t got = ::recv(fds[i].fd, buffer.data(), buffer.size(), 0);
                    if (got <= 0) {
                        ::close(fds[i].fd);
                        fds[i] = fds[--n]; // its revents are this poll's too
                        continue;
                    }
                }
                ++i;
            }
        }
    }

    unsigned short port_ = 0;
    pid_t pid_ = -1;
};

TEST(ReconnectorLivenessLoopback, AStoppedServerIsFoundDeadWithinTheBoundAndReconnectsEscalate) {
    stoppable_server server; // before the io_context: the child inherits none of its descriptors
    asio::io_context io;
    auto hb = make(io, server.port(), redial::heartbeat{interval, timeout, line_ping{}});
    auto idle = make(io, server.port(), redial::idle_timeout{bound});

    // 400 ms of a live server (a byte every 20 ms: no ping goes out), then SIGSTOP.
    time_point stopped_at = time_point::max();
    asio::steady_timer stop_timer(io, 400ms);
    stop_timer.async_wait([&](std::error_code ec) {
        stopped_at = redial::steady_clock::now();
        EXPECT_FALSE(ec);
        EXPECT_TRUE(server.stop());
    });
    // The session that saw the stop, then two on the stopped server (the kernel still accepts).
    ASSERT_TRUE(run_until_drops(
        io, 3, 10s, [] {}, hb, idle));

    for (const auto* o : {&hb.observer(), &idle.observer()}) {
        const char* name = o == &hb.observer() ? "heartbeat" : "idle_timeout";
        SCOPED_TRACE(name);
        ASSERT_EQ(o->timeouts.size(), 3U);
        ASSERT_EQ(o->connects.size(), 3U);
        ASSERT_LT(o->connects[0], stopped_at);
        const nanos found = o->timeouts[0].at - stopped_at;
        RecordProperty(std::string(name) + "_after_stop_ms", std::to_string(ms(found)));
        EXPECT_GT(found, 0ns);
        EXPECT_LE(found, bound + slack) << ms(found) << " ms after the stop";
        // Useful until its last byte (just before the stop), longer than 100 ms: stable, so the
        // backoff starts again from 20 ms; the sessions after it escalate.
        EXPECT_EQ(o->drops[0].verdict, redial::verdict::stable);
        EXPECT_GE(o->drops[0].alive_for, 300ms);
        EXPECT_EQ(o->delays.at(0), 20ms);
        expect_escalating_flaps(*o, 1, name);
    }
    EXPECT_GE(hb.observer().pings, 3); // one per silent session
    EXPECT_EQ(idle.observer().pings, 0);
    EXPECT_GT(hb.observer().timeouts[0].ping_unanswered_for, 0ns);
}

TEST(ReconnectorLivenessLoopback, AServerThatAcceptsAndNeverSendsIsFoundDeadAndEscalates) {
    asio::io_context io;
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    std::vector<std::shared_ptr<tcp::socket>> held; // open, never read, never written
    std::function<void()> serve = [&] {
        acceptor.async_accept([&](std::error_code ec, tcp::socket s) {
            if (!ec) {
                held.push_back(std::make_shared<tcp::socket>(std::move(s)));
                serve();
            }
        });
    };
    serve();
    const unsigned short port = acceptor.local_endpoint().port();
    auto hb = make(io, port, redial::heartbeat{interval, timeout, line_ping{}});
    auto idle = make(io, port, redial::idle_timeout{bound});

    ASSERT_TRUE(run_until_drops(
        io, 3, 10s, [&] { acceptor.close(); }, hb, idle));

    for (const auto* o : {&hb.observer(), &idle.observer()}) {
        const char* name = o == &hb.observer() ? "heartbeat" : "idle_timeout";
        expect_escalating_flaps(*o, 0, name);
        ASSERT_EQ(o->timeouts.size(), 3U);
        nanos worst{0};
        for (std::size_t k = 0; k < 3; ++k) {
            EXPECT_GE(o->timeouts[k].silent_for, bound);
            worst = std::max(worst, o->timeouts[k].at - o->connects[k]);
        }
        RecordProperty(std::string(name) + "_worst_ms", std::to_string(ms(worst)));
    }
    for (const redial::liveness_timeout_event& t : hb.observer().timeouts) {
        EXPECT_GE(t.ping_unanswered_for, timeout); // the ping went out, nothing came back
    }
    EXPECT_EQ(hb.observer().pings, 3);
    EXPECT_EQ(held.size(), 6U); // three connections each
}

// A server on a thread of its own that streams 1 KiB every 10 ms for 500 ms, then trickles a
// byte every 350 ms (longer than the ping interval) for 900 ms, then sends nothing but its
// replies for 1 s; each "PING\n" it reads is answered with "PONG\n" `reply_after` later.
class busy_server {
public:
    explicit busy_server(nanos reply_after) : reply_after_(reply_after) {
        acceptor_.async_accept([this](std::error_code ec, tcp::socket s) {
            if (!ec) {
                socket_.emplace(std::move(s));
                accepted_ = std::chrono::steady_clock::now();
                read();
                stream();
            }
        });
        thread_ = std::thread([this] { io_.run(); });
    }
    busy_server(const busy_server&) = delete;
    busy_server& operator=(const busy_server&) = delete;
    ~busy_server() { join(); }

    [[nodiscard]] unsigned short port() const { return port_; }
    // Stops the server's thread; pings() and the rest may be read after.
    void join() {
        io_.stop();
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    [[nodiscard]] int pings() const { return pings_; }

private:
    void read() {
        socket_->async_read_some(asio::buffer(in_), [this](std::error_code ec, std::size_t n) {
            if (ec) {
                return;
            }
            for (std::size_t i = 0; i < n; ++i) {
                if (in_[i] == '\n') { // a ping line: answer it late
                    ++pings_;
                    auto t = std::make_shared<asio::steady_timer>(io_, reply_after_);
                    t->async_wait([this, t](std::error_code wait_ec) {
                        if (!wait_ec) {
                            send("PONG\n");
                        }
                    });
                }
            }
            read();
        });
    }

    void stream() {
        const auto since = std::chrono::steady_clock::now() - accepted_;
        if (since >= 1400ms) {
            return; // quiet: only the replies from now on
        }
        const bool fast = since < 500ms;
        send(fast ? std::string(1024, 'x') : std::string("."));
        stream_timer_.expires_after(fast ? 10ms : 350ms);
        stream_timer_.async_wait([this](std::error_code ec) {
            if (!ec) {
                stream();
            }
        });
    }

    // One write at a time: the stream and the replies share the socket.
    void send(std::string data) {
        out_.push_back(std::move(data));
        if (out_.size() == 1) {
            write();
        }
    }
    void write() {
        asio::async_write(*socket_, asio::buffer(out_.front()),
                          [this](std::error_code ec, std::size_t) {
                              if (ec) {
                                  return;
                              }
                              out_.pop_front();
                              if (!out_.empty()) {
                                  write();
                              }
                          });
    }

    nanos reply_after_;
    asio::io_context io_;
    tcp::acceptor acceptor_{io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    unsigned short port_ = acceptor_.local_endpoint().port();
    asio::steady_timer stream_timer_{io_};
    std::optional<tcp::socket> socket_;
    std::chrono::steady_clock::time_point accepted_;
    std::array<char, 4096> in_{};
    std::deque<std::string> out_;
    int pings_ = 0;
    std::thread thread_;
};

TEST(ReconnectorLivenessLoopback, ABusyLinkWithLatePingRepliesHasNoFalseDisconnects) {
    // Replies come at 80% of the ping timeout: 100 ms before the link would be declared dead.
    constexpr nanos busy_interval = 300ms;
    constexpr nanos busy_timeout = 500ms;
    busy_server server{busy_timeout * 8 / 10};
    asio::io_context io;
    auto r = make(io, server.port(), redial::heartbeat{busy_interval, busy_timeout, line_ping{}});
    std::optional<std::error_code> result;
    asio::steady_timer end(io, 2400ms); // through the stream, the trickle and the quiet second
    time_point ended = time_point::max();
    end.async_wait([&](std::error_code) {
        ended = redial::steady_clock::now();
        r.stop();
    });
    r.async_run(redial::hold_session{}, [&](std::error_code ec) { result = ec; });
    io.run();
    server.join();

    EXPECT_EQ(result, std::error_code{});
    EXPECT_TRUE(r.observer().drops.empty()) << r.observer().drops.front().text;
    EXPECT_TRUE(r.observer().timeouts.empty());
    // Pings went out in the trickle and the quiet second, and every one was answered late.
    RecordProperty("pings", r.observer().pings);
    EXPECT_GE(r.observer().pings, 2);
    EXPECT_GE(server.pings(), r.observer().pings - 1); // the last may be unread at the stop
    // One ping at least went out once the stream had stopped (1.4 s after the accept) and its
    // timeout passed before the end: only the late replies kept that session.
    ASSERT_EQ(r.observer().connects.size(), 1U);
    const time_point connected = r.observer().connects[0];
    EXPECT_TRUE(std::any_of(
        r.observer().ping_times.begin(), r.observer().ping_times.end(),
        [&](time_point p) { return p - connected >= 1400ms && p + busy_timeout < ended; }))
        << r.observer().pings << " pings";
}

} // namespace
