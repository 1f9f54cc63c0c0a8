#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: install what is missing, build the module for Debian's 6.1 and
# 6.12 kernels (W=1, sparse: zero warnings), build userspace, run the unit
# tests, then the VM selftests on each kernel. Everything is reported as one
# TAP stream; the last line is exactly "N passed, N failed". Exit status 0
# iff nothing failed.
#
#   selftests/check.sh [test_x.sh ...]   (tests default to all selftests/test_*.sh)
#
# Environment:
#   KIPSEC_CHECK_NO_VM=1     skip the VM selftests (builds and unit tests only)
#   KIPSEC_CHECK_KERNELS     space-separated kernel versions instead of autodetect
#   KIPSEC_VM_SHARDS=N       VMs per kernel, tests dealt round-robin, all at once (default 2)
#   KIPSEC_VM_TIMEOUT        seconds per VM (default 4200)
#   KIPSEC_TEST_TIMEOUT      seconds per test script inside the VM (default 1200)
set -uo pipefail
exec </dev/null
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo" || exit 1
mkdir -p build/logs
logs=$repo/build/logs

# One `make check` at a time per tree: both would rebuild build/KVER.
exec 8>build/.check.lock
if ! flock -n 8; then
	echo "# another make check is running in this tree; waiting for it"
	flock 8
fi

t0=$(date +%s)
total=0 passed=0 failed=0
ok() { total=$((total + 1)); passed=$((passed + 1)); echo "ok $total - $*"; }
notok() { total=$((total + 1)); failed=$((failed + 1)); echo "not ok $total - $*"; }
section() { echo "#"; echo "# ===== $* [t+$(($(date +%s) - t0))s]"; }
show_log() { grep -v '^make\[[0-9]*\]: \(Entering\|Leaving\)' "$1" | tail -n "${2:-40}" | sed 's/^/#   /'; }

# Run a step whose only result is its exit status (output to a log).
step() { # name log cmd...
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		ok "$name"
	else
		notok "$name"
		show_log "$log"
		return 1
	fi
}

# Merge a TAP stream (stdin, ending with a "__rc=N" line) into ours:
# subtests re-numbered and prefixed, other output as comments; a non-zero
# exit status with no failing subtest, or no subtest at all, is a failure.
tap_merge() { # prefix [expect-tests]
	local prefix=$1 expect=${2:-1} line desc rc= seen=0 bad=0
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			seen=$((seen + 1))
			desc=$(sed -E 's/^(not )?ok[[:space:]]*[0-9]*[[:space:]]*(-[[:space:]]*)?//' <<<"$line")
			case "$line" in
			ok*) ok "$prefix: $desc" ;;
			*) notok "$prefix: $desc"; bad=$((bad + 1)) ;;
			esac ;;
		__rc=*) rc=${line#__rc=} ;;
		"#"*) echo "$line" ;;
		"") ;;
		*) echo "# $prefix| $line" ;;
		esac
	done
	[[ "$rc" =~ ^[0-9]+$ ]] || rc=255
	TAP_RC=$rc
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		notok "$prefix: exited with status $rc"
	elif [ "$seen" -eq 0 ] && [ "$expect" = 1 ]; then
		notok "$prefix: produced no TAP results"
	fi
}

# ---------------------------------------------------------------------------
section "dependencies"
if "$here/deps.sh" >"$logs/deps.log" 2>&1; then
	ok "deps: required packages installed"
	grep '^#' "$logs/deps.log"
else
	notok "deps: required packages installed"
	show_log "$logs/deps.log"
fi

