#!/usr/bin/env bash
# Instructions per delay (per machine event) of every policy and its hand-written baseline,
# counted by callgrind: unlike times, they do not move with the machine's load, so a ratio here
# is the same on every rerun of the same binary.
#
#   scripts/bench-instructions.sh [--iterations N] [--check] BENCH_BINARY...
#   scripts/bench-instructions.sh build/bin/redial-bench build/bin/redial-bench-O3
#
# Each body runs N and then 2N iterations (default N = 2000), and the table takes the difference,
# so set-up and tear-down cancel out. --check fails unless every policy is within 1.10 of its
# baseline and the machine within 1.50 of the seeds' loop (the counts are deterministic for a
# given binary, so the check cannot fail by chance).
set -euo pipefail

iterations=2000
check=0
binaries=()
while (($#)); do
    case "$1" in
    --iterations)
        [[ $# -ge 2 ]] || { echo "bench-instructions: --iterations needs a value" >&2; exit 2; }
        iterations=$2
        shift 2
        ;;
    --iterations=*) iterations=${1#*=}; shift ;;
    --check) check=1; shift ;;
    -h | --help)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*)
        printf 'bench-instructions: unknown option %q\n' "$1" >&2
        exit 2
        ;;
    *) binaries+=("$1"); shift ;;
    esac
done
if ! [[ $iterations =~ ^[1-9][0-9]{0,7}$ ]]; then
    printf 'bench-instructions: invalid --iterations %q: want a count from 1 to 99999999\n' \
        "$iterations" >&2
    exit 2
fi
((${#binaries[@]})) || { echo "bench-instructions: name at least one redial-bench binary" >&2; exit 2; }
command -v valgrind >/dev/null || {
    echo "bench-instructions: valgrind is missing: apt-get install -y valgrind" >&2
    exit 2
}

status=0
for bin in "${binaries[@]}"; do
    [[ -x $bin ]] || { printf 'bench-instructions: not an executable: %q\n' "$bin" >&2; exit 2; }
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" --dump-instr=no \
        "$bin" --instructions="$iterations" >"$out/log" 2>&1 || {
        cat "$out/log" >&2
        echo "bench-instructions: $bin failed under callgrind" >&2
        exit 1
    }
    echo "== $(basename "$bin"): instructions per delay (per event for the machine), N = $iterations"
    # Each dump: "desc: Trigger: Client Request: redial-bench|<name>|<items>|<iterations>" and
    # "summary: <Ir>". Per item = (Ir(2N) - Ir(N)) / (N · items).
    awk -v check="$check" '
        /^desc: Trigger: Client Request: redial-bench\|/ {
            split(substr($0, index($0, "redial-bench|")), f, "|"); name = f[2]; items = f[3]; n = f[4]
        }
        /^summary: / && name != "" {
            ir[name, n] = $2; its[name] = items
            if (!(name in seen)) { seen[name] = 1; order[++count] = name }
            if (n > big[name]) big[name] = n
            if (small[name] == "" || n < small[name]) small[name] = n
            name = ""
        }
        END {
            for (i = 1; i <= count; ++i) {
                k = order[i]
                per[k] = (ir[k, big[k]] - ir[k, small[k]]) / ((big[k] - small[k]) * its[k])
            }
            printf "%-40s %10s %10s %7s  %s\n", "", "Ir/item", "baseline", "ratio", "target"
            bad = 0
            for (i = 1; i <= count; ++i) {
                k = order[i]
                if (k ~ /_baseline/) continue
                b = k; sub(/\/per_call$/, "", b); b = b "_baseline"
                if (k ~ /\/per_call$/) b = b "/per_call"
                if (!(b in per) || per[b] <= 0) continue
                limit = (k ~ /^machine/) ? 1.50 : 1.10
                r = per[k] / per[b]
                verdict = r <= limit + 1e-9 ? "ok" : "OVER"
                if (verdict == "OVER") bad = 1
                printf "%-40s %10.2f %10.2f %7.2f  <= %.2f %s\n", k, per[k], per[b], r, limit, verdict
            }
            for (i = 1; i <= count; ++i) {
                k = order[i]
                if (k ~ /mt19937/) printf "%-40s %10.2f\n", k, per[k]
            }
            exit(check && bad ? 1 : 0)
        }' $(ls "$out"/cg.* | sort -t. -k2 -n) || status=1
    rm -rf "$out"
    trap - EXIT
done
if ((status)); then
    echo "bench-instructions: a ratio is over its target (see OVER above)" >&2
fi
exit "$status"
