#!/usr/bin/env bash
# The whole test suite: unit, compile-fail, header self-containment, formatting, and a short
# benchmark run. Installs missing Debian packages first (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
redial_install_deps
redial_build
cd build
ctest --output-on-failure --parallel "$(nproc)"
