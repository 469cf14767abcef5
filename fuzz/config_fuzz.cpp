// libFuzzer target: the options parsers and the policy builders (include/redial/config.hpp).
//
// The input is text. Its first line picks the front end:
//   "#env [PREFIX]"  options_from_env over the remaining lines (no process environment is
//                    touched); PREFIX defaults to REDIAL_, "#env " gives an empty prefix
//   "#pairs"         options_from_pairs, one key=value a line (split at the first '=')
//   "#apply"         apply_option for each line, then validate()
//   anything else    options_from_string over the whole text
//
// Invariants, on every input:
// - only config_error escapes, and it names a key the user wrote (as written), a canonical key,
//   an environment variable of the prefix, or "entry"/"prefix"; what() names key and value;
// - validate() accepts exactly what the documented checks accept (docs/configuration.md,
//   "Checks"; "#apply" reaches validate with any combination the keys can express);
// - accepted options read back from to_string() equal, and describe() works;
// - make_backoff, make_stability and make_machine_options never throw on accepted options;
// - the backoff's delays stay in [0, max_delay()]: without jitter they start at
//   backoff-initial, never shrink and never pass backoff-max, and start over after reset();
//   decorrelated jitter stays in [backoff-initial, backoff-max]; fit and clamp never pass
//   backoff-max; a seed repeats the same delays;
// - uptime stability calls a session stable iff it lived at least stable-after (default
//   backoff-initial); hold-downs are in [0, 4 x damping-half-life], and zero without damping.

#include "fuzz_support.hpp"

#include <redial/config.hpp>
#include <redial/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using redial::fuzz::check;
using redial::fuzz::check_lazy;
using redial::fuzz::fail;
using ns = std::chrono::nanoseconds;

namespace detail {

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        lines.push_back(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    }
    return lines;
}

std::pair<std::string_view, std::string_view> split_pair(std::string_view line) {
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
        return {line, {}};
    }
    return {line.substr(0, eq), line.substr(eq + 1)};
}

/// The key of an error is something the user can find and edit.
void check_key(const redial::config_error& e, std::string_view input, std::string_view prefix) {
    redial::fuzz::check_message(e);
    const std::string& key = e.key();
    if (key == "entry" || key == "prefix" || input.find(key) != std::string_view::npos) {
        return;
    }
    for (const redial::option_key& k : redial::option_keys()) {
        if (key == k.name || key == redial::env_name(k.name, prefix)) {
            return;
        }
    }
    fail("config_error names a key the user did not write", e.what());
}

void check_backoff(const redial::options& o) {
    redial::configured_backoff b = redial::make_backoff(o);
    if (!o.seed) {
        b.seed(1); // a fixed sequence: the fuzzer wants a deterministic target
    }
    const ns max = b.max_delay();
    check(max.count() >= 0 && b.initial_delay() == o.initial, "max or initial delay is off");
    const std::string_view chosen = redial::detail::chosen_backoff(o);
    const bool decorrelated = chosen == "decorrelated";
    // exponential without jitter, linear, constant: no generator, never shrinking.
    const bool plain = o.jitter == redial::jitter_kind::none && !decorrelated;
    const bool capped =
        o.jitter != redial::jitter_kind::grpc && o.jitter_cap != redial::jitter_cap::overshoot;
    if (chosen == "constant") {
        check(max == o.initial, "max_delay() of backoff=constant is not backoff-initial");
    } else if (plain || decorrelated || capped) {
        check(max == o.max, "max_delay() is not backoff-max for a policy that caps there");
    }
    std::vector<ns> first;
    ns previous{0};
    for (int i = 0; i < 64; ++i) {
        const ns d = b.next();
        const auto text = [&] {
            return std::to_string(d.count()) + " ns at step " + std::to_string(i);
        };
        check_lazy(d.count() >= 0 && d <= max, "a delay outside [0, max_delay()]", text);
        if (plain) {
            check_lazy(i != 0 || d == o.initial, "the first delay is not backoff-initial", text);
            check_lazy(d >= previous, "a delay without jitter shrank", text);
        }
        if (decorrelated) {
            check_lazy(d >= o.initial && d <= o.max, "decorrelated outside [initial, max]", text);
        }
        previous = d;
        first.push_back(d);
    }
    b.reset();
    if (plain) {
        check(b.next() == o.initial, "after reset() the first delay is not backoff-initial");
    }
    if (o.seed) {
        redial::configured_backoff again = redial::make_backoff(o);
        for (const ns d : first) {
            check(again.next() == d, "the same seed gave other delays");
        }
    }
}

