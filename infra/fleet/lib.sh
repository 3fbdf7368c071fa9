# Shared by the fleet scripts: paths, guest building, helper calls. Sourced, not run.
fleet_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fleet_dir=${KHP_FLEET_DIR:-$HOME/.local/state/khp/fleet}
khp_cache=${KHP_CACHE:-$HOME/.cache/khp}
helper_bin=$fleet_root/kmodule/helper/build/khp-helper

die() { echo "fleet: $*" >&2; exit 1; }

qemu=${KHP_QEMU:-qemu-system-x86_64}

need_qemu() {
    command -v "$qemu" >/dev/null 2>&1 ||
        die "$qemu not found: install the Debian package qemu-system-x86 (apt-get install qemu-system-x86; infra/setup does it)"
    command -v busybox >/dev/null 2>&1 && [ -x /bin/busybox ] ||
        die "busybox not found: install the Debian package busybox-static"
    command -v jq >/dev/null 2>&1 || die "jq not found: install the Debian package jq"
}

# Builds the static helper (quietly when up to date).
build_helper() {
    make -s -C "$fleet_root/kmodule/helper" all >&2 || die "building khp-helper failed"
}

# build_guest FLAVOUR: prints a directory holding vmlinuz, initrd.gz, release. Guests are cached
# under $khp_cache/guests, keyed by the hash of everything they contain.
build_guest() {
    local flavour=${1:-amd64} release image vmlinuz mods key dir stage tmp
    image=$("$fleet_root/infra/kernel-packages" image "$flavour") || die "no kernel image for $flavour"
    vmlinuz=$(ls "$image"/boot/vmlinuz-* 2>/dev/null | head -n1)
    [ -f "$vmlinuz" ] || die "no boot/vmlinuz-* in $image"
    release=${vmlinuz##*/vmlinuz-}
    build_helper
    make -s -C "$fleet_root/kmodule/testmods" FLAVOUR="$flavour" KRELEASE="$release" all >&2 ||
        die "building test modules for $flavour failed"
    mods=$fleet_root/kmodule/testmods/build/$release
    key=$( { echo "$flavour $release"; sha256sum "$vmlinuz" "$helper_bin" /bin/busybox \
             "$fleet_root/infra/fleet/init" "$mods"/*.ko | cut -d' ' -f1; } | sha256sum | cut -c1-16)
    dir=$khp_cache/guests/$release-$key
    if [ ! -f "$dir/initrd.gz" ]; then
        mkdir -p "$khp_cache/guests"
        stage=$(mktemp -d)
        tmp=$(mktemp -d "$khp_cache/guests/.build.XXXXXX")
        mkdir -p "$stage/bin" "$stage/khp/modules" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" "$stage/etc"
        cp /bin/busybox "$stage/bin/busybox"
        cp "$helper_bin" "$stage/bin/khp-helper"
        cp "$mods"/*.ko "$stage/khp/modules/"
        cp "$fleet_root/infra/fleet/init" "$stage/init"
        chmod 755 "$stage/init"
        (cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$tmp/initrd.gz"
        cp "$vmlinuz" "$tmp/vmlinuz"
        echo "$release" > "$tmp/release"
        echo "$flavour" > "$tmp/flavour"
        rm -rf "$stage"
        # a concurrent build of the same guest may have won: keep that one
        mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
    fi
    echo "$dir"
}

host_dir() { echo "$fleet_dir/$1"; }
host_sock() { echo "$fleet_dir/$1/helper.sock"; }
host_ctl_sock() { echo "$fleet_dir/$1/control.sock"; }

host_pid() {
    local f=$fleet_dir/$1/pid
    [ -s "$f" ] && cat "$f"
}

host_running() {
    local pid
    pid=$(host_pid "$1") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# call_helper SOCKET [TIMEOUT] < requests: one reply line per request on stdout.
call_helper() {
    "$helper_bin" --connect "$1" --timeout "${2:-300}"
}
