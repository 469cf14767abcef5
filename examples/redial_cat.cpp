// redial-cat: like nc, but the connection survives. Pipes stdin to the peer and the peer to
// stdout, reconnects with backoff when the connection drops, logs every transition to stderr
// (text or JSON lines), and exits non-zero with the give-up error when it gives up.
//
//   redial-cat localhost:7000
//   redial-cat --jitter full --backoff-max 10s --log json example.org:443
//   redial-cat --unix /run/app.sock
//   redial-cat --idle-timeout 30s feed.example.org:9000       # a server that talks on its own
//   redial-cat --ping PING --ping-interval 5s localhost:6379  # a server that must be asked

#include <redial/clock/steady_clock.hpp>
#include <redial/config.hpp>
#include <redial/config/outbox.hpp>
#include <redial/config/tls.hpp>
#include <redial/config/transport.hpp>
#include <redial/error.hpp>
#include <redial/observer/ostream.hpp>
#include <redial/reconnector.hpp>
#include <redial/transport/tcp.hpp>
#include <redial/transport/tls.hpp>
#include <redial/transport/unix.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/address_v6.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

constexpr std::size_t chunk_size = 16384;       // one read of stdin
constexpr std::size_t max_pending = chunk_size; // read and not yet handed to the outbox, at most
constexpr std::size_t max_line = 65536;         // a longer line goes to the outbox in pieces

struct tool_options {
    std::string target;                   // HOST:PORT
    std::optional<std::string> unix_path; // --unix
    redial::log_format log = redial::log_format::text;
    bool tls = false;
    std::optional<std::string> ca_file;
    std::string ca_file_as;          // "--ca-file" or "REDIAL_CA_FILE", for errors
    std::optional<std::string> ping; // --ping: the heartbeat's line, without its "\n"
    std::string ping_as;             // "--ping" or "REDIAL_PING", for errors
};

// One line whatever the input: control characters and bytes that are not UTF-8 in a value
// the message quotes come out as escapes.
[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "redial-cat: %s\n(try --help)\n",
                 redial::detail::escape(message, false).c_str());
    std::exit(2);
}

void print_help() {
    std::printf(
        "usage: redial-cat [options] HOST:PORT\n"
        "       redial-cat [options] --unix PATH\n\n"
        "Like nc, but the connection survives: stdin goes to the peer, the peer to stdout;\n"
        "when the connection drops it reconnects with backoff. End of stdin does not end it.\n"
        "SIGINT / SIGTERM stop it (exit 0); giving up exits 1 with the error on stderr.\n\n"
        "Options (each also an environment variable REDIAL_<NAME>, e.g. REDIAL_BACKOFF_MAX):\n");
    for (const redial::option_key& k : redial::option_keys()) {
        std::printf("  --%-20s %-34s default %s\n", std::string(k.name).c_str(),
                    std::string(k.syntax).c_str(), std::string(k.default_text).c_str());
    }
    std::printf("  --%-20s %-34s default %s\n", "unix", "PATH: a unix socket instead", "-");
    std::printf("  --%-20s %-34s default %s\n", "log", "text|json (to stderr)", "text");
    std::printf("  --%-20s %-34s default %s\n", "tls", "TLS, peer and host name verified", "off");
    std::printf("  --%-20s %-34s default %s\n", "ca-file", "FILE: trusted CAs for --tls",
                "system store");
    std::printf("  --%-20s %-34s default %s\n", "ping", "LINE: heartbeat ping, \"\\n\" added",
                "none");
}

std::string shown(std::string_view value);

