// flaky-server: a loopback server that misbehaves on a schedule, for the demo and for trying
// redial-cat: it refuses connections (not listening) for --refuse, then accepts and closes each
// connection at once for --flap, then stays healthy, sending "hello N" every --every (1s) to
// each client (closing each healthy connection after --healthy-for, if given), until SIGINT or
// SIGTERM. It never reads what clients send.
//
// Two ways to hang, as a stopped or wedged server does (the connection stays open, nothing
// arrives): --hang-after DUR makes each healthy connection go silent DUR after its accept (0: a
// server that accepts and never sends), and --hang-at TIME makes the whole server hang TIME
// after it started: open connections get nothing more and are never closed, new ones are
// accepted and left silent.
//
//   flaky-server --port 7000 --refuse 3s --flap 5s --healthy-for 4s
//   flaky-server --port 7000 --hang-after 0          # accepts, then silence
//   flaky-server --port 7000 --healthy-for 4s --hang-at 12s

#include <redial/duration.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

using asio::ip::tcp;

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr,
                 "flaky-server: %s\nusage: flaky-server --port N [--refuse DUR] [--flap DUR] "
                 "[--healthy-for DUR] [--every DUR] [--hang-after DUR] [--hang-at TIME]\n",
                 message.c_str());
    std::exit(2);
}

using clock = std::chrono::steady_clock;

// One healthy connection: "hello N" every `every` until it goes away, is closed after
// --healthy-for, or hangs.
struct client {
    client(tcp::socket s, asio::io_context& io) : socket(std::move(s)), timer(io), end(io) {}
    tcp::socket socket;
    asio::steady_timer timer; // the next hello
    asio::steady_timer end;   // --healthy-for
    clock::time_point hang_at = clock::time_point::max();
    int n = 1;
};

struct server_state {
    std::chrono::nanoseconds every{std::chrono::seconds{1}};
    clock::time_point hang_at = clock::time_point::max(); // --hang-at: the whole server
    // Hung connections: held open (never read, written or closed) until the server exits.
    std::vector<std::shared_ptr<client>> hung;

    [[nodiscard]] bool hanging(const client& c) const {
        const clock::time_point now = clock::now();
        return now >= hang_at || now >= c.hang_at;
    }
    void hang(const std::shared_ptr<client>& c) {
        c->timer.cancel();
        c->end.cancel();
        hung.push_back(c);
    }
};

void greet(server_state& state, const std::shared_ptr<client>& c) {
    if (state.hanging(*c)) {
        state.hang(c);
        return;
    }
    auto line = std::make_shared<std::string>("hello " + std::to_string(c->n) + "\n");
    asio::async_write(c->socket, asio::buffer(*line),
                      [&state, c, line](std::error_code ec, std::size_t) {
                          if (ec) {
                              return;
                          }
                          ++c->n;
                          // Wake at the next hello or at the hang, whichever comes first, so a
                          // hang starts on time even between two hellos.
                          const clock::time_point next = clock::now() + state.every;
                          c->timer.expires_at(std::min({next, c->hang_at, state.hang_at}));
                          c->timer.async_wait([&state, c](std::error_code wait_ec) {
                              if (!wait_ec) {
                                  greet(state, c);
                              }
                          });
                      });
}

void log(const char* what) {
    std::fprintf(stderr, "flaky-server: %s\n", what);
}

} // namespace

