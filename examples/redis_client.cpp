// redial-redis: a Redis client whose connection survives. Reads commands from stdin, one a line,
// sends them as RESP and prints each reply as redis-cli does; when the connection drops it
// reconnects with backoff and redoes the handshake (HELLO 3 with AUTH, then SELECT) as a setup
// step, under the one connect deadline. A refused login gives up at once with the server's words.
//
//   redial-redis localhost:6379
//   REDIAL_PASSWORD=secret redial-redis --user app --db 2 --ping-interval 5s redis.example:6379
//   echo 'SET k v' | redial-redis --tls --ca-file ca.pem redis.example:6380

#include "redis/command.hpp"
#include "redis/resp.hpp"

#include <redial/clock/steady_clock.hpp>
#include <redial/config.hpp>
#include <redial/config/tls.hpp>
#include <redial/config/transport.hpp>
#include <redial/error.hpp>
#include <redial/observer/ostream.hpp>
#include <redial/reconnector.hpp>
#include <redial/setup/awaitable.hpp>
#include <redial/setup/transport.hpp>
#include <redial/transport/tcp.hpp>
#include <redial/transport/tls.hpp>

#include <asio/awaitable.hpp>
#include <asio/completion_condition.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address_v6.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
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
#include <utility>
#include <vector>

namespace {

// What the tool holds, at most: commands read and not yet answered (queued while disconnected,
// being sent, or waiting for their reply), and their bytes. When either is reached the tool
// stops reading stdin until a reply makes room (backpressure: nothing is dropped).
constexpr std::size_t max_commands = 1024;
constexpr std::size_t max_queued_bytes = 4u << 20;
constexpr std::size_t max_line_bytes = 1u << 20;          // a longer line is refused, not sent
constexpr std::size_t chunk_size = 16384;                 // one read of stdin
constexpr std::size_t max_batch = std::size_t{64} * 1024; // commands written in one go (pipelined)

struct tool_options {
    std::string target; // HOST:PORT
    redial::log_format log = redial::log_format::text;
    bool tls = false;
    bool verify = true;
    std::string no_verify_as;
    std::optional<std::string> ca_file;
    std::string ca_file_as; // "--ca-file" or "REDIAL_CA_FILE", for errors
    std::optional<std::string> user;
    std::string user_as;
    std::optional<std::string> password;
    std::optional<std::uint32_t> db;
};

// One line whatever the input: control characters and bytes that are not UTF-8 in a value
// the message quotes come out as escapes.
[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "redial-redis: %s\n(try --help)\n",
                 redial::detail::escape(message, false).c_str());
    std::exit(2);
}

void print_help() {
    std::printf(
        "usage: redial-redis [options] HOST:PORT\n\n"
        "A Redis client whose connection survives: commands from stdin, one a line (words split "
        "on\nspaces; \"...\" and '...' quote as in redis-cli), replies on stdout as redis-cli "
        "prints them.\nEach connection starts with HELLO 3 (AUTH with --user/--password), then "
        "SELECT --db;\nwhen it drops the tool reconnects with backoff. A refused login gives up "
        "at once.\nEnd of stdin ends it once every command has its reply; SIGINT / SIGTERM stop "
        "it (exit 0);\ngiving up exits 1 with the error on stderr.\n\n"
        "Options (each also an environment variable REDIAL_<NAME>, e.g. REDIAL_BACKOFF_MAX):\n");
    for (const redial::option_key& k : redial::option_keys()) {
        if (k.name == "idle-timeout" || k.name.starts_with("queue-")) {
            continue; // refused: a Redis server sends nothing on its own; its own queue
        }
        std::printf("  --%-20s %-34s default %s\n", std::string(k.name).c_str(),
                    std::string(k.syntax).c_str(), std::string(k.default_text).c_str());
    }
    std::printf("  --%-20s %-34s default %s\n", "user", "NAME: HELLO's AUTH user", "default");
    std::printf("  --%-20s %-34s default %s\n", "password", "PASS (REDIAL_PASSWORD is safer)",
                "no AUTH");
    std::printf("  --%-20s %-34s default %s\n", "db", "N: SELECT N after HELLO", "0");
    std::printf("  --%-20s %-34s default %s\n", "log", "text|json (to stderr)", "text");
    std::printf("  --%-20s %-34s default %s\n", "tls", "TLS, peer and host name verified", "off");
    std::printf("  --%-20s %-34s default %s\n", "ca-file", "FILE: trusted CAs for --tls",
                "system store");
    std::printf("  --%-20s %-34s default %s\n", "no-verify", "TLS without verifying the peer",
                "off");
    std::printf("--connect-timeout covers resolve, connect, TLS and the handshake together; the "
                "heartbeat\n(--ping-interval, --ping-timeout) sends PING.\n");
}

