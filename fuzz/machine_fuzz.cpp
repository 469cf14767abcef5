// libFuzzer target: the core machine (include/redial/core/machine.hpp) fed random options and
// random event sequences, with the reconnect rules of docs/rules.md checked after every event.
//
// Input (binary; reads past the end give zeros):
//   byte 0       jitter (bits 0-2; 6 and 7 are not an enum value), stability (bits 3-4),
//                clip-to-deadline (bit 5), machine options straight from the bytes instead of
//                make_machine_options (bit 6: any timeout, a negative one must be refused),
//                jitter-cap overshoot (bit 7)
//   durations    backoff-initial, backoff-max, backoff-timeout, stable-after (kind 0: unset),
//                intensity-window, damping-half-life: each a kind byte and a value byte (kind % 8:
//                0, v ns, v ms, v s, v min, v h, largest - v ns, 8 raw bytes)
//   bytes        multiplier, jitter-fraction, intensity-drops, max-attempts, seed, start time
//   events       one byte each: low 3 bits the event, high 5 bits its argument
//                0 connect failed (arg bit 0: a terminal error)   1 connected
//                2 session ended (arg bit 0: a terminal reason)   3 sleep over, at its end + step
//                4 sleep over now                                 5 wake now
//                6 time moves: arg < 24 forward 2^(2 arg + 10) ns, 24-27 back, 28-30 forward a
//                  read duration, 31 to the largest time point
//                7 arg % 4: 0 reset(), 1 start(now), 2 give_up_message(), 3 nothing
//
// Invalid options must be refused (by the documented checks) and nothing more happens. An event
// that does not fit the state must throw std::logic_error and change nothing. Otherwise each
// decision is compared with the rules: rule 1 (the window, attempts, max_attempts, terminal
// errors, clip_to_deadline), rule 2 (the backoff's next delay), rule 3 (verdicts: uptime and
// always_stable judged here; stable resets the backoff and the window; flaps keep escalating;
// hold-downs), rule 6 (no overflow: UBSan; delays never negative). The backoff is replayed on a
// copy of the policy, so every delay must be exactly the policy's next one.

#include "fuzz_support.hpp"

#include <redial/config.hpp>
#include <redial/core/machine.hpp>
#include <redial/detail/saturate.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace {

using namespace std::chrono_literals;
using redial::decision;
using redial::machine_state;
using redial::time_point;
using redial::fuzz::byte_reader;
using redial::fuzz::check;
using redial::fuzz::check_lazy;
using redial::fuzz::fail;
using ns = std::chrono::nanoseconds;

