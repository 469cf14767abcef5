// redial-schedule: prints the reconnect schedule of a preset or policy for review: each
// attempt's time, the delay after it, the range that delay takes with jitter, and when the
// machine gives up. It drives the real core machine in virtual time against a server that
// refuses every connect (or accepts then resets, with --scenario flap).
//
//   redial-schedule --preset grpc --seed 1
//   REDIAL_BACKOFF_MAX=10s redial-schedule --jitter full --attempts 12

#include <redial/config.hpp>
#include <redial/core/machine.hpp>
#include <redial/detail/parse.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace {

using ns = std::chrono::nanoseconds;
using machine_t = redial::basic_reconnect_machine<redial::configured_backoff,
                                                  redial::configured_stability, std::string>;

struct tool_options {
    std::size_t attempts = 20; // rows to print when the schedule never gives up
    std::size_t runs = 1000;   // seeded runs that measure each delay's range
    bool flap = false;         // the server accepts, then resets after `uptime`
    ns uptime{0};
    std::optional<std::string> uptime_text; // as given, for errors
    std::optional<std::string> runs_text;
};

// With jitter every run is replayed `runs` times: bounded so a bad pair of counts cannot run for
// hours (100,000 attempts x 1,000 runs, the default runs, take about 5 s).
constexpr std::uint64_t max_samples = 100'000'000;

struct run_result {
    std::vector<ns> at;     // when each attempt started
    std::vector<ns> delays; // the sleep after each attempt
    std::optional<ns> gave_up_at;
    std::string error;
    bool end_of_time = false;
};

run_result run(const redial::options& o, const tool_options& t) {
    machine_t m{redial::make_backoff(o), redial::make_stability(o),
                redial::make_machine_options(o)};
    run_result r;
    redial::time_point now{};
    redial::decision d = m.start(now);
    while (true) {
        if (d.what == redial::decision::kind::give_up) {
            r.gave_up_at = now.time_since_epoch();
            r.error = m.give_up_message();
            break;
        }
        if (d.what == redial::decision::kind::wait) {
            r.delays.push_back(d.delay);
            if (d.delay > redial::time_point::max() - now) {
                r.end_of_time = true; // the schedule outlasts the clock (about 292 years)
                break;
            }
            now += d.delay;
            d = m.on_wait_done(now);
            continue;
        }
        if (r.at.size() == t.attempts) {
            break;
        }
        r.at.push_back(now.time_since_epoch());
        if (t.flap) {
            m.on_connected(now);
            if (t.uptime > redial::time_point::max() - now) {
                r.end_of_time = true;
                break;
            }
            now += t.uptime;
            d = m.on_session_end(now, "connection reset by peer");
        } else {
            d = m.on_connect_failed(now, "connection refused");
        }
    }
    return r;
}

// Rounded to the millisecond for reading; the schedule itself is exact to the nanosecond.
std::string fmt(ns d) {
    return redial::format_duration(std::chrono::round<std::chrono::milliseconds>(d));
}

// One line whatever the input: control characters and bytes that are not UTF-8 in a value
// the message quotes come out as escapes.
[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "redial-schedule: %s\n(try --help)\n",
                 redial::detail::escape(message, false).c_str());
    std::exit(2);
}

void print_help() {
    std::printf("usage: redial-schedule [--KEY VALUE | --KEY=VALUE]...\n\n"
                "Prints the reconnect schedule of a policy: attempt times, the delay after "
                "each\nattempt, its range over seeded runs when jitter is on, and the give-up.\n\n"
                "Policy keys (each also read from the environment as REDIAL_<KEY>):\n");
    for (const redial::option_key& k : redial::option_keys()) {
        std::printf("  --%-20s %-34s default %s\n", std::string(k.name).c_str(),
                    std::string(k.syntax).c_str(), std::string(k.default_text).c_str());
    }
    std::printf("\nBackoff policies (--backoff NAME):\n");
    for (const redial::backoff_info& b : redial::backoff_policies()) {
        std::printf("  %-22s %s\n", std::string(b.name).c_str(),
                    std::string(b.description).c_str());
    }
    std::printf("\nTool options:\n"
                "  --attempts N           rows to print when it never gives up (default 20)\n"
                "  --runs N               seeded runs measuring each delay's range (default "
                "1000)\n"
                "  --scenario S           refuse (every connect fails) or flap (accept, then "
                "reset)\n"
                "  --uptime DUR           with --scenario flap: how long each session lives "
                "(0)\n"
                "  --help                 this text\n");
}

// Through the library's number parser (the configuration's), with the range in the message.
std::size_t parse_count(std::string_view flag, std::string_view v, std::size_t max) {
    std::size_t n = 0;
    bool ok = true;
    try {
        n = redial::detail::parse_unsigned<std::size_t>(flag, v);
    } catch (const redial::config_error&) {
        ok = false;
    }
    if (!ok || n == 0 || n > max) {
        usage_error("invalid " + std::string(flag) + " \"" + std::string(v) +
                    "\": expected a whole number from 1 to " + std::to_string(max));
    }
    return n;
}

// Whether the chosen backoff draws its delays (any registered policy with a generator).
bool is_random(const redial::options& o) {
    return std::visit(
        [](const auto& p) {
            using P = std::remove_cvref_t<decltype(p)>;
            return requires(P& q) { q.seed(std::uint64_t{1}); };
        },
        redial::make_backoff(o).policy());
}

} // namespace

