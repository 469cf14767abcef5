#!/usr/bin/env bash
# Compiles every ```cpp block of README.md and docs/*.md as its own translation unit.
# A block that is not a whole translation unit (a declaration list, a fragment) belongs in
# ```text. Blocks with a main() are also linked and run, and must exit 0, unless they say
# `doc: compile-only` (a client that needs a server of yours).
# Usage: scripts/check-doc-blocks.sh [compiler] (run by the test suite).
set -euo pipefail
cd "$(dirname "$0")/.."
cxx=${1:-c++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for doc in README.md docs/*.md; do
    awk -v out="$work/$(basename "$doc" .md)" '
        /^```cpp$/ { n++; file = out "_" n ".cpp"; inside = 1; printf "" > file; next }
        /^```$/ && inside { inside = 0; close(file); next }
        inside { print >> file }
    ' "$doc"
done
# What the redial::redial CMake target adds for clang (asio 1.22's co_await detection).
defines=""
if "$cxx" --version | grep -q clang; then
    defines="-DASIO_HAS_CO_AWAIT=1"
fi
failed=0
count=0
for src in "$work"/*.cpp; do
    [ -e "$src" ] || continue
    count=$((count + 1))
    name=$(basename "$src" .cpp | sed 's/_\([0-9]*\)$/.md block \1/')
    if ! "$cxx" -std=c++20 -Wall -Wextra -Werror -Iinclude $defines -c "$src" -o "$src.o" 2>"$src.log"; then
        echo "does not compile: $name"
        head -20 "$src.log"
        failed=$((failed + 1))
    elif grep -q 'int main(' "$src" && ! grep -q 'doc: compile-only' "$src"; then
        # A whole program: link it and run it; it must exit 0 (its own checks passed).
        if ! "$cxx" "$src.o" -o "$src.bin" -pthread 2>"$src.log" || ! "$src.bin" >/dev/null; then
            echo "does not run cleanly: $name"
            head -20 "$src.log"
            failed=$((failed + 1))
        fi
    fi
done
echo "doc blocks: $((count - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
