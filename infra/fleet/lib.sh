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
    command -v mksquashfs >/dev/null 2>&1 || die "mksquashfs not found: install the Debian package squashfs-tools"
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
    [ -d "$image/lib/modules/$release" ] || die "no lib/modules/$release in $image"
    key=$( { echo "$flavour $release"; sha256sum "$vmlinuz" "$helper_bin" /bin/busybox \
             "$fleet_root/infra/fleet/init" "$fleet_root/infra/fleet/lib.sh" "$mods"/*.ko | cut -d' ' -f1; } | sha256sum | cut -c1-16)
    dir=$khp_cache/guests/$release-$key
    if [ ! -f "$dir/initrd.gz" ]; then
        mkdir -p "$khp_cache/guests"
        stage=$(mktemp -d)
        tmp=$(mktemp -d "$khp_cache/guests/.build.XXXXXX")
        mkdir -p "$stage/bin" "$stage/khp/modules" "$stage/khp/boot-modules" "$stage/lib/modules" \
            "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" "$stage/etc"
        cp /bin/busybox "$stage/bin/busybox"
        cp "$helper_bin" "$stage/bin/khp-helper"
        cp "$mods"/*.ko "$stage/khp/modules/"
        build_module_disk "$image" "$release" "$tmp/modules.sqfs" "$stage/khp/boot-modules"
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

# Modules the guest's /init needs to mount the module disk; they and their dependencies (from
# modules.dep) go into the initramfs, in load order.
boot_modules=(virtio_pci virtio_blk squashfs)

# build_module_disk IMAGE RELEASE DISK BOOTDIR: every module of the kernel package (with the
# modules.dep that depmod makes, so `modprobe` works in the guest) as a read-only squashfs image
# the guest mounts on /lib/modules; the modules that mounting it needs go to BOOTDIR, with their
# load order in BOOTDIR/order.
build_module_disk() {
    local image=$1 release=$2 disk=$3 bootdir=$4 base m path
    command -v mksquashfs >/dev/null 2>&1 || die "mksquashfs not found: install the Debian package squashfs-tools"
    command -v depmod >/dev/null 2>&1 || die "depmod not found: install the Debian package kmod"
    base=$(mktemp -d)
    mkdir -p "$base/lib/modules"
    # hard links: depmod only adds its index files beside the package's modules
    cp -al "$image/lib/modules/$release" "$base/lib/modules/$release" 2>/dev/null ||
        cp -a "$image/lib/modules/$release" "$base/lib/modules/$release"
    depmod -b "$base" "$release" || die "depmod for $release failed"
    mksquashfs "$base/lib/modules" "$disk" -comp lz4 -noappend -no-xattrs -quiet >/dev/null ||
        die "mksquashfs of the $release modules failed"
    : > "$bootdir/order"
    for m in "${boot_modules[@]}"; do
        add_boot_module "$base/lib/modules/$release" "$m" "$bootdir"
    done
    rm -rf "$base"
}

# add_boot_module MODDIR NAME BOOTDIR: NAME after its dependencies, each once.
add_boot_module() {
    local moddir=$1 m=$2 bootdir=$3 line path dep i deps=()
    grep -qx "$m" "$bootdir/order" && return 0
    line=$(grep -E "^kernel/([^:]*/)?$m\.ko:" "$moddir/modules.dep") || die "module $m not found in $moddir"
    path=${line%%:*}
    read -r -a deps <<< "${line#*:}"
    # modprobe loads a module's dependencies from the last listed to the first
    for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
        dep=${deps[i]##*/}
        add_boot_module "$moddir" "${dep%.ko}" "$bootdir"
    done
    cp "$moddir/$path" "$bootdir/"
    echo "$m" >> "$bootdir/order"
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
