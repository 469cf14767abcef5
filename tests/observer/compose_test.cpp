#include <redial/observer/compose.hpp>

#include <redial/observer/callback.hpp>
#include <redial/observer/counters.hpp>

#include "support/observed_run.hpp"

#include <gtest/gtest.h>

namespace {

TEST(CompositeObserver, EveryMemberSeesEveryEventInOrder) {
    int seen = 0;
    auto c = redial::test::observed_run(
        redial::compose(redial::counters_observer{},
                        redial::callback_observer{[&](const redial::attempt_event&) { ++seen; }}));
    EXPECT_EQ(c.get<0>().attempts, 3u);
    EXPECT_EQ(seen, 3);
}

} // namespace
