#include <redial/sim/scenario.hpp>

#include <redial/error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
namespace sim = redial::sim;

TEST(SimScenario, BadOptionsNameTheKeyAndValue) {
    auto expect_key = [](sim::world_options o, const std::string& key, const std::string& value) {
        try {
            sim::validate_scenario(o);
            ADD_FAILURE() << "accepted " << key;
        } catch (const redial::config_error& e) {
            EXPECT_EQ(e.key(), key);
            EXPECT_EQ(e.value(), value);
        }
    };
    sim::world_options o;
    o.clients = 0;
    expect_key(o, "sim.clients", "0");
    o = {};
    o.servers[0].schedule = {{5s, sim::server_mode::up}, {1s, sim::server_mode::down}};
    expect_key(o, "sim.servers[0].schedule[1].at", "1s");
    o = {};
    o.servers[0].accept_rate = -1;
    expect_key(o, "sim.servers[0].accept-rate", "-1");
    o = {};
    o.chaos.refuse_probability = 1.5;
    expect_key(o, "sim.chaos.refuse-probability", "1.5");
    o = {};
    o.servers[0].schedule = {{0s, sim::server_mode::reset_after, 0s}};
    expect_key(o, "sim.servers[0].schedule[0].session-life", "0s");
    o = {};
    o.connect_timeout = 0s;
    expect_key(o, "sim.connect-timeout", "0s");
    o = {};
    o.start_connected = true;
    o.servers[0].schedule = {{0s, sim::server_mode::down}};
    expect_key(o, "sim.start-connected", "true");
    o = {};
    o.chaos.max_drift = 0.9;
    expect_key(o, "sim.chaos.max-drift", "0.9");
    o = {};
    o.servers[0].hop_mean = -1ms;
    expect_key(o, "sim.servers[0].hop-mean", "-1ms");
    o = {};
    o.servers[0].hop_stddev = -2ms;
    expect_key(o, "sim.servers[0].hop-stddev", "-2ms");
    o = {};
    o.start_connected = true;
    o.servers[0].schedule = {{0s, sim::server_mode::occ}};
    expect_key(o, "sim.start-connected", "true");
    o = {};
    o.servers[0].schedule = {{0s, static_cast<sim::server_mode>(7)}};
    expect_key(o, "sim.servers[0].schedule[0].mode", "7");
}

TEST(SimScenario, DefaultsAreValidAndAValidScenarioPasses) {
    EXPECT_NO_THROW(sim::validate_scenario(sim::world_options{}));
    sim::world_options o;
    o.clients = 1000;
    o.start_connected = true;
    o.servers[0].schedule = {{0s, sim::server_mode::reset_after, 1s},
                             {10s, sim::server_mode::refusing},
                             {40s, sim::server_mode::up}};
    o.chaos.max_drift = 0.5;
    o.chaos.partition_mean_interval = 1min;
    EXPECT_NO_THROW(sim::validate_scenario(o));
}

TEST(SimScenario, ModesHaveNames) {
    EXPECT_EQ(sim::to_string(sim::server_mode::reset_after), "reset_after");
    EXPECT_EQ(sim::to_string(sim::server_mode::contended), "contended");
    EXPECT_EQ(sim::to_string(sim::server_mode::occ), "occ");
}

} // namespace
