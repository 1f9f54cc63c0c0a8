#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Path MTU and fragments through a tunnel: H1 - G1 = MID = G2 - H2, G1 runs
# kipsec, G2 Linux XFRM, AES-GCM tunnels for IPv4-in-IPv4 and IPv6-in-IPv6.
# The G1-MID-G2 segment has a small MTU, so encapsulated packets may no
# longer fit:
#   - a DF (IPv4) or any (IPv6) packet that would not fit gets "too big"
#     back to its sender with the MTU left for the inner packet (checked in
#     ping's output and in H1's route cache); counted as ICMP_TOO_BIG;
#   - other packets are sent as fragments of the ESP packet (FRAG_OUT) and
#     XFRM reassembles them; fragmented ESP from XFRM is reassembled by G1
#     before kipsec decrypts it;
#   - TCP (a 1 MB transfer, checksum compared) works both ways, IPv4 and
#     IPv6, which needs all of the above.
# IPv4 runs over a 1280-byte link. IPv6 too, but one way only (kipsec
# fragments; XFRM cannot send full-size IPv6 back over it), then at 1400.
. "$(dirname "$0")/lib.sh"

need ip ping jq nc sha256sum
plan 19

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi
topo_gw
check "topology: plain ping H1->H2 before IPsec" ping_count "$NS_H1" -c 1 10.1.2.2 ||
	{ skip_rest "no topology"; tap_done; }
warm_up_algs gcm128-128

# mid_mtu MTU: the G1 - MID - G2 segment's MTU.
mid_mtu() {
	ip -n "$NS_G1" link set g1w mtu "$1" &&
	ip -n "$NS_MID" link set m1 mtu "$1" &&
	ip -n "$NS_MID" link set m2 mtu "$1" &&
	ip -n "$NS_G2" link set g2w mtu "$1"
}

# ns_counter NS KEY: a namespace counter of kipsec (0 if absent).
ns_counter() {
	kipsec_json "$1" stats | jq -r --arg k "$2" '[.. | objects | select(has($k)) | .[$k]] | first // 0'
}

ALG=gcm128-128
S4O=0x5001 S4I=0x5002 S6O=0x6001 S6I=0x6002
out=0
(
	for side in "$OUR $NS_G1 10.1.1.0/24 10.1.2.0/24 10.1.12.1 10.1.12.2 $S4O $S4I" \
		    "xfrm $NS_G2 10.1.2.0/24 10.1.1.0/24 10.1.12.2 10.1.12.1 $S4I $S4O" \
		    "$OUR $NS_G1 fd01:1::/64 fd01:2::/64 fd01:12::1 fd01:12::2 $S6O $S6I" \
		    "xfrm $NS_G2 fd01:2::/64 fd01:1::/64 fd01:12::2 fd01:12::1 $S6I $S6O"; do
		read -r impl ns lnet rnet l rem sout sin <<<"$side"
		sa_add "$impl" "$ns" "$l" "$rem" "$sout" tunnel $ALG || exit 1
		sa_add "$impl" "$ns" "$rem" "$l" "$sin" tunnel $ALG || exit 1
		pol_pair "$impl" "$ns" "$lnet" "$rnet" tunnel "$l" "$rem" "$sout" "$sin" fwd || exit 1
	done
) >"$KT_TMP/setup.out" 2>&1 || out=1
result $out "G1=$OUR G2=xfrm: IPv4 and IPv6 tunnels installed" "$(<"$KT_TMP/setup.out")"

# Inner MTU G1 announces: MTU - outer header - ESP header and IV (16) -
# ICV (16), rounded down to GCM's 4-byte alignment, - pad length and next
# header (2).
inner_mtu() {
	local room=$(($1 - $2 - 16 - 16))
	echo $((room / 4 * 4 - 2))
}

# snmp6 NS NAME: an IPv6 MIB counter of a namespace.
snmp6() {
	ip netns exec "$1" awk -v k="$2" '$1 == k { print $2 }' /proc/net/snmp6
}

