#include <redial/outbox/concept.hpp>

#include <gtest/gtest.h>

#include <type_traits>

namespace {

struct not_an_outbox {};

TEST(OutboxConcept, NoOutboxIsEmptyAndDisabled) {
    EXPECT_TRUE(std::is_empty_v<redial::no_outbox>);
    EXPECT_TRUE(redial::disabled_outbox<redial::no_outbox>);
    EXPECT_TRUE(redial::outbox_policy<redial::no_outbox>);
    EXPECT_FALSE(redial::outbox_policy<not_an_outbox>);
    EXPECT_FALSE(redial::send_options{}.ttl.has_value());
}

} // namespace
