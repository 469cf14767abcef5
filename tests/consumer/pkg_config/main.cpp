// Uses redial through pkg-config only: compiled as
//   c++ -std=c++20 $(pkg-config --cflags redial) main.cpp
// A machine with a linear backoff through failures, a flap and a stable session, checked
// exactly. Exit status 1 on any mismatch.
#include <redial/backoff/linear.hpp>
#include <redial/core/machine.hpp>
#include <redial/stability/uptime_threshold.hpp>

#include <iostream>
#include <string>
#include <system_error>

int main() {
    using namespace std::chrono_literals;
    const std::error_code refused = std::make_error_code(std::errc::connection_refused);
    const std::error_code reset = std::make_error_code(std::errc::connection_reset);
    // Stable means "lived at least the initial delay" (500ms) with the default stability policy.
    redial::basic_reconnect_machine<redial::linear_backoff> machine(
        redial::linear_backoff(500ms, 500ms, 2s));
    redial::time_point now{};
    std::string trace;
    const auto wait = [&](redial::decision d) {
        trace += redial::format_duration(d.delay) + " ";
        now += d.delay;
        return machine.on_wait_done(now) == redial::decision::connect();
    };
    bool ok = machine.start(now) == redial::decision::connect();
    // Two refusals: 500ms, then 1s.
    ok = ok && wait(machine.on_connect_failed(now, refused));
    ok = ok && wait(machine.on_connect_failed(now, refused));
    // Connected at 1.5s for 200ms, a flap: the backoff goes on (1.5s).
    machine.on_connected(now);
    now += 200ms;
    ok = ok && wait(machine.on_session_end(now, reset));
    ok = ok && machine.last_verdict() == redial::verdict::flap;
    // Connected at 3.2s for 10s, stable: the backoff starts over (500ms).
    machine.on_connected(now);
    now += 10s;
    ok = ok && wait(machine.on_session_end(now, reset));
    ok = ok && machine.last_verdict() == redial::verdict::stable && machine.attempts() == 1;
    const std::string want = "500ms 1s 1.5s 500ms ";
    std::cout << "trace: " << trace << "at " << redial::format_duration(now.time_since_epoch())
              << "\n";
    if (!ok || trace != want || now != redial::time_point{13'700ms}) {
        std::cerr << "want trace: " << want << "at 13.7s\n";
        return 1;
    }
    return 0;
}
