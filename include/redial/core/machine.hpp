#ifndef REDIAL_CORE_MACHINE_HPP
#define REDIAL_CORE_MACHINE_HPP

#include <redial/backoff/concept.hpp>
#include <redial/backoff/exponential.hpp>
#include <redial/backoff/traits.hpp>
#include <redial/core/give_up.hpp>
#include <redial/detail/check.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/duration.hpp>
#include <redial/stability/concept.hpp>
#include <redial/stability/traits.hpp>
#include <redial/stability/uptime_threshold.hpp>
#include <redial/time.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace redial {

/// Marks an error as final: the machine gives up at once instead of retrying (authentication
/// failures, a refusal the server marks final). Called on connect errors and close reasons.
template <class C, class Error>
concept error_classifier = std::copyable<C> && requires(const C& c, const Error& e) {
    { c(e) } -> std::convertible_to<bool>;
};

/// The default classifier: no error is terminal.
struct no_terminal_errors {
    template <class Error>
    constexpr bool operator()(const Error&) const noexcept {
        return false;
    }
};

/// Give-up rules and their options. Read from configuration by config.hpp.
struct machine_options {
    /// Give up at the first attempt due more than this long after the current failing streak
    /// began (rule 1). 0 = never. Default: 5 minutes.
    std::chrono::nanoseconds give_up_timeout{std::chrono::minutes{5}};
    /// Give up once this many attempts of the current streak have failed. 0 = unlimited.
    std::uint64_t max_attempts{0};
    /// Shorten a sleep to the time left before the give-up deadline, so the last attempt
    /// happens exactly at the deadline instead of up to one delay after it.
    bool clip_to_deadline{false};
};

/// What the driver must do next.
struct decision {
    enum class kind : std::uint8_t {
        connect, ///< start a connection attempt now
        wait,    ///< sleep `delay`, then report on_wait_done()
        give_up, ///< stop for good; see give_up_message()
    };
    kind what{kind::connect};
    std::chrono::nanoseconds delay{0};

    static constexpr decision connect() noexcept { return {kind::connect, {}}; }
    static constexpr decision wait(std::chrono::nanoseconds d) noexcept { return {kind::wait, d}; }
    static constexpr decision give_up() noexcept { return {kind::give_up, {}}; }

    friend constexpr bool operator==(const decision&, const decision&) = default;
};

enum class machine_state : std::uint8_t { idle, connecting, connected, waiting, gave_up };

namespace detail {
/// The exception for an event that does not fit the machine's state (a driver bug), out of line
/// so the events' hot paths need no stack frame for building the message.
[[noreturn]] [[gnu::cold]] [[gnu::noinline]] inline void throw_misplaced_event(const char* event) {
    throw std::logic_error(std::string("redial: ") + event +
                           " does not fit the machine's current state");
}

/// Text of an error for the give-up message: anything with message() (std::error_code),
/// what() (exceptions), or convertible to a string_view.
template <class Error>
std::string error_text(const Error& e) {
    if constexpr (requires { std::string(e.message()); }) {
        return std::string(e.message());
    } else if constexpr (requires { std::string(e.what()); }) {
        return std::string(e.what());
    } else {
        static_assert(std::convertible_to<const Error&, std::string_view>,
                      "redial: the Error type needs message(), what(), or a conversion to "
                      "std::string_view to be described in the give-up error");
        return std::string(std::string_view(e));
    }
}
} // namespace detail

/// The reconnect rules as a sans-I/O state machine, in the style of Boost.Redis's run_fsm.
/// Events come in with the time as an argument; each returns what to do next. It never reads a
/// clock and does no I/O, so the same machine runs under asio, a virtual clock, or a test.
///
///   start(now)                       -> connect
///   on_connect_failed(now, error)    -> wait{delay} | give_up
///   on_connected(now)                   (the session runs)
///   on_session_end(now, reason)      -> wait{delay} | give_up
///   on_session_end(now, reason, alive_until)   (judged on the uptime until alive_until)
///   on_wait_done(now)                -> connect | give_up
///   on_wake(now)                     -> connect    (while waiting: the network changed)
///
/// An event that does not fit the current state throws std::logic_error (a driver bug).
template <backoff_policy Backoff = exponential_backoff,
          stability_policy Stability = uptime_threshold, class Error = std::error_code,
          error_classifier<Error> ErrorClassifier = no_terminal_errors>
