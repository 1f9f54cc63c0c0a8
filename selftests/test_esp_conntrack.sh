#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A stateful firewall on a kipsec gateway: H1 - G1 = MID = G2 - H2, G1 runs
# kipsec with nftables "forward: policy drop; ct state established accept;
# new from the LAN accept", G2 runs Linux XFRM. The firewall is loaded after
# kipsec, and again with kipsec loaded after the firewall: then kipsec's
# POST_ROUTING hook runs before conntrack's confirmation (same priority,
# later registration goes first), so kipsec has to confirm the inner
# connection itself before it takes the packet, or the replies
# (decapsulated, arriving from the WAN side) look new and are dropped. Ping and TCP H1->H2 must work, the replies must hit the
# "established" rule, and none may hit the drop counter. The same for a
# host (G1 itself pinging H2) with an input chain of policy drop, and for
# source NAT of the LAN on G1 (masquerade into the tunnel's address).
. "$(dirname "$0")/lib.sh"

need ip ping jq iperf3 nft
ORDERS="firewall-after-kipsec kipsec-after-firewall"
plan $((1 + 2 * 9))

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi
topo_gw
check "topology: plain ping H1->H2 before IPsec" ping_count "$NS_H1" -c 1 10.1.2.2 ||
	{ skip_rest "no topology"; tap_done; }
ip -n "$NS_G1" addr add 10.1.9.1/32 dev lo
ip -n "$NS_G2" route add 10.1.9.1/32 via 10.1.12.1

cat >"$KT_TMP/fw.nft" <<EOF
table inet kt_fw {
	counter est { }
	counter dropped { }
	counter in_est { }
	counter in_dropped { }
	chain forward_f {
		type filter hook forward priority filter; policy drop;
		ct state established,related counter name "est" accept
		iifname "g1h" ct state new accept
		counter name "dropped"
	}
	chain input_f {
		type filter hook input priority filter; policy drop;
		ct state established,related counter name "in_est" accept
		meta l4proto { esp, udp } accept
		iifname "lo" accept
		counter name "in_dropped"
	}
}
EOF
# Source NAT of the LAN into the tunnel: H1's 10.1.1.2 leaves as 10.1.9.1
# (G1's own, inside the tunnel's 10.1.0.0/16); the replies are un-NATed
# only if the NAT binding was confirmed before kipsec took the packet.
cat >"$KT_TMP/nat.nft" <<EOF
table ip kt_nat {
	chain post {
		type nat hook postrouting priority srcnat;
		ip saddr 10.1.1.0/24 ip daddr 10.1.2.0/24 snat to 10.1.9.1
	}
}
EOF
ip netns exec "$NS_H2" nft -f - <<EOF
table ip kt_seen {
	counter natted { }
	chain input_h {
		type filter hook input priority filter;
		ip saddr 10.1.9.1 icmp type echo-request counter name "natted"
	}
}
EOF
nft_counter() { ip netns exec "$NS_G1" nft -j list counter inet kt_fw "$1" | jq '.nftables[1].counter.packets'; }
firewall() {
	ip netns exec "$NS_G1" nft delete table inet kt_fw 2>/dev/null
	ip netns exec "$NS_G1" nft delete table ip kt_nat 2>/dev/null
	ip netns exec "$NS_G1" nft -f "$KT_TMP/fw.nft"
}
tunnel() {
	local so=0x3101 si=0x4101 ALG=gcm128-128
	ipsec_flush xfrm "$NS_G2" >/dev/null 2>&1
	batch_begin
	sa_add "$OUR" "$NS_G1" 10.1.12.1 10.1.12.2 $so tunnel $ALG
	sa_add "$OUR" "$NS_G1" 10.1.12.2 10.1.12.1 $si tunnel $ALG
	pol_pair "$OUR" "$NS_G1" 10.1.0.0/16 10.1.2.0/24 tunnel 10.1.12.1 10.1.12.2 $so $si fwd
	sa_add xfrm "$NS_G2" 10.1.12.1 10.1.12.2 $so tunnel $ALG
	sa_add xfrm "$NS_G2" 10.1.12.2 10.1.12.1 $si tunnel $ALG
	pol_pair xfrm "$NS_G2" 10.1.2.0/24 10.1.0.0/16 tunnel 10.1.12.2 10.1.12.1 $si $so fwd
	batch_apply
}

port=5311
for order in $ORDERS; do
	if [ $order = firewall-after-kipsec ]; then
		tunnel && firewall
	else
		firewall && module_reload && tunnel
	fi
	result $? "$order: tunnel G1 (kipsec) = G2 (XFRM) and G1's stateful firewall installed" ||
		{ skip_rest "no tunnel"; tap_done; }

	ping_ok "$order: forwarded: ping H1->H2 through the tunnel" "$NS_H1" -c 3 10.1.2.2
	tcp_ok "$order: forwarded: TCP H1->H2 through the tunnel" "$NS_H2" 10.1.2.2 "$NS_H1" 2 $port
	port=$((port + 1))
	est=$(nft_counter est) dropped=$(nft_counter dropped)
	[ "${est:-0}" -ge 3 ] && [ "${dropped:-1}" = 0 ]
	result $? "$order: forwarded: replies matched ct state established ($est), none dropped ($dropped)" \
		"$(ip netns exec "$NS_G1" nft list table inet kt_fw)"

	ping_ok "$order: local: ping G1->H2 through the tunnel" "$NS_G1" -c 3 -I 10.1.1.1 10.1.2.2
	in_est=$(nft_counter in_est) in_dropped=$(nft_counter in_dropped)
	[ "${in_est:-0}" -ge 3 ] && [ "${in_dropped:-1}" = 0 ]
	result $? "$order: local: replies matched ct state established ($in_est), none dropped ($in_dropped)" \
		"$(ip netns exec "$NS_G1" nft list table inet kt_fw)"

	ip netns exec "$NS_H2" nft reset counter ip kt_seen natted >/dev/null
	check "$order: source NAT of the LAN loaded on G1" ip netns exec "$NS_G1" nft -f "$KT_TMP/nat.nft"
	ping_ok "$order: source NAT into the tunnel: ping H1->H2" "$NS_H1" -c 3 10.1.2.2
	n=$(ip netns exec "$NS_H2" nft -j list counter ip kt_seen natted | jq '.nftables[1].counter.packets')
	[ "${n:-0}" -ge 3 ]
	result $? "$order: source NAT into the tunnel: H2 saw $n echo requests from 10.1.9.1"
done
tap_done
