#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# AH (RFC 4302) between kipsec (A) and Linux XFRM (B): transport and tunnel mode over IPv4 and IPv6, pings both ways
# (one with IPv4 options, UDP with IPv6 hop-by-hop and destination options
# before AH, whose "may change" option data the ICV skips) and TCP. The SA
# counters on both hosts prove every packet went through AH. Then AH through
# a NAT: a middle namespace masquerades the outer source address, the ICV no
# longer matches, kipsec counts auth failures and delivers nothing.
. "$(dirname "$0")/lib.sh"

need ip ping jq iperf3 nft
MODES="transport:4:4 transport:6:6 tunnel:4:4 tunnel:6:6 tunnel:4:6"
plan $((1 + 1 + 2 * 5 + 1 + 2 + 2 + 5))

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi

topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }

N=3
# --- modes and families (HMAC-SHA2-256-128)
batch_begin
for m in $MODES; do
	IFS=: read -r mode outer inner <<<"$m"
	bx_assoc "$OUR" xfrm "$mode" "$outer" "$inner" ah sha256
	case $m in
	transport:4:4) K_T4=$K ;; transport:6:6) K_T6=$K ;; tunnel:6:6) K_U6=$K ;;
	esac
done
check "AH SAs and policies, transport and tunnel, IPv4 and IPv6" batch_apply
list=$(seq 1 "$KT_NASSOC")
assoc_ping_all "$list" $N
bx_counters "$list" $((2 * N))

# --- IPv4 options: record route is mutable (zeroed for the ICV)
ping_ok "transport v4: ping -R (IPv4 options before AH) A->B" "$NS_A" -c 2 -R \
	-I "${ASSOC_PA[K_T4]}" "${ASSOC_PB[K_T4]}"

# --- IPv6 extension headers before AH: hop-by-hop and destination options,
# each with an option whose data may change en route (type 0x3e) and an
# immutable one (0x1e); the receiver must see both headers.
cat >"$KT_TMP/exthdr.py" <<'PYEOF'
import select, socket, sys
IPV6_RECVHOPOPTS, IPV6_RECVDSTOPTS = 53, 58
IPV6_HOPOPTS, IPV6_DSTOPTS = 54, 59
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
if mode == "recv":
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPOPTS, 1)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVDSTOPTS, 1)
    s.bind((addr, port))
    open(sys.argv[4], "w").write("ready\n")
    got = 0
    while got < 3 and select.select([s], [], [], 20)[0]:
        data, anc, _, _ = s.recvmsg(2048, 1024)
        types = {t for _, t, _ in anc}
        if data == b"kipsec-ah" and {IPV6_HOPOPTS, IPV6_DSTOPTS} <= types:
            got += 1
    print(got)
else:
    # 16 bytes (length field 1); the kernel fills in the next header
    opts = bytes([0, 1, 0x3e, 2, 0xaa, 0xbb, 0x1e, 4, 1, 2, 3, 4, 1, 2, 0, 0])
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_HOPOPTS, opts)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_DSTOPTS, opts)
    s.bind((sys.argv[4], 0))
    for _ in range(3):
        s.sendto(b"kipsec-ah", (addr, port))
PYEOF
# exthdr_udp FROM_NS FROM_ADDR TO_NS TO_ADDR DESC
exthdr_udp() {
	local got i
	rm -f "$KT_TMP/exthdr.ready"
	ip netns exec "$3" "$PY" "$KT_TMP/exthdr.py" recv "$4" 7777 "$KT_TMP/exthdr.ready" \
		>"$KT_TMP/exthdr.out" 2>&1 &
	local pid=$!
	for ((i = 0; i < 300; i++)); do
		[ -e "$KT_TMP/exthdr.ready" ] && break
		sleep 0.1
	done
	for ((i = 0; i < 3; i++)); do
		ip netns exec "$1" "$PY" "$KT_TMP/exthdr.py" send "$4" 7777 "$2" || break
		sleep 1
		kill -0 $pid 2>/dev/null || break
	done
	wait $pid
	got=$(<"$KT_TMP/exthdr.out")
	[ "$got" -ge 3 ] 2>/dev/null
	result $? "$5: UDP with hop-by-hop and destination options received ($got/3)" \
		"receiver: $got"
}
a6=${ASSOC_PA[K_T6]} b6=${ASSOC_PB[K_T6]}
exthdr_udp "$NS_A" "$a6" "$NS_B" "$b6" "transport v6 A(kipsec)->B(xfrm)"
exthdr_udp "$NS_B" "$b6" "$NS_A" "$a6" "transport v6 B(xfrm)->A(kipsec)"

