#!/usr/bin/env bash
# Formats every C++ file with clang-format 16 (what the format test checks).
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files '*.hpp' '*.cpp' | xargs clang-format-16 -i
