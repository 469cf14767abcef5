// Real sockets on 127.0.0.1, with the server in a forked child process (its CPU and its file
// descriptors are its own):
//
//  1. flap: a server that accepts and closes every connection at once, for --seconds (10):
//     attempts made and the client's CPU time, beside a correct hand-written asio loop with the
//     same rule (1 s doubling to 30 s, a session under 1 s is a flap) for as long, and the
//     hot-loop bug (a loop that reconnects without sleeping) run for 1 s.
//  2. allocations and client CPU per real connect attempt (--attempts, 2,000, after 200 to
//     warm up),
//     counted at the allocator (alloc_count.hpp), for a refused connect (nothing listens) and
//     for a connect the server accepts and closes, each followed by a 100 us backoff: a
//     reconnector beside a hand-written asio loop doing the same (socket, connect timeout
//     timer, a read until the peer closes, backoff timer), both run by io.run().
//  3. fleet: --clients (10,000) reconnectors in one io_context; the server holds every
//     connection, then restarts (killed, back 500 ms later). Heap in use per reconnector beyond
//     a bare socket with a pending read (malloc's own accounting after malloc_trim), the bare
//     sockets and the reconnectors each in an io_context of their own (a reactor reuses its
//     descriptor_state entries), measured in both orders; and the time until all are back.
//
//   build/bin/redial-loopback-bench                 (the numbers in docs/performance.md)
//   build/bin/redial-loopback-bench --seconds 2 --clients 1000 --attempts 500

#include "alloc_count.hpp"

#include <redial/aliases.hpp>
#include <redial/backoff/constant.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using wall = std::chrono::steady_clock;

enum class server_mode { flap, hold };

// Forks a server on `port`: `flap` closes each connection at once, `hold` keeps them all.
pid_t fork_server(unsigned short port, server_mode mode) {
    const pid_t pid = ::fork();
    if (pid != 0) {
        return pid;
    }
    asio::io_context io;
    tcp::acceptor acceptor{io};
    const tcp::endpoint at{asio::ip::address_v4::loopback(), port};
    acceptor.open(at.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(at);
    acceptor.listen(4096);
    std::vector<std::unique_ptr<tcp::socket>> held;
    std::function<void()> accept = [&] {
        acceptor.async_accept([&](std::error_code ec, tcp::socket s) {
            if (ec) {
                return;
            }
            if (mode == server_mode::hold) {
                held.push_back(std::make_unique<tcp::socket>(std::move(s)));
            }
            accept();
        });
    };
    accept();
    io.run();
    std::_Exit(0);
}

void stop_server(pid_t pid) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
}

