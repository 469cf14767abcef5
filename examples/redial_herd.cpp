// redial-herd: a fleet of clients through a server outage (or contending for one shared
// record), once per backoff policy, in the deterministic simulator. Prints per policy the
// attempts, the peak attempt rate, and how long until every client was back.
//
//   redial-herd                                  (100,000 clients, every policy, outage)
//   redial-herd --clients 1000000 --policy full,decorrelated --svg herd.svg
//   redial-herd --scenario occ --base 10ms --cap 2s  (AWS's optimistic-concurrency model)
//   redial-herd --scenario contention --clients 100 --json
//   redial-herd --scenario silent --down-mode blackhole   (a hung server; who notices, when)

#include <redial/backoff/exponential.hpp>
#include <redial/backoff/jitter.hpp>
#include <redial/config/backoff_registry.hpp>
#include <redial/config/options.hpp>
#include <redial/detail/parse.hpp>
#include <redial/duration.hpp>
#include <redial/error.hpp>
#include <redial/sim/fleet_stats.hpp>
#include <redial/sim/world.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace {

using namespace std::chrono_literals;
using ns = std::chrono::nanoseconds;
namespace sim = redial::sim;

// Exponential's jittered forms, run with the run-time jitter_range windows the herd has always
// used (configuration's full and equal windows are exact in integers and draw other delays).
constexpr std::string_view jittered_exponential[] = {"full", "equal", "grpc"};

// --policy's names: every registered backoff (config/backoff_registry.hpp), exponential followed
// by its jittered forms.
std::vector<std::string> policy_names() {
    std::vector<std::string> names;
    for (const redial::backoff_info& b : redial::backoff_policies()) {
        names.emplace_back(b.name);
        if (b.name == "exponential") {
            names.insert(names.end(), std::begin(jittered_exponential),
                         std::end(jittered_exponential));
        }
    }
    return names;
}

// "a, b, c or all", for messages.
std::string policy_choices() {
    std::string s;
    for (const std::string& n : policy_names()) {
        s += n + ", ";
    }
    s.resize(s.size() - 2);
    return s + " or all";
}

struct herd_options {
    std::string scenario = "outage";
    std::uint32_t clients = 0; // 0: the scenario's default
    std::vector<std::string> policies;
    std::uint64_t seed = 1;
    ns base = 1s;
    ns cap = 30s;
    double multiplier = 2.0;
    ns give_up = 0s; // never: the herd's question is how long until everyone is back
    // outage
    ns down_at = 10s;
    ns outage = 30s;
    double capacity = 50'000; // accepts per second once the server is back
    std::uint32_t backlog = 4096;
    sim::server_mode down_mode = sim::server_mode::refusing;
    // occ: each one-way hop is N(hop_mean, hop_stddev), redrawn below zero
    ns hop_mean = 10ms;
    ns hop_stddev = 2ms;
    // outage and contention
    ns latency = 1ms;
    // outage and silent
    ns connect_timeout = 10s;
    // silent: the liveness policies compared, and what a live server sends
    std::vector<sim::liveness_mode> livenesses{sim::liveness_mode::none, sim::liveness_mode::idle,
                                               sim::liveness_mode::heartbeat};
    ns idle_timeout = redial::detail::default_idle_timeout;
    ns ping_interval = redial::detail::default_ping_interval;
    ns ping_timeout = redial::detail::default_ping_timeout;
    ns talk_every{0};
    ns ping_rtt = 1ms;
    ns ping_rtt_jitter{0};
    // all
    ns bin = 100ms;
    ns until = 24h; // virtual time limit
    bool json = false;
    std::string svg;
    ns plot_until{0}; // 0: the whole run
};

struct result {
    std::string policy; // silent: "liveness/policy"
    std::string liveness;
    std::string backoff;
    std::uint64_t attempts = 0;
    double peak = 0;
    ns p50{0}, p99{0}, max{0}; // fleet_stats::never when that client was not back
    std::uint64_t recovered = 0;
    std::uint64_t gave_up = 0;
    std::uint64_t events = 0;
    double wall_s = 0;
    std::vector<std::uint32_t> bins;
    // silent
    std::uint64_t pings = 0;
    std::uint64_t false_timeouts = 0; // sessions ended while their server still delivered
    ns detect_p50{0}, detect_p99{0}, detect_max{0};
    std::uint64_t detected = 0;
    std::uint64_t stuck = 0; // connected to a silent session when the run ended
};

// One line whatever the input: control characters and bytes that are not UTF-8 in a value
// the message quotes come out as escapes.
[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "redial-herd: %s\n(try --help)\n",
                 redial::detail::escape(message, false).c_str());
    std::exit(2);
}

