# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2034  # variables for the sourcing tests
# shellcheck shell=bash
#
# Shared helpers for the kipsec datapath selftests. Source it, don't run it.
#
#   TAP        plan N, ok/not_ok/skip/check, diag, tap_done
#   topology   topo_pair (two hosts on a veth pair), topo_gw (host-gw-mid-gw-host)
#   IPsec      ipsec IMPL NS ... runs the same ip-xfrm-syntax arguments through
#              `ip xfrm` (IMPL=xfrm) or the kipsec CLI (IMPL=kipsec)
#   counters   sa_packets, drop_count, ping_count, iperf_mbps
#   misc       wait_listen, warm_up_algs, module_reload
#
# Environment:
#   KIPSEC          kipsec CLI (default: tools/kipsec of this tree)
#   KIPSEC_KO       kipsec.ko (needed by tests that reload the module)
#   KIPSEC_OUR      implementation used for "our side": kipsec (default), or
#                   xfrm to validate a test against Linux XFRM on both sides
#                   (proves the test itself is right while kipsec is missing)

set -u
# KIPSEC_SELFTEST_TRACE=1: trace every command with a timestamp (find slow steps).
if [ -n "${KIPSEC_SELFTEST_TRACE:-}" ]; then
	PS4='+ $EPOCHREALTIME '
	set -x
fi

KT_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIPSEC=${KIPSEC:-$KT_REPO/tools/kipsec}
OUR=${KIPSEC_OUR:-kipsec}
# The distribution's python3 has scapy; a pyenv shim first in PATH may not.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# Unique per test process: netns names never clash between tests or runs.
KT_ID=kt$$
KT_TMP=$(mktemp -d "/tmp/kipsec-selftest.$KT_ID.XXXX")
KT_NETNS=()
KT_PIDS=()

# Keep one socket timestamp user alive for the whole boot. Every ping and
# tcpdump that starts or exits as the first/last user otherwise flips the
# kernel's netstamp static key, and patching kernel text while packets flow
# on the other vCPU has oopsed under QEMU TCG ("Oops: int3" in
# netif_receive_skb, seen on 6.12). The holder pings loopback every 100 s.
kt_hold_timestamps() {
	local f=/run/kipsec-selftest-tstamp.pid
	[ -w /run ] || return 0
	if [ -f $f ] && kill -0 "$(cat $f)" 2>/dev/null; then
		return 0
	fi
	# From a subshell, so it is not our child: a plain `wait` must not
	# wait for it.
	(setsid ping -q -n -i 100 127.0.0.1 >/dev/null 2>&1 </dev/null &
	 echo $! >$f)
}
kt_hold_timestamps

# ------------------------------------------------------------------ TAP

_tap_n=0
_tap_failed=0
_tap_planned=0

plan() {
	_tap_planned=$1
	echo "1..$1"
}

diag() {
	local line
	while IFS= read -r line; do
		echo "# $line"
	done <<<"$*"
}

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}

not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*"
}

# result RC DESC [diagnostics on failure]
result() {
	local rc=$1 desc=$2
	shift 2
	if [ "$rc" = 0 ]; then
		ok "$desc"
	else
		not_ok "$desc"
		[ $# -gt 0 ] && diag "$(printf '%s\n' "$@")"
	fi
	return "$rc"
}

skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP ${2:-}"
}

# check DESC CMD...: ok if CMD succeeds; its output becomes the diagnostic.
check() {
	local desc=$1 out rc
	shift
	# not in a subshell: CMD may set variables (batch_apply does)
	"$@" >"$KT_TMP/check.out" 2>&1
	rc=$?
	out=$(<"$KT_TMP/check.out")
	if [ $rc = 0 ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "command: $*"
		diag "exit $rc; output:"
		[ -n "$out" ] && diag "$out"
	fi
	return $rc
}

# Skip the remaining planned tests (e.g. the setup failed).
skip_rest() {
	while [ "$_tap_n" -lt "$_tap_planned" ]; do
		skip "not run" "$1"
	done
}

tap_done() {
	if [ "$_tap_n" != "$_tap_planned" ]; then
		diag "planned $_tap_planned tests but ran $_tap_n"
		_tap_failed=$((_tap_failed + 1))
	fi
	[ "$_tap_failed" = 0 ] && exit 0
	diag "$_tap_failed failed"
	exit 1
}

# ------------------------------------------------------------ lifecycle

kt_cleanup() {
	local p ns
	for p in "${KT_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${KT_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	# ns_new usually runs in a $(...) subshell, so KT_NETNS misses those
	# names: delete by this test's prefix as well.
	for ns in "${KT_NETNS[@]}" $(ip netns list 2>/dev/null | awk -v p="$KT_ID-" 'index($1, p) == 1 {print $1}'); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$KT_TMP"
}
trap kt_cleanup EXIT
trap 'exit 130' INT TERM

# bg CMD...: start CMD in the background, killed at exit. Sets BG_PID.
bg() {
	"$@" &
	BG_PID=$!
	KT_PIDS+=("$BG_PID")
}

# need_root_tools: skip the whole file (plan 1, skip) if a tool is missing.
need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1 && [ ! -x "$t" ]; then
			plan 1
			skip "prerequisites" "$t not found"
			exit 0
		fi
	done
}

# kipsec_loaded: is the module present (our side usable)?
kipsec_loaded() {
	[ -d /sys/module/kipsec ]
}

# ------------------------------------------------------------- netns

