#!/usr/bin/env bash
# Bad input across the public surface: runs every shell row of tests/bad_input/cases.tsv against
# the built tools (redial-cat, redial-redis, redial-schedule, redial-herd, bad-input-config)
# with a 10 s limit, and checks the exit status, that stderr contains the expected text and that
# stdout is empty; a hang (timeout) or a death by signal fails the row whatever it expected. C++
# rows name a GoogleTest test: it must exist in tests/, and passes when redial_tests is in
# BIN_DIR. Then checks that the table in docs/bad-input.md is the one the data file generates.
#
#   scripts/test-bad-input.sh BIN_DIR       run the rows, check the doc (the test suite's `bad_input`)
#   scripts/test-bad-input.sh --write-doc   regenerate the doc's table from the data file
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cases=$root/tests/bad_input/cases.tsv
doc=$root/docs/bad-input.md
begin_marker='<!-- begin bad-input table: generated from tests/bad_input/cases.tsv by scripts/test-bad-input.sh --write-doc; do not edit -->'
end_marker='<!-- end bad-input table -->'

# The data rows: comments and blank lines dropped; six TAB-separated fields per row.
rows() {
    grep -v -e '^#' -e '^[[:space:]]*$' "$cases"
}

# A cell of a markdown table: a code span, with | escaped.
code_cell() {
    local s=${1//|/\\|}
    # shellcheck disable=SC2016 # the backticks are markdown, not a command
    printf '`%s`' "$s"
}

# The generated part of docs/bad-input.md.
table() {
    local n=0 shell=0 cxx=0 surface input code expect test note
    while IFS=$'\t' read -r surface input code expect test note; do
        if [ "$code" = throws ]; then cxx=$((cxx + 1)); else shell=$((shell + 1)); fi
    done < <(rows)
    echo "$((shell + cxx)) rows: $shell run from the shell by the test suite, $cxx C++ rows checked by"
    echo "the GoogleTest test named in their note."
    echo
    echo '| # | surface | input | exit | stderr contains | note |'
    echo '|---:|---|---|---|---|---|'
    while IFS=$'\t' read -r surface input code expect test note; do
        n=$((n + 1))
        if [ "$test" != - ]; then
            note="test \`$test\`${note:+; $note}"
        fi
        printf '| %d | %s | %s | %s | %s | %s |\n' "$n" "$surface" "$(code_cell "$input")" \
            "$code" "$(code_cell "$expect")" "${note//|/\\|}"
    done < <(rows)
}

# The doc with its table section replaced by `table`.
doc_with_table() {
    local generated
    generated=$(table)
    # Through the environment: awk -v would read the table's \| as an escape.
    begin="$begin_marker" end="$end_marker" body="$generated" awk '
        $0 == ENVIRON["begin"] { print; print ENVIRON["body"]; skipping = 1; next }
        $0 == ENVIRON["end"] { skipping = 0 }
        !skipping { print }
    ' "$doc"
}

if ! grep -qxF -- "$begin_marker" "$doc" || ! grep -qxF -- "$end_marker" "$doc"; then
    echo "docs/bad-input.md: the table markers are missing" >&2
    exit 1
fi
if [ "${1:-}" = --write-doc ]; then
    updated=$(doc_with_table)
    printf '%s\n' "$updated" >"$doc"
    echo "docs/bad-input.md: table rewritten from tests/bad_input/cases.tsv"
    exit 0
fi

bin=$(cd "${1:?usage: test-bad-input.sh BIN_DIR | --write-doc}" && pwd)
for tool in redial-cat redial-redis redial-schedule redial-herd bad-input-config; do
    if [ ! -x "$bin/$tool" ]; then
        echo "test-bad-input.sh: $bin/$tool is missing (build it first)" >&2
        exit 1
    fi
done

passed=0
failed=0
fail() { # row number, input, why
    failed=$((failed + 1))
    echo "FAILED row $1: $2"
    echo "    $3"
}

# A scratch directory for the commands: files they name, and their output.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/run"
printf 'not a certificate\n' >"$scratch/run/not-a-cert.pem"
: >"$scratch/run/empty.pem"

gtests=()
n=0
while IFS=$'\t' read -r surface input code expect test note; do
    n=$((n + 1))
    if [ "$code" = throws ]; then
        # A C++ row: the test it names must exist (and pass, below).
        suite=${test%%.*}
        name=${test#*.}
        if grep -rqE "^TEST(_F|_P)?\($suite, $name\)" "$root/tests"; then
            gtests+=("$test")
        else
            fail "$n" "$input" "no GoogleTest test $test in tests/"
        fi
        continue
    fi
    got=0
    (cd "$scratch/run" && PATH="$bin:$PATH" timeout 10 bash -c "$input" \
        </dev/null >"$scratch/out" 2>"$scratch/err") || got=$?
    err=$(cat "$scratch/err")
    if [ "$got" -eq 124 ]; then
        fail "$n" "$input" "hung: still running after 10 s"
        continue
    fi
    if [ "$got" -ge 125 ]; then
        fail "$n" "$input" "exit $got (a signal, or the command could not run); stderr: $err"
        continue
    fi
    if [ "$got" -ne "$code" ]; then
        fail "$n" "$input" "exit $got, want $code; stderr: $err"
        continue
    fi
    if [ "$code" -ne 0 ] && [ -s "$scratch/out" ]; then
        fail "$n" "$input" "printed to stdout before refusing: $(head -c 200 "$scratch/out")"
        continue
    fi
    missing=
    rest=$expect
    while [ -n "$rest" ]; do
        part=${rest%% ... *}
        if [ "$part" = "$rest" ]; then rest=; else rest=${rest#* ... }; fi
        if ! grep -qF -- "$part" <<<"$err"; then
            missing=$part
            break
        fi
    done
    if [ -n "$missing" ]; then
        fail "$n" "$input" "stderr lacks \"$missing\"; stderr: $err"
        continue
    fi
    passed=$((passed + 1))
done < <(rows)

# The C++ rows' tests, run when the unit tests are built (the test suite runs them too).
if [ "${#gtests[@]}" -gt 0 ]; then
    if [ -x "$bin/redial_tests" ]; then
        filter=$(IFS=:; echo "${gtests[*]}")
        if "$bin/redial_tests" --gtest_filter="$filter" >"$scratch/gtest" 2>&1; then
            for test in "${gtests[@]}"; do
                if grep -qF "[       OK ] $test (" "$scratch/gtest"; then
                    passed=$((passed + 1))
                else
                    fail - "$test" "not in $bin/redial_tests (rebuild it)"
                fi
            done
        else
            fail - "redial_tests --gtest_filter=..." \
                "$(grep -E '^\[  FAILED  \]|Failure' "$scratch/gtest" | head -5)"
        fi
    else
        echo "note: $bin/redial_tests not built: ${#gtests[@]} C++ rows checked by name only"
        passed=$((passed + ${#gtests[@]}))
    fi
fi

# The doc's table must be the one the data file generates.
if [ "$(doc_with_table)" != "$(cat "$doc")" ]; then
    fail - docs/bad-input.md "its table is out of date: run scripts/test-bad-input.sh --write-doc"
fi

echo "bad input: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