// The tool's own settings, from a flag or its REDIAL_ variable; true if `key` was one.
bool apply_tool_option(tool_options& t, std::string_view key, const std::string& value,
                       std::string_view shown_as) {
    if (key == "unix") {
        if (value.empty()) {
            usage_error("invalid " + std::string(shown_as) + " \"\": expected a socket path");
        }
        if (value.size() >= sizeof(sockaddr_un{}.sun_path)) { // asio would throw at connect
            usage_error("invalid " + std::string(shown_as) + " " + shown(value) +
                        ": too long for a unix socket path (the limit is " +
                        std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes)");
        }
        t.unix_path = value;
    } else if (key == "log") {
        if (value != "text" && value != "json") {
            usage_error("invalid " + std::string(shown_as) + " " + shown(value) +
                        ": expected text or json");
        }
        t.log = value == "json" ? redial::log_format::json : redial::log_format::text;
    } else if (key == "tls") {
        if (value != "true" && value != "false" && value != "1" && value != "0") {
            usage_error("invalid " + std::string(shown_as) + " " + shown(value) +
                        ": expected true or false");
        }
        t.tls = value == "true" || value == "1";
    } else if (key == "ca-file") {
        if (value.empty()) {
            usage_error("invalid " + std::string(shown_as) +
                        " \"\": expected a file of trusted CAs (PEM)");
        }
        t.ca_file = value;
        t.ca_file_as = shown_as;
    } else if (key == "ping") {
        // One line of text: the tool ends it with "\n". A newline or another control character
        // inside would send two lines, or bytes the user did not see on the command line.
        if (value.empty()) {
            usage_error("invalid " + std::string(shown_as) +
                        " \"\": expected the line a ping sends, e.g. PING");
        }
        if (std::any_of(value.begin(), value.end(), [](char ch) {
                const auto c = static_cast<unsigned char>(ch);
                return c < 0x20 || c == 0x7f;
            })) {
            usage_error("invalid " + std::string(shown_as) + " " + shown(value) +
                        ": a ping is one line without control characters (the tool adds the "
                        "\"\\n\")");
        }
        t.ping = value;
        t.ping_as = shown_as;
    } else {
        return false;
    }
    return true;
}

// A port is a number from 1 to 65535 or a service name the system knows (/etc/services): one
// the resolver refuses would fail every attempt until the give-up, so it is refused up front.
bool valid_port(const std::string& port) {
    if (port.find_first_not_of("0123456789") == std::string::npos) {
        return port.size() <= 5 && std::stoul(port) >= 1 && std::stoul(port) <= 65535;
    }
    return ::getservbyname(port.c_str(), "tcp") != nullptr;
}

// A value as a message shows it: in quotes, escaped as config_error escapes values (a newline
// or control character in it must not split or garble the line), and the middle of a long one
// elided, its length given instead.
std::string shown(std::string_view value) {
    constexpr std::size_t head = 48;
    constexpr std::size_t tail = 16;
    std::string out = "\"";
    const auto put = [&out](std::string_view part) { out += redial::detail::escape(part); };
    if (value.size() > head + tail + 16) {
        put(value.substr(0, head));
        out += "...";
        put(value.substr(value.size() - tail));
        return out + "\" (" + std::to_string(value.size()) + " characters)";
    }
    put(value);
    return out + "\"";
}

[[noreturn]] void bad_target(std::string_view target, const std::string& why) {
    usage_error("invalid target " + shown(target) + ": " + why);
}

bool is_ipv6(const std::string& s) {
    std::error_code ec;
    (void)asio::ip::make_address_v6(s, ec);
    return !ec;
}

// HOST:PORT or [IPv6]:PORT, split at the one colon that separates them. What the resolver can
// never resolve is refused here: otherwise every attempt fails the same way until the give-up.
std::pair<std::string, std::string> split_target(const std::string& target) {
    std::string host;
    std::string port;
    if (target.front() == '[') {
        const std::size_t close = target.find(']');
        if (close == std::string::npos || close + 1 >= target.size() || target[close + 1] != ':' ||
            close + 2 == target.size()) {
            bad_target(target, "expected HOST:PORT or [IPv6]:PORT");
        }
        host = target.substr(1, close - 1);
        port = target.substr(close + 2);
        if (!is_ipv6(host)) {
            bad_target(target, "brackets hold an IPv6 address, and " + shown(host) + " is not one");
        }
    } else {
        const std::size_t colon = target.find(':');
        if (colon != std::string::npos && target.find(':', colon + 1) != std::string::npos) {
            if (is_ipv6(target) || is_ipv6(target.substr(0, target.rfind(':')))) {
                bad_target(target,
                           "an IPv6 address goes in brackets: [ADDRESS]:PORT, e.g. [::1]:80");
            }
            bad_target(target, "expected HOST:PORT, with one ':' (a host name has none)");
        }
        if (colon == std::string::npos || colon == 0 || colon + 1 == target.size()) {
            bad_target(target, "expected HOST:PORT");
        }
        host = target.substr(0, colon);
        port = target.substr(colon + 1);
        if (host.find_first_of("[]") != std::string::npos) {
            bad_target(target, "expected HOST:PORT or [IPv6]:PORT");
        }
        if (std::any_of(host.begin(), host.end(), [](char ch) {
                const auto c = static_cast<unsigned char>(ch);
                return c <= 0x20 || c == 0x7f;
            })) {
            bad_target(target, "a host name has no spaces or control characters");
        }
        // DNS limits (RFC 1035): 253 characters in all, without the root's trailing dot, and 63
        // per label.
        const std::string_view name = std::string_view(host).substr(
            0, host.size() - (host.size() > 1 && host.back() == '.' ? 1 : 0));
        if (name.size() > 253) {
            bad_target(target, "the host name has " + std::to_string(name.size()) +
                                   " characters (DNS allows 253)");
        }
        for (std::size_t begin = 0; begin <= name.size();) {
            const std::size_t end = std::min(name.find('.', begin), name.size());
            if (end - begin > 63) {
                bad_target(target, "the host name has a label of " + std::to_string(end - begin) +
                                       " characters (DNS allows 63 between dots)");
            }
            begin = end + 1;
        }
    }
    if (!valid_port(port)) {
        bad_target(target, "the port must be a number from 1 to 65535 or a service name");
    }
    return {host, port};
}

