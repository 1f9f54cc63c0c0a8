#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Extended sequence numbers (RFC 4304) against Linux XFRM, and the end of a
# 32-bit sequence number space.
#
# A runs kipsec, B `ip xfrm`, transport mode over IPv4. The SAs of both
# directions are installed with "flag esn" just below 2^32 (replay-oseq on
# the senders, replay-seq on the receivers), then pings cross 2^32 both
# ways: after the wrap the high half of the number is authenticated but
# not sent, so any disagreement about it fails the ICV. For an AEAD (GCM:
# high half in the associated data) and authenc (AES-CBC + HMAC-SHA256:
# high half hashed after the payload). Then an SA without ESN must stop at
# 2^32 - 1: what follows is dropped and counted, and the SA hard-expires.
. "$(dirname "$0")/lib.sh"

need ip ping jq
plan 24

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi

topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }
warm_up_algs gcm128-128 cbc128-sha256

# xfrm_esn NS SRC DST SPI FIELD: a field of XFRM's "anti-replay esn
# context" (seq-hi, seq, oseq-hi, oseq) as a decimal number.
xfrm_esn() {
	local v
	v=$(ip -n "$1" xfrm state get src "$2" dst "$3" proto esp spi "$4" 2>/dev/null |
		awk -v f="$5" '/anti-replay esn context/ { on = 1; next }
			on { for (i = 1; i < NF; i++) if ($i == f) { v = $(i + 1); sub(/,$/, "", v); print v; exit } }')
	[ -n "$v" ] && echo $((v))
}

# seq_of NS SPI KEY: seq_out / seq_in of a kipsec SA (decimal).
seq_of() {
	kipsec_sa_counter "$1" "$2" "$3"
}

# sa_json NS SPI: the kipsec SA as one line of JSON (empty if absent).
sa_json() {
	kipsec_json "$1" state list | jq -c --argjson spi "$(($2))" '
		.[] | select((.spi | if type == "string" then (ltrimstr("0x") |
			ascii_downcase | explode | reduce .[] as $c (0;
			. * 16 + (if $c >= 97 then $c - 87 else $c - 48 end))) else . end) == $spi)' 2>/dev/null
}

START=$((0xfffffff0))	# senders' last number before the test traffic
RSTART=$((0xffffffe0))	# receivers: highest number "already received"
N=40			# pings: START + N crosses 2^32 after 15

# esn_case ALG SPI_AB SPI_BA: one ESN association, traffic across 2^32.
esn_case() {
	local alg=$1 sab=$2 sba=$3 out=0 rc pk so si xs xh xo xoh d
	{
		sa_add $OUR "$NS_A" $A4 $B4 "$sab" transport "$alg" flag esn \
			replay-oseq $START replay-oseq-hi 0 &&
		sa_add $OUR "$NS_A" $B4 $A4 "$sba" transport "$alg" flag esn \
			replay-seq $RSTART replay-seq-hi 0 &&
		sa_add xfrm "$NS_B" $A4 $B4 "$sab" transport "$alg" flag esn \
			replay-seq $RSTART replay-seq-hi 0 &&
		sa_add xfrm "$NS_B" $B4 $A4 "$sba" transport "$alg" flag esn \
			replay-oseq $START replay-oseq-hi 0 &&
		pol_pair $OUR "$NS_A" $A4/32 $B4/32 transport $A4 $B4 "$sab" "$sba" &&
		pol_pair xfrm "$NS_B" $B4/32 $A4/32 transport $B4 $A4 "$sba" "$sab"
	} >"$KT_TMP/setup.out" 2>&1 || out=1
	result $out "$alg ESN: SAs near 2^32 installed (A=$OUR B=xfrm)" "$(<"$KT_TMP/setup.out")"

	KT_PING_DEADLINE=20 ping_ok "$alg ESN: $N pings across 2^32 (A->B and the replies B->A)" \
		"$NS_A" -c $N $B4

	# A->B: what kipsec sent is what XFRM has seen, high half included.
	pk=$(sa_packets $OUR "$NS_A" "$sab")
	so=$(seq_of "$NS_A" "$sab" seq_out)
	xh=$(xfrm_esn "$NS_B" $A4 $B4 "$sab" seq-hi)
	xs=$(xfrm_esn "$NS_B" $A4 $B4 "$sab" seq)
	rc=1
	[ "${so:-0}" -gt $((0xffffffff)) ] && [ "$so" = $((START + pk)) ] && rc=0
	result $rc "$alg ESN: kipsec sent past 2^32 (seq_out $(printf '0x%x' "${so:-0}"), $pk packets)" \
		"seq_out=${so:-?} packets=${pk:-?}"
	rc=1
	[ -n "$xh" ] && [ -n "$xs" ] && [ $((xh << 32 | xs)) = "${so:-x}" ] && rc=0
	result $rc "$alg ESN: XFRM accepted up to the same 64-bit number (seq-hi ${xh:-?} seq ${xs:-?})" \
		"$(ip -n "$NS_B" xfrm state get src $A4 dst $B4 proto esp spi "$sab" 2>&1)"

	# B->A: XFRM's numbers past 2^32, accepted by kipsec.
	si=$(seq_of "$NS_A" "$sba" seq_in)
	xoh=$(xfrm_esn "$NS_B" $B4 $A4 "$sba" oseq-hi)
	xo=$(xfrm_esn "$NS_B" $B4 $A4 "$sba" oseq)
	rc=1
	[ -n "$xoh" ] && [ "$xoh" -ge 1 ] && [ $((xoh << 32 | xo)) = "${si:-x}" ] && rc=0
	result $rc "$alg ESN: kipsec received XFRM's numbers past 2^32 (seq_in $(printf '0x%x' "${si:-0}"))" \
		"kipsec seq_in=${si:-?}, xfrm oseq-hi=${xoh:-?} oseq=${xo:-?}"
	rc=1
	[ "${so:-0}" = "${si:-x}" ] && rc=0
	result $rc "$alg ESN: every request answered through both SAs (out $so = in $si)"

	d="replay $(drop_count $OUR "$NS_A" replay) auth $(drop_count $OUR "$NS_A" auth)"
	[ "$d" = "replay 0 auth 0" ]
	result $? "$alg ESN: no replay or ICV drops on kipsec ($d)"

	ipsec_flush $OUR "$NS_A" >/dev/null 2>&1
	ipsec_flush xfrm "$NS_B" >/dev/null 2>&1
}

esn_case gcm128-128 0x3001 0x3002
esn_case cbc128-sha256 0x3003 0x3004

# ------------------------------------------------- CLI / netlink checks

ipsec $OUR "$NS_A" state add src $A4 dst $B4 proto esp spi 0x3005 \
	replay-oseq 0x100000000 aead 'rfc4106(gcm(aes))' "$(hexkey 20 5)" 128 \
	>"$KT_TMP/o" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "ESN" "$KT_TMP/o"
result $? "64-bit replay-oseq without flag esn refused by the kernel (exit $rc)" "$(<"$KT_TMP/o")"
ipsec $OUR "$NS_A" state add src $A4 dst $B4 proto esp spi 0x3005 flag esn \
	replay-oseq 0x100000000 replay-oseq-hi 1 aead 'rfc4106(gcm(aes))' "$(hexkey 20 5)" 128 \
	>"$KT_TMP/o" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "32 bits" "$KT_TMP/o"
result $? "replay-oseq above 32 bits with replay-oseq-hi is a usage error (exit $rc)" "$(<"$KT_TMP/o")"

# ------------------------------------------- no ESN: stop at 2^32 - 1

SAB=0x3011 SBA=0x3012
out=0
{
	sa_add $OUR "$NS_A" $A4 $B4 $SAB transport cbc128-sha256 replay-oseq 0xfffffffd &&
	sa_add $OUR "$NS_A" $B4 $A4 $SBA transport cbc128-sha256 &&
	sa_add xfrm "$NS_B" $A4 $B4 $SAB transport cbc128-sha256 &&
	sa_add xfrm "$NS_B" $B4 $A4 $SBA transport cbc128-sha256 &&
	pol_pair $OUR "$NS_A" $A4/32 $B4/32 transport $A4 $B4 $SAB $SBA &&
	pol_pair xfrm "$NS_B" $B4/32 $A4/32 transport $B4 $A4 $SBA $SAB
} >"$KT_TMP/setup.out" 2>&1 || out=1
result $out "no ESN: SA with replay-oseq 0xfffffffd installed" "$(<"$KT_TMP/setup.out")"

ov0=$(drop_count $OUR "$NS_A" seq_overflow)
# Exactly 5 requests: 0xfffffffe and 0xffffffff go out, the rest may not.
ip netns exec "$NS_A" ping -q -n -c 5 -i 0.3 -W 3 $B4 >"$KT_TMP/ping.out" 2>&1
ping_rx "$KT_TMP/ping.out"
[ "$RX" = 2 ]
result $? "no ESN: 2 of 5 pings answered, then the SA stops sending (got $RX)" "$(<"$KT_TMP/ping.out")"
xp=$(xfrm_sa_packets "$NS_B" $SAB)
[ "${xp:-0}" = 2 ]
result $? "no ESN: XFRM received exactly 2 packets on the SA (${xp:-?})"
ov1=$(drop_count $OUR "$NS_A" seq_overflow)
[ "${ov1:-0}" -gt "${ov0:-0}" ]
result $? "no ESN: namespace seq-overflow drops moved ($ov0 -> $ov1)"

sa=$(sa_json "$NS_A" $SAB)
if [ -n "$sa" ]; then
	so=$(jq -r '.seq_out // empty' <<<"$sa")
	[ "$so" = $((0xffffffff)) ]
	result $? "no ESN: seq_out stays at 0xffffffff ($so)" "$sa"
	n=$(jq -r '[.. | objects | .drop_seq_overflow? // empty] | first // 0' <<<"$sa")
	[ "${n:-0}" -ge 1 ]
	result $? "no ESN: SA counted its seq-overflow drops ($n)" "$sa"
	if grep -Eiq 'hard[_ -]?expired' <<<"$sa"; then
		ok "no ESN: SA reports the hard expiry"
	else
		not_ok "no ESN: SA reports the hard expiry"
		diag "$sa"
	fi
else
	# lifetime.c removes a hard-expired SA right after its EXPIRE event.
	ok "no ESN: SA reached its last number (then removed)"
	ok "no ESN: SA counted the overflow (namespace counter above)"
	ok "no ESN: SA hard-expired and was removed"
fi
ipsec_flush $OUR "$NS_A" >/dev/null 2>&1
ipsec_flush xfrm "$NS_B" >/dev/null 2>&1

tap_done
