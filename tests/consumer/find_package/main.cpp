// Uses redial as installed (find_package): the umbrella header, which pulls in every header
// that needs no third-party library, and a few steps of the seeds' machine, checked exactly.
#include <redial/redial.hpp>

#include <iostream>
#include <string>
#include <system_error>

// The exported target carries what clang needs for asio's co_await (see CMakeLists.txt).
#if defined(__clang__) && !defined(ASIO_HAS_CO_AWAIT)
#error "redial::redial should define ASIO_HAS_CO_AWAIT for clang"
#endif

int main() {
    using namespace std::chrono_literals;
    const std::error_code refused = std::make_error_code(std::errc::connection_refused);
    redial::reconnect_machine machine; // exponential 1s x2 30s, give up after 5 minutes
    redial::time_point now{};
    if (machine.start(now) != redial::decision::connect()) {
        return 1;
    }
    // Refused every time: 1s, 2s, 4s, ... 30s, until the 5-minute window is spent.
    std::string delays;
    for (;;) {
        const redial::decision d = machine.on_connect_failed(now, refused);
        if (d.what != redial::decision::kind::wait) {
            return 1;
        }
        delays += redial::format_duration(d.delay) + " ";
        now += d.delay;
        if (machine.on_wait_done(now) != redial::decision::connect()) {
            break;
        }
    }
    const std::string want_delays = "1s 2s 4s 8s 16s 30s 30s 30s 30s 30s 30s 30s 30s 30s ";
    const std::string want_message = "reconnect timed out after 5m: " + refused.message();
    std::cout << "delays: " << delays << "\ngave up: " << machine.give_up_message() << "\n";
    if (delays != want_delays || machine.give_up_message() != want_message ||
        machine.state() != redial::machine_state::gave_up) {
        std::cerr << "want delays: " << want_delays << "\nwant message: " << want_message << "\n";
        return 1;
    }
    return 0;
}
