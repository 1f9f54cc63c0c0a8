#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kipsec VM lab: boot a Debian kernel under QEMU (TCG) and run one command.
set -uo pipefail

usage() {
	cat <<'USAGE'
usage: run-vm.sh --kernel KVER [options] -- CMD [ARGS...]

Boots /boot/vmlinuz-KVER under qemu-system-x86_64 (TCG, no KVM) with a busybox
initramfs; the host's / is the guest's root, read-only over virtio-9p with a
tmpfs overlay on top (writes inside the guest vanish at power-off). CMD runs
as root in the guest, in the caller's current directory, with:
  KVER          the guest kernel version
  KIPSEC_KO     absolute path of --module (not loaded: the test runner insmods it)
  KIPSEC_VM_OUT a directory on a writable host share: files written there are
                copied to --out DIR after the run (if --out is given)
  KIPSEC_*      every KIPSEC_* variable of the caller is passed through
The guest has no network device: traffic stays in its own namespaces.
A boot that fails before CMD starts is retried (3 attempts; each must reach
CMD within KIPSEC_VM_BOOT_TIMEOUT seconds, default 300).
CMD's stdout and stderr are streamed live to this script's stdout and stderr.

options:
  --kernel KVER      kernel version (required), e.g. 6.1.0-56-amd64
  --module PATH      kipsec.ko for this kernel; exported as KIPSEC_KO
  --mem MB           guest memory (default 2048)
  --smp N            guest CPUs (default 2)
  --timeout SECS     kill the VM after SECS (default 1800)
  --append ARGS      extra kernel command line
  --env NAME=VALUE   extra environment variable for CMD (repeatable)
  --out DIR          keep console.log, dmesg, stdout, stderr, rc and
                     KIPSEC_VM_OUT files in DIR
  --console          also stream the kernel console to stderr
  --crypto-selftests keep the kernel's crypto self-tests (off by default:
                     cryptomgr.notests=1 halves the first use of an algorithm)
  -h, --help         this text

exit status:
  CMD's exit status, unless
  124  the VM timed out
  125  the guest kernel logged a WARNING/BUG/Oops/KASAN/UBSAN/... (lines printed)
  126  the guest died before CMD finished (panic, boot failure)
  127  bad usage or missing host prerequisites
USAGE
}

die() { echo "run-vm: $*" >&2; exit 127; }

kver= module= mem=2048 smp=2 timeout=1800 append= outkeep= console=0 crypto_tests=0
envs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kver=${2:?}; shift 2 ;;
	--module) module=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--append) append=${2?}; shift 2 ;;
	--env) envs+=("${2:?}"); shift 2 ;;
	--out) outkeep=${2:?}; shift 2 ;;
	--console) console=1; shift ;;
	--crypto-selftests) crypto_tests=1; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	*) usage >&2; exit 127 ;;
	esac
