#!/usr/bin/env bash
# clang-tidy 16 with the repository's .clang-tidy (bugprone, performance, a modernize subset),
# warnings as errors, over every public header (through the generated header-check translation
# units), the examples and the fuzz targets. Needs build-clang/compile_commands.json (the clang
# build of scripts/test.sh). Usage: scripts/tidy.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-clang}
files=$(grep -oE '"file": "[^"]*"' "$build/compile_commands.json" | sed 's/"file": "//; s/"$//' |
    grep -E '/header_check/|/examples/|/fuzz/[a-z_]+_fuzz\.cpp$' | sort -u)
count=$(echo "$files" | wc -l)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# One file per process, as many processes as cores; each prints only its own diagnostics.
if ! echo "$files" | xargs -P "$(nproc)" -n 1 clang-tidy-16 -p "$build" --quiet >"$log" 2>&1; then
    grep -E '(warning|error): ' "$log" | sort -u
    echo "clang-tidy: $(grep -cE '(warning|error): ' "$log" | tr -d ' ') diagnostics in $count files"
    exit 1
fi
echo "clang-tidy: $count files, 0 warnings"
