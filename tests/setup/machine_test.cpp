#include <redial/setup/machine.hpp>

#include <redial/setup/error.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <system_error>

// The setup machine alone: phases, the one deadline, the first result winning, and the texts
// a user reads in the log and the give-up message.
namespace {

using namespace std::chrono_literals;
using redial::failure;
using redial::setup_action;
using redial::setup_machine;
using redial::setup_phase;
using kind = setup_action::kind;
using stop = setup_action::stop;

const std::error_code timed_out = std::make_error_code(std::errc::timed_out);
const std::error_code aborted = std::make_error_code(std::errc::operation_canceled);
constexpr redial::time_point t0{};

TEST(SetupMachine, RunsEachStepInOrderThenSucceeds) {
    setup_machine m(3, 10s);
    EXPECT_EQ(m.phase(), setup_phase::idle);
    EXPECT_EQ(m.start(t0 + 1s), t0 + 11s);
    EXPECT_EQ(m.phase(), setup_phase::connecting);
    setup_action a = m.on_connected();
    EXPECT_EQ(a.what, kind::run_step);
    EXPECT_EQ(a.step, 0U);
    a = m.on_step_done({});
    EXPECT_EQ(a.what, kind::run_step);
    EXPECT_EQ(a.step, 1U);
    a = m.on_step_done({});
    EXPECT_EQ(a.step, 2U);
    EXPECT_EQ(m.phase(), setup_phase::stepping);
    a = m.on_step_done({});
    EXPECT_EQ(a.what, kind::succeed);
    EXPECT_EQ(m.phase(), setup_phase::finished);
}

TEST(SetupMachine, WithoutStepsTheConnectIsTheResult) {
    setup_machine m(0, 1s);
    m.start(t0);
    EXPECT_EQ(m.on_connected().what, kind::succeed);
}

TEST(SetupMachine, AConnectFailureIsTheAttemptsAsItIs) {
    setup_machine m(1, 1s);
    m.start(t0);
    const failure refused{std::make_error_code(std::errc::connection_refused)};
    const setup_action a = m.on_connect_failed(refused);
    EXPECT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.error, refused); // no text added: the code says it
    EXPECT_EQ(a.abort, stop::nothing);
}

TEST(SetupMachine, AStepFailureKeepsItsCodeAndTextPrefixedWithSetup) {
    setup_machine m(1, 1s);
    m.start(t0);
    m.on_connected();
    const setup_action a =
        m.on_step_done(failure{make_error_code(redial::setup_errc::rejected),
                               "-WRONGPASS invalid username-password pair or user is disabled."});
    EXPECT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.error.code, redial::setup_errc::rejected);
    EXPECT_EQ(a.error.text,
              "setup: -WRONGPASS invalid username-password pair or user is disabled.");
    EXPECT_EQ(a.abort, stop::nothing);
    EXPECT_EQ(m.phase(), setup_phase::finished);
}

TEST(SetupMachine, WithSeveralStepsTheTextNamesTheStep) {
    setup_machine m(3, 1s);
    m.start(t0);
    m.on_connected();
    m.on_step_done({});
    const setup_action a =
        m.on_step_done(failure{std::make_error_code(std::errc::connection_reset)});
    EXPECT_EQ(a.step, 1U);
    EXPECT_EQ(a.error.text, "setup step 2 of 3: " + a.error.code.message());
}

TEST(SetupMachine, AFailureWithTextButNoCodeStillFails) {
    setup_machine m(1, 1s);
    m.start(t0);
    m.on_connected();
    const setup_action a = m.on_step_done(failure{std::error_code{}, "no"});
    EXPECT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.error.code, std::errc::protocol_error);
    EXPECT_EQ(a.error.text, "setup: no");
}

TEST(SetupMachine, AHostileServersTextIsEscapedAndCut) {
    setup_machine m(1, 1s, 16);
    m.start(t0);
    m.on_connected();
    std::string text = "-ERR \x1b[31mred\r\n";
    text += std::string(100, 'x');
    const setup_action a =
        m.on_step_done(failure{make_error_code(redial::setup_errc::protocol), text});
    // 16 bytes of the original, escaped; the rest counted.
    // 16 bytes of escaped text at most, cut between characters; the rest counted.
    EXPECT_EQ(a.error.text, "setup: -ERR \\x1b[31mred... (102 more bytes)");
}

