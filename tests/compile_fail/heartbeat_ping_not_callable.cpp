// heartbeat's ping must take the session's connection: a ping written for another type is an
// error that says so, at the reconnector that would call it.
#include <redial/clock/virtual_clock.hpp>
#include <redial/liveness/heartbeat.hpp>
#include <redial/reconnector.hpp>
#include <redial/transport/scripted.hpp>

#include <chrono>

using transport = redial::scripted_transport<redial::virtual_clock>;

void run(asio::io_context& io, redial::virtual_clock& clock) {
    using namespace std::chrono_literals;
#ifdef REDIAL_COMPILE_FAIL_FIXED
    auto ping = [](auto&) {};
#else
    auto ping = [](int&) {};
#endif
    auto r = redial::make_reconnector(
        io.get_executor(),
        transport{clock, io.get_executor(),
                  [](std::size_t) { return redial::scripted_step::accept_forever(); }},
        redial::with_clock(clock), redial::with_liveness(redial::heartbeat{2s, 1s, ping}));
    r.async_run(redial::hold_session{}, [](std::error_code) {});
}
