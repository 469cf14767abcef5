#include <redial/time.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <type_traits>

namespace {

using namespace std::chrono_literals;

static_assert(std::is_same_v<redial::time_point::duration, std::chrono::nanoseconds>);
// steady_clock's now() converts without a cast: the driver passes it straight in.
static_assert(std::is_convertible_v<std::chrono::steady_clock::time_point, redial::time_point>);

TEST(Time, VirtualTimeStartsAtTheEpoch) {
    const redial::time_point t0{};
    EXPECT_EQ((t0 + 1500ms).time_since_epoch(), 1500ms);
}

} // namespace
