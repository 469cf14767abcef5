#include <redial/observer/hooks.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;

// An observer with two hooks: the others are not called and need not exist.
struct two_hooks {
    int backoffs = 0;
    int give_ups = 0;
    void on_backoff(const redial::backoff_event&) { ++backoffs; }
    void on_give_up(const redial::give_up_event&) { ++give_ups; }
};

TEST(ObserverHooks, OnlyTheHooksAnObserverHasAreCalled) {
    two_hooks o;
    const redial::failure f{};
    redial::detail::notify(o, redial::attempt_event{1, {}});
    redial::detail::notify(o, redial::connect_failed_event{f, 1, {}});
    redial::detail::notify(o, redial::backoff_event{1s, 2, {}});
    redial::detail::notify(o, redial::give_up_event{"reconnect timed out after 5m", {}});
    redial::detail::notify(o, redial::stopped_event{{}});
    EXPECT_EQ(o.backoffs, 1);
    EXPECT_EQ(o.give_ups, 1);
}

} // namespace
