#include <redial/session/hold.hpp>

#include <redial/reconnector.hpp>

#include <asio/io_context.hpp>
#include <asio/local/connect_pair.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include <string_view>
#include <system_error>
#include <vector>

namespace {

using asio::local::stream_protocol;

struct recorded {
    std::vector<std::error_code>* calls;
    void operator()(std::error_code ec) const { calls->push_back(ec); }
};

// Reads and discards whatever the peer sends, and ends once, with the read error, when the
// peer closes.
TEST(HoldSession, DiscardsWhatThePeerSendsAndEndsWithTheReadErrorWhenItCloses) {
    asio::io_context io;
    stream_protocol::socket ours{io};
    stream_protocol::socket peer{io};
    asio::local::connect_pair(ours, peer);
    std::vector<std::error_code> calls;
    redial::hold_session{}(ours, recorded{&calls});
    const std::string_view text(
        "more than one buffer's worth: the session reads in 128-byte pieces, so this line, "
        "which is longer than that, takes two reads before the peer's close is seen");
    asio::write(peer, asio::buffer(text));
    io.poll();
    EXPECT_TRUE(calls.empty());
    peer.close();
    io.run();
    ASSERT_EQ(calls.size(), 1U);
    EXPECT_EQ(calls[0], asio::error::eof);
}

// `redial::hold_session` is still reachable through reconnector.hpp.
TEST(HoldSession, ReconnectorHeaderStillNamesIt) {
    static_assert(sizeof(redial::hold_session) == 1);
    SUCCEED();
}

} // namespace