# ns_new NAME: create namespace $KT_ID-NAME, lo up, IPv6 DAD off, print it.
ns_new() {
	local ns=$KT_ID-$1
	ip netns add "$ns" || return 1
	KT_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	# No DAD: addresses are usable at once (no 1-2 s "tentative" wait).
	ip netns exec "$ns" sh -c '
		echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad
		echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
		echo 0 >/proc/sys/net/ipv6/conf/all/dad_transmits 2>/dev/null
		echo 0 >/proc/sys/net/ipv6/conf/default/dad_transmits 2>/dev/null
		echo 0 >/proc/sys/net/ipv6/conf/default/router_solicitations 2>/dev/null
		echo 1 >/proc/sys/net/ipv4/ping_group_range 2>/dev/null
		exit 0'
	echo "$ns"
}

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# link_pair NS1 IF1 NS2 IF2: veth between two namespaces, both up.
link_pair() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# addr NS IF CIDR...: add addresses (IPv6 ones without DAD).
addr() {
	local ns=$1 dev=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$ns" -6 addr add "$a" dev "$dev" nodad ;;
		*) ip -n "$ns" addr add "$a" dev "$dev" ;;
		esac || return 1
	done
}

# static_neigh NS1 IF1 ADDR1 NS2 IF2 ADDR2: permanent IPv6 neighbour entries
# both ways, so no neighbour discovery crosses an IPsec policy (ND messages
# to a unicast host address would match a host-to-host selector).
static_neigh() {
	local mac1 mac2
	mac1=$(ip -n "$1" -br link show "$2" | awk '{print $3}')
	mac2=$(ip -n "$4" -br link show "$5" | awk '{print $3}')
	ip -n "$1" -6 neigh replace "$6" lladdr "$mac2" dev "$2" nud permanent
	ip -n "$4" -6 neigh replace "$3" lladdr "$mac1" dev "$5" nud permanent
	return 0
}

# topo_pair: two hosts A and B on one veth pair (a0 -- b0).
#   link:   A 10.10.0.1/16 fd10::1/64   B 10.10.0.2/16 fd10::2/64
#   inner:  A 10.20.0.0/16 fd20::/16, B 10.21.0.0/16 fd21::/16 (addresses
#           added on lo per association), routed via the peer's link
#           address: the tunnel-mode selectors.
# Sets NS_A NS_B MAC_A MAC_B.
A4=10.10.0.1 B4=10.10.0.2 A6=fd10::1 B6=fd10::2
topo_pair() {
	NS_A=$(ns_new a) && NS_B=$(ns_new b) || return 1
	link_pair "$NS_A" a0 "$NS_B" b0 || return 1
	MAC_A=$(ip -n "$NS_A" -br link show a0 | awk '{print $3}')
	MAC_B=$(ip -n "$NS_B" -br link show b0 | awk '{print $3}')
	ip -n "$NS_A" -batch - <<-EOB || return 1
	addr add $A4/16 dev a0
	addr add $A6/64 dev a0 nodad
	route add 10.21.0.0/16 via $B4
	route add fd21::/16 via $B6
	neigh replace $B6 lladdr $MAC_B dev a0 nud permanent
	EOB
	ip -n "$NS_B" -batch - <<-EOB || return 1
	addr add $B4/16 dev b0
	addr add $B6/64 dev b0 nodad
	route add 10.20.0.0/16 via $A4
	route add fd20::/16 via $A6
	neigh replace $A6 lladdr $MAC_A dev b0 nud permanent
	EOB
}

# topo_gw: H1 -- G1 ==(MID bridge)== G2 -- H2
#   H1 10.1.1.2 fd01:1::2   G1 10.1.1.1 fd01:1::1 / 10.1.12.1 fd01:12::1
#   H2 10.1.2.2 fd01:2::2   G2 10.1.2.1 fd01:2::1 / 10.1.12.2 fd01:12::2
# MID bridges m1 (to G1) and m2 (to G2): captures there see the wire
# between the gateways without being an endpoint. Sets NS_H1 NS_G1 NS_MID
# NS_G2 NS_H2.
topo_gw() {
	NS_H1=$(ns_new h1) && NS_G1=$(ns_new g1) && NS_MID=$(ns_new mid) &&
	NS_G2=$(ns_new g2) && NS_H2=$(ns_new h2) || return 1
	link_pair "$NS_H1" h1 "$NS_G1" g1h &&
	link_pair "$NS_G1" g1w "$NS_MID" m1 &&
	link_pair "$NS_G2" g2w "$NS_MID" m2 &&
	link_pair "$NS_H2" h2 "$NS_G2" g2h || return 1
	ip -n "$NS_MID" link add br0 type bridge || return 1
	ip -n "$NS_MID" link set m1 master br0 &&
	ip -n "$NS_MID" link set m2 master br0 &&
	ip -n "$NS_MID" link set br0 up || return 1
	addr "$NS_H1" h1 10.1.1.2/24 fd01:1::2/64 &&
	addr "$NS_G1" g1h 10.1.1.1/24 fd01:1::1/64 &&
	addr "$NS_G1" g1w 10.1.12.1/24 fd01:12::1/64 &&
	addr "$NS_G2" g2w 10.1.12.2/24 fd01:12::2/64 &&
	addr "$NS_G2" g2h 10.1.2.1/24 fd01:2::1/64 &&
	addr "$NS_H2" h2 10.1.2.2/24 fd01:2::2/64 || return 1
	ip -n "$NS_H1" route add default via 10.1.1.1 &&
	ip -n "$NS_H1" -6 route add default via fd01:1::1 &&
	ip -n "$NS_H2" route add default via 10.1.2.1 &&
	ip -n "$NS_H2" -6 route add default via fd01:2::1 &&
	ip -n "$NS_G1" route add 10.1.2.0/24 via 10.1.12.2 &&
	ip -n "$NS_G1" -6 route add fd01:2::/64 via fd01:12::2 &&
	ip -n "$NS_G2" route add 10.1.1.0/24 via 10.1.12.1 &&
	ip -n "$NS_G2" -6 route add fd01:1::/64 via fd01:12::1 || return 1
	local g
	for g in "$NS_G1" "$NS_G2"; do
		nsx "$g" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	done
	static_neigh "$NS_H1" h1 fd01:1::2 "$NS_G1" g1h fd01:1::1
	static_neigh "$NS_G1" g1w fd01:12::1 "$NS_G2" g2w fd01:12::2
	static_neigh "$NS_H2" h2 fd01:2::2 "$NS_G2" g2h fd01:2::1
}