class basic_reconnect_machine {
    using backoff_hooks = backoff_traits<Backoff>;
    using stability_hooks = stability_traits<Stability>;
    // A misdeclared optional hook stops the build here, by name.
    static_assert(backoff_hooks::checked() && stability_hooks::checked());

public:
    using backoff_type = Backoff;
    using stability_type = Stability;
    using error_type = Error;

    basic_reconnect_machine()
        requires std::default_initializable<Backoff> && std::default_initializable<Stability> &&
                 std::default_initializable<ErrorClassifier>
        : basic_reconnect_machine(Backoff{}) {}

    /// Throws config_error for a negative give-up timeout, and for a non-zero one that is not
    /// longer than the stability policy's max_hold_down() (flap_damping's 60 m by default):
    /// every suppression would then give up at once, without a retry.
    explicit basic_reconnect_machine(Backoff backoff, Stability stability = Stability{},
                                     machine_options options = {},
                                     ErrorClassifier classify = ErrorClassifier{})
        : backoff_(std::move(backoff)), stability_(std::move(stability)),
          classify_(std::move(classify)), timeout_(options.give_up_timeout),
          last_attempt_(options.max_attempts - 1), // 0 (unlimited) wraps to the largest count
          clip_(options.clip_to_deadline),
          limited_((clip_ && timeout_.count() != 0) || options.max_attempts != 0) {
        detail::require_non_negative("backoff-timeout", options.give_up_timeout);
        if constexpr (stability_hooks::has_max_hold_down) {
            const std::chrono::nanoseconds most{stability_.max_hold_down()};
            const std::chrono::nanoseconds timeout = timeout_;
            if (timeout.count() != 0 && timeout <= most) {
                throw config_error("backoff-timeout", format_duration(timeout),
                                   "must be 0 (never give up) or longer than the stability "
                                   "policy's longest hold-down (max_hold_down " +
                                       format_duration(most) +
                                       "): a suppressed connection would give up at once");
            }
        }
        if constexpr (stability_hooks::adopts_initial_delay && backoff_hooks::has_initial_delay) {
            stability_.adopt_initial_delay(backoff_.initial_delay());
        }
    }

    /// The first attempt is immediate; the retry window starts now.
    decision start(time_point now) {
        expect(machine_state::idle, "start");
        open_window(now);
        attempts_ = 1;
        state_ = machine_state::connecting;
        return decision::connect();
    }

    /// A connect failed (or timed out): remember why, then back off or give up.
    decision on_connect_failed(time_point now, Error error) {
        expect(machine_state::connecting, "on_connect_failed");
        const bool terminal = static_cast<bool>(classify_(error));
        last_error_ = std::move(error);
        if (terminal) {
            return give_up(give_up_reason::terminal);
        }
        return back_off(now);
    }

    /// A connect succeeded; the session runs until on_session_end.
    void on_connected(time_point now) {
        expect(machine_state::connecting, "on_connected");
        connected_at_ = now;
        state_ = machine_state::connected;
    }

    /// The session ended. Stable: reset the backoff, restart the window, clear the last error,
    /// sleep the initial delay. Flap: keep the reason as the last error and back off as after a
    /// failed connect, with the window still running.
    decision on_session_end(time_point now, Error reason) {
        return on_session_end(now, std::move(reason), now);
    }

    /// The same, for a session that went silent before it ended: it is judged on its useful
    /// uptime, from the connect to `alive_until` (its last proof of life; clamped to
    /// [connected, now]), so a server that accepts and then hangs is a flap however long the
    /// silence took to notice.
    decision on_session_end(time_point now, Error reason, time_point alive_until) {
        expect(machine_state::connected, "on_session_end");
        // Classify first: a classifier that throws leaves the stability policy untouched.
        const bool terminal = static_cast<bool>(classify_(reason));
        const time_point until = alive_until < now ? alive_until : now;
        last_verdict_ = stability_.judge(session_end{detail::elapsed(connected_at_, until), now});
        if (terminal) {
            last_error_ = std::move(reason);
            return give_up(give_up_reason::terminal);
        }
        if (last_verdict_ == verdict::stable) {
            backoff_.reset();
            open_window(now);
            attempts_ = 0;
            last_error_.reset();
        } else {
            last_error_ = std::move(reason);
        }
        return back_off(now);
    }

