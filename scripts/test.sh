#!/usr/bin/env bash
# The whole test suite: unit, loopback, TLS, CLI, bad input, consumers (find_package,
# add_subdirectory, FetchContent, pkg-config), fuzz-corpus replays, compile-fail, header
# self-containment, docs, formatting and short benchmark runs, with GCC; the same (without
# benchmarks) with clang 16; clang-tidy; each libFuzzer target for a bounded time; then the unit
# tests again under ASan + UBSan, and the threaded and transport tests under TSan.
# Installs missing Debian packages first (as root). REDIAL_FUZZ_SECONDS sets the fuzzing time
# per target (default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
redial_install_deps
redial_build
(cd build && ctest --output-on-failure --parallel "$(nproc)") 2>&1 | tee build/ctest.log
main=$(grep -oE 'out of [0-9]+' build/ctest.log | tail -n 1 | grep -oE '[0-9]+')

echo "== compile time: README example vs plain asio, policy headers, redial.hpp (short mode)"
scripts/compile-time.sh --quick

echo "== clang 16: the same tests built with the second compiler"
redial_build_clang
(cd build-clang && ctest --output-on-failure --parallel "$(nproc)") 2>&1 | tee build-clang/ctest.log
clang=$(grep -oE 'out of [0-9]+' build-clang/ctest.log | tail -n 1 | grep -oE '[0-9]+')

echo "== clang-tidy 16: every public header, the examples, the fuzz targets"
scripts/tidy.sh build-clang

echo "== libFuzzer: each target for ${REDIAL_FUZZ_SECONDS:-30} s (clang 16, ASan + UBSan)"
scripts/fuzz.sh "${REDIAL_FUZZ_SECONDS:-30}" 2>&1 | tee build-clang/fuzz.log
fuzz=$(grep -oE '^fuzz: [0-9]+ targets' build-clang/fuzz.log | grep -oE '[0-9]+')

echo "== ASan + UBSan: the unit tests"
redial_build_sanitized build-asan "-fsanitize=address,undefined -fno-sanitize-recover=all"
build-asan/bin/redial_tests --gtest_brief=1 2>&1 | tee build-asan/tests.log
asan=$(grep -oE 'PASSED  \] [0-9]+' build-asan/tests.log | grep -oE '[0-9]+')

echo "== TSan: stop from another thread, clocks, transports, the reconnector, the outbox"
redial_build_sanitized build-tsan "-fsanitize=thread"
build-tsan/bin/redial_tests --gtest_brief=1 \
    --gtest_filter='Reconnector*:StopDuring*:*Transport*:VirtualClock*:SteadyClock*:Aliases*:Outbox*' \
    2>&1 | tee build-tsan/tests.log
tsan=$(grep -oE 'PASSED  \] [0-9]+' build-tsan/tests.log | grep -oE '[0-9]+')

# Every stage above stops the script on a failure (set -e, pipefail), so reaching here means
# all passed: ctest's tests, clang-tidy, the fuzz targets, then the unit tests again under
# ASan + UBSan and under TSan.
echo "redial: $main ctest (GCC), $clang ctest (clang 16), clang-tidy clean, $fuzz fuzz targets" \
    "without a crash, $asan under ASan + UBSan, $tsan under TSan"
echo "$((main + clang + fuzz + asan + tsan)) passed, 0 failed"
