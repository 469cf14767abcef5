#include <redial/outbox/overflow.hpp>

#include <redial/error.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using redial::overflow_action;
namespace overflow = redial::overflow;

const redial::outbox_usage full{3, 30, 3, 100, 5};

TEST(OutboxOverflow, TheBuiltInPoliciesAnswerWhatTheirNamesSay) {
    EXPECT_EQ(overflow::reject{}.on_overflow(full), overflow_action::reject);
    EXPECT_EQ(overflow::drop_oldest{}.on_overflow(full), overflow_action::drop_oldest);
    EXPECT_EQ(overflow::drop_newest{}.on_overflow(full), overflow_action::drop_newest);
    EXPECT_EQ(overflow::disabled{}.on_overflow(full), overflow_action::reject);
    EXPECT_TRUE(redial::detail::keeps_while_down(overflow::reject{}));
    EXPECT_TRUE(redial::detail::keeps_while_down(overflow::drop_oldest{}));
    EXPECT_FALSE(redial::detail::keeps_while_down(overflow::disabled{}));
}

TEST(OutboxOverflow, EmptyPoliciesTakeNoSpace) {
    EXPECT_TRUE(std::is_empty_v<overflow::reject>);
    EXPECT_TRUE(std::is_empty_v<overflow::drop_oldest>);
    EXPECT_TRUE(std::is_empty_v<overflow::drop_newest>);
    EXPECT_TRUE(std::is_empty_v<overflow::disabled>);
}

TEST(OutboxOverflow, TheConfiguredPolicyTakesEachNameAndRefusesOthersNamingTheKey) {
    using configured = overflow::configured;
    EXPECT_EQ(configured::from_name("queue-overflow", "reject").on_overflow(full),
              overflow_action::reject);
    EXPECT_EQ(configured::from_name("queue-overflow", "drop-oldest").on_overflow(full),
              overflow_action::drop_oldest);
    EXPECT_EQ(configured::from_name("queue-overflow", "drop-newest").on_overflow(full),
              overflow_action::drop_newest);
    const configured d = configured::from_name("queue-overflow", "disabled");
    EXPECT_EQ(d.on_overflow(full), overflow_action::reject);
    EXPECT_FALSE(d.keeps_while_down());
    EXPECT_EQ(d.name(), "disabled");
    EXPECT_TRUE(configured{}.keeps_while_down());
    try {
        (void)configured::from_name("queue-overflow", "drop_oldest\n");
        FAIL() << "accepted";
    } catch (const redial::config_error& e) {
        EXPECT_EQ(e.key(), "queue-overflow");
        EXPECT_STREQ(e.what(), "invalid queue-overflow \"drop_oldest\\n\": expected reject, "
                               "drop-oldest, drop-newest or disabled");
    }
}

// A user's policy: reject while little is queued, make room for newer data past half the limit.
struct drop_oldest_when_big {
    redial::overflow_action on_overflow(const redial::outbox_usage& u) const {
        return u.bytes > u.max_bytes / 2 ? overflow_action::drop_oldest : overflow_action::reject;
    }
};
static_assert(redial::outbox_overflow<drop_oldest_when_big>);
struct misnamed {
    redial::overflow_action on_overflows(const redial::outbox_usage&) const;
};
static_assert(!redial::outbox_overflow<misnamed>);

TEST(OutboxOverflow, AUserPolicySeesTheUsage) {
    EXPECT_EQ(drop_oldest_when_big{}.on_overflow({3, 60, 3, 100, 5}), overflow_action::drop_oldest);
    EXPECT_EQ(drop_oldest_when_big{}.on_overflow({3, 30, 3, 100, 5}), overflow_action::reject);
}

} // namespace
