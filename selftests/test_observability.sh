#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Counters and replay state as `kipsec state list` and `kipsec stats` show
# them, moved by real causes. A (Linux XFRM) sends ESP to B (kipsec):
#  - 4 pings A->B while B's prerouting drops the ESP packet with sequence
#    number 2: B's SA has SEQ_IN 4 and the replay bitmap 0b1011 (4, 3 and 1
#    seen, 2 missing), in JSON and text;
#  - the first captured ESP packet resent (replay), with a flipped sequence
#    bit (ICV failure) and with an unknown SPI (no SA): drop_replay and
#    drop_auth on the SA and the namespace, drop_nosa on the namespace; the
#    window does not move;
#  - a UDP packet matching B's discard policy: drop_discard on the policy
#    and the namespace;
#  - `kipsec stats` (text and -j) lists every counter and the namespace
#    sums equal what the SAs counted.
. "$(dirname "$0")/lib.sh"

need ip ping jq tcpdump nft "$PY"
INJECT=$(dirname "$0")/esp_inject.py
plan 18

if ! our_side_ready || [ "$OUR" != kipsec ]; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi
topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }
warm_up_algs gcm128-128
dmesg_mark

batch_begin
assoc_add xfrm kipsec transport gcm128-128 4
check "SAs and policies installed (A=xfrm B=kipsec)" batch_apply
PA=${ASSOC_PA[K]} PB=${ASSOC_PB[K]} SAB=${ASSOC_SAB[K]}

sa_json() {	# the JSON of B's inbound SA
	kipsec_json "$NS_B" state list | jq -c --argjson s "$((SAB))" '.[] | select(.spi == $s)'
}

# B loses the ESP packet with sequence number 2 before kipsec sees it.
nsx "$NS_B" nft -f - <<-EOF
table ip kt_obs {
	chain pre {
		type filter hook prerouting priority -300;
		ip protocol esp @th,32,32 2 counter drop
	}
}
EOF
pcap=$KT_TMP/esp.pcap
capture_start "$NS_A" a0 "$pcap" "esp and src $PA" || diag "tcpdump: $(cat "$pcap.log")"
ip netns exec "$NS_A" ping -n -c 4 -i 0.3 -W 3 -I "$PA" "$PB" >"$KT_TMP/ping.out" 2>&1
ping_rx "$KT_TMP/ping.out"
[ "$RX" = 3 ]
result $? "4 pings A->B, the one whose ESP packet B's prerouting dropped is lost ($RX replies)" \
	"$(cat "$KT_TMP/ping.out")" "$(nsx "$NS_B" nft list ruleset)"
capture_stop
nsx "$NS_B" nft delete table ip kt_obs

j=$(sa_json)
got=$(jq -r '"\(.seq_in) \(.replay_bitmap) \(.replay_seen)"' <<<"$j")
[ "$got" = "4 0x000000000000000b 3" ]
result $? "JSON: seq_in 4, replay bitmap ...1011 (2 missing), 3 seen: $got" "$j"

out=$(ip netns exec "$NS_B" "$KIPSEC" state list 2>&1)
grep -qE 'anti-replay context: seq 0x4, oseq 0x[0-9a-f]+' <<<"$out" &&
	grep -qE 'replay-window state: seen 3 bitmap 0x0*b$' <<<"$out"
result $? "text: anti-replay context and replay-window state lines" "$out"

# Resend the first captured packet (sequence number 1), altered.
before=$(kipsec_json "$NS_B" stats)
out=$(ip netns exec "$NS_A" "$PY" "$INJECT" "$pcap" a0 replay flipseq badspi 2>&1)
diag "injector: $out"
moved() {	# KEY BEFORE-JSON: the namespace counter is above its old value
	local now
	now=$(kipsec_json "$NS_B" stats | jq -r --arg k "$1" '.[0][$k] // 0')
	[ "$now" -gt "$(jq -r --arg k "$1" '.[0][$k] // 0' <<<"$2")" ]
}
for _ in $(seq 1 50); do
	moved drop_replay "$before" && moved drop_auth "$before" && moved drop_nosa "$before" && break
	sleep 0.2