int main(int argc, char** argv) {
    tool_options tool;
    std::vector<std::pair<std::string, std::string>> pairs;
    try {
        // The environment first, then the flags: a flag overrides its variable.
        const redial::options from_env = redial::options_from_env();
        (void)from_env; // validates REDIAL_* on its own, naming the variable on error
        for (const redial::option_key& k : redial::option_keys()) {
            const std::string var = redial::env_name(k.name);
            if (const char* v = std::getenv(var.c_str())) {
                pairs.emplace_back(std::string(k.name), v);
            }
        }
        for (int i = 1; i < argc; ++i) {
            std::string_view arg = argv[i];
            if (arg == "--help" || arg == "-h") {
                print_help();
                return 0;
            }
            if (!arg.starts_with("--")) {
                usage_error("unexpected argument \"" + std::string(arg) + "\"");
            }
            std::string_view key = arg.substr(2);
            std::string value;
            if (const std::size_t eq = key.find('='); eq != std::string_view::npos) {
                value = std::string(key.substr(eq + 1));
                key = key.substr(0, eq);
            } else if (i + 1 < argc) {
                value = argv[++i];
            } else {
                usage_error("--" + std::string(key) + " needs a value");
            }
            if (key == "attempts") {
                tool.attempts = parse_count("--attempts", value, 100'000);
            } else if (key == "runs") {
                tool.runs = parse_count("--runs", value, 1'000'000);
                tool.runs_text = value;
            } else if (key == "scenario") {
                if (value != "refuse" && value != "flap") {
                    usage_error("invalid --scenario \"" + value + "\": expected refuse or flap");
                }
                tool.flap = value == "flap";
            } else if (key == "uptime") {
                tool.uptime = redial::parse_duration(value, "--uptime");
                tool.uptime_text = value;
            } else {
                pairs.emplace_back("--" + std::string(key), value);
            }
        }
        if (tool.uptime_text && !tool.flap) {
            usage_error("invalid --uptime \"" + *tool.uptime_text +
                        "\": applies only to --scenario flap");
        }
        // A --preset flag replaces REDIAL_PRESET (flags win) instead of giving preset twice.
        if (std::any_of(pairs.begin(), pairs.end(),
                        [](const auto& p) { return p.first == "--preset"; })) {
            std::erase_if(pairs, [](const auto& p) { return p.first == "preset"; });
        }
        std::vector<std::pair<std::string_view, std::string_view>> views(pairs.begin(),
                                                                         pairs.end());
        const redial::options o = redial::options_from_pairs(views);
        const bool random = is_random(o);
        if (random && std::uint64_t{tool.runs} * tool.attempts > max_samples) {
            usage_error("invalid --runs \"" + tool.runs_text.value_or(std::to_string(tool.runs)) +
                        "\": with --attempts " + std::to_string(tool.attempts) +
                        ", --runs x --attempts must not exceed " + std::to_string(max_samples));
        }

        // The run shown, then `runs` seeded runs for the range of each delay.
        const run_result shown = run(o, tool);
        std::vector<std::optional<std::pair<ns, ns>>> ranges(shown.delays.size()); // min, max
        if (random) {
            redial::options seeded = o;
            for (std::size_t s = 0; s < tool.runs; ++s) {
                seeded.seed = 0x5eed0000 + s;
                const run_result r = run(seeded, tool);
                for (std::size_t i = 0; i < std::min(r.delays.size(), ranges.size()); ++i) {
                    const ns d = r.delays[i];
                    ranges[i] = ranges[i] ? std::pair{std::min(ranges[i]->first, d),
                                                      std::max(ranges[i]->second, d)}
                                          : std::pair{d, d};
                }
            }
        }

        std::printf("%s\n", redial::describe(o).c_str());
        std::printf("scenario: %s\n\n",
                    tool.flap
                        ? ("every connect accepted, then reset after " + fmt(tool.uptime)).c_str()
                        : "every connect refused at once");
        std::printf("%8s  %14s  %14s", "attempt", "at", "then sleep");
        if (random) {
            std::printf("  %s", ("range over " + std::to_string(tool.runs) + " runs").c_str());
        }
        std::printf("\n");
        for (std::size_t i = 0; i < shown.at.size(); ++i) {
            std::printf("%8zu  %14s", i + 1, fmt(shown.at[i]).c_str());
            if (i < shown.delays.size()) {
                std::printf("  %14s", fmt(shown.delays[i]).c_str());
                if (random && ranges[i]) {
                    std::printf("  %s .. %s", fmt(ranges[i]->first).c_str(),
                                fmt(ranges[i]->second).c_str());
                }
            }
            std::printf("\n");
        }
        if (shown.end_of_time) {
            std::printf("the next attempt would be after the end of the clock (about 292 years)\n");
        } else if (shown.gave_up_at) {
            std::printf("gives up at %s: %s\n", fmt(*shown.gave_up_at).c_str(),
                        shown.error.c_str());
        } else if (o.timeout.count() == 0 && o.max_attempts == 0) {
            std::printf("never gives up (backoff-timeout 0); first %zu attempts shown\n",
                        shown.at.size());
        } else {
            std::printf("still retrying after %zu attempts (raise --attempts to see more)\n",
                        shown.at.size());
        }
    } catch (const redial::config_error& e) {
        usage_error(e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "redial-schedule: %s\n", e.what());
        return 1;
    }
    return 0;
}
