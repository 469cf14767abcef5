#!/usr/bin/env bash
# `cmake --install` of a build with the examples: the headers and the four tools, each of which
# runs from the prefix; `--component tools` installs the tools alone. Run by the test suite.
# Usage: scripts/test-install.sh BUILD_DIR TOOLS_ON (1 or 0: REDIAL_INSTALL_TOOLS)
set -euo pipefail
build=$1
tools_on=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tools=(redial-cat redial-redis redial-schedule redial-herd)
failed=0
fail() {
    echo "FAILED  $*"
    failed=1
}

cmake --install "$build" --prefix "$work/all" >"$work/all.log"
[ -f "$work/all/include/redial/core/machine.hpp" ] || fail "full install has no headers"
if [ "$tools_on" = 1 ]; then
    for t in "${tools[@]}"; do
        [ -x "$work/all/bin/$t" ] || fail "full install has no bin/$t"
        "$work/all/bin/$t" --help >/dev/null || fail "installed $t --help exited $?"
    done
    cmake --install "$build" --prefix "$work/tools" --component tools >"$work/tools.log"
    got=$(cd "$work/tools" && find . -type f | sort | tr '\n' ' ')
    want="./bin/redial-cat ./bin/redial-herd ./bin/redial-redis ./bin/redial-schedule "
    [ "$got" = "$want" ] || fail "--component tools installed: $got(want $want)"
else
    [ ! -e "$work/all/bin" ] || fail "REDIAL_INSTALL_TOOLS=OFF installed $(ls "$work/all/bin")"
fi
# flaky-server is a test fixture, never installed.
[ ! -e "$work/all/bin/flaky-server" ] || fail "flaky-server was installed"
[ "$failed" -eq 0 ] && echo "install: headers and tools (tools option $tools_on)"
exit "$failed"