void print_help() {
    std::printf(
        "usage: redial-herd [--KEY VALUE | --KEY=VALUE]...\n\n"
        "Simulates a fleet of reconnecting clients once per backoff policy and prints, per\n"
        "policy, attempts, the peak attempt rate and the time until every client was back.\n\n"
        "  --scenario S         outage (default): all connected, the server goes down, then\n"
        "                       comes back with a capacity; silent: the same, but the server\n"
        "                       stops responding without closing, once per liveness policy;\n"
        "                       occ: each client makes one write of a shared record by\n"
        "                       optimistic concurrency (read the version, write it back; the\n"
        "                       first write with the current version wins: AWS's model);\n"
        "                       contention: each client makes one write that succeeds only if\n"
        "                       no other attempt overlaps it\n"
        "  --clients N          fleet size (default 100000 for outage and silent, 100 otherwise)\n"
        "  --policy LIST        comma-separated, from: %s (default all;\n"
        "                       full for silent); full, equal and grpc are exponential with\n"
        "                       that jitter\n"
        "  --seed N             the run's seed (default 1); the same seed, the same run\n"
        "  --base DUR           initial delay (1s)      --cap DUR      largest delay (30s)\n"
        "  --multiplier X       growth (2; grpc uses 1.6)\n"
        "  --timeout DUR        give-up timeout (0 = never, the default)\n"
        "  --down-at DUR        outage, silent: when the server goes down (10s)\n"
        "  --outage DUR         outage, silent: how long it stays down (30s)\n"
        "  --down-mode M        outage: refusing (default), down (unreachable) or hanging;\n"
        "                       silent: silent (default: the process is stopped, its kernel\n"
        "                       still accepts into the backlog, open sessions resume when it\n"
        "                       is back) or blackhole (a crashed host or dropped route: open\n"
        "                       sessions never resume, connects time out)\n"
        "  --capacity N         outage, silent: accepts per second once back (50000; 0 =\n"
        "                       unlimited)\n"
        "  --backlog N          outage, silent: connects queued beyond the accept rate (4096)\n"
        "  --latency DUR        outage, silent: connect round trip; contention: how long a\n"
        "                       write holds the record (1ms)\n"
        "  --hop-mean DUR       occ: mean of each one-way network hop (10ms)\n"
        "  --hop-stddev DUR     occ: its standard deviation (2ms); draws below 0 are redrawn\n"
        "  --connect-timeout DUR  outage, silent: how long a connect may take (10s)\n"
        "  --liveness LIST      silent: comma-separated, from none, idle, heartbeat (default\n"
        "                       all three)\n"
        "  --idle-timeout DUR   silent, idle: dead after this long without a byte (20s)\n"
        "  --ping-interval DUR  silent, heartbeat: ping after this long without a byte (10s)\n"
        "  --ping-timeout DUR   silent, heartbeat: dead when nothing arrives this long after\n"
        "                       a ping (10s)\n"
        "  --talk-every DUR     silent: a live server sends a byte this often (0 = only when\n"
        "                       pinged, the default)\n"
        "  --ping-rtt DUR       silent: a live server's reply to a ping takes this long (1ms)\n"
        "  --ping-rtt-jitter DUR  silent: plus a draw from [0, DUR] per ping (0)\n"
        "  --bin DUR            width of the attempt-rate windows (100ms)\n"
        "  --until DUR          virtual time limit (24h)\n"
        "  --json               print JSON instead of the table\n"
        "  --svg FILE           write attempts per second over time, one line per policy\n"
        "  --plot-until DUR     the SVG's time axis ends here (default: the whole run)\n"
        "  --help               this text\n",
        policy_choices().c_str());
}

ns parse_dur(std::string_view flag, std::string_view v) {
    try {
        return redial::parse_duration(v, flag);
    } catch (const redial::config_error& e) {
        usage_error(e.what()); // names the flag and the value
    }
}

// Numbers through the library's parsers (the configuration's), with the range in the message.
std::uint64_t parse_count(std::string_view flag, std::string_view v, std::uint64_t lo,
                          std::uint64_t hi) {
    std::uint64_t n = 0;
    bool ok = true;
    try {
        n = redial::detail::parse_unsigned<std::uint64_t>(flag, v);
    } catch (const redial::config_error&) {
        ok = false;
    }
    if (!ok || n < lo || n > hi) {
        usage_error("invalid " + std::string(flag) + " \"" + std::string(v) +
                    "\": expected a whole number from " + std::to_string(lo) + " to " +
                    std::to_string(hi));
    }
    return n;
}

double parse_number(std::string_view flag, std::string_view v, double lo, double hi) {
    double x = 0;
    bool ok = true;
    try {
        x = redial::detail::parse_double(flag, v);
    } catch (const redial::config_error&) {
        ok = false;
    }
    if (!ok || !(x >= lo && x <= hi)) {
        usage_error("invalid " + std::string(flag) + " \"" + std::string(v) +
                    "\": expected a number from " + redial::detail::format_number(lo) + " to " +
                    redial::detail::format_number(hi));
    }
    return x;
}

// A duration that must be greater than zero (a zero connect timeout, time limit or delay).
ns parse_positive(std::string_view flag, std::string_view v) {
    const ns d = parse_dur(flag, v);
    if (d.count() <= 0) {
        usage_error("invalid " + std::string(flag) + " \"" + std::string(v) +
                    "\": must be greater than zero");
    }
    return d;
}