void check_stability(const redial::options& o) {
    redial::configured_stability s = redial::make_stability(o);
    const ns threshold = o.stable_after.value_or(o.initial);
    const ns max_hold = o.stability == "damping"
                            ? redial::detail::sat_mul(o.damping_half_life, std::int64_t{4})
                            : ns{0};
    // Quick drops, then a threshold-long session, then one just short of it.
    const ns uptimes[] = {0ns, 1ns, 0ns, 0ns, threshold, threshold - 1ns, 1h, 0ns, 0ns, 0ns};
    redial::time_point at{};
    for (const ns uptime : uptimes) {
        at += 1s;
        const redial::verdict v = s.judge(redial::session_end{uptime, at});
        if (o.stability == "uptime") {
            check(v == (uptime >= threshold ? redial::verdict::stable : redial::verdict::flap),
                  "uptime stability judged a session against another threshold");
        }
        if (o.stability == "always") {
            check(v == redial::verdict::stable, "always_stable called a session a flap");
        }
        for (const ns later : {ns{0}, ns{1s}, ns{1h}}) {
            const ns hold = s.hold_down(at + later);
            check_lazy(hold.count() >= 0 && hold <= max_hold,
                       "a hold-down outside [0, 4 x half-life]",
                       [&] { return std::to_string(hold.count()); });
        }
    }
}

void check_accepted(const redial::options& o) {
    check(redial::fuzz::documented_valid(o), "accepted options the documented checks refuse");
    const std::string text = redial::to_string(o);
    try {
        check(redial::options_from_string(text) == o, "to_string does not read back", text);
    } catch (const redial::config_error& e) {
        fail("to_string's text is refused", e.what());
    }
    (void)redial::describe(o);
    try {
        check_backoff(o);
        check_stability(o);
        const redial::machine_options m = redial::make_machine_options(o);
        check(m.give_up_timeout == o.timeout && m.max_attempts == o.max_attempts &&
                  m.clip_to_deadline == o.clip_to_deadline,
              "machine options differ from the options");
    } catch (const std::exception& e) {
        fail("a builder threw on accepted options", e.what());
    }
}

} // namespace detail

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> lines = detail::lines_of(text);
    const std::string_view head = lines.empty() ? std::string_view{} : lines.front();
    std::string_view prefix = "REDIAL_";
    try {
        redial::options o;
        if (head.starts_with("#env")) {
            if (head.size() > 4) {
                prefix = head.substr(head[4] == ' ' ? 5 : 4);
            }
            const std::vector<std::string_view> variables(lines.begin() + 1, lines.end());
            o = redial::options_from_env(variables, prefix);
        } else if (head == "#pairs") {
            std::vector<std::pair<std::string_view, std::string_view>> pairs;
            for (std::size_t i = 1; i < lines.size(); ++i) {
                pairs.push_back(detail::split_pair(lines[i]));
            }
            o = redial::options_from_pairs(pairs);
        } else if (head == "#apply") {
            for (std::size_t i = 1; i < lines.size(); ++i) {
                const auto [key, value] = detail::split_pair(lines[i]);
                redial::apply_option(o, key, value);
            }
            // Any combination the keys can express: validate() must follow the documented
            // checks both ways.
            const bool valid = redial::fuzz::documented_valid(o);
            try {
                redial::validate(o);
            } catch (const redial::config_error& e) {
                check(!valid, "validate() refused options the documented checks accept", e.what());
                throw;
            }
        } else {
            o = redial::options_from_string(text);
        }
        detail::check_accepted(o);
    } catch (const redial::config_error& e) {
        detail::check_key(e, text, prefix);
    } catch (const std::exception& e) {
        fail("an exception other than config_error escaped", e.what());
    }
    return 0;
}
