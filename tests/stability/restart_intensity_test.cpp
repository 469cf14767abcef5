#include <redial/stability/restart_intensity.hpp>

#include <redial/error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using redial::restart_intensity;
using redial::time_point;
using redial::verdict;
using std::chrono::nanoseconds;

constexpr time_point t0{};

verdict drop(restart_intensity& r, time_point at) {
    return r.judge(redial::session_end{0ns, at});
}

static_assert(redial::stability_policy<restart_intensity>);
static_assert(!redial::has_hold_down<restart_intensity>);
static_assert(
    noexcept(std::declval<restart_intensity&>().judge(std::declval<const redial::session_end&>())));
static_assert(noexcept(std::declval<restart_intensity&>().reset()));

TEST(RestartIntensity, DefaultsAreErlangs) {
    const restart_intensity r;
    EXPECT_EQ(r.max_drops(), 1u);
    EXPECT_EQ(r.window(), 5s);
}

TEST(RestartIntensity, DefaultSecondDropWithinFiveSecondsIsAFlap) {
    restart_intensity a;
    EXPECT_EQ(drop(a, t0), verdict::stable);
    EXPECT_EQ(drop(a, t0 + 5s - 1ns), verdict::flap);

    restart_intensity b;
    EXPECT_EQ(drop(b, t0), verdict::stable);
    EXPECT_EQ(drop(b, t0 + 5s), verdict::stable);
    EXPECT_EQ(drop(b, t0 + 10s), verdict::stable);
    EXPECT_EQ(drop(b, t0 + 15s - 1ns), verdict::flap);
}

TEST(RestartIntensity, WindowIsHalfOpen) {
    // Three drops are allowed in 10s; the fourth at 10s − 1ns after the first is one too many,
    // at exactly 10s the first no longer counts.
    for (const nanoseconds fourth : {10s - 1ns, nanoseconds{10s}}) {
        restart_intensity r{3, 10s};
        EXPECT_EQ(drop(r, t0), verdict::stable);
        EXPECT_EQ(drop(r, t0 + 1s), verdict::stable);
        EXPECT_EQ(drop(r, t0 + 2s), verdict::stable);
        EXPECT_EQ(drop(r, t0 + fourth), fourth < 10s ? verdict::flap : verdict::stable)
            << fourth.count();
    }
}

TEST(RestartIntensity, DropsInTheSameInstant) {
    restart_intensity r{4, 1ns};
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(drop(r, t0), verdict::stable) << i;
    }
    EXPECT_EQ(drop(r, t0), verdict::flap);
    EXPECT_EQ(drop(r, t0), verdict::flap);
    EXPECT_EQ(drop(r, t0 + 1ns), verdict::stable); // a 1ns window holds one instant only
}

TEST(RestartIntensity, FlapsUntilTheRateFallsBack) {
    restart_intensity r{2, 10s};
    EXPECT_EQ(drop(r, t0), verdict::stable);
    EXPECT_EQ(drop(r, t0 + 1s), verdict::stable);
    EXPECT_EQ(drop(r, t0 + 2s), verdict::flap);    // 0, 1, 2
    EXPECT_EQ(drop(r, t0 + 3s), verdict::flap);    // 0, 1, 2, 3
    EXPECT_EQ(drop(r, t0 + 12s), verdict::stable); // 3, 12 (2 is exactly 10s old: out)
    EXPECT_EQ(drop(r, t0 + 13s), verdict::stable); // 12, 13
    EXPECT_EQ(drop(r, t0 + 14s), verdict::flap);   // 12, 13, 14
}

TEST(RestartIntensity, RingWrapsOverManyDrops) {
    // Every 2s with at most 4 in 10s: from the fifth drop on, 5 drops (t, t−2, ..., t−8) fall in
    // the window. Every 2.5s: t, t−2.5, t−5, t−7.5 (t−10 is out) = 4, never a flap.
    restart_intensity fast{4, 10s};
    restart_intensity slow{4, 10s};
    for (int i = 0; i < 10'000; ++i) {
        ASSERT_EQ(drop(fast, t0 + i * 2s), i < 4 ? verdict::stable : verdict::flap) << i;
        ASSERT_EQ(drop(slow, t0 + i * 2500ms), verdict::stable) << i;
    }
}

// Counts, over the whole history, the drops d with at − d < window, at's own included.
struct reference_model {
    std::size_t max_drops;
    nanoseconds window;
    std::vector<time_point> all{};

    verdict judge(time_point at) {
        all.push_back(at);
        std::size_t n = 0; // times only grow here: stop at the first drop out of the window
        for (auto d = all.rbegin(); d != all.rend() && at - *d < window; ++d) {
            ++n;
        }
        return n > max_drops ? verdict::flap : verdict::stable;
    }
};