# --------------------------------------------------------------- IPsec

# ipsec IMPL NS ARGS...: the same ip-xfrm-syntax arguments, either through
# Linux XFRM or the kipsec CLI. That both accept one syntax is the point.
# Between batch_begin and batch_apply the commands are recorded instead
# (every exec costs ~0.2 s under TCG; `ip -batch` runs many in one).
ipsec() {
	local impl=$1 ns=$2 a q=()
	shift 2
	if [ -n "${KT_BATCH:-}" ]; then
		for a in "$@"; do q+=("'$a'"); done
		echo "${q[*]}" >>"$KT_BATCH/$impl@$ns"
		return 0
	fi
	case $impl in
	xfrm) ip -n "$ns" xfrm "$@" ;;
	kipsec) ip netns exec "$ns" "$KIPSEC" "$@" ;;
	*) echo "ipsec: unknown implementation '$impl'" >&2; return 2 ;;
	esac
}

batch_begin() {
	KT_BATCH=$KT_TMP/batch
	rm -rf "$KT_BATCH"
	mkdir -p "$KT_BATCH"
}

# batch_apply: run what was recorded; the errors go to stderr.
batch_apply() {
	local dir=$KT_BATCH f impl ns line rc=0
	KT_BATCH=
	for f in "$dir"/*@*; do
		[ -e "$f" ] || continue
		impl=${f##*/} ns=${f##*@}
		impl=${impl%@*}
		case $impl in
		xfrm) sed 's/^/xfrm /' "$f" | ip -n "$ns" -batch - || rc=1 ;;
		kipsec)
			while IFS= read -r line; do
				eval "set -- $line"
				ip netns exec "$ns" "$KIPSEC" "$@" >/dev/null || {
					echo "failed: kipsec $line" >&2
					rc=1
				}
			done <"$f" ;;
		ip) ip -n "$ns" -batch "$f" || rc=1 ;;
		esac
	done
	return $rc
}

# nsip NS ARGS...: an `ip -n NS` command, recorded when batching; skipped
# with KT_NO_ADDR set (re-installing associations on existing addresses).
nsip() {
	local ns=$1
	shift
	[ -n "${KT_NO_ADDR:-}" ] && return 0
	if [ -n "${KT_BATCH:-}" ]; then
		echo "$*" >>"$KT_BATCH/ip@$ns"
		return 0
	fi
	ip -n "$ns" "$@"
}

# hexkey NBYTES SEED: deterministic key material as 0x..., distinct per seed.
# hexkey_v sets HEX instead of printing: no fork per key or byte (a fork
# costs tens of milliseconds under TCG and a batch builds hundreds of keys).
hexkey_v() {
	local n=$1 s=$2 i b
	HEX=0x
	for ((i = 0; i < n; i++)); do
		printf -v b '%02x' $(((s * 37 + i * 11 + 1) & 255))
		HEX+=$b
	done
}

hexkey() {
	hexkey_v "$@"
	echo "$HEX"
}

# Every ESP algorithm the suite knows, by short name.
ALL_ALGS="gcm128-64 gcm128-96 gcm128-128 gcm192-64 gcm192-96 gcm192-128
gcm256-64 gcm256-96 gcm256-128 chacha20poly1305
cbc128-sha1 cbc128-sha256 cbc128-sha384 cbc128-sha512
cbc256-sha1 cbc256-sha256 cbc256-sha384 cbc256-sha512 null-sha256"

# alg_args NAME SEED: set the array ALGV to the ip-xfrm algorithm arguments.
alg_args() {
	local name=$1 seed=$2 bits icv hash
	case $name in
	gcm*-*)
		bits=${name#gcm}; icv=${bits#*-}; bits=${bits%-*}
		hexkey_v $((bits / 8 + 4)) "$seed"
		ALGV=(aead 'rfc4106(gcm(aes))' "$HEX" "$icv") ;;
	chacha20poly1305)
		hexkey_v 36 "$seed"
		ALGV=(aead 'rfc7539esp(chacha20,poly1305)' "$HEX" 128) ;;
	cbc*-sha* | null-sha*)
		hash=${name#*-}
		case $hash in
		sha1) set -- 'hmac(sha1)' 20 96 ;;
		sha256) set -- 'hmac(sha256)' 32 128 ;;
		sha384) set -- 'hmac(sha384)' 48 192 ;;
		sha512) set -- 'hmac(sha512)' 64 256 ;;
		*) echo "alg_args: unknown hash in $name" >&2; return 2 ;;
		esac
		case $name in
		null-*) ALGV=(enc cipher_null "") ;;
		*) bits=${name%%-*}; bits=${bits#cbc}
		   hexkey_v $((bits / 8)) "$seed"
		   ALGV=(enc 'cbc(aes)' "$HEX") ;;
		esac
		hexkey_v "$2" $((seed + 100))
		ALGV+=(auth-trunc "$1" "$HEX" "$3") ;;
	*) echo "alg_args: unknown algorithm $name" >&2; return 2 ;;
	esac
}

# sa_add IMPL NS SRC DST SPI MODE ALG [extra state args...]
# Key material derives from the SPI, so both ends of one SA agree and the two
# directions differ.
# KIPSEC_SELFTEST_BREAK=key gives the B side (NS_B, NS_G2) other keys: every
# traffic test must then fail (proves the tests can fail).
sa_add() {
	local impl=$1 ns=$2 src=$3 dst=$4 spi=$5 mode=$6 alg=$7 seed
	shift 7
	seed=$(((spi ^ (spi >> 12)) & 0xff))
	if [ "${KIPSEC_SELFTEST_BREAK:-}" = key ] &&
	   { [ "$ns" = "${NS_B:-}" ] || [ "$ns" = "${NS_G2:-}" ]; }; then
		seed=$((seed + 1))
	fi
	alg_args "$alg" "$seed" || return 2
	# XFRM ties a state to its outer family's selector unless told otherwise;
	# kipsec tunnel SAs carry either inner family.
	[ "$impl" = xfrm ] && [ "$mode" = tunnel ] && set -- flag af-unspec "$@"
	ipsec "$impl" "$ns" state add src "$src" dst "$dst" proto esp \
		spi "$spi" reqid "$spi" mode "$mode" replay-window 64 \
		"${ALGV[@]}" "$@"
}

