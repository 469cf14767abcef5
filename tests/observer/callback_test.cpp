#include <redial/observer/callback.hpp>

#include "support/observed_run.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace {

using namespace std::chrono_literals;

template <class O>
concept has_on_backoff = redial::observes<O, redial::backoff_event>;
template <class O>
concept has_on_attempt = redial::observes<O, redial::attempt_event>;

TEST(CallbackObserver, AGenericCallableSeesEveryEvent) {
    int events = 0;
    (void)redial::test::observed_run(redial::callback_observer{[&](const auto&) { ++events; }});
    EXPECT_EQ(events, 10); // the ten lines of the ostream observer's test
}

TEST(CallbackObserver, AOneEventCallableHasOnlyThatHook) {
    std::vector<std::chrono::nanoseconds> delays;
    auto only_backoff = [&](const redial::backoff_event& e) { delays.push_back(e.delay); };
    using observer = redial::callback_observer<decltype(only_backoff)>;
    static_assert(has_on_backoff<observer>);
    static_assert(!has_on_attempt<observer>);
    (void)redial::test::observed_run(observer{only_backoff});
    EXPECT_EQ(delays, (std::vector<std::chrono::nanoseconds>{1s, 1s}));
}

} // namespace
