#!/usr/bin/env bash
# Tests of the khp-helper binary end to end: the stdin/stdout server (framing, over-long lines,
# bad input keeps it serving) and the --connect client against a helper behind a unix socket.
# Last line: "N passed, N failed".
set -uo pipefail
helper=$(readlink -f "${1:?usage: test-cli.sh KHP_HELPER}")
tmp=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
passed=0 failed=0
check() {  # check NAME COMMAND…
    local name=$1
    shift
    if "$@"; then passed=$((passed + 1)); echo "ok   $name"
    else failed=$((failed + 1)); echo "FAIL $name"; fi
}

# Replies to a session mixing bad and good requests, including a line over 16 MiB.
{
    echo '{"id":1,"op":"report"}'
    echo ''
    echo '{"id":2,'
    head -c $((16 * 1024 * 1024 + 10)) /dev/zero | tr '\0' 'a'
    echo
    echo '{"id":3,"op":"status","name":"nope"}'
    printf '{"id":4,"op":"nosuch"}'
} | "$helper" --host-id cli-host > "$tmp/replies"

line() { sed -n "${1}p" "$tmp/replies"; }
check "one reply per non-blank request" test "$(wc -l < "$tmp/replies")" -eq 5
check "report answers with the host id" test "$(line 1 | jq -r '.result.host_id')" = cli-host
check "a truncated request is BAD_JSON" test "$(line 2 | jq -r '.error.code')" = BAD_JSON
check "an over-long line is LINE_TOO_LONG" test "$(line 3 | jq -r '.error.code')" = LINE_TOO_LONG
check "serving goes on after an over-long line" test "$(line 4 | jq -c '[.id, .ok, .result.present]')" = '[3,true,false]'
check "a last line without newline is served" test "$(line 5 | jq -r '.error.code')" = UNKNOWN_OP

# The client against a helper serving a unix socket (like a qemu serial socket).
"$helper" --listen "$tmp/sock" --host-id sock-host &
server_pid=$!
for _ in $(seq 100); do [ -S "$tmp/sock" ] && break; sleep 0.1; done  # poll for the socket

out=$("$helper" --connect "$tmp/sock" --timeout 20 '{"op":"report"}')
check "client adds an id and prints the reply" test "$(jq -r '.result.host_id + " " + (.id | startswith("cli-") | tostring)' <<<"$out")" = "sock-host true"
"$helper" --connect "$tmp/sock" --timeout 20 '{"id":"x","op":"unload","name":"khp_not_loaded_here"}' > "$tmp/err"
check "client exits 1 on an error reply" test $? -eq 1
check "client prints the error reply" test "$(jq -r '.id' "$tmp/err")" = x
out=$(printf '%s\n' '{"id":1,"op":"status","name":"a"}' '{"id":2,"op":"status","name":"b"}' | "$helper" --connect "$tmp/sock" --timeout 20)
check "client sends stdin lines and prints replies in order" test "$(jq -r '.result.name' <<<"$out" | tr '\n' ' ')" = "a b "
"$helper" --connect "$tmp/nonexistent.sock" '{"op":"report"}' 2>/dev/null
check "client exits 2 when it cannot connect" test $? -eq 2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