# sa_pair IMPL NS L R SPI_LR SPI_RL MODE ALG: both SAs of one association.
sa_pair() {
	sa_add "$1" "$2" "$3" "$4" "$5" "$7" "$8" &&
	sa_add "$1" "$2" "$4" "$3" "$6" "$7" "$8"
}

# pol_pair IMPL NS LSEL RSEL MODE L R SPI_LR SPI_RL [fwd] [-- extra selector]
# Policies of one side: out (LSEL->RSEL, SA L->R), in (RSEL->LSEL, SA R->L)
# and, with "fwd", the forward direction as well (gateways). L/R are the
# tunnel endpoints (ignored in transport mode). reqid = SPI ties policy to SA.
pol_pair() {
	local impl=$1 ns=$2 ls=$3 rs=$4 mode=$5 l=$6 r=$7 so=$8 si=$9
	shift 9
	local fwd=0 tout tin
	[ "${1:-}" = fwd ] && { fwd=1; shift; }
	[ "${1:-}" = -- ] && shift
	if [ "$mode" = tunnel ]; then
		tout=(tmpl src "$l" dst "$r" proto esp mode tunnel reqid "$so")
		tin=(tmpl src "$r" dst "$l" proto esp mode tunnel reqid "$si")
	else
		tout=(tmpl proto esp mode transport reqid "$so")
		tin=(tmpl proto esp mode transport reqid "$si")
	fi
	ipsec "$impl" "$ns" policy add src "$ls" dst "$rs" "$@" dir out "${tout[@]}" &&
	ipsec "$impl" "$ns" policy add src "$rs" dst "$ls" "$@" dir in "${tin[@]}" || return 1
	[ $fwd = 1 ] || return 0
	ipsec "$impl" "$ns" policy add src "$rs" dst "$ls" "$@" dir fwd "${tin[@]}"
}

# ipsec_flush IMPL NS: remove every SA and policy of the side.
ipsec_flush() {
	ipsec "$1" "$2" state flush
	ipsec "$1" "$2" policy flush
}

# ---------------------------------------------------------- associations
#
# An association is one pair of SAs (A->B and B->A) plus the policies of both
# hosts of topo_pair, on addresses of its own, so many can be set up in one
# batch and tested in parallel. Association k (1..250):
#   outer  IPv4 10.10.k.1 (A) / 10.10.k.2 (B), IPv6 fd10::k:1 / fd10::k:2
#   inner  (tunnel) A 10.20.k.1 fd20:k::1, B 10.21.k.1 fd21:k::1 (on lo)
#   SPIs   A->B 0x1000+k, B->A 0x2000+k (also the reqids)
# Transport mode protects the outer addresses, tunnel mode the inner ones.

KT_NASSOC=0
ASSOC_IA=() ASSOC_IB=() ASSOC_DESC=() ASSOC_PA=() ASSOC_PB=()
ASSOC_SAB=() ASSOC_SBA=() ASSOC_FAM=()

# assoc_add IMPL_A IMPL_B MODE ALG OUTER [INNER]: record one association
# (call between batch_begin and batch_apply). Sets K to its index.
assoc_add() {
	local ia=$1 ib=$2 mode=$3 alg=$4 outer=$5 inner=${6:-$5}
	local k la lb pa pb sa sb so si fam
	k=$((KT_NASSOC + 1))
	KT_NASSOC=$k
	K=$k
	printf -v so '0x%x' $((0x1000 + k))
	printf -v si '0x%x' $((0x2000 + k))
	if [ "$outer" = 6 ]; then
		la=fd10::$k:1 lb=fd10::$k:2
		nsip "$NS_A" addr add $la/64 dev a0 nodad
		nsip "$NS_B" addr add $lb/64 dev b0 nodad
		nsip "$NS_A" neigh replace $lb lladdr "$MAC_B" dev a0 nud permanent
		nsip "$NS_B" neigh replace $la lladdr "$MAC_A" dev b0 nud permanent
	else
		la=10.10.$k.1 lb=10.10.$k.2
		nsip "$NS_A" addr add $la/16 dev a0
		nsip "$NS_B" addr add $lb/16 dev b0
	fi
	if [ "$mode" = tunnel ]; then
		if [ "$inner" = 6 ]; then
			pa=fd20:$k::1 pb=fd21:$k::1 sa=fd20:$k::1/128 sb=fd21:$k::1/128
			nsip "$NS_A" addr add $pa/128 dev lo nodad
			nsip "$NS_B" addr add $pb/128 dev lo nodad
		else
			pa=10.20.$k.1 pb=10.21.$k.1 sa=10.20.$k.1/32 sb=10.21.$k.1/32
			nsip "$NS_A" addr add $pa/32 dev lo
			nsip "$NS_B" addr add $pb/32 dev lo
		fi
		fam=$inner
	else
		pa=$la pb=$lb fam=$outer
		if [ "$outer" = 6 ]; then sa=$la/128 sb=$lb/128; else sa=$la/32 sb=$lb/32; fi
	fi
	sa_pair "$ia" "$NS_A" "$la" "$lb" "$so" "$si" "$mode" "$alg"
	sa_pair "$ib" "$NS_B" "$la" "$lb" "$so" "$si" "$mode" "$alg"
	pol_pair "$ia" "$NS_A" "$sa" "$sb" "$mode" "$la" "$lb" "$so" "$si"
	pol_pair "$ib" "$NS_B" "$sb" "$sa" "$mode" "$lb" "$la" "$si" "$so"
	ASSOC_IA[k]=$ia ASSOC_IB[k]=$ib ASSOC_PA[k]=$pa ASSOC_PB[k]=$pb
	ASSOC_SAB[k]=$so ASSOC_SBA[k]=$si ASSOC_FAM[k]=$fam
	if [ "$mode" = tunnel ]; then
		ASSOC_DESC[k]="$alg tunnel ${inner}in$outer A=$ia B=$ib"
	else
		ASSOC_DESC[k]="$alg transport v$outer A=$ia B=$ib"
	fi
}

