#include <redial/config.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <system_error>

// The umbrella header: everything the documentation's example uses.
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

// The example in docs/configuration.md.
TEST(config_docs, example) {
    // Environment first (REDIAL_*), then command-line flags on top.
    redial::options o = redial::options_from_env({"REDIAL_PRESET=moonpool-local", "HOME=/root"});
    redial::apply_option(o, "--max-attempts", "3");
    redial::validate(o);

    redial::basic_reconnect_machine<redial::configured_backoff, redial::configured_stability>
        machine{redial::make_backoff(o), redial::make_stability(o),
                redial::make_machine_options(o)};

    const redial::time_point t0{};
    const auto refused = std::make_error_code(std::errc::connection_refused);
    EXPECT_EQ(machine.start(t0), redial::decision::connect());
    EXPECT_EQ(machine.on_connect_failed(t0, refused), redial::decision::wait(10ms));
    EXPECT_EQ(machine.on_wait_done(t0 + 10ms), redial::decision::connect());
    EXPECT_EQ(machine.on_connect_failed(t0 + 10ms, refused), redial::decision::wait(20ms));
    EXPECT_EQ(machine.on_wait_done(t0 + 30ms), redial::decision::connect());
    EXPECT_EQ(machine.on_connect_failed(t0 + 30ms, refused), redial::decision::give_up());
    EXPECT_EQ(machine.give_up_message(),
              "reconnect gave up after 3 attempts: " + refused.message());
}
} // namespace
