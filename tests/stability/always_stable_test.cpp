#include <redial/stability/always_stable.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <type_traits>

namespace {

using namespace std::chrono_literals;

static_assert(std::is_empty_v<redial::always_stable>);

TEST(AlwaysStable, EverySessionIsStableEvenAZeroLengthOne) {
    redial::always_stable p;
    EXPECT_EQ(p.judge(redial::session_end{0s, {}}), redial::verdict::stable);
    EXPECT_EQ(p.judge(redial::session_end{1h, {}}), redial::verdict::stable);
}

} // namespace
