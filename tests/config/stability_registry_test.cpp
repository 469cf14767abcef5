#include <redial/config/stability_registry.hpp>

#include <redial/config/policies.hpp>
#include <redial/config/read.hpp>

#include "support/config_error.hpp"
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

// The stability registry: the built-in list, what is derived from it, and a policy added the
// way docs/stability.md ("Adding a stability policy") says: one policy header, one entry.
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST(stability_registry, builtin_names_in_order) {
    std::vector<std::string_view> names;
    for (const redial::stability_info& s : redial::stability_policies()) {
        names.push_back(s.name);
        EXPECT_FALSE(s.description.empty()) << s.name;
    }
    EXPECT_EQ(names, (std::vector<std::string_view>{"uptime", "always", "damping", "intensity"}));
    // The keys each reads, as the key table documents them.
    const auto keys = [](std::size_t i) {
        const auto k = redial::stability_policies()[i].keys;
        return std::vector<std::string_view>(k.begin(), k.end());
    };
    EXPECT_EQ(keys(0), (std::vector<std::string_view>{"stable-after"}));
    EXPECT_TRUE(keys(1).empty());
    EXPECT_EQ(keys(2), (std::vector<std::string_view>{"damping-half-life"}));
    EXPECT_EQ(keys(3), (std::vector<std::string_view>{"intensity-drops", "intensity-window"}));
}

// configured_stability's alternatives are what the entries' factories return, in entry order.
static_assert(std::is_same_v<redial::builtin_stabilities::variant_type,
                             std::variant<redial::uptime_threshold, redial::always_stable,
                                          redial::flap_damping, redial::restart_intensity>>);

TEST(stability_registry, make_follows_the_options) {
    redial::options o;
    o.stability = "intensity";
    o.intensity_drops = 3;
    o.intensity_window = 7s;
    const auto made = redial::builtin_stabilities::make(o);
    ASSERT_TRUE(std::holds_alternative<redial::restart_intensity>(made));
    o.stability = "damping";
    o.damping_half_life = 1min;
    EXPECT_EQ(std::get<redial::flap_damping>(redial::builtin_stabilities::make(o)).max_hold_down(),
              4min);
    EXPECT_EQ(redial::builtin_stabilities::summary(o), "flap damping, half-life 1m");
}

// --- a toy policy, added as a user would ----------------------------------------------------

// "The header": a policy like any other (judge, reset; docs/stability.md's example).
class duty_cycle {
public:
    redial::verdict judge(const redial::session_end& e) noexcept {
        const nanoseconds since_last = e.at - last_end_;
        last_end_ = e.at;
        return 2 * e.uptime >= since_last ? redial::verdict::stable : redial::verdict::flap;
    }
    void reset() noexcept { last_end_ = {}; }

private:
    redial::time_point last_end_{};
};

// "The entry".
struct duty_cycle_entry {
    static constexpr std::string_view name = "duty-cycle";
    static constexpr std::string_view description =
        "a session was healthy if up at least half the time since the previous one ended";
    static constexpr std::span<const std::string_view> keys{}; // reads none
    static duty_cycle make(const redial::options&) { return {}; }
    static std::string summary(const redial::options&) { return "up at least half the time"; }
};

using my_stabilities = redial::builtin_stabilities::with<duty_cycle_entry>;

TEST(stability_registry, a_policy_added_with_one_entry) {
    // Listed where the tools list policies.
    EXPECT_EQ(my_stabilities::names.back(), "duty-cycle");
    EXPECT_EQ(my_stabilities::entries.back().description, duty_cycle_entry::description);
    // Selectable from configuration, checked against this registry...
    const redial::options o = redial::options_from_string<my_stabilities>("stability=duty-cycle");
    EXPECT_EQ(o.stability, "duty-cycle");
    // ...and made by its factory, behind the same run-time interface.
    redial::basic_configured_stability<my_stabilities> s =
        redial::make_stability<my_stabilities>(o);
    ASSERT_TRUE(std::holds_alternative<duty_cycle>(s.policy()));
    const redial::time_point t0{};
    EXPECT_EQ(s.judge({10s, t0 + 10s}), redial::verdict::stable);
    EXPECT_EQ(s.judge({1s, t0 + 20s}), redial::verdict::flap);
    EXPECT_EQ(s.hold_down(t0 + 20s), 0ns);
    EXPECT_EQ(redial::describe<my_stabilities>(o),
              "backoff 1s x2 up to 30s, no jitter; up at least half the time; give up after 5m");
    // With a backoff registry too, in either order.
    EXPECT_EQ((redial::options_from_string<redial::builtin_backoffs, my_stabilities>(
                  "backoff=linear,stability=duty-cycle")),
              (redial::options_from_string<my_stabilities, redial::builtin_backoffs>(
                  "stability=duty-cycle,backoff=linear")));
    // The built-in registry does not know it.
    try {
        (void)redial::options_from_string("stability=duty-cycle");
        FAIL();
    } catch (const redial::config_error& e) {
        redial::test::expect_error(e, "stability", "duty-cycle", "unknown value");
    }
}

} // namespace
