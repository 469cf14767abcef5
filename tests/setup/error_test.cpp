#include <redial/setup/error.hpp>

#include <gtest/gtest.h>

#include <string>
#include <system_error>

namespace {

TEST(SetupError, CodesHaveTheirOwnCategoryAndMessages) {
    const std::error_code rejected = redial::setup_errc::rejected;
    EXPECT_STREQ(rejected.category().name(), "redial.setup");
    EXPECT_EQ(rejected.message(), "the server rejected the connection setup");
    EXPECT_EQ(std::error_code(redial::setup_errc::protocol).message(),
              "the server's reply broke the protocol");
    EXPECT_EQ(std::error_code(redial::setup_errc::exception).message(),
              "a setup step threw an exception");
    EXPECT_EQ(std::error_code(99, redial::setup_category()).message(),
              "unknown redial.setup error");
    EXPECT_NE(rejected, std::error_code(redial::setup_errc::protocol));
}

TEST(SetupError, KeepsTheServersTextVerbatim) {
    const redial::setup_error e(redial::setup_errc::rejected, "-NOAUTH Authentication required.");
    EXPECT_EQ(e.code(), redial::setup_errc::rejected);
    EXPECT_EQ(e.text(), "-NOAUTH Authentication required.");
    EXPECT_NE(std::string(e.what()).find("-NOAUTH Authentication required."), std::string::npos);
    // Caught as what asio throws, too.
    try {
        throw e;
    } catch (const std::system_error& s) {
        EXPECT_EQ(s.code(), redial::setup_errc::rejected);
    }
}

} // namespace
