#include <redial/config/validate.hpp>

#include <redial/config/read.hpp>

#include "support/config_error.hpp"
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

// Checks across keys, for options from any source.
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

using redial::test::expect_error;

TEST(validate, options_set_in_code) {
    auto expect_invalid = [](redial::options o, std::string_view key, std::string_view value,
                             std::string_view message) {
        try {
            redial::validate(o);
            FAIL() << key;
        } catch (const redial::config_error& e) {
            expect_error(e, key, value, message);
        }
    };
    redial::options o;
    o.timeout = -1s;
    expect_invalid(o, "backoff-timeout", "-1s", "must not be negative");
    o = {};
    o.initial = -5ms;
    expect_invalid(o, "backoff-initial", "-5ms", "must be greater than zero");
    o = {};
    o.multiplier = std::nan("");
    expect_invalid(o, "backoff-multiplier", "nan", "must be at least 1");
    o = {};
    o.multiplier = std::numeric_limits<double>::infinity();
    expect_invalid(o, "backoff-multiplier", "inf", "must be at least 1");
    o = {};
    o.jitter_fraction = std::nan("");
    expect_invalid(o, "jitter-fraction", "nan", "must be between 0 and 1");
    o = {};
    o.stable_after = 0s;
    expect_invalid(o, "stable-after", "0s", "must be greater than zero");
    o = {};
    o.connect_timeout = -1s;
    expect_invalid(o, "connect-timeout", "-1s", "must be greater than zero");
}

TEST(validate, BadEnumsSetInCodeAreRefused) {
    redial::options o;
    o.jitter = static_cast<redial::jitter_kind>(42);
    try {
        redial::validate(o);
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "jitter");
        EXPECT_EQ(e.value(), "42");
    }
    o = {};
    o.stability = "9";
    EXPECT_THROW(redial::validate(o), redial::config_error);
}
TEST(validate, backoff_names_come_from_the_registry) {
    redial::options o;
    for (const redial::backoff_info& b : redial::backoff_policies()) {
        o.backoff = std::string(b.name);
        EXPECT_NO_THROW(redial::validate(o)) << b.name;
    }
    o.backoff = "fibonacci";
    try {
        redial::validate(o);
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "backoff", "fibonacci",
                     "unknown value; expected one of: exponential|decorrelated|constant|linear");
    }
}

// Jitter is exponential's key: given to a policy that does not read it, it is refused rather
// than ignored. jitter=decorrelated is the older spelling of backoff=decorrelated.
TEST(validate, jitter_only_where_the_backoff_reads_it) {
    redial::options o;
    o.backoff = "linear";
    o.jitter = redial::jitter_kind::full;
    try {
        redial::validate(o);
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "jitter", "full",
                     "does not apply to backoff=linear (it reads: backoff-initial, backoff-step, "
                     "backoff-max)");
    }
    o.backoff = "decorrelated";
    o.jitter = redial::jitter_kind::grpc;
    EXPECT_THROW(redial::validate(o), redial::config_error);
    o.jitter = redial::jitter_kind::decorrelated;
    EXPECT_NO_THROW(redial::validate(o));
    o.backoff = "constant";
    try {
        redial::validate(o);
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "jitter", "decorrelated",
                     "means backoff=decorrelated, which backoff (constant) contradicts");
    }
}

TEST(validate, backoff_step_set_in_code) {
    redial::options o;
    o.backoff = "linear";
    o.step = -1ns;
    try {
        redial::validate(o);
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "backoff-step", "-1ns", "must not be negative");
    }
    o.step = 0s; // linear with no growth: allowed, as linear_backoff allows it
    EXPECT_NO_THROW(redial::validate(o));
    o.backoff = "exponential"; // a policy that does not read it: refused, not ignored
    try {
        redial::validate(o);
        FAIL();
    } catch (const redial::config_error& e) {
        expect_error(e, "backoff-step", "0s", "does not apply to backoff=exponential");
    }
}

} // namespace
