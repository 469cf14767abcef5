#include <redial/config/backoff_registry.hpp>

#include <redial/config/policies.hpp>
#include <redial/config/read.hpp>

#include "support/config_error.hpp"
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

// The backoff registry: the built-in list, what is derived from it, and a policy added the way
// docs/backoff.md ("Adding a backoff policy") says: one policy header, one registry entry.
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST(backoff_registry, builtin_names_in_order) {
    std::vector<std::string_view> names;
    for (const redial::backoff_info& b : redial::backoff_policies()) {
        names.push_back(b.name);
        EXPECT_FALSE(b.description.empty()) << b.name;
        EXPECT_FALSE(b.keys.empty()) << b.name;
    }
    EXPECT_EQ(names,
              (std::vector<std::string_view>{"exponential", "decorrelated", "constant", "linear"}));
}

// configured_backoff's alternatives are what the entries' factories return, each once.
static_assert(std::is_same_v<
              redial::configured_backoff::variant_type,
              std::variant<
                  redial::exponential_backoff, redial::jittered<redial::exponential_backoff>,
                  redial::full_jittered<redial::exponential_backoff>,
                  redial::equal_jittered<redial::exponential_backoff>, redial::decorrelated_jitter,
                  redial::constant_backoff, redial::linear_backoff>>);

TEST(backoff_registry, make_seeds_every_seedable_policy) {
    redial::options o;
    o.jitter = redial::jitter_kind::full;
    o.seed = 11;
    auto a = redial::builtin_backoffs::make(o);
    auto b = redial::builtin_backoffs::make(o);
    auto& x = std::get<redial::full_jittered<redial::exponential_backoff>>(a);
    auto& y = std::get<redial::full_jittered<redial::exponential_backoff>>(b);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(x.next(), y.next());
    }
}

// --- a toy policy, added as a user would ----------------------------------------------------

// "The header": a policy like any other (next, reset, initial_delay, max_delay; noexcept copies,
// as configured_backoff's dispatch needs).
class fibonacci_backoff {
public:
    fibonacci_backoff(nanoseconds unit, nanoseconds max) : unit_(unit), max_(max) {}
    [[nodiscard]] nanoseconds next() noexcept {
        const nanoseconds d = std::min<nanoseconds>(max_, unit_ * a_);
        if (d < max_) {
            const long long c = a_ + b_;
            a_ = b_;
            b_ = c;
        }
        return d;
    }
    void reset() noexcept { a_ = 1, b_ = 1; }
    [[nodiscard]] nanoseconds initial_delay() const noexcept { return unit_; }
    [[nodiscard]] nanoseconds max_delay() const noexcept { return max_; }

private:
    nanoseconds unit_;
    nanoseconds max_;
    long long a_{1};
    long long b_{1};
};

// "The entry".
struct fibonacci_entry {
    static constexpr std::string_view name = "fibonacci";
    static constexpr std::string_view description =
        "backoff-initial times 1, 1, 2, 3, 5, ... up to backoff-max";
    static constexpr std::string_view keys[] = {"backoff-initial", "backoff-max"};
    static fibonacci_backoff make(const redial::options& o) { return {o.initial, o.max}; }
};

using my_backoffs = redial::builtin_backoffs::with<fibonacci_entry>;

TEST(backoff_registry, a_policy_added_with_one_entry) {
    // Listed where the tools list policies.
    EXPECT_EQ(my_backoffs::names.back(), "fibonacci");
    EXPECT_EQ(my_backoffs::entries.back().description,
              "backoff-initial times 1, 1, 2, 3, 5, ... up to backoff-max");
    // Selectable from configuration, checked against this registry...
    const redial::options o = redial::options_from_string<my_backoffs>(
        "backoff=fibonacci,backoff-initial=100ms,backoff-max=1s");
    // ...and made by its factory, behind the same run-time interface.
    redial::basic_configured_backoff<my_backoffs> b = redial::make_backoff<my_backoffs>(o);
    ASSERT_TRUE(std::holds_alternative<fibonacci_backoff>(b.policy()));
    std::vector<nanoseconds> delays;
    for (int i = 0; i < 7; ++i) {
        delays.push_back(b.next());
    }
    EXPECT_EQ(delays, (std::vector<nanoseconds>{100ms, 100ms, 200ms, 300ms, 500ms, 800ms, 1s}));
    EXPECT_EQ(b.max_delay(), 1s);
    EXPECT_EQ(redial::describe<my_backoffs>(o),
              "backoff fibonacci; stable after 100ms; give up after 5m");
    // The built-in registry does not know it.
    try {
        (void)redial::options_from_string("backoff=fibonacci");
        FAIL();
    } catch (const redial::config_error& e) {
        redial::test::expect_error(e, "backoff", "fibonacci", "unknown value");
    }
}

} // namespace