namespace detail {

/// Errors are text; a leading '!' marks a terminal one.
struct terminal_mark {
    bool operator()(const std::string& e) const noexcept { return !e.empty() && e.front() == '!'; }
};

using machine =
    redial::basic_reconnect_machine<redial::configured_backoff, redial::configured_stability,
                                    std::string, terminal_mark>;

ns read_duration(byte_reader& in) {
    const std::uint8_t kind = in.u8();
    const std::int64_t v = in.u8();
    switch (kind % 8) {
    case 0:
        return ns{0};
    case 1:
        return ns{v};
    case 2:
        return v * 1ms;
    case 3:
        return v * ns{1s};
    case 4:
        return v * ns{1min};
    case 5:
        return v * ns{1h};
    case 6:
        return ns::max() - ns{v};
    default:
        return ns{static_cast<std::int64_t>(in.u64())};
    }
}

double read_multiplier(std::uint8_t b) {
    if (b < 200) {
        return 1.0 + b / 20.0; // 1 to 10.95
    }
    constexpr double odd[] = {1.6, 1e3, 1e9, 1e18, 1e300, 0.5, 0.0, -1.0};
    return odd[b % 8];
}

redial::options read_options(byte_reader& in, std::uint8_t flags) {
    redial::options o;
    o.jitter = static_cast<redial::jitter_kind>(flags & 7);
    o.stability = std::string(redial::stability_policies()[(flags >> 3) & 3].name);
    o.clip_to_deadline = (flags & 32) != 0;
    o.jitter_cap = (flags & 128) != 0 ? redial::jitter_cap::overshoot : redial::jitter_cap::fit;
    o.initial = read_duration(in);
    o.max = read_duration(in);
    o.timeout = read_duration(in);
    const ns stable_after = read_duration(in);
    if (stable_after.count() != 0) {
        o.stable_after = stable_after;
    }
    o.intensity_window = read_duration(in);
    o.damping_half_life = read_duration(in);
    o.multiplier = read_multiplier(in.u8());
    o.jitter_fraction = in.u8() / 200.0; // above 1 from 201 on: refused
    const std::uint8_t drops = in.u8();
    o.intensity_drops = drops == 255 ? 4097 : drops; // 0 and 4097 are refused
    o.max_attempts = in.u8() % 16;
    o.seed = in.u8();
    return o;
}

/// 2^(2k + 10) ns: from a microsecond up to about 73 years (2^61 ns) in 26 steps.
ns step(unsigned k) {
    const unsigned bits = 2 * k + 10;
    return ns{std::int64_t{1} << (bits < 61 ? bits : 61)};
}

std::string text_of(ns d) {
    return std::to_string(d.count()) + " ns";
}

/// REDIAL_FUZZ_TRACE=1 prints every event and decision to stderr: a crash input read as the
/// scenario it encodes, for turning it into a test.
const bool tracing = std::getenv("REDIAL_FUZZ_TRACE") != nullptr;

void trace(time_point now, std::string_view event, const decision* d = nullptr) {
    if (!tracing) {
        return;
    }
    std::string s =
        "t=" + std::to_string(now.time_since_epoch().count()) + " ns " + std::string(event);
    if (d != nullptr) {
        constexpr const char* kinds[] = {"connect", "wait", "give up"};
        s += std::string(" -> ") + kinds[static_cast<int>(d->what)];
        if (d->what == decision::kind::wait) {
            s += " " + redial::format_duration(d->delay);
        }
    }
    std::fprintf(stderr, "%s\n", s.c_str());
}

/// The machine's observable state, to show that a misplaced event changed nothing.
struct snapshot {
    machine_state state;
    std::uint64_t attempts;
    time_point window_start;
    std::optional<std::string> last_error;
    redial::give_up_reason reason;

    static snapshot of(const machine& m) {
        return {m.state(), m.attempts(), m.window_start(), m.last_error(), m.reason()};
    }
    friend bool operator==(const snapshot&, const snapshot&) = default;
};

/// The rules, kept beside the machine: what each event must do.
class checker {
public:
    checker(machine& m, const redial::configured_backoff& b, const redial::options& o, ns timeout,
            std::uint64_t max_attempts, bool clip)
        : m_(m), shadow_(b), o_(o), timeout_(timeout), max_attempts_(max_attempts), clip_(clip) {
        max_hold_ = o_.stability == "damping"
                        ? redial::detail::sat_mul(o_.damping_half_life, std::int64_t{4})
                        : ns{0};
        // The delays the machine may sleep: a backoff delay or a hold-down.
        max_sleep_ = shadow_.max_delay() > max_hold_ ? shadow_.max_delay() : max_hold_;
    }

    void run(byte_reader& in) {
        now_ = start_time(in.u8());
        on_start();
        while (!in.empty()) {
            latest_ = now_ > latest_ ? now_ : latest_;
            const std::uint8_t e = in.u8();
            const unsigned arg = e >> 3;
            switch (e & 7) {
            case 0:
                connect_failed((arg & 1) != 0, arg);
                break;
            case 1:
                if (expect_fits(machine_state::connecting, [&] { m_.on_connected(now_); })) {
                    m_.on_connected(now_);
                    trace(now_, "connected");
                    connected_at_ = now_;
                    check_state(machine_state::connected, "on_connected");
                }
                break;
            case 2:
                session_end((arg & 1) != 0, arg);
                break;
            case 3:
                wait_done(arg == 0 ? due_ : add(due_, step(arg)));
                break;
            case 4:
                wait_done(now_);
                break;
            case 5:
                wake();
                break;
            case 6:
                move_time(arg, in);
                break;
            default:
                meta(arg);
                break;
            }
        }
    }

private:
    static time_point start_time(std::uint8_t b) {
        switch (b % 4) {
        case 0:
            return time_point{};
        case 1:
            return time_point::min() + ns{b};
        case 2:
            return time_point::max() - ns{b} * 1'000'000'000;
        default:
            return time_point{} + ns{1h} * b;
        }
    }

