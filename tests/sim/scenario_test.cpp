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
    o.servers[0].schedule = {{0s, static_cast<sim::server_mode>(10)}};
    expect_key(o, "sim.servers[0].schedule[0].mode", "10");
    o = {};
    o.servers[0].schedule = {{0s, sim::server_mode::silent_after, -1s}};
    expect_key(o, "sim.servers[0].schedule[0].session-life", "-1s");
    o = {};
    o.start_connected = true;
    o.servers[0].schedule = {{0s, sim::server_mode::blackhole}};
    expect_key(o, "sim.start-connected", "true");
    o = {};
    o.servers[0].talk_every = -1s;
    expect_key(o, "sim.servers[0].talk-every", "-1s");
    o = {};
    o.servers[0].ping_rtt_jitter = -1ms;
    expect_key(o, "sim.servers[0].ping-rtt-jitter", "-1ms");
    o = {};
    o.liveness = {sim::liveness_mode::idle, 0s, 10s, 10s};
    expect_key(o, "sim.liveness.idle-timeout", "0s");
    o = {};
    o.liveness = {sim::liveness_mode::heartbeat, 20s, 10s, 0s};
    expect_key(o, "sim.liveness.ping-timeout", "0s");
    o = {};
    o.liveness.mode = static_cast<sim::liveness_mode>(3);
    expect_key(o, "sim.liveness.mode", "3");
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
    // Silent servers: accept-then-hang (a session life of zero) and a hung server at the start.
    o.servers[0].schedule = {{0s, sim::server_mode::silent_after, 0s}};
    EXPECT_NO_THROW(sim::validate_scenario(o));
    o.servers[0].schedule = {{0s, sim::server_mode::silent}, {5s, sim::server_mode::up}};
    o.liveness = {sim::liveness_mode::heartbeat, 20s, 1s, 1s};
    EXPECT_NO_THROW(sim::validate_scenario(o));
}

TEST(SimScenario, ModesHaveNames) {
    EXPECT_EQ(sim::to_string(sim::server_mode::reset_after), "reset_after");
    EXPECT_EQ(sim::to_string(sim::server_mode::contended), "contended");
    EXPECT_EQ(sim::to_string(sim::server_mode::occ), "occ");
    EXPECT_EQ(sim::to_string(sim::server_mode::silent), "silent");
    EXPECT_EQ(sim::to_string(sim::server_mode::blackhole), "blackhole");
    EXPECT_EQ(sim::to_string(sim::server_mode::silent_after), "silent_after");
    EXPECT_EQ(sim::to_string(sim::liveness_mode::heartbeat), "heartbeat");
}

} // namespace