head -c 1000000 /dev/urandom >"$KT_TMP/blob"
SUM=$(sha256sum <"$KT_TMP/blob")

# xfer DESC SRV_NS SRV_ADDR CLI_NS PORT: 1 MB over TCP, checksum compared.
xfer() {
	local desc=$1 sns=$2 addr=$3 cns=$4 port=$5 pid got=none rc=1
	rm -f "$KT_TMP/rx"
	ip netns exec "$sns" timeout 120 nc -l "$addr" "$port" >"$KT_TMP/rx" 2>"$KT_TMP/nc.err" &
	pid=$!
	KT_PIDS+=("$pid")
	if wait_listen "$sns" "$port" 20; then
		ip netns exec "$cns" timeout 120 nc -N -w 60 "$addr" "$port" <"$KT_TMP/blob" \
			2>>"$KT_TMP/nc.err"
		wait "$pid"
		got=$(sha256sum <"$KT_TMP/rx")
		[ "$got" = "$SUM" ] && rc=0
	fi
	result $rc "$desc ($(stat -c %s "$KT_TMP/rx" 2>/dev/null || echo 0) of 1000000 bytes, checksum $([ $rc = 0 ] && echo ok || echo BAD))" \
		"$(<"$KT_TMP/nc.err")"
}

# ------------------------------------- MTU 1280: IPv4, IPv6 fragments

diag "setup done after ${SECONDS}s"
mid_mtu 1280
fo0=$(ns_counter "$NS_G1" frag_out)
x0=$(sa_packets xfrm "$NS_G2" $S4O)
# H1 sends 1500-byte fragments: G1 may fragment them further, after ESP.
ping_ok "IPv4 non-DF 2028-byte pings H1->H2 (fragmented ESP out of G1)" \
	"$NS_H1" -c 3 -M dont -s 2000 10.1.2.2
fo1=$(ns_counter "$NS_G1" frag_out)
x1=$(sa_packets xfrm "$NS_G2" $S4O)
[ "$fo1" -gt "$fo0" ] && [ "${x1:-0}" -gt "${x0:-0}" ]
result $? "IPv4: G1 counted fragmented ESP ($fo0 -> $fo1), XFRM's SA received ($x0 -> $x1)"
ping_ok "IPv4 non-DF 2028-byte pings H2->H1 (XFRM's fragmented ESP reassembled by G1)" \
	"$NS_H2" -c 3 -M dont -s 2000 10.1.1.2

want=$(inner_mtu 1280 20)
tb0=$(ns_counter "$NS_G1" icmp_too_big)
dm0=$(drop_count $OUR "$NS_G1" mtu)
# 1268 bytes pass G1's forwarding MTU check (1280), not the tunnel.
ip netns exec "$NS_H1" ping -n -c 2 -i 0.5 -W 2 -M do -s 1240 10.1.2.2 >"$KT_TMP/p4" 2>&1
grep -Eq "mtu ?=? ?$want\b" "$KT_TMP/p4"
result $? "IPv4 DF 1268-byte packet: H1 told frag needed, mtu $want" "$(<"$KT_TMP/p4")"
r=$(ip -n "$NS_H1" route get 10.1.2.2 2>&1)
grep -q "mtu $want" <<<"$r"
result $? "IPv4: H1's route cache learned mtu $want" "$r"
tb1=$(ns_counter "$NS_G1" icmp_too_big)
dm1=$(drop_count $OUR "$NS_G1" mtu)
[ "$tb1" -gt "$tb0" ] && [ "$dm1" -gt "$dm0" ]
result $? "IPv4: G1 counted ICMP too-big ($tb0 -> $tb1) and the drop ($dm0 -> $dm1)"