// SIGINT / SIGTERM: a handler of our own, installed for the rest of the process, that writes a
// byte to a pipe the io_context reads. asio's signal_set puts SIG_DFL back when it is destroyed,
// so a second signal arriving while the tool finishes (timeout(1) signals the child and then its
// whole process group) killed it with status 130 after a clean stop; this handler never goes.
int stop_signal_write_fd = -1; // never closed: the handler may run until the process exits

void on_stop_signal(int) {
    const int saved = errno;
    const char byte = 1;
    (void)!::write(stop_signal_write_fd, &byte, 1); // non-blocking: a full pipe has a byte already
    errno = saved;
}

class stop_signals {
public:
    explicit stop_signals(asio::io_context& io) : pipe_(io) {
        std::array<int, 2> fds{};
        if (::pipe2(fds.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
            throw std::system_error(errno, std::system_category(), "pipe2");
        }
        stop_signal_write_fd = fds[1];
        pipe_.assign(fds[0]);
        struct sigaction sa {};
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        ::sigaction(SIGINT, &sa, nullptr);
        ::sigaction(SIGTERM, &sa, nullptr);
    }
    stop_signals(const stop_signals&) = delete;
    stop_signals& operator=(const stop_signals&) = delete;
    // The read end stays open too: a handler writing to a pipe without a reader raises SIGPIPE.
    ~stop_signals() { (void)pipe_.release(); }

    // Calls f() once, on the io thread, at the first signal; later ones are ignored.
    template <class F>
    void async_wait(F f) {
        pipe_.async_read_some(asio::buffer(byte_),
                              [f = std::move(f)](std::error_code ec, std::size_t) mutable {
                                  if (!ec) {
                                      f();
                                  }
                              });
    }

    void cancel() {
        std::error_code ignored;
        pipe_.cancel(ignored);
    }

private:
    asio::posix::stream_descriptor pipe_;
    std::array<char, 1> byte_{};
};

// Reads stdin on its own thread, which works the same for pipes, ttys, sockets, regular files and
// /dev/null (a stream_descriptor on the io_context fails with EPERM under epoll for the last two,
// and would set O_NONBLOCK on a file description the tool may share with the shell, such as the
// tty). It holds at most max_pending bytes read and not yet written, waiting for room before the
// next read (backpressure, whatever the connection's state), and stop() wakes it from poll()
// through a pipe, so it is joined before the io_context it posts to is destroyed.
class stdin_reader {
public:
    explicit stdin_reader(asio::io_context& io) : io_(io) {
        if (::pipe2(wake_.data(), O_CLOEXEC) != 0) {
            throw std::system_error(errno, std::system_category(), "pipe2");
        }
    }
    stdin_reader(const stdin_reader&) = delete;
    stdin_reader& operator=(const stdin_reader&) = delete;
    ~stdin_reader() {
        stop();
        join();
        ::close(wake_[0]);
        ::close(wake_[1]);
    }

    // deliver(chunk) runs on the io thread for each chunk read, and with an empty chunk at the
    // end of stdin.
    template <class Deliver>
    void start(Deliver deliver) {
        thread_ = std::thread([this, deliver = std::move(deliver)] { read_loop(deliver); });
    }