herd_options parse(int argc, char** argv) {
    herd_options o;
    std::string policy_list = "all";
    std::string base_text; // empty: not given
    std::string cap_text = "30s";
    std::string outage_text = "30s";
    std::string plot_until_text;
    // Flags given, as written, that apply to some scenarios only.
    std::vector<std::pair<std::string, std::string>> outage_only;
    std::vector<std::pair<std::string, std::string>> occ_only;
    std::vector<std::pair<std::string, std::string>> not_occ;
    std::vector<std::pair<std::string, std::string>> silent_only;
    std::pair<std::string, std::string> idle_flag;      // --idle-timeout, when given
    std::pair<std::string, std::string> heartbeat_flag; // the first ping flag given
    std::string down_mode_text;
    std::string liveness_text;
    bool policy_given = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            print_help();
            std::exit(0);
        }
        if (!arg.starts_with("--")) {
            usage_error("unexpected argument \"" + std::string(arg) + "\"");
        }
        std::string key(arg.substr(2));
        std::string value;
        bool has_value = false;
        if (auto eq = key.find('='); eq != std::string::npos) {
            value = key.substr(eq + 1);
            key.resize(eq);
            has_value = true;
        }
        if (key == "json") {
            if (has_value) {
                usage_error("invalid --json \"" + value + "\": takes no value");
            }
            o.json = true;
            continue;
        }
        if (!has_value) {
            if (i + 1 >= argc) {
                usage_error("missing value for --" + key);
            }
            value = argv[++i];
        }
        const std::string flag = "--" + key;
        if (key == "down-at" || key == "outage" || key == "down-mode" || key == "capacity" ||
            key == "backlog" || key == "connect-timeout") {
            outage_only.emplace_back(flag, value);
        }
        if (key == "hop-mean" || key == "hop-stddev") {
            occ_only.emplace_back(flag, value);
        }
        if (key == "latency") {
            not_occ.emplace_back(flag, value);
        }
        if (key == "liveness" || key == "idle-timeout" || key == "ping-interval" ||
            key == "ping-timeout" || key == "talk-every" || key == "ping-rtt" ||
            key == "ping-rtt-jitter") {
            silent_only.emplace_back(flag, value);
        }
        if (key == "scenario") {
            if (value != "outage" && value != "silent" && value != "contention" && value != "occ") {
                usage_error("invalid --scenario \"" + value +
                            "\": expected outage, silent, occ or contention");
            }
            o.scenario = value;
        } else if (key == "clients") {
            o.clients = static_cast<std::uint32_t>(parse_count(flag, value, 1, 100'000'000));
        } else if (key == "policy") {
            policy_list = value;
            policy_given = true;
        } else if (key == "seed") {
            o.seed = parse_count(flag, value, 0, ~std::uint64_t{0});
        } else if (key == "base") {
            o.base = parse_positive(flag, value);
            base_text = value;
        } else if (key == "cap") {
            o.cap = parse_positive(flag, value);
            cap_text = value;
        } else if (key == "multiplier") {
            o.multiplier = parse_number(flag, value, 1.0, 1000.0);
        } else if (key == "timeout") {
            o.give_up = parse_dur(flag, value);
        } else if (key == "down-at") {
            o.down_at = parse_positive(flag, value); // the clients start connected
        } else if (key == "outage") {
            o.outage = parse_dur(flag, value);
            outage_text = value;
        } else if (key == "down-mode") {
            if (value == "refusing") {
                o.down_mode = sim::server_mode::refusing;
            } else if (value == "down") {
                o.down_mode = sim::server_mode::down;
            } else if (value == "hanging") {
                o.down_mode = sim::server_mode::hanging;
            } else if (value == "silent") {
                o.down_mode = sim::server_mode::silent;
            } else if (value == "blackhole") {
                o.down_mode = sim::server_mode::blackhole;
            } else {
                usage_error("invalid --down-mode \"" + value +
                            "\": expected refusing, down or hanging (outage), silent or "
                            "blackhole (silent)");
            }
            down_mode_text = value;
        } else if (key == "liveness") {
            liveness_text = value;
            o.livenesses.clear();
            std::string_view rest = value;
            while (true) {
                const auto comma = rest.find(',');
                const std::string_view name = rest.substr(0, comma);
                const auto* it = std::find(redial::detail::liveness_names.begin(),
                                           redial::detail::liveness_names.end(), name);
                if (it == redial::detail::liveness_names.end()) {
                    usage_error("invalid --liveness \"" + value + "\": " +
                                (name.empty() ? std::string("an empty name")
                                              : "unknown \"" + std::string(name) + "\"") +
                                "; expected a comma-separated list of none, idle and heartbeat");
                }
                o.livenesses.push_back(
                    static_cast<sim::liveness_mode>(it - redial::detail::liveness_names.begin()));
                if (comma == std::string_view::npos) {
                    break;
                }
                rest.remove_prefix(comma + 1);
            }
        } else if (key == "idle-timeout") {
            o.idle_timeout = parse_positive(flag, value);
            idle_flag = {flag, value};
        } else if (key == "ping-interval" || key == "ping-timeout") {
            (key == "ping-interval" ? o.ping_interval : o.ping_timeout) =
                parse_positive(flag, value);
            if (heartbeat_flag.first.empty()) {
                heartbeat_flag = {flag, value};
            }
        } else if (key == "talk-every") {
            o.talk_every = parse_dur(flag, value);
        } else if (key == "ping-rtt") {
            o.ping_rtt = parse_dur(flag, value);
        } else if (key == "ping-rtt-jitter") {
            o.ping_rtt_jitter = parse_dur(flag, value);
        } else if (key == "capacity") {
            o.capacity = parse_number(flag, value, 0.0, 1e9);
        } else if (key == "backlog") {
            o.backlog = static_cast<std::uint32_t>(parse_count(flag, value, 1, 1'000'000'000));
        } else if (key == "latency") {
            o.latency = parse_dur(flag, value);
        } else if (key == "hop-mean") {
            o.hop_mean = parse_dur(flag, value);
        } else if (key == "hop-stddev") {
            o.hop_stddev = parse_dur(flag, value);
        } else if (key == "connect-timeout") {
            o.connect_timeout = parse_positive(flag, value);
        } else if (key == "bin") {
            o.bin = parse_dur(flag, value);
            if (o.bin < 1ms) {
                usage_error("invalid --bin \"" + value + "\": must be at least 1ms");
            }
        } else if (key == "until") {
            o.until = parse_positive(flag, value);
        } else if (key == "plot-until") {
            o.plot_until = parse_dur(flag, value);
            plot_until_text = value;
        } else if (key == "svg") {
            if (value.empty()) {
                usage_error("invalid --svg \"\": expected a file name");
            }
            o.svg = value;
        } else {
            usage_error(std::string("invalid ")
                            .append(flag)
                            .append(" \"")
                            .append(value)
                            .append("\": unknown flag"));
        }
    }
    // Checks across flags, each naming a flag and its value as given.
    if (o.base > o.cap) {
        usage_error(base_text.empty()
                        ? "invalid --cap \"" + cap_text + "\": must be at least --base (1s)"
                        : "invalid --base \"" + base_text + "\": must not exceed --cap (" +
                              cap_text + ")");
    }
    const bool outage_like = o.scenario == "outage" || o.scenario == "silent";
    if (!outage_like && !outage_only.empty()) {
        usage_error("invalid " + outage_only.front().first + " \"" + outage_only.front().second +
                    "\": applies only to --scenario outage or silent");
    }
    if (o.scenario != "silent" && !silent_only.empty()) {
        usage_error("invalid " + silent_only.front().first + " \"" + silent_only.front().second +
                    "\": applies only to --scenario silent");
    }
    const bool silent_mode =
        o.down_mode == sim::server_mode::silent || o.down_mode == sim::server_mode::blackhole;
    if (o.scenario == "silent" && down_mode_text.empty()) {
        o.down_mode = sim::server_mode::silent;
    } else if (o.scenario == "silent" && !silent_mode) {
        usage_error("invalid --down-mode \"" + down_mode_text +
                    "\": --scenario silent takes silent or blackhole");
    } else if (o.scenario == "outage" && silent_mode) {
        usage_error("invalid --down-mode \"" + down_mode_text +
                    "\": applies only to --scenario silent (outage takes refusing, down or "
                    "hanging)");
    }
    auto listed = [&](sim::liveness_mode m) {
        return std::find(o.livenesses.begin(), o.livenesses.end(), m) != o.livenesses.end();
    };
    if (!idle_flag.first.empty() && !listed(sim::liveness_mode::idle)) {
        usage_error("invalid " + idle_flag.first + " \"" + idle_flag.second +
                    "\": applies only with idle in --liveness (\"" + liveness_text + "\")");
    }
    if (!heartbeat_flag.first.empty() && !listed(sim::liveness_mode::heartbeat)) {
        usage_error("invalid " + heartbeat_flag.first + " \"" + heartbeat_flag.second +
                    "\": applies only with heartbeat in --liveness (\"" + liveness_text + "\")");
    }
    if (o.scenario != "occ" && !occ_only.empty()) {
        usage_error("invalid " + occ_only.front().first + " \"" + occ_only.front().second +
                    "\": applies only to --scenario occ");
    }
    if (o.scenario == "occ" && !not_occ.empty()) {
        usage_error("invalid " + not_occ.front().first + " \"" + not_occ.front().second +
                    "\": does not apply to --scenario occ (its hops are --hop-mean and "
                    "--hop-stddev)");
    }
    if (o.outage > ns::max() - o.down_at) {
        usage_error("invalid --outage \"" + outage_text +
                    "\": --down-at + --outage must not exceed about 292 years");
    }
    if (!plot_until_text.empty() && o.svg.empty()) {
        usage_error("invalid --plot-until \"" + plot_until_text + "\": applies only with --svg");
    }
    if (o.plot_until / o.bin > static_cast<std::int64_t>(sim::fleet_stats::max_bins)) {
        usage_error("invalid --plot-until \"" + plot_until_text + "\": more than " +
                    std::to_string(sim::fleet_stats::max_bins) + " windows of --bin (" +
                    redial::format_duration(o.bin) + "), the most the histogram holds");
    }
    if (o.clients == 0) {
        o.clients = outage_like ? 100'000 : 100;
    }
    if (o.scenario == "silent" && !policy_given) {
        policy_list = "full"; // the rows are the liveness policies
    }
    const std::vector<std::string> known = policy_names();
    if (policy_list == "all") {
        o.policies = known;
    } else {
        std::string_view rest = policy_list;
        while (true) {
            const auto comma = rest.find(',');
            const std::string name(rest.substr(0, comma));
            if (name.empty()) {
                usage_error("invalid --policy \"" + policy_list +
                            "\": an empty name; expected a comma-separated list of " +
                            policy_choices());
            }
            if (std::find(known.begin(), known.end(), name) == known.end()) {
                usage_error("invalid --policy \"" + name + "\": expected " + policy_choices());
            }
            o.policies.push_back(name);
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
    }
    return o;
}

sim::world_options world_of(const herd_options& h,
                            sim::liveness_mode live = sim::liveness_mode::none) {
    sim::world_options w;
    w.clients = h.clients;
    w.seed = h.seed;
    w.connect_timeout = h.connect_timeout;
    sim::server_options& s = w.servers[0];
    s.latency = h.latency;
    if (h.scenario == "outage" || h.scenario == "silent") {
        w.start_connected = true;
        s.schedule = {{0s, sim::server_mode::up},
                      {h.down_at, h.down_mode},
                      {h.down_at + h.outage, sim::server_mode::up}};
        s.accept_rate = h.capacity;
        s.backlog = h.backlog;
        s.talk_every = h.talk_every;
        s.ping_rtt = h.ping_rtt;
        s.ping_rtt_jitter = h.ping_rtt_jitter;
        w.liveness = {live, h.idle_timeout, h.ping_interval, h.ping_timeout};
    } else if (h.scenario == "occ") {
        s.schedule = {{0s, sim::server_mode::occ}};
        s.hop_mean = h.hop_mean;
        s.hop_stddev = h.hop_stddev;
    } else {
        s.schedule = {{0s, sim::server_mode::contended}};
    }
    return w;
}

// One policy through the scenario: the world runs in slices of virtual time so a long run can
// report progress.
// A silent run (a liveness policy keeps a check scheduled for every connected client) ends once
// every client is back or gave up after the server's return.
template <class Policy>
result run(const herd_options& h, sim::liveness_mode live, const std::string& name,
           const Policy& policy) {
    const sim::world_options wo = world_of(h, live);
    const bool outage_like = h.scenario == "outage" || h.scenario == "silent";
    const redial::time_point since{outage_like ? h.down_at + h.outage : 0s};
    redial::machine_options mo;
    mo.give_up_timeout = h.give_up;
    sim::fleet_stats stats(h.clients, since, h.bin);
    if (h.scenario == "silent") {
        stats.detect_from(redial::time_point{h.down_at});
    }
    sim::world<Policy, redial::uptime_threshold, sim::fleet_stats> w(
        wo, sim::identical_clients(policy, redial::uptime_threshold{}, mo), std::move(stats));
    auto all_back = [&] {
        return h.scenario == "silent" && w.now() >= since &&
               w.probe().reconnected() + w.probe().gave_up() >= h.clients;
    };
    const auto start = std::chrono::steady_clock::now();
    auto last_report = start;
    bool reported = false;
    const bool tty = isatty(STDERR_FILENO) != 0;
    const redial::time_point until{h.until};
    while (!w.finished() && w.now() < until && !all_back()) {
        w.run_until(std::min(until, w.now() + 1s));
        const auto wall = std::chrono::steady_clock::now();
        if (wall - start > 2s && wall - last_report >= 1s) {
            std::fprintf(stderr,
                         "%sredial-herd: %s: %.0f s simulated, %.1fM events, %llu of %u "
                         "clients back%s",
                         tty ? "\r" : "", name.c_str(),
                         std::chrono::duration<double>(w.now().time_since_epoch()).count(),
                         static_cast<double>(w.events()) / 1e6,
                         static_cast<unsigned long long>(w.probe().reconnected()), h.clients,
                         tty ? "" : "\n");
            last_report = wall;
            reported = true;
        }
    }
    if (reported && tty) {
        std::fprintf(stderr, "\n");
    }
    const sim::fleet_stats& s = w.probe();
    result r;
    r.policy = name;
    r.backoff = name;
    if (h.scenario == "silent") {
        r.liveness = std::string(sim::to_string(live));
        r.policy = r.liveness + "/" + name;
        r.pings = s.pings();
        r.false_timeouts = w.false_liveness_timeouts();
        r.detect_p50 = s.detection_quantile(0.5);
        r.detect_p99 = s.detection_quantile(0.99);
        r.detect_max = s.detection_quantile(1.0);
        r.detected = s.detected();
        r.stuck = w.silent_sessions();
    }
    r.attempts = s.attempts();
    r.peak = s.peak_attempts_per_second();
    r.p50 = s.reconnect_quantile(0.5);
    r.p99 = s.reconnect_quantile(0.99);
    r.max = s.reconnect_quantile(1.0);
    r.recovered = s.reconnected();
    r.gave_up = s.gave_up();
    r.events = w.events();
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto bins = s.attempts_per_bin();
    r.bins.assign(bins.begin(), bins.end());
    return r;
}

result run_policy(const herd_options& h, const std::string& name, sim::liveness_mode live) {
    const redial::exponential_backoff exponential{h.base, h.multiplier, h.cap};
    if (name == "full") {
        return run(h, live, name,
                   redial::jittered<redial::exponential_backoff>{exponential, redial::full_jitter(),
                                                                 h.seed});
    }
    if (name == "equal") {
        return run(h, live, name,
                   redial::jittered<redial::exponential_backoff>{exponential,
                                                                 redial::equal_jitter(), h.seed});
    }
    if (name == "grpc") {
        return run(
            h, live, name,
            redial::jittered<redial::exponential_backoff>{
                redial::exponential_backoff{h.base, 1.6, h.cap}, redial::grpc_jitter(), h.seed});
    }
    // A registered backoff, made by its entry from the herd's flags (the step of linear follows
    // --base), as configuration would make it.
    redial::options o;
    o.backoff = name;
    o.initial = h.base;
    o.multiplier = h.multiplier;
    o.max = h.cap;
    o.seed = h.seed;
    return std::visit([&](const auto& policy) { return run(h, live, name, policy); },
                      redial::builtin_backoffs::make(o));
}

double seconds(ns d) {
    return std::chrono::duration<double>(d).count();
}

// A reconnect quantile as the table prints it, with `never` spelled out (not 292 years).
std::string table_seconds(ns d) {
    if (d == sim::fleet_stats::never) {
        return "never";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", seconds(d));
    return text;
}

// The same in JSON: null for never.
std::string json_seconds(ns d) {
    if (d == sim::fleet_stats::never) {
        return "null";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.6f", seconds(d));
    return text;
}

// The silent scenario's table: per liveness policy (and backoff), when the fleet noticed, then
// how it came back.
void print_silent_table(const herd_options& h, const std::vector<result>& results) {
    const std::string talk = h.talk_every.count() > 0
                                 ? "sends a byte every " + redial::format_duration(h.talk_every)
                                 : std::string("speaks only when pinged");
    std::printf("silent: %u clients, seed %llu, %s at %s for %s, back with %s accepts/s; a live "
                "server %s, answers pings after %s",
                h.clients, static_cast<unsigned long long>(h.seed),
                h.down_mode == sim::server_mode::silent ? "hung (silent)" : "blackholed",
                redial::format_duration(h.down_at).c_str(),
                redial::format_duration(h.outage).c_str(),
                h.capacity > 0 ? redial::detail::format_number(h.capacity).c_str() : "unlimited",
                talk.c_str(), redial::format_duration(h.ping_rtt).c_str());
    if (h.ping_rtt_jitter.count() > 0) {
        std::printf(" + up to %s", redial::format_duration(h.ping_rtt_jitter).c_str());
    }
    std::printf("\nliveness: idle %s; heartbeat %s / %s. Detected: from the outage's start; "
                "back: from its end\n",
                redial::format_duration(h.idle_timeout).c_str(),
                redial::format_duration(h.ping_interval).c_str(),
                redial::format_duration(h.ping_timeout).c_str());
    std::printf("%-16s %10s %7s %9s %9s %9s %8s %10s %12s %9s %9s %9s %8s %8s %8s\n", "policy",
                "pings", "false", "detect50", "detect99", "detectmax", "unnoticed", "attempts",
                "peak/s", "back50", "back99", "backmax", "not back", "stuck", "wall s");
    bool never = false;
    for (const result& r : results) {
        std::printf(
            "%-16s %10llu %7llu %9s %9s %9s %8llu %10llu %12.0f %9s %9s %9s %8llu %8llu "
            "%8.2f\n",
            r.policy.c_str(), static_cast<unsigned long long>(r.pings),
            static_cast<unsigned long long>(r.false_timeouts), table_seconds(r.detect_p50).c_str(),
            table_seconds(r.detect_p99).c_str(), table_seconds(r.detect_max).c_str(),
            static_cast<unsigned long long>(h.clients - r.detected),
            static_cast<unsigned long long>(r.attempts), r.peak, table_seconds(r.p50).c_str(),
            table_seconds(r.p99).c_str(), table_seconds(r.max).c_str(),
            static_cast<unsigned long long>(h.clients - r.recovered),
            static_cast<unsigned long long>(r.stuck), r.wall_s);
        never = never || r.recovered < h.clients || r.detected < h.clients;
    }
    std::printf("false: live sessions a policy ended (false positives); unnoticed: sessions never "
                "found dead; stuck: connected to a silent session when the run ended\n");
    if (never) {
        std::printf("never: that client's session was not found dead, or it was not back, when "
                    "the run ended (--until %s, or it gave up)\n",
                    redial::format_duration(h.until).c_str());
    }
}

void print_table(const herd_options& h, const std::vector<result>& results) {
    if (h.scenario == "silent") {
        print_silent_table(h, results);
        return;
    }
    std::printf("%s: %u clients, seed %llu", h.scenario.c_str(), h.clients,
                static_cast<unsigned long long>(h.seed));
    if (h.scenario == "outage") {
        std::printf(
            ", down at %s for %s (%s), back with %s accepts/s; times from its return\n",
            redial::format_duration(h.down_at).c_str(), redial::format_duration(h.outage).c_str(),
            std::string(sim::to_string(h.down_mode)).c_str(),
            h.capacity > 0 ? redial::detail::format_number(h.capacity).c_str() : "unlimited");
    } else if (h.scenario == "occ") {
        std::printf(", hops N(%s, %s); a write is a read round trip then a write round trip; "
                    "times from the start\n",
                    redial::format_duration(h.hop_mean).c_str(),
                    redial::format_duration(h.hop_stddev).c_str());
    } else {
        std::printf(", each write holds the record %s; times from the start\n",
                    redial::format_duration(h.latency).c_str());
    }
    std::printf("%-13s %12s %10s %14s %10s %10s %10s %10s %12s %8s\n", "policy", "attempts",
                "per client", "peak/s", "p50 s", "p99 s", "max s", "not back", "events", "wall s");
    bool never = false;
    for (const result& r : results) {
        std::printf("%-13s %12llu %10.2f %14.0f %10s %10s %10s %10llu %12llu %8.2f\n",
                    r.policy.c_str(), static_cast<unsigned long long>(r.attempts),
                    static_cast<double>(r.attempts) / static_cast<double>(h.clients), r.peak,
                    table_seconds(r.p50).c_str(), table_seconds(r.p99).c_str(),
                    table_seconds(r.max).c_str(),
                    static_cast<unsigned long long>(h.clients - r.recovered),
                    static_cast<unsigned long long>(r.events), r.wall_s);
        never = never || r.recovered < h.clients;
    }
    if (never) {
        // A policy with clients not back has no maximum: say why rather than print a time.
        std::printf("never: the client at that rank was not back when the run ended (--until "
                    "%s, or it gave up)\n",
                    redial::format_duration(h.until).c_str());
    }
}

void print_json(const herd_options& h, const std::vector<result>& results) {
    std::printf("{\"scenario\": \"%s\", \"clients\": %u, \"seed\": %llu, \"policies\": [",
                h.scenario.c_str(), h.clients, static_cast<unsigned long long>(h.seed));
    for (std::size_t i = 0; i < results.size(); ++i) {
        const result& r = results[i];
        std::printf(
            "%s{\"policy\": \"%s\", \"attempts\": %llu, \"attempts_per_client\": %.4f, "
            "\"peak_attempts_per_s\": %.1f, "
            "\"reconnect_p50_s\": %s, \"reconnect_p99_s\": %s, "
            "\"reconnect_max_s\": %s, \"not_back\": %llu, \"gave_up\": %llu, "
            "\"events\": %llu, \"wall_s\": %.3f",
            i == 0 ? "" : ", ", r.policy.c_str(), static_cast<unsigned long long>(r.attempts),
            static_cast<double>(r.attempts) / static_cast<double>(h.clients), r.peak,
            json_seconds(r.p50).c_str(), json_seconds(r.p99).c_str(), json_seconds(r.max).c_str(),
            static_cast<unsigned long long>(h.clients - r.recovered),
            static_cast<unsigned long long>(r.gave_up), static_cast<unsigned long long>(r.events),
            r.wall_s);
        if (h.scenario == "silent") {
            std::printf(", \"liveness\": \"%s\", \"backoff\": \"%s\", \"pings\": %llu, "
                        "\"false_timeouts\": %llu, \"detected_p50_s\": %s, "
                        "\"detected_p99_s\": %s, \"detected_max_s\": %s, \"unnoticed\": %llu, "
                        "\"stuck\": %llu",
                        r.liveness.c_str(), r.backoff.c_str(),
                        static_cast<unsigned long long>(r.pings),
                        static_cast<unsigned long long>(r.false_timeouts),
                        json_seconds(r.detect_p50).c_str(), json_seconds(r.detect_p99).c_str(),
                        json_seconds(r.detect_max).c_str(),
                        static_cast<unsigned long long>(h.clients - r.detected),
                        static_cast<unsigned long long>(r.stuck));
        }
        std::printf("}");
    }
    std::printf("]}\n");
}

// Attempts per second over time, one line per policy, on a log scale (a synchronised herd
// peaks orders of magnitude above a jittered one).
void write_svg(const herd_options& h, const std::vector<result>& results) {
    std::ofstream out(h.svg);
    if (!out) {
        usage_error("invalid --svg \"" + h.svg + "\": cannot write the file");
    }
    constexpr double width = 960, height = 540, left = 90, right = 170, top = 50, bottom = 60;
    const double pw = width - left - right, ph = height - top - bottom;
    const double bin_s = seconds(h.bin);
    std::size_t n = 1;
    double peak = 1;
    for (const result& r : results) {
        n = std::max(n, r.bins.size());
        peak = std::max(peak, r.peak);
    }
    if (h.plot_until.count() > 0) {
        n = std::max<std::size_t>(1, static_cast<std::size_t>(h.plot_until / h.bin));
    }
    const double t_max = static_cast<double>(n) * bin_s;
    const int decades = std::max(1, static_cast<int>(std::ceil(std::log10(peak))));
    auto x = [&](double t) { return left + pw * t / t_max; };
    auto y = [&](double rate) { // log10(rate + 1): zero sits on the axis
        return top + ph - ph * std::log10(rate + 1.0) / decades;
    };
    static constexpr const char* colours[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd",
                                              "#ff7f0e", "#8c564b", "#e377c2"};
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
        << "\" viewBox=\"0 0 " << width << ' ' << height
        << "\" font-family=\"sans-serif\" font-size=\"13\">\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"" << left << "\" y=\"28\" font-size=\"16\">redial-herd " << h.scenario << ": "
        << h.clients << " clients, attempts per second (" << seconds(h.bin) * 1000
        << " ms windows)</text>\n";
    for (int d = 0; d <= decades; ++d) { // y axis: one tick per decade
        const double yy = y(std::pow(10.0, d) - 1.0);
        out << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << yy << "\" y2=\""
            << yy << "\" stroke=\"#ddd\"/>\n<text x=\"" << left - 8 << "\" y=\"" << yy + 4
            << "\" text-anchor=\"end\">" << (d == 0 ? "0" : "1e" + std::to_string(d))
            << "</text>\n";
    }
    const double step = std::max(1.0, std::pow(10.0, std::floor(std::log10(t_max))) / 2);
    for (double t = 0; t <= t_max + 1e-9; t += step) { // x axis
        out << "<line x1=\"" << x(t) << "\" x2=\"" << x(t) << "\" y1=\"" << top + ph << "\" y2=\""
            << top + ph + 5 << "\" stroke=\"black\"/>\n<text x=\"" << x(t) << "\" y=\""
            << top + ph + 20 << "\" text-anchor=\"middle\">" << t << "</text>\n";
    }
    out << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << top + ph << "\" y2=\""
        << top + ph << "\" stroke=\"black\"/>\n<line x1=\"" << left << "\" x2=\"" << left
        << "\" y1=\"" << top << "\" y2=\"" << top + ph << "\" stroke=\"black\"/>\n"
        << "<text x=\"" << left + pw / 2 << "\" y=\"" << height - 15
        << "\" text-anchor=\"middle\">time (s, virtual)</text>\n<text transform=\"translate(22,"
        << top + ph / 2
        << ") rotate(-90)\" text-anchor=\"middle\">attempts per second (log scale)</text>\n";
    for (std::size_t i = 0; i < results.size(); ++i) {
        const result& r = results[i];
        const char* colour = colours[i % std::size(colours)];
        out << "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" << colour << "\" points=\"";
        for (std::size_t b = 0; b < n; ++b) {
            const double rate = b < r.bins.size() ? r.bins[b] / bin_s : 0.0;
            out << x(static_cast<double>(b) * bin_s) << ',' << y(rate) << ' ';
        }
        out << "\"/>\n";
        const double ly = top + 20 + 22 * static_cast<double>(i);
        out << "<line x1=\"" << left + pw + 15 << "\" x2=\"" << left + pw + 40 << "\" y1=\"" << ly
            << "\" y2=\"" << ly << "\" stroke=\"" << colour << "\" stroke-width=\"3\"/>\n<text x=\""
            << left + pw + 46 << "\" y=\"" << ly + 4 << "\">" << r.policy << "</text>\n";
    }
    out << "</svg>\n";
}

} // namespace

int main(int argc, char** argv) {
    const herd_options h = parse(argc, argv);
    if (!h.svg.empty() && !std::ofstream(h.svg, std::ios::app)) {
        // Before the run, which may take minutes (the file is rewritten after it).
        usage_error("invalid --svg \"" + h.svg + "\": cannot write the file");
    }
    std::vector<result> results;
    try {
        sim::validate_scenario(world_of(h)); // names the key of a bad value before any run
        if (h.scenario == "silent") {
            for (const sim::liveness_mode live : h.livenesses) {
                for (const std::string& p : h.policies) {
                    results.push_back(run_policy(h, p, live));
                }
            }
        } else {
            for (const std::string& p : h.policies) {
                results.push_back(run_policy(h, p, sim::liveness_mode::none));
            }
        }
    } catch (const redial::config_error& e) {
        usage_error(e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "redial-herd: %s\n", e.what());
        return 1;
    }
    if (h.json) {
        print_json(h, results);
    } else {
        print_table(h, results);
    }
    if (!h.svg.empty()) {
        write_svg(h, results);
    }
    return 0;
}