// A value as a message shows it: in quotes, escaped (a newline or control character in it must
// not split or garble the line), and the middle of a long one elided, its length given instead.
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

bool parse_bool(const std::string& value, std::string_view shown_as) {
    if (value != "true" && value != "false" && value != "1" && value != "0") {
        usage_error("invalid " + std::string(shown_as) + " " + shown(value) +
                    ": expected true or false");
    }
    return value == "true" || value == "1";
}

// The tool's own settings, from a flag or its REDIAL_ variable; true if `key` was one.
bool apply_tool_option(tool_options& t, std::string_view key, const std::string& value,
                       std::string_view shown_as) {
    const std::string as(shown_as);
    if (key == "log") {
        if (value != "text" && value != "json") {
            usage_error("invalid " + as + " " + shown(value) + ": expected text or json");
        }
        t.log = value == "json" ? redial::log_format::json : redial::log_format::text;
    } else if (key == "tls") {
        t.tls = parse_bool(value, shown_as);
    } else if (key == "no-verify") {
        t.verify = !parse_bool(value, shown_as);
        t.no_verify_as = as;
    } else if (key == "ca-file") {
        if (value.empty()) {
            usage_error("invalid " + as + " \"\": expected a file of trusted CAs (PEM)");
        }
        t.ca_file = value;
        t.ca_file_as = as;
    } else if (key == "user") {
        if (value.empty()) {
            usage_error("invalid " + as +
                        " \"\": expected a user name (omit it for the default "
                        "user)");
        }
        t.user = value;
        t.user_as = as;
    } else if (key == "password") {
        // Never shown: a message would put the secret on the terminal and in logs.
        if (value.empty()) {
            usage_error("invalid " + as + " (empty): expected a password (omit it for no AUTH)");
        }
        t.password = value;
    } else if (key == "db") {
        // Redis numbers its databases from 0; `databases` (16 by default) may be raised up to
        // INT_MAX. A number the server does not have is its refusal, at SELECT.
        constexpr std::uint64_t largest = 2147483647;
        std::uint64_t n = 0;
        const bool digits = !value.empty() && value.size() <= 10 &&
                            value.find_first_not_of("0123456789") == std::string::npos;
        if (digits) {
            n = std::stoull(value);
        }
        if (!digits || n > largest) {
            usage_error("invalid " + as + " " + shown(value) +
                        ": expected a database number from 0 to 2147483647");
        }
        t.db = static_cast<std::uint32_t>(n);
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

[[noreturn]] void bad_target(std::string_view target, const std::string& why) {
    usage_error("invalid target " + shown(target) + ": " + why);
}

bool is_ipv6(const std::string& s) {
    std::error_code ec;
    (void)asio::ip::make_address_v6(s, ec);
    return !ec;
}

// HOST:PORT or [IPv6]:PORT, as redial-cat reads it; the transport checks the host name's DNS
// limits (a config_error: exit 2, naming `tcp host`).
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
                           "an IPv6 address goes in brackets: [ADDRESS]:PORT, e.g. [::1]:6379");
            }
            bad_target(target, "expected HOST:PORT, with one ':' (a host name has none)");
        }
        if (colon == std::string::npos || colon == 0 || colon + 1 == target.size()) {
            bad_target(target, "expected HOST:PORT (Redis listens on 6379 by default)");
        }
        host = target.substr(0, colon);
        port = target.substr(colon + 1);
        if (std::any_of(host.begin(), host.end(), [](char ch) {
                const auto c = static_cast<unsigned char>(ch);
                return c <= 0x20 || c == 0x7f || ch == '[' || ch == ']';
            })) {
            bad_target(target, "a host name has no spaces, brackets or control characters");
        }
    }
    if (!valid_port(port)) {
        bad_target(target, "the port must be a number from 1 to 65535 or a service name");
    }
    return {host, port};
}

// SIGINT / SIGTERM: a handler of our own, for the rest of the process, that writes a byte to a
// pipe the io_context reads (as redial-cat: a second signal while finishing must not kill it).
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

// Reads stdin on its own thread (works for pipes, ttys, files and /dev/null alike, and leaves
// the descriptor's flags alone), one chunk at a time: after delivering a chunk it waits for
// more(), so the client decides when it has room. stop() wakes it from poll() through a pipe.
class stdin_chunks {
public:
    explicit stdin_chunks(asio::io_context& io) : io_(io) {
        if (::pipe2(wake_.data(), O_CLOEXEC) != 0) {
            throw std::system_error(errno, std::system_category(), "pipe2");
        }
    }
    stdin_chunks(const stdin_chunks&) = delete;
    stdin_chunks& operator=(const stdin_chunks&) = delete;
    ~stdin_chunks() {
        stop();
        join();
        ::close(wake_[0]);
        ::close(wake_[1]);
    }

