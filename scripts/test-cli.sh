#!/usr/bin/env bash
# The tools as a user runs them: exit codes and messages for bad input, a give-up, and a short
# end-to-end run against flaky-server on loopback. Run by the test suite with build/bin.
set -uo pipefail
bin=${1:?usage: test-cli.sh BIN_DIR}
passed=0
failed=0
check() { # name, expected exit code, regex on stderr, command...
    local name=$1 code=$2 regex=$3
    shift 3
    local err
    err=$("$@" 2>&1 >/dev/null </dev/null)
    local got=$?
    if [ "$got" -eq "$code" ] && grep -qE -- "$regex" <<<"$err"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAILED $name: exit $got (want $code); stderr: $err"
    fi
}
check "cat unknown flag" 2 'invalid --bogus "1": unknown key' "$bin/redial-cat" --bogus 1 x:1
check "cat bad duration" 2 'invalid --backoff-max "5x": unknown unit' \
    "$bin/redial-cat" --backoff-max 5x x:1
check "cat bad env" 2 'invalid REDIAL_BACKOF_MAX "3s": unknown variable' \
    env REDIAL_BACKOF_MAX=3s "$bin/redial-cat" x:1
check "cat bad log" 2 'invalid --log "xml": expected text or json' \
    "$bin/redial-cat" --log xml x:1
check "cat bad env log" 2 'invalid REDIAL_LOG "xml"' env REDIAL_LOG=xml "$bin/redial-cat" x:1
check "cat no target" 2 'missing HOST:PORT' "$bin/redial-cat"
check "cat bad target" 2 'invalid target "localhost": expected HOST:PORT' \
    "$bin/redial-cat" localhost
check "cat target with a newline" 2 'invalid target "bad\\nhost:80": a host name has no spaces' \
    "$bin/redial-cat" "$(printf 'bad\nhost'):80"
check "cat long target" 2 '"0{48}\.\.\.0{13}:80" \(70003 characters\): the host name has 70000' \
    "$bin/redial-cat" "$(printf '%070000d' 0):80"
# The escaped target keeps the message on one line: the message and "(try --help)".
lines=$("$bin/redial-cat" "$(printf 'bad\nhost\001'):80" 2>&1 >/dev/null </dev/null | wc -l)
if [ "$lines" -eq 2 ]; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAILED cat escaped target: $lines lines on stderr (want 2)"
fi
# Found by review: a name only the library refused ("a..b" has an empty label) exited 70 as an
# internal error; control characters in a value were printed raw by every tool.
check "cat empty label" 2 'invalid tcp host "a\.\.b": has an empty label' "$bin/redial-cat" a..b:80
check "cat unit with a newline" 2 'invalid --backoff-max "1\\nx": unknown unit "\\nx"' \
    "$bin/redial-cat" --backoff-max "$(printf '1\nx')" 127.0.0.1:9
check "cat log with a newline" 2 'invalid --log "a\\nb": expected text or json' \
    "$bin/redial-cat" --log "$(printf 'a\nb')" 127.0.0.1:9
check "herd control bytes" 2 'invalid --policy "\\x1b\[2J"' \
    "$bin/redial-herd" --policy "$(printf 'full,\033[2J')"
check "schedule control bytes" 2 'invalid --attempts "x\\ty\\x01"' \
    "$bin/redial-schedule" --attempts "$(printf 'x\ty\001')"
