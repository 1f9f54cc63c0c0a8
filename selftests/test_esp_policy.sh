#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Policies on the kipsec host B, Linux XFRM on the peer A, transport mode:
#  - protect: traffic goes through the SAs (baseline)
#  - bypass (action allow, higher precedence): ICMP passes in clear, the SAs
#    do not see it
#  - discard (action block): the reply is dropped and drop_discard counted
#  - plaintext where protect is required: A sends in clear, B drops it and
#    counts drop_plaintext
#  - wrong SA for the policy: A sends ICMP through an SA whose reqid B's ICMP
#    policy does not accept; B decrypts it but drops it as drop_policy
. "$(dirname "$0")/lib.sh"

need ip ping jq
plan 12

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi
topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }

ALG=gcm128-128
S1=0x5001 S2=0x5002 S3=0x5003	# A->B, B->A, and a second A->B SA
protect() {	# protect policies between A4 and B4 (priority 100) on both hosts
	pol_pair xfrm "$NS_A" $A4/32 $B4/32 transport "" "" $S1 $S2 -- priority 100
	pol_pair "$OUR" "$NS_B" $B4/32 $A4/32 transport "" "" $S2 $S1 -- priority 100
}
setup_sas() {
	sa_pair xfrm "$NS_A" $A4 $B4 $S1 $S2 transport $ALG
	sa_add xfrm "$NS_A" $A4 $B4 $S3 transport $ALG
	sa_pair "$OUR" "$NS_B" $A4 $B4 $S1 $S2 transport $ALG
	sa_add "$OUR" "$NS_B" $A4 $B4 $S3 transport $ALG
}

batch_begin
setup_sas
protect
check "SAs and protect policies installed (A=xfrm B=$OUR)" batch_apply

# 1. protect
p0=$(sa_packets "$OUR" "$NS_B" $S1)
ping_ok "protect: ping A->B through ESP" "$NS_A" -c 3 $B4
p1=$(sa_packets "$OUR" "$NS_B" $S1)
[ "${p1:-0}" -ge $((${p0:-0} + 3)) ]
result $? "protect: B's inbound SA counted the requests (${p0:-?} -> ${p1:-?})"

# 2. bypass: ICMP above the protect policies on both hosts
batch_begin
for side in "xfrm $NS_A $A4 $B4" "$OUR $NS_B $B4 $A4"; do
	read -r impl ns l r <<<"$side"
	ipsec "$impl" "$ns" policy add src $l/32 dst $r/32 proto icmp dir out priority 10 action allow
	ipsec "$impl" "$ns" policy add src $r/32 dst $l/32 proto icmp dir in priority 10 action allow
done
batch_apply >"$KT_TMP/bypass.out" 2>&1 || diag "bypass setup: $(cat "$KT_TMP/bypass.out")"
ping_ok "bypass: ping A->B in clear" "$NS_A" -c 3 $B4
p2=$(sa_packets "$OUR" "$NS_B" $S1)
[ "${p2:-0}" = "${p1:-0}" ]
result $? "bypass: B's SA did not see the ICMP (${p1:-?} -> ${p2:-?})"

# 3. discard: B blocks its echo replies (precedence over the bypass; a
# narrower selector, as XFRM refuses a second policy on the same one)
d0=$(drop_count "$OUR" "$NS_B" discard)
ipsec "$OUR" "$NS_B" policy add src $B4/32 dst $A4/32 proto icmp type 0 dir out priority 5 action block
ping_fails "discard: ping A->B gets no reply" "$NS_A" -c 3 $B4
d1=$(drop_count "$OUR" "$NS_B" discard)
[ "${d1:-0}" -ge $((${d0:-0} + 3)) ]
result $? "discard: drop_discard counted the replies ($d0 -> $d1)"

# 4. plaintext: A has no IPsec at all, B requires ESP from A
ipsec_flush xfrm "$NS_A"
ipsec_flush "$OUR" "$NS_B"
batch_begin
setup_sas
pol_pair "$OUR" "$NS_B" $B4/32 $A4/32 transport "" "" $S2 $S1 -- priority 100
batch_apply >"$KT_TMP/pt.out" 2>&1 || diag "plaintext setup: $(cat "$KT_TMP/pt.out")"
ipsec_flush xfrm "$NS_A"
t0=$(drop_count "$OUR" "$NS_B" plaintext)
ping_fails "plaintext: clear ping A->B to a protected host gets no reply" "$NS_A" -c 3 $B4
t1=$(drop_count "$OUR" "$NS_B" plaintext)
[ "${t1:-0}" -ge $((${t0:-0} + 3)) ]
result $? "plaintext: drop_plaintext counted them ($t0 -> $t1)"

# 5. wrong SA: B's ICMP policy requires SA S1 (reqid S1); A sends ICMP
# through S3 (a valid SA B knows, but not the one the policy names).
ipsec_flush "$OUR" "$NS_B"
batch_begin
setup_sas
pol_pair "$OUR" "$NS_B" $B4/32 $A4/32 transport "" "" $S2 $S1 -- priority 100
ipsec xfrm "$NS_A" policy add src $A4/32 dst $B4/32 dir out priority 100 tmpl proto esp mode transport reqid $S3
ipsec xfrm "$NS_A" policy add src $B4/32 dst $A4/32 dir in priority 100 tmpl proto esp mode transport reqid $S2
batch_apply >"$KT_TMP/ws.out" 2>&1 || diag "wrong-SA setup: $(cat "$KT_TMP/ws.out")"
w0=$(drop_count "$OUR" "$NS_B" policy)
ping_fails "wrong SA: ping A->B through SA $S3 gets no reply" "$NS_A" -c 3 $B4
w1=$(drop_count "$OUR" "$NS_B" policy)
s3=$(sa_packets xfrm "$NS_A" $S3)
[ "${w1:-0}" -ge $((${w0:-0} + 3)) ] && [ "${s3:-0}" -ge 3 ]
result $? "wrong SA: sent through $S3 (${s3:-?} packets) and counted as drop_policy ($w0 -> $w1)" \
	"B's stats: $(kipsec_json "$NS_B" stats 2>&1)"
tap_done
