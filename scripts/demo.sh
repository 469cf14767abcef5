#!/usr/bin/env bash
# The demo: redial-cat keeps a connection to a local server that first refuses (2 s), then
# accepts and closes at once (4 s), then stays healthy but restarts every 4 s, and at 13 s hangs
# (its connections stay open and nothing more arrives, as when a server is stopped or its host
# is gone). In 19 seconds the log on stderr shows the backoff escalating, flaps being detected,
# the reset after a healthy session, then the hung server noticed by --idle-timeout ("no data
# for 1s"), and each reconnect to it (accepted, then silent) judged a flap, so the delay
# escalates again; the server's "hello N" lines arrive on stdout. Installs missing Debian
# packages first (as root). With arguments, runs redial-cat with them instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
redial_install_deps
redial_build redial-cat flaky-server redial-schedule >/dev/null
if [ $# -gt 0 ]; then
    exec build/bin/redial-cat "$@"
fi
port=$((47000 + $$ % 1000))
build/bin/flaky-server --port "$port" --every 500ms --refuse 2s --flap 4s --healthy-for 4s \
    --hang-at 13s &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
sleep 0.2
echo "redial-cat 127.0.0.1:$port for 19 seconds (backoff 250ms doubling to 2s, idle timeout 1s):" >&2
timeout --preserve-status -s INT 19 build/bin/redial-cat --backoff-initial 250ms --backoff-max 2s \
    --idle-timeout 1s "127.0.0.1:$port" </dev/null