    /// The sleep is over: attempt again, unless the give-up window has been exceeded. A fresh
    /// window (after a stable session or a wake) always gets its first attempt, however long
    /// the first sleep was: a give-up needs a failure to report.
    decision on_wait_done(time_point now) {
        expect(machine_state::waiting, "on_wait_done");
        // now > deadline_ is elapsed(window_start_, now) > timeout without the subtraction:
        // the deadline saturates, and is time_point::max() when there is no timeout.
        if (now > deadline_ && attempts_ != 0) { // the rare test second
            return give_up(give_up_reason::timeout);
        }
        ++attempts_;
        state_ = machine_state::connecting;
        return decision::connect();
    }

    /// The network changed: skip the current sleep, reset the backoff, start a fresh window and
    /// attempt now (gRPC users asked for exactly this). A stability hold-down still holds: then
    /// the decision is to sleep what is left of it. Only while waiting.
    decision on_wake(time_point now) {
        expect(machine_state::waiting, "on_wake");
        backoff_.reset();
        open_window(now);
        attempts_ = 0;
        last_error_.reset();
        if constexpr (stability_hooks::has_hold_down) {
            const std::chrono::nanoseconds hold = stability_.hold_down(now);
            if (hold.count() > 0) {
                return decision::wait(hold);
            }
        }
        attempts_ = 1;
        state_ = machine_state::connecting;
        return decision::connect();
    }

    /// Back to idle with fresh policies, as if newly constructed (start() may follow).
    void reset() noexcept {
        backoff_.reset();
        stability_.reset();
        attempts_ = 0;
        last_error_.reset();
        last_verdict_ = verdict::stable;
        reason_ = give_up_reason::none;
        state_ = machine_state::idle;
    }

    [[nodiscard]] machine_state state() const noexcept { return state_; }
    /// Attempts made in the current streak (since start or the last stable session).
    [[nodiscard]] std::uint64_t attempts() const noexcept { return attempts_; }
    /// The last connect error or flap close reason; empty after a stable session.
    [[nodiscard]] const std::optional<Error>& last_error() const noexcept { return last_error_; }
    /// The verdict on the most recent session.
    [[nodiscard]] verdict last_verdict() const noexcept { return last_verdict_; }
    /// When the current (or last) session connected.
    [[nodiscard]] time_point connected_at() const noexcept { return connected_at_; }
    /// When the current failing streak began.
    [[nodiscard]] time_point window_start() const noexcept { return window_start_; }
    [[nodiscard]] give_up_reason reason() const noexcept { return reason_; }
    /// The give-up as an error_code (a reconnect_errc); empty unless the machine gave up.
    [[nodiscard]] std::error_code give_up_error() const noexcept {
        return redial::give_up_error(reason_);
    }
    /// The options as given (a max_attempts of 0 still reads 0).
    [[nodiscard]] machine_options options() const noexcept {
        return {timeout_, last_attempt_ + 1, clip_};
    }
    [[nodiscard]] const Backoff& backoff() const noexcept { return backoff_; }
    [[nodiscard]] const Stability& stability() const noexcept { return stability_; }

    /// The give-up error, e.g. "reconnect timed out after 5m: connection refused".
    [[nodiscard]] std::string give_up_message() const {
        std::string s;
        switch (reason_) {
        case give_up_reason::none:
            return {};
        case give_up_reason::timeout:
            s = "reconnect timed out after " + format_duration(timeout_);
            break;
        case give_up_reason::attempts:
            s = "reconnect gave up after " + std::to_string(attempts_) +
                (attempts_ == 1 ? " attempt" : " attempts");
            break;
        case give_up_reason::terminal:
            s = "reconnect gave up on a terminal error";
            break;
        case give_up_reason::held_down:
            if constexpr (stability_hooks::has_hold_down) {
                s = "reconnect gave up " + format_duration(held_.after) +
                    " into the retry window: suppressed as flapping for another " +
                    format_duration(held_.hold) + ", past the " + format_duration(timeout_) +
                    " give-up timeout";
            }
            break;
        }
        if (last_error_) {
            s += ": " + detail::error_text(*last_error_);
        }
        return s;
    }

private:
    void expect(machine_state s, const char* event) const {
        if (state_ != s) {
            detail::throw_misplaced_event(event);
        }
    }

