#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# TCP through kipsec <-> Linux XFRM: iperf3 for a few seconds per
# association (AES-GCM-128 and AES-CBC-128/HMAC-SHA2-256, transport and
# tunnel, IPv4 and IPv6), kipsec sending (A->B) and XFRM sending (B->A, -R).
# Asserts nonzero goodput and that the SAs carried the segments on both
# hosts. Full-size segments exercise path-MTU handling with ESP overhead.
. "$(dirname "$0")/lib.sh"

need ip ping jq iperf3
SECS=${KIPSEC_TCP_SECS:-3}
ASSOCS=()
for alg in gcm128-128 cbc128-sha256; do
	for c in transport:4 transport:6 tunnel:4 tunnel:6; do
		ASSOCS+=("$OUR xfrm ${c%:*} $alg ${c#*:} ${c#*:}")
	done
done
na=${#ASSOCS[@]}
plan $((2 + na * 3))

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi
topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }
batch_begin
for a in "${ASSOCS[@]}"; do
	# shellcheck disable=SC2086
	assoc_add $a
done
check "SAs and policies installed for $na associations" batch_apply
list=$(seq 1 "$KT_NASSOC")

port=5201
for k in $list; do
	# A (kipsec) sends to B (XFRM)
	port=$((port + 1))
	tcp_ok "${ASSOC_DESC[k]}: TCP A->B" "$NS_B" "${ASSOC_PB[k]}" "$NS_A" "$SECS" $port -B "${ASSOC_PA[k]}"
	# B (XFRM) sends to A (kipsec): -R, the server side sends
	port=$((port + 1))
	tcp_ok "${ASSOC_DESC[k]}: TCP B->A (-R)" "$NS_B" "${ASSOC_PB[k]}" "$NS_A" "$SECS" $port -B "${ASSOC_PA[k]}" -R
done
assoc_counters "$list" 100
tap_done
