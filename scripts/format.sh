#!/usr/bin/env bash
# Formats every C++ file with clang-format 16 (what the format test checks).
set -euo pipefail
cd "$(dirname "$0")/.."
find include tests bench examples fuzz \( -name '*.hpp' -o -name '*.cpp' \) -print0 |
    xargs -0 clang-format-16 -i
