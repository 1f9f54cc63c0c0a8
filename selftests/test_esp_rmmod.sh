#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rmmod under traffic: TCP flows through a kipsec tunnel (peer: Linux XFRM)
# with SAs and policies installed; rmmod kipsec must succeed while it runs.
# Then reload, reinstall, and traffic must flow again; the kernel log must
# stay clean (no WARN/BUG/refcount/leak reports).
. "$(dirname "$0")/lib.sh"

need ip ping jq iperf3
plan 10

if [ "$OUR" != kipsec ] || ! kipsec_loaded || [ -z "${KIPSEC_KO:-}" ]; then
	skip_rest "needs the kipsec module (KIPSEC_KO) loaded"
	tap_done
fi
finish() {
	kt_cleanup
	kipsec_loaded || insmod "$KIPSEC_KO"
}
trap finish EXIT
dmesg_mark

topo_pair
install() {	# (again after the reload: addresses exist already)
	KT_NASSOC=0
	batch_begin
	assoc_add kipsec xfrm tunnel gcm128-128 4
	assoc_add kipsec xfrm transport cbc128-sha256 6
	batch_apply
}
check "SAs and policies installed" install

# Long transfers through both associations, in the background.
for k in 1 2; do
	ip netns exec "$NS_B" iperf3 -s -1 -p $((5500 + k)) >/dev/null 2>&1 &
	KT_PIDS+=($!)
done
for k in 1 2; do wait_listen "$NS_B" $((5500 + k)) 20; done
for k in 1 2; do
	ip netns exec "$NS_A" iperf3 -c "${ASSOC_PB[k]}" -B "${ASSOC_PA[k]}" -p $((5500 + k)) \
		-t 60 >"$KT_TMP/iperf.$k" 2>&1 &
	KT_PIDS+=($!)
done
# Wait until both flows really go through kipsec.
moving=0
for _ in $(seq 60); do
	a=$(sa_packets kipsec "$NS_A" "${ASSOC_SAB[1]}") b=$(sa_packets kipsec "$NS_A" "${ASSOC_SAB[2]}")
	[ "${a:-0}" -gt 200 ] && [ "${b:-0}" -gt 200 ] && { moving=1; break; }
	sleep 0.5
done
[ $moving = 1 ]
result $? "traffic flows through both SAs (${a:-?} and ${b:-?} packets)" \
	"$(cat "$KT_TMP/iperf.1" "$KT_TMP/iperf.2" 2>/dev/null | tail -n 20)"

check "rmmod kipsec under traffic" rmmod kipsec
kipsec_loaded
result $((!$?)) "module is gone"
for p in "${KT_PIDS[@]}"; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
KT_PIDS=()

check "insmod kipsec again" insmod "$KIPSEC_KO"
n=$(kipsec_json "$NS_A" state list | jq length 2>/dev/null)
[ "${n:-x}" = 0 ]
result $? "no SA survived the reload (state list has ${n:-?} entries)"
# XFRM on B still has its SAs; kipsec gets new ones with fresh sequence numbers.
ipsec_flush xfrm "$NS_B"
KT_NO_ADDR=1
check "SAs and policies reinstalled" install
assoc_ping_all "1 2" 3
p=$(dmesg_problems)
[ -z "$p" ]
result $? "no kernel warnings" "$p"
tap_done
