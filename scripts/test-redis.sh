#!/usr/bin/env bash
# redial-redis against a real redis-server (Debian's /usr/bin/redis-server) on loopback, as the
# test suite's `redis` test. One server on a free port, with ACL users and no persistence; the
# client reads commands from a FIFO and logs JSON events. Checks:
#   1. commands and replies: PING, SET, GET (a quoted value), INCR, CLIENT INFO after HELLO 3 with
#      AUTH as alice and SELECT 3; MONITOR and an unbalanced quote answered by the tool;
#   2. the server stopped (SIGTERM) and restarted on the same port: disconnected, attempts at
#      least the constant backoff (200ms) apart, connected again; commands typed during the outage
#      run after it; 200000 commands piped across another restart get one answer each (a reply,
#      or the error of a command lost in flight) and the client ends;
#   3. the server frozen (SIGSTOP): the heartbeat (200ms + 300ms) ends the session, silent for at
#      least 500ms; an attempt meanwhile connects (the kernel accepts) and its handshake times out
#      at the connect deadline (500ms); after SIGCONT it reconnects and PING answers;
#   4. a wrong password gives up at once (well under the 5s backoff) with the server's -WRONGPASS
#      text, and a database the server does not have likewise with its SELECT error;
#   5. --max-attempts against a closed port gives up with the attempts message;
# and end of stdin ends the client with exit 0 once every command has its reply.
# Every wait has a timeout; the server and the client are killed on exit. Bounds on wall-clock
# time are lower bounds (a sleep is never shorter than asked) or generous upper ones.
# Usage: scripts/test-redis.sh BIN_DIR
set -uo pipefail
bin=$(cd "${1:?usage: test-redis.sh BIN_DIR}" && pwd)
server_bin=/usr/bin/redis-server
if [ ! -x "$server_bin" ]; then
    echo "test-redis.sh: $server_bin is missing. The test command installs it (scripts/deps.sh);" \
        "by hand, as root: apt-get update && apt-get install -y --no-install-recommends" \
        "redis-server" >&2
    exit 1
fi
if [ ! -x "$bin/redial-redis" ]; then
    echo "test-redis.sh: $bin/redial-redis is missing (build it first)" >&2
    exit 1
fi

work=$(mktemp -d)
server_pid=
client_pid=
cleanup() {
    exec 3>&- 2>/dev/null
    if [ -n "$client_pid" ]; then
        kill -KILL "$client_pid" 2>/dev/null
        wait "$client_pid" 2>/dev/null
    fi
    if [ -n "$server_pid" ]; then
        kill -CONT "$server_pid" 2>/dev/null
        kill -KILL "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { # message, files to show
    failed=$((failed + 1))
    echo "FAILED $1"
    shift
    for f in "$@"; do
        echo "--- $(basename "$f"):"
        tail -n 30 "$f"
    done
}
started=$EPOCHREALTIME
# Seconds since $1 (an $EPOCHREALTIME), with microseconds.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f", b - a }'; }
# True if $1 >= $2 (decimals).
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# Waits until FILE has at least N lines matching REGEX (grep -E), for at most LIMIT seconds.
wait_count() { # file regex n limit
    local deadline
    deadline=$(awk -v now="$EPOCHREALTIME" -v l="$4" 'BEGIN { printf "%.6f", now + l }')
    while [ "$(grep -cE -- "$2" "$1" 2>/dev/null)" -lt "$3" ]; do
        at_least "$EPOCHREALTIME" "$deadline" && return 1
        sleep 0.02
    done
}
wait_for() { wait_count "$1" "$2" 1 "$3"; } # file regex limit
# Waits until the client's log from line $1 on has a line matching REGEX, for at most LIMIT s.
wait_after() { # line regex limit
    local deadline
    deadline=$(awk -v now="$EPOCHREALTIME" -v l="$3" 'BEGIN { printf "%.6f", now + l }')
    until tail -n "+$1" "$err" | grep -qE -- "$2"; do
        at_least "$EPOCHREALTIME" "$deadline" && return 1
        sleep 0.02
    done
}

