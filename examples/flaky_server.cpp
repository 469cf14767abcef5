// flaky-server: a loopback server that misbehaves on a schedule, for the demo and for trying
// redial-cat: it refuses connections (not listening) for --refuse, then accepts and closes each
// connection at once for --flap, then stays healthy, sending "hello N" every second to each
// client (closing each healthy connection after --healthy-for, if given), until SIGINT or
// SIGTERM.
//
//   flaky-server --port 7000 --refuse 3s --flap 5s --healthy-for 4s

#include <redial/duration.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

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

namespace {

using asio::ip::tcp;

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr,
                 "flaky-server: %s\nusage: flaky-server --port N [--refuse DUR] "
                 "[--flap DUR] [--healthy-for DUR]\n",
                 message.c_str());
    std::exit(2);
}

// A healthy client: "hello N" every second until it goes away.
void greet(const std::shared_ptr<tcp::socket>& s, const std::shared_ptr<asio::steady_timer>& t,
           int n) {
    auto line = std::make_shared<std::string>("hello " + std::to_string(n) + "\n");
    asio::async_write(*s, asio::buffer(*line), [s, t, n, line](std::error_code ec, std::size_t) {
        if (ec) {
            return;
        }
        t->expires_after(std::chrono::seconds{1});
        t->async_wait([s, t, n](std::error_code wait_ec) {
            if (!wait_ec) {
                greet(s, t, n + 1);
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
    const auto healthy_at = std::chrono::steady_clock::now() + refuse + flap;

    std::function<void()> accept = [&] {
        acceptor.async_accept([&](std::error_code ec, tcp::socket s) {
            if (ec) {
                return;
            }
            if (std::chrono::steady_clock::now() < healthy_at) {
                s.close(); // flapping: accept, then close at once
            } else {
                auto socket = std::make_shared<tcp::socket>(std::move(s));
                greet(socket, std::make_shared<asio::steady_timer>(io), 1);
                if (healthy_for.count() > 0) { // a server restart, as the client sees it
                    auto end = std::make_shared<asio::steady_timer>(io, healthy_for);
                    end->async_wait([socket, end](std::error_code) { socket->close(); });
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