    // On the io thread: n bytes went to the outbox (or will never go), so there is room.
    void consumed(std::size_t n) {
        {
            const std::lock_guard lock(mutex_);
            buffered_ -= n;
        }
        room_.notify_one();
    }

    // On the io thread: read no more until hold(false) (the outbox is full while connected).
    void hold(bool on) {
        {
            const std::lock_guard lock(mutex_);
            held_ = on;
        }
        room_.notify_one();
    }

    // From any thread, without waiting: the thread posts nothing more once it sees this.
    void stop() {
        {
            const std::lock_guard lock(mutex_);
            if (stopping_) {
                return;
            }
            stopping_ = true;
        }
        room_.notify_one();
        const char byte = 1;
        (void)!::write(wake_[1], &byte, 1);
    }

    void join() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }

private:
    template <class Deliver>
    void read_loop(const Deliver& deliver) {
        std::vector<char> chunk(chunk_size);
        while (true) {
            {
                std::unique_lock lock(mutex_);
                room_.wait(lock,
                           [this] { return stopping_ || (buffered_ < max_pending && !held_); });
                if (stopping_) {
                    return;
                }
            }
            std::array<pollfd, 2> fds{{{STDIN_FILENO, POLLIN, 0}, {wake_[0], POLLIN, 0}}};
            if (::poll(fds.data(), fds.size(), -1) < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return;
            }
            if (fds[1].revents != 0 || (fds[0].revents & POLLNVAL) != 0) {
                return; // stopping, or stdin is closed
            }
            const ssize_t n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
                continue; // EAGAIN: a non-blocking stdin someone else read first; poll again
            }
            if (n <= 0) { // end of stdin (or an error): keep the connection and keep reconnecting
                asio::post(io_, [deliver] { deliver(std::vector<char>{}); }); // says so
                return;
            }
            {
                const std::lock_guard lock(mutex_);
                buffered_ += static_cast<std::size_t>(n);
            }
            asio::post(io_, [deliver,
                             data = std::vector<char>(chunk.begin(), chunk.begin() + n)]() mutable {
                deliver(std::move(data));
            });
        }
    }

    asio::io_context& io_;
    std::array<int, 2> wake_{};
    std::mutex mutex_;
    std::condition_variable room_;
    std::size_t buffered_ = 0; // read and not yet consumed: queued, posted or being written
    bool stopping_ = false;
    bool held_ = false; // the cat holds what it read: the outbox is full while connected
    std::thread thread_;
};

// The heartbeat's ping (--ping): it asks the cat to send its line. The reconnector holds the
// ping and is made before the cat (the cat needs the reconnector), so the ping reaches the cat
// through a slot filled in afterwards.
struct ping_slot {
    std::function<void()> send; // empty until the cat exists
};
struct cat_ping {
    std::shared_ptr<ping_slot> slot;
    template <class Connection>
    void operator()(Connection&) const {
        if (slot && slot->send) {
            slot->send();
        }
    }
};

// The log (stderr): every event but the outbox's, which the cat counts and sums up at exit (a
// flood while down would print a line per dropped message).
struct cat_observer {
    redial::ostream_observer log;
    template <class Event>
    void on_event(const Event& e) {
        if constexpr (!std::is_same_v<Event, redial::outbox_drop_event> &&
                      !std::is_same_v<Event, redial::outbox_expired_event>) {
            redial::detail::notify(log, e);
        }
    }
};

// What became of stdin's bytes, counted from each message's completion.
struct tally {
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    void add(std::size_t n) {
        ++messages;
        bytes += n;
    }
};

// Stdin to the peer through the reconnector's outbox, one message per line (its "\n"
// included; a line longer than max_line goes in pieces), and the peer to stdout (the session).
// While the outbox is full stdin waits: while connected (the peer's pace), and under reject
// while down too; the dropping policies and disabled decide what becomes of lines read during
// an outage (--queue-overflow). On the io thread only (io.run() runs on this one
// thread, so the reconnector's strand is this thread too).
template <class Reconnector>
class cat {
public:
    cat(stdin_reader& reader, Reconnector& r, std::optional<std::string> ping_line,
        const redial::outbox<redial::overflow::configured>& box)
        : reader_(reader), r_(r), ping_line_(std::move(ping_line)), limits_(box.options),
          waits_when_down_(box.overflow.which() == redial::overflow::configured::kind::reject) {}

