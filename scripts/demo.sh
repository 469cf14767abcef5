#!/usr/bin/env bash
# The demo: redial-schedule prints the reconnect schedule of a preset or policy for review.
# Extra arguments go to redial-schedule (try --help); with none it compares the seeds' default
# with gRPC's. Installs missing Debian packages first (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
redial_install_deps
redial_build redial-schedule >/dev/null
if [ $# -gt 0 ]; then
    exec build/bin/redial-schedule "$@"
fi
build/bin/redial-schedule --preset default
echo
build/bin/redial-schedule --preset grpc --seed 1 --attempts 14