done
[ -n "$kver" ] || { usage >&2; exit 127; }
[ $# -gt 0 ] || die "no command given (use -- CMD ...)"
kernel=/boot/vmlinuz-$kver
[ -r "$kernel" ] || die "$kernel not found (install linux-image-$kver)"
[ -d "/lib/modules/$kver" ] || die "/lib/modules/$kver not found"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
if [ -n "$module" ]; then
	[ -f "$module" ] || die "module $module not found"
	module=$(realpath "$module")
fi
for e in "${envs[@]}"; do
	[[ "$e" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "bad --env '$e' (want NAME=VALUE)"
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
initrd=$("$here/build-initramfs.sh" "$kver" "$repo/build/vm/$kver") || die "initramfs build failed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kipsec-vm.XXXXXX")
share=$tmp/share
mkdir -p "$share/files"
pids=()
qpid=
cleanup() {
	# qpid is timeout(1): it passes TERM on to QEMU.
	if [ -n "$qpid" ]; then
		kill -TERM "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
	fi
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The command, as a script the guest runs: same cwd, environment, arguments.
{
	echo "cd $(printf '%q' "$PWD") || exit 126"
	echo "export KVER=$(printf '%q' "$kver")"
	echo "export KIPSEC_VM_OUT=/run/kipsec-vm/out/files"
	[ -n "$module" ] && echo "export KIPSEC_KO=$(printf '%q' "$module")"
	for name in $(compgen -e | grep '^KIPSEC_'); do
		[ "$name" = KIPSEC_KO ] && [ -n "$module" ] && continue
		[ "$name" = KIPSEC_VM_OUT ] && continue
		echo "export $name=$(printf '%q' "${!name}")"
	done
	for e in "${envs[@]}"; do
		echo "export ${e%%=*}=$(printf '%q' "${e#*=}")"
	done
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$share/cmd.sh"

# loglevel=5: warnings reach the console log even if the guest panics.
# Under TCG on a busy host a vCPU can stall for many seconds: lockup and
# RCU-stall detectors get long thresholds so only real hangs trip them, and
# no_timer_check skips the early IO-APIC timer probe that such a stall fails.
cmdline="console=ttyS0 loglevel=5 panic=-1 oops=panic panic_on_warn=1 slub_debug=FZPU"
cmdline+=" watchdog_thresh=60 nmi_watchdog=0 rcupdate.rcu_cpu_stall_timeout=120 no_timer_check"
# The kernel's own crypto self-tests double the cost of each algorithm's
# first use under emulation; they test the kernel, not kipsec.
[ "$crypto_tests" = 1 ] || cmdline+=" cryptomgr.notests=1"
cmdline+=" rdinit=/init 8250.nr_uarts=4 $append"

# One boot. QEMU writes each serial port into a FIFO; readers relay them
# live. A watcher stops a boot that has not reached the command in time.
boot_once() {
	rm -f "$tmp"/*.fifo
	mkfifo "$tmp/console.fifo" "$tmp/stdout.fifo" "$tmp/stderr.fifo"
	if [ "$console" = 1 ]; then
		tr -d '\r' <"$tmp/console.fifo" | tee "$tmp/console.log" >&2 &
	else
		tr -d '\r' <"$tmp/console.fifo" >"$tmp/console.log" &
	fi
	pids+=($!)
	tee -a "$tmp/stdout.recv" <"$tmp/stdout.fifo" &
	pids+=($!)
	tee -a "$tmp/stderr.recv" <"$tmp/stderr.fifo" >&2 &
	pids+=($!)

	timeout --kill-after=10 "$timeout" qemu-system-x86_64 \
		-accel tcg -cpu max -m "$mem" -smp "$smp" \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
		-chardev file,id=con,path="$tmp/console.fifo" -serial chardev:con \
		-chardev file,id=sout,path="$tmp/stdout.fifo" -serial chardev:sout \
		-chardev file,id=serr,path="$tmp/stderr.fifo" -serial chardev:serr \
		-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=root,mount_tag=rootfs \
		-fsdev local,id=out,path="$share",security_model=none,multidevs=remap \
		-device virtio-9p-pci,fsdev=out,mount_tag=out \
		-nic none </dev/null &
	qpid=$!
	(
		for _ in $(seq "$boot_timeout"); do
			sleep 1
			[ -f "$share/boot-uptime" ] && exit 0
		done
		kill -TERM "$qpid" 2>/dev/null
	) &
	local watcher=$!
	wait "$qpid"
	qrc=$?
	qpid=
	kill "$watcher" 2>/dev/null
	wait "$watcher" "${pids[@]}" 2>/dev/null
	pids=()
}

# A boot that dies or stalls before the command starts (an emulation
# hiccup on a loaded host) is retried: the command has not run yet.
boot_timeout=${KIPSEC_VM_BOOT_TIMEOUT:-300}
start=$(date +%s.%N)
for attempt in 1 2 3; do
	boot_once
	[ -f "$share/boot-uptime" ] && break
	echo "# run-vm[$kver]: boot attempt $attempt did not reach the command (qemu status $qrc)" >&2
	grep -E -m 3 'panic|BUG|Oops|FATAL' "$tmp/console.log" | sed 's/^/#   /' >&2
	cp "$tmp/console.log" "$tmp/console-boot$attempt.log"
done
end=$(date +%s.%N)

# Serial output may lag behind the files at power-off: print the missing tail.
catch_up() { # received-copy full-copy fd
	local got want
	[ -f "$2" ] || return 0
	got=$(stat -c %s "$1" 2>/dev/null || echo 0)
	want=$(stat -c %s "$2")
	[ "$want" -gt "$got" ] && tail -c +$((got + 1)) "$2" >&"$3"
	return 0
}
catch_up "$tmp/stdout.recv" "$share/stdout" 1
catch_up "$tmp/stderr.recv" "$share/stderr" 2

if [ -n "$outkeep" ]; then
	mkdir -p "$outkeep"
	cp "$tmp/console.log" "$outkeep/console.log"
	for f in stdout stderr dmesg rc boot-uptime; do
		[ -f "$share/$f" ] && cp "$share/$f" "$outkeep/$f"
	done
	cp -r "$share/files/." "$outkeep/" 2>/dev/null
fi

note() { echo "# run-vm[$kver]: $*" >&2; }
boot=$(cat "$share/boot-uptime" 2>/dev/null || echo '?')
note "wall $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')s, guest reached userspace at ${boot}s uptime"

# Kernel problems: in the final dmesg, or on the console if the guest died.
log=$share/dmesg
[ -s "$log" ] || log=$tmp/console.log
pattern='WARNING:|BUG:|Oops|general protection|Slab cache still has objects|kernel BUG|UBSAN|KASAN|refcount_t:|Kernel panic|unreferenced object|Call Trace:'
bad=$(grep -E "$pattern" "$log" 2>/dev/null)

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	note "TIMEOUT after ${timeout}s; last console lines:"
	tail -n 40 "$tmp/console.log" | sed 's/^/#   /' >&2
	[ -n "$bad" ] && { note "kernel problems:"; sed 's/^/#   /' <<<"$bad" >&2; }
	exit 124
fi
if [ -n "$bad" ]; then
	note "guest kernel reported problems:"
	grep -E -A 25 "$pattern" "$log" | head -n 200 | sed 's/^/#   /' >&2
	exit 125
fi
if [ ! -f "$share/rc" ]; then
	note "guest died before the command finished (qemu status $qrc); last console lines:"
	tail -n 40 "$tmp/console.log" | sed 's/^/#   /' >&2
	exit 126
fi
exit "$(cat "$share/rc")"