TEST(SetupMachine, AServersBackslashesAndUnicodeControlsCannotPassForSomethingElse) {
    setup_machine m(1, 1s, 64);
    m.start(t0);
    m.on_connected();
    // A literal "\x1b" from the server, a right-to-left override, the 8-bit CSI, 日.
    const setup_action a = m.on_step_done(
        failure{make_error_code(redial::setup_errc::protocol), "a\\x1b b\u202e c\xc2\x9b d\u65e5"});
    EXPECT_EQ(a.error.text, "setup: a\\\\x1b b\\u202e c\\u009b d\u65e5");
}

TEST(SetupMachine, TheCutNeverSplitsACharacter) {
    setup_machine m(1, 1s, 16);
    m.start(t0);
    m.on_connected();
    // 5 x 3 bytes of 日 fit in 16; the sixth would not.
    const setup_action a = m.on_step_done(failure{make_error_code(redial::setup_errc::protocol),
                                                  "\u65e5\u65e5\u65e5\u65e5\u65e5\u65e5\u65e5"});
    EXPECT_EQ(a.error.text, "setup: \u65e5\u65e5\u65e5\u65e5\u65e5... (6 more bytes)");
}

TEST(SetupMachine, TheDeadlineWhileConnectingStopsTheConnect) {
    setup_machine m(1, 10s);
    m.start(t0);
    const setup_action a = m.on_deadline();
    EXPECT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.error.code, timed_out);
    EXPECT_EQ(a.error.text, "connect timed out after 10s");
    EXPECT_EQ(a.abort, stop::connect);
    // The connect's own completion (aborted, or a success that raced) is ignored.
    EXPECT_EQ(m.on_connected().what, kind::none);
    EXPECT_EQ(m.on_connect_failed(failure{aborted}).what, kind::none);
}

TEST(SetupMachine, TheDeadlineDuringAStepClosesTheConnection) {
    setup_machine m(1, 2500ms);
    m.start(t0);
    m.on_connected();
    const setup_action a = m.on_deadline();
    EXPECT_EQ(a.error.code, timed_out);
    EXPECT_EQ(a.error.text,
              "setup: timed out after 2.5s (the connect timeout covers connect and setup)");
    EXPECT_EQ(a.abort, stop::connection);
    // The step finishing late does not turn the timeout into a success.
    EXPECT_EQ(m.on_step_done({}).what, kind::none);
    EXPECT_EQ(m.on_deadline().what, kind::none);
}

TEST(SetupMachine, CancelAbortsWhateverRuns) {
    setup_machine m(2, 1s);
    m.start(t0);
    setup_action a = m.on_cancel();
    EXPECT_EQ(a.error, failure{aborted});
    EXPECT_EQ(a.abort, stop::connect);
    m.start(t0 + 5s); // the next attempt starts afresh
    m.on_connected();
    a = m.on_cancel();
    EXPECT_EQ(a.error, failure{aborted});
    EXPECT_EQ(a.abort, stop::connection);
    EXPECT_EQ(m.on_cancel().what, kind::none); // once only
}

TEST(SetupMachine, TheDriverChoosesItsIOLibrarysCodes) {
    const std::error_code asio_like(110, std::generic_category());
    setup_machine m(1, 1s);
    m.start(t0);
    EXPECT_EQ(m.on_deadline(asio_like).error.code, asio_like);
    m.start(t0);
    EXPECT_EQ(m.on_cancel(asio_like).error.code, asio_like);
}

TEST(SetupMachine, TheLargestTimeoutSaturates) {
    setup_machine m(1, std::chrono::nanoseconds::max());
    EXPECT_EQ(m.start(t0 + 1h), redial::time_point::max());
}

TEST(SetupMachine, EventsOutOfPlaceAreIgnored) {
    setup_machine m(1, 1s);
    EXPECT_EQ(m.on_connected().what, kind::none);
    EXPECT_EQ(m.on_step_done({}).what, kind::none);
    EXPECT_EQ(m.on_deadline().what, kind::none);
    EXPECT_EQ(m.on_cancel().what, kind::none);
    m.start(t0);
    EXPECT_EQ(m.on_step_done({}).what, kind::none); // no step runs while connecting
}

} // namespace
