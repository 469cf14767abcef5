#include <redial/liveness/none.hpp>

#include <gtest/gtest.h>

#include <type_traits>

namespace {

static_assert(std::is_empty_v<redial::no_liveness>);
static_assert(redial::disabled_liveness<redial::no_liveness>);
static_assert(redial::liveness_policy<redial::no_liveness>);

// What no_liveness costs a reconnector (nothing) is checked in driver_test.cpp.
TEST(NoLiveness, IsEmptyAndDisabled) {
    SUCCEED();
}

} // namespace
