// redial-cat: like nc, but the connection survives. Pipes stdin to the peer and the peer to
// stdout, reconnects with backoff when the connection drops, logs every transition to stderr
// (text or JSON lines), and exits non-zero with the give-up error when it gives up.
//
//   redial-cat localhost:7000
//   redial-cat --jitter full --backoff-max 10s --log json example.org:443
//   redial-cat --unix /run/app.sock

#include <redial/clock/steady_clock.hpp>
#include <redial/config.hpp>
#include <redial/observer/ostream.hpp>
#include <redial/reconnector.hpp>
#include <redial/transport/tcp.hpp>
#include <redial/transport/tls.hpp>
#include <redial/transport/unix.hpp>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/write.hpp>

#include <netdb.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace {

constexpr std::size_t max_pending = 1 << 20; // stdin bytes kept while disconnected

struct tool_options {
    std::string target;                   // HOST:PORT
    std::optional<std::string> unix_path; // --unix
    redial::log_format log = redial::log_format::text;
    bool tls = false;
    std::optional<std::string> ca_file;
    std::string ca_file_as; // "--ca-file" or "REDIAL_CA_FILE", for errors
};

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "redial-cat: %s\n(try --help)\n", message.c_str());
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
}

// The tool's own settings, from a flag or its REDIAL_ variable; true if `key` was one.
bool apply_tool_option(tool_options& t, std::string_view key, const std::string& value,
                       std::string_view shown_as) {
    if (key == "unix") {
        if (value.empty()) {
            usage_error("invalid " + std::string(shown_as) + " \"\": expected a socket path");
        }
        if (value.size() >= sizeof(sockaddr_un{}.sun_path)) { // asio would throw at connect
            usage_error("invalid " + std::string(shown_as) + " \"" + value +
                        "\": too long for a unix socket path (the limit is " +
                        std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes)");
        }
        t.unix_path = value;
    } else if (key == "log") {
        if (value != "text" && value != "json") {
            usage_error("invalid " + std::string(shown_as) + " \"" + value +
                        "\": expected text or json");
        }
        t.log = value == "json" ? redial::log_format::json : redial::log_format::text;
    } else if (key == "tls") {
        if (value != "true" && value != "false" && value != "1" && value != "0") {
            usage_error("invalid " + std::string(shown_as) + " \"" + value +
                        "\": expected true or false");
        }
        t.tls = value == "true" || value == "1";
    } else if (key == "ca-file") {
        if (value.empty()) {
            usage_error("invalid " + std::string(shown_as) +
                        " \"\": expected a file of trusted CAs (PEM)");
        }
        t.ca_file = value;
        t.ca_file_as = shown_as;
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

// Everything stdin produced, shared between the stdin thread's posts and the current session.
struct pipe_state {
    std::deque<std::vector<char>> pending;
    std::size_t pending_bytes = 0;
    std::size_t dropped = 0;
    bool writing = false;
};

template <class Socket>
class cat {
public:
    explicit cat(pipe_state& p) : pipe_(p) {}

    // The session: copy the peer to stdout until the connection ends; stdin flows through
    // flush() while this socket is current.
    template <class Done>
    void operator()(Socket& s, Done done) {
        socket_ = &s;
        ++generation_; // every session's socket lives at the same address: count them instead
        pipe_.writing = false;
        flush();
        read(s, std::move(done));
    }

    // New stdin data (on the io thread).
    void push(std::vector<char> chunk) {
        pipe_.pending_bytes += chunk.size();
        pipe_.pending.push_back(std::move(chunk));
        while (pipe_.pending_bytes > max_pending && pipe_.pending.size() > 1 && !pipe_.writing) {
            pipe_.pending_bytes -= pipe_.pending.front().size();
            pipe_.dropped += pipe_.pending.front().size();
            pipe_.pending.pop_front();
        }
        flush();
    }

private:
    template <class Done>
    void read(Socket& s, Done done) {
        s.async_read_some(asio::buffer(buffer_), [this, &s, done = std::move(done)](
                                                     std::error_code ec, std::size_t n) mutable {
            if (ec) {
                socket_ = nullptr;
                pipe_.writing = false;
                done(ec);
                return;
            }
            std::fwrite(buffer_.data(), 1, n, stdout);
            std::fflush(stdout);
            read(s, std::move(done));
        });
    }

    void flush() {
        if (socket_ == nullptr || pipe_.writing || pipe_.pending.empty()) {
            return;
        }
        pipe_.writing = true;
        asio::async_write(*socket_, asio::buffer(pipe_.pending.front()),
                          [this, gen = generation_](std::error_code ec, std::size_t) {
                              if (gen != generation_ || socket_ == nullptr) {
                                  return; // that session is over; the chunk is sent again
                              }
                              pipe_.writing = false;
                              if (ec) {
                                  return; // the read side ends the session with the reason
                              }
                              pipe_.pending_bytes -= pipe_.pending.front().size();
                              pipe_.pending.pop_front();
                              flush();
                          });
    }

    pipe_state& pipe_;
    Socket* socket_ = nullptr;
    std::uint64_t generation_ = 0;
    std::array<char, 16384> buffer_{};
};

template <class Transport>
int run(asio::io_context& io, Transport transport, const redial::options& o,
        const tool_options& t) {
    using reconnector =
        redial::basic_reconnector<Transport, redial::steady_clock, redial::configured_backoff,
                                  redial::configured_stability, redial::ostream_observer>;
    reconnector r{io.get_executor(),
                  std::move(transport),
                  redial::steady_clock{},
                  redial::make_backoff(o),
                  redial::make_stability(o),
                  redial::make_machine_options(o),
                  redial::ostream_observer{std::cerr, t.log, redial::steady_clock::now()}};

    pipe_state pipe;
    auto session = std::make_shared<cat<typename Transport::connection>>(pipe);

    // stdin on its own thread: a blocking read works for ttys, pipes and regular files alike.
    std::thread stdin_reader([&io, session] {
        std::vector<char> chunk(16384);
        while (true) {
            const ssize_t n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
            if (n <= 0) {
                return; // end of stdin: keep the connection and keep reconnecting
            }
            asio::post(io, [session,
                            data = std::vector<char>(chunk.begin(), chunk.begin() + n)]() mutable {
                session->push(std::move(data));
            });
        }
    });
    stdin_reader.detach(); // a blocking read cannot be interrupted portably; exit ends it

    asio::signal_set signals{io, SIGINT, SIGTERM};
    signals.async_wait([&r](std::error_code ec, int) {
        if (!ec) {
            r.stop();
        }
    });

    std::optional<std::error_code> result;
    r.async_run([session](auto& socket, auto done) { (*session)(socket, std::move(done)); },
                [&](std::error_code ec) {
                    result = ec;
                    signals.cancel();
                });
    io.run();
    if (pipe.dropped != 0) {
        std::fprintf(stderr, "redial-cat: dropped %zu bytes of stdin while disconnected\n",
                     pipe.dropped);
    }
    if (result && *result) {
        std::fprintf(stderr, "redial-cat: %s\n", r.give_up_message().c_str());
        return 1;
    }
    return 0;
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
                name == "REDIAL_CA_FILE") {
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
                usage_error("invalid option \"" + std::string(arg) +
                            "\": unknown (options are long: --KEY VALUE or --KEY=VALUE)");
            }
            if (!arg.starts_with("--")) {
                if (!tool.target.empty()) {
                    usage_error("unexpected argument \"" + std::string(arg) + "\"");
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
    const std::chrono::nanoseconds connect_timeout =
        o.connect_timeout.value_or(std::chrono::seconds{10});

    asio::io_context io;
    if (tool.unix_path) {
        return run(io, redial::unix_transport{io.get_executor(), *tool.unix_path, connect_timeout},
                   o, tool);
    }
    const std::size_t colon = tool.target.rfind(':');
    if (tool.target.empty() || colon == std::string::npos || colon == 0 ||
        colon + 1 == tool.target.size()) {
        usage_error(tool.target.empty()
                        ? std::string("missing HOST:PORT (or --unix PATH)")
                        : "invalid target \"" + tool.target + "\": expected HOST:PORT");
    }
    std::string host = tool.target.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2); // [::1]:7000
    }
    const std::string port = tool.target.substr(colon + 1);
    if (host.find_first_of("[]") != std::string::npos) {
        usage_error("invalid target \"" + tool.target + "\": expected HOST:PORT or [IPv6]:PORT");
    }
    if (!valid_port(port)) {
        usage_error("invalid target \"" + tool.target + "\": the port must be a number from 1 " +
                    "to 65535 or a service name");
    }
    if (tool.tls) {
        std::optional<redial::tls_transport> tls;
        try {
            tls.emplace(io.get_executor(), host, port,
                        redial::tls_options{.ca_file = tool.ca_file,
                                            .verify = true,
                                            .sni = std::nullopt,
                                            .connect_timeout = connect_timeout});
        } catch (const redial::config_error& e) {
            // The transport names its own key ("tls ca-file"): name the flag or variable, and
            // keep the reason after the "invalid KEY \"VALUE\": " prefix.
            const std::string what = e.what();
            const std::string prefix = "invalid " + e.key() + " \"" + e.value() + "\": ";
            usage_error("invalid " + tool.ca_file_as + " \"" + e.value() +
                        "\": " + (what.starts_with(prefix) ? what.substr(prefix.size()) : what));
        }
        return run(io, std::move(*tls), o, tool);
    }
    return run(io, redial::tcp_transport{io.get_executor(), host, port, connect_timeout}, o, tool);
}

int main(int argc, char** argv) {
    // What is not handled where it happens (the standard library's own failures, bad_alloc) is
    // reported and exits 70 (EX_SOFTWARE), never an abort.
    try {
        return tool_main(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: internal error: %s\n", "redial-cat", e.what());
    } catch (...) {
        std::fprintf(stderr, "%s: internal error\n", "redial-cat");
    }
    return 70;
}
