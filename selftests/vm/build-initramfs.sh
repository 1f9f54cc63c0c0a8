#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the VM lab initramfs for one kernel version.
#
#   build-initramfs.sh KVER OUTDIR     -> prints the path of OUTDIR/initramfs.cpio
#
# The image holds a static busybox, the modules needed to mount the host's
# root over virtio-9p with an overlay (in modprobe dependency order,
# decompressed: busybox insmod cannot read .ko.xz), our /init and the
# stage-2 script. It is rebuilt only when one of those inputs changes, so
# concurrent callers share one copy (guarded by flock).
set -euo pipefail

kver=${1:?usage: build-initramfs.sh KVER OUTDIR}
outdir=${2:?usage: build-initramfs.sh KVER OUTDIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
busybox=/bin/busybox
# Modules the init needs; virtio_pci is built in on 6.12 (modprobe says "builtin").
want=(virtio_pci 9pnet_virtio 9p overlay)

die() { echo "build-initramfs: $*" >&2; exit 1; }
[ -d "/lib/modules/$kver" ] || die "no /lib/modules/$kver"
[ -x "$busybox" ] || die "$busybox missing (apt-get install busybox-static)"

# Ordered, de-duplicated module files.
mapfile -t mods < <(modprobe -S "$kver" --show-depends -a "${want[@]}" |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }')

hash=$( { sha256sum "$here/init.sh" "$here/guest-stage2.sh" "${BASH_SOURCE[0]}" "$busybox";
	  [ ${#mods[@]} -eq 0 ] || sha256sum "${mods[@]}"; echo "$kver"; } | sha256sum | cut -c1-16)

mkdir -p "$outdir"
img=$outdir/initramfs.cpio
exec 9>"$outdir/.lock"
flock 9
if [ -f "$img" ] && [ "$(cat "$outdir/initramfs.hash" 2>/dev/null)" = "$hash" ]; then
	echo "$img"
	exit 0
fi

stage=$(mktemp -d "$outdir/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,lib/modules,newroot,lower,rw}
cp "$busybox" "$stage/bin/busybox"
install -m 0755 "$here/init.sh" "$stage/init"
install -m 0755 "$here/guest-stage2.sh" "$stage/guest-stage2.sh"
: >"$stage/modules.order"
i=0
for m in "${mods[@]}"; do
	i=$((i + 1))
	base=$(basename "$m")
	name=$(printf '%02d-%s' "$i" "${base%%.ko*}.ko")
	case "$m" in
	*.ko.xz) xz -dc "$m" >"$stage/lib/modules/$name" ;;
	*.ko.zst) zstd -dcq "$m" >"$stage/lib/modules/$name" ;;
	*.ko.gz) gzip -dc "$m" >"$stage/lib/modules/$name" ;;
	*.ko) cp "$m" "$stage/lib/modules/$name" ;;
	*) die "unexpected module file $m" ;;
	esac
	echo "$name" >>"$stage/modules.order"
done
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$img.tmp"
mv -f "$img.tmp" "$img"
echo "$hash" >"$outdir/initramfs.hash"
echo "$img"
