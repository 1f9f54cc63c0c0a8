#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Site-to-site gateways: H1 - G1 = MID = G2 - H2. G1 runs kipsec; G2 runs
# kipsec in the first round and Linux XFRM in the second. The hosts talk in
# clear to their gateway; between the gateways (captured on MID, a bridge
# that is neither endpoint) only ESP may be seen: no inner address, no
# plaintext ICMP/TCP. Ping both ways and TCP H1->H2 must work, the tunnel SAs
# must count the packets, and G1 forwards decapsulated traffic (fwd policy).
. "$(dirname "$0")/lib.sh"

need ip ping jq iperf3 tcpdump
ROUNDS="$OUR-$OUR $OUR-xfrm"
plan $((1 + 2 * 6))

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi
topo_gw
check "topology: plain ping H1->H2 before IPsec" ping_count "$NS_H1" -c 1 10.1.2.2 ||
	{ skip_rest "no topology"; tap_done; }

ALG=gcm128-128
round=0
for r in $ROUNDS; do
	i1=${r%-*} i2=${r#*-}
	round=$((round + 1))
	so=$((0x3000 + round)) si=$((0x4000 + round))
	batch_begin
	for side in "$i1 $NS_G1 10.1.1.0/24 10.1.2.0/24 10.1.12.1 10.1.12.2 $so $si" \
		    "$i2 $NS_G2 10.1.2.0/24 10.1.1.0/24 10.1.12.2 10.1.12.1 $si $so"; do
		read -r impl ns lnet rnet l rem sout sin <<<"$side"
		sa_add "$impl" "$ns" "$l" "$rem" "$sout" tunnel $ALG
		sa_add "$impl" "$ns" "$rem" "$l" "$sin" tunnel $ALG
		pol_pair "$impl" "$ns" "$lnet" "$rnet" tunnel "$l" "$rem" "$sout" "$sin" fwd
	done
	# SAs are keyed by SPI: G1's out SA is G2's in SA (same SPI, same keys).
	check "G1=$i1 G2=$i2: tunnel SAs and policies installed" batch_apply

	pcap=$KT_TMP/mid.$round.pcap
	if ! capture_start "$NS_MID" br0 "$pcap" ip; then
		diag "tcpdump on MID did not start: $(cat "$pcap.log")"
	fi
	ping_ok "G1=$i1 G2=$i2: ping H1->H2 through the tunnel" "$NS_H1" -c 3 10.1.2.2
	ping_ok "G1=$i1 G2=$i2: ping H2->H1 through the tunnel" "$NS_H2" -c 3 10.1.1.2
	tcp_ok "G1=$i1 G2=$i2: TCP H1->H2 through the tunnel" "$NS_H2" 10.1.2.2 "$NS_H1" 2 $((5300 + round))
	capture_stop

	# What crossed the gateways' link: ESP between G1 and G2, nothing else.
	esp=$(tcpdump -n -r "$pcap" 'esp and host 10.1.12.1 and host 10.1.12.2' 2>/dev/null | wc -l)
	other=$(tcpdump -n -r "$pcap" 'not esp' 2>/dev/null)
	inner=$(tcpdump -n -r "$pcap" 'net 10.1.1.0/24 or net 10.1.2.0/24' 2>/dev/null | wc -l)
	[ "$esp" -gt 20 ] && [ -z "$other" ] && [ "$inner" = 0 ]
	result $? "G1=$i1 G2=$i2: only ESP on the G1-G2 link ($esp ESP packets)" \
		"ESP packets seen: $esp (want > 20); inner addresses in clear: $inner" \
		"non-ESP IPv4 packets (want none):" "$(head -n 20 <<<"$other")"

	# Traffic from H1 leaves G1 through SA so; H2's comes back through si.
	n1=$(sa_packets "$i1" "$NS_G1" $so) n2=$(sa_packets "$i1" "$NS_G1" $si)
	m1=$(sa_packets "$i2" "$NS_G2" $so) m2=$(sa_packets "$i2" "$NS_G2" $si)
	[ "${n1:-0}" -ge 6 ] && [ "${n2:-0}" -ge 6 ] && [ "${m1:-0}" -ge 6 ] && [ "${m2:-0}" -ge 6 ]
	result $? "G1=$i1 G2=$i2: tunnel SA counters moved on both gateways" \
		"G1: out $so=${n1:-?} in $si=${n2:-?}; G2: in $so=${m1:-?} out $si=${m2:-?} (want >= 6 each)"

	ipsec_flush "$i1" "$NS_G1" >/dev/null 2>&1
	ipsec_flush "$i2" "$NS_G2" >/dev/null 2>&1
done
tap_done
