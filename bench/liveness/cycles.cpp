// Reconnect cycles of the default reconnector (no_liveness) against a scripted server, for
// scripts/no-liveness-instructions.sh: `cycles N refused|flap|stable` runs N cycles after a
// warm-up, so two runs' instruction counts differ by exactly N cycles' worth.
#include <asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <redial/aliases.hpp>
using namespace std::chrono_literals;
using transport = redial::scripted_transport<redial::virtual_clock>;
int main(int argc, char** argv) {
    const long n = std::atol(argv[1]);
    redial::scripted_step step =
        std::strcmp(argv[2], "refused") == 0 ? redial::scripted_step::refuse()
        : std::strcmp(argv[2], "flap") == 0  ? redial::scripted_step::accept(0s)
                                             : redial::scripted_step::accept(2s);
    asio::io_context io;
    redial::virtual_clock clock{io};
    redial::sim_reconnector<> r{
        io.get_executor(),
        transport{clock, io.get_executor(), [step](std::size_t) { return step; }},
        clock,
        redial::exponential_backoff{1s, 2.0, 30s},
        redial::uptime_threshold{},
        redial::machine_options{.give_up_timeout = 0s}};
    r.async_run(redial::hold_session{}, [](std::error_code) {});
    for (long i = 0; i < 64 + n; ++i)
        clock.run_next();
    return 0;
}