    void open_window(time_point now) noexcept {
        window_start_ = now;
        // A timeout of the largest duration never fires (the elapsed time saturates there), even
        // between time points further apart than that.
        deadline_ = timeout_.count() == 0 || timeout_ == std::chrono::nanoseconds::max()
                        ? time_point::max()
                        : detail::sat_add(now, timeout_);
    }

    decision give_up(give_up_reason r) noexcept {
        reason_ = r;
        state_ = machine_state::gave_up;
        return decision::give_up();
    }

    // The shared escalating sleep after a failed connect, a flap, or a stable drop.
    decision back_off(time_point now) {
        // Without an attempt limit or clipping, the common case, neither check is compiled into
        // the path taken: one test of a flag instead of two compares.
        return limited_ ? back_off_as<true>(now) : back_off_as<false>(now);
    }

    template <bool Limited>
    decision back_off_as(time_point now) {
        if (Limited && attempts_ > last_attempt_) {
            return give_up(give_up_reason::attempts);
        }
        std::chrono::nanoseconds delay = backoff_.next();
        if constexpr (!backoff_hooks::nonnegative_delays) {
            delay = delay.count() < 0 ? std::chrono::nanoseconds{0} : delay; // a user's slip
        }
        if constexpr (stability_hooks::has_hold_down) {
            const std::chrono::nanoseconds hold = stability_.hold_down(now);
            delay = hold > delay ? hold : delay;
            // A hold-down that outlasts the window: no attempt can be made in time, so give up
            // now instead of sleeping the hold-down first. Never clipped: it would attempt
            // while still suppressed.
            if (hold.count() > 0 && timeout_.count() != 0 && hold > time_left(now)) {
                held_ = {detail::elapsed(window_start_, now), hold};
                return give_up(give_up_reason::held_down);
            }
        }
        if (Limited && clip_ && timeout_.count() != 0) {
            const std::chrono::nanoseconds left = time_left(now);
            if (left.count() <= 0) {
                return give_up(give_up_reason::timeout);
            }
            delay = left < delay ? left : delay;
        }
        state_ = machine_state::waiting;
        return decision::wait(delay);
    }

    [[nodiscard]] std::chrono::nanoseconds time_left(time_point now) const noexcept {
        return detail::sat_sub(timeout_, detail::elapsed(window_start_, now));
    }

    [[no_unique_address]] Backoff backoff_;
    [[no_unique_address]] Stability stability_;
    // What give_up_message() reports for give_up_reason::held_down; no space without a hold-down.
    struct held_down_at {
        std::chrono::nanoseconds after{0}; // into the retry window
        std::chrono::nanoseconds hold{0};
    };
    struct no_hold_down {};

    [[no_unique_address]] ErrorClassifier classify_;
    [[no_unique_address]] std::conditional_t<stability_hooks::has_hold_down, held_down_at,
                                             no_hold_down>
        held_;
    std::chrono::nanoseconds timeout_;
    std::uint64_t last_attempt_; // max_attempts - 1: the largest count when unlimited (0)
    time_point window_start_{};
    time_point deadline_{time_point::max()}; // window_start_ + timeout_, saturated
    time_point connected_at_{};
    std::uint64_t attempts_{0};
    std::optional<Error> last_error_;
    machine_state state_{machine_state::idle};
    verdict last_verdict_{verdict::stable};
    give_up_reason reason_{give_up_reason::none};
    bool clip_;    // clip_to_deadline as given (it needs a timeout to act)
    bool limited_; // an attempt limit, or clipping with a timeout: back_off_as<true>
};

/// The default machine: exponential 1s ×2 30s, uptime threshold, give up after 5 minutes.
using reconnect_machine = basic_reconnect_machine<>;

} // namespace redial

#endif
