#!/usr/bin/env bash
# Compile time of redial translation units against plain ones doing the same work, as ratios
# from paired runs: the two TUs of a pair are compiled alternately (A B B A A B ...), so a
# change in machine load hits both sides; each TU's CPU time (user + sys of the compiler, from
# /usr/bin/time) and peak RSS are reported as min / median / max, and the ratio as the median
# of the per-run ratios (with their min and max).
#
#   scripts/compile-time.sh [--runs N] [--quick] [--pairs a,b,c] [--rev REV] [--keep DIR]
#
# --rev REV measures the headers and README.md of a commit (git archive) instead of the work
# tree, so a figure can be tied to a commit while others edit the tree.
#
# Pairs (targets from issue 12):
#   a  the README's TCP client example against a hand-written asio reconnect loop (tcp
#      socket, resolver, steady_timer: connect timeout, hold the session, judge it, back off,
#      give up, log each transition to std::cerr) including <asio.hpp>; target <= 1.3x.
#      a-min: both with only the headers they need (not in --quick).
#   b  <redial/core/machine.hpp> and every backoff / stability header together, and each alone
#      (not in --quick), against the standard headers they include; target <= 1.5x.
#   c  <redial/redial.hpp> alone, and <redial/config.hpp> alone (opt-in since issue 12),
#      against the standard headers they include.
#
# Flags are the project build's (RelWithDebInfo, as in build/compile_commands.json):
# CXX (default g++, i.e. GCC 12) -std=c++20 -O2 -g -DNDEBUG, plus -DASIO_HAS_CO_AWAIT=1 for
# clang (the redial::redial target adds it), plus CXXFLAGS_EXTRA; the same for both sides.
# --quick is one run of pairs a, b (together) and c: for the test suite, it checks that every TU
# compiles and prints the ratios, but asserts nothing about them (one run is noise). The exit
# status is non-zero only for a real error: a TU that does not compile, a missing tool, a
# README without the example.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=5
quick=0
pairs=a,b,c
keep=
rev=
usage() {
    sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --runs=*) runs=${1#--runs=}; shift ;;
    --quick) quick=1; runs=1; shift ;;
    --pairs) pairs=${2:?--pairs needs a list}; shift 2 ;;
    --pairs=*) pairs=${1#--pairs=}; shift ;;
    --keep) keep=${2:?--keep needs a directory}; shift 2 ;;
    --rev) rev=${2:?--rev needs a commit}; shift 2 ;;
    --rev=*) rev=${1#--rev=}; shift ;;
    -h | --help) usage 0 ;;
    *) echo "compile-time.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
    esac
done
case $runs in '' | *[!0-9]* | 0) echo "compile-time.sh: --runs wants a positive number" >&2; exit 2 ;; esac

die() { echo "compile-time.sh: $*" >&2; exit 1; }
cxx=${CXX:-g++}
command -v "$cxx" >/dev/null || die "no compiler '$cxx'"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package: time)"
export CCACHE_DISABLE=1 # a compiler found through ccache's masquerade directory must compile
flags=(-std=c++20 -O2 -g -DNDEBUG)
if "$cxx" --version | grep -qi clang; then
    flags+=(-DASIO_HAS_CO_AWAIT=1)
fi
# shellcheck disable=SC2206 # word splitting wanted
flags+=(${CXXFLAGS_EXTRA:-})

if [ -n "$keep" ]; then
    mkdir -p "$keep"
    work=$(cd "$keep" && pwd)
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

if [ -n "$rev" ]; then
    git -C "$root" rev-parse --verify --quiet "$rev^{commit}" >/dev/null || die "no commit '$rev'"
    mkdir -p "$work/tree"
    git -C "$root" archive "$rev" include README.md | tar -x -C "$work/tree" ||
        die "cannot extract include/ and README.md of $rev"
    root=$work/tree
fi

# --- the translation units -------------------------------------------------------------------

