// A liveness ping named right but declared wrong (no connection parameter) is an error naming
// the expected signature, not a heartbeat that silently never pings.
#include <redial/clock/virtual_clock.hpp>
#include <redial/reconnector.hpp>
#include <redial/transport/scripted.hpp>

struct my_liveness {
    redial::time_point on_connected(redial::time_point now) noexcept { return now; }
    void on_received(redial::time_point) noexcept {}
    redial::liveness_decision on_check(redial::time_point) {
        return redial::liveness_decision::dead();
    }
    [[nodiscard]] redial::time_point last_alive() const { return {}; }
#ifdef REDIAL_COMPILE_FAIL_FIXED
    template <class Connection>
    void ping(Connection&) {}
#else
    void ping() {}
#endif
};

using transport = redial::scripted_transport<redial::virtual_clock>;
using reconnector =
    redial::basic_reconnector<transport, redial::virtual_clock, redial::exponential_backoff,
                              redial::uptime_threshold, redial::null_observer,
                              redial::no_terminal_errors, my_liveness>;
constexpr std::size_t size = reconnector::state_size;