# A port below the ephemeral range (32768-60999, so no client socket holds it) that nothing
# listens on; the server's own bind is the final word (start_server tries another on failure).
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + (RANDOM % 10000)))
        if ! (exec 4<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# Starts redis-server on $port (written to $work/redis.conf); true once it accepts connections.
start_server() {
    cat >"$work/redis.conf" <<EOF
port $port
bind 127.0.0.1
daemonize no
save ""
appendonly no
dir $work
logfile ""
databases 16
user default on >sesame ~* &* +@all
user alice on >wonderland ~* &* +@all
user bob on >builder ~* resetchannels +@all
EOF
    # Without fd 3, the client's stdin: a server holding it would keep the client from its EOF.
    "$server_bin" "$work/redis.conf" >>"$work/redis.log" 2>&1 3>&- &
    server_pid=$!
    for _ in $(seq 1 250); do # 5 s
        if ! kill -0 "$server_pid" 2>/dev/null; then
            wait "$server_pid" 2>/dev/null
            server_pid=
            return 1 # exited: the port was taken
        fi
        if (exec 4<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.02
    done
    return 1
}

stop_server() { # SIGTERM, then SIGKILL after 5 s
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 1 250); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.02
    done
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=
}

port=
for _ in 1 2 3 4 5; do
    port=$(free_port) || break
    start_server && break
    port=
done
if [ -z "$port" ] || [ -z "$server_pid" ]; then
    echo "FAILED could not start redis-server on loopback"
    cat "$work/redis.log"
    exit 1
fi

out=$work/out
err=$work/err
json_field() { # line, field: a number field of a JSON line
    sed -E "s/.*\"$2\":([-0-9.e]+).*/\\1/" <<<"$1"
}
# Lines of $err from line $1 on.
log_from() { tail -n "+$1" "$err"; }

# --- 1. commands and replies ---------------------------------------------------------------------
mkfifo "$work/in"
"$bin/redial-redis" --log json --user alice --password wonderland --db 3 \
    --backoff constant --backoff-initial 200ms --connect-timeout 500ms \
    --ping-interval 200ms --ping-timeout 300ms "127.0.0.1:$port" \
    <"$work/in" >"$out" 2>"$err" &
client_pid=$!
exec 3>"$work/in"
printf '%s\n' 'PING' 'SET greeting "hello world"' 'GET greeting' 'INCR n' 'CLIENT INFO' \
    'MONITOR' 'SET x "unbalanced' >&3
if wait_count "$out" . 7 5 && wait_for "$err" '"event":"connected"' 1; then
    want=$(printf '%s\n' PONG OK '"hello world"' '(integer) 1')
    info=$(sed -n 5p "$out")
    refused=$(printf '%s\n' \
        "(error) redial-redis: MONITOR is not supported: it would change the connection under the tool's feet (see docs/redial-redis.md): not sent" \
        '(error) redial-redis: unbalanced quotes: not sent')
    if [ "$(head -n 4 "$out")" = "$want" ] && [[ $info == *" db=3 "* ]] &&
        [[ $info == *" user=alice "* ]] && [[ $info == *" resp=3"* ]] &&
        [ "$(sed -n 6,7p "$out")" = "$refused" ]; then
        pass
    else
        fail "1. replies (want PONG, OK, \"hello world\", (integer) 1, CLIENT INFO with db=3 user=alice resp=3, MONITOR and the unbalanced quote refused)" \
            "$out"
    fi
else
    fail "1. no replies within 5 s" "$out" "$err"
fi

# --- 2. the server stops and comes back on the same port -----------------------------------------
mark=$(($(wc -l <"$err") + 1))
stop_server
if wait_after "$mark" '"event":"disconnected"' 5 &&
    wait_count "$err" '"event":"connect_failed"' 3 5; then
    pass
else
    fail "2. no disconnect and 3 failed attempts within 5 s of SIGTERM" "$err"
fi
# Typed during the outage: queued, sent once connected again.
lines_before=$(wc -l <"$out")
printf '%s\n' 'SET during outage' 'GET during' >&3
sleep 0.3
if [ "$(wc -l <"$out")" -ne "$lines_before" ]; then
    fail "2. replies printed while the server was down" "$out"
fi
restarted=$EPOCHREALTIME
start_server || fail "2. the server did not restart on port $port" "$work/redis.log"
if wait_count "$err" '"event":"connected"' 2 5; then
    reconnect_time=$(since "$restarted")
    pass
else
    fail "2. not connected again within 5 s of the restart" "$err"
    reconnect_time=-
fi
printf '%s\n' 'GET greeting' >&3 # the restarted server has no data (no persistence)
if wait_count "$out" . $((lines_before + 3)) 5 &&
    [ "$(tail -n +$((lines_before + 1)) "$out")" = "$(printf '%s\n' OK '"outage"' '(nil)')" ]; then
    pass
else
    fail "2. after the restart (want OK, \"outage\", (nil))" "$out"
fi
# The attempts of the outage: at least the constant backoff apart, each after a backoff of 200ms.
attempts=$(log_from "$mark" | grep '"event":"attempt"')
gaps_ok=1
previous=
while IFS= read -r line; do
    t=$(json_field "$line" t)
    if [ -n "$previous" ] && ! at_least "$(awk -v a="$t" -v b="$previous" 'BEGIN { print a - b }')" 0.199; then
        gaps_ok=0
    fi
    previous=$t
done <<<"$attempts"
delays=$(log_from "$mark" | grep '"event":"backoff"' | sed -E 's/.*"delay":([0-9.]+).*/\1/' |
    sort -u | tr '\n' ' ')
if [ "$gaps_ok" = 1 ] && [ "$(wc -l <<<"$attempts")" -ge 3 ] && [ "$delays" = "0.200 " ]; then
    pass
else
    fail "2. attempts not >= 200ms apart, or backoff delays other than 0.200 (got: $delays)" "$err"
fi

# --- 2b. a pipeline larger than the queue, across a restart: one answer per command -------------
# 200000 INCRs piped in (about 0.6 s here); the server is stopped 0.2 s in and started again.
# Commands in flight when it went get the "lost" error, the rest run after the restart, and the
# end of stdin ends the client: exactly one line of output per command, whenever the stop fell.
flood=200000
yes 'INCR flood' | head -n "$flood" >"$work/in2b"
timeout 30 "$bin/redial-redis" --log json --user alice --password wonderland --backoff constant \
    --backoff-initial 100ms "127.0.0.1:$port" <"$work/in2b" >"$work/out2b" 2>"$work/err2b" 3>&- &
flood_pid=$!
sleep 0.2
stop_server
start_server || fail "2b. the server did not restart on port $port" "$work/redis.log"
flood_code=
for _ in $(seq 1 1500); do # 30 s
    if ! kill -0 "$flood_pid" 2>/dev/null; then
        wait "$flood_pid"
        flood_code=$?
        break
    fi
    sleep 0.02
done
lost=$(grep -c '^(error) redial-redis: the connection was lost before the reply' "$work/out2b")
answered=$(grep -c '^(integer) [0-9]*$' "$work/out2b")
if [ "$flood_code" = 0 ] && [ "$((lost + answered))" -eq "$flood" ] &&
    [ "$(wc -l <"$work/out2b")" -eq "$flood" ]; then
    pass
else
    fail "2b. $flood piped commands across a restart: exit ${flood_code:-none}, $answered replies + $lost lost of $(wc -l <"$work/out2b") lines (want one line per command)" \
        "$work/err2b"
fi
if grep -q '"event":"disconnected"' "$work/err2b"; then
    flood_note="the flood lost $lost in flight to the restart"
else
    flood_note="the flood ended before the restart"
fi

# --- 3. the server freezes: the heartbeat ends the session ---------------------------------------
mark=$(($(wc -l <"$err") + 1))
frozen=$EPOCHREALTIME
kill -STOP "$server_pid"
if wait_after "$mark" '"event":"liveness_timeout"' 5; then
    detected=$(since "$frozen")
    timeout_line=$(log_from "$mark" | grep -m1 '"event":"liveness_timeout"')
    silent=$(json_field "$timeout_line" silent_for)
    # Dead after interval + timeout of silence (500ms), and noticed within a generous bound.
    if at_least "$silent" 0.499 && at_least 2.5 "$detected"; then
        pass
    else
        fail "3. liveness timeout: silent_for $silent (want >= 0.5), noticed after ${detected}s (want < 2.5)" \
            "$err"
    fi
else
    fail "3. no liveness timeout within 5 s of SIGSTOP" "$err"
    detected=-
fi
# An attempt while frozen: the kernel accepts, HELLO is never answered, the deadline ends it.
if wait_after "$mark" '"event":"connect_failed"' 5; then
    failed_line=$(log_from "$mark" | grep -m1 '"event":"connect_failed"')
    attempt_line=$(log_from "$mark" | grep -m1 '"event":"attempt"')
    took=$(awk -v a="$(json_field "$failed_line" t)" -v b="$(json_field "$attempt_line" t)" \
        'BEGIN { print a - b }')
    if at_least "$took" 0.499 && [[ $failed_line == *"timed out"* ]]; then
        pass
    else
        fail "3. the frozen server's attempt: failed ${took}s after it began (want >= 0.5, a timeout): $failed_line" \
            "$err"
    fi
else
    fail "3. no failed attempt while the server was frozen" "$err"
fi
mark=$(($(wc -l <"$err") + 1))
kill -CONT "$server_pid"
lines_before=$(wc -l <"$out")
printf '%s\n' 'PING' >&3
if wait_after "$mark" '"event":"connected"' 5 &&
    wait_count "$out" . $((lines_before + 1)) 5 && [ "$(tail -n 1 "$out")" = PONG ]; then
    pass
else
    fail "3. no reconnect and PONG within 5 s of SIGCONT" "$out" "$err"
fi

# End of stdin: the client exits 0 once every command has its reply.
exec 3>&-
code=
for _ in $(seq 1 250); do
    if ! kill -0 "$client_pid" 2>/dev/null; then
        wait "$client_pid"
        code=$?
        break
    fi
    sleep 0.02
done
client_pid=
if [ "$code" = 0 ] && grep -q '"event":"stopped"' "$err"; then
    pass
else
    fail "end of stdin: exit ${code:-none (still running after 5 s)}, want 0 and a stopped event" \
        "$err"
fi

# --- 4. a refused handshake gives up at once ------------------------------------------------------
gave_up() { # name, expected stderr text, redial-redis flags...
    local name=$1 text=$2 begin code elapsed
    shift 2
    begin=$EPOCHREALTIME
    echo PING | timeout 10 "$bin/redial-redis" --backoff-initial 5s "$@" >"$work/out4" \
        2>"$work/err4"
    code=$?
    elapsed=$(since "$begin")
    if [ "$code" = 1 ] && grep -qF -- "$text" "$work/err4" && [ ! -s "$work/out4" ] &&
        at_least 2 "$elapsed"; then
        pass
    else
        fail "4. $name: exit $code after ${elapsed}s (want 1, well under the 5s backoff)" \
            "$work/err4" "$work/out4"
    fi
}
gave_up "wrong password" \
    'redial-redis: reconnect gave up on a terminal error: setup: -WRONGPASS invalid username-password pair' \
    --user alice --password wrong "127.0.0.1:$port"
gave_up "no such database" \
    'redial-redis: reconnect gave up on a terminal error: setup: SELECT 99: -ERR DB index is out of range' \
    --user alice --password wonderland --db 99 "127.0.0.1:$port"
gave_up "a wrong password for the default user" \
    'redial-redis: reconnect gave up on a terminal error: setup: -WRONGPASS' \
    --password wonderland "127.0.0.1:$port"

# --- 5. --max-attempts against a closed port -----------------------------------------------------
dead=$(free_port)
code=0
echo PING | timeout 10 "$bin/redial-redis" --max-attempts 3 --backoff-initial 20ms \
    "127.0.0.1:$dead" >"$work/out5" 2>"$work/err5" || code=$?
if [ "$code" = 1 ] &&
    grep -qF 'redial-redis: reconnect gave up after 3 attempts: Connection refused' "$work/err5"
then
    pass
else
    fail "5. --max-attempts 3 on a closed port: exit $code" "$work/err5"
fi

# --- 6. answers in step: what the tool refuses and what the server refuses ----------------------
# Each case pipes lines in and wants exactly these lines out (exit 0), after the sed script
# $normalize if set.
in_step() { # name, input, want, redial-redis flags...
    local name=$1 input=$2 want=$3 code=0
    shift 3
    printf '%s' "$input" >"$work/in6"
    timeout 10 "$bin/redial-redis" "$@" "127.0.0.1:$port" <"$work/in6" >"$work/out6" \
        2>"$work/err6" || code=$?
    if [ "$code" = 0 ] && [ "$(sed -E "${normalize:-}" "$work/out6")" = "$want" ]; then
        pass
    else
        echo "want:"
        echo "$want"
        fail "6. $name: exit $code" "$work/out6" "$work/err6"
    fi
}
# A line over 1 MiB whose newline is in the same read as the rest of it (64 bytes over).
python3 -c "import sys; sys.stdout.write('SET big ' + 'x' * (1048576 + 64 - 8) + '\nSTRLEN big\n')" \
    >"$work/long6"
in_step "a line over 1 MiB with its newline" "$(cat "$work/long6")
" "$(printf '%s\n' '(error) redial-redis: a line longer than 1048576 bytes: not sent' \
    '(integer) 0')" --user alice --password wonderland
# The SUBSCRIBE family is answered by pushes, one per channel (an UNSUBSCRIBE of all: one per
# subscription, or one with a null channel), but by an ordinary reply when refused: either way
# the replies after it stay in step (the last one printed, and nothing out of step on stderr).
push() { printf '(push) 1) "%s"\n       2) %s\n       3) (integer) %s\n' "$@"; }
in_step "SUBSCRIBE refused (NOPERM)" $'SUBSCRIBE ch\nPING\nGET k\n' "$(printf '%s\n' \
    '(error) NOPERM this user has no permissions to access one of the channels used as arguments' \
    PONG '(nil)')" --user bob --password builder
in_step "SUBSCRIBE without a channel" $'SUBSCRIBE\nPING\n' "$(printf '%s\n' \
    "(error) ERR wrong number of arguments for 'subscribe' command" PONG)" \
    --user alice --password wonderland
# An UNSUBSCRIBE of all takes the channels in the server's hash order, which varies.
normalize='/"unsubscribe"/{n;s/"[ab]"/"a or b"/}' in_step "subscriptions confirmed by pushes" \
    $'SUBSCRIBE a b\nSUBSCRIBE\nPSUBSCRIBE p*\nUNSUBSCRIBE\nPING\nUNSUBSCRIBE\nPUNSUBSCRIBE\nPING\n' \
    "$(push subscribe '"a"' 1; push subscribe '"b"' 2
    echo "(error) ERR wrong number of arguments for 'subscribe' command"
    push psubscribe '"p*"' 3; push unsubscribe '"a or b"' 2; push unsubscribe '"a or b"' 1; echo PONG
    push unsubscribe '(nil)' 1; push punsubscribe '"p*"' 0; echo PONG)" \
    --user alice --password wonderland
in_step "SUBSCRIBE in MULTI" $'MULTI\nSUBSCRIBE c\nEXEC\nPING\n' "$(printf '%s\n' OK QUEUED \
    '1) (push) 1) "subscribe"' '          2) "c"' '          3) (integer) 1' PONG)" \
    --user alice --password wonderland
# A reply past the parser's limits (a string over 64 MiB): the command gets the reason, naming
# the limit; the others pipelined with it were on the reset connection.
lost='(error) redial-redis: the connection was lost before the reply (the command may have run; it is not sent again)'
in_step "a reply over the limits" $'SETRANGE big 67108864 x\nGET big\nDEL big\n' "$(printf '%s\n' \
    '(integer) 67108865' \
    '(error) redial-redis: the reply is refused, RESP: a string of 67108865 bytes: the reply would exceed 67108864 bytes (at byte 0 of the reply): connection reset (see docs/redial-redis.md, Limits)' \
    "$lost")" --user alice --password wonderland

echo "redis: $passed passed, $failed failed in $(since "$started")s (reconnect after the" \
    "restart ${reconnect_time}s, $flood_note, the frozen server noticed after ${detected}s)"
[ "$failed" -eq 0 ]
