#include <redial/aliases.hpp>

#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <system_error>
#include <type_traits>

namespace {

using namespace std::chrono_literals;

static_assert(
    std::is_same_v<redial::tcp_reconnector<>,
                   redial::basic_reconnector<redial::tcp_transport, redial::steady_clock,
                                             redial::exponential_backoff, redial::uptime_threshold,
                                             redial::null_observer>>);
static_assert(std::is_same_v<redial::unix_reconnector<>::connection_type,
                             asio::local::stream_protocol::socket>);

TEST(Aliases, TheSimulationAliasRunsTheSeedsScenario) {
    asio::io_context io;
    redial::virtual_clock clock{io};
    redial::sim_reconnector<> r{io.get_executor(),
                                redial::scripted_transport<redial::virtual_clock>{
                                    clock, io.get_executor(),
                                    [](std::size_t) { return redial::scripted_step::accept(0s); }},
                                clock};
    std::optional<std::error_code> result;
    r.async_run(redial::hold_session{}, [&](std::error_code ec) { result = ec; });
    while (!result && clock.run_next()) {
    }
    EXPECT_EQ(result, redial::reconnect_errc::timed_out);
    EXPECT_EQ(clock.now(), redial::time_point{} + 301s);
}

} // namespace
