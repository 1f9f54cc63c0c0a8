#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# SA lifetimes, kipsec (B) against Linux XFRM (A), transport mode: one
# association per limit kind, the limit on B's outbound SA (B->A):
#   1 packets  soft 5 / hard 10 after the current count (set by UPDATE):
#              exactly 10 echo requests pass, then none
#   2 bytes    soft 300 / hard 600 bytes past the current count (UPDATE)
#   3 add-time soft 2 s / hard 4 s (given at ADD)
#   4 use-time soft 2 s / hard 4 s (at ADD): nothing while unused, then
#              counted from the first packet
# Each: the EXPIRE events (captured with `kipsec -j monitor`), soft exactly
# once and before hard, the SA gone after the hard one, traffic stopped;
# `state list` shows the limits and the current use.
. "$(dirname "$0")/lib.sh"

need ip ping jq
plan 33

if ! our_side_ready || [ "$OUR" != kipsec ]; then
	skip_rest "kipsec module or CLI missing (lifetimes are kipsec's)"
	tap_done
fi
warm_up_algs gcm128-128
topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }
dmesg_mark

batch_begin
for k in 1 2 3 4; do
	assoc_add xfrm kipsec transport gcm128-128 4
done
check "4 associations installed (A=xfrm B=kipsec)" batch_apply

EV=$KT_TMP/events.json
ip netns exec "$NS_B" "$KIPSEC" -j monitor >"$EV" 2>"$EV.err" &
MON=$!
KT_PIDS+=("$MON")
# Subscribed once its netlink socket exists (the group is joined right after).
for _ in $(seq 50); do
	ls -l /proc/$MON/fd 2>/dev/null | grep -q socket && break
	sleep 0.1
done
sleep 0.5

# spi K: B's outbound SPI of association K (decimal)
spi() { echo $((0x2000 + $1)); }

# events K hard|soft: how many EXPIRE events of that kind for association K
events() {
	local h=false
	[ "$2" = hard ] && h=true
	jq -c --argjson spi "$(spi "$1")" --argjson h $h \
		'select(.event == "expire" and .sa.spi == $spi and .hard == $h)' "$EV" 2>/dev/null | wc -l
}

# event_field K hard|soft JQ: a field of that event
event_field() {
	local h=false
	[ "$2" = hard ] && h=true
	jq -r --argjson spi "$(spi "$1")" --argjson h $h \
		"select(.event == \"expire\" and .sa.spi == \$spi and .hard == \$h) | $3" \
		"$EV" 2>/dev/null | head -n 1
}

# wait_event K hard|soft SECS
wait_event() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(events "$1" "$2")" -ge 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# sa_json K: B's outbound SA of association K as the CLI lists it ("" if gone)
sa_json() {
	kipsec_json "$NS_B" state list | jq -c --argjson spi "$(spi "$1")" '.[] | select(.spi == $spi)'
}

# pings K COUNT [ping args]: echo requests B->A on association K; sets RX
pings() {
	local k=$1 n=$2
	shift 2
	ip netns exec "$NS_B" ping -q -n -c "$n" -i 0.1 -W 2 "$@" -I "${ASSOC_PB[k]}" \
		"${ASSOC_PA[k]}" >"$KT_TMP/ping.$k" 2>&1
	ping_rx "$KT_TMP/ping.$k"
}

# expired_checks K WHAT: soft once, hard once, SA gone, traffic stopped (4 TAP lines)
expired_checks() {
	local k=$1 what=$2 s h
	s=$(events "$k" soft) h=$(events "$k" hard)
	[ "$s" = 1 ]
	result $? "$what: soft EXPIRE sent exactly once ($s)" "events: $(cat "$EV")"
	[ "$h" = 1 ]
	result $? "$what: hard EXPIRE sent once ($h)" "events: $(cat "$EV")"
	[ -z "$(sa_json "$k")" ]
	result $? "$what: SA $(spi "$k") removed after the hard expiry" "$(sa_json "$k")"
	pings "$k" 3
	[ "$RX" = 0 ]
	result $? "$what: traffic stopped ($RX/3 replies)" "$(cat "$KT_TMP/ping.$k")"
}

# --- 3, 4: time limits given at ADD (B's outbound SA replaced before any traffic)
for k in 3 4; do
	ipsec kipsec "$NS_B" state del src "${ASSOC_PB[k]}" dst "${ASSOC_PA[k]}" proto esp spi "$(spi $k)"
done
sa_add kipsec "$NS_B" "${ASSOC_PB[3]}" "${ASSOC_PA[3]}" "$(spi 3)" transport gcm128-128 \
	limit time-soft 2 limit time-hard 4
r3=$?
sa_add kipsec "$NS_B" "${ASSOC_PB[4]}" "${ASSOC_PA[4]}" "$(spi 4)" transport gcm128-128 \
	limit time-use-soft 2 time-use-hard 4