    void move_time(unsigned arg, byte_reader& in) {
        if (arg < 24) {
            now_ = add(now_, step(arg));
        } else if (arg < 28) {
            // A clock that steps back: the machine must count it as no time passing.
            now_ = time_point{redial::detail::sat_sub(now_.time_since_epoch(), step(arg * 2 - 40))};
        } else if (arg < 31) {
            const ns d = read_duration(in);
            now_ = add(now_, d.count() < 0 ? ns{0} : d);
        } else {
            now_ = time_point::max();
        }
    }

    void set_due(ns sleep) {
        due_ = add(now_, sleep);
        due_exact_ = sleep <= redial::detail::sat_sub(ns::max(), now_.time_since_epoch());
        // After the clock stepped back below a drop flap damping counts no time passing until
        // it catches up (rule 6), so a hold-down ends on time only if the sleep began in order.
        due_in_order_ = now_ >= latest_;
    }

    static time_point add(time_point t, ns d) {
        return time_point{redial::detail::sat_add(t.time_since_epoch(), d)};
    }

    // Runs `event` and reports whether the state fitted it; when it does not, the event must
    // throw std::logic_error and leave everything as it was.
    template <class Event>
    bool expect_fits(machine_state fits, Event event) {
        const snapshot before = snapshot::of(m_);
        if (before.state == fits) {
            return true;
        }
        try {
            (void)event();
        } catch (const std::logic_error& e) {
            trace(now_, e.what());
            check(snapshot::of(m_) == before, "a misplaced event changed the machine");
            return false;
        }
        fail("an event that does not fit the state was accepted");
    }

    void on_start() {
        const decision d = m_.start(now_);
        trace(now_, "start", &d);
        check(d == decision::connect(), "start() did not connect at once");
        window_ = now_;
        attempts_ = 1;
        last_error_.reset();
        check_state(machine_state::connecting, "start");
    }

    void connect_failed(bool terminal, unsigned arg) {
        std::string error = (terminal ? "!fatal " : "refused ") + std::to_string(arg);
        if (!expect_fits(machine_state::connecting,
                         [&] { return m_.on_connect_failed(now_, error); })) {
            return;
        }
        const decision d = m_.on_connect_failed(now_, error);
        trace(now_, "connect failed: " + error, &d);
        last_error_ = error;
        if (terminal) {
            expect_give_up(d, redial::give_up_reason::terminal, "a terminal connect error");
            return;
        }
        back_off(d, "a failed connect");
    }

    void session_end(bool terminal, unsigned arg) {
        std::string reason = (terminal ? "!closed " : "reset ") + std::to_string(arg);
        if (!expect_fits(machine_state::connected,
                         [&] { return m_.on_session_end(now_, reason); })) {
            return;
        }
        const decision d = m_.on_session_end(now_, reason);
        trace(now_, "session ended: " + reason, &d);
        const ns uptime = redial::detail::elapsed(connected_at_, now_);
        const redial::verdict v = m_.last_verdict();
        if (o_.stability == "uptime") {
            const ns threshold = o_.stable_after.value_or(o_.initial);
            check_lazy(v == (uptime >= threshold ? redial::verdict::stable : redial::verdict::flap),
                       "the uptime verdict contradicts the threshold",
                       [&] { return text_of(uptime); });
        } else if (o_.stability == "always") {
            check(v == redial::verdict::stable, "always_stable judged a flap");
        }
        if (terminal) {
            last_error_ = reason;
            expect_give_up(d, redial::give_up_reason::terminal, "a terminal close reason");
            return;
        }
        if (v == redial::verdict::stable) {
            shadow_.reset(); // rule 3: a stable session resets the backoff and the window
            window_ = now_;
            attempts_ = 0;
            last_error_.reset();
        } else {
            last_error_ = reason;
        }
        back_off(d, v == redial::verdict::stable ? "a stable session" : "a flap");
    }

