#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# VM lab /init (runs from the initramfs under busybox).
# Mount the host's / read-only over virtio-9p, put a tmpfs overlay on top,
# mount the results share, then switch_root into it and run stage 2.
/bin/busybox --install -s /bin
export PATH=/bin

fatal() {
	echo "vm-init: FATAL: $*" >/dev/console
	sleep 1
	poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

for m in $(cat /modules.order); do
	insmod "/lib/modules/$m" || fatal "insmod $m failed"
done

opts=trans=virtio,version=9p2000.L,msize=512000
# The host root does not change under us during a run: cache it hard.
mount -t 9p -o "$opts,cache=loose,ro" rootfs /lower || fatal "cannot mount host root over 9p"
mount -t tmpfs -o mode=0755,size=75% tmpfs /rw || fatal "tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
	fatal "overlay mount failed"

# Fresh runtime directories; /var/run is a symlink to /run on Debian.
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /newroot/run || fatal "tmpfs /run"
mkdir -p /newroot/run/kipsec-vm/out /newroot/run/netns /newroot/run/lock
# Results share: uncached so every write lands on the host at once.
mount -t 9p -o "$opts,cache=none" out /newroot/run/kipsec-vm/out || fatal "cannot mount results share"
cp /guest-stage2.sh /newroot/run/kipsec-vm/stage2.sh

mount --move /dev /newroot/dev || fatal "move /dev"
mount --move /proc /newroot/proc || fatal "move /proc"
mount --move /sys /newroot/sys || fatal "move /sys"

exec switch_root /newroot /bin/bash /run/kipsec-vm/stage2.sh
fatal "switch_root failed"
