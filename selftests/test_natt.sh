#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NAT traversal (RFC 3948, ESP in UDP port 4500) against Linux XFRM
# (`encap espinudp 4500 4500 0.0.0.0`), through a NAT:
#
#   P (private) p0 --- n0 N (nft masquerade) n1 --- f0 F (far side)
#   10.77.1.2 fd77:1::2   10.77.1.1 / 10.77.2.1      10.77.2.2 fd77:2::2
#
# F sees P as the NAT's address 10.77.2.1 / fd77:2::1.
# Round 1: kipsec on P (behind the NAT), XFRM on F: tunnel mode (IPv4 and
#   IPv6 inside and outside) ping both ways, transport mode TCP both ways
#   (inner checksums recomputed on P: no ENCAP_OA), the capture on N's far
#   link shows only ESP-in-UDP from the NAT's address (IPv4 UDP checksum 0,
#   IPv6 checksum valid), the CLI lists the encapsulation.
# Round 2: XFRM on P (behind the NAT), kipsec on F: the same traffic
#   (transport: inner checksums rewritten from ENCAP_OA = P's private
#   address, then verified by F's stack); an IKE datagram (non-ESP marker)
#   sent to F's port 4500 reaches a plain UDP socket there unchanged; a NAT
#   keepalive is consumed and counted; UDP to another port is never touched.
. "$(dirname "$0")/lib.sh"

need ip ping jq iperf3 tcpdump nft
plan 24

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi

ALG=gcm128-128
NATPUB4=10.77.2.1 NATPUB6=fd77:2::1
P4=10.77.1.2 P6=fd77:1::2 F4=10.77.2.2 F6=fd77:2::2

# Python helpers: "encap" holds XFRM's UDP_ENCAP_ESPINUDP sockets on 4500
# (XFRM decapsulates ESP-in-UDP only on such a socket, the IKE daemon's) and
# on SIGUSR1 sends an IKE datagram and a keepalive from it; "listen" records
# every datagram received on the given ports.
cat >"$KT_TMP/natt.py" <<'EOF'
import select, signal, socket, sys, time
mode, ready = sys.argv[1], sys.argv[2]
if mode == "encap":
    socks = []
    for fam, any_ in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((any_, 4500))
        s.setsockopt(socket.IPPROTO_UDP, 100, 2)  # UDP_ENCAP, ESPINUDP
        socks.append(s)
    def send(*_):
        dst = sys.argv[3]
        socks[0].sendto(b"\0\0\0\0IKE-natt-test-payload", (dst, 4500))
        socks[0].sendto(b"\xff", (dst, 4500))
        socks[0].sendto(b"\x11\x22\x33\x44plain-udp-on-4501", (dst, 4501))
        open(ready + ".sent", "w").write("sent\n")
    signal.signal(signal.SIGUSR1, send)
    open(ready, "w").write("ready\n")
    while True:
        signal.pause()
else:
    out = open(sys.argv[3], "w")
    socks = []
    for port in sys.argv[4:]:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", int(port)))
        socks.append(s)
    open(ready, "w").write("ready\n")
    while True:
        for s in select.select(socks, [], [])[0]:
            data = s.recv(65535)
            out.write("%d %s\n" % (s.getsockname()[1], data.hex()))
            out.flush()
EOF