    // The session: copy the peer to stdout until the connection ends.
    template <class Socket, class Done>
    void operator()(Socket& s, Done done) {
        if (stopped_) {
            done(asio::error::operation_aborted);
            return;
        }
        read(s, std::move(done));
    }

    // New stdin data (empty: the end of stdin, which sends a last line without its "\n").
    void push(const std::vector<char>& chunk) {
        if (chunk.empty()) {
            if (!partial_.empty()) {
                lines_.push_back(std::exchange(partial_, {}));
            }
        }
        for (char c : chunk) {
            partial_.push_back(c);
            if (c == '\n' || partial_.size() == max_line) {
                lines_.push_back(std::exchange(partial_, {}));
            }
        }
        reader_.consumed(chunk.size()); // held in lines_ instead: pump() holds the reader
        pump();
    }

    // The status changed: stdin may flow again (disconnected: the policy decides).
    void pump() {
        while (!stopped_ && !lines_.empty()) {
            const std::string& line = lines_.front();
            // Stdin waits for room while connected (the peer's pace) and, under reject, while
            // down too (nothing is dropped: the producer blocks); the dropping policies keep
            // reading during an outage and drop as they say.
            const bool waits = waits_when_down_ || r_.status() == redial::link_status::connected;
            if (waits &&
                (out_messages_ >= limits_.max_messages ||
                 line.size() > limits_.max_bytes - std::min(limits_.max_bytes, out_bytes_))) {
                if (line.size() <= limits_.max_bytes) {
                    break; // full: wait for room (a completion pumps again)
                }
            }
            std::string out = std::move(lines_.front());
            lines_.pop_front();
            const std::size_t n = out.size();
            ++out_messages_;
            out_bytes_ += n;
            r_.async_send(std::move(out), [this, n](std::error_code ec) { ended(ec, n); });
        }
        reader_.hold(!lines_.empty());
    }

    // The heartbeat asks for a ping: one at a time, behind what is queued.
    void ping() {
        if (!ping_line_ || ping_queued_ || stopped_) {
            return;
        }
        ping_queued_ = true;
        ++out_messages_;
        out_bytes_ += ping_line_->size();
        r_.async_send(*ping_line_, [this](std::error_code) {
            ping_queued_ = false;
            --out_messages_;
            out_bytes_ -= ping_line_->size();
            pump();
        });
    }

    void stop() { stopped_ = true; }

    // At exit (after io.run()): what was dropped or left unsent, if anything.
    void report(redial::log_format format) const {
        std::uint64_t unsent = stopped_count_.messages + lines_.size() + (partial_.empty() ? 0 : 1);
        std::uint64_t unsent_bytes = stopped_count_.bytes + partial_.size();
        for (const std::string& l : lines_) {
            unsent_bytes += l.size();
        }
        if (dropped_.messages == 0 && expired_.messages == 0 && lost_.messages == 0 &&
            unsent == 0) {
            return;
        }
        if (format == redial::log_format::json) {
            std::fprintf(stderr,
                         "{\"event\":\"outbox_summary\",\"written\":%llu,\"written_bytes\":%llu,"
                         "\"dropped\":%llu,\"dropped_bytes\":%llu,\"expired\":%llu,"
                         "\"expired_bytes\":%llu,\"lost\":%llu,\"lost_bytes\":%llu,"
                         "\"unsent\":%llu,\"unsent_bytes\":%llu}\n",
                         ull(written_.messages), ull(written_.bytes), ull(dropped_.messages),
                         ull(dropped_.bytes), ull(expired_.messages), ull(expired_.bytes),
                         ull(lost_.messages), ull(lost_.bytes), ull(unsent), ull(unsent_bytes));
            return;
        }
        // Expired and lost only when there were any: a time-to-live or --queue-cut lose.
        std::string extra;
        const auto part = [&extra](const tally& t, const char* what) {
            if (t.messages != 0) {
                extra += "; " + std::to_string(t.messages) + " (" + std::to_string(t.bytes) +
                         " bytes) " + what;
            }
        };
        part(expired_, "expired (--queue-ttl)");
        part(lost_, "lost mid-write (--queue-cut lose)");
        std::fprintf(stderr,
                     "redial-cat: %llu messages (%llu bytes) written; %llu (%llu bytes) dropped "
                     "by the outbox%s; %llu (%llu bytes) left unsent\n",
                     ull(written_.messages), ull(written_.bytes), ull(dropped_.messages),
                     ull(dropped_.bytes), extra.c_str(), ull(unsent), ull(unsent_bytes));
    }

private:
    static unsigned long long ull(std::uint64_t v) { return v; }

