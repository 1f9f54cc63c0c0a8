#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inbound drops, each counted under its reason and harmless: an ESP packet
# from Linux XFRM (A) to kipsec (B) is captured on A's side of the wire, then
# resent from A altered: as is (replay), with one bit of the sequence number
# flipped (ICV failure), with an unknown SPI, cut to 6 bytes and to a header
# plus 10 bytes (malformed). Each must be dropped and counted; afterwards the
# SA still works (an unauthenticated packet must not move the replay window)
# and the kernel stays clean.
. "$(dirname "$0")/lib.sh"

need ip ping jq tcpdump "$PY"
INJECT=$(dirname "$0")/esp_inject.py
KINDS="replay:replay flipseq:auth badspi:nosa trunc6:malformed short:malformed"
plan $((4 + 5 + 2))

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi
topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }
dmesg_mark

batch_begin
assoc_add xfrm "$OUR" transport gcm128-128 4
check "SAs and policies installed (A=xfrm B=$OUR)" batch_apply
PA=${ASSOC_PA[K]} PB=${ASSOC_PB[K]}

pcap=$KT_TMP/esp.pcap
capture_start "$NS_A" a0 "$pcap" "esp and src $PA" || diag "tcpdump: $(cat "$pcap.log")"
ping_ok "ping A->B through the SA (packets to capture)" "$NS_A" -c 2 -I "$PA" "$PB"
capture_stop
n=$(tcpdump -n -r "$pcap" 2>/dev/null | wc -l)
[ "$n" -ge 1 ]
result $? "captured $n ESP packets A->B on A's side of the wire" "$(cat "$pcap.log")"

for kr in $KINDS; do
	kind=${kr%:*} reason=${kr#*:}
	before=$(drop_count "$OUR" "$NS_B" "$reason")
	out=$(ip netns exec "$NS_A" "$PY" "$INJECT" "$pcap" a0 "$kind" 2>&1)
	after=$before
	for _ in 1 2 3 4 5 6 7 8 9 10; do	# the packet may still be in flight
		after=$(drop_count "$OUR" "$NS_B" "$reason")
		[ "${after:-0}" -gt "${before:-0}" ] && break
		sleep 0.2
	done
	[ "${after:-0}" -gt "${before:-0}" ]
	result $? "$kind packet dropped and counted as drop_$reason ($before -> $after)" \
		"injector: $out" "B's namespace stats: $(kipsec_json "$NS_B" stats 2>&1)"
done

ping_ok "the SA still works after the bad packets" "$NS_A" -c 3 -I "$PA" "$PB"
p=$(dmesg_problems)
[ -z "$p" ]
result $? "no kernel warnings" "$p"
tap_done