    // deliver(chunk) runs on the io thread for each chunk; an empty chunk is the end of stdin.
    template <class Deliver>
    void start(Deliver deliver) {
        thread_ = std::thread([this, deliver = std::move(deliver)] { read_loop(deliver); });
    }

    // On the io thread: the last chunk is used up, read the next.
    void more() {
        {
            const std::lock_guard lock(mutex_);
            wanted_ = true;
        }
        wake_cv_.notify_one();
    }

    void stop() {
        {
            const std::lock_guard lock(mutex_);
            if (stopping_) {
                return;
            }
            stopping_ = true;
        }
        wake_cv_.notify_one();
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
        std::string chunk(chunk_size, '\0');
        while (true) {
            {
                std::unique_lock lock(mutex_);
                wake_cv_.wait(lock, [this] { return stopping_ || wanted_; });
                if (stopping_) {
                    return;
                }
                wanted_ = false;
            }
            ssize_t n = 0;
            while (true) {
                std::array<pollfd, 2> fds{{{STDIN_FILENO, POLLIN, 0}, {wake_[0], POLLIN, 0}}};
                if (::poll(fds.data(), fds.size(), -1) < 0) {
                    if (errno == EINTR) {
                        continue;
                    }
                    n = -1;
                    break;
                }
                if (fds[1].revents != 0) {
                    return; // stopping
                }
                if ((fds[0].revents & POLLNVAL) != 0) {
                    n = 0;
                    break;
                }
                n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
                if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
                    continue;
                }
                break;
            }
            if (n <= 0) { // end of stdin, or an error reading it: the same for the client
                asio::post(io_, [deliver] { deliver(std::string()); });
                return;
            }
            asio::post(io_, [deliver, data = chunk.substr(0, static_cast<std::size_t>(n))] {
                deliver(data);
            });
        }
    }

    asio::io_context& io_;
    std::array<int, 2> wake_{};
    std::mutex mutex_;
    std::condition_variable wake_cv_;
    bool wanted_ = true; // the first chunk is wanted at once
    bool stopping_ = false;
    std::thread thread_;
};

// --- the setup step: HELLO 3 [AUTH user pass], then SELECT n ---------------------------------