    void ended(std::error_code ec, std::size_t n) {
        --out_messages_;
        out_bytes_ -= n;
        if (!ec) {
            written_.add(n);
        } else if (ec == redial::outbox_errc::stopped) {
            stopped_count_.add(n);
        } else if (ec == redial::outbox_errc::expired) {
            expired_.add(n);
        } else if (ec == redial::outbox_errc::lost) {
            lost_.add(n);
        } else {
            dropped_.add(n); // rejected, too large, dropped, not connected
        }
        pump();
    }

    template <class Socket, class Done>
    void read(Socket& s, Done done) {
        s.async_read_some(asio::buffer(buffer_), [this, &s, done = std::move(done)](
                                                     std::error_code ec, std::size_t n) mutable {
            if (ec) {
                done(ec);
                return;
            }
            std::fwrite(buffer_.data(), 1, n, stdout);
            std::fflush(stdout);
            read(s, std::move(done));
        });
    }

    stdin_reader& reader_;
    Reconnector& r_;
    std::optional<std::string> ping_line_; // --ping's line with its "\n"; unset: no --ping
    redial::outbox_options limits_;
    bool waits_when_down_; // reject: stdin waits for room whatever the state
    // Sent and not yet completed (in the outbox, or posted to it): what "full" is judged on.
    std::size_t out_messages_ = 0;
    std::size_t out_bytes_ = 0;
    std::deque<std::string> lines_; // read, not yet handed to the outbox: one chunk at most
    std::string partial_;           // a line without its end yet
    tally written_;
    tally dropped_;
    tally expired_;
    tally lost_;
    tally stopped_count_;
    bool stopped_ = false;
    bool ping_queued_ = false;
    std::array<char, 16384> buffer_{};
};

template <class Transport>
int run(asio::io_context& io, Transport transport, const redial::options& o,
        const tool_options& t) {
    using liveness = redial::configured_liveness<cat_ping>;
    using outbox = redial::outbox<redial::overflow::configured>;
    using reconnector =
        redial::basic_reconnector<Transport, redial::steady_clock, redial::configured_backoff,
                                  redial::configured_stability, cat_observer,
                                  redial::no_terminal_errors, liveness, outbox>;
    auto ping = std::make_shared<ping_slot>();
    const outbox box = redial::make_outbox(o);
    reconnector r{
        io.get_executor(),
        std::move(transport),
        redial::steady_clock{},
        redial::make_backoff(o),
        redial::make_stability(o),
        redial::make_machine_options(o),
        cat_observer{redial::ostream_observer{std::cerr, t.log, redial::steady_clock::now()}},
        redial::no_terminal_errors{},
        redial::make_liveness(o, cat_ping{ping}),
        box};

    stop_signals signals{io};
    stdin_reader reader{io}; // destroyed (joined) before r, and before io
    auto session = std::make_shared<cat<reconnector>>(
        reader, r, t.ping ? std::optional<std::string>(*t.ping + "\n") : std::nullopt, box);
    // Weak: the ping (held by the reconnector) only reaches the session while it exists.
    ping->send = [weak = std::weak_ptr(session)] {
        if (auto s = weak.lock()) {
            s->ping();
        }
    };
    reader.start([session](const std::vector<char>& chunk) { session->push(chunk); });
    // Each change of status may let stdin flow again (see cat::pump).
    std::function<void()> watch = [&] {
        r.async_wait_status([&](std::error_code ec, redial::link_status) {
            if (!ec) {
                session->pump();
                watch();
            }
        });
    };
    watch();

    // The first event decides the exit status: a signal's stop (0) or a give-up (1).
    signals.async_wait([&] {
        reader.stop();
        session->stop();
        r.stop();
    });
    std::optional<std::error_code> result;
    r.async_run([session](auto& socket, auto done) { (*session)(socket, std::move(done)); },
                [&](std::error_code ec) {
                    result = ec;
                    reader.stop();
                    session->stop();
                    signals.cancel();
                });
    io.run();
    reader.join();
    session->report(t.log);
    if (result && *result) {
        std::fprintf(stderr, "redial-cat: %s\n", r.give_up_message().c_str());
        return 1;
    }
    return 0;
}

