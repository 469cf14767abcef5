#include <redial/failure.hpp>

#include <gtest/gtest.h>

#include <system_error>

namespace {

TEST(Failure, MessageIsTheTextWhenThereIsOneElseTheCodes) {
    const auto refused = std::make_error_code(std::errc::connection_refused);
    EXPECT_EQ(redial::failure{refused}.message(), refused.message());
    EXPECT_EQ((redial::failure{refused, "certificate verify failed: self-signed"}.message()),
              "certificate verify failed: self-signed");
    EXPECT_EQ(redial::failure{refused}, redial::failure{refused});
    EXPECT_NE(redial::failure{refused}, (redial::failure{refused, "x"}));
}

} // namespace
