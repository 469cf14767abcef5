#include <redial/config/outbox.hpp>

#include <redial/config.hpp>
#include <redial/error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono_literals;

TEST(ConfigOutbox, TheQueueKeysMakeTheOutbox) {
    const redial::options o = redial::options_from_string(
        "queue-messages=100,queue-bytes=1MiB,queue-overflow=drop-oldest,queue-ttl=30s,"
        "queue-cut=lose");
    const auto box = redial::make_outbox(o);
    EXPECT_EQ(box.options.max_messages, 100u);
    EXPECT_EQ(box.options.max_bytes, 1u << 20);
    EXPECT_EQ(box.options.ttl, std::optional(std::chrono::nanoseconds(30s)));
    EXPECT_EQ(box.options.cut, redial::cut_message::lose);
    EXPECT_EQ(box.overflow.name(), "drop-oldest");
}

TEST(ConfigOutbox, TheDefaultsAreNatsLimitsRejectAndNoTimeToLive) {
    const auto box = redial::make_outbox(redial::options{});
    EXPECT_EQ(box.options.max_messages, 10'000u);
    EXPECT_EQ(box.options.max_bytes, 8u << 20);
    EXPECT_FALSE(box.options.ttl.has_value());
    EXPECT_EQ(box.options.cut, redial::cut_message::resend);
    EXPECT_EQ(box.overflow.name(), "reject");
}

TEST(ConfigOutbox, ByteCountsTakeBinaryUnits) {
    auto bytes = [](std::string_view v) {
        return redial::options_from_string("queue-bytes=" + std::string(v)).queue_bytes;
    };
    EXPECT_EQ(bytes("1"), 1u);
    EXPECT_EQ(bytes("64KiB"), 64u << 10);
    EXPECT_EQ(bytes("3M"), 3u << 20);
    EXPECT_EQ(bytes("2GiB"), std::size_t{2} << 30);
    EXPECT_EQ(bytes(" 5 B "), 5u);
    EXPECT_EQ(redial::detail::format_bytes(8u << 20), "8MiB");
    EXPECT_EQ(redial::detail::format_bytes(1000), "1000");
}

std::string error_of(std::string_view text) {
    try {
        (void)redial::options_from_string(text);
    } catch (const redial::config_error& e) {
        return e.what();
    }
    return "accepted";
}

TEST(ConfigOutbox, BadValuesAreRefusedNamingTheKey) {
    EXPECT_EQ(error_of("queue-messages=0"),
              "invalid queue-messages \"0\": must be at least 1 (to keep nothing while down: "
              "queue-overflow=disabled)");
    EXPECT_EQ(error_of("queue-bytes=0"),
              "invalid queue-bytes \"0\": must be at least 1 (to keep nothing while down: "
              "queue-overflow=disabled)");
    EXPECT_EQ(error_of("queue-bytes=-1"),
              "invalid queue-bytes \"-1\": not a byte count (expected a whole number, optionally "
              "with KiB, MiB or GiB, e.g. 8MiB)");
    EXPECT_EQ(error_of("queue-bytes=8MB"),
              "invalid queue-bytes \"8MB\": not a byte count (expected a whole number, optionally "
              "with KiB, MiB or GiB, e.g. 8MiB)");
    EXPECT_EQ(
        error_of("queue-bytes=99999999999999999999GiB"),
        "invalid queue-bytes \"99999999999999999999GiB\": COUNT \"99999999999999999999\": too "
        "large (the limit is 18446744073709551615)");
    EXPECT_EQ(error_of("queue-bytes=17179869184GiB"),
              "invalid queue-bytes \"17179869184GiB\": too large");
    EXPECT_EQ(error_of("queue-ttl=0s"),
              "invalid queue-ttl \"0s\": must be greater than zero (unset: no limit)");
    EXPECT_NE(error_of("queue-overflow=oldest").find("invalid queue-overflow \"oldest\""),
              std::string::npos);
    EXPECT_NE(error_of("queue-cut=maybe").find("invalid queue-cut \"maybe\""), std::string::npos);
}

} // namespace
