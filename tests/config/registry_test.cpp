#include <redial/config/registry.hpp>

#include "support/config_error.hpp"
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

// The machinery both registries share, on a registry of its own: what `Kind` says, the variant
// its factories make, find, make by name and the error for an unknown one.
namespace {

struct colour_kind {
    static constexpr std::string_view key = "colour";
    static std::string_view chosen(const redial::options& o) noexcept { return o.backoff; }
};

struct red {
    int seeded{0};
    void seed(std::uint64_t s) noexcept { seeded = static_cast<int>(s); }
};
struct blue {};

struct red_entry {
    static constexpr std::string_view name = "red";
    static constexpr std::string_view description = "red";
    static constexpr std::string_view keys[] = {"seed"};
    static red make(const redial::options&) { return {}; }
};
struct purple_entry { // a factory returning a variant: its alternatives join, each once
    static constexpr std::string_view name = "purple";
    static constexpr std::string_view description = "red or blue";
    static constexpr std::string_view keys[] = {"backoff-initial"};
    static std::variant<red, blue> make(const redial::options& o) {
        return o.initial.count() > 1'000'000'000 ? std::variant<red, blue>{blue{}}
                                                 : std::variant<red, blue>{red{}};
    }
    static std::string summary(const redial::options&) { return "purple, mostly"; }
};

using colours = redial::detail::policy_registry<colour_kind, red_entry, purple_entry>;

static_assert(std::is_same_v<colours::variant_type, std::variant<red, blue>>);
static_assert(colours::find("purple") == &colours::entries[1]);
static_assert(colours::find("green") == nullptr);
// registry_for picks a registry by its kind, whatever the order, else the default.
static_assert(std::is_same_v<redial::detail::registry_for<colour_kind, void, colours>, colours>);
static_assert(std::is_same_v<redial::detail::registry_for<int, void, colours>, void>);

TEST(policy_registry, makes_by_name_and_seeds) {
    redial::options o;
    o.backoff = "red";
    o.seed = 7;
    EXPECT_EQ(std::get<red>(colours::make(o)).seeded, 7);
    EXPECT_EQ(colours::summary(o), "red");
    o.backoff = "purple";
    o.initial = std::chrono::seconds{2};
    EXPECT_TRUE(std::holds_alternative<blue>(colours::make(o)));
    EXPECT_EQ(colours::summary(o), "purple, mostly");
}

TEST(policy_registry, an_unknown_name_names_the_key_and_suggests) {
    redial::options o;
    o.backoff = "purpel";
    try {
        (void)colours::make(o);
        FAIL();
    } catch (const redial::config_error& e) {
        redial::test::expect_error(e, "colour", "purpel",
                                   "unknown value (did you mean purple?); expected one of: "
                                   "red|purple");
    }
}

} // namespace
