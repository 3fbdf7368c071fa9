#!/usr/bin/env bash
# khp's per-host application on a real Debian kernel: boots one qemu guest (own KHP_FLEET_DIR) and
# drives khp-helper through its serial socket: report, capture, load/status/disable/unload of a
# vmlinux livepatch (khp_lp_cmdline), a stalled transition (khp_stall + khp_stall_patch) that a
# signal does not end and disable reverses, kmsg, and bad requests. Last line: "N passed, N
# failed". The VM is always torn down.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fleet=$root/infra/fleet/fleet
helper=$root/kmodule/helper/build/khp-helper
flavour=${KHP_TEST_FLAVOUR:-amd64}
export KHP_FLEET_DIR
KHP_FLEET_DIR=$(mktemp -d /tmp/khp-testmods-fleet.XXXXXX)
host=tvm-1
passed=0 failed=0
t_start=$(date +%s.%N)

finish() {
    "$fleet" down >/dev/null 2>&1
    rm -rf "$KHP_FLEET_DIR"
}
trap finish EXIT

elapsed() { printf '%6.1fs' "$(echo "$(date +%s.%N) - $t_start" | bc)"; }
ok() { passed=$((passed + 1)); echo "$(elapsed) ok   $1"; }
bad() { failed=$((failed + 1)); echo "$(elapsed) FAIL $1${2:+: $2}"; }
check() {  # check NAME COMMAND…
    local name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
# jqcheck NAME JSON FILTER: passes when the jq filter is true for JSON
jqcheck() {
    if jq -e "$3" >/dev/null 2>&1 <<<"$2"; then ok "$1"; else bad "$1" "$(cut -c1-400 <<<"$2")"; fi
}

if ! "$fleet" up --hosts 1 --prefix tvm --flavour "$flavour"; then
    bad "fleet up: boot $flavour and get a helper report"
    echo "$passed passed, $failed failed"
    exit 1
fi
t_booted=$(date +%s.%N)
sock=$("$fleet" socket "$host")

call() { printf '%s\n' "$1" | "$helper" --connect "$sock" --timeout 120; }
guest() { "$fleet" exec "$host" -- "$@"; }
release=$("$root/infra/kernel-packages" release "$flavour")
mods=$here/build/$release
load() {  # load NAME [FILE]
    jq -cn --arg n "$1" --rawfile m <(base64 -w0 "${2:-$mods/$1.ko}") '{op: "load", name: $n, module: $m}' |
        "$helper" --connect "$sock" --timeout 120
}
# poll_status NAME FILTER: polls `status` until FILTER holds (deadline 60 s); prints the last reply
poll_status() {
    local deadline=$(( $(date +%s) + 60 )) reply
    while :; do
        reply=$(call "{\"op\":\"status\",\"name\":\"$1\"}")
        if jq -e "$2" >/dev/null 2>&1 <<<"$reply" || [ "$(date +%s)" -ge "$deadline" ]; then
            echo "$reply"
            return
        fi
        sleep 0.2   # poll interval
    done
}
# poll_guest COMMAND EXPECTED: polls a guest command until its output is EXPECTED (deadline 30 s)
poll_guest() {
    local deadline=$(( $(date +%s) + 30 )) out
    while :; do
        out=$(guest "$1" 2>&1)
        [ "$out" = "$2" ] && return 0
        [ "$(date +%s)" -lt "$deadline" ] || { echo "last output: $out" >&2; return 1; }
        sleep 0.2   # poll interval
    done
}

# poll_kmsg CURSOR REGEX: polls kmsg from CURSOR until a line matches (deadline 60 s)
poll_kmsg() {
    local deadline=$(( $(date +%s) + 60 )) cursor=$1 reply
    while :; do
        reply=$(call "{\"op\":\"kmsg\",\"cursor\":$cursor}")
        jq -e --arg re "$2" '.result.lines | any(.text | test($re))' >/dev/null 2>&1 <<<"$reply" && return 0
        cursor=$(jq -r '.result.cursor // empty' <<<"$reply")
        [ -n "$cursor" ] && [ "$(date +%s)" -lt "$deadline" ] || return 1
        jq -e '.result.more' >/dev/null 2>&1 <<<"$reply" || sleep 0.5   # poll interval
    done
}

# --- report and exec ---
cmdline=$(guest cat /proc/cmdline)
check "exec reads /proc/cmdline of the guest" grep -q "khp.host=$host" <<<"$cmdline"
guest 'exit 7' >/dev/null 2>&1
check "exec passes the command's exit status" test $? -eq 7
boot_id=$(guest cat /proc/sys/kernel/random/boot_id)
report=$(call '{"op":"report"}')
jqcheck "report: release is the flavour's kernel" "$report" ".result.release == \"$release\""
jqcheck "report: boot id matches the guest's" "$report" ".result.boot_id == \"$boot_id\""
jqcheck "report: host id and hostname from khp.host" "$report" '.result.host_id == "tvm-1" and .result.hostname == "tvm-1"'
jqcheck "report: kernel build id, lockdown none, no livepatches" "$report" \
    '(.result.build_id | test("^[0-9a-f]{40}$")) and .result.lockdown == "none" and .result.livepatches == [] and (.result as $r | $r.version | startswith("Linux version " + $r.release))'

# --- capture: live kernel text through /proc/kcore ---
cap=$(call '{"op":"capture","functions":[{"symbol":"cmdline_proc_show","length":64}],"symbols":["cmdline_proc_show","saved_command_line"]}')
jqcheck "capture finds cmdline_proc_show at its kallsyms address" "$cap" \
    '.result.functions[0].found and .result.functions[0].address == .result.symbols[0].candidates[0].address and (.result.symbols[1].candidates | length) == 1'
pre=$(jq -r '.result.functions[0].bytes' <<<"$cap" | base64 -d | od -An -tx1 -N5 | tr -d ' \n')
check "unpatched function starts with the 5-byte nop of its fentry site" test "$pre" = 0f1f440000

# --- a vmlinux livepatch: load, transition, revert ---
kmsg0=$(call '{"op":"kmsg","cursor":0}' | jq -r '.result.cursor')
reply=$(load khp_lp_cmdline)
jqcheck "load khp_lp_cmdline (bytes over the serial socket)" "$reply" '.ok and .result.livepatch.enabled'
st=$(poll_status khp_lp_cmdline '.result.present and .result.enabled and (.result.transition | not)')
jqcheck "status: khp_lp_cmdline enabled, transition done" "$st" '.result.enabled and (.result.transition | not) and .result.pending_count == 0'
check "/proc/cmdline shows the livepatch's marker" test "$(guest cat /proc/cmdline)" = "khp_lp_cmdline: live patched"
cap=$(call '{"op":"capture","functions":[{"symbol":"cmdline_proc_show","length":16}]}')
post=$(jq -r '.result.functions[0].bytes' <<<"$cap" | base64 -d | od -An -tx1 -N1 | tr -d ' \n')
check "patched function's fentry site now calls the ftrace trampoline" test "$post" = e8
report=$(call '{"op":"report"}')
jqcheck "report lists the livepatch and its objects" "$report" '.result.livepatches == [{"name":"khp_lp_cmdline","enabled":true,"transition":false,"objects":["vmlinux"]}]'
kmsg=$(call "{\"op\":\"kmsg\",\"cursor\":$kmsg0}")
jqcheck "kmsg since the cursor shows the livepatch enabling" "$kmsg" \
    "(.result.lines | map(.text) | any(test(\"enabling patch 'khp_lp_cmdline'\"))) and (.result.lines[0].seq >= $kmsg0) and .result.cursor > $kmsg0"
reply=$(load khp_lp_cmdline)
jqcheck "loading it again: EEXIST" "$reply" '(.ok | not) and .error.code == "EEXIST"'
reply=$(call '{"op":"unload","name":"khp_lp_cmdline"}')
jqcheck "unload of an enabled livepatch is refused" "$reply" '(.ok | not) and (.error.code == "EAGAIN" or .error.code == "EBUSY")'
reply=$(call '{"op":"disable","name":"khp_lp_cmdline"}')
jqcheck "disable khp_lp_cmdline" "$reply" '.ok and (.result.enabled | not)'
st=$(poll_status khp_lp_cmdline '(.result.present | not)')
jqcheck "status: disabled patch freed by the kernel, module still loaded" "$st" '(.result.present | not) and .result.module_loaded'
reply=$(call '{"op":"unload","name":"khp_lp_cmdline"}')
jqcheck "unload khp_lp_cmdline" "$reply" '.ok'
jqcheck "status after unload: neither patch nor module" "$(call '{"op":"status","name":"khp_lp_cmdline"}')" '.ok and (.result.present | not) and (.result.module_loaded | not)'
check "/proc/cmdline is back" test "$(guest cat /proc/cmdline)" = "$cmdline"

# --- a stalled transition: khp_stall's kthread sleeps in khp_stall_sleep() ---
reply=$(load khp_stall)
jqcheck "load khp_stall (not a livepatch)" "$reply" '.ok and .result.livepatch == null'
guest 'echo 1 > /sys/module/khp_stall/parameters/stall'
check "khp_stall's kthread sleeps in khp_stall_sleep" poll_guest 'cat /sys/module/khp_stall/parameters/stalled' Y
cap=$(call '{"op":"capture","functions":[{"symbol":"khp_stall_sleep","module":"khp_stall","length":32},{"symbol":"khp_stall_sleep","length":8}]}')
jqcheck "capture resolves a module's function and not in vmlinux" "$cap" \
    '.result.functions[0].found and .result.functions[0].module == "khp_stall" and .result.functions[1].error.code == "NO_SYMBOL"'
kmsg1=$(call '{"op":"kmsg","cursor":0}' | jq -r '.result.cursor')
reply=$(load khp_stall_patch)
jqcheck "load khp_stall_patch: transition starts" "$reply" '.ok and .result.livepatch.enabled and .result.livepatch.transition'
st=$(call '{"op":"status","name":"khp_stall_patch"}')
jqcheck "status: transition stalled on the khp_stall kthread" "$st" \
    '.result.transition and .result.target == 1 and (.result.pending | any(.comm == "khp_stall" and .patch_state == 0 and (.stack | any(test("khp_stall_sleep")))))'
report=$(call '{"op":"report"}')
jqcheck "report shows the patch in transition with object khp_stall" "$report" \
    '.result.livepatches == [{"name":"khp_stall_patch","enabled":true,"transition":true,"objects":["khp_stall"]}]'
reply=$(call '{"op":"signal","name":"khp_stall_patch"}')
jqcheck "signal during the stalled transition answers ok" "$reply" '.ok and .result.enabled and .result.transition'
if jq -e '.result.written == false' >/dev/null 2>&1 <<<"$reply"; then
    # no signal attribute (6.1): the kernel signals the pending tasks itself after 15 attempts
    check "the kernel signals the remaining tasks itself" poll_kmsg "$kmsg1" 'livepatch: signaling remaining tasks'
fi
st=$(call '{"op":"status","name":"khp_stall_patch"}')
jqcheck "after the signal the kthread, back asleep, still blocks the transition" "$st" \
    '.result.transition and .result.target == 1 and (.result.pending | any(.comm == "khp_stall" and .patch_state == 0))'
check "transition still reads 1 in sysfs" test "$(guest cat /sys/kernel/livepatch/khp_stall_patch/transition)" = 1
jqcheck "signal of a patch that does not exist: NOT_FOUND" "$(call '{"op":"signal","name":"khp_no_such_patch"}')" \
    '(.ok | not) and .error.code == "NOT_FOUND"'
reply=$(call '{"op":"disable","name":"khp_stall_patch"}')
jqcheck "disable during the transition is accepted" "$reply" '.ok and (.result.enabled | not)'
st=$(poll_status khp_stall_patch '(.result.present | not)')
jqcheck "reversed transition completes while the kthread still sleeps" "$st" '(.result.present | not) and .result.module_loaded'
check "the kthread is still in khp_stall_sleep" test "$(guest cat /sys/module/khp_stall/parameters/stalled)" = Y
jqcheck "unload khp_stall_patch" "$(call '{"op":"unload","name":"khp_stall_patch"}')" '.ok'
guest 'echo 0 > /sys/module/khp_stall/parameters/stall'
check "released kthread leaves khp_stall_sleep" poll_guest 'cat /sys/module/khp_stall/parameters/stalled' N
jqcheck "unload khp_stall after release" "$(call '{"op":"unload","name":"khp_stall"}')" '.ok'
jqcheck "no livepatch left" "$(call '{"op":"report"}')" '.result.livepatches == []'

# --- bad requests get error replies; the helper keeps serving ---
out=$(printf '%s\n' 'this is not json' '{"id":"b1","op":"frobnicate"}' '{"id":"b2","op":"status"}' \
    '{"id":"b3","op":"load","name":"khp_x","module":"***"}' | "$helper" --connect "$sock" --timeout 60)
jqcheck "bad JSON, unknown op, missing field, bad base64: error codes" "$(jq -s -c 'map(.error.code)' <<<"$out")" \
    '. == ["BAD_JSON","UNKNOWN_OP","BAD_REQUEST","BAD_BASE64"]'
printf '\0name=khp_bogus\0this is no ELF file' > "$KHP_FLEET_DIR/bogus.ko"
jqcheck "a module that is not ELF: ENOEXEC from the kernel" "$(load khp_bogus "$KHP_FLEET_DIR/bogus.ko")" '.error.code == "ENOEXEC"'
jqcheck "a module under another name: NAME_MISMATCH" "$(load khp_other "$mods/khp_stall.ko")" '.error.code == "NAME_MISMATCH"'
jqcheck "the helper still answers report" "$(call '{"op":"report"}')" ".ok and .result.boot_id == \"$boot_id\""

t_end=$(date +%s.%N)
printf 'timing: boot %.1f s, scenarios %.1f s, total %.1f s\n' \
    "$(echo "$t_booted - $t_start" | bc)" "$(echo "$t_end - $t_booted" | bc)" "$(echo "$t_end - $t_start" | bc)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