static int tool_main(int argc, char** argv) {
    std::optional<unsigned short> port;
    std::chrono::nanoseconds refuse{0}, flap{0}, healthy_for{0};
    std::optional<std::chrono::nanoseconds> hang_after, hang_at;
    server_state state;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string_view arg = argv[i];
            if (i + 1 >= argc) {
                usage_error(std::string(arg) + " needs a value");
            }
            const std::string_view value = argv[++i];
            if (arg == "--port") {
                unsigned short p = 0;
                auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), p);
                if (ec != std::errc{} || end != value.data() + value.size() || p == 0) {
                    usage_error("invalid --port \"" + std::string(value) +
                                "\": expected 1 to 65535");
                }
                port = p;
            } else if (arg == "--refuse") {
                refuse = redial::parse_duration(value, "--refuse");
            } else if (arg == "--flap") {
                flap = redial::parse_duration(value, "--flap");
            } else if (arg == "--healthy-for") {
                healthy_for = redial::parse_duration(value, "--healthy-for");
            } else if (arg == "--every") {
                state.every = redial::parse_duration(value, "--every");
                if (state.every.count() == 0) {
                    usage_error("invalid --every \"" + std::string(value) +
                                "\": must be greater than zero");
                }
            } else if (arg == "--hang-after") {
                hang_after = redial::parse_duration(value, "--hang-after");
            } else if (arg == "--hang-at") {
                hang_at = redial::parse_duration(value, "--hang-at");
            } else {
                usage_error("unknown flag " + std::string(arg));
            }
        }
    } catch (const std::exception& e) {
        usage_error(e.what());
    }
    if (!port) {
        usage_error("--port is required");
    }

    asio::io_context io;
    const tcp::endpoint endpoint{asio::ip::address_v4::loopback(), *port};
    tcp::acceptor acceptor{io};
    const clock::time_point started = clock::now();
    const auto healthy_at = started + refuse + flap;
    if (hang_at) {
        state.hang_at = started + *hang_at;
    }

    std::function<void()> accept = [&] {
        acceptor.async_accept([&](std::error_code ec, tcp::socket s) {
            if (ec) {
                return;
            }
            if (clock::now() < healthy_at && clock::now() < state.hang_at) {
                s.close(); // flapping: accept, then close at once
            } else {
                auto c = std::make_shared<client>(std::move(s), io);
                if (hang_after) {
                    c->hang_at = clock::now() + *hang_after;
                }
                greet(state, c);
                if (healthy_for.count() > 0 && !state.hanging(*c)) {
                    // A server restart, as the client sees it (not once the server hangs).
                    c->end.expires_after(healthy_for);
                    c->end.async_wait([&state, c](std::error_code end_ec) {
                        if (!end_ec && !state.hanging(*c)) {
                            c->socket.close();
                        }
                    });
                }
            }
            accept();
        });
    };

    asio::steady_timer phase{io};
    log("refusing connections");
    phase.expires_after(refuse);
    phase.async_wait([&](std::error_code ec) {
        if (ec) {
            return;
        }
        std::error_code bind_ec;
        acceptor.open(endpoint.protocol(), bind_ec);
        acceptor.set_option(tcp::acceptor::reuse_address(true), bind_ec);
        acceptor.bind(endpoint, bind_ec);
        if (!bind_ec) {
            acceptor.listen(asio::socket_base::max_listen_connections, bind_ec);
        }
        if (bind_ec) { // e.g. the port is taken: say so, instead of an uncaught exception
            std::fprintf(stderr, "flaky-server: cannot listen on port %u: %s\n",
                         static_cast<unsigned>(endpoint.port()), bind_ec.message().c_str());
            std::exit(1);
        }
        log(flap.count() > 0 ? "accepting, then closing at once" : "healthy");
        accept();
        if (flap.count() > 0) {
            phase.expires_after(flap);
            phase.async_wait([](std::error_code flap_ec) {
                if (!flap_ec) {
                    log("healthy");
                }
            });
        }
    });
    asio::steady_timer hang_timer{io}; // only says so: greet() and accept() check the time
    if (hang_at) {
        hang_timer.expires_at(state.hang_at);
        hang_timer.async_wait([](std::error_code ec) {
            if (!ec) {
                log("hanging: connections stay open, nothing is sent");
            }
        });
    }

    asio::signal_set signals{io, SIGINT, SIGTERM};
    signals.async_wait([&](std::error_code, int) { io.stop(); });
    io.run();
    return 0;
}

int main(int argc, char** argv) {
    // What is not handled where it happens (the standard library's own failures, bad_alloc) is
    // reported and exits 70 (EX_SOFTWARE), never an abort.
    try {
        return tool_main(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: internal error: %s\n", "flaky-server", e.what());
    } catch (...) {
        std::fprintf(stderr, "%s: internal error\n", "flaky-server");
    }
    return 70;
}
