#include <redial/clock/concept.hpp>

#include <redial/clock/steady_clock.hpp>
#include <redial/clock/virtual_clock.hpp>

#include <gtest/gtest.h>

namespace {

static_assert(redial::clock_source<redial::steady_clock>);
static_assert(redial::clock_source<redial::virtual_clock>);

struct no_timer_clock {
    redial::time_point now() const { return {}; }
};
static_assert(!redial::clock_source<no_timer_clock>);

struct no_now_clock {
    struct timer {
        timer(const no_now_clock&, asio::any_io_executor) {}
        void expires_at(redial::time_point) {}
        template <class H>
        void async_wait(H&&) {}
        void cancel() {}
        asio::any_io_executor get_executor() { return {}; }
    };
};
static_assert(!redial::clock_source<no_now_clock>);

TEST(ClockConcept, BuiltInClocksQualifyAndIncompleteOnesDoNot) {
    SUCCEED();
}

} // namespace