# ---------------------------------------------------------------------------
section "kernels"
newest_kernel() { # series, e.g. 6.1
	local k
	for k in $(ls -1 /lib/modules 2>/dev/null | grep -E "^${1//./\\.}\.[0-9]+.*-amd64$" | sort -rV); do
		if [ -d "/usr/src/linux-headers-$k" ] && [ -r "/boot/vmlinuz-$k" ]; then
			echo "$k"
			return 0
		fi
	done
	return 1
}
kernels=()
if [ -n "${KIPSEC_CHECK_KERNELS:-}" ]; then
	read -r -a kernels <<<"$KIPSEC_CHECK_KERNELS"
	for k in "${kernels[@]}"; do ok "kernel $k (from KIPSEC_CHECK_KERNELS)"; done
else
	for series in 6.1 6.12; do
		if k=$(newest_kernel "$series"); then
			kernels+=("$k")
			ok "kernel $series: $k (image, modules, headers)"
		else
			notok "kernel $series: no installed -amd64 kernel with headers"
		fi
	done
fi

# ---------------------------------------------------------------------------
# Module builds run in the background (one per kernel, each in its own copy
# of the sources) while userspace builds and unit tests run in front.
build_module() { # kver
	local k=$1 src=$repo/build/$1/src kdir=/usr/src/linux-headers-$1
	rm -rf "$src"
	mkdir -p "$src"
	rsync -a --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' kmod uapi Kbuild "$src/" || return 1
	make -C "$kdir" M="$src" W=1 modules >"$logs/module-$k.log" 2>&1
	echo $? >"$logs/module-$k.rc"
	# sparse on the first kernel only: same sources, slow.
	if [ "$k" = "${kernels[0]}" ] && [ "$(cat "$logs/module-$k.rc")" = 0 ]; then
		make -C "$kdir" M="$src" W=1 C=2 modules >"$logs/sparse-$k.log" 2>&1
		echo $? >"$logs/sparse-$k.rc"
	fi
}
bg=()
for k in "${kernels[@]}"; do
	rm -f "$logs/module-$k.rc" "$logs/sparse-$k.rc"
	build_module "$k" &
	bg+=($!)
done

# ---------------------------------------------------------------------------
section "userspace builds"
nproc=$(nproc)
if [ -f tools/Makefile ]; then
	step "tools: build kipsec CLI (-Werror)" "$logs/tools.log" make -C tools -j"$nproc"
else
	notok "tools: build kipsec CLI (no tools/Makefile)"
fi
if [ -f keyd/Makefile ]; then
	step "keyd: build kipsec-keyd (-Werror)" "$logs/keyd.log" make -C keyd -j"$nproc"
fi
step "selftests: build helper programs (-Werror)" "$logs/selftests-build.log" make -C selftests -j"$nproc"

section "userspace unit tests"
if [ -f tools/Makefile ]; then
	tap_merge "tools unit" < <(make -s -C tools check 2>&1; echo "__rc=$?")
fi
if [ -f keyd/Makefile ]; then
	tap_merge "keyd unit" < <(make -s -C keyd check 2>&1; echo "__rc=$?")
fi

# ---------------------------------------------------------------------------
section "module builds"
wait "${bg[@]}" 2>/dev/null
# Compiler and modpost warnings fail the build check; so do sparse reports
# about our own files (header noise from the kernel is shown, not counted).
declare -A ko=()
for k in "${kernels[@]}"; do
	log=$logs/module-$k.log
	rc=$(cat "$logs/module-$k.rc" 2>/dev/null || echo 1)
	file=$repo/build/$k/src/kmod/kipsec.ko
	warn=$(grep -E 'warning:|error:|WARNING:' "$log" 2>/dev/null)
	if [ "$rc" = 0 ] && [ -f "$file" ]; then
		ok "module: builds for $k"
		ko[$k]=$file
	else
		notok "module: builds for $k"
		show_log "$log" 60
	fi
	if [ -n "$warn" ]; then
		notok "module: no warnings with W=1 on $k"
		sed 's/^/#   /' <<<"$warn" | head -n 60
	elif [ "$rc" = 0 ]; then
		ok "module: no warnings with W=1 on $k"
	fi
	if [ -f "$logs/sparse-$k.rc" ]; then
		slog=$logs/sparse-$k.log
		ours=$(grep -E "^$repo/build/$k/src/.*(warning|error):" "$slog")
		if [ "$(cat "$logs/sparse-$k.rc")" = 0 ] && [ -z "$ours" ]; then
			ok "module: sparse (C=2) clean on $k"
		else
			notok "module: sparse (C=2) clean on $k"
			if [ -n "$ours" ]; then sed 's/^/#   /' <<<"$ours" | head -n 60; else show_log "$slog"; fi
		fi
		grep -E '(warning|error):' "$slog" | grep -v "^$repo/build/$k/src/" | head -n 10 |
			sed 's/^/# sparse, not ours: /'
	fi
