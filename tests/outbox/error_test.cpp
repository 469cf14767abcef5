#include <redial/outbox/error.hpp>

#include <gtest/gtest.h>

#include <string>
#include <system_error>

namespace {

using redial::outbox_errc;

TEST(OutboxError, EachOutcomeHasItsOwnMessageInTheOutboxCategory) {
    const std::error_code e = outbox_errc::rejected;
    EXPECT_STREQ(e.category().name(), "redial.outbox");
    EXPECT_EQ(e.message(), "the outbox is full");
    EXPECT_EQ(std::error_code(outbox_errc::too_large).message(),
              "the message is larger than the outbox's byte limit");
    EXPECT_EQ(std::error_code(outbox_errc::dropped).message(),
              "the outbox dropped the message to stay within its limits");
    EXPECT_EQ(std::error_code(outbox_errc::expired).message(), "the message expired in the outbox");
    EXPECT_EQ(std::error_code(outbox_errc::lost).message(),
              "the connection ended in the middle of the message");
    EXPECT_EQ(std::error_code(outbox_errc::not_connected).message(),
              "not connected, and the outbox keeps nothing while down");
    EXPECT_EQ(std::error_code(outbox_errc::stopped).message(),
              "the reconnector stopped before the message was written");
    EXPECT_EQ(std::error_code(42, redial::outbox_category()).message(),
              "unknown redial.outbox error");
}

TEST(OutboxError, OnlyStoppedReadsAsACancelledOperation) {
    EXPECT_EQ(std::error_code(outbox_errc::stopped), std::errc::operation_canceled);
    EXPECT_NE(std::error_code(outbox_errc::dropped), std::errc::operation_canceled);
    EXPECT_NE(std::error_code(outbox_errc::rejected), std::errc::operation_canceled);
    EXPECT_EQ(std::error_code(outbox_errc::expired), std::error_code(outbox_errc::expired));
}

} // namespace
