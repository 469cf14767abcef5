// cat-outbox-check REDIAL_CAT: redial-cat's outbox end to end, as a user runs it, against a
// loopback server this program restarts (tests/support/restartable_server.hpp).
//   restarts:    300 lines fed at one per 2 ms through three graceful restarts of the server
//                (default reject, no time-to-live): every line arrives exactly once, in order.
//   drop-oldest: 100 lines fed while nothing listens, --queue-messages 10: once the server
//                listens exactly the newest 10 arrive, and the exit summary says 90 dropped.
// Both wait on events (bytes received, stdin drained), with 30 s limits; exit 0 when both pass.

#include "support/restartable_server.hpp"

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using redial::test::restartable_server;

std::string line(int i) {
    return "line " + std::to_string(i) + "\n";
}

std::string lines(int from, int to) { // [from, to]
    std::string all;
    for (int i = from; i <= to; ++i) {
        all += line(i);
    }
    return all;
}

// redial-cat as a child process: stdin a pipe this program writes, stdout discarded, stderr
// into a file read at the end.
class child {
public:
    explicit child(const std::vector<std::string>& args) {
        int p[2];
        char path[] = "/tmp/cat-outbox-check.XXXXXX";
        const int err = ::mkstemp(path);
        if (err < 0 || ::pipe2(p, O_CLOEXEC) != 0) {
            throw std::system_error(errno, std::system_category(), "pipe or mkstemp");
        }
        err_path_ = path;
        std::vector<char*> argv;
        for (const std::string& a : args) {
            argv.push_back(const_cast<char*>(a.c_str()));
        }
        argv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ == 0) {
            const int null = ::open("/dev/null", O_WRONLY);
            ::dup2(p[0], 0);
            ::dup2(null, 1);
            ::dup2(err, 2);
            // Nothing else: an inherited listener would keep listening after the server closed
            // its copy (asio's sockets are not close-on-exec).
            ::close_range(3, ~0U, 0);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(p[0]);
        ::close(err);
        in_ = p[1];
        if (pid_ < 0) {
            throw std::system_error(errno, std::system_category(), "fork");
        }
    }
    child(const child&) = delete;
    child& operator=(const child&) = delete;
    ~child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (in_ >= 0) {
            ::close(in_);
        }
        ::unlink(err_path_.c_str());
    }

    void write(const std::string& s) const {
        if (::write(in_, s.data(), s.size()) != static_cast<ssize_t>(s.size())) {
            throw std::system_error(errno, std::system_category(), "write to redial-cat");
        }
    }
    // Bytes written to stdin that redial-cat has not read yet.
    [[nodiscard]] int unread() const {
        int n = 0;
        return ::ioctl(in_, FIONREAD, &n) == 0 ? n : -1;
    }
    // SIGTERM, and its exit status (-1 if it did not exit within 10 s; then SIGKILL).
    int terminate() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 1000; ++i) {
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            ::usleep(10'000);
        }
        return -1;
    }
    [[nodiscard]] std::string stderr_text() const {
        std::ifstream f(err_path_);
        return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    }

private:
    pid_t pid_ = -1;
    int in_ = -1;
    std::string err_path_;
};

int failures = 0;

void expect(bool ok, const std::string& what, const std::string& detail = "") {
    if (!ok) {
        ++failures;
        std::fprintf(stderr, "FAILED %s\n%s\n", what.c_str(), detail.c_str());
    }
}

std::string tail(const std::string& s) {
    return s.size() > 2000 ? "..." + s.substr(s.size() - 2000) : s;
}