# The README's example, as the README has it: the C++ block that makes a TCP reconnector
# (make_reconnector over a tcp_transport since issue 13; tcp_reconnector before, for --rev).
awk '/^```cpp/ { inb = 1; b = ""; next }
     inb && /^```/ { inb = 0; if (b ~ /tcp_reconnector|make_reconnector/) { printf "%s", b; exit } next }
     inb { b = b $0 "\n" }' "$root/README.md" >"$work/a_redial.cpp"
grep -Eq 'tcp_reconnector|make_reconnector' "$work/a_redial.cpp" ||
    die "README.md has no C++ block with tcp_reconnector or make_reconnector"
# (<redial/tcp.hpp> since issue 12; <redial/aliases.hpp> before, for --rev of older commits.)
grep -Eq '#include <redial/(tcp|aliases)\.hpp>' "$work/a_redial.cpp" ||
    die "README.md's example includes neither <redial/tcp.hpp> nor <redial/aliases.hpp>: update a-min here"
# The same with only the headers it needs: the reconnector, the TCP transport, the steady clock.
sed -E -e 's@#include <redial/(tcp|aliases)\.hpp>@#include <redial/clock/steady_clock.hpp>\n#include <redial/reconnector.hpp>\n#include <redial/transport/tcp.hpp>@' \
    -e 's|redial::tcp_reconnector<|redial::basic_reconnector<redial::tcp_transport, redial::steady_clock, |' \
    "$work/a_redial.cpp" >"$work/a_min_redial.cpp"

# The same work by hand: what a careful asio user writes for one connection. $1: the includes.
write_baseline() {
    cat <<EOF
// The README's tcp_reconnector example done by hand with asio: resolve and connect with a 10 s
// timeout, hold the connection by reading until it ends, judge the session (stable if it lived
// 1 s), back off 1 s x2 up to 30 s (reset after a stable session, escalating through flaps),
// give up 5 minutes after the drop with the last error, and log every transition to std::cerr.
$1
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <system_error>
#include <utility>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

std::string seconds_text(clock_type::duration d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", std::chrono::duration<double>(d).count());
    return buf;
}

class reconnect_loop {
public:
    reconnect_loop(asio::io_context& io, std::string host, std::string port)
        : resolver_(io), socket_(io), connect_timer_(io), backoff_timer_(io),
          host_(std::move(host)), port_(std::move(port)), start_(clock_type::now()),
          window_start_(start_) {}

    void run() { attempt(); }
    [[nodiscard]] const std::string& give_up_message() const { return give_up_message_; }

private:
    void log(const std::string& line) {
        std::cerr << "[" << seconds_text(clock_type::now() - start_) << "s] " << line << "\n";
    }

    void attempt() {
        const clock_type::time_point now = clock_type::now();
        if (attempts_ != 0 && now - window_start_ > give_up_after_) {
            give_up_message_ = "reconnect timed out after 5m: " + last_error_;
            log("give_up error=\"" + give_up_message_ + "\"");
            return; // nothing left to run: io.run() returns
        }
        ++attempts_;
        const std::uint64_t id = ++attempt_id_;
        connecting_ = true;
        timed_out_ = false;
        log("attempt attempt=" + std::to_string(attempts_));
        connect_timer_.expires_after(10s);
        connect_timer_.async_wait([this, id](std::error_code ec) {
            if (!ec && connecting_ && id == attempt_id_) { // the timeout: abandon the attempt
                timed_out_ = true;
                resolver_.cancel();
                std::error_code ignored;
                socket_.close(ignored);
            }
        });
        resolver_.async_resolve(
            host_, port_,
            [this](std::error_code ec, asio::ip::tcp::resolver::results_type endpoints) {
                if (ec) {
                    connect_failed(ec);
                    return;
                }
                asio::async_connect(socket_, endpoints,
                                    [this](std::error_code cec, const asio::ip::tcp::endpoint&) {
                                        if (cec) {
                                            connect_failed(cec);
                                        } else {
                                            connected();
                                        }
                                    });
            });
    }

    void connect_failed(std::error_code ec) {
        connecting_ = false;
        connect_timer_.cancel();
        if (timed_out_) {
            ec = asio::error::timed_out;
        }
        std::error_code ignored;
        socket_.close(ignored);
        last_error_ = ec.message();
        log("connect_failed attempt=" + std::to_string(attempts_) + " error=\"" + last_error_ +
            "\"");
        back_off();
    }

    void connected() {
        connecting_ = false;
        connect_timer_.cancel();
        connected_at_ = clock_type::now();
        log("connected attempt=" + std::to_string(attempts_));
        read();
    }

    void read() {
        socket_.async_read_some(asio::buffer(buffer_), [this](std::error_code ec, std::size_t) {
            if (ec) {
                session_ended(ec);
            } else {
                read();
            }
        });
    }

    void session_ended(std::error_code ec) {
        const clock_type::time_point now = clock_type::now();
        std::error_code ignored;
        socket_.close(ignored);
        const clock_type::duration uptime = now - connected_at_;
        const bool stable = uptime >= stable_after_;
        last_error_ = ec.message();
        log("disconnected uptime=" + seconds_text(uptime) + "s verdict=" +
            (stable ? "stable" : "flap") + " reason=\"" + last_error_ + "\"");
        if (stable) { // a healthy session: a fresh backoff and a fresh give-up window
            failures_ = 0;
            attempts_ = 0;
            window_start_ = now;
        }
        back_off();
    }

    void back_off() {
        const int doublings = std::min(failures_++, 5); // 1 s << 5 = 32 s > the 30 s cap
        const clock_type::duration delay =
            std::min<clock_type::duration>(std::chrono::seconds{1} * (1 << doublings), 30s);
        log("backoff delay=" + seconds_text(delay) + "s attempt=" + std::to_string(attempts_ + 1));
        backoff_timer_.expires_after(delay);
        backoff_timer_.async_wait([this](std::error_code ec) {
            if (!ec) {
                attempt();
            }
        });
    }

    asio::ip::tcp::resolver resolver_;
    asio::ip::tcp::socket socket_;
    asio::steady_timer connect_timer_;
    asio::steady_timer backoff_timer_;
    std::string host_;
    std::string port_;
    clock_type::time_point start_;
    clock_type::time_point window_start_;
    clock_type::time_point connected_at_{};
    clock_type::duration stable_after_ = 1s;
    clock_type::duration give_up_after_ = 5min;
    std::array<char, 128> buffer_{};
    std::string last_error_;
    std::string give_up_message_;
    std::uint64_t attempts_ = 0;
    std::uint64_t attempt_id_ = 0;
    int failures_ = 0;
    bool connecting_ = false;
    bool timed_out_ = false;
};

} // namespace

int main() {
    asio::io_context io;
    reconnect_loop loop{io, "127.0.0.1", "7000"};
    loop.run();
    io.run();
    if (!loop.give_up_message().empty()) {
        std::cerr << loop.give_up_message() << "\n";
    }
}
EOF
}
write_baseline '#include <asio.hpp>' >"$work/a_plain.cpp"
write_baseline '#include <asio/buffer.hpp>
#include <asio/connect.hpp>
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>' >"$work/a_min_plain.cpp"

# The standard headers a redial header includes, directly or through other redial headers.
std_includes() {
    local todo=("$@") seen=" " h f
    while [ ${#todo[@]} -gt 0 ]; do
        h=${todo[0]}
        todo=("${todo[@]:1}")
        case $seen in *" $h "*) continue ;; esac
        seen+="$h "
        f=$root/include/$h
        [ -f "$f" ] || die "no header include/$h"
        while IFS= read -r inc; do
            case $inc in
            redial/*) todo+=("$inc") ;;
            *) echo "$inc" ;;
            esac
        done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*<\([^>]*\)>.*/\1/p' "$f")
    done | sort -u
}
# header_pair NAME HEADER...: NAME_redial.cpp includes the headers, NAME_plain.cpp their
# standard (and C/POSIX system) headers.
header_pair() {
    local name=$1
    shift
    printf '#include <%s>\n' "$@" >"$work/${name}_redial.cpp"
    std_includes "$@" | sed 's/.*/#include <&>/' >"$work/${name}_plain.cpp"
    if grep -Eqv '^#include <[a-z_]*(\.h)?>$' "$work/${name}_plain.cpp"; then
        die "$* include more than the standard library: $(grep -Ev '^#include <[a-z_]*(\.h)?>$' "$work/${name}_plain.cpp" | tr '\n' ' ')"
    fi
}
policy_headers=(redial/core/machine.hpp)
for f in "$root"/include/redial/backoff/*.hpp "$root"/include/redial/stability/*.hpp; do
    policy_headers+=("${f#"$root"/include/}")
done
header_pair b_all "${policy_headers[@]}"
for h in "${policy_headers[@]}"; do
    n=${h#redial/}
    n=b_${n//[\/.]/_}
    header_pair "$n" "$h"
done
header_pair c_redial redial/redial.hpp
header_pair c_config redial/config.hpp

# --- measuring ---------------------------------------------------------------------------------

# compile NAME: one timed compile of NAME.cpp; appends "cpu_seconds rss_kib" to NAME.times.
compile() {
    local tu=$work/$1
    if ! /usr/bin/time -f '%U %S %M' -o "$tu.time" \
        "$cxx" "${flags[@]}" -I"$root/include" -c "$tu.cpp" -o "$tu.o" 2>"$tu.err"; then
        cat "$tu.err" >&2
        die "compiling $1.cpp failed (kept in $work with --keep)"
    fi
    # The last line is time's (the compiler's own stderr went to $tu.err).
    tail -n 1 "$tu.time" | awk '{ printf "%.3f %d\n", $1 + $2, $3 }' >>"$tu.times"
}

# stats FILE COLUMN: "min median max" of a column.
stats() {
    awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 }
        END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%s %s %s\n", v[1], m, v[NR] }'
}

printf '%s %s, %d run(s) per TU, %d cores, load %s, headers of %s\n' "$cxx" "${flags[*]}" \
    "$runs" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "${rev:-the work tree}"
printf '%-10s %-26s %-26s %-18s %-9s %s\n' pair "redial CPU s min/med/max" \
    "plain CPU s min/med/max" "ratio med [min-max]" "RSS ratio" "(RSS MiB redial/plain)"

# pair NAME TARGET: runs NAME_redial and NAME_plain alternately and prints a line.
pair() {
    local name=$1 target=$2 i
    rm -f "$work/${name}_redial.times" "$work/${name}_plain.times"
    for ((i = 0; i < runs; i++)); do
        if ((i % 4 == 0 || i % 4 == 3)); then
            compile "${name}_redial"
            compile "${name}_plain"
        else
            compile "${name}_plain"
            compile "${name}_redial"
        fi
    done
    paste "$work/${name}_redial.times" "$work/${name}_plain.times" |
        awk '{ printf "%.4f %.4f\n", $1 / $3, $2 / $4 }' >"$work/$name.ratios"
    local r p q m verdict=""
    read -r -a r < <(stats "$work/${name}_redial.times" 1)
    read -r -a p < <(stats "$work/${name}_plain.times" 1)
    read -r -a q < <(stats "$work/$name.ratios" 1)
    read -r -a m < <(stats "$work/$name.ratios" 2)
    if [ -n "$target" ]; then
        verdict=$(awk -v q="${q[1]}" -v t="$target" -v n="$runs" 'BEGIN {
            s = q <= t ? "within" : "over"; printf " target <= %sx: %s%s", t, s,
            n < 5 ? " (under 5 runs: noise)" : "" }')
    fi
    printf '%-10s %-26s %-26s %-18s %-9s (%s/%s)%s\n' "$name" "${r[0]}/${r[1]}/${r[2]}" \
        "${p[0]}/${p[1]}/${p[2]}" "$(printf '%.2fx [%.2f-%.2f]' "${q[1]}" "${q[0]}" "${q[2]}")" \
        "$(printf '%.2fx' "${m[1]}")" \
        "$(stats "$work/${name}_redial.times" 2 | awk '{ printf "%.0f", $2 / 1024 }')" \
        "$(stats "$work/${name}_plain.times" 2 | awk '{ printf "%.0f", $2 / 1024 }')" "$verdict"
}

IFS=, read -r -a wanted <<<"$pairs"
for w in "${wanted[@]}"; do
    case $w in
    a)
        pair a 1.3
        ((quick)) || pair a_min 1.3
        ;;
    a-min | a_min) pair a_min 1.3 ;;
    b)
        pair b_all 1.5
        if ((!quick)); then
            for h in "${policy_headers[@]}"; do
                n=${h#redial/}
                pair "b_${n//[\/.]/_}" 1.5
            done
        fi
        ;;
    c)
        pair c_redial ""
        pair c_config ""
        ;;
    *) die "unknown pair '$w' (a, a-min, b, c)" ;;
    esac
done
