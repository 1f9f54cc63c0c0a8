#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ACQUIRE and held packets. A (kipsec) has transport-mode protect policies
# towards B (Linux XFRM, complete) but no SAs yet.
#  1. A burst of 20 UDP packets: exactly one ACQUIRE reaches `kipsec monitor
#     -j` (rate limit), with policy, selector, template index and the
#     packet's addresses and ports; 16 packets are held, 4 overflow at once
#     (drop_acquire), the 16 time out a few seconds later (drop_acquire 20);
#     nothing left A, not even in clear.
#  2. A UDP datagram and one ping are held, the SA pair is added: B's UDP
#     socket gets the payload, the single echo request is answered
#     (queued counts them), and the wire only carried ESP.
#  3. The same with IPv6.
#  4. Packets held when the policy is deleted, and when the namespace goes,
#     are freed without a kernel complaint (kmemleak/slub_debug watch).
. "$(dirname "$0")/lib.sh"

need ip ping jq tcpdump nc
plan 25

if ! our_side_ready || [ "$OUR" != kipsec ]; then
	skip_rest "kipsec module or CLI missing (ACQUIRE is kipsec's)"
	tap_done
fi
topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }
warm_up_algs gcm128-128
dmesg_mark

# wait_for SECS CMD...: poll CMD every 0.1 s.
wait_for() {
	local i n=$(($1 * 10))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

ns_counter() {	# NS KEY: a namespace counter of kipsec stats
	kipsec_json "$1" stats | jq -r --arg k "$2" '.[0][$k] // 0'
}

pol_id() {	# NS DST: id of the out policy towards DST
	kipsec_json "$1" policy list | jq -r --arg d "$2" \
		'.[] | select(.dir == "out" and (.dst | startswith($d + "/"))) | .id'
}

acq_lines() {	# number of acquire events in the monitor output
	jq -c 'select(.event == "acquire")' "$MON" 2>/dev/null | wc -l
}

acq_at_least() { [ "$(acq_lines)" -ge "$1" ]; }

# A: policies only. B: XFRM policies and both SAs. SPIs also the reqids.
S4O=0x4001 S4I=0x4002 S6O=0x6001 S6I=0x6002
batch_begin
pol_pair kipsec "$NS_A" $A4/32 $B4/32 transport $A4 $B4 $S4O $S4I
pol_pair kipsec "$NS_A" $A6/128 $B6/128 transport $A6 $B6 $S6O $S6I
sa_pair xfrm "$NS_B" $A4 $B4 $S4O $S4I transport gcm128-128
pol_pair xfrm "$NS_B" $B4/32 $A4/32 transport $B4 $A4 $S4I $S4O
sa_pair xfrm "$NS_B" $A6 $B6 $S6O $S6I transport gcm128-128
pol_pair xfrm "$NS_B" $B6/128 $A6/128 transport $B6 $A6 $S6I $S6O
check "A: protect policies without SAs (kipsec); B: complete (XFRM)" batch_apply

MON=$KT_TMP/monitor.json
ip netns exec "$NS_A" "$KIPSEC" -j monitor >"$MON" 2>"$MON.err" &
MON_PID=$!
KT_PIDS+=("$MON_PID")
wait_for 60 grep -q listening "$MON.err"
result $? "kipsec monitor -j subscribed to the events group" "$(cat "$MON.err")"

# UDP receivers on B (IPv4 and IPv6), started before any traffic.
ip netns exec "$NS_B" nc -4 -u -l -n $B4 5555 >"$KT_TMP/udp4.out" 2>&1 &
KT_PIDS+=($!)
ip netns exec "$NS_B" nc -6 -u -l -n $B6 5556 >"$KT_TMP/udp6.out" 2>&1 &
KT_PIDS+=($!)
wait_for 20 sh -c "ip netns exec $NS_B ss -Huln 'sport = :5555' | grep -q . &&
	ip netns exec $NS_B ss -Huln 'sport = :5556' | grep -q ."

pcap=$KT_TMP/wire.pcap
capture_start "$NS_A" a0 "$pcap" "src host $A4 or src host $A6" || diag "tcpdump: $(cat "$pcap.log")"

# ---- 1. burst without SA: one ACQUIRE, 16 held, 4 overflow, timeout
POL4=$(pol_id "$NS_A" $B4)
d0=$(ns_counter "$NS_A" drop_acquire)
a0=$(ns_counter "$NS_A" acquires)
ip netns exec "$NS_A" bash -c "for i in \$(seq 1 20); do echo burst\$i >/dev/udp/$B4/5555; done" 2>/dev/null
d1=$(ns_counter "$NS_A" drop_acquire)	# first: the held ones time out later
wait_for 20 acq_at_least 1
sleep 0.5	# a second event would be here by now
n=$(acq_lines)
[ "$n" = 1 ]
result $? "burst of 20 UDP packets: exactly one ACQUIRE on the events group (saw $n)" \
	"monitor: $(cat "$MON" "$MON.err")"

ev=$(jq -c 'select(.event == "acquire")' "$MON" | head -n 1)
want="$POL4 out $A4/32 $B4/32 esp transport $S4O|$A4 $B4 17 5555 0"
got=$(jq -r '"\(.policy.id) \(.policy.dir) \(.policy.src) \(.policy.dst) \(.policy.tmpls[0].proto) \(.policy.tmpls[0].mode) \(.policy.tmpls[0].reqid | tostring)|\(.acquire.src) \(.acquire.dst) \(.acquire.proto) \(.acquire.dport) \(.acquire.tmpl)"' <<<"$ev" 2>&1)
want=${want/$S4O/$((S4O))}
[ "$got" = "$want" ]
result $? "ACQUIRE carries policy, selector, template and the packet's addresses/ports" \
	"got:  $got" "want: $want" "event: $ev"
sp=$(jq -r '.acquire.sport' <<<"$ev")
[ "${sp:-0}" -gt 0 ] 2>/dev/null
result $? "ACQUIRE carries the UDP source port ($sp)"

[ $((d1 - d0)) = 4 ]
result $? "queue bound 16: the 4 packets beyond it dropped at once as drop_acquire ($d0 -> $d1)"
a1=$(ns_counter "$NS_A" acquires)
[ $((a1 - a0)) = 1 ]
result $? "acquires counter moved by one ($a0 -> $a1)"

t0=$(date +%s)
wait_for 30 sh -c "[ \$(ip netns exec $NS_A $KIPSEC -j stats | jq '.[0].drop_acquire') -ge $((d0 + 20)) ]"
result $? "the 16 held packets time out: drop_acquire $d0 -> $(ns_counter "$NS_A" drop_acquire) after ~$(($(date +%s) - t0)) s"
pd=$(kipsec_json "$NS_A" policy list | jq -r --argjson id "$POL4" '.[] | select(.id == $id) | .stats.drop_acquire')
[ "${pd:-0}" -ge 20 ]
result $? "the policy counts them too (drop_acquire $pd)"
[ ! -s "$KT_TMP/udp4.out" ]
result $? "B received none of them" "B got: $(cat "$KT_TMP/udp4.out")"

# ---- 2. held packets go out once the SAs are there
q0=$(ns_counter "$NS_A" queued)
n0=$(acq_lines)
# The inbound SA first (the reply must find it; ACQUIRE is about the
# outbound one), then the ping: its request is held once the ACQUIRE is out.
sa_add kipsec "$NS_A" $B4 $A4 $S4I transport gcm128-128 >/dev/null
ip netns exec "$NS_A" ping -n -c 1 -W 30 $B4 >"$KT_TMP/ping4.out" 2>&1 &
PING4=$!
wait_for 20 acq_at_least $((n0 + 1))
result $? "new ACQUIRE once the interval passed ($(acq_lines) events so far)"
ip netns exec "$NS_A" bash -c "echo held-udp4 >/dev/udp/$B4/5555"
sa_add kipsec "$NS_A" $A4 $B4 $S4O transport gcm128-128 >/dev/null
result $? "A: outbound SA added (kipsec)"
wait_for 20 grep -q held-udp4 "$KT_TMP/udp4.out"
result $? "the held UDP datagram reached B's socket through XFRM" "B got: $(cat "$KT_TMP/udp4.out")"
wait "$PING4"
ping_rx "$KT_TMP/ping4.out"
[ "$RX" = 1 ]
result $? "the one held echo request was answered (1 request sent, $RX replies)" "$(cat "$KT_TMP/ping4.out")"
q1=$(ns_counter "$NS_A" queued)
[ $((q1 - q0)) -ge 2 ]
result $? "queued counted the held packets that went out ($q0 -> $q1)"
kipsec_json "$NS_A" state list >"$KT_TMP/sa4.json"
p=$(jq -r --argjson s "$((S4O))" '.[] | select(.spi == $s) | .stats.packets' "$KT_TMP/sa4.json")
[ "${p:-0}" -ge 2 ]
result $? "A's outbound SA encrypted them ($p packets)"

# ---- 3. IPv6
n0=$(acq_lines)
sa_add kipsec "$NS_A" $B6 $A6 $S6I transport gcm128-128 >/dev/null
ip netns exec "$NS_A" bash -c "echo held-udp6 >/dev/udp/$B6/5556"
wait_for 20 acq_at_least $((n0 + 1))
ip netns exec "$NS_A" ping -6 -n -c 1 -W 30 $B6 >"$KT_TMP/ping6.out" 2>&1 &
PING6=$!
sleep 1		# ping's request is held (not timed: the reply tells)
sa_add kipsec "$NS_A" $A6 $B6 $S6O transport gcm128-128 >/dev/null
result $? "A: IPv6 outbound SA added"
ev=$(jq -c 'select(.event == "acquire")' "$MON" | sed -n "$((n0 + 1))p")
got=$(jq -r '"\(.policy.dst) \(.acquire.src) \(.acquire.dst) \(.acquire.proto) \(.acquire.dport)"' <<<"$ev" 2>&1)
[ "$got" = "$B6/128 $A6 $B6 17 5556" ]
result $? "IPv6: ACQUIRE with the packet's addresses ($got)" "event: $ev"
wait_for 20 grep -q held-udp6 "$KT_TMP/udp6.out"
result $? "IPv6: the held UDP datagram reached B" "B got: $(cat "$KT_TMP/udp6.out")"
wait "$PING6"
ping_rx "$KT_TMP/ping6.out"
[ "$RX" = 1 ]
result $? "IPv6: the one held echo request was answered ($RX replies)" "$(cat "$KT_TMP/ping6.out")"

capture_stop
clear=$(tcpdump -n -r "$pcap" 'not esp and (udp or icmp or (icmp6 and ip6[40] == 128))' 2>/dev/null | wc -l)
esp=$(tcpdump -n -r "$pcap" esp 2>/dev/null | wc -l)
[ "$clear" = 0 ] && [ "$esp" -ge 4 ]
result $? "wire (a0): $esp ESP packets from A, $clear in clear" \
	"$(tcpdump -n -r "$pcap" 'not esp' 2>/dev/null | head -n 20)"

# ---- 4. freeing held packets: policy delete, namespace exit
n0=$(acq_lines)
ip netns exec "$NS_A" "$KIPSEC" state flush
ip netns exec "$NS_A" bash -c "for i in 1 2 3; do echo late\$i >/dev/udp/$B4/5555; done" 2>/dev/null
wait_for 20 acq_at_least $((n0 + 1))
d0=$(ns_counter "$NS_A" drop_acquire)
check "policy with held packets deleted" ip netns exec "$NS_A" "$KIPSEC" policy del id "$POL4"
d1=$(ns_counter "$NS_A" drop_acquire)
[ $((d1 - d0)) = 3 ]
result $? "its 3 held packets dropped and counted at once ($d0 -> $d1)"

NS_C=$(ns_new c)
link_pair "$NS_A" a1 "$NS_C" c0 && addr "$NS_A" a1 10.30.0.1/24 && addr "$NS_C" c0 10.30.0.2/24
ip netns exec "$NS_C" "$KIPSEC" policy add src 10.30.0.2/32 dst 10.30.0.1/32 dir out \
	tmpl proto esp mode transport reqid 9 >/dev/null
ip netns exec "$NS_C" bash -c "for i in 1 2 3; do echo x >/dev/udp/10.30.0.1/9; done" 2>/dev/null
ip netns exec "$NS_C" ping -q -n -c 1 -w 1 10.30.0.1 >/dev/null 2>&1
ip netns del "$NS_C"
# Namespace exit runs in a workqueue: wait until it is gone.
wait_for 30 sh -c "! ip netns list | grep -q '^$NS_C\\b'"
sleep 1
p=$(dmesg_problems)
[ -z "$p" ]
result $? "no kernel warnings (namespace with held packets deleted too)" "$p"
tap_done
