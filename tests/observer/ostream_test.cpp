#include <redial/observer/ostream.hpp>

#include "support/observed_run.hpp"

#include <asio/error.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <ios>
#include <sstream>
#include <streambuf>
#include <string>
#include <system_error>
#include <vector>

namespace {

const std::string refused = std::make_error_code(std::errc::connection_refused).message();
const std::string eof = asio::error::make_error_code(asio::error::eof).message();

TEST(OstreamObserver, TextLines) {
    std::ostringstream out;
    (void)redial::test::observed_run(redial::ostream_observer{out});
    EXPECT_EQ(out.str(), "[0.000s] started stable_after=1s stable_after_from=backoff-initial "
                         "give_up_after=5m\n"
                         "[0.000s] attempt attempt=1\n"
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
              "{\"event\":\"started\",\"t\":0.000,\"stable_after\":1.000,"
              "\"stable_after_from\":\"backoff-initial\",\"give_up_after\":300.000}\n"
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

// The start line says which threshold is in use and where it came from.
TEST(OstreamObserver, TheStartLineShowsTheThresholdAndTheGiveUpRules) {
    using namespace std::chrono_literals;
    std::ostringstream out;
    redial::ostream_observer o{out, redial::log_format::text, redial::time_point{}};
    o.on_started(redial::started_event{250ms, 2s, false, 0s, 7, redial::time_point{}});
    o.on_started(redial::started_event{0s, 0s, false, 1min, 0, redial::time_point{}});
    EXPECT_EQ(out.str(), "[0.000s] started stable_after=2s stable_after_from=given "
                         "give_up_after=never max_attempts=7\n"
                         "[0.000s] started give_up_after=1m\n");
}

TEST(OstreamObserver, JsonEscapesTheErrorText) {
    std::ostringstream out;
    redial::ostream_observer o{out, redial::log_format::json, redial::time_point{}};
    o.on_give_up(redial::give_up_event{"a \"quoted\"\\path\nnext\x01", redial::time_point{}});
    EXPECT_EQ(out.str(),
              "{\"event\":\"give_up\",\"t\":0.000,\"error\":\"a \\\"quoted\\\"\\\\path\\n"
              "next\\u0001\"}\n");
}

// Records every call that writes to the stream's buffer: xsputn (a block) and overflow (one
// character, or a flush of a full buffer). With no put area, every character goes through one
// of them, so the calls are exactly the writes the observer makes.
class write_counter : public std::streambuf {
public:
    std::vector<std::string> writes; // one entry per call
    int syncs = 0;

protected:
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        writes.emplace_back(s, static_cast<std::size_t>(n));
        return n;
    }
    int_type overflow(int_type c) override {
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            writes.emplace_back(1, traits_type::to_char_type(c));
        }
        return traits_type::not_eof(c);
    }
    int sync() override {
        ++syncs;
        return 0;
    }
};

TEST(OstreamObserver, OneWritePerLineOnAnUnbufferedStream) {
    for (const auto format : {redial::log_format::text, redial::log_format::json}) {
        write_counter buf;
        std::ostream out{&buf};
        out.setf(std::ios::unitbuf); // as std::cerr
        (void)redial::test::observed_run(redial::ostream_observer{out, format});
        std::ostringstream want;
        (void)redial::test::observed_run(redial::ostream_observer{want, format});
        std::string lines;
        for (const std::string& w : buf.writes) {
            ASSERT_FALSE(w.empty());
            EXPECT_EQ(w.find('\n'), w.size() - 1) << "not exactly one whole line: " << w;
            lines += w;
        }
        EXPECT_EQ(buf.writes.size(), 10U); // the run's nine events
        EXPECT_EQ(lines, want.str());
        EXPECT_GE(buf.syncs, 9); // flushed after every line
    }
}

TEST(OstreamObserver, LongLinesAreStillOneWrite) {
    write_counter buf;
    std::ostream out{&buf};
    redial::ostream_observer o{out, redial::log_format::text, redial::time_point{}};
    const std::string long_error(1000, 'x');
    o.on_give_up(redial::give_up_event{long_error, redial::time_point{}});
    o.on_give_up(redial::give_up_event{std::string(255, 'y') + "\n", redial::time_point{}});
    ASSERT_EQ(buf.writes.size(), 2U);
    EXPECT_EQ(buf.writes[0], "[0.000s] give_up error=\"" + long_error + "\"\n");
    EXPECT_EQ(buf.writes[1], "[0.000s] give_up error=\"" + std::string(255, 'y') + "\\n\"\n");
}

TEST(OstreamObserver, FailureTextIsQuotedInTextMode) {
    std::ostringstream out;
    redial::ostream_observer o{out, redial::log_format::text, redial::time_point{}};
    const redial::failure f{std::error_code{}, "certificate verify failed: \"self-signed\"\t"};
    o.on_connect_failed(
        redial::connect_failed_event{f, 3, redial::time_point{} + std::chrono::milliseconds{1500}});
    EXPECT_EQ(out.str(), "[1.500s] connect_failed attempt=3 "
                         "error=\"certificate verify failed: \\\"self-signed\\\"\\t\"\n");
}

} // namespace