done

# ---------------------------------------------------------------------------
if [ "${KIPSEC_CHECK_NO_VM:-0}" = 1 ]; then
	section "VM selftests skipped (KIPSEC_CHECK_NO_VM=1)"
else
	# Budget: CI allows 90 minutes; builds and unit tests take a few.
	vm_timeout=${KIPSEC_VM_TIMEOUT:-4200}
	export KIPSEC_TEST_TIMEOUT=${KIPSEC_TEST_TIMEOUT:-1200}
	vm_run() { # kver shard tests...: run the selftests in a VM, TAP on stdout
		local k=$1 s=$2 modargs=()
		shift 2
		[ -n "${ko[$k]:-}" ] && modargs=(--module "${ko[$k]}")
		"$here/vm/run-vm.sh" --kernel "$k" "${modargs[@]}" --timeout "$vm_timeout" \
			--out "$logs/vm-$k-$s" -- selftests/run_tests.sh "$@" 2>&1
		echo "__rc=$?"
	}
	vm_explain() { # kver rc
		case "$2" in
		124) notok "vm $1: VM timed out after ${vm_timeout}s" ;;
		125) notok "vm $1: guest kernel logged warnings/oops (see comments above)" ;;
		126) notok "vm $1: guest died before the tests finished" ;;
		esac
	}
	vmtests=("$@")
	if [ ${#vmtests[@]} -eq 0 ]; then
		mapfile -t vmtests < <(cd "$repo" && find selftests -maxdepth 1 -name 'test_*.sh' \
			-type f -printf '%f\n' | LC_ALL=C sort)
	fi
	# Each kernel's tests are dealt round-robin over KIPSEC_VM_SHARDS VMs, all
	# running at once: many tests spend most of their time waiting (timers,
	# lifetimes, DPD, rekeys), so four TCG guests share two cores well.
	shards=${KIPSEC_VM_SHARDS:-2}
	declare -A vpid=() vlist=()
	for k in "${kernels[@]}"; do
		for ((s = 0; s < shards; s++)); do
			list=()
			for ((i = s; i < ${#vmtests[@]}; i += shards)); do
				list+=("${vmtests[$i]}")
			done
			[ ${#list[@]} -gt 0 ] || continue
			vlist[$k/$s]="${list[*]}"
			vm_run "$k" "$s" "${list[@]}" >"$logs/vm-$k-$s.tap" &
			vpid[$k/$s]=$!
		done
	done
	for k in "${kernels[@]}"; do
		[ -n "${ko[$k]:-}" ] || echo "# no kipsec.ko for $k: tests that need it will fail"
		for ((s = 0; s < shards; s++)); do
			[ -n "${vpid[$k/$s]:-}" ] || continue
			section "VM selftests on $k, shard $((s + 1))/$shards: ${vlist[$k/$s]}"
			wait "${vpid[$k/$s]}"
			tap_merge "vm $k" <"$logs/vm-$k-$s.tap"
			vm_explain "$k" "$TAP_RC"
		done
	done
fi

# ---------------------------------------------------------------------------
section "done in $(($(date +%s) - t0))s; logs in build/logs/"
echo "1..$total"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
