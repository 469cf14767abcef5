#include <redial/sim/sim_error.hpp>

#include <redial/failure.hpp>

#include <gtest/gtest.h>

#include <string>
#include <system_error>

namespace {

namespace sim = redial::sim;

TEST(SimError, MessagesAreTheGiveUpErrorsEndings) {
    EXPECT_EQ(sim::sim_error{sim::errc::refused}.message(), "connection refused");
    EXPECT_EQ(sim::sim_error{sim::errc::conflict}.message(), "conflicting write");
    EXPECT_EQ(sim::sim_error{}.message(), "no error");
    EXPECT_EQ(sim::sim_error{sim::errc::no_data}.message(), "no data received in time");
    static_assert(sizeof(sim::sim_error) == 1); // a machine per client keeps one
    static_assert(sim::sim_error{sim::errc::reset} == sim::sim_error{sim::errc::reset});
}

TEST(SimError, ErrcIsAnErrorCodeWithTheSameMessages) {
    for (int v = 0; v <= static_cast<int>(sim::errc::no_data); ++v) {
        const auto e = static_cast<sim::errc>(v);
        const std::error_code code = e; // is_error_code_enum: make_error_code by ADL
        EXPECT_EQ(code.value(), v);
        EXPECT_EQ(&code.category(), &sim::sim_category());
        EXPECT_EQ(code.message(), std::string(sim::sim_error{e}.message()));
    }
    EXPECT_STREQ(sim::sim_category().name(), "redial.sim");
    EXPECT_FALSE(std::error_code{sim::errc::none}); // none is success, like a value-0 code
    EXPECT_TRUE(std::error_code{sim::errc::timed_out});
    EXPECT_EQ(std::error_code{sim::errc::refused}, sim::errc::refused);
    EXPECT_NE(std::error_code{sim::errc::refused}, std::errc::connection_refused);
    EXPECT_EQ(sim::sim_category().message(99), "unknown");
    EXPECT_EQ(sim::sim_category().message(-1), "unknown");
}

TEST(SimError, AFailureOfItCarriesNoText) {
    const redial::failure f{make_error_code(sim::errc::reset)};
    EXPECT_TRUE(f.text.empty());
    EXPECT_EQ(f.message(), "connection reset by peer");
}

} // namespace
