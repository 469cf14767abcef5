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

// observes<O, E>: the observer's own hook or the generic on_event; a misspelt hook beside a
// correct one passes observer_checked (it may be a member of the user's), but not observes.
struct with_typo {
    void on_backoff(const redial::backoff_event&) {}
    void on_attemp(const redial::attempt_event&) {}
};
struct generic {
    int events = 0;
    template <class Event>
    void on_event(const Event&) {
        ++events;
    }
};
static_assert(redial::observes<two_hooks, redial::backoff_event> &&
              !redial::observes<two_hooks, redial::attempt_event>);
static_assert(redial::observer_checked<with_typo> &&
              !redial::observes<with_typo, redial::attempt_event>);
static_assert(redial::observes<generic, redial::started_event> &&
              redial::observes<generic, redial::stopped_event>);

// A named hook wins over on_event; on_event takes the rest.
TEST(ObserverHooks, TheNamedHookWinsOverTheGenericOne) {
    struct both : generic {
        int backoffs = 0;
        void on_backoff(const redial::backoff_event&) { ++backoffs; }
    } o;
    redial::detail::notify(o, redial::backoff_event{1s, 1, redial::time_point{}});
    redial::detail::notify(o, redial::stopped_event{redial::time_point{}});
    EXPECT_EQ(o.backoffs, 1);
    EXPECT_EQ(o.events, 1);
}

} // namespace