// A Redis error reply at the handshake, as the attempt's failure. A refusal (bad credentials,
// no permission, no RESP3, a database the server does not have) is setup_errc::rejected, which
// the classifier makes terminal; a server that is busy or still loading is asked again later.
[[noreturn]] void handshake_refused(std::string_view what, const resp::value& reply) {
    std::string text = std::string(what) + "-" + reply.text;
    // The error code is the first word, compared whole: BUSYGROUP and BUSYKEY are not BUSY.
    const std::string_view code = std::string_view(reply.text).substr(0, reply.text.find(' '));
    for (const std::string_view transient : {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN"}) {
        if (code == transient) {
            throw redial::setup_error(
                std::make_error_code(std::errc::resource_unavailable_try_again), std::move(text));
        }
    }
    throw redial::setup_error(redial::setup_errc::rejected, std::move(text));
}

// One reply from the connection, through the setup buffer: what the reply did not use stays
// there, for the next reply or for the session.
template <class Connection>
asio::awaitable<resp::value> read_reply(Connection& c, redial::setup_buffer& in,
                                        resp::parser& parser) {
    while (true) {
        const resp::result r = parser.parse(in.view());
        in.consume(r.consumed);
        if (r.status == resp::status::done) {
            co_return parser.take();
        }
        if (r.status == resp::status::error) {
            // Unescaped: the setup stage escapes (and bounds) the text itself.
            throw redial::setup_error(redial::setup_errc::protocol, parser.raw_error());
        }
        co_await asio::async_read(c, in.dynamic(), asio::transfer_at_least(1), asio::use_awaitable);
    }
}

struct redis_handshake {
    std::string hello;  // HELLO 3 [AUTH user pass], encoded
    std::string select; // SELECT n, encoded; empty for database 0
    std::string db;     // n, for the failure's text

    template <class Connection>
    asio::awaitable<void> operator()(Connection& c, redial::setup_buffer& in) const {
        // Copies in the coroutine's frame: nothing below reads the step object after a wait.
        const std::string request = hello + select;
        const std::string select_text = select.empty() ? "" : "SELECT " + db + ": ";
        // The handshake's replies are small: a bound well inside the setup buffer's.
        resp::parser parser{resp::limits{.max_depth = 8,
                                         .max_line = 4096,
                                         .max_bytes = std::size_t{16} * 1024,
                                         .max_values = 1024}};
        co_await asio::async_write(c, asio::buffer(request), asio::use_awaitable); // pipelined
        const resp::value welcome = co_await read_reply(c, in, parser);
        if (welcome.is_error()) {
            handshake_refused("", welcome);
        }
        if (welcome.kind != resp::kind::map) {
            throw redial::setup_error(redial::setup_errc::protocol,
                                      "HELLO 3 answered with something else than a map: " +
                                          resp::to_text(welcome).substr(0, 200));
        }
        if (!select.empty()) {
            const resp::value selected = co_await read_reply(c, in, parser);
            if (selected.is_error()) {
                handshake_refused(select_text, selected);
            }
            if (selected.kind != resp::kind::simple_string || selected.text != "OK") {
                throw redial::setup_error(redial::setup_errc::protocol,
                                          select_text + "answered " +
                                              resp::to_text(selected).substr(0, 200));
            }
        }
    }
};

// Terminal: the server refused the handshake. Everything else (refused connects, timeouts,
// drops, a loading server) is retried with backoff.
struct refusal_is_final {
    bool operator()(const redial::failure& f) const noexcept {
        return f.code == redial::setup_errc::rejected;
    }
};

// --- the session -----------------------------------------------------------------------------

// The heartbeat's ping: the reconnector holds it and is made before the client, so it reaches
// the client through a slot filled in afterwards (as redial-cat's --ping).
struct ping_slot {
    std::function<void(const void* connection)> send; // empty until the client exists
};
struct redis_ping {
    std::shared_ptr<ping_slot> slot;
    template <class Connection>
    void operator()(Connection& c) const {
        if (slot && slot->send) {
            slot->send(&c);
        }
    }
};

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

// One command, from the line it was typed on to its reply.
struct request {
    std::string wire;   // the command as RESP, until it is written
    std::string answer; // set: answered by the tool itself (printed in its turn, never sent)
    bool ping = false;  // the heartbeat's: its reply is proof of life, not printed
    bool sent = false;  // written (or being written): its reply comes on this connection
    // (P|S)(UN)SUBSCRIBE: confirmed by pushes of this kind ("subscribe"...), one per channel;
    // an error or +QUEUED (in MULTI) is an ordinary reply instead.
    std::string push_kind;
    std::size_t pushes = 0; // confirmations still to come; 0 for an UNSUBSCRIBE of all
};

// The commands of stdin, in order, and the replies to stdout, in the same order. On the io
// thread only. One write at a time; the commands waiting when it starts go out together.
template <class Stream>
class client {
public:
    client(stdin_chunks& input, std::function<void()> finished)
        : input_(input), finished_(std::move(finished)) {}

    // The session: send what waits, print the replies, until the connection ends.
    template <class Done>
    void operator()(Stream& s, Done done) {
        if (stopped_) {
            done(asio::error::operation_aborted);
            return;
        }
        if (stream_ != nullptr) {
            end_session(); // the last session's read has not seen its end yet
        }
        stream_ = &s;
        ++generation_; // a session's stream may live where the last one did: count them
        writing_ = false;
        parser_.reset();
        received_.clear();
        channels_ = patterns_ = shard_channels_ = count_ = shard_count_ = 0; // a new connection
        drain_input();                                                       // sends what waits
        read(s, std::move(done));
    }

    // A chunk of stdin; an empty one is its end.
    void on_chunk(const std::string& chunk) {
        asked_ = false;
        if (chunk.empty()) {
            eof_ = true;
        } else if (skipping_) { // the rest of a line that was too long
            const std::size_t nl = chunk.find('\n');
            if (nl != std::string::npos) {
                skipping_ = false;
                lines_.append(chunk, nl + 1);
            }
        } else {
            lines_ += chunk;
        }
        drain_input();
    }

    // The heartbeat asks for a PING on `connection`: queued behind the commands waiting, one
    // at a time.
    void ping(const void* connection) {
        if (connection != stream_ || stream_ == nullptr || ping_queued_) {
            return;
        }
        ping_queued_ = true;
        request r;
        r.wire = ping_wire;
        r.ping = true;
        queue_.push_back(std::move(r));
        flush();
    }

    // The run is ending: forget the stream (the reconnector destroys it) and write no more.
    void stop() {
        stopped_ = true;
        stream_ = nullptr;
    }

    // Commands read and never sent (the run gave up).
    [[nodiscard]] std::size_t not_sent() const {
        return static_cast<std::size_t>(
            std::count_if(queue_.begin(), queue_.end(),
                          [](const request& r) { return !r.ping && !r.sent && r.answer.empty(); }));
    }

private:
    static constexpr std::string_view ping_wire = "*1\r\n$4\r\nPING\r\n";

    // Lines into commands while there is room, then more stdin once no whole line is left and
    // there is room (so stdin waits while the queue is full: at most one line and one chunk).
    [[nodiscard]] bool room() const {
        return commands_ < max_commands && queued_bytes_ < max_queued_bytes;
    }

    void drain_input() {
        print_answered(); // answers at the front make room first
        while (room()) {
            const std::size_t nl = lines_.find('\n', line_start_);
            if (nl == std::string::npos) {
                const std::size_t rest = lines_.size() - line_start_;
                if (rest > max_line_bytes) {
                    add_answer(line_too_long());
                    skipping_ = true;
                    lines_.clear();
                    line_start_ = 0;
                } else if (eof_ && rest > 0) { // the last line, without its newline
                    add_line(std::string_view(lines_).substr(line_start_));
                    line_start_ = lines_.size();
                }
                break;
            }
            if (nl - line_start_ > max_line_bytes) { // its newline came in the same read
                add_answer(line_too_long());
            } else {
                add_line(std::string_view(lines_).substr(line_start_, nl - line_start_));
            }
            line_start_ = nl + 1;
        }
        if (line_start_ != 0) {
            lines_.erase(0, line_start_);
            line_start_ = 0;
        }
        if (!eof_ && !asked_ && room() && lines_.find('\n') == std::string::npos) {
            asked_ = true;
            input_.more();
        }
        flush();
        print_answered();
        finish_if_done();
    }

    static std::string line_too_long() {
        return "(error) redial-redis: a line longer than " + std::to_string(max_line_bytes) +
               " bytes: not sent";
    }

    void add_line(std::string_view line) {
        const resp::split_result words = resp::split_command(line);
        if (!words.error.empty()) {
            add_answer("(error) redial-redis: " + words.error + ": not sent");
            return;
        }
        if (words.words.empty()) {
            return; // a blank line
        }
        const std::string name = upper(words.words.front());
        // Each would put the replies out of step with the commands, or drop the handshake.
        if (name == "MONITOR" || name == "SYNC" || name == "PSYNC" || name == "RESET" ||
            (name == "HELLO" && words.words.size() > 1 && words.words[1] != "3") ||
            (name == "CLIENT" && words.words.size() > 1 && upper(words.words[1]) == "REPLY")) {
            add_answer("(error) redial-redis: " + (name == "CLIENT" ? "CLIENT REPLY" : name) +
                       " is not supported: it would change the connection under the tool's "
                       "feet (see docs/redial-redis.md): not sent");
            return;
        }
        request r;
        r.wire = resp::encode(words.words);
        if (name == "SUBSCRIBE" || name == "PSUBSCRIBE" || name == "SSUBSCRIBE" ||
            name == "UNSUBSCRIBE" || name == "PUNSUBSCRIBE" || name == "SUNSUBSCRIBE") {
            r.push_kind = lower(name);
            r.pushes = words.words.size() - 1;
        }
        queued_bytes_ += r.wire.size();
        ++commands_;
        queue_.push_back(std::move(r));
    }

    void add_answer(std::string text) {
        request r;
        r.answer = std::move(text);
        ++commands_;
        queue_.push_back(std::move(r));
    }

    static void print(std::string_view text) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
    }

    // Answers the tool gave itself, in their turn: those at the front of the queue.
    void print_answered() {
        while (!queue_.empty() && !queue_.front().answer.empty()) {
            print(queue_.front().answer);
            queue_.pop_front();
            --commands_;
        }
    }

    void finish_if_done() {
        if (eof_ && commands_ == 0 && !finishing_ && !stopped_) {
            finishing_ = true;
            finished_();
        }
    }

    // A reply: a push is printed as it comes; any other answers the oldest command sent.
    // False for a reply no command waits for (the connection is out of step: end it).
    bool on_reply(const resp::value& v) {
        if (v.kind == resp::kind::push) {
            print(resp::to_text(v));
            on_push(v);
            return true;
        }
        print_answered();
        if (queue_.empty() || !queue_.front().sent) {
            return false;
        }
        if (queue_.front().ping) {
            ping_queued_ = false;
        } else {
            print(resp::to_text(v));
            --commands_;
        }
        queue_.pop_front();
        print_answered();
        return true;
    }

    // A push ["subscribe", channel, count]: a confirmation of the subscribe-kind command at the
    // front, if it is of that kind (else it came from elsewhere, e.g. EXEC: only printed). The
    // count is the connection's subscriptions of that family after it: whether it rose or fell
    // says whether one was added or removed, so an UNSUBSCRIBE of all knows how many pushes
    // answer it (one per subscription of its kind, or one if there are none).
    void on_push(const resp::value& v) {
        if (v.elements.size() != 3 || v.elements[0].kind != resp::kind::bulk_string ||
            v.elements[2].kind != resp::kind::integer) {
            return;
        }
        const std::string& what = v.elements[0].text;
        std::int64_t* held = what == "subscribe" || what == "unsubscribe"     ? &channels_
                             : what == "psubscribe" || what == "punsubscribe" ? &patterns_
                             : what == "ssubscribe" || what == "sunsubscribe" ? &shard_channels_
                                                                              : nullptr;
        if (held == nullptr) {
            return;
        }
        print_answered();
        if (!queue_.empty() && queue_.front().sent && queue_.front().push_kind == what) {
            request& r = queue_.front();
            if (r.pushes == 0) { // an UNSUBSCRIBE of all: as many as are held now
                r.pushes = static_cast<std::size_t>(std::max<std::int64_t>(*held, 1));
            }
            if (--r.pushes == 0) {
                queue_.pop_front();
                --commands_;
                print_answered();
            }
        }
        std::int64_t& last = held == &shard_channels_ ? shard_count_ : count_;
        const std::int64_t now = v.elements[2].integer;
        *held = std::max<std::int64_t>(*held + (now > last ? 1 : now < last ? -1 : 0), 0);
        last = now;
    }

    template <class Done>
    void read(Stream& s, Done done) {
        s.async_read_some(
            asio::buffer(buffer_), [this, &s, done = std::move(done),
                                    gen = generation_](std::error_code ec, std::size_t n) mutable {
                if (gen != generation_ || stopped_) {
                    done(ec ? ec : asio::error::operation_aborted); // ended already, or the run
                    return;
                }
                if (ec) {
                    end_session();
                    done(ec);
                    return;
                }
                received_.append(buffer_.data(), n);
                std::size_t used = 0;
                while (true) {
                    const resp::result r = parser_.parse(std::string_view(received_).substr(used));
                    used += r.consumed;
                    if (r.status == resp::status::need_more) {
                        break;
                    }
                    const bool fits = r.status == resp::status::done && on_reply(parser_.take());
                    if (!fits) {
                        const std::string why = r.status == resp::status::error
                                                    ? parser_.error()
                                                    : "a reply with no command waiting for it";
                        if (r.status == resp::status::error) {
                            refused_reply(why);
                        }
                        end_session();
                        done(redial::failure{std::make_error_code(std::errc::protocol_error), why});
                        return;
                    }
                }
                received_.erase(0, used);
                drain_input(); // replies made room
                read(s, std::move(done));
            });
    }

    // A reply past the parser's limits (or not RESP): the oldest command waiting gets the
    // reason, naming the limit, rather than "lost" like the others (it was answered, too big).
    void refused_reply(const std::string& why) {
        print_answered();
        if (!queue_.empty() && queue_.front().sent && !queue_.front().ping) {
            queue_.front().sent = false;
            queue_.front().answer = "(error) redial-redis: the reply is refused, " + why +
                                    ": connection reset (see docs/redial-redis.md, Limits)";
        }
    }

    // The connection is gone: a command written without its reply may or may not have run, so
    // it is answered with an error rather than sent again; those not written yet wait for the
    // next connection; the heartbeat's ping belonged to this one.
    void end_session() {
        stream_ = nullptr;
        writing_ = false;
        ping_queued_ = false;
        for (auto it = queue_.begin(); it != queue_.end();) {
            if (it->ping) {
                it = queue_.erase(it);
                continue;
            }
            if (it->sent) {
                it->sent = false;
                it->answer = "(error) redial-redis: the connection was lost before the reply "
                             "(the command may have run; it is not sent again)";
            }
            ++it;
        }
        // The answers make room: stdin is read on while disconnected (up to the bound), or a
        // full queue that lost its connection would wait for stdin forever.
        drain_input();
    }

    void flush() {
        if (stream_ == nullptr || writing_) {
            return;
        }
        auto batch = std::make_shared<std::string>();
        for (auto it = queue_.begin(); it != queue_.end() && batch->size() < max_batch;) {
            if (it->sent || !it->answer.empty()) {
                ++it;
                continue;
            }
            *batch += it->wire;
            if (!it->ping) {
                queued_bytes_ -= it->wire.size();
            }
            std::string().swap(it->wire);
            it->sent = true;
            ++it;
        }
        if (batch->empty()) {
            return;
        }
        writing_ = true;
        asio::async_write(*stream_, asio::buffer(*batch),
                          [this, batch, gen = generation_](std::error_code ec, std::size_t) {
                              if (gen != generation_ || stream_ == nullptr) {
                                  return; // that session is over
                              }
                              writing_ = false;
                              if (!ec) {
                                  drain_input(); // a no-reply command made room; writes on
                              }
                              // An error: the read side ends the session with the reason.
                          });
        finish_if_done();
    }

    stdin_chunks& input_;
    std::function<void()> finished_;
    std::deque<request> queue_;
    std::size_t commands_ = 0;     // entries of queue_ but the ping: bounded by max_commands
    std::size_t queued_bytes_ = 0; // wire bytes not yet written: bounded by max_queued_bytes
    std::string lines_;            // stdin not yet made into commands
    std::size_t line_start_ = 0;
    bool asked_ = true; // a chunk of stdin is on its way (the reader starts at once)
    bool eof_ = false;
    bool skipping_ = false; // dropping the rest of a line that was too long
    bool finishing_ = false;
    bool stopped_ = false;
    bool ping_queued_ = false;
    Stream* stream_ = nullptr;
    std::uint64_t generation_ = 0;
    bool writing_ = false;
    resp::parser parser_;
    // This connection's subscriptions, as its confirmations told: channels, patterns, shard
    // channels; and the last count of each family (shard channels are counted apart).
    std::int64_t channels_ = 0;
    std::int64_t patterns_ = 0;
    std::int64_t shard_channels_ = 0;
    std::int64_t count_ = 0;
    std::int64_t shard_count_ = 0;
    std::string received_; // bytes of replies not parsed yet: at most one item of one reply
    std::array<char, 16384> buffer_{};
};