TEST(RestartIntensity, MatchesAReferenceModelOverRandomSpacings) {
    std::uint64_t state = 0x9e3779b97f4a7c15u;
    auto next = [&state] { // splitmix64: deterministic across platforms
        std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        return z ^ (z >> 31);
    };
    for (const std::size_t n :
         {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{64}}) {
        const nanoseconds window = 1s;
        restart_intensity r{n, window};
        reference_model model{n, window};
        time_point t = t0;
        std::size_t flaps = 0;
        std::size_t boundary_hits = 0;
        for (int i = 0; i < 3000; ++i) {
            // Gaps from 0 up to 2·window/n; now and then a drop exactly window or window − 1ns
            // after the one that would make it the (n+1)-th in the window.
            const std::uint64_t k = next() % 8;
            const auto spread = static_cast<std::uint64_t>(2 * window.count()) / n;
            nanoseconds gap{static_cast<std::int64_t>(next() % (spread + 1))};
            if (k == 0) {
                gap = 0ns;
            } else if ((k == 1 || k == 2) && model.all.size() >= n) {
                const time_point edge =
                    model.all[model.all.size() - n] + window - (k == 2 ? 1ns : 0ns);
                gap = edge > t ? edge - t : 0ns;
                boundary_hits += edge >= t ? 1 : 0;
            }
            t += gap;
            const verdict expected = model.judge(t);
            ASSERT_EQ(r.judge(redial::session_end{gap, t}), expected) << "n=" << n << " i=" << i;
            flaps += expected == verdict::flap ? 1 : 0;
        }
        EXPECT_GT(flaps, 0u) << n;
        EXPECT_LT(flaps, 3000u) << n;
        EXPECT_GT(boundary_hits, 100u) << n;
    }
}

TEST(RestartIntensity, ResetForgetsTheHistory) {
    restart_intensity r{2, 1min};
    (void)drop(r, t0);
    (void)drop(r, t0 + 1s);
    ASSERT_EQ(drop(r, t0 + 2s), verdict::flap);
    r.reset();
    EXPECT_EQ(drop(r, t0 + 3s), verdict::stable);
    EXPECT_EQ(drop(r, t0 + 4s), verdict::stable);
    EXPECT_EQ(drop(r, t0 + 5s), verdict::flap);
    EXPECT_EQ(r.max_drops(), 2u);
    EXPECT_EQ(r.window(), 1min);
}

TEST(RestartIntensity, SystemdStartLimit) {
    // StartLimitBurst=5, StartLimitIntervalSec=10s: the sixth start within 10s is refused.
    restart_intensity r{5, 10s};
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(drop(r, t0 + i * 1s), verdict::stable) << i;
    }
    EXPECT_EQ(drop(r, t0 + 9s), verdict::flap);
}

TEST(RestartIntensity, ExtremeTimesAndWindowsSaturate) {
    restart_intensity r{1, nanoseconds::max()};
    EXPECT_EQ(drop(r, time_point::min()), verdict::stable);
    // max − min overflows; saturated, it is exactly the window: out.
    EXPECT_EQ(drop(r, time_point::max()), verdict::stable);
    EXPECT_EQ(drop(r, time_point::max()), verdict::flap);

    restart_intensity big{4096, 1h};
    for (int i = 0; i < 4096; ++i) {
        ASSERT_EQ(drop(big, t0 + i * 1ms), verdict::stable) << i;
    }
    EXPECT_EQ(drop(big, t0 + 4096ms), verdict::flap);
}

TEST(RestartIntensity, AClockSteppingBackCountsAsNoTimePassing) {
    restart_intensity r{1, 5s};
    EXPECT_EQ(drop(r, t0 + 1h), verdict::stable);
    EXPECT_EQ(drop(r, t0), verdict::flap);
}

TEST(RestartIntensity, CopiesAreIndependent) {
    restart_intensity a{1, 5s};
    (void)drop(a, t0);
    restart_intensity b = a;
    EXPECT_EQ(drop(b, t0 + 1s), verdict::flap);
    a.reset();
    EXPECT_EQ(drop(a, t0 + 1s), verdict::stable);
    EXPECT_EQ(drop(b, t0 + 2s), verdict::flap);
    b = a;
    EXPECT_EQ(drop(b, t0 + 7s), verdict::stable);
}

void expect_rejected(std::size_t max_drops, nanoseconds window, const std::string& key,
                     const std::string& value) {
    try {
        const restart_intensity r{max_drops, window};
        ADD_FAILURE() << "accepted; expected a config_error for " << key << " = " << value;
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), key);
        EXPECT_EQ(e.value(), value);
        const std::string what = e.what();
        EXPECT_NE(what.find(key), std::string::npos) << what;
        EXPECT_NE(what.find("\"" + value + "\""), std::string::npos) << what;
    }
}

TEST(RestartIntensity, RejectsBadParameters) {
    expect_rejected(0, 5s, "restart_intensity max_drops", "0");
    expect_rejected(4097, 5s, "restart_intensity max_drops", "4097");
    expect_rejected(static_cast<std::size_t>(-1), 5s, "restart_intensity max_drops",
                    std::to_string(static_cast<std::size_t>(-1)));
    expect_rejected(1, 0ns, "restart_intensity window", "0s");
    expect_rejected(1, -1s, "restart_intensity window", "-1s");
    expect_rejected(1, nanoseconds::min(), "restart_intensity window",
                    redial::format_duration(nanoseconds::min()));
    EXPECT_NO_THROW(restart_intensity(4096, 1ns));
    EXPECT_NO_THROW(restart_intensity(1, nanoseconds::max()));
}

TEST(RestartIntensity, RejectionMessageIsActionable) {
    try {
        const restart_intensity r{0, 5s};
        FAIL() << "accepted";
    } catch (const redial::config_error& e) {
        EXPECT_STREQ(e.what(), "invalid restart_intensity max_drops \"0\": must be between 1 and "
                               "4096");
    }
}

} // namespace