one_line() { # name, command...: the error and "(try --help)", two lines whatever the input
    local name=$1 lines
    shift
    lines=$("$@" 2>&1 >/dev/null </dev/null | wc -l)
    if [ "$lines" -eq 2 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAILED $name: $lines lines on stderr (want 2)"
    fi
}
nl=$(printf 'a\nb')
one_line "cat log on one line" "$bin/redial-cat" --log "$nl" 127.0.0.1:9
one_line "herd scenario on one line" "$bin/redial-herd" --scenario "$nl"
one_line "schedule scenario on one line" "$bin/redial-schedule" --scenario "$nl"
# A closed stdin is held by /dev/null, so the event loop's eventfd cannot become "stdin" (found by
# review: its counter was read and sent to the peer).
cat_log=$(mktemp)
"$bin/redial-cat" --backoff-timeout 0 127.0.0.1:9 <&- 2>"$cat_log" &
cat_pid=$!
for _ in $(seq 1 200); do # until it logged its first attempt (at most 10 s)
    grep -q attempt "$cat_log" && break
    sleep 0.05
done
fd0=$(readlink "/proc/$cat_pid/fd/0" 2>/dev/null)
rm -f "$cat_log"
kill -INT "$cat_pid" 2>/dev/null
wait "$cat_pid" 2>/dev/null
if [ "$fd0" = /dev/null ]; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAILED cat closed stdin: fd 0 is ${fd0:-missing}, want /dev/null"
fi
check "cat ca-file without tls" 2 '--ca-file needs --tls' "$bin/redial-cat" --ca-file x x:1
check "cat missing ca-file" 2 'invalid --ca-file "/nonexistent.pem": cannot be loaded' \
    "$bin/redial-cat" --tls --ca-file /nonexistent.pem localhost:1
check "schedule bad flag" 2 'invalid --backoff-initial "2m": must not exceed --backoff-max' \
    "$bin/redial-schedule" --backoff-initial 2m --backoff-max 1m
check "schedule bad attempts" 2 'invalid --attempts "0"' "$bin/redial-schedule" --attempts 0

# A closed port: gives up, exit 1, the give-up error on stderr.
port=$((20000 + $$ % 1000)) # below the ephemeral range (32768-60999): no client socket holds it
check "cat gives up" 1 "redial-cat: reconnect timed out after 200ms: Connection refused" \
    "$bin/redial-cat" --backoff-initial 10ms --backoff-max 40ms --backoff-timeout 200ms \
    "127.0.0.1:$port"

# End to end: refused, then flaps, then healthy; SIGINT stops it with exit 0.
"$bin/flaky-server" --port "$port" --refuse 300ms --flap 300ms 2>/dev/null &
server=$!
out=$(mktemp)
err=$(mktemp)
timeout --preserve-status -s INT 2 "$bin/redial-cat" --log json --backoff-initial 50ms \
    --backoff-max 200ms "127.0.0.1:$port" </dev/null >"$out" 2>"$err"
code=$?
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
if [ "$code" -eq 0 ] && grep -q '"event":"connect_failed"' "$err" &&
    grep -q '"verdict":"flap"' "$err" && grep -q '"event":"connected"' "$err" &&
    grep -q '"event":"stopped"' "$err" && grep -q '^hello 1$' "$out"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAILED cat end to end: exit $code"
    cat "$err" "$out"
fi
rm -f "$out" "$err"

# Liveness (issue 14). A server that accepts and never sends: --idle-timeout alone notices each
# connection, every session is a flap (judged on its useful uptime: none), the delay escalates,
# and the give-up names the silence.
"$bin/flaky-server" --port "$port" --hang-after 0 2>/dev/null &
server=$!
err=$(mktemp)
"$bin/redial-cat" --idle-timeout 300ms --backoff-initial 50ms --backoff-timeout 1.5s \
    "127.0.0.1:$port" </dev/null >/dev/null 2>"$err"
code=$?
delays=$(grep -oE 'backoff delay=[0-9]+ms' "$err" | grep -oE '[0-9]+' | tr '\n' ' ')
if [ "$code" -eq 1 ] && [ "$(grep -c 'verdict=flap reason="no data for 3' "$err")" -ge 3 ] &&
    grep -q 'liveness_timeout silent_for=3' "$err" && [[ "$delays" == "50 100 200 400 "* ]] &&
    grep -qE '^redial-cat: reconnect timed out after 1.5s: no data for 3[0-9]{2}(\.[0-9]+)?ms$' "$err"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAILED cat idle timeout against a silent server: exit $code, delays $delays"
    cat "$err"
fi
# The same through the environment (REDIAL_LIVENESS, REDIAL_IDLE_TIMEOUT).
env REDIAL_LIVENESS=idle REDIAL_IDLE_TIMEOUT=200ms REDIAL_BACKOFF_INITIAL=50ms \
    REDIAL_BACKOFF_TIMEOUT=300ms "$bin/redial-cat" "127.0.0.1:$port" </dev/null >/dev/null 2>"$err"
code=$?
if [ "$code" -eq 1 ] && grep -qE '^redial-cat: reconnect timed out after 300ms: no data for 2' "$err"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAILED cat REDIAL_IDLE_TIMEOUT: exit $code"
    cat "$err"
fi
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
# A server that sends for 400 ms, then hangs without closing; flaky-server never reads, so the
# ping goes unanswered. The heartbeat pings (the line goes out through the write queue), the
# session ends "ping unanswered", and it was useful for 400 ms: stable, so the delay resets.
# The TCP options are set on the way (SO_KEEPALIVE is visible in ss, where it exists).
"$bin/flaky-server" --port "$port" --every 100ms --hang-after 400ms 2>/dev/null &
server=$!
out=$(mktemp)
timeout --preserve-status -s INT 1.5 env REDIAL_PING_TIMEOUT=200ms "$bin/redial-cat" \
    --ping PING --ping-interval 200ms --backoff-initial 50ms --tcp-keepalive 7s/3s/4 \
    --tcp-user-timeout 1500ms "127.0.0.1:$port" </dev/null >"$out" 2>"$err" &
cat_pid=$!
sleep 0.3
keepalive=yes
if command -v ss >/dev/null; then
    ss -tnoH state established "( dport = :$port )" | grep -q 'timer:(keepalive' || keepalive=no
fi
wait "$cat_pid"
code=$?
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
if [ "$code" -eq 0 ] && [ "$keepalive" = yes ] && grep -q '^hello 4$' "$out" &&
    grep -q '] ping idle_for=2' "$err" && grep -q 'ping_unanswered_for=2' "$err" &&
    grep -qE 'verdict=stable reason="no data for [0-9.]+ms \(ping unanswered for 2' "$err"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAILED cat heartbeat against a server that hangs: exit $code, keepalive $keepalive"
    cat "$err" "$out"
fi
rm -f "$out" "$err"
check "cat heartbeat without a ping" 2 '--ping-interval needs --ping LINE' \
    "$bin/redial-cat" --ping-interval 1s 127.0.0.1:9
check "cat ping with an idle timeout" 2 '--ping cannot be combined with --idle-timeout' \
    "$bin/redial-cat" --ping PING --idle-timeout 1s 127.0.0.1:9
check "cat ping with a newline" 2 'invalid --ping "PI\\nNG": a ping is one line' \
    "$bin/redial-cat" --ping "$(printf 'PI\nNG')" 127.0.0.1:9
# redial-herd: bad input names the flag and value; a small run prints the table, the JSON
# and an SVG; the same seed prints the same numbers.
check "herd bad policy" 2 'invalid --policy "foo"' "$bin/redial-herd" --policy foo
check "herd bad clients" 2 'invalid --clients "0"' "$bin/redial-herd" --clients 0
check "herd bad duration" 2 'invalid --outage "3x"' "$bin/redial-herd" --outage 3x
check "herd bad scenario" 2 'invalid --scenario "flood"' "$bin/redial-herd" --scenario flood
check "herd bad capacity" 2 'invalid --capacity "-5"' "$bin/redial-herd" --capacity -5
check "herd bad hop mean" 2 'invalid --hop-mean "-1ms"' "$bin/redial-herd" --scenario occ --hop-mean -1ms
check "herd hop without occ" 2 'invalid --hop-stddev "1ms": applies only to --scenario occ' \
    "$bin/redial-herd" --hop-stddev 1ms
svg=$(mktemp --suffix .svg)
json=$("$bin/redial-herd" --clients 2000 --policy exponential,full --json --svg "$svg")
again=$("$bin/redial-herd" --clients 2000 --policy exponential,full --json --svg "$svg")
strip_wall() { sed -E 's/"wall_s": [0-9.]+//g'; }
if grep -q '"policies": \[{"policy": "exponential", "attempts": ' <<<"$json" &&
    grep -q '"reconnect_p99_s"' <<<"$json" && grep -q '</svg>' "$svg" &&
    grep -q '<polyline' "$svg" && [ "$(strip_wall <<<"$json")" = "$(strip_wall <<<"$again")" ]; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAILED herd json/svg: $json"
fi
table=$("$bin/redial-herd" --scenario contention --clients 50 --policy full)
if grep -qE '^full +[0-9]+ ' <<<"$table"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAILED herd contention table: $table"
fi
table=$("$bin/redial-herd" --scenario occ --clients 50 --policy full,decorrelated --base 10ms --cap 2s)
if grep -qE '^full +[0-9]+ ' <<<"$table" && grep -qE '^decorrelated +[0-9]+ ' <<<"$table" &&
    ! grep -q never <<<"$table"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAILED herd occ table: $table"
fi
# Clients that never came back print "never" (JSON null), not 0 s.
table=$("$bin/redial-herd" --scenario contention --clients 10 --policy exponential --until 1m)
json=$("$bin/redial-herd" --scenario contention --clients 10 --policy exponential --until 1m --json)
if grep -qE '^exponential +[0-9]+ .* never +never +never +10 ' <<<"$table" &&
    grep -q '"reconnect_p50_s": null, "reconnect_p99_s": null, "reconnect_max_s": null' <<<"$json"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAILED herd never: $table $json"
fi
# A blackholed server (issue 14): without a liveness policy nobody notices and every client stays
# "connected" to a dead session; idle 20s and heartbeat 10s/10s all notice within 20 s (here at
# 10 s: the fleet connected together at 0 and the outage began at 10 s) and all come back.
table=$("$bin/redial-herd" --scenario silent --down-mode blackhole --clients 2000)
if grep -qE '^none/full +0 +0 +never +never +never +2000 +0 .* never +2000 +2000 +[0-9.]+$' <<<"$table" &&
    grep -qE '^idle/full +0 +0 +10\.000 +10\.000 +10\.000 +0 .* 0 +0 +[0-9.]+$' <<<"$table" &&
    grep -qE '^heartbeat/full +2000 +0 +10\.000 +10\.000 +10\.000 +0 .* 0 +0 +[0-9.]+$' <<<"$table"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAILED herd silent table: $table"
fi
check "herd liveness flag outside silent" 2 'invalid --ping-interval "5s": applies only to --scenario silent' \
    "$bin/redial-herd" --ping-interval 5s
rm -f "$svg"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
