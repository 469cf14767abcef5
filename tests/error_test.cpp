#include <redial/error.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

TEST(ConfigError, NamesTheKeyAndTheValue) {
    const redial::config_error e("backoff-max", "30x", "unknown unit \"x\"");
    EXPECT_EQ(e.key(), "backoff-max");
    EXPECT_EQ(e.value(), "30x");
    EXPECT_STREQ(e.what(), "invalid backoff-max \"30x\": unknown unit \"x\"");
    const std::invalid_argument& base = e; // catchable as a standard exception
    EXPECT_STREQ(base.what(), e.what());
}

} // namespace