r4=$?
[ $r3 = 0 ] && [ $r4 = 0 ]
result $? "SAs with time limits added (limit time-soft/time-hard, time-use-soft/time-use-hard)"
T0=$SECONDS
j=$(sa_json 3)
[ "$(jq -r '.lifetime.soft_add_secs, .lifetime.hard_add_secs' <<<"$j" | xargs)" = "2 4" ] &&
[ "$(jq -r '.current.use_secs' <<<"$j")" = null ]
result $? "state list -j: add-time limits 2/4 s, never used" "$j"
txt=$(ip netns exec "$NS_B" "$KIPSEC" state list src "${ASSOC_PB[4]}")
grep -q "expire use: soft 2(sec), hard 4(sec)" <<<"$txt" && grep -q "use never" <<<"$txt"
result $? "state list: use-time limits and 'use never' in text" "$txt"

# --- 1: packets (UPDATE on a used SA)
pings 1 2
c0=$(sa_json 1 | jq -r '.current.packets')
ipsec kipsec "$NS_B" state update src "${ASSOC_PB[1]}" dst "${ASSOC_PA[1]}" proto esp spi "$(spi 1)" \
	limit packet-soft $((c0 + 5)) packet-hard $((c0 + 10))
result $? "update: packet limits $((c0 + 5))/$((c0 + 10)) after $c0 packets"
txt=$(ip netns exec "$NS_B" "$KIPSEC" state list src "${ASSOC_PB[1]}")
grep -q "limit: soft $((c0 + 5))(packets), hard $((c0 + 10))(packets)" <<<"$txt" &&
grep -q "lifetime current:" <<<"$txt" && grep -q "^	  $(sa_json 1 | jq -r '.current.bytes')(bytes), $c0(packets)" <<<"$txt"
result $? "state list: packet limits and current use in text" "$txt"
pings 1 20
[ "$RX" = 10 ]
result $? "packets: exactly 10 echo requests passed after the update ($RX/20 replies)" \
	"$(cat "$KT_TMP/ping.1")"
wait_event 1 hard 10
p=$(event_field 1 soft .sa.current.packets)
[ "${p:-0}" -ge $((c0 + 5)) ] && [ "${p:-0}" -lt $((c0 + 10)) ] &&
[ "$(event_field 1 soft .sa.expired)" = soft ]
result $? "packets: soft event at $p packets, SA marked soft-expired" "events: $(cat "$EV")"
expired_checks 1 packets

# --- 2: bytes
pings 2 2 -s 72
j=$(sa_json 2)
b0=$(jq -r '.current.bytes' <<<"$j") p0=$(jq -r '.current.packets' <<<"$j")
per=$((b0 / p0))
ipsec kipsec "$NS_B" state update src "${ASSOC_PB[2]}" dst "${ASSOC_PA[2]}" proto esp spi "$(spi 2)" \
	limit byte-soft $((b0 + 300)) limit byte-hard $((b0 + 600))
pings 2 20 -s 72
want=$(((600 + per - 1) / per))
[ "$RX" = "$want" ]
result $? "bytes: $RX echo requests of $per bytes passed, $want expected" "$(cat "$KT_TMP/ping.2")"
wait_event 2 hard 10
b=$(event_field 2 soft .sa.current.bytes) bh=$(event_field 2 hard .sa.current.bytes)
[ "${b:-0}" -ge $((b0 + 300)) ] && [ "${b:-0}" -lt $((b0 + 600)) ] && [ "${bh:-0}" -ge $((b0 + 600)) ]
result $? "bytes: soft event at $b, hard at $bh bytes (limits $((b0 + 300))/$((b0 + 600)))" \
	"events: $(cat "$EV")"
expired_checks 2 bytes

# --- 4: use time, no expiry while unused (> its hard limit since ADD)
while [ $((SECONDS - T0)) -lt 5 ]; do sleep 0.5; done
[ "$(events 4 soft)$(events 4 hard)" = 00 ] && [ -n "$(sa_json 4)" ]
result $? "use-time: no EXPIRE for an unused SA after $((SECONDS - T0)) s" "events: $(cat "$EV")"

# --- 3: add time (its hard limit, 4 s, has passed by now)
wait_event 3 hard 10
s=$(event_field 3 soft .sa.current.add_secs) h=$(event_field 3 hard .sa.current.add_secs)
[ "${s:-0}" -ge 2 ] && [ "${h:-0}" -ge 4 ] && [ "${s:-0}" -lt "${h:-0}" ]
result $? "add-time: soft event at $s s, hard at $h s after ADD" "events: $(cat "$EV")"
expired_checks 3 add-time

# --- 4: first use starts the clock
U0=$SECONDS
pings 4 1
[ "$RX" = 1 ]
result $? "use-time: first packet passes ($RX/1)" "$(cat "$KT_TMP/ping.4")"
wait_event 4 hard 15
s=$(event_field 4 soft .sa.current.use_secs) h=$(event_field 4 hard .sa.current.use_secs)
[ "${s:-0}" -ge 2 ] && [ "${h:-0}" -ge 4 ] && [ $((SECONDS - U0)) -ge 4 ]
result $? "use-time: soft at $s s, hard at $h s after first use ($((SECONDS - U0)) s)" \
	"events: $(cat "$EV")"
expired_checks 4 use-time

# Nothing else was reported: one soft and one hard event per association.
n=$(jq -c 'select(.event == "expire")' "$EV" | wc -l)
[ "$n" = 8 ]
result $? "8 EXPIRE events in all ($n)" "events: $(cat "$EV")"

p=$(dmesg_problems)
[ -z "$p" ]
result $? "no kernel warnings" "$p"
tap_done
