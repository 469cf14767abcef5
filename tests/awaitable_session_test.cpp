#include <redial/awaitable_session.hpp>

#include <redial/session/awaitable.hpp>

#include <asio/awaitable.hpp>
#include <gtest/gtest.h>

#include <type_traits>

namespace {

struct coroutine {
    asio::awaitable<void> operator()(int&) const { co_return; }
};

// The old header still names the session layer's adapter (tests/session/awaitable_test.cpp
// tests its behaviour).
TEST(AwaitableSessionHeader, ForwardsToTheSessionLayer) {
    const redial::awaitable_session<coroutine> s{coroutine{}};
    EXPECT_TRUE(
        (std::is_same_v<std::remove_cv_t<decltype(s)>, redial::awaitable_session<coroutine>>));
}

} // namespace