# assoc_ping_all LIST COUNT [ping args...]: ping every association of LIST
# (indices) both ways, all at once; one TAP line per association.
# A sized ping may lose its first packet to path-MTU discovery: with
# KT_PING_MIN set, that many replies suffice.
assoc_ping_all() {
	local list=$1 cnt=$2 k need r1 r2 desc pids=()
	shift 2
	need=${KT_PING_MIN:-$cnt}
	for k in $list; do
		ip netns exec "$NS_A" ping -q -n -c "$cnt" -i 0.1 -w 10 -I "${ASSOC_PA[k]}" \
			"$@" "${ASSOC_PB[k]}" >"$KT_TMP/ping.$k.ab" 2>&1 &
		pids+=($!)
		ip netns exec "$NS_B" ping -q -n -c "$cnt" -i 0.1 -w 10 -I "${ASSOC_PB[k]}" \
			"$@" "${ASSOC_PA[k]}" >"$KT_TMP/ping.$k.ba" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	for k in $list; do
		ping_rx "$KT_TMP/ping.$k.ab"; r1=$RX
		ping_rx "$KT_TMP/ping.$k.ba"; r2=$RX
		desc="${ASSOC_DESC[k]}: ping${*:+ $*} A->B $r1/$cnt, B->A $r2/$cnt"
		# With -w, ping sends until it has cnt replies, so one more reply
		# may be in flight: "received" above cnt is fine. A packet
		# delivered twice shows as ping's "+N duplicates": a bug.
		if [ "$r1" -ge "$need" ] && [ "$r2" -ge "$need" ] &&
		   [[ $(<"$KT_TMP/ping.$k.ab")$(<"$KT_TMP/ping.$k.ba") != *duplicates* ]]; then
			ok "$desc"
		else
			not_ok "$desc"
			diag "A->B: $(<"$KT_TMP/ping.$k.ab")"
			diag "B->A: $(<"$KT_TMP/ping.$k.ba")"
		fi
	done
}

# ping_rx FILE: set RX to the replies counted in a ping output file (no
# subshell, no exec: this runs a lot).
ping_rx() {
	local s
	s=$(<"$1")
	RX=0
	[[ $s =~ ([0-9]+)\ (packets\ )?received ]] && RX=${BASH_REMATCH[1]}
}

# assoc_counters LIST MIN: one TAP line per association: both SAs counted at
# least MIN packets on both hosts (sender and receiver).
assoc_counters() {
	local list=$1 min=$2 k v n bad c impl side spi
	declare -A cnt=()
	for impl in xfrm $OUR; do
		for side in a b; do
			[ $side = a ] && ns=$NS_A || ns=$NS_B
			sa_packets_dump $impl "$ns" >"$KT_TMP/cnt.dump"
			while read -r spi n; do
				cnt[$impl.$side.$spi]=$n
			done <"$KT_TMP/cnt.dump"
		done
	done
	for k in $list; do
		c="" bad=0
		for v in "${ASSOC_IA[k]} a ${ASSOC_SAB[k]}" "${ASSOC_IB[k]} b ${ASSOC_SAB[k]}" \
			 "${ASSOC_IA[k]} a ${ASSOC_SBA[k]}" "${ASSOC_IB[k]} b ${ASSOC_SBA[k]}"; do
			read -r impl side spi <<<"$v"
			n=${cnt[$impl.$side.$((spi))]:-none}
			c+="${side^^}:$impl:$spi=$n "
			[ "$n" != none ] && [ "$n" -ge "$min" ] || bad=1
		done
		result $bad "${ASSOC_DESC[k]}: SA packet counters >= $min on both hosts" "$c"
	done
}

assoc_flush() {
	ipsec_flush "$1" "$NS_A" >/dev/null 2>&1
	ipsec_flush "$2" "$NS_B" >/dev/null 2>&1
}

# ------------------------------------------------------------- counters

# xfrm_sa_packets NS SPI: lifetime packet count of an XFRM SA.
xfrm_sa_packets() {
	ip -n "$1" -s xfrm state 2>/dev/null | awk -v spi="$(printf '0x%08x' "$2")" '
		$1 == "proto" && $3 == "spi" { s = $4; sub(/\(.*/, "", s); cur = (s == spi) }
		cur && /lifetime current:/ { getline; sub(/\(bytes\),/, ""); n = $2; sub(/\(packets\)/, "", n); print n; exit }'
}

# sa_packets_dump IMPL NS: "SPI(decimal) PACKETS" for every SA of NS.
sa_packets_dump() {
	case $1 in
	xfrm) ip -n "$2" -s xfrm state 2>/dev/null | awk '
		$1 == "proto" && $3 == "spi" { s = $4; sub(/.*\(/, "", s); sub(/\).*/, "", s); spi = s }
		/lifetime current:/ { getline; sub(/\(bytes\),/, ""); n = $2; sub(/\(packets\)/, "", n); print spi, n }' ;;
	kipsec) kipsec_json "$2" state list | jq -r '.[] | "\(.spi) \(.stats.packets // 0)"' ;;
	esac
}

# kipsec_json NS ARGS...: the CLI's JSON output.
kipsec_json() {
	local ns=$1
	shift
	ip netns exec "$ns" "$KIPSEC" -j "$@" 2>/dev/null
}