# wait_file FILE [TIMEOUT_S]
wait_file() {
	local i
	for ((i = 0; i < ${2:-60} * 10; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# natt_topo SUFFIX: sets NS_P NS_N NS_F.
natt_topo() {
	NS_P=$(ns_new "p$1") && NS_N=$(ns_new "n$1") && NS_F=$(ns_new "f$1") || return 1
	link_pair "$NS_P" p0 "$NS_N" n0 && link_pair "$NS_N" n1 "$NS_F" f0 || return 1
	addr "$NS_P" p0 $P4/24 $P6/64 && addr "$NS_N" n0 10.77.1.1/24 fd77:1::1/64 &&
	addr "$NS_N" n1 $NATPUB4/24 $NATPUB6/64 && addr "$NS_F" f0 $F4/24 $F6/64 || return 1
	# Inner (tunnel) addresses.
	addr "$NS_P" lo 10.88.1.1/32 fd88:1::1/128 && addr "$NS_F" lo 10.88.2.1/32 fd88:2::1/128 ||
		return 1
	ip -n "$NS_P" route add default via 10.77.1.1 &&
	ip -n "$NS_P" -6 route add default via fd77:1::1 &&
	ip -n "$NS_F" route add 10.88.1.0/24 via $NATPUB4 &&
	ip -n "$NS_F" -6 route add fd88:1::/64 via $NATPUB6 || return 1
	static_neigh "$NS_P" p0 $P6 "$NS_N" n0 fd77:1::1
	static_neigh "$NS_N" n1 $NATPUB6 "$NS_F" f0 $F6
	nsx "$NS_N" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	# F has no route to P's network: only the NAT makes P reachable.
	nsx "$NS_N" nft -f - <<-EOF
	table inet nat {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "n1" masquerade
		}
	}
	EOF
}

# natt_sas IMPL NS L R L6 R6 OA: tunnel (v4 and v6 outer) and transport (TCP)
# SAs and policies of one side; L/R are its own and the peer's address as
# this side sees them. SPIs: tunnel v4 0x3001/0x3002, v6 0x3011/0x3012,
# transport 0x3101/0x3102 (the first one is P->F).
natt_sas() {
	local impl=$1 ns=$2 l=$3 r=$4 l6=$5 r6=$6 oa=$7 lin rin lin6 rin6 o i o6 i6 ot it
	if [ "$ns" = "$NS_P" ]; then
		lin=10.88.1.1/32 rin=10.88.2.1/32 lin6=fd88:1::1/128 rin6=fd88:2::1/128
		o=0x3001 i=0x3002 o6=0x3011 i6=0x3012 ot=0x3101 it=0x3102
	else
		lin=10.88.2.1/32 rin=10.88.1.1/32 lin6=fd88:2::1/128 rin6=fd88:1::1/128
		o=0x3002 i=0x3001 o6=0x3012 i6=0x3011 ot=0x3102 it=0x3101
	fi
	local e=(encap espinudp 4500 4500)
	sa_add "$impl" "$ns" "$l" "$r" $o tunnel $ALG "${e[@]}" 0.0.0.0 &&
	sa_add "$impl" "$ns" "$r" "$l" $i tunnel $ALG "${e[@]}" 0.0.0.0 &&
	sa_add "$impl" "$ns" "$l6" "$r6" $o6 tunnel $ALG "${e[@]}" :: &&
	sa_add "$impl" "$ns" "$r6" "$l6" $i6 tunnel $ALG "${e[@]}" :: &&
	sa_add "$impl" "$ns" "$l" "$r" $ot transport $ALG "${e[@]}" "$oa" &&
	sa_add "$impl" "$ns" "$r" "$l" $it transport $ALG "${e[@]}" "$oa" &&
	pol_pair "$impl" "$ns" $lin $rin tunnel "$l" "$r" $o $i &&
	pol_pair "$impl" "$ns" $lin6 $rin6 tunnel "$l6" "$r6" $o6 $i6 &&
	pol_pair "$impl" "$ns" "$l/32" "$r/32" transport "$l" "$r" $ot $it -- proto tcp
}

# start_encap_sock NS NAME [DST]: XFRM's encap socket (see natt.py).
start_encap_sock() {
	bg ip netns exec "$1" "$PY" "$KT_TMP/natt.py" encap "$KT_TMP/$2.ready" "${3:-}"
	ENCAP_PID=$BG_PID
	wait_file "$KT_TMP/$2.ready"
}

ping_both6() {
	ping_count "$NS_P" -c 3 -I fd88:1::1 fd88:2::1 && cat "$KT_TMP/ping.out" &&
	ping_count "$NS_F" -c 3 -I fd88:2::1 fd88:1::1 && cat "$KT_TMP/ping.out"
}

# traffic R DESC: pings through both tunnels and TCP over transport, P first
# (the NAT mapping exists only once P sent something).
traffic() {
	local r=$1 d=$2
	ping_ok "$d: tunnel v4 ping P->F" "$NS_P" -c 3 -I 10.88.1.1 10.88.2.1
	ping_ok "$d: tunnel v4 ping F->P" "$NS_F" -c 3 -I 10.88.2.1 10.88.1.1
	check "$d: tunnel v6 ping P->F and F->P" ping_both6
	tcp_ok "$d: transport TCP P->F" "$NS_F" $F4 "$NS_P" 2 $((5400 + r)) -B $P4
	tcp_ok "$d: transport TCP F->P (-R)" "$NS_F" $F4 "$NS_P" 2 $((5410 + r)) -B $P4 -R
}

# sa_counts IMPL NS: "spi=packets ..." of the encap SAs; fails if one is < 2.
sa_counts() {
	local spi n bad=0 s=""
	for spi in 0x3001 0x3002 0x3011 0x3012 0x3101 0x3102; do
		n=$(sa_packets "$1" "$2" $spi)
		s+="$spi=${n:-?} "
		[ "${n:-0}" -ge 2 ] 2>/dev/null || bad=1
	done
	echo "$s"
	return $bad
}

warm_up_algs $ALG

# ------------------------------------------------ round 1: kipsec behind NAT
if ! natt_topo 1; then
	skip_rest "topology setup failed"
	tap_done
fi
check "round 1: topology, P reaches F through the NAT" ping_count "$NS_P" -c 1 $F4 ||
	{ skip_rest "no topology"; tap_done; }
batch_begin
natt_sas "$OUR" "$NS_P" $P4 $F4 $P6 $F6 0.0.0.0
natt_sas xfrm "$NS_F" $F4 $NATPUB4 $F6 $NATPUB6 0.0.0.0
check "round 1: SAs and policies installed (P=$OUR F=xfrm)" batch_apply
start_encap_sock "$NS_F" f1 || diag "encap socket on F did not start"

out=$(ip netns exec "$NS_P" "$KIPSEC" state get src $P4 dst $F4 proto esp spi 0x3001 2>&1)
js=$(kipsec_json "$NS_P" state list |
	jq '[.[] | select(.encap.type == "espinudp" and .encap.sport == 4500 and
			  .encap.dport == 4500 and .encap.oa == null)] | length')
[[ $out == *"encap type espinudp sport 4500 dport 4500 addr 0.0.0.0"* ]] && [ "$js" = 6 ]
result $? "round 1: CLI lists the encapsulation" "text: $out" "json: $js SAs with encap (want 6)"

pcap=$KT_TMP/n1.pcap
capture_start "$NS_N" n1 "$pcap" || diag "tcpdump on N did not start: $(cat "$pcap.log")"
traffic 1 "round 1 (kipsec behind NAT)"
capture_stop
# Decode what crossed the NAT's far link: kipsec's packets (SPIs 0x3001,
# 0x3011, 0x3101) as ESP-in-UDP from the NAT's address, port 4500.
dump=$(tcpdump -n -vv -r "$pcap" 2>/dev/null)
k4=$(grep -cE "$NATPUB4\.4500 > $F4\.4500: \[no cksum\] UDP-encap: ESP\(spi=0x0000(3001|3101)" <<<"$dump")
k6=$(grep -cE "$NATPUB6\.4500 > $F6\.4500: \[udp sum ok\] UDP-encap: ESP\(spi=0x00003011" <<<"$dump")
x4=$(grep -cE "$F4\.4500 > $NATPUB4\.4500: .*UDP-encap: ESP\(spi=0x0000(3002|3102)" <<<"$dump")
plain=$(tcpdump -n -r "$pcap" 'esp or tcp or icmp or net 10.88.0.0/16' 2>/dev/null | wc -l)
[ "$k4" -ge 10 ] && [ "$k6" -ge 3 ] && [ "$x4" -ge 10 ] && [ "$plain" = 0 ]
result $? "round 1: on the wire only ESP-in-UDP, kipsec's from the NAT address (v4 $k4, v6 $k6; XFRM's $x4)" \
	"want >= 10 v4 (checksum 0), >= 3 v6 (checksum valid), >= 10 from XFRM, 0 plain (saw $plain)" \
	"$(grep -m 12 -E 'UDP|ESP|ICMP' <<<"$dump")"
s=$(sa_counts "$OUR" "$NS_P")
result $? "round 1: kipsec SA counters moved ($s)" "$s"
kill "$ENCAP_PID" 2>/dev/null

# ------------------------------------------------ round 2: XFRM behind NAT
if ! natt_topo 2; then
	skip_rest "topology setup failed"
	tap_done
fi
check "round 2: topology, P reaches F through the NAT" ping_count "$NS_P" -c 1 $F4 ||
	{ skip_rest "no topology"; tap_done; }
batch_begin
natt_sas xfrm "$NS_P" $P4 $F4 $P6 $F6 0.0.0.0
# ENCAP_OA = P's own address (transport mode: inner checksums fixed with it)
natt_sas "$OUR" "$NS_F" $F4 $NATPUB4 $F6 $NATPUB6 $P4
check "round 2: SAs and policies installed (P=xfrm F=$OUR)" batch_apply
start_encap_sock "$NS_P" p2 $F4 || diag "encap socket on P did not start"
bg ip netns exec "$NS_F" "$PY" "$KT_TMP/natt.py" listen "$KT_TMP/l2.ready" "$KT_TMP/l2.out" 4500 4501
wait_file "$KT_TMP/l2.ready" || diag "UDP listener on F did not start"

traffic 2 "round 2 (XFRM behind NAT)"
s=$(sa_counts "$OUR" "$NS_F")
result $? "round 2: kipsec SA counters moved ($s)" "$s"

# IKE, keepalive and another port, sent from P's (XFRM's) encap socket.
ka0=$(kipsec_json "$NS_F" stats | jq -r '[.. | objects | .natt_keepalive? // empty] | first // 0')
kill -USR1 "$ENCAP_PID"
wait_file "$KT_TMP/p2.ready.sent" 20
for ((i = 0; i < 100; i++)); do
	[ "$(wc -l <"$KT_TMP/l2.out" 2>/dev/null)" -ge 2 ] && break
	sleep 0.1
done
sleep 0.5
got=$(cat "$KT_TMP/l2.out" 2>/dev/null)
ka1=$(kipsec_json "$NS_F" stats | jq -r '[.. | objects | .natt_keepalive? // empty] | first // 0')
ike=$(printf '\0\0\0\0IKE-natt-test-payload' | od -An -tx1 | tr -d ' \n')
grep -qx "4500 $ike" <<<"$got"
result $? "round 2: IKE datagram (non-ESP marker) reaches F's UDP socket on 4500 unchanged" \
	"listener got:" "$got"
[ "$((ka1 - ka0))" = 1 ] && ! grep -q '^4500 ff$' <<<"$got"
result $? "round 2: NAT keepalive consumed and counted (natt_keepalive $ka0 -> $ka1)" \
	"listener got:" "$got"
grep -qx "4501 $(printf '\x11\x22\x33\x44plain-udp-on-4501' | od -An -tx1 | tr -d ' \n')" <<<"$got"
result $? "round 2: UDP to another port is not touched" "listener got:" "$got"

# NAT port float: UPDATE moves F's outbound SA to another peer port; with no
# NAT mapping there, F->P breaks until it moves back.
upd() {
	ip netns exec "$NS_F" "$KIPSEC" state update src $F4 dst $NATPUB4 proto esp spi 0x3002 \
		encap espinudp 4500 "$1" 0.0.0.0
}
if upd 4600 && ip netns exec "$NS_F" "$KIPSEC" state get src $F4 dst $NATPUB4 proto esp \
	spi 0x3002 | grep -q 'encap type espinudp sport 4500 dport 4600'; then
	ping_fails "round 2: UPDATE to peer port 4600 takes effect: F->P ping lost" \
		"$NS_F" -c 2 -I 10.88.2.1 10.88.1.1
else
	not_ok "round 2: UPDATE of the encap port refused or not listed"
fi
if upd 4500; then
	ping_ok "round 2: UPDATE back to 4500: F->P ping works again" \
		"$NS_F" -c 2 -I 10.88.2.1 10.88.1.1
else
	not_ok "round 2: UPDATE back to port 4500 refused"
fi

# The kernel's own checks (the CLI cannot know these): exit 2 and a reason.
refusals() {
	local out rc
	ip netns exec "$NS_F" "$KIPSEC" state add src $F4 dst 10.77.2.9 proto esp spi 0x3999 \
		aead 'rfc4106(gcm(aes))' 0x0102030405060708091011121314151617181920 128 || return 1
	out=$(ip netns exec "$NS_F" "$KIPSEC" state update src $F4 dst 10.77.2.9 proto esp \
		spi 0x3999 encap espinudp 4500 4500 0.0.0.0 2>&1)
	rc=$?
	echo "$out"
	[ $rc = 2 ] && [[ $out == *"ENCAP_TYPE of an SA cannot change"* ]] || return 1
	out=$(ip netns exec "$NS_F" "$KIPSEC" state update src $NATPUB4 dst $F4 proto esp \
		spi 0x3101 encap espinudp 4500 4500 10.9.9.9 2>&1)
	rc=$?
	echo "$out"
	[ $rc = 2 ] && [[ $out == *"ENCAP_OA of an SA cannot change"* ]] || return 1
	ip netns exec "$NS_F" "$KIPSEC" state del dst 10.77.2.9 proto esp spi 0x3999
}
check "round 2: kernel refuses encap on a plain SA and a changed ENCAP_OA (exit 2)" refusals
tap_done
