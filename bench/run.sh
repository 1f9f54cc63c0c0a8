#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kipsec vs Linux XFRM: TCP goodput on the same veth pair, same algorithm
# (AES-GCM-128, and NULL+HMAC-SHA2-256 to show the framework overhead), in one
# VM boot per kernel. A measurement, not a test: it prints per algorithm the
# mean kipsec and XFRM Mbit/s and their ratio, and writes them to
# bench/results-KVER.txt.
#
#   bench/run.sh [KVER...]      default: 6.1.0-56-amd64 6.12.117+deb12-amd64
# Environment: KIPSEC_BENCH_ROUNDS, KIPSEC_BENCH_SECS, KIPSEC_BENCH_ALGS (see
# bench/guest.sh). Under TCG absolute numbers are tiny; the ratio is the point.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo" || exit 1

kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(6.1.0-56-amd64 6.12.117+deb12-amd64)

[ -x tools/kipsec ] || make -C tools >/dev/null || { echo "bench: CLI build failed" >&2; exit 1; }

rc=0
for kver in "${kernels[@]}"; do
	kdir=/usr/src/linux-headers-$kver
	# A private copy per kernel: building for one kernel in the tree would
	# overwrite the other's objects.
	bdir=$repo/build/bench/$kver
	mkdir -p "$bdir"
	rsync -a --delete --exclude .git --exclude build --exclude tools --exclude keyd \
		--exclude selftests --exclude bench "$repo/" "$bdir/"
	if ! make -C "$kdir" M="$bdir" modules >"$bdir/build.log" 2>&1; then
		echo "bench: module build for $kver failed, see $bdir/build.log" >&2
		rc=1
		continue
	fi
	out=$bdir/bench.out
	echo "# bench $kver: booting the VM"
	selftests/vm/run-vm.sh --kernel "$kver" --module "$bdir/kmod/kipsec.ko" --timeout 1800 \
		-- bench/guest.sh | tee "$out"
	res=$repo/bench/results-$kver.txt
	{
		echo "# kipsec vs XFRM, TCP goodput (iperf3), one veth pair, kernel $kver, QEMU TCG"
		echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$repo" rev-parse --short HEAD 2>/dev/null)"
		awk '$1 == "RESULT" { s[$2 " " $3] += $5; n[$2 " " $3]++; a[$2] = 1 }
		END {
			printf "%-14s %12s %12s %8s\n", "algorithm", "kipsec Mb/s", "XFRM Mb/s", "ratio"
			for (alg in a) {
				k = n[alg " kipsec"] ? s[alg " kipsec"] / n[alg " kipsec"] : 0
				x = n[alg " xfrm"] ? s[alg " xfrm"] / n[alg " xfrm"] : 0
				r = x > 0 ? sprintf("%.2f", k / x) : "n/a"
				printf "%-14s %12.1f %12.1f %8s\n", alg, k, x, r
			}
		}' "$out"
		echo "# per round:"
		grep '^RESULT' "$out" | sed 's/^RESULT/#/'
	} >"$res"
	cat "$res"
done
exit $rc