# kipsec_sa_counter NS SPI KEY: a counter of one kipsec SA (0 if omitted).
# SPI may be printed as a number or a hex string: compare numerically.
kipsec_sa_counter() {
	kipsec_json "$1" state list | jq -r --argjson spi "$(($2))" --arg k "$3" '
		def num: if type == "number" then . elif type == "string" and test("^0x")
			then (ltrimstr("0x") | ascii_downcase | explode | reduce .[] as $c (0;
				. * 16 + (if $c >= 97 then $c - 87 else $c - 48 end)))
			else tonumber end;
		[.. | objects | select(has("spi")) | select((.spi | num) == $spi)
		 | [.. | objects | select(has($k)) | .[$k]] | first // 0] | first // 0' 2>/dev/null
}

# sa_packets IMPL NS SPI: packets processed by one SA (either implementation).
sa_packets() {
	case $1 in
	xfrm) xfrm_sa_packets "$2" "$3" ;;
	kipsec) kipsec_sa_counter "$2" "$3" packets ;;
	esac
}

# xfrm_stat NS NAME: one line of /proc/net/xfrm_stat (per namespace).
xfrm_stat() {
	ip netns exec "$1" awk -v k="$2" '$1 == k { print $2 }' /proc/net/xfrm_stat
}

# drop_count IMPL NS REASON: namespace-wide drops for a reason named as in
# kipsec (replay auth nosa malformed plaintext discard policy ...). For XFRM
# the nearest MIB counters, so a test can be validated with XFRM alone.
drop_count() {
	local impl=$1 ns=$2 r=$3
	if [ "$impl" = kipsec ]; then
		kipsec_json "$ns" stats | jq -r --arg k "drop_$r" \
			'[.. | objects | select(has($k)) | .[$k]] | first // 0' 2>/dev/null
		return
	fi
	case $r in
	replay) xfrm_stat "$ns" XfrmInStateSeqError ;;
	auth) xfrm_stat "$ns" XfrmInStateProtoError ;;
	nosa) xfrm_stat "$ns" XfrmInNoStates ;;
	malformed) echo $(($(xfrm_stat "$ns" XfrmInHdrError) + $(xfrm_stat "$ns" XfrmInStateProtoError))) ;;
	plaintext | policy) echo $(($(xfrm_stat "$ns" XfrmInTmplMismatch) + $(xfrm_stat "$ns" XfrmInNoPols))) ;;
	discard) echo $(($(xfrm_stat "$ns" XfrmInPolBlock) + $(xfrm_stat "$ns" XfrmOutPolBlock) + $(xfrm_stat "$ns" XfrmFwdHdrError))) ;;
	*) echo 0 ;;
	esac
}

# ------------------------------------------------------------- traffic

# ping_count NS [ping args...] DST: prints "received/sent"; 0 if all arrived.
# Output is kept in $KT_TMP/ping.out for diagnostics.
ping_count() {
	local ns=$1 out sent recv
	shift
	# -w: a deadline, not -W (which, once a reply came, only waits two
	# RTTs for the rest: too short when TCG makes RTTs jump).
	out=$(ip netns exec "$ns" ping -q -n -i 0.05 -w "${KT_PING_DEADLINE:-8}" "$@" 2>&1)
	echo "$out" >"$KT_TMP/ping.out"
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$out")
	recv=$(sed -n 's/.* \([0-9]*\) \(packets \)\{0,1\}received.*/\1/p' <<<"$out")
	echo "${recv:-0}/${sent:-0}"
	[ -n "$sent" ] && [ "${recv:-0}" = "$sent" ] && [ "$sent" -gt 0 ]
}

# ping_ok DESC NS [ping args...] DST: TAP line, all replies must arrive.
ping_ok() {
	local desc=$1 r
	shift
	r=$(ping_count "$@")
	result $? "$desc ($r)" "ping $*: $(cat "$KT_TMP/ping.out")"
}

# ping_fails DESC NS [ping args...] DST: TAP line, no reply may arrive.
ping_fails() {
	local desc=$1 r
	shift
	r=$(KT_PING_DEADLINE=3 ping_count "$@")
	[ "${r%%/*}" = 0 ]
	result $? "$desc ($r)" "expected no reply; ping $*: $(cat "$KT_TMP/ping.out")"
}

# wait_listen NS PORT [TIMEOUT_S]: poll until a TCP socket listens on PORT.
wait_listen() {
	local i
	for ((i = 0; i < ${3:-20} * 10; i++)); do
		ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# iperf_mbps SRV_NS SRV_ADDR CLI_NS [SECS] [PORT] [client args...]: one
# iperf3 TCP run from CLI_NS to SRV_ADDR; prints receiver Mbit/s (0 on
# failure). The client's output is kept in $KT_TMP/iperf.out.
iperf_mbps() {
	local sns=$1 saddr=$2 cns=$3 secs=${4:-3} port=${5:-5201} out
	shift 5
	ip netns exec "$sns" iperf3 -s -1 -p "$port" >"$KT_TMP/iperf-srv.out" 2>&1 &
	KT_PIDS+=($!)
	if ! wait_listen "$sns" "$port" 20; then
		echo "iperf3 server did not start" >"$KT_TMP/iperf.out"
		echo 0
		return 1
	fi
	out=$(timeout $((secs + 25)) ip netns exec "$cns" iperf3 -c "$saddr" -p "$port" \
		-t "$secs" --connect-timeout 5000 -f m "$@" 2>&1)
	echo "$out" >"$KT_TMP/iperf.out"
	awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /bits\/sec/) {
		v = $i; u = $(i + 1)
		if (u ~ /^G/) v *= 1000; else if (u ~ /^K/) v /= 1000; else if (u ~ /^bits/) v /= 1e6
		found = 1 } }
		END { printf "%.1f\n", found ? v : 0 }' <<<"$out"
}

