#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark body, run INSIDE the lab VM by bench/run.sh: TCP goodput through
# kipsec and through Linux XFRM on the same veth pair, same algorithm,
# alternating rounds so drifts in the (emulated) machine hit both alike.
# Prints "RESULT <alg> <impl> <round> <Mbit/s>" lines.
#
# Environment: KIPSEC_KO (module), KIPSEC_BENCH_ROUNDS (3), KIPSEC_BENCH_SECS (5),
# KIPSEC_BENCH_ALGS ("gcm128-128 null-sha256").
. "$(dirname "$0")/../selftests/lib.sh"

ROUNDS=${KIPSEC_BENCH_ROUNDS:-3}
SECS=${KIPSEC_BENCH_SECS:-5}
ALGS=${KIPSEC_BENCH_ALGS:-gcm128-128 null-sha256}

if ! kipsec_loaded; then
	insmod "$KIPSEC_KO" || { echo "bench: insmod failed" >&2; exit 1; }
fi
topo_pair || { echo "bench: topology failed" >&2; exit 1; }

# one association, the same on both hosts (both kipsec or both XFRM)
setup() {	# impl alg
	batch_begin
	sa_pair "$1" "$NS_A" $A4 $B4 0x6001 0x6002 transport "$2"
	sa_pair "$1" "$NS_B" $A4 $B4 0x6001 0x6002 transport "$2"
	pol_pair "$1" "$NS_A" $A4/32 $B4/32 transport "" "" 0x6001 0x6002
	pol_pair "$1" "$NS_B" $B4/32 $A4/32 transport "" "" 0x6002 0x6001
	batch_apply
}
teardown() {
	ipsec_flush "$1" "$NS_A" >/dev/null 2>&1
	ipsec_flush "$1" "$NS_B" >/dev/null 2>&1
}

port=5600
run() {	# impl alg secs -> Mbit/s (0 and a diagnostic on failure)
	local m
	port=$((port + 1))
	setup "$1" "$2" >"$KT_TMP/setup.out" 2>&1 || { echo "# setup $1 $2: $(cat "$KT_TMP/setup.out")" >&2; }
	m=$(iperf_mbps "$NS_B" $B4 "$NS_A" "$3" $port)
	[ "$m" = 0.0 ] && echo "# $1 $2: $(tail -n 5 "$KT_TMP/iperf.out")" >&2
	teardown "$1"
	echo "$m"
}

echo "# kernel $(uname -r), $(nproc) vCPUs, ${SECS}s per run, $ROUNDS rounds"
for alg in $ALGS; do
	# warm-up: crypto self-tests, TCP/route caches, page allocations
	run kipsec "$alg" 2 >/dev/null
	run xfrm "$alg" 2 >/dev/null
	for r in $(seq "$ROUNDS"); do
		# alternate which one goes first
		if [ $((r % 2)) = 1 ]; then order="kipsec xfrm"; else order="xfrm kipsec"; fi
		for impl in $order; do
			echo "RESULT $alg $impl $r $(run "$impl" "$alg" "$SECS")"
		done
	done
done