// How a key was given, as the user wrote it: "--KEY" (flags win) or "REDIAL_KEY"; empty if not.
std::string given_as(const std::vector<std::pair<std::string, std::string>>& pairs,
                     std::string_view key) {
    std::string as;
    for (const auto& [name, value] : pairs) {
        if (name == "--" + std::string(key)) {
            return name;
        }
        if (name == key) {
            as = redial::env_name(key);
        }
    }
    return as;
}

// The tool's liveness rules, beyond the keys' own checks: --ping turns the heartbeat on (and
// only the heartbeat reads it), a heartbeat needs a ping, and the TCP socket options need TCP.
void check_liveness(redial::options& o, const tool_options& t,
                    const std::vector<std::pair<std::string, std::string>>& pairs) {
    const redial::liveness_kind chosen = redial::detail::chosen_liveness(o);
    if (t.ping) {
        if (o.liveness && chosen != redial::liveness_kind::heartbeat) {
            usage_error(
                t.ping_as + " needs the heartbeat, not " + given_as(pairs, "liveness") + "=" +
                std::string(redial::detail::liveness_names[static_cast<std::size_t>(chosen)]));
        }
        if (chosen == redial::liveness_kind::idle) {
            usage_error(t.ping_as + " cannot be combined with " + given_as(pairs, "idle-timeout") +
                        ": the ping is the heartbeat's, and an idle timeout sends nothing");
        }
        o.liveness = redial::liveness_kind::heartbeat; // --ping alone: the default times
    } else if (chosen == redial::liveness_kind::heartbeat) {
        // A heartbeat without a ping sends nothing, so it only hears a server that talks on its
        // own: that is --idle-timeout, which says so. Refused rather than silently idle.
        std::string as = given_as(pairs, "ping-interval");
        as = as.empty() ? given_as(pairs, "ping-timeout") : as;
        as = as.empty() ? given_as(pairs, "liveness") + "=heartbeat" : as;
        const bool flag = as.starts_with("--");
        usage_error(as + " needs " + (flag ? "--ping LINE" : "REDIAL_PING") +
                    " (the line the heartbeat sends, e.g. PING); for a server that talks on its "
                    "own, use " +
                    (flag ? "--idle-timeout" : "REDIAL_IDLE_TIMEOUT") + " instead");
    }
    if (t.unix_path) { // "off" and 0 (the defaults) are fine: they set nothing
        if (o.tcp_keepalive) {
            usage_error(given_as(pairs, "tcp-keepalive") + " works with HOST:PORT, not --unix");
        }
        if (o.tcp_user_timeout.count() != 0) {
            usage_error(given_as(pairs, "tcp-user-timeout") + " works with HOST:PORT, not --unix");
        }
    }
}

} // namespace

