#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bundles: a policy with two templates, ESP then AH around it (setkey's
# "esp/transport//require ah/transport//require"), between kipsec (A) and
# Linux XFRM (B) with the same two-template policies, IPv4 and IPv6, both
# directions: pings and TCP, and both SAs of each direction count the
# packets on both hosts. Then the inbound check: B sends with only one of
# the two transforms; A must drop and count every packet (drop_policy).
. "$(dirname "$0")/lib.sh"

need ip ping jq iperf3
plan 14

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi

topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }

N=3
batch_begin
bx_assoc "$OUR" xfrm transport 4 4 "esp ah" sha256; K4=$K
bx_assoc "$OUR" xfrm transport 6 6 "esp ah" sha1; K6=$K
check "ESP+AH bundle SAs and two-template policies (A=$OUR B=xfrm)" batch_apply
list="$K4 $K6"
assoc_ping_all "$list" $N
bx_counters "$list" $((2 * N))

tcp_ok "TCP over the ESP+AH bundle, v4 A->B" "$NS_B" "${ASSOC_PB[K4]}" "$NS_A" 2 5201 \
	-B "${ASSOC_PA[K4]}"

# The policy lists both templates, innermost (ESP) first.
t=$(kipsec_json "$NS_A" policy list | jq -c '[.[] | select(.dir == "out") | [.. | objects | select(has("proto")) | .proto]]' 2>/dev/null)
[[ $t == *esp*ah* ]]
result $? "kipsec lists the bundle's templates in order ($t)" "$(kipsec_json "$NS_A" policy list)"

# B protects with a single transform where A's policy wants both.
# one_tmpl PROTO: B's out policy for the IPv4 association uses PROTO only.
one_tmpl() {
	bx_tmpls "$1" "$K4" ba transport
	ipsec xfrm "$NS_B" policy update src "${ASSOC_PB[K4]}/32" dst "${ASSOC_PA[K4]}/32" \
		dir out "${TMPLV[@]}"
}
for p in esp ah; do
	d0=$(drop_count "$OUR" "$NS_A" policy)
	check "B's policy changed to $p only" one_tmpl $p
	ping_fails "$p only where ESP+AH is required: no ping B->A" "$NS_B" -c 3 \
		-I "${ASSOC_PB[K4]}" "${ASSOC_PA[K4]}"
	d1=$(drop_count "$OUR" "$NS_A" policy)
	[ $((d1 - d0)) -ge 3 ] 2>/dev/null
	result $? "$p only: A dropped and counted them (drop_policy $d0 -> $d1)" \
		"$(kipsec_json "$NS_A" stats)"
done
tap_done
