#ifndef REDIAL_SETUP_MACHINE_HPP
#define REDIAL_SETUP_MACHINE_HPP

#include <redial/detail/saturate.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>
#include <redial/failure.hpp>
#include <redial/time.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace redial {

/// Where one connect-and-setup attempt is.
enum class setup_phase : unsigned char {
    idle,       ///< not started
    connecting, ///< the inner transport's connect (resolve, TCP, TLS) runs
    stepping,   ///< a setup step runs on the connection
    finished,   ///< the attempt has its result; later completions are ignored
};

/// What the driver does next.
struct setup_action {
    enum class kind : unsigned char {
        none,     ///< nothing: a completion that came after the result (ignored)
        run_step, ///< run step `step` on the connection
        succeed,  ///< complete the attempt with the connection
        fail,     ///< complete the attempt with `error`, after stopping what `abort` says
    };
    enum class stop : unsigned char {
        nothing,    ///< what ran has completed already
        connect,    ///< cancel the inner transport's connect
        connection, ///< close the connection (the running step's I/O then fails)
    };
    kind what = kind::none;
    std::size_t step = 0;
    failure error{};
    stop abort = stop::nothing;
};

/// The sans-I/O core of a setup transport: the inner connect, then each step in order, under
/// one deadline that covers them all, with cancel. The driver reports completions and the
/// deadline; the machine says what to run and how the attempt ends, with a failure text that
/// names the phase ("setup: -WRONGPASS invalid username-password pair", "setup: timed out
/// after 10s ..."). The first result wins: the completions that follow it are ignored, so a
/// step finishing just after its deadline cannot turn a timeout into a success.
class setup_machine {
public:
    /// Server texts are cut here (a hostile server's megabyte error line stays out of the log).
    static constexpr std::size_t default_max_text = 512;

    /// `steps` run after the connect; `timeout` bounds the whole span.
    setup_machine(std::size_t steps, std::chrono::nanoseconds timeout,
                  std::size_t max_text = default_max_text) noexcept
        : steps_(steps), timeout_(timeout), max_text_(max_text) {}

    /// Starts an attempt at `now`: the driver starts the inner connect and arms the deadline
    /// this returns (saturated: the largest timeout never fires).
    time_point start(time_point now) noexcept {
        phase_ = setup_phase::connecting;
        step_ = 0;
        deadline_ = detail::sat_add(now, timeout_);
        return deadline_;
    }

    /// The inner connect succeeded: run the first step (or succeed, with none).
    setup_action on_connected() noexcept {
        if (phase_ != setup_phase::connecting) {
            return {};
        }
        return next();
    }

    /// The inner connect failed: its failure is the attempt's, as it is.
    setup_action on_connect_failed(failure f) {
        if (phase_ != setup_phase::connecting) {
            return {};
        }
        phase_ = setup_phase::finished;
        return {setup_action::kind::fail, 0, std::move(f), setup_action::stop::nothing};
    }

    /// The running step completed: an empty code is success. A failure keeps its code; its
    /// text (or, without one, the code's message) is escaped, cut, and prefixed with the step.
    setup_action on_step_done(failure f) {
        if (phase_ != setup_phase::stepping) {
            return {};
        }
        if (!f.code && f.text.empty()) {
            ++step_;
            return next();
        }
        phase_ = setup_phase::finished;
        if (!f.code) { // a text alone still fails: say so with a code
            f.code = std::make_error_code(std::errc::protocol_error);
        }
        f.text = prefix() + bounded(f.text.empty() ? f.code.message() : f.text);
        return {setup_action::kind::fail, step_, std::move(f), setup_action::stop::nothing};
    }

    /// The deadline passed: the attempt times out with `code` (the driver's I/O library's
    /// timed_out: asio's for setup_transport), whatever runs is stopped.
    setup_action on_deadline(std::error_code code = std::make_error_code(std::errc::timed_out)) {
        return abort(code, true);
    }

    /// cancel(): the attempt is aborted with `code` (asio's operation_aborted for
    /// setup_transport), whatever runs is stopped.
    setup_action
    on_cancel(std::error_code code = std::make_error_code(std::errc::operation_canceled)) {
        return abort(code, false);
    }

    [[nodiscard]] setup_phase phase() const noexcept { return phase_; }
    /// The step running (or that ended the attempt), from 0.
    [[nodiscard]] std::size_t step() const noexcept { return step_; }
    [[nodiscard]] std::size_t steps() const noexcept { return steps_; }
    [[nodiscard]] time_point deadline() const noexcept { return deadline_; }
    [[nodiscard]] std::chrono::nanoseconds timeout() const noexcept { return timeout_; }

private:
    setup_action next() noexcept {
        if (step_ == steps_) {
            phase_ = setup_phase::finished;
            return {setup_action::kind::succeed, step_, {}, setup_action::stop::nothing};
        }
        phase_ = setup_phase::stepping;
        return {setup_action::kind::run_step, step_, {}, setup_action::stop::nothing};
    }

    setup_action abort(std::error_code code, bool timed_out) {
        const setup_phase was = phase_;
        if (was != setup_phase::connecting && was != setup_phase::stepping) {
            return {};
        }
        phase_ = setup_phase::finished;
        failure f{code};
        if (timed_out) {
            const std::string after = "timed out after " + format_duration(timeout_);
            f.text = was == setup_phase::connecting
                         ? "connect " + after
                         : prefix() + after + " (the connect timeout covers connect and setup)";
        }
        return {setup_action::kind::fail, step_, std::move(f),
                was == setup_phase::connecting ? setup_action::stop::connect
                                               : setup_action::stop::connection};
    }

    [[nodiscard]] std::string prefix() const {
        if (steps_ == 1) {
            return "setup: ";
        }
        return "setup step " + std::to_string(step_ + 1) + " of " + std::to_string(steps_) + ": ";
    }

    // One line: escaped (a backslash doubled, so a server's literal "\x1b" is told from an
    // escaped ESC), cut at a whole character or escape once the result would pass max_text_
    // bytes, and the rest counted.
    [[nodiscard]] std::string bounded(std::string_view text) const {
        std::string out;
        std::size_t i = 0;
        while (i < text.size()) {
            const std::string_view rest = text.substr(i);
            const std::size_t n = std::max<std::size_t>(detail::utf8_sequence(rest), 1);
            const std::string_view unit = rest.substr(0, n);
            const std::string piece =
                unit == "\\" ? std::string("\\\\") : detail::escape(unit, false);
            if (out.size() + piece.size() > max_text_) {
                break;
            }
            out += piece;
            i += n;
        }
        if (i < text.size()) {
            out += "... (" + std::to_string(text.size() - i) + " more bytes)";
        }
        return out;
    }

    std::size_t steps_;
    std::chrono::nanoseconds timeout_;
    std::size_t max_text_;
    time_point deadline_{};
    std::size_t step_ = 0;
    setup_phase phase_ = setup_phase::idle;
};

} // namespace redial

#endif