# --- TCP (segmentation offload, full-sized packets)
tcp_ok "TCP over AH transport v4, A->B" "$NS_B" "${ASSOC_PB[K_T4]}" "$NS_A" 2 5201 \
	-B "${ASSOC_PA[K_T4]}"
tcp_ok "TCP over AH tunnel 6in6, B->A" "$NS_A" "${ASSOC_PA[K_U6]}" "$NS_B" 2 5202 \
	-B "${ASSOC_PB[K_U6]}"

# --- NAT in the middle breaks AH: A2 (xfrm) -- M (masquerade) -- B2 (kipsec)
nat_topo() {
	NS_A2=$(ns_new a2) && NS_M=$(ns_new m) && NS_B2=$(ns_new b2) &&
	link_pair "$NS_A2" a0 "$NS_M" m0 && link_pair "$NS_M" m1 "$NS_B2" b0 &&
	addr "$NS_A2" a0 10.30.1.1/24 10.30.1.11/24 && addr "$NS_M" m0 10.30.1.254/24 &&
	addr "$NS_M" m1 10.30.2.254/24 && addr "$NS_B2" b0 10.30.2.1/24 &&
	ip -n "$NS_A2" route add default via 10.30.1.254 &&
	ip -n "$NS_B2" route add 10.30.1.0/24 via 10.30.2.254 &&
	nsx "$NS_M" sysctl -qw net.ipv4.ip_forward=1 &&
	nsx "$NS_M" nft -f - <<-EOF
	table ip kt_nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "m1" ip saddr 10.30.1.1 counter masquerade
		}
	}
	EOF
}
# nat_assoc SRC SPI_AB SPI_BA: AH transport association A2(SRC) <-> B2.
nat_assoc() {
	bx_sa xfrm "$NS_A2" "$1" 10.30.2.1 "$2" transport ah sha256 &&
	bx_sa xfrm "$NS_A2" 10.30.2.1 "$1" "$3" transport ah sha256 &&
	bx_sa "$OUR" "$NS_B2" "$1" 10.30.2.1 "$2" transport ah sha256 &&
	bx_sa "$OUR" "$NS_B2" 10.30.2.1 "$1" "$3" transport ah sha256 &&
	# XFRM matches template and SA reqids exactly
	ipsec xfrm "$NS_A2" policy add src "$1" dst 10.30.2.1 dir out tmpl proto ah mode transport reqid "$2" &&
	ipsec xfrm "$NS_A2" policy add src 10.30.2.1 dst "$1" dir in tmpl proto ah mode transport reqid "$3" &&
	ipsec "$OUR" "$NS_B2" policy add src 10.30.2.1 dst "$1" dir out tmpl proto ah mode transport reqid "$3" &&
	ipsec "$OUR" "$NS_B2" policy add src "$1" dst 10.30.2.1 dir in tmpl proto ah mode transport reqid "$2"
} >/dev/null
check "NAT topology, AH SAs (A2=xfrm, B2=$OUR)" eval 'nat_topo && nat_assoc 10.30.1.11 0x5001 0x6001 &&
	nat_assoc 10.30.1.1 0x5002 0x6002'
ping_ok "without NAT (source 10.30.1.11): AH ping A2->B2 works" "$NS_A2" -c 2 -I 10.30.1.11 10.30.2.1
ping_fails "with the outer source masqueraded: no AH ping A2->B2" "$NS_A2" -c 3 -I 10.30.1.1 10.30.2.1
nat=$(nsx "$NS_M" nft list chain ip kt_nat post | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
auth=$(kipsec_sa_counter "$NS_B2" 0x5002 drop_auth)
# The nat chain sees only the first packet of the (one) AH conntrack entry.
[ "${auth:-0}" -ge 3 ] && [ "${nat:-0}" -ge 1 ]
result $? "NATed AH: ICV failures counted on the SA (drop_auth=$auth, NATed=$nat)" \
	"$(kipsec_json "$NS_B2" state list; nsx "$NS_M" nft list ruleset)"
got=$(sa_packets "$OUR" "$NS_B2" 0x5002)
[ "${got:-x}" = 0 ]
result $? "NATed AH: nothing accepted by the SA (packets=${got:-?})"
tap_done