template <class Transport>
int run(asio::io_context& io, Transport transport, const redial::options& o,
        const tool_options& t) {
    using liveness = redial::configured_liveness<redis_ping>;
    using reconnector =
        redial::basic_reconnector<Transport, redial::steady_clock, redial::configured_backoff,
                                  redial::configured_stability, redial::ostream_observer,
                                  refusal_is_final, liveness>;
    auto ping = std::make_shared<ping_slot>();
    reconnector r{io.get_executor(),
                  std::move(transport),
                  redial::steady_clock{},
                  redial::make_backoff(o),
                  redial::make_stability(o),
                  redial::make_machine_options(o),
                  redial::ostream_observer{std::cerr, t.log, redial::steady_clock::now()},
                  refusal_is_final{},
                  redial::make_liveness(o, redis_ping{ping})};

    stop_signals signals{io};
    stdin_chunks input{io}; // destroyed (joined) before r, and before io
    bool finished = false;
    std::shared_ptr<client<typename reconnector::connection_type>> session;
    const auto end = [&] {
        input.stop();
        session->stop();
        signals.cancel();
        r.stop();
    };
    session = std::make_shared<client<typename reconnector::connection_type>>(input, [&] {
        finished = true; // every command read has its reply
        end();
    });
    // Weak: the ping (held by the reconnector) only reaches the client while it exists.
    ping->send = [weak = std::weak_ptr(session)](const void* connection) {
        if (auto s = weak.lock()) {
            s->ping(connection);
        }
    };
    input.start([session](const std::string& chunk) { session->on_chunk(chunk); });

    // The first event decides the exit status: a signal's stop or the end of input (0), or a
    // give-up (1).
    signals.async_wait(end);
    std::optional<std::error_code> result;
    r.async_run([session](auto& stream, auto done) { (*session)(stream, std::move(done)); },
                [&](std::error_code ec) {
                    result = ec;
                    input.stop();
                    session->stop();
                    signals.cancel();
                });
    io.run();
    input.join();
    if (!finished && result && *result) {
        std::fprintf(stderr, "redial-redis: %s\n", r.give_up_message().c_str());
        if (const std::size_t n = session->not_sent(); n != 0) {
            std::fprintf(stderr, "redial-redis: %zu command%s not sent\n", n, n == 1 ? "" : "s");
        }
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

// The heartbeat sends PING; an idle timeout would end every quiet session, since a Redis server
// sends nothing on its own.
void check_liveness(const redial::options& o,
                    const std::vector<std::pair<std::string, std::string>>& pairs) {
    if (redial::detail::chosen_liveness(o) != redial::liveness_kind::idle) {
        return;
    }
    std::string as = given_as(pairs, "idle-timeout");
    as = as.empty() ? given_as(pairs, "liveness") + "=idle" : as;
    const bool flag = as.starts_with("--");
    usage_error(as + " does not suit Redis: the server sends nothing on its own, so every quiet " +
                "session would end; use " + (flag ? "--ping-interval" : "REDIAL_PING_INTERVAL") +
                " (the heartbeat sends PING)");
}

// The queue-* keys configure redial-cat's outbox; this tool's commands wait for their replies in
// its own queue (max_commands, max_queued_bytes), where stdin waits and nothing is dropped or
// expired: a key it would not honour is refused rather than ignored.
void check_queue_keys(const std::vector<std::pair<std::string, std::string>>& pairs) {
    for (const redial::option_key& k : redial::option_keys()) {
        if (!k.name.starts_with("queue-")) {
            continue;
        }
        if (const std::string as = given_as(pairs, k.name); !as.empty()) {
            usage_error(as + " does not apply to redial-redis: commands wait for their replies " +
                        "in its own queue (" + std::to_string(max_commands) + " commands, " +
                        std::to_string(max_queued_bytes >> 20) +
                        " MiB), and stdin waits while it is full; nothing is dropped");
        }
    }
}

redis_handshake make_handshake(const tool_options& t) {
    std::vector<std::string> hello{"HELLO", "3"};
    if (t.password) {
        hello.insert(hello.end(), {"AUTH", t.user.value_or("default"), *t.password});
    }
    redis_handshake h{resp::encode(hello), "", ""};
    if (t.db && *t.db != 0) {
        h.db = std::to_string(*t.db);
        const std::vector<std::string> select{"SELECT", h.db};
        h.select = resp::encode(select);
    }
    return h;
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
            if (name == "REDIAL_LOG" || name == "REDIAL_TLS" || name == "REDIAL_CA_FILE" ||
                name == "REDIAL_NO_VERIFY" || name == "REDIAL_USER" || name == "REDIAL_PASSWORD" ||
                name == "REDIAL_DB") {
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
            } else if (key == "tls" || key == "no-verify") {
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

    const auto variable = [](const std::string& as) { return !as.starts_with("--"); };
    if (tool.ca_file && !tool.tls) {
        usage_error(tool.ca_file_as + " needs --tls" +
                    (variable(tool.ca_file_as) ? " (or REDIAL_TLS=1)" : ""));
    }
    if (!tool.verify && !tool.tls) {
        usage_error(tool.no_verify_as + " needs --tls" +
                    (variable(tool.no_verify_as) ? " (or REDIAL_TLS=1)" : ""));
    }
    if (!tool.verify && tool.ca_file) {
        usage_error(tool.no_verify_as + " cannot be combined with " + tool.ca_file_as +
                    ": nothing is verified");
    }
    if (tool.user && !tool.password) {
        usage_error(tool.user_as + " needs a password: --password or REDIAL_PASSWORD (HELLO's "
                                   "AUTH takes both)");
    }
    check_liveness(o, pairs);
    check_queue_keys(pairs);
    if (tool.target.empty()) {
        usage_error("missing HOST:PORT");
    }
    const auto [host, port] = split_target(tool.target);

    asio::io_context io;
    // The transports from configuration, as redial-cat builds them; the setup stage's deadline
    // is their connect timeout, so `connect-timeout` covers resolve, connect, TLS and the
    // handshake together.
    if (tool.tls) {
        redial::tls_options settings =
            redial::make_tls_options(o, {.ca_file = tool.ca_file, .verify = tool.verify});
        std::optional<redial::tls_transport> tls;
        try {
            tls.emplace(io.get_executor(), host, port, std::move(settings));
        } catch (const redial::config_error& e) {
            // The transport names its own key ("tls ca-file"): name the flag or variable, and
            // keep the reason after the "invalid KEY \"VALUE\": " prefix.
            const std::string what = e.what();
            const std::string prefix = "invalid " + redial::detail::escape(e.key()) + " \"" +
                                       redial::detail::escape(e.value()) + "\": ";
            if (!e.key().starts_with("tls ca-file")) {
                throw;
            }
            usage_error("invalid " + tool.ca_file_as + " " + shown(e.value()) + ": " +
                        (what.starts_with(prefix) ? what.substr(prefix.size()) : what));
        }
        return run(io, redial::with_setup(std::move(*tls), make_handshake(tool)), o, tool);
    }
    return run(io,
               redial::with_setup(redial::tcp_transport{io.get_executor(), host, port,
                                                        redial::make_tcp_options(o)},
                                  make_handshake(tool)),
               o, tool);
}

int main(int argc, char** argv) {
    // A closed standard descriptor would be handed to the next open() (the event loop's eventfd
    // would become "stdin"): hold each with /dev/null instead.
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
            ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd) {
            return 70;
        }
    }
    // A closed stdout (`| head -1`) must not kill the tool with SIGPIPE mid-run: writes fail
    // instead, and the run ends when stdin does.
    std::signal(SIGPIPE, SIG_IGN);
    // What is not handled where it happens is reported and exits 70 (EX_SOFTWARE), never an
    // abort. Bad input that only a library check caught is still bad input: exit 2, naming it.
    try {
        return tool_main(argc, argv);
    } catch (const redial::config_error& e) {
        std::fprintf(stderr, "%s: %s\n(try --help)\n", "redial-redis", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: internal error: %s\n", "redial-redis", e.what());
    } catch (...) {
        std::fprintf(stderr, "%s: internal error\n", "redial-redis");
    }
    return 70;
}
