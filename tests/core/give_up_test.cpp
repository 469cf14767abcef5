#include <redial/core/give_up.hpp>

#include <redial/core/machine.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <system_error>

namespace {

using namespace std::chrono_literals;

TEST(GiveUp, EachReasonHasItsCode) {
    EXPECT_FALSE(redial::give_up_error(redial::give_up_reason::none));
    EXPECT_EQ(redial::give_up_error(redial::give_up_reason::timeout),
              redial::reconnect_errc::timed_out);
    EXPECT_EQ(redial::give_up_error(redial::give_up_reason::held_down),
              redial::reconnect_errc::timed_out);
    EXPECT_EQ(redial::give_up_error(redial::give_up_reason::attempts),
              redial::reconnect_errc::attempts_exhausted);
    EXPECT_EQ(redial::give_up_error(redial::give_up_reason::terminal),
              redial::reconnect_errc::terminal_error);
}

TEST(GiveUp, TheCategoryNamesItselfAndEachCode) {
    const std::error_code ec = redial::reconnect_errc::attempts_exhausted;
    EXPECT_STREQ(ec.category().name(), "redial");
    EXPECT_EQ(ec.message(), "reconnect attempts exhausted");
    EXPECT_EQ(std::error_code(redial::reconnect_errc::timed_out).message(), "reconnect timed out");
    EXPECT_EQ(std::error_code(redial::reconnect_errc::terminal_error).message(),
              "reconnect gave up on a terminal error");
    EXPECT_EQ(std::error_code(0, redial::reconnect_category()).message(), "unknown redial error");
}

// A machine-only user gets the error_code without asio.
TEST(GiveUp, TheMachineReportsItsGiveUpAsAnErrorCode) {
    redial::reconnect_machine m(redial::exponential_backoff{1s, 2.0, 30s},
                                redial::uptime_threshold{},
                                redial::machine_options{.give_up_timeout = 0s, .max_attempts = 2});
    const redial::time_point t0{};
    EXPECT_FALSE(m.give_up_error());
    (void)m.start(t0);
    (void)m.on_connect_failed(t0, std::make_error_code(std::errc::connection_refused));
    (void)m.on_wait_done(t0 + 1s);
    const auto d =
        m.on_connect_failed(t0 + 1s, std::make_error_code(std::errc::connection_refused));
    EXPECT_EQ(d.what, redial::decision::kind::give_up);
    EXPECT_EQ(m.give_up_error(), redial::reconnect_errc::attempts_exhausted);
    m.reset();
    EXPECT_FALSE(m.give_up_error());
}

} // namespace