# tcp_ok DESC SRV_NS SRV_ADDR CLI_NS SECS PORT [client args...]: TAP line,
# nonzero goodput.
tcp_ok() {
	local desc=$1 mbps
	shift
	mbps=$(iperf_mbps "$@")
	awk -v m="$mbps" 'BEGIN { exit !(m > 0) }'
	result $? "$desc ($mbps Mbit/s)" "iperf3 client output:
$(tail -n 15 "$KT_TMP/iperf.out")"
}

# counters_moved DESC IMPL NS SPI MIN: TAP line, SA processed >= MIN packets.
counters_moved() {
	local desc=$1 impl=$2 ns=$3 spi=$4 min=$5 n
	n=$(sa_packets "$impl" "$ns" "$spi")
	[ "${n:-0}" -ge "$min" ] 2>/dev/null
	result $? "$desc ($impl SA $spi: ${n:-?} packets)" \
		"expected >= $min packets on $impl SA $spi in $ns, saw '${n:-}'"
}

# capture_start NS IF FILE [filter]: tcpdump to FILE until capture_stop.
# Waits until tcpdump really listens (it takes a while under TCG).
capture_start() {
	local ns=$1 dev=$2 file=$3 i
	shift 3
	ip netns exec "$ns" tcpdump -Z root -U -n -i "$dev" -w "$file" "$@" \
		>"$file.log" 2>&1 &
	CAPTURE_PID=$!
	KT_PIDS+=("$CAPTURE_PID")
	for ((i = 0; i < 200; i++)); do
		grep -q 'listening on' "$file.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

capture_stop() {
	sleep 0.3	# let the last packets reach the capture buffer
	kill "$CAPTURE_PID" 2>/dev/null
	wait "$CAPTURE_PID" 2>/dev/null
}

# ---------------------------------------------------------------- misc

# warm_up_algs ALG...: instantiate each algorithm once, through XFRM and (if
# loaded) kipsec, in a throwaway namespace. Under TCG the first use of an
# algorithm loads modules and runs the crypto self-tests (seconds each);
# doing it here keeps that out of timed or timeout-sensitive steps. Done
# once per boot (marker files in /run or /tmp).
warm_up_algs() {
	local alg ns spi=0x100 mark=/run/kipsec-selftest-warm
	mkdir -p "$mark" 2>/dev/null || mark=/tmp/kipsec-selftest-warm
	mkdir -p "$mark"
	ns=$(ns_new warm) || return 1
	for alg in "$@"; do
		[ -e "$mark/$alg" ] && continue
		spi=$((spi + 1))
		sa_add xfrm "$ns" 10.0.0.1 10.0.0.2 $spi transport "$alg" >/dev/null 2>&1
		if kipsec_loaded && [ -x "$KIPSEC" ]; then
			sa_add kipsec "$ns" 10.0.0.1 10.0.0.2 $spi transport "$alg" >/dev/null 2>&1
		fi
		touch "$mark/$alg"
	done
	ipsec_flush xfrm "$ns" 2>/dev/null
	kipsec_loaded && [ -x "$KIPSEC" ] && ipsec_flush kipsec "$ns" >/dev/null 2>&1
	ip netns del "$ns"
	return 0
}

# module_reload [PARAMS...]: rmmod kipsec and insmod $KIPSEC_KO again.
module_reload() {
	[ -n "${KIPSEC_KO:-}" ] && [ -f "$KIPSEC_KO" ] || {
		echo "KIPSEC_KO not set or missing" >&2
		return 1
	}
	if kipsec_loaded; then
		rmmod kipsec || return 1
	fi
	insmod "$KIPSEC_KO" "$@"
}

# dmesg_mark / dmesg_problems: kernel complaints logged since the mark.
dmesg_mark() {
	KT_DMESG_LINES=$(dmesg 2>/dev/null | wc -l)
}

dmesg_problems() {
	dmesg 2>/dev/null | tail -n +$((KT_DMESG_LINES + 1)) |
		grep -E 'WARNING:|BUG:|Oops|general protection|refcount_t:|UBSAN|KASAN|leak|Call Trace:'
}

# our_side_ready: kipsec usable (or validation mode with XFRM on both sides).
our_side_ready() {
	[ "$OUR" = xfrm ] && return 0
	kipsec_loaded && [ -x "$KIPSEC" ]
}

# --- AH and bundles ---
#
# An AH/bundle association between A and B of topo_pair, with the same
# address plan as assoc_add (index k: outer 10.10.k.x / fd10::k:x, inner
# 10.20.k.1 / 10.21.k.1 on lo in tunnel mode). PROTOS lists the transforms
# innermost first ("ah", "esp ah"); per transform the SPIs are
#   esp: A->B 0x1000+k, B->A 0x2000+k;  ah: A->B 0x3000+k, B->A 0x4000+k
# (also the reqids). ASSOC_* are filled so assoc_ping_all works.

# ah_alg_args NAME SEED: ALGV = the integrity arguments (auth-trunc ...).
ah_alg_args() {
	case $1 in
	sha1) set -- 'hmac(sha1)' 20 96 "$2" ;;
	sha256) set -- 'hmac(sha256)' 32 128 "$2" ;;
	sha384) set -- 'hmac(sha384)' 48 192 "$2" ;;
	sha512) set -- 'hmac(sha512)' 64 256 "$2" ;;
	xcbc) set -- 'xcbc(aes)' 16 96 "$2" ;;
	cmac) set -- 'cmac(aes)' 16 96 "$2" ;;
	*) echo "ah_alg_args: unknown algorithm $1" >&2; return 2 ;;
	esac
	hexkey_v "$2" $(($4 + 200))
	ALGV=(auth-trunc "$1" "$HEX" "$3")
}

