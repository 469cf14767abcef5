// Uses redial built as part of this project (add_subdirectory or FetchContent): a machine with
// a custom exponential backoff and an attempt limit, driven a few steps and checked exactly.
#include <redial/backoff/exponential.hpp>
#include <redial/core/machine.hpp>

#include <iostream>
#include <string>
#include <system_error>

// The interface target carries what clang needs for asio's co_await (see CMakeLists.txt).
#if defined(__clang__) && !defined(ASIO_HAS_CO_AWAIT)
#error "redial::redial should define ASIO_HAS_CO_AWAIT for clang"
#endif

int main() {
    using namespace std::chrono_literals;
    const std::error_code refused = std::make_error_code(std::errc::connection_refused);
    redial::machine_options options;
    options.max_attempts = 4;
    redial::reconnect_machine machine(redial::exponential_backoff(100ms, 1.5, 1s), {}, options);
    redial::time_point now{};
    std::string delays;
    redial::decision d = machine.start(now);
    while (d == redial::decision::connect()) {
        d = machine.on_connect_failed(now, refused);
        if (d.what == redial::decision::kind::wait) {
            delays += redial::format_duration(d.delay) + " ";
            now += d.delay;
            d = machine.on_wait_done(now);
        }
    }
    const std::string want_delays = "100ms 150ms 225ms ";
    const std::string want_message = "reconnect gave up after 4 attempts: " + refused.message();
    std::cout << "delays: " << delays << "\ngave up: " << machine.give_up_message() << "\n";
    if (delays != want_delays || machine.give_up_message() != want_message ||
        machine.attempts() != 4 || now != redial::time_point{475ms}) {
        std::cerr << "want delays: " << want_delays << "\nwant message: " << want_message << "\n";
        return 1;
    }
    return 0;
}
