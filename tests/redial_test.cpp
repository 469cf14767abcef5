#include <redial/redial.hpp>

// Configuration parsing is opt-in: the umbrella header must not bring it in.
#ifdef REDIAL_CONFIG_HPP
#error "<redial/redial.hpp> includes <redial/config.hpp>; include it where it is used instead"
#endif

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

// The README's example, kept here so it keeps compiling and keeps saying what it says.
TEST(Readme, AcceptThenResetGivesUpAfterFiveMinutesWithTheCloseReason) {
    using namespace std::chrono_literals;
    redial::basic_reconnect_machine<redial::exponential_backoff, redial::uptime_threshold,
                                    std::string>
        m;
    redial::time_point now{};
    std::vector<std::chrono::nanoseconds> sleeps;
    for (auto d = m.start(now); d.what != redial::decision::kind::give_up;) {
        if (d.what == redial::decision::kind::wait) {
            sleeps.push_back(d.delay);
            now += d.delay;
            d = m.on_wait_done(now);
        } else {
            m.on_connected(now);
            d = m.on_session_end(now, "connection reset by peer");
        }
    }
    EXPECT_EQ(now - redial::time_point{}, 301s);
    EXPECT_EQ(sleeps.front(), 1s);
    EXPECT_EQ(sleeps.back(), 30s);
    EXPECT_EQ(m.give_up_message(), "reconnect timed out after 5m: connection reset by peer");
}

} // namespace
