#!/usr/bin/env bash
# Instructions per reconnect cycle of the default reconnector (no_liveness) now and at the commit
# before liveness existed (dd0234c), counted by callgrind: equal counts show that no_liveness
# adds no instruction to the driver. Both sides use the older scripted transport (the test
# transport itself learned chatty servers since), so only the reconnector differs.
#
#   scripts/no-liveness-instructions.sh        (about a minute; needs git history and valgrind)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
base=dd0234c
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
command -v valgrind >/dev/null || { echo "no-liveness-instructions: apt-get install -y valgrind" >&2; exit 2; }
git -C "$root" worktree add -q --detach "$work/old" "$base"
cp -r "$root/include" "$work/new-include"
cp "$work/old/include/redial/transport/scripted.hpp" "$work/new-include/redial/transport/scripted.hpp"
for side in old new; do
    inc=$work/old/include
    [[ $side == new ]] && inc=$work/new-include
    c++ -std=c++20 -O2 -DNDEBUG -I"$inc" "$root/bench/liveness/cycles.cpp" -o "$work/cycles-$side" -pthread
done
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
status=0
printf '%-8s %12s %12s\n' cycle "before ($base)" "no_liveness"
for kind in refused flap stable; do
    per=()
    for side in old new; do
        a=$(count "$work/cycles-$side" 2000 "$kind")
        b=$(count "$work/cycles-$side" 4000 "$kind")
        per+=($(((b - a) / 2000)))
    done
    printf '%-8s %12s %12s\n' "$kind" "${per[0]}" "${per[1]}"
    [[ ${per[0]} == "${per[1]}" ]] || status=1
done
exit $status