double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Bytes allocated: heap chunks in use and mmapped ones. uordblks alone leaves out the mmapped
// chunks, and glibc raises its mmap threshold once one is freed, so the same 128 KiB vector
// would count in a later run and not in the first one (26 bytes per client at 10,000). The
// blocks redial's per-thread cache keeps (at most 64 per size class and thread, not per
// client) are freed first, as malloc_trim returns malloc's.
std::size_t heap_in_use() {
    redial::detail::block_cache::trim();
    malloc_trim(0);
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

// Waits until the server listens (connect succeeds), without sleeping in a loop of guesses.
void wait_listening(unsigned short port) {
    asio::io_context io;
    for (int i = 0; i < 1000; ++i) {
        tcp::socket s{io};
        std::error_code ec;
        s.connect({asio::ip::address_v4::loopback(), port}, ec);
        if (!ec) {
            return;
        }
        asio::steady_timer t{io, 5ms};
        t.wait();
    }
    std::fprintf(stderr, "server did not start\n");
    std::exit(1);
}

struct counting_observer {
    std::uint64_t* attempts;
    std::uint64_t* connected;
    void on_attempt(const redial::attempt_event&) { ++*attempts; }
    void on_connected(const redial::connected_event&) { ++*connected; }
};

void flap_benchmark(unsigned short port, std::chrono::seconds seconds) {
    const pid_t server = fork_server(port, server_mode::flap);
    wait_listening(port);

    // redial, the defaults: 1 s doubling to 30 s, stable after 1 s.
    std::uint64_t attempts = 0, connected = 0;
    {
        asio::io_context io;
        redial::tcp_reconnector<redial::exponential_backoff, redial::uptime_threshold,
                                counting_observer>
            r{io.get_executor(),
              redial::tcp_transport{io.get_executor(), "127.0.0.1", std::to_string(port)},
              redial::steady_clock{},
              {},
              {},
              redial::machine_options{.give_up_timeout = 0s},
              counting_observer{&attempts, &connected}};
        r.async_run(redial::hold_session{}, [](std::error_code) {});
        const double cpu0 = cpu_seconds();
        io.run_for(seconds);
        const double cpu = cpu_seconds() - cpu0;
        std::printf("flap, redial (1s x2 to 30s):       %6.1f s  attempts %8llu  client CPU "
                    "%.3f s = %.3f%% of wall (goal < 1%%)\n",
                    static_cast<double>(seconds.count()), static_cast<unsigned long long>(attempts),
                    cpu, 100.0 * cpu / static_cast<double>(seconds.count()));
    }

    // The default rule, hand-written with plain asio: connect, read until the peer closes, judge
    // the session on its uptime (a flap below 1 s escalates, a stable one resets), sleep.
    {
        asio::io_context io;
        tcp::socket s{io};
        asio::steady_timer sleep{io};
        std::array<char, 512> buffer{};
        std::uint64_t hand_attempts = 0;
        auto delay = std::chrono::nanoseconds{1s};
        wall::time_point connected_at{};
        std::function<void()> connect;
        const auto back_off = [&] {
            sleep.expires_after(delay);
            delay = std::min<std::chrono::nanoseconds>(delay * 2, 30s);
            sleep.async_wait([&](std::error_code ec) {
                if (!ec) {
                    connect();
                }
            });
        };
        connect = [&] {
            ++hand_attempts;
            s = tcp::socket{io};
            s.async_connect({asio::ip::address_v4::loopback(), port}, [&](std::error_code ec) {
                if (ec) {
                    back_off();
                    return;
                }
                connected_at = wall::now();
                s.async_read_some(asio::buffer(buffer), [&](std::error_code, std::size_t) {
                    if (wall::now() - connected_at >= 1s) {
                        delay = 1s; // stable: reset, then sleep the initial delay
                    }
                    back_off();
                });
            });
        };
        connect();
        const double cpu0 = cpu_seconds();
        io.run_for(seconds);
        const double cpu = cpu_seconds() - cpu0;
        std::printf("flap, hand-written, the same rule: %6.1f s  attempts %8llu  client CPU "
                    "%.3f s = %.3f%% of wall\n",
                    static_cast<double>(seconds.count()),
                    static_cast<unsigned long long>(hand_attempts), cpu,
                    100.0 * cpu / static_cast<double>(seconds.count()));
    }

    // The hot-loop bug, hand-written: reconnect the moment the session ends, no sleep.
    {
        asio::io_context io;
        tcp::socket s{io};
        std::array<char, 512> buffer{};
        std::uint64_t bug_attempts = 0;
        std::function<void()> connect = [&] {
            ++bug_attempts;
            s = tcp::socket{io};
            s.async_connect({asio::ip::address_v4::loopback(), port}, [&](std::error_code ec) {
                if (ec) {
                    connect();
                    return;
                }
                s.async_read_some(asio::buffer(buffer),
                                  [&](std::error_code, std::size_t) { connect(); });
            });
        };
        connect();
        const double cpu0 = cpu_seconds();
        io.run_for(1s);
        const double cpu = cpu_seconds() - cpu0;
        std::printf("flap, the hot-loop bug (no sleep):    1.0 s  attempts %8llu  client CPU "
                    "%.3f s = %.1f%% of wall\n",
                    static_cast<unsigned long long>(bug_attempts), cpu, 100.0 * cpu);
    }
    stop_server(server);
}

// Counts allocations over `attempts` attempts after `warm` ones, and stops the io_context.
struct attempt_meter {
    asio::io_context* io;
    std::uint64_t warm;
    std::uint64_t attempts;
    std::uint64_t seen = 0;
    std::uint64_t at_start = 0;
    std::uint64_t at_end = 0;
    double cpu_start = 0;
    double cpu_end = 0;
    void on_attempt() {
        ++seen;
        if (seen == warm) {
            at_start = redial_bench::allocations();
            cpu_start = cpu_seconds();
        } else if (seen == warm + attempts) {
            at_end = redial_bench::allocations();
            cpu_end = cpu_seconds();
            io->stop();
        }
    }
    struct result {
        double allocations;
        double cpu_us; // the client's user + system CPU per attempt, syscalls included
    };
    [[nodiscard]] result per_attempt() const {
        const auto n = static_cast<double>(attempts);
        return {static_cast<double>(at_end - at_start) / n, (cpu_end - cpu_start) * 1e6 / n};
    }
};

struct meter_observer {
    attempt_meter* meter;
    void on_attempt(const redial::attempt_event&) { meter->on_attempt(); }
};

constexpr auto alloc_backoff = 100us;

attempt_meter::result redial_allocations(unsigned short port, std::uint64_t attempts) {
    asio::io_context io;
    attempt_meter meter{&io, 200, attempts};
    redial::tcp_reconnector<redial::constant_backoff, redial::uptime_threshold, meter_observer> r{
        io.get_executor(),
        redial::tcp_transport{io.get_executor(), "127.0.0.1", std::to_string(port)},
        redial::steady_clock{},
        redial::constant_backoff{alloc_backoff},
        {},
        redial::machine_options{.give_up_timeout = 0s},
        meter_observer{&meter}};
    r.async_run(redial::hold_session{}, [](std::error_code) {});
    {
        const redial_bench::alloc_trace trace; // REDIAL_ALLOC_TRACE=1: where each one comes from
        io.run();
    }
    return meter.per_attempt();
}

// The same cycle by hand, on the io_context's own executor: connect with a timeout, read until
// the peer closes, sleep, again.
attempt_meter::result hand_allocations(unsigned short port, std::uint64_t attempts) {
    asio::io_context io;
    attempt_meter meter{&io, 200, attempts};
    tcp::socket socket{io};
    asio::steady_timer timeout{io};
    asio::steady_timer backoff{io};
    std::array<char, 128> buffer{};
    const tcp::endpoint at{asio::ip::address_v4::loopback(), port};
    std::function<void()> attempt;
    const auto sleep = [&] {
        std::error_code ignored;
        socket.close(ignored);
        timeout.cancel();
        backoff.expires_after(alloc_backoff);
        backoff.async_wait([&](std::error_code ec) {
            if (!ec) {
                attempt();
            }
        });
    };
    std::function<void()> read = [&] {
        socket.async_read_some(asio::buffer(buffer), [&](std::error_code ec, std::size_t) {
            if (ec) {
                sleep();
            } else {
                read();
            }
        });
    };
    attempt = [&] {
        meter.on_attempt();
        timeout.expires_after(10s);
        timeout.async_wait([&](std::error_code ec) {
            if (!ec) {
                std::error_code ignored;
                socket.close(ignored);
            }
        });
        socket.async_connect(at, [&](std::error_code ec) {
            timeout.cancel();
            if (ec) {
                sleep();
            } else {
                read();
            }
        });
    };
    attempt();
    io.run();
    return meter.per_attempt();
}

void allocation_benchmark(unsigned short port, std::uint64_t attempts) {
    // Refused: nothing listens on `port`. Accepted: a server that closes every connection.
    std::printf("per connect attempt (%llu attempts, 100 us backoff, loopback): allocations, "
                "client CPU\n",
                static_cast<unsigned long long>(attempts));
    const auto print = [](const char* what, attempt_meter::result r) {
        std::printf("  %-26s %6.2f  %7.1f us\n", what, r.allocations, r.cpu_us);
    };
    print("refused,  redial:", redial_allocations(port, attempts));
    print("refused,  hand-written:", hand_allocations(port, attempts));
    const pid_t server = fork_server(port, server_mode::flap);
    wait_listening(port);
    print("accepted, redial:", redial_allocations(port, attempts));
    print("accepted, hand-written:", hand_allocations(port, attempts));
    stop_server(server);
}

using fleet_reconnector = redial::tcp_reconnector<redial::exponential_backoff,
                                                  redial::uptime_threshold, counting_observer>;

// Heap in use per bare socket, connected, with a pending read into a buffer of its own (the
// size hold_session uses: what a client needs), in an io_context of its own.
double bare_bytes(unsigned short port, std::size_t clients) {
    const pid_t server = fork_server(port, server_mode::hold);
    wait_listening(port);
    const tcp::endpoint at{asio::ip::address_v4::loopback(), port};
    double per_socket = 0;
    {
        asio::io_context io;
        const std::size_t heap0 = heap_in_use();
        std::vector<std::unique_ptr<tcp::socket>> sockets;
        std::vector<std::unique_ptr<std::array<char, 128>>> buffers;
        std::size_t done = 0;
        for (std::size_t i = 0; i < clients; ++i) {
            sockets.push_back(std::make_unique<tcp::socket>(io));
            buffers.push_back(std::make_unique<std::array<char, 128>>());
            sockets.back()->async_connect(
                at, [&, s = sockets.back().get(), b = buffers.back().get()](std::error_code ec) {
                    ++done;
                    if (!ec) {
                        s->async_read_some(asio::buffer(*b), [](std::error_code, std::size_t) {});
                    }
                });
        }
        while (done < clients) {
            io.run_one();
        }
        per_socket = static_cast<double>(heap_in_use() - heap0) / static_cast<double>(clients);
    }
    stop_server(server);
    return per_socket;
}

// Heap in use per connected reconnector (its session holding the connection with a pending
// read), in an io_context of its own. With `restart`, then restarts the server and prints how
// long until all are back.
double reconnector_bytes(unsigned short port, std::size_t clients, bool restart) {
    pid_t server = fork_server(port, server_mode::hold);
    wait_listening(port);
    double per_reconnector = 0;
    {
        asio::io_context io;
        std::uint64_t attempts = 0, connected = 0;
        const std::size_t heap0 = heap_in_use();
        std::vector<std::unique_ptr<fleet_reconnector>> fleet;
        fleet.reserve(clients);
        for (std::size_t i = 0; i < clients; ++i) {
            fleet.push_back(std::make_unique<fleet_reconnector>(
                io.get_executor(),
                redial::tcp_transport{io.get_executor(), "127.0.0.1", std::to_string(port)},
                redial::steady_clock{}, redial::exponential_backoff{}, redial::uptime_threshold{},
                redial::machine_options{.give_up_timeout = 0s},
                counting_observer{&attempts, &connected}));
            fleet.back()->async_run(redial::hold_session{}, [](std::error_code) {});
        }
        const auto t0 = wall::now();
        while (connected < clients) {
            io.run_one();
        }
        const double first = std::chrono::duration<double>(wall::now() - t0).count();
        per_reconnector = static_cast<double>(heap_in_use() - heap0) / static_cast<double>(clients);
        if (restart) {
            // Let every session pass the 1 s stability threshold, then restart the server.
            io.run_for(1500ms);
            stop_server(server);
            const auto down = wall::now();
            io.run_for(500ms);
            server = fork_server(port, server_mode::hold);
            const std::uint64_t before = connected;
            while (connected < before + clients) {
                io.run_one();
            }
            const double back = std::chrono::duration<double>(wall::now() - down).count();
            std::printf("  first connect of all:                     %8.3f s\n", first);
            std::printf("  server down 500 ms; all reconnected after %8.3f s (attempts in all: "
                        "%llu)\n",
                        back, static_cast<unsigned long long>(attempts));
        }
        fleet.clear();
        io.restart();
        io.poll();
    }
    stop_server(server);
    return per_reconnector;
}

void fleet_benchmark(unsigned short port, std::size_t clients) {
    std::printf("fleet: %zu clients, each side in an io_context of its own (reconnector state "
                "%zu bytes)\n",
                clients, fleet_reconnector::state_size);
    // Both orders: a figure that depended on what ran before would show here.
    const double bare1 = bare_bytes(port, clients);
    const double fleet1 = reconnector_bytes(port, clients, false);
    const double fleet2 = reconnector_bytes(port, clients, true);
    const double bare2 = bare_bytes(port, clients);
    std::printf("  heap per bare socket with a pending read: %8.0f bytes (first), %.0f (last)\n",
                bare1, bare2);
    std::printf("  heap per connected reconnector:           %8.0f bytes (second), %.0f (third)\n",
                fleet1, fleet2);
    std::printf("  beyond the socket:                        %8.0f bytes bare first, %.0f "
                "reconnectors first (goal <= 1024)\n",
                fleet1 - bare1, fleet2 - bare2);
}

// The fleet part holds `clients` sockets at once, and so does the forked server (it inherits the
// limit): raise the soft descriptor limit to the hard one, and say so when even that is too low,
// instead of stalling on EMFILE with nothing printed.
bool raise_descriptor_limit(std::size_t clients) {
    rlimit l{};
    if (::getrlimit(RLIMIT_NOFILE, &l) != 0) {
        return true; // cannot tell: try
    }
    const rlim_t need = static_cast<rlim_t>(clients) + 64; // the listener, stdio, epoll, timers
    if (l.rlim_cur == RLIM_INFINITY || l.rlim_cur >= need) {
        return true;
    }
    if (l.rlim_max != RLIM_INFINITY && l.rlim_max < need) {
        std::fprintf(stderr,
                     "redial-loopback-bench: --clients %zu needs %llu file descriptors, and the "
                     "hard limit is %llu (ulimit -Hn): raise it or lower --clients\n",
                     clients, static_cast<unsigned long long>(need),
                     static_cast<unsigned long long>(l.rlim_max));
        return false;
    }
    l.rlim_cur = need;
    return ::setrlimit(RLIMIT_NOFILE, &l) == 0;
}

} // namespace

