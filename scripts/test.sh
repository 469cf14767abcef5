#!/usr/bin/env bash
# The whole test suite: unit, loopback, TLS, CLI, compile-fail, header self-containment, docs,
# formatting and short benchmark runs; then the unit tests again under ASan + UBSan, and the
# threaded and transport tests under TSan. Installs missing Debian packages first (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
redial_install_deps
redial_build
(cd build && ctest --output-on-failure --parallel "$(nproc)")

echo "== ASan + UBSan: the unit tests"
redial_build_sanitized build-asan "-fsanitize=address,undefined -fno-sanitize-recover=all"
build-asan/bin/redial_tests --gtest_brief=1

echo "== TSan: stop from another thread, clocks, transports, the reconnector"
redial_build_sanitized build-tsan "-fsanitize=thread"
build-tsan/bin/redial_tests --gtest_brief=1 \
    --gtest_filter='Reconnector*:StopDuring*:*Transport*:VirtualClock*:SteadyClock*:Aliases*'