    void wait_done(time_point at) {
        now_ = at;
        if (!expect_fits(machine_state::waiting, [&] { return m_.on_wait_done(now_); })) {
            return;
        }
        const bool fresh = attempts_ == 0;
        const ns elapsed = redial::detail::elapsed(window_, now_);
        // On time: at the sleep's end, when that end is a representable time point.
        const bool on_time = at == due_ && due_exact_;
        const decision d = m_.on_wait_done(now_);
        trace(now_, "sleep over", &d);
        // Rule 1: give up before an attempt due strictly more than the timeout into a window
        // that has failed; a fresh window always gets its first attempt.
        if (timeout_.count() != 0 && !fresh && elapsed > timeout_) {
            expect_give_up(d, redial::give_up_reason::timeout, "a sleep past the window");
            return;
        }
        if (clip_ && on_time) {
            // clip_to_deadline: a sleep never ends past the deadline, so waking on time the
            // attempt is always made (at the latest exactly at the deadline).
            check(d == decision::connect(), "clip_to_deadline slept past the deadline");
        }
        if (on_time && due_in_order_) {
            // A hold-down is never clipped: waking on time, the connection is free again,
            // exactly (flap_damping fixes its release in integers; this target once found it
            // a nanosecond early: docs/fuzzing.md).
            const ns left = m_.stability().hold_down(now_);
            check_lazy(left == ns{0}, "an attempt while held down", [&] { return text_of(left); });
        }
        check(d == decision::connect(), "a sleep within the window did not connect");
        ++attempts_;
        check_state(machine_state::connecting, "on_wait_done");
    }

    void wake() {
        if (!expect_fits(machine_state::waiting, [&] { return m_.on_wake(now_); })) {
            return;
        }
        const decision d = m_.on_wake(now_);
        trace(now_, "wake", &d);
        shadow_.reset();
        window_ = now_;
        attempts_ = 0;
        last_error_.reset();
        const ns hold = m_.stability().hold_down(now_);
        if (hold.count() > 0) {
            check(d == decision::wait(hold), "a wake while held down did not sleep the hold-down");
            set_due(hold);
            check_state(machine_state::waiting, "on_wake (held down)");
            return;
        }
        check(d == decision::connect(), "a wake did not connect at once");
        attempts_ = 1;
        check_state(machine_state::connecting, "on_wake");
    }

    void meta(unsigned arg) {
        switch (arg % 4) {
        case 0:
            m_.reset();
            trace(now_, "reset");
            shadow_ = m_.backoff(); // reset: the schedule starts over (a generator goes on)
            attempts_ = 0;
            last_error_.reset();
            check(m_.reason() == redial::give_up_reason::none &&
                      m_.last_verdict() == redial::verdict::stable,
                  "reset() kept a give-up or a verdict");
            check_state(machine_state::idle, "reset");
            break;
        case 1:
            if (expect_fits(machine_state::idle, [&] { return m_.start(now_); })) {
                on_start();
            }
            break;
        case 2:
            check(m_.state() == machine_state::gave_up || m_.give_up_message().empty(),
                  "a give-up message before giving up");
            break;
        default:
            break;
        }
    }

    // Rules 1-3: the sleep after a failure, a flap or a stable session.
    void back_off(const decision& d, std::string_view after) {
        const std::string what(after);
        if (max_attempts_ != 0 && attempts_ >= max_attempts_) {
            expect_give_up(d, redial::give_up_reason::attempts, what + ", the last attempt");
            return;
        }
        ns delay = shadow_.next();
        const ns hold = m_.stability().hold_down(now_);
        check_lazy(hold.count() >= 0 && hold <= max_hold_, "a hold-down outside [0, max hold-down]",
                   [&] { return text_of(hold); });
        delay = hold > delay ? hold : delay;
        if (timeout_.count() != 0) {
            const ns left =
                redial::detail::sat_sub(timeout_, redial::detail::elapsed(window_, now_));
            if (hold.count() > 0 && hold > left) {
                held_ = {redial::detail::elapsed(window_, now_), hold};
                expect_give_up(d, redial::give_up_reason::held_down, what + ", held past the end");
                return;
            }
            if (clip_) {
                if (left.count() <= 0) {
                    expect_give_up(d, redial::give_up_reason::timeout, what + ", no time left");
                    return;
                }
                delay = left < delay ? left : delay;
            }
        }
        if (d != decision::wait(delay)) {
            fail("the sleep is not the rules' one",
                 what + ": " + text_of(d.delay) + ", expected " + text_of(delay));
        }
        check_lazy(d.delay.count() >= 0 && d.delay <= max_sleep_, "a sleep outside [0, max]",
                   [&] { return text_of(d.delay); });
        set_due(d.delay);
        check_state(machine_state::waiting, what);
    }