int main(int argc, char** argv) {
    long seconds = 10;
    long clients = 10'000;
    long attempts = 2'000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        char* end = nullptr;
        const long v = std::strtol(argv[i + 1], &end, 10);
        if (*end != '\0' || v <= 0) {
            std::fprintf(stderr, "invalid %s \"%s\": expected a positive number\n", flag.c_str(),
                         argv[i + 1]);
            return 2;
        }
        if (flag == "--seconds") {
            seconds = v;
        } else if (flag == "--clients") {
            clients = v;
        } else if (flag == "--attempts") {
            attempts = v;
        } else {
            std::fprintf(stderr, "unknown flag %s (--seconds N, --clients N, --attempts N)\n",
                         flag.c_str());
            return 2;
        }
    }
    if (!raise_descriptor_limit(static_cast<std::size_t>(clients))) {
        return 2;
    }
    redial_bench::check_alloc_count();
    ::signal(SIGPIPE, SIG_IGN);
    const auto port = static_cast<unsigned short>(21000 + ::getpid() % 1000);
    flap_benchmark(port, std::chrono::seconds{seconds});
    allocation_benchmark(static_cast<unsigned short>(port + 2),
                         static_cast<std::uint64_t>(attempts));
    fleet_benchmark(static_cast<unsigned short>(port + 1), static_cast<std::size_t>(clients));
    return 0;
}
