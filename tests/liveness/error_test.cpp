#include <redial/liveness/error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <system_error>

namespace {

using namespace std::chrono_literals;

TEST(LivenessError, NoDataIsATimeout) {
    const std::error_code ec = redial::liveness_errc::no_data;
    EXPECT_STREQ(ec.category().name(), "redial.liveness");
    EXPECT_EQ(ec, std::errc::timed_out);
    EXPECT_EQ(ec.message(), "connection is silent: nothing received in time");
    EXPECT_EQ((std::error_code{7, redial::liveness_category()}.message()),
              "unknown redial.liveness error");
}

TEST(LivenessError, TheMessageSaysHowLongItWasSilent) {
    EXPECT_EQ(redial::liveness_message(3s, 0s), "no data for 3s");
    EXPECT_EQ(redial::liveness_message(20s, 10s), "no data for 20s (ping unanswered for 10s)");
    EXPECT_EQ(redial::liveness_message(1500ms, 0s), "no data for 1.5s");
    // A real timer's few microseconds late are left out of the text; below 1 ms, kept.
    EXPECT_EQ(redial::liveness_message(300053220ns, 0s), "no data for 300ms");
    EXPECT_EQ(redial::liveness_message(1000121030ns, 10001234ns),
              "no data for 1s (ping unanswered for 10ms)");
    EXPECT_EQ(redial::liveness_message(1500ns, 0s), "no data for 1.5us");
}

} // namespace