    void expect_give_up(const decision& d, redial::give_up_reason r, const std::string& why) {
        check(d == decision::give_up(), "did not give up", why);
        check(m_.reason() == r, "gave up for another reason", why);
        check_state(machine_state::gave_up, why);
        std::string expected;
        switch (r) {
        case redial::give_up_reason::timeout:
            expected = "reconnect timed out after " + redial::format_duration(timeout_);
            break;
        case redial::give_up_reason::attempts:
            expected = "reconnect gave up after " + std::to_string(max_attempts_) +
                       (max_attempts_ == 1 ? " attempt" : " attempts");
            break;
        case redial::give_up_reason::held_down:
            expected = "reconnect gave up " + redial::format_duration(held_.first) +
                       " into the retry window: suppressed as flapping for another " +
                       redial::format_duration(held_.second) + ", past the " +
                       redial::format_duration(timeout_) + " give-up timeout";
            break;
        default:
            expected = "reconnect gave up on a terminal error";
            break;
        }
        if (last_error_) {
            expected += ": " + *last_error_;
        }
        check(m_.give_up_message() == expected, "the give-up message is off",
              m_.give_up_message() + " / expected " + expected);
    }

    void check_state(machine_state s, std::string_view after) {
        check(m_.state() == s, "the machine is in another state", after);
        check(m_.attempts() == attempts_, "attempts miscounted", after);
        check(m_.window_start() == window_, "the window starts elsewhere", after);
        check(m_.last_error() == last_error_, "the last error is off", after);
        check(max_attempts_ == 0 || attempts_ <= max_attempts_, "more attempts than allowed");
    }

    machine& m_;
    redial::configured_backoff shadow_;
    redial::options o_;
    ns timeout_;
    std::uint64_t max_attempts_;
    bool clip_;
    ns max_hold_{0};
    ns max_sleep_{0};
    std::pair<ns, ns> held_{}; // the last held-down give-up: into the window, the hold-down
    time_point now_{};
    time_point window_{};
    time_point connected_at_{};
    time_point due_{};
    bool due_exact_{true};
    bool due_in_order_{true};
    time_point latest_{time_point::min()}; // the latest time any event has seen
    std::uint64_t attempts_{0};
    std::optional<std::string> last_error_;
};

} // namespace detail

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    byte_reader in(data, size);
    const std::uint8_t flags = in.u8();
    const redial::options o = detail::read_options(in, flags);
    const bool valid = redial::fuzz::documented_valid(o);
    std::optional<redial::configured_backoff> backoff;
    std::optional<redial::configured_stability> stability;
    try {
        backoff = redial::make_backoff(o);
        stability = redial::make_stability(o);
    } catch (const redial::config_error& e) {
        redial::fuzz::check_message(e);
        check(!valid, "refused options the documented checks accept", e.what());
        return 0;
    } catch (const std::exception& e) {
        fail("an exception other than config_error escaped a builder", e.what());
    }
    check(valid, "built policies from options the documented checks refuse");

    redial::machine_options mo = redial::make_machine_options(o);
    if ((flags & 64) != 0) {
        mo.give_up_timeout = detail::read_duration(in);
    }
    std::optional<detail::machine> m;
    try {
        m.emplace(*backoff, *stability, mo);
    } catch (const redial::config_error& e) {
        // A raw timeout (flag 64) skips the configuration's checks: the machine itself refuses
        // a negative one, and one not longer than flap damping's longest hold-down.
        const ns t = mo.give_up_timeout;
        const bool too_short = t.count() != 0 && t <= stability->max_hold_down();
        check((t.count() < 0 || too_short) && e.key() == "backoff-timeout",
              "the machine refused options", e.what());
        return 0;
    }
    check(mo.give_up_timeout.count() >= 0, "the machine took a negative timeout");
    try {
        detail::checker c(*m, *backoff, o, mo.give_up_timeout, mo.max_attempts,
                          mo.clip_to_deadline);
        c.run(in);
    } catch (const std::exception& e) {
        fail("an exception escaped an event that fits the state", e.what());
    }
    return 0;
}
