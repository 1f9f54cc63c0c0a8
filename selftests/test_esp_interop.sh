#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every ESP algorithm, transport mode over IPv4, between two hosts:
# kipsec<->kipsec and kipsec<->Linux XFRM (A runs kipsec, B runs `ip xfrm`
# with the same keys). Pings both ways must all be answered, and the SA
# counters must show the packets went through the SAs on both hosts: A->B
# proves XFRM decrypts what kipsec encrypts, B->A the reverse.
. "$(dirname "$0")/lib.sh"

need ip ping jq
ALGS=${KIPSEC_TEST_ALGS:-$ALL_ALGS}
PAIRS="$OUR-$OUR $OUR-xfrm"
n=0
for _ in $ALGS; do n=$((n + 1)); done
plan $((1 + 2 * (1 + 2 * n)))

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi

topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }

N=3	# echo requests each way
for pair in $PAIRS; do
	ia=${pair%-*} ib=${pair#*-}
	first=$((KT_NASSOC + 1))
	batch_begin
	for alg in $ALGS; do
		assoc_add "$ia" "$ib" transport "$alg" 4
	done
	list=$(seq "$first" "$KT_NASSOC")
	check "SAs and policies for every algorithm installed (A=$ia B=$ib)" batch_apply
	assoc_ping_all "$list" $N
	# Each SA carries N requests one way and N replies to the other
	# host's pings: 2N packets, counted by the sender and the receiver.
	assoc_counters "$list" $((2 * N))
	assoc_flush "$ia" "$ib"
done
tap_done
