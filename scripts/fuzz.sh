#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang 16 under ASan + UBSan in build-fuzz/ and runs
# each over a copy of its seed corpus for a bounded time, one process per target. Fails on any
# crash, invariant violation, timeout or leak; the input that caused it is kept and named.
# Usage: scripts/fuzz.sh [seconds-per-target (default 30)] [target...]
#        (targets: duration config machine resp; REDIAL_FUZZ_DIR overrides build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(duration config machine resp)
dir=${REDIAL_FUZZ_DIR:-build-fuzz}

# -O1 with Debug's -g: CMake's other build types would append -O2 after these flags.
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -O1 -g -fno-omit-frame-pointer"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export CCACHE_BASEDIR="$PWD"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-16 \
    -DREDIAL_BUILD_TESTS=OFF -DREDIAL_BUILD_BENCH=OFF -DREDIAL_BUILD_EXAMPLES=OFF \
    -DREDIAL_BUILD_FUZZ=ON -DREDIAL_FUZZ_LIBFUZZER=ON \
    "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=$flags" "${launcher[@]}" >/dev/null
cmake --build "$dir" --target "${targets[@]/%/_fuzz}" >/dev/null

crashes=0
for t in "${targets[@]}"; do
    run="$dir/fuzz-run/$t"
    rm -rf "$run"
    mkdir -p "$run/corpus" "$run/artifacts"
    cp fuzz/corpus/"$t"/* "$run/corpus/" # the repository's seeds stay as they are
    seeds=$(find "$run/corpus" -type f | wc -l)
    dict=()
    [ -f "fuzz/$t.dict" ] && dict=("-dict=fuzz/$t.dict")
    status=ok
    # -timeout: one input running this long is a hang; -rss_limit_mb: a runaway allocation.
    if ! "$dir/bin/${t}_fuzz" "$run/corpus" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 "${dict[@]}" \
        -artifact_prefix="$run/artifacts/" >"$run/log" 2>&1; then
        status=FAILED
    fi
    artifacts=$(find "$run/artifacts" -type f | sort)
    if [ -n "$artifacts" ]; then
        status=FAILED
    fi
    stat() { grep -oE "stat::$1: *[0-9]+" "$run/log" | grep -oE '[0-9]+$' | tail -n 1; }
    printf 'fuzz: %-8s %4s s %10s runs %7s exec/s  corpus %s -> %s  %s\n' "$t" "$seconds" \
        "$(stat number_of_executed_units)" "$(stat average_exec_per_sec)" "$seeds" \
        "$(find "$run/corpus" -type f | wc -l)" "$status"
    if [ "$status" != ok ]; then
        crashes=$((crashes + 1))
        grep -E 'ERROR|invariant violated|SUMMARY|Test unit written' "$run/log" | head -n 10 || true
        echo "  log: $run/log"
        for a in $artifacts; do
            echo "  input: $a (reproduce: $dir/bin/${t}_fuzz $a)"
        done
    fi
done
echo "fuzz: ${#targets[@]} targets, $crashes crashes"
[ "$crashes" -eq 0 ]