# bx_sa IMPL NS SRC DST SPI MODE PROTO AHALG [state args...]: one SA
# (ESP: cbc128-sha256).
bx_sa() {
	local impl=$1 ns=$2 src=$3 dst=$4 spi=$5 mode=$6 proto=$7 alg=$8 x=()
	shift 8
	if [ "$proto" = esp ]; then
		sa_add "$impl" "$ns" "$src" "$dst" "$spi" "$mode" cbc128-sha256 "$@"
		return
	fi
	ah_alg_args "$alg" $(((spi ^ (spi >> 12)) & 0xff)) || return 2
	[ "$impl" = xfrm ] && [ "$mode" = tunnel ] && x=(flag af-unspec)
	ipsec "$impl" "$ns" state add src "$src" dst "$dst" proto ah spi "$spi" \
		reqid "$spi" mode "$mode" replay-window 64 "${ALGV[@]}" "${x[@]}" "$@"
}

# bx_spi PROTO K DIR(ab|ba): the SPI of one transform of association K.
bx_spi() {
	local base
	case $1$3 in
	espab) base=0x1000 ;; espba) base=0x2000 ;;
	ahab) base=0x3000 ;; ahba) base=0x4000 ;;
	esac
	printf '0x%x' $((base + $2))
}

# bx_tmpls PROTOS K DIR MODE SRC DST: set TMPLV to the policy templates.
bx_tmpls() {
	local p spi
	TMPLV=()
	for p in $1; do
		spi=$(bx_spi "$p" "$2" "$3")
		if [ "$4" = tunnel ]; then
			TMPLV+=(tmpl src "$5" dst "$6" proto "$p" mode tunnel reqid "$spi")
		else
			TMPLV+=(tmpl proto "$p" mode transport reqid "$spi")
		fi
	done
}

# bx_assoc IMPL_A IMPL_B MODE OUTER INNER "PROTOS" AHALG: record one
# association (between batch_begin and batch_apply). Sets K.
bx_assoc() {
	local ia=$1 ib=$2 mode=$3 outer=$4 inner=$5 protos=$6 alg=$7
	local k la lb pa pb sa sb p impl ns v
	k=$((KT_NASSOC + 1))
	KT_NASSOC=$k K=$k
	if [ "$outer" = 6 ]; then
		la=fd10::$k:1 lb=fd10::$k:2
		nsip "$NS_A" addr add $la/64 dev a0 nodad
		nsip "$NS_B" addr add $lb/64 dev b0 nodad
		nsip "$NS_A" neigh replace $lb lladdr "$MAC_B" dev a0 nud permanent
		nsip "$NS_B" neigh replace $la lladdr "$MAC_A" dev b0 nud permanent
	else
		la=10.10.$k.1 lb=10.10.$k.2
		nsip "$NS_A" addr add $la/16 dev a0
		nsip "$NS_B" addr add $lb/16 dev b0
	fi
	if [ "$mode" = tunnel ]; then
		if [ "$inner" = 6 ]; then
			pa=fd20:$k::1 pb=fd21:$k::1 sa=$pa/128 sb=$pb/128
			nsip "$NS_A" addr add $pa/128 dev lo nodad
			nsip "$NS_B" addr add $pb/128 dev lo nodad
		else
			pa=10.20.$k.1 pb=10.21.$k.1 sa=$pa/32 sb=$pb/32
			nsip "$NS_A" addr add $pa/32 dev lo
			nsip "$NS_B" addr add $pb/32 dev lo
		fi
	else
		pa=$la pb=$lb
		if [ "$outer" = 6 ]; then sa=$la/128 sb=$lb/128; else sa=$la/32 sb=$lb/32; fi
	fi
	for p in $protos; do
		for v in "$ia $NS_A" "$ib $NS_B"; do
			read -r impl ns <<<"$v"
			bx_sa "$impl" "$ns" "$la" "$lb" "$(bx_spi $p $k ab)" "$mode" $p "$alg"
			bx_sa "$impl" "$ns" "$lb" "$la" "$(bx_spi $p $k ba)" "$mode" $p "$alg"
		done
	done
	bx_tmpls "$protos" $k ab "$mode" "$la" "$lb"
	ipsec "$ia" "$NS_A" policy add src "$sa" dst "$sb" dir out "${TMPLV[@]}"
	ipsec "$ib" "$NS_B" policy add src "$sa" dst "$sb" dir in "${TMPLV[@]}"
	bx_tmpls "$protos" $k ba "$mode" "$lb" "$la"
	ipsec "$ib" "$NS_B" policy add src "$sb" dst "$sa" dir out "${TMPLV[@]}"
	ipsec "$ia" "$NS_A" policy add src "$sb" dst "$sa" dir in "${TMPLV[@]}"
	ASSOC_IA[k]=$ia ASSOC_IB[k]=$ib ASSOC_PA[k]=$pa ASSOC_PB[k]=$pb
	ASSOC_FAM[k]=$inner ASSOC_PROTOS[k]=$protos
	ASSOC_LA[k]=$la ASSOC_LB[k]=$lb
	ASSOC_DESC[k]="${protos// /+} $alg $mode ${inner}in$outer A=$ia B=$ib"
}
ASSOC_PROTOS=() ASSOC_LA=() ASSOC_LB=()

# bx_counters LIST MIN: every SA of every transform of the associations in
# LIST counted at least MIN packets on both hosts (one TAP line each).
bx_counters() {
	local list=$1 min=$2 k p d impl ns n c bad side v
	for k in $list; do
		c="" bad=0
		for p in ${ASSOC_PROTOS[k]}; do
			for d in ab ba; do
				for v in "${ASSOC_IA[k]} $NS_A A" "${ASSOC_IB[k]} $NS_B B"; do
					read -r impl ns side <<<"$v"
					n=$(sa_packets "$impl" "$ns" "$(bx_spi $p $k $d)")
					c+="$side:$impl:$p:$d=${n:-none} "
					[ -n "$n" ] && [ "$n" -ge "$min" ] 2>/dev/null || bad=1
				done
			done
		done
		result $bad "${ASSOC_DESC[k]}: SA packet counters >= $min on both hosts" "$c"
	done
}