done
after=$(kipsec_json "$NS_B" stats)
for k in drop_replay drop_auth drop_nosa; do
	moved $k "$before"
	result $? "namespace $k moved ($(jq -r ".[0].$k" <<<"$before") -> $(jq -r ".[0].$k" <<<"$after"))" \
		"before: $before" "after: $after"
done

j=$(sa_json)
got=$(jq -r '"\(.stats.drop_replay) \(.stats.drop_auth) \(.stats.drop_nosa) \(.stats.packets)"' <<<"$j")
[ "$got" = "1 1 0 3" ]
result $? "B's SA counted replay 1, auth 1, no-sa 0, packets 3: $got" "$j"
got=$(jq -r '"\(.seq_in) \(.replay_seen)"' <<<"$j")
[ "$got" = "4 3" ]
result $? "the bad packets did not move the window ($got)"
n=$(jq '.stats | length' <<<"$j")
[ "$n" = 24 ]
result $? "JSON stats of an SA carry every uapi counter ($n keys)" "$j"

out=$(ip netns exec "$NS_B" "$KIPSEC" state list 2>&1)
grep -qP '^\t  drops: replay 1 auth 1$' <<<"$out"
result $? "text: nonzero drops by reason" "$out"
out=$(ip netns exec "$NS_B" "$KIPSEC" -s state list 2>&1)
grep -q 'drops: replay 1 auth 1 pad 0 no-sa 0 .* acquire 0 expired 0' <<<"$out" &&
	grep -q 'events: acquires 0 queued 0 natt-keepalive 0 frag-out 0 icmp-too-big 0' <<<"$out"
result $? "text -s: every counter, drops and events" "$out"

# Discard: B blocks UDP to A's port 7777 (link addresses, no other policy).
ip netns exec "$NS_B" "$KIPSEC" policy add src $B4/32 dst $A4/32 proto udp dport 7777 \
	dir out action block >/dev/null
d0=$(kipsec_json "$NS_B" stats | jq '.[0].drop_discard')
ip netns exec "$NS_B" bash -c "echo x >/dev/udp/$A4/7777; echo y >/dev/udp/$A4/7777" 2>/dev/null
d1=$(kipsec_json "$NS_B" stats | jq '.[0].drop_discard')
pd=$(kipsec_json "$NS_B" policy list | jq '[.[] | select(.action == "discard") | .stats.drop_discard] | add')
[ $((d1 - d0)) = 2 ] && [ "$pd" = 2 ]
result $? "discard policy: namespace drop_discard $d0 -> $d1, policy $pd"

# Namespace sums: every counter listed; SA-level drops add up.
s=$(kipsec_json "$NS_B" stats)
sums=$(kipsec_json "$NS_B" state list | jq -c '[.[].stats] | {r: (map(.drop_replay) | add), a: (map(.drop_auth) | add)}')
got=$(jq -r '.[0] | "\(length) \(.drop_replay) \(.drop_auth)"' <<<"$s")
want="24 $(jq -r '"\(.r) \(.a)"' <<<"$sums")"
[ "$got" = "$want" ]
result $? "stats -j: 24 counters, drop_replay/drop_auth equal the SAs' sums ($got)" "stats: $s" "SA sums: $sums"
out=$(ip netns exec "$NS_B" "$KIPSEC" stats 2>&1)
grep -qE '^drop_replay +[1-9]' <<<"$out" && grep -qE '^drop_auth +[1-9]' <<<"$out" &&
	grep -qE '^drop_nosa +[1-9]' <<<"$out" && grep -qE '^drop_discard +2$' <<<"$out" &&
	grep -qE '^drop_acquire +0$' <<<"$out" && grep -qE '^queued +0$' <<<"$out"
result $? "stats text: drop reasons summed over the namespace" "$out"

ping_ok "the SA still works" "$NS_A" -c 2 -I "$PA" "$PB"
p=$(dmesg_problems)
[ -z "$p" ]
result $? "no kernel warnings" "$p"
tap_done