static int tool_main(int argc, char** argv) {
    tool_options tool;
    std::vector<std::pair<std::string, std::string>> pairs;
    redial::options o;
    try {
        // Environment first: the tool's own REDIAL_ variables, then the policy keys (unknown
        // REDIAL_ variables are refused, naming them).
        std::vector<std::string_view> env_policy;
        for (char** e = ::environ; e != nullptr && *e != nullptr; ++e) {
            const std::string_view var = *e;
            if (!var.starts_with("REDIAL_")) {
                continue;
            }
            const std::size_t eq = var.find('=');
            const std::string_view name = var.substr(0, eq);
            const std::string value(eq == std::string_view::npos ? "" : var.substr(eq + 1));
            if (name == "REDIAL_UNIX" || name == "REDIAL_LOG" || name == "REDIAL_TLS" ||
                name == "REDIAL_CA_FILE" || name == "REDIAL_PING") {
                std::string key(name.substr(7));
                for (char& c : key) {
                    c = c == '_' ? '-' : static_cast<char>(c - 'A' + 'a');
                }
                apply_tool_option(tool, key, value, name);
            } else {
                env_policy.push_back(var);
            }
        }
        (void)redial::options_from_env(std::span<const std::string_view>(env_policy), "REDIAL_");
        for (const redial::option_key& k : redial::option_keys()) {
            if (const char* v = std::getenv(redial::env_name(k.name).c_str())) {
                pairs.emplace_back(std::string(k.name), v);
            }
        }
        for (int i = 1; i < argc; ++i) {
            const std::string_view arg = argv[i];
            if (arg == "--help" || arg == "-h") {
                print_help();
                return 0;
            }
            if (arg.size() > 1 && arg.front() == '-' && !arg.starts_with("--")) {
                usage_error("invalid option " + shown(arg) +
                            ": unknown (options are long: --KEY VALUE or --KEY=VALUE)");
            }
            if (!arg.starts_with("--")) {
                if (!tool.target.empty()) {
                    usage_error("unexpected argument " + shown(arg));
                }
                tool.target = arg;
                continue;
            }
            std::string_view key = arg.substr(2);
            std::string value;
            if (const std::size_t eq = key.find('='); eq != std::string_view::npos) {
                value = std::string(key.substr(eq + 1));
                key = key.substr(0, eq);
            } else if (key == "tls") {
                value = "true";
            } else if (i + 1 < argc) {
                value = argv[++i];
            } else {
                usage_error("--" + std::string(key) + " needs a value");
            }
            if (!apply_tool_option(tool, key, value, "--" + std::string(key))) {
                pairs.emplace_back("--" + std::string(key), value);
            }
        }
        // A --preset flag replaces REDIAL_PRESET (flags win) instead of giving preset twice.
        if (std::any_of(pairs.begin(), pairs.end(),
                        [](const auto& p) { return p.first == "--preset"; })) {
            std::erase_if(pairs, [](const auto& p) { return p.first == "preset"; });
        }
        std::vector<std::pair<std::string_view, std::string_view>> views(pairs.begin(),
                                                                         pairs.end());
        o = redial::options_from_pairs(views);
    } catch (const redial::config_error& e) {
        usage_error(e.what());
    }

    if (tool.ca_file && !tool.tls) {
        usage_error(tool.ca_file_as + " needs --tls" +
                    (tool.ca_file_as == "--ca-file" ? "" : " (or REDIAL_TLS=1)"));
    }
    if (tool.tls && tool.unix_path) {
        usage_error("--tls works with HOST:PORT, not --unix");
    }
    if (tool.unix_path && !tool.target.empty()) {
        usage_error("give either HOST:PORT or --unix PATH, not both");
    }
    check_liveness(o, tool, pairs);

    // The transports from the options (connect-timeout, tcp-keepalive, tcp-user-timeout),
    // checked as every builder checks them.
    asio::io_context io;
    if (tool.unix_path) {
        return run(io,
                   redial::unix_transport{io.get_executor(), *tool.unix_path,
                                          redial::make_connect_timeout(o)},
                   o, tool);
    }
    if (tool.target.empty()) {
        usage_error("missing HOST:PORT (or --unix PATH)");
    }
    const auto [host, port] = split_target(tool.target);
    if (tool.tls) {
        redial::tls_options settings = redial::make_tls_options(o, {.ca_file = tool.ca_file});
        std::optional<redial::tls_transport> tls;
        try {
            tls.emplace(io.get_executor(), host, port, std::move(settings));
        } catch (const redial::config_error& e) {
            // The transport names its own key ("tls ca-file"): name the flag or variable, and
            // keep the reason after the "invalid KEY \"VALUE\": " prefix.
            const std::string what = e.what();
            const std::string prefix = "invalid " + redial::detail::escape(e.key()) + " \"" +
                                       redial::detail::escape(e.value()) + "\": ";
            usage_error("invalid " + tool.ca_file_as + " " + shown(e.value()) + ": " +
                        (what.starts_with(prefix) ? what.substr(prefix.size()) : what));
        }
        return run(io, std::move(*tls), o, tool);
    }
    return run(io,
               redial::tcp_transport{io.get_executor(), host, port, redial::make_tcp_options(o)}, o,
               tool);
}

int main(int argc, char** argv) {
    // A closed standard descriptor would be handed to the next open() (the event loop's eventfd
    // became "stdin" and its counter was sent to the peer): hold each with /dev/null instead.
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
            ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd) {
            return 70;
        }
    }
    // What is not handled where it happens (the standard library's own failures, bad_alloc) is
    // reported and exits 70 (EX_SOFTWARE), never an abort. Bad input that only a library check
    // caught (a transport's parameters) is still bad input: exit 2, naming it.
    try {
        return tool_main(argc, argv);
    } catch (const redial::config_error& e) {
        std::fprintf(stderr, "%s: %s\n(try --help)\n", "redial-cat", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: internal error: %s\n", "redial-cat", e.what());
    } catch (...) {
        std::fprintf(stderr, "%s: internal error\n", "redial-cat");
    }
    return 70;
}