# 1280 bytes: the IPv6 minimum MTU, so G1 may not answer "too big": it
# fragments the ESP packet. One way only: XFRM refuses to send such
# packets back over a 1280-byte link (it answers "too big" with 1280).
fo0=$(ns_counter "$NS_G1" frag_out)
x0=$(sa_packets xfrm "$NS_G2" $S6O)
e0=$(snmp6 "$NS_H2" Icmp6InEchos)
ip netns exec "$NS_H1" ping -n -q -c 3 -i 0.3 -W 1 -s 1232 fd01:2::2 >/dev/null 2>&1
fo1=$(ns_counter "$NS_G1" frag_out)
x1=$(sa_packets xfrm "$NS_G2" $S6O)
e1=$(snmp6 "$NS_H2" Icmp6InEchos)
[ "$fo1" -ge $((fo0 + 3)) ] && [ "${x1:-0}" -ge $((${x0:-0} + 3)) ] && [ "$e1" -ge $((e0 + 3)) ]
result $? "IPv6 1280-byte packets: G1 sent fragmented ESP ($fo0 -> $fo1), XFRM decrypted ($x0 -> $x1), H2 got the echo requests ($e0 -> $e1)"

xfer "TCP IPv4 H1->H2 at MTU 1280 (kipsec encrypts)" "$NS_H2" 10.1.2.2 "$NS_H1" 5401
xfer "TCP IPv4 H2->H1 at MTU 1280 (kipsec decrypts)" "$NS_H1" 10.1.1.2 "$NS_H2" 5402

# --------------------------- MTU 1400: IPv6 "packet too big" and TCP

diag "MTU 1280 part done after ${SECONDS}s"
mid_mtu 1400
want=$(inner_mtu 1400 40)
tb0=$(ns_counter "$NS_G1" icmp_too_big)
# 1400 bytes fit G1's route, not once encapsulated.
ip netns exec "$NS_H1" ping -n -c 2 -i 0.5 -W 2 -M do -s 1352 fd01:2::2 >"$KT_TMP/p6" 2>&1
grep -Eq "mtu ?=? ?$want\b" "$KT_TMP/p6"
result $? "IPv6 1400-byte packet: H1 told packet too big, mtu $want" "$(<"$KT_TMP/p6")"
r=$(ip -n "$NS_H1" -6 route get fd01:2::2 2>&1)
grep -q "mtu $want" <<<"$r"
result $? "IPv6: H1's route cache learned mtu $want" "$r"
tb1=$(ns_counter "$NS_G1" icmp_too_big)
[ "$tb1" -gt "$tb0" ]
result $? "IPv6: G1 counted its ICMPv6 too-big ($tb0 -> $tb1)"

# The first replies may be lost while H2 learns XFRM's tunnel MTU.
ip netns exec "$NS_H1" ping -n -q -c 2 -i 0.5 -W 2 -s 2000 fd01:2::2 >/dev/null 2>&1
ping_ok "IPv6 2048-byte pings H1->H2" "$NS_H1" -c 3 -s 2000 fd01:2::2
ping_ok "IPv6 2048-byte pings H2->H1" "$NS_H2" -c 3 -s 2000 fd01:1::2
xfer "TCP IPv6 H1->H2 at MTU 1400 (kipsec encrypts)" "$NS_H2" fd01:2::2 "$NS_H1" 5403
xfer "TCP IPv6 H2->H1 at MTU 1400 (kipsec decrypts)" "$NS_H1" fd01:1::2 "$NS_H2" 5404

d="auth $(drop_count $OUR "$NS_G1" auth) malformed $(drop_count $OUR "$NS_G1" malformed)"
d+=" replay $(drop_count $OUR "$NS_G1" replay)"
[ "$d" = "auth 0 malformed 0 replay 0" ]
result $? "no ICV, malformed or replay drops on G1 ($d)"

ipsec_flush $OUR "$NS_G1" >/dev/null 2>&1
ipsec_flush xfrm "$NS_G2" >/dev/null 2>&1
tap_done
