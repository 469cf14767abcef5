#include <redial/transport/concept.hpp>

#include <redial/clock/steady_clock.hpp>
#include <redial/clock/virtual_clock.hpp>
#include <redial/transport/scripted.hpp>

#include <gtest/gtest.h>

#include <system_error>

namespace {

static_assert(redial::transport<redial::scripted_transport<redial::virtual_clock>>);
static_assert(redial::transport<redial::scripted_transport<redial::steady_clock>>);

struct no_cancel_transport {
    struct connection {
        void close() {}
    };
    template <class H>
    void async_connect(H&&) {}
};
static_assert(!redial::transport<no_cancel_transport>);

struct no_close_transport {
    struct connection {};
    template <class H>
    void async_connect(H&&) {}
    void cancel() {}
};
static_assert(!redial::transport<no_close_transport>);

TEST(TransportConcept, ScriptedQualifiesAndIncompleteOnesDoNot) {
    SUCCEED();
}

} // namespace
