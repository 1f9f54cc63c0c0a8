#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Modes and address families, kipsec against Linux XFRM (and itself):
# transport over IPv4 and IPv6; tunnel 4in4, 6in6, 4in6 and 6in4, with
# AES-GCM-128 and AES-CBC-128/HMAC-SHA2-256. Small pings both ways, pings
# near the MTU (1400 bytes of payload: fragmentation or path-MTU discovery
# where the ESP overhead does not fit), exactly fitting ones with DF set
# (transport IPv4), and SA counters on both hosts.
. "$(dirname "$0")/lib.sh"

need ip ping jq
COMBOS="transport:4:4 transport:6:6 tunnel:4:4 tunnel:6:6 tunnel:6:4 tunnel:4:6"
# association list: impl_a impl_b mode alg outer inner
ASSOCS=()
for alg in gcm128-128 cbc128-sha256; do
	for c in $COMBOS; do
		IFS=: read -r m o i <<<"$c"
		ASSOCS+=("$OUR xfrm $m $alg $o $i")
	done
done
for c in $COMBOS; do
	IFS=: read -r m o i <<<"$c"
	ASSOCS+=("$OUR $OUR $m gcm128-128 $o $i")
done
na=${#ASSOCS[@]}
ndf=0
for a in "${ASSOCS[@]}"; do
	case $a in *" transport "*" 4 4") ndf=$((ndf + 1)) ;; esac
done
plan $((2 + na * 3 + ndf))

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi
topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }

batch_begin
df_list=
for a in "${ASSOCS[@]}"; do
	# shellcheck disable=SC2086
	assoc_add $a
	case $a in *" transport "*" 4 4") df_list+=" $K" ;; esac
done
check "SAs and policies installed for ${na} associations" batch_apply
list=$(seq 1 "$KT_NASSOC")

assoc_ping_all "$list" 3
# The payload does not fit with the tunnel overhead: the first packet may be
# lost to path-MTU discovery (an ICMP "too big" back to the sender).
KT_PING_MIN=2 assoc_ping_all "$list" 3 -s 1400 -M dont
# 1400 + 28 + ESP overhead fits in 1500: must pass whole with DF set.
assoc_ping_all "$df_list" 3 -s 1400 -M "do"
assoc_counters "$list" 12
tap_done