void restarts(const std::string& cat) {
    asio::io_context io;
    restartable_server server(io);
    server.start();
    child c({cat, "--backoff-initial", "10ms", "--backoff-max", "40ms",
             "127.0.0.1:" + std::to_string(server.port())});
    constexpr int total = 300;
    const std::string expected = lines(1, total);
    int fed = 0;
    int restarts_done = 0;
    bool restarting = false;
    bool timed_out = false;
    asio::steady_timer feed(io);
    asio::steady_timer restart(io);
    asio::steady_timer limit(io, 30s);
    const std::function<void()> tick = [&] {
        c.write(line(++fed));
        if (fed < total) {
            feed.expires_after(2ms);
            feed.async_wait([&](std::error_code ec) {
                if (!ec) {
                    tick();
                }
            });
        }
    };
    const auto finish = [&] {
        feed.cancel();
        restart.cancel();
        limit.cancel();
        server.close();
    };
    server.on_data = [&] {
        const std::string got = server.received();
        const auto n = std::count(got.begin(), got.end(), '\n');
        // Restart once 70, 140 and 210 lines arrived: always on an accepted connection.
        if (!restarting && restarts_done < 3 && n >= 70 * (restarts_done + 1)) {
            restarting = true;
            server.stop();
            restart.expires_after(50ms);
            restart.async_wait([&](std::error_code ec) {
                if (!ec) {
                    ++restarts_done;
                    restarting = false;
                    server.start();
                }
            });
        }
        if (got.size() >= expected.size() && restarts_done == 3) {
            finish();
        }
    };
    limit.async_wait([&](std::error_code ec) {
        if (!ec) {
            timed_out = true;
            finish();
        }
    });
    tick();
    io.run();
    const int status = c.terminate();
    const std::string log = c.stderr_text();
    expect(!timed_out, "restarts: finished within 30 s", tail(log));
    expect(server.received() == expected, "restarts: every line once, in order",
           "received " + std::to_string(server.received().size()) + " bytes, expected " +
               std::to_string(expected.size()) + "\n" + tail(log));
    expect(server.connections() == 4, "restarts: four connections",
           std::to_string(server.connections()) + "\n" + tail(log));
    expect(status == 0, "restarts: redial-cat exits 0 on SIGTERM", std::to_string(status));
    expect(log.find("dropped by the outbox") == std::string::npos,
           "restarts: nothing dropped or left unsent (no summary)", tail(log));
}

void drop_oldest(const std::string& cat) {
    asio::io_context io;
    restartable_server server(io); // holds the port; not listening yet
    child c({cat, "--queue-overflow", "drop-oldest", "--queue-messages", "10", "--backoff-initial",
             "10ms", "--backoff-max", "20ms", "127.0.0.1:" + std::to_string(server.port())});
    c.write(lines(1, 100));
    const std::string expected = lines(91, 100);
    bool timed_out = false;
    asio::steady_timer poll(io);
    asio::steady_timer settle(io);
    asio::steady_timer limit(io, 30s);
    const auto finish = [&] {
        poll.cancel();
        settle.cancel();
        limit.cancel();
        server.close();
    };
    // Listen once redial-cat has read all of stdin, and 200 ms more for its io thread to queue
    // what it read (a connect takes a backoff delay and a handshake after that anyway).
    const std::function<void()> wait_drained = [&] {
        if (c.unread() != 0) {
            poll.expires_after(5ms);
            poll.async_wait([&](std::error_code ec) {
                if (!ec) {
                    wait_drained();
                }
            });
            return;
        }
        poll.expires_after(200ms);
        poll.async_wait([&](std::error_code ec) {
            if (!ec) {
                server.start();
            }
        });
    };
    server.on_data = [&] {
        if (server.received().size() >= expected.size()) {
            // Anything more would come in the same write: give it 200 ms to show up.
            settle.expires_after(200ms);
            settle.async_wait([&](std::error_code ec) {
                if (!ec) {
                    finish();
                }
            });
        }
    };
    limit.async_wait([&](std::error_code ec) {
        if (!ec) {
            timed_out = true;
            finish();
        }
    });
    wait_drained();
    io.run();
    const int status = c.terminate();
    const std::string log = c.stderr_text();
    expect(!timed_out, "drop-oldest: finished within 30 s", tail(log));
    expect(server.received() == expected, "drop-oldest: exactly lines 91..100",
           "received:\n" + server.received() + "\n" + tail(log));
    expect(status == 0, "drop-oldest: redial-cat exits 0 on SIGTERM", std::to_string(status));
    const std::string summary = "redial-cat: 10 messages (" + std::to_string(expected.size()) +
                                " bytes) written; 90 (" + std::to_string(lines(1, 90).size()) +
                                " bytes) dropped by the outbox; 0 (0 bytes) left unsent";
    expect(log.find(summary) != std::string::npos, "drop-oldest: the exit summary",
           "want: " + summary + "\n" + tail(log));
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: cat-outbox-check REDIAL_CAT\n");
        return 2;
    }
    ::signal(SIGPIPE, SIG_IGN);
    try {
        restarts(argv[1]);
        drop_oldest(argv[1]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cat-outbox-check: %s\n", e.what());
        return 1;
    }
    std::printf("cat-outbox-check: %s\n", failures == 0 ? "passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
