#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# VM lab stage 2: PID 1 inside the guest, in the overlaid host root.
# Finish the runtime mounts, run the caller's command (out/cmd.sh, written by
# run-vm.sh) with stdout on ttyS1 and stderr on ttyS2 (the host streams both
# live), record exit code, uptime and dmesg on the results share, power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
vm=/run/kipsec-vm
out=$vm/out

mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts 2>/dev/null ||
	{ mkdir -p /dev/pts && mount -t devpts devpts /dev/pts; }
mkdir -p /dev/shm && mount -t tmpfs -o nosuid,nodev tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
ln -sf /proc/self/fd /dev/fd 2>/dev/null
ln -sf /proc/self/fd/0 /dev/stdin 2>/dev/null
ln -sf /proc/self/fd/1 /dev/stdout 2>/dev/null
ln -sf /proc/self/fd/2 /dev/stderr 2>/dev/null
hostname kipsec-vm
ip link set lo up
echo 1 >/proc/sys/kernel/panic_on_oops
# Emulated time is slow: report hung tasks only after 10 minutes.
echo 600 >/proc/sys/kernel/hung_task_timeout_secs 2>/dev/null

# Raw mode: no \n -> \r\n translation, so the host receives the exact bytes.
stty -F /dev/ttyS1 raw -echo 115200 2>/dev/null
stty -F /dev/ttyS2 raw -echo 115200 2>/dev/null
cut -d' ' -f1 /proc/uptime >"$out/boot-uptime"

mkfifo "$vm/stdout.fifo" "$vm/stderr.fifo"
tee "$out/stdout" <"$vm/stdout.fifo" >/dev/ttyS1 &
t1=$!
tee "$out/stderr" <"$vm/stderr.fifo" >/dev/ttyS2 &
t2=$!
(cd / && exec bash "$out/cmd.sh") </dev/null >"$vm/stdout.fifo" 2>"$vm/stderr.fifo"
rc=$?
# A daemon the command left running may still hold the pipes open: give the
# copies a moment to reach EOF, then stop them (the host fetches any tail
# the serial stream missed from the files).
for _ in $(seq 50); do
	kill -0 $t1 2>/dev/null || kill -0 $t2 2>/dev/null || break
	sleep 0.1
done
kill $t1 $t2 2>/dev/null
wait $t1 $t2 2>/dev/null

dmesg >"$out/dmesg" 2>&1
echo "$rc" >"$out/rc"
sync
busybox poweroff -f 2>/dev/null || echo o >/proc/sysrq-trigger
sleep 10
