#!/usr/bin/env bash
# Tests of the qemu fleet itself: the qemu check, guest caching and contents, two VMs at once,
# list, exec (also while an agent holds the main helper socket), up of running hosts, down of
# one host and of all. Own KHP_FLEET_DIR; VMs are always torn down. Last line: "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fleet=$here/fleet
helper=$here/../../kmodule/helper/build/khp-helper
export KHP_FLEET_DIR
KHP_FLEET_DIR=$(mktemp -d /tmp/khp-fleet-test.XXXXXX)
holder=
passed=0 failed=0
finish() {
    [ -n "$holder" ] && kill "$holder" 2>/dev/null
    "$fleet" down >/dev/null 2>&1
    rm -rf "$KHP_FLEET_DIR"
}
trap finish EXIT
t_start=$(date +%s.%N)
elapsed() { printf '%6.1fs' "$(echo "$(date +%s.%N) - $t_start" | bc)"; }
check() {  # check NAME COMMAND…
    local name=$1
    shift
    if "$@"; then passed=$((passed + 1)); echo "$(elapsed) ok   $name"
    else failed=$((failed + 1)); echo "$(elapsed) FAIL $name"; fi
}
alive() { kill -0 "$1" 2>/dev/null; }
dead() { ! kill -0 "$1" 2>/dev/null; }
# poll_dead PID: polls until the process is gone (deadline 15 s)
poll_dead() {
    local deadline=$(( $(date +%s) + 15 ))
    while alive "$1"; do [ "$(date +%s)" -lt "$deadline" ] || return 1; sleep 0.1; done
}

out=$(KHP_QEMU=/nonexistent/qemu-system-x86_64 "$fleet" up --hosts 1 --prefix nq 2>&1)
rc=$?
check "up without qemu fails loudly and says what to install" \
    test "$rc" -ne 0 -a -n "$(grep 'install the Debian package qemu-system-x86' <<<"$out")"

g1=$("$fleet" guest)
g2=$("$fleet" guest)
check "the guest is built once and then found in the cache" test -n "$g1" -a "$g1" = "$g2"
release=$("$here/../kernel-packages" release)
check "the guest holds the flavour's kernel" cmp -s "$g1/vmlinuz" "$("$here/../kernel-packages" image)/boot/vmlinuz-$release"
listing=$(zcat "$g1/initrd.gz" | cpio -t --quiet 2>/dev/null | sort)
check "the initramfs holds init, busybox, khp-helper and the test modules" \
    test "$(grep -cxE 'init|bin/busybox|bin/khp-helper|khp/modules/khp_stall.ko|khp/modules/khp_stall_patch.ko|khp/modules/khp_lp_cmdline.ko' <<<"$listing")" -eq 6

"$fleet" up --hosts 2 --prefix ft
check "up --hosts 2 returns with both helpers answering" test $? -eq 0
list=$("$fleet" list)
check "list: one line per VM" test "$(wc -l <<<"$list")" -eq 2
read -r h1 f1 r1 p1 s1 <<<"$(sed -n 1p <<<"$list")"
read -r h2 f2 r2 p2 s2 <<<"$(sed -n 2p <<<"$list")"
check "list: host, flavour, release, pid, socket" \
    test "$h1 $f1 $r1 $h2" = "ft-1 amd64 $release ft-2" -a -S "$s1" -a -S "$s2"
check "list: the pids are running qemu processes" \
    test "$(cat /proc/"$p1"/comm 2>/dev/null) $(cat /proc/"$p2"/comm 2>/dev/null)" = "qemu-system-x86 qemu-system-x86"
r1=$("$helper" --connect "$s1" --timeout 60 '{"op":"report"}')
r2=$("$helper" --connect "$s2" --timeout 60 '{"op":"report"}')
check "each guest has its own host id and boot" \
    test "$(jq -r .result.host_id <<<"$r1") $(jq -r .result.host_id <<<"$r2")" = "ft-1 ft-2" -a \
    "$(jq -r .result.boot_id <<<"$r1")" != "$(jq -r .result.boot_id <<<"$r2")"
check "exec prints the command's output" test "$("$fleet" exec ft-2 -- hostname)" = ft-2
err=$("$fleet" exec ft-1 -- 'echo oops >&2; exit 5' 2>&1 >/dev/null)
rc=$?
check "exec exits with the command's status and passes stderr" test "$rc" -eq 5 -a "$err" = oops

# an agent holding the main helper socket does not block exec (control port)
sleep 60 | "$helper" --connect "$s1" --timeout 60 >/dev/null &
holder=$!
check "exec works while another client holds the helper socket" test "$("$fleet" exec ft-1 -- echo via-control)" = via-control
kill "$holder" 2>/dev/null
holder=

out=$("$fleet" up --hosts 2 --prefix ft 2>&1)
check "up leaves running hosts alone" test "$(grep -c 'already running' <<<"$out")" -eq 2 -a "$("$fleet" list | awk '{print $4}' | tr '\n' ' ')" = "$p1 $p2 "
"$fleet" down ft-1
check "down HOST stops that VM only" poll_dead "$p1"
check "list after down HOST" test "$("$fleet" list | awk '{print $1}')" = ft-2
check "the other VM still answers" test "$("$fleet" exec ft-2 -- echo alive)" = alive
"$fleet" down
check "down stops every VM" poll_dead "$p2"
check "list is empty after down" test -z "$("$fleet" list)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
