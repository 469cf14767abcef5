#include <redial/backoff/constant.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;

TEST(ConstantBackoff, AlwaysTheSameDelay) {
    redial::constant_backoff b{2s}; // NATS' reconnect wait
    EXPECT_EQ(b.next(), 2s);
    EXPECT_EQ(b.next(), 2s);
    b.reset();
    EXPECT_EQ(b.next(), 2s);
    EXPECT_EQ(b.initial_delay(), 2s);
    EXPECT_EQ(b.max_delay(), 2s);
    EXPECT_EQ(redial::constant_backoff{}.initial_delay(), 1s);
}

TEST(ConstantBackoff, ZeroOrNegativeDelayIsRefused) {
    try {
        redial::constant_backoff b{0s};
        FAIL();
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "constant_backoff delay");
        EXPECT_EQ(e.value(), "0s");
        EXPECT_STREQ(e.what(), "invalid constant_backoff delay \"0s\": must be greater than zero");
    }
    EXPECT_THROW(redial::constant_backoff{-1ms}, redial::config_error);
}

} // namespace
