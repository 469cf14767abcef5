#!/usr/bin/env bash
# What each of the machine's checks costs, in instructions per event (callgrind), against the
# seeds' loop: the machine-step benchmark is rebuilt with the checks taken out one after another
# (cumulatively, from copies of include/ edited by text replacement), at -O2 and -O3; each row
# prints the instructions per event and what its removal saved. The copies exist only for this
# accounting: every check stays in the library.
#
#   scripts/machine-accounting.sh            (about 4 minutes on 2 cores)
#
# A replacement that no longer matches the header stops the script, naming the step: update the
# text below when machine.hpp changes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
command -v valgrind >/dev/null || { echo "machine-accounting: apt-get install -y valgrind" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Writes $work/0 (the library) .. $work/N (N steps removed) and prints one description a row.
python3 - "$root/include" "$work" >"$work/rows" <<'PY'
import shutil, sys
src, work = sys.argv[1:]
steps = [
    ("state checks (a misplaced event throws std::logic_error)", [
        ("            detail::throw_misplaced_event(event);", "            (void)event;")]),
    ("state stores (what state() reports and the checks compare)", [
        ("        ++attempts_;\n        state_ = machine_state::connecting;", "        ++attempts_;"),
        ("        state_ = machine_state::waiting;\n        return decision::wait(delay);",
         "        return decision::wait(delay);"),
        ("        state_ = machine_state::connected;\n", "")]),
    ("the test for an attempt limit or clipping (unset here)", [
        ("        return limited_ ? back_off_as<true>(now) : back_off_as<false>(now);",
         "        return back_off_as<false>(now);")]),
    ("the attempt counter (attempts(), the give-up message)", [
        ("        ++attempts_;\n", "")]),
    ("the give-up deadline (the seeds' loop has its own)", [
        ("        if (now > deadline_ && attempts_ != 0) {", "        if (false) {")]),
]
header = "/include/redial/core/machine.hpp"
shutil.copytree(src, f"{work}/0/include")
print("the machine as shipped")
text = open(f"{work}/0{header}").read()
for i, (what, edits) in enumerate(steps, 1):
    for old, new in edits:
        if old not in text:
            sys.exit(f"machine-accounting: the text of step {i} ({what}) is no longer in machine.hpp")
        text = text.replace(old, new)
    shutil.copytree(src, f"{work}/{i}/include")
    open(f"{work}/{i}{header}", "w").write(text)
    print("without " + what)
PY
mapfile -t rows <"$work/rows"

build() { # N: $work/N/bench-O2 and -O3 against $work/N/include
    local o
    for o in O2 O3; do
        c++ -DBOOST_ALL_NO_LIB -I"$work/$1/include" -I"$root/tests" -I"$root/include" "-$o" -g \
            -DNDEBUG -falign-loops=64 -std=gnu++20 -o "$work/$1/bench-$o" \
            "$root/bench/policies_bench.cpp" -lbenchmark
    done
}
pids=()
for ((r = 0; r < ${#rows[@]}; ++r)); do
    build "$r" &
    pids+=($!)
    if ((${#pids[@]} >= $(nproc))); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p"; done

per_event() { # BINARY: "machine baseline" instructions per event
    scripts/bench-instructions.sh "$1" |
        awk '$1 == "machine_step" { print $2, $3 }'
}
printf '%-66s %7s %6s %7s %6s\n' "instructions per event, checks removed cumulatively" \
    "-O2" "saved" "-O3" "saved"
p2="" p3=""
for ((r = 0; r < ${#rows[@]}; ++r)); do
    read -r m2 b2 < <(per_event "$work/$r/bench-O2")
    read -r m3 b3 < <(per_event "$work/$r/bench-O3")
    s2="" s3=""
    if [[ -n $p2 ]]; then
        s2=$(awk -v a="$p2" -v b="$m2" 'BEGIN { printf "%.2f", a - b }')
        s3=$(awk -v a="$p3" -v b="$m3" 'BEGIN { printf "%.2f", a - b }')
    fi
    printf '%-66s %7s %6s %7s %6s\n' "${rows[r]}" "$m2" "$s2" "$m3" "$s3"
    p2=$m2 p3=$m3
done
printf '%-66s %7s %6s %7s %6s\n' "the seeds' loop, hand-written (same binaries)" "$b2" "" "$b3" ""
