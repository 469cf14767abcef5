#include <redial/sim/probe.hpp>

#include <gtest/gtest.h>

#include <cstdint>

namespace {

namespace sim = redial::sim;

struct all_hooks {
    void on_attempt(std::uint32_t, const redial::attempt_event&) {}
    void on_connected(std::uint32_t, const redial::connected_event&) {}
    void on_connect_failed(std::uint32_t, const redial::connect_failed_event&) {}
    void on_disconnected(std::uint32_t, const redial::disconnected_event&) {}
    void on_backoff(std::uint32_t, const redial::backoff_event&) {}
    void on_give_up(std::uint32_t, const redial::give_up_event&) {}
    void on_stopped(std::uint32_t, const redial::stopped_event&) {}
    void on_ping(std::uint32_t, const redial::ping_event&) {}
    void on_liveness_timeout(std::uint32_t, const redial::liveness_timeout_event&) {}
    void on_done(std::uint32_t, const sim::done_event&) {}
    void on_resumed(std::uint32_t, const sim::resumed_event&) {}
    void prefetch(std::uint32_t) {}
};
static_assert(sim::hears_attempt<all_hooks> && sim::hears_connected<all_hooks> &&
              sim::hears_connect_failed<all_hooks> && sim::hears_disconnected<all_hooks> &&
              sim::hears_backoff<all_hooks> && sim::hears_give_up<all_hooks> &&
              sim::hears_stopped<all_hooks> && sim::hears_ping<all_hooks> &&
              sim::hears_liveness_timeout<all_hooks> && sim::hears_done<all_hooks> &&
              sim::hears_resumed<all_hooks> && sim::prefetches<all_hooks>);
static_assert(sim::detail::hooks_take_events<all_hooks>());

static_assert(!sim::hears_attempt<sim::null_probe> && !sim::hears_give_up<sim::null_probe> &&
              !sim::prefetches<sim::null_probe>);
static_assert(sim::detail::hooks_take_events<sim::null_probe>());

// An observer's hook (no client number) or a hook of another shape would never be called: the
// world refuses such a probe instead.
struct observer_shaped {
    void on_attempt(const redial::attempt_event&) {}
};
struct times_only {
    void on_connected(std::uint32_t, redial::time_point) {}
};
struct session_end_hook {
    void on_session_end(std::uint32_t, const redial::disconnected_event&) {}
};
struct observer_shaped_ping {
    void on_ping(const redial::ping_event&) {}
};
struct timeout_as_disconnect {
    void on_liveness_timeout(std::uint32_t, const redial::disconnected_event&) {}
};
static_assert(!sim::detail::hooks_take_events<observer_shaped_ping>());
static_assert(!sim::detail::hooks_take_events<timeout_as_disconnect>());
static_assert(!sim::hears_attempt<observer_shaped>);
static_assert(!sim::detail::hooks_take_events<observer_shaped>());
static_assert(!sim::detail::hooks_take_events<times_only>());
static_assert(!sim::detail::hooks_take_events<session_end_hook>());

// A generic hook is heard for every event it accepts.
struct generic {
    void on_backoff(std::uint32_t, const auto&) {}
};
static_assert(sim::hears_backoff<generic> && sim::detail::hooks_take_events<generic>());

TEST(SimProbe, PrefetchTouchesNothingItCouldChange) {
    int x = 7;
    sim::detail::prefetch(&x);
    EXPECT_EQ(x, 7);
}

} // namespace
