#include <redial/observer/ostream.hpp>

#include "support/observed_run.hpp"

#include <asio/error.hpp>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <system_error>

namespace {

const std::string refused = std::make_error_code(std::errc::connection_refused).message();
const std::string eof = asio::error::make_error_code(asio::error::eof).message();

TEST(OstreamObserver, TextLines) {
    std::ostringstream out;
    (void)redial::test::observed_run(redial::ostream_observer{out});
    EXPECT_EQ(out.str(), "[0.000s] attempt attempt=1\n"
                         "[0.000s] connect_failed attempt=1 error=\"" +
                             refused +
                             "\"\n"
                             "[0.000s] backoff delay=1s attempt=2\n"
                             "[1.000s] attempt attempt=2\n"
                             "[1.000s] connected attempt=2\n"
                             "[3.000s] disconnected uptime=2s verdict=stable reason=\"" +
                             eof +
                             "\"\n"
                             "[3.000s] backoff delay=1s attempt=1\n"
                             "[4.000s] attempt attempt=1\n"
                             "[10.000s] stopped\n");
}

TEST(OstreamObserver, JsonLines) {
    std::ostringstream out;
    (void)redial::test::observed_run(redial::ostream_observer{out, redial::log_format::json});
    EXPECT_EQ(out.str(),
              "{\"event\":\"attempt\",\"t\":0.000,\"attempt\":1}\n"
              "{\"event\":\"connect_failed\",\"t\":0.000,\"attempt\":1,\"error\":\"" +
                  refused +
                  "\"}\n"
                  "{\"event\":\"backoff\",\"t\":0.000,\"delay\":1.000,\"attempt\":2}\n"
                  "{\"event\":\"attempt\",\"t\":1.000,\"attempt\":2}\n"
                  "{\"event\":\"connected\",\"t\":1.000,\"attempt\":2}\n"
                  "{\"event\":\"disconnected\",\"t\":3.000,\"uptime\":2.000,\"verdict\":\"stable\","
                  "\"reason\":\"" +
                  eof +
                  "\"}\n"
                  "{\"event\":\"backoff\",\"t\":3.000,\"delay\":1.000,\"attempt\":1}\n"
                  "{\"event\":\"attempt\",\"t\":4.000,\"attempt\":1}\n"
                  "{\"event\":\"stopped\",\"t\":10.000}\n");
}

TEST(OstreamObserver, JsonEscapesTheErrorText) {
    std::ostringstream out;
    redial::ostream_observer o{out, redial::log_format::json, redial::time_point{}};
    o.on_give_up(redial::give_up_event{"a \"quoted\"\\path\nnext\x01", redial::time_point{}});
    EXPECT_EQ(out.str(),
              "{\"event\":\"give_up\",\"t\":0.000,\"error\":\"a \\\"quoted\\\"\\\\path\\n"
              "next\\u0001\"}\n");
}

} // namespace
