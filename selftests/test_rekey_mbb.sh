#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make-before-break rekeying and SA update in place, transport mode.
# Phase 1: Linux XFRM (A) and kipsec (B); phase 2: kipsec on both sides.
# Pings both ways at a high rate (ping -i 0.005) run through many rekeys,
# each one: new inbound SA on both sides, new outbound SA with the same
# reqid (the newest wins outbound), the outbound SA of two generations ago
# deleted (XFRM drops packets still in flight on a deleted SA, so the old
# one stays one rekey longer), the inbound one of KEEP_IN generations ago.
# Not one echo may be lost. Per rekey each side
# applies its changes in one batch (ip -batch, kipsec -b) so the loop is
# not dominated by exec costs under TCG (one long-lived batch process per
# side, fed command groups through a FIFO and acknowledging each).
# Phase 2 then updates an SA's lifetimes and moves all four SAs to new
# addresses (NEW_SRC/NEW_DST): traffic follows, counters carry over.
. "$(dirname "$0")/lib.sh"

need ip ping jq nsenter
REKEYS1=${KIPSEC_REKEYS:-100}
REKEYS2=10
# Old inbound SAs are kept this many generations: a packet the sender
# encrypted just before its switch may sit in a queue for a while under TCG.
KEEP_IN=5
plan 19

if ! our_side_ready || [ "$OUR" != kipsec ]; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi
warm_up_algs gcm128-128
topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }
dmesg_mark

# SPIs: A->B 0x10000+i (reqid 1), B->A 0x20000+i (reqid 2); i = generation
ab() { printf '0x%x' $((0x10000 + $1)); }
ba() { printf '0x%x' $((0x20000 + $1)); }

# add_line SRC DST SPI REQID: one SA in ip xfrm syntax (keys from the SPI)
add_line() {
	alg_args gcm128-128 $(($3 & 0xff ^ ($3 >> 16)))
	echo "state add src $1 dst $2 proto esp spi $3 reqid $4 mode transport replay-window 64 ${ALGV[*]}"
}

del_line() {
	echo "state del src $1 dst $2 proto esp spi $3"
}

# apply IMPL NS FILE: run the commands of FILE on one side, in one process
apply() {
	case $1 in
	xfrm) sed 's/^/xfrm /' "$3" | ip -n "$2" -batch - ;;
	kipsec) nsenter --net=/run/netns/"$2" "$KIPSEC" -b "$3" >/dev/null ;;
	esac
}

# side_start SIDE IMPL NS: a batch process that stays up for the whole phase
# (an exec per rekey costs seconds under a loaded TCG), fed through a FIFO.
# Each command is acknowledged: kipsec -j prints one line ("[]") per
# command; ip gets a marker command (one line with -o) after each group.
declare -A SIDE_W SIDE_R SIDE_IMPL SIDE_PID
side_start() {
	local side=$1 impl=$2 ns=$3 w r
	rm -f "$KT_TMP/$side.in" "$KT_TMP/$side.out"
	mkfifo "$KT_TMP/$side.in" "$KT_TMP/$side.out" || return 1
	case $impl in
	xfrm) ip -n "$ns" -o -batch - <"$KT_TMP/$side.in" >"$KT_TMP/$side.out" 2>&1 & ;;
	kipsec) nsenter --net=/run/netns/"$ns" "$KIPSEC" -j -b - \
		<"$KT_TMP/$side.in" >"$KT_TMP/$side.out" 2>&1 & ;;
	esac
	SIDE_PID[$side]=$!
	KT_PIDS+=($!)
	exec {w}>"$KT_TMP/$side.in" {r}<"$KT_TMP/$side.out"
	SIDE_W[$side]=$w SIDE_R[$side]=$r SIDE_IMPL[$side]=$impl
}

side_stop() {
	local side=$1 w=${SIDE_W[$1]} r=${SIDE_R[$1]}
	exec {w}>&- {r}<&-
	# The other side's process inherited our FIFO's write end: no EOF comes.
	kill "${SIDE_PID[$side]}" 2>/dev/null
	wait "${SIDE_PID[$side]}" 2>/dev/null
}

# setup IMPL_A IMPL_B PLEN: generation 0 SAs, policies, B's inbound of generation 1
setup() {
	local ia=$1 ib=$2 plen=$3
	{
		add_line $A4 $B4 "$(ab 0)" 1
		add_line $B4 $A4 "$(ba 0)" 2
	} >"$KT_TMP/a0"
	{
		add_line $A4 $B4 "$(ab 0)" 1
		add_line $B4 $A4 "$(ba 0)" 2
		add_line $A4 $B4 "$(ab 1)" 1
	} >"$KT_TMP/b0"
	apply "$ia" "$NS_A" "$KT_TMP/a0" && apply "$ib" "$NS_B" "$KT_TMP/b0" &&
	pol_pair "$ia" "$NS_A" $A4/"$plen" $B4/"$plen" transport $A4 $B4 1 2 &&
	pol_pair "$ib" "$NS_B" $B4/"$plen" $A4/"$plen" transport $B4 $A4 2 1
}

# ping_loop NS SRC DST FILE: pings until $STOP exists, each run complete
# (ping -c ends after the last reply or its linger time: nothing in flight
# is counted as lost).
ping_loop() {
	while [ ! -e "$STOP" ]; do
		ip netns exec "$1" ping -q -n -c 300 -i 0.005 -W 3 -I "$2" "$3" 2>&1
	done >"$4"
}

# losses FILE: "sent received duplicates" summed over the runs of a ping loop
losses() {
	awk '/packets transmitted/ { s += $1; r += $4; if ($6 ~ /^\+/) d += substr($6, 2) }
	     END { printf "%d %d %d\n", s, r, d }' "$1"
}

# side_run SIDE LINE...: the commands, waiting until all are done. No fork
# here: the loop runs hundreds of times on a loaded TCG guest.
side_run() {
	local side=$1 line i
	shift
	case ${SIDE_IMPL[$side]} in
	xfrm)
		printf 'xfrm %s\n' "$@" >&"${SIDE_W[$side]}"
		echo "link show dev lo" >&"${SIDE_W[$side]}"
		read -t 120 -r line <&"${SIDE_R[$side]}" || { echo "$side: no answer"; return 1; }
		[[ $line == "1: lo:"* ]] || { echo "$side: $line"; return 1; } ;;
	kipsec)
		printf '%s\n' "$@" >&"${SIDE_W[$side]}"
		for ((i = 0; i < $#; i++)); do
			read -t 120 -r line <&"${SIDE_R[$side]}" || { echo "$side: no answer"; return 1; }
			[ "$line" = "[]" ] || { echo "$side: $line"; return 1; }
		done ;;
	esac
}

# add_v VAR SRC DST SPI REQID / del_v VAR SRC DST SPI: set VAR to the command
add_v() {
	alg_args gcm128-128 $(($4 & 0xff ^ ($4 >> 16)))
	printf -v "$1" 'state add src %s dst %s proto esp spi 0x%x reqid %s mode transport replay-window 64 %s' \
		"$2" "$3" "$4" "$5" "${ALGV[*]}"
}

del_v() {
	printf -v "$1" 'state del src %s dst %s proto esp spi 0x%x' "$2" "$3" "$4"
}

# rekey IMPL_A IMPL_B N: N make-before-break rekeys; 0 if every command passed
rekey() {
	local n=$3 i g rc=0 c ra rb
	local AB=$((0x10000)) BA=$((0x20000))
	for ((i = 1; i <= n; i++)); do
		ra=() rb=()
		add_v c $B4 $A4 $((BA + i)) 2; ra+=("$c")
		add_v c $A4 $B4 $((AB + i)) 1; ra+=("$c")
		[ $i -ge 2 ] && { del_v c $A4 $B4 $((AB + i - 2)); ra+=("$c"); }
		[ $i -ge $KEEP_IN ] && { del_v c $B4 $A4 $((BA + i - KEEP_IN)); ra+=("$c"); }
		[ $i -lt "$n" ] && { add_v c $A4 $B4 $((AB + i + 1)) 1; rb+=("$c"); }
		add_v c $B4 $A4 $((BA + i)) 2; rb+=("$c")
		[ $i -ge 2 ] && { del_v c $B4 $A4 $((BA + i - 2)); rb+=("$c"); }
		[ $i -ge $KEEP_IN ] && { del_v c $A4 $B4 $((AB + i - KEEP_IN)); rb+=("$c"); }
		side_run a "${ra[@]}" || { rc=1; echo "A failed at rekey $i"; break; }
		side_run b "${rb[@]}" || { rc=1; echo "B failed at rekey $i"; break; }
		[ $((i % 20)) = 0 ] && echo "# rekey $i at $SECONDS s" >&2
	done
	[ $rc = 0 ] || { REKEYED=$((i - 1)); return 1; }
	# The generations still overlapping go once the last switch has settled.
	sleep 1
	ra=() rb=()
	del_v c $A4 $B4 $((AB + n - 1)); ra+=("$c")
	del_v c $B4 $A4 $((BA + n - 1)); rb+=("$c")
	for ((g = n - KEEP_IN + 1; g < n; g++)); do
		[ $g -ge 0 ] || continue
		del_v c $B4 $A4 $((BA + g)); ra+=("$c")
		del_v c $A4 $B4 $((AB + g)); rb+=("$c")
	done
	side_run a "${ra[@]}" && side_run b "${rb[@]}" || { rc=1; echo "final deletes failed"; }
	REKEYED=$((i - 1))
	return $rc
}

# run_phase NAME IMPL_A IMPL_B N: rekeys under pings both ways (3 TAP lines)
run_phase() {
	local name=$1 ia=$2 ib=$3 n=$4 t0 p1 p2 s r d rc
	STOP=$KT_TMP/stop.$name
	rm -f "$STOP"
	ping_loop "$NS_A" $A4 $B4 "$KT_TMP/pab.$name" &
	p1=$!
	ping_loop "$NS_B" $B4 $A4 "$KT_TMP/pba.$name" &
	p2=$!
	KT_PIDS+=("$p1" "$p2")
	sleep 1
	side_start a "$ia" "$NS_A" && side_start b "$ib" "$NS_B"
	t0=$SECONDS
	rekey "$ia" "$ib" "$n" 2>&1 >"$KT_TMP/rekey.$name"
	rc=$?
	side_stop a
	side_stop b
	result $rc "$name: $REKEYED rekeys in $((SECONDS - t0)) s (A=$ia B=$ib)" "$(cat "$KT_TMP/rekey.$name")"
	sleep 1
	touch "$STOP"
	wait "$p1" "$p2"
	read -r s r d < <(losses "$KT_TMP/pab.$name")
	[ "$s" -ge 100 ] && [ "$s" = "$r" ] && [ "$d" = 0 ]
	result $? "$name: A->B echo: $s sent, $r answered, $d duplicates" "$(tail -n 12 "$KT_TMP/pab.$name")"
	read -r s r d < <(losses "$KT_TMP/pba.$name")
	[ "$s" -ge 100 ] && [ "$s" = "$r" ] && [ "$d" = 0 ]
	result $? "$name: B->A echo: $s sent, $r answered, $d duplicates" "$(tail -n 12 "$KT_TMP/pba.$name")"
}

# sa_field NS SPI JQ: a field of one kipsec SA
sa_field() {
	kipsec_json "$1" state list | jq -r --argjson spi "$(($2))" ".[] | select(.spi == \$spi) | $3"
}

# ------------------------------------------------ phase 1: XFRM -- kipsec
check "phase 1: generation 0 SAs and policies (A=xfrm B=kipsec)" setup xfrm kipsec 32
run_phase "xfrm-kipsec" xfrm kipsec "$REKEYS1"
N=$REKEYS1
pin=$(sa_field "$NS_B" "$(ab $N)" .stats.packets) pout=$(sa_field "$NS_B" "$(ba $N)" .stats.packets)
px=$(sa_packets xfrm "$NS_A" "$(ab $N)")
nout=$(kipsec_json "$NS_B" state list | jq --argjson r 2 '[.[] | select(.reqid == $r)] | length')
[ "${pin:-0}" -gt 0 ] && [ "${pout:-0}" -gt 0 ] && [ "${px:-0}" -gt 0 ] && [ "$nout" = 1 ]
result $? "phase 1: newest SAs carry the traffic (B in $pin, B out $pout, A out $px packets; B outbound SAs $nout)" \
	"$(ip netns exec "$NS_B" "$KIPSEC" state list)"
dr=""
for r in nosa nosa_out replay auth; do
	dr+="$r=$(drop_count kipsec "$NS_B" $r) "
done
[[ $dr =~ ^(nosa=0\ nosa_out=0\ replay=0\ auth=0\ )$ ]]
result $? "phase 1: kipsec dropped nothing ($dr)"

# ----------------------------------------------- phase 2: kipsec -- kipsec
ipsec_flush xfrm "$NS_A"
ipsec_flush kipsec "$NS_B" >/dev/null
check "phase 2: generation 0 SAs and policies (kipsec on both sides)" setup kipsec kipsec 16
run_phase "kipsec-kipsec" kipsec kipsec "$REKEYS2"
N=$REKEYS2

# Lifetimes changed in place on the live outbound SA of B.
ipsec kipsec "$NS_B" state update src $B4 dst $A4 spi "$(ba $N)" \
	limit time-hard 3600 time-soft 1800 byte-soft 100000000
result $? "update: lifetimes of B's live outbound SA"
l=$(sa_field "$NS_B" "$(ba $N)" '.lifetime | "\(.hard_add_secs) \(.soft_add_secs) \(.soft_bytes) \(.hard_bytes)"')
[ "$l" = "3600 1800 100000000 0" ]
result $? "update: state list shows the new limits ($l)"
ping_ok "update: traffic goes on after the update" "$NS_B" -c 5 -I $B4 $A4

# Move all four SAs to new addresses (keys, counters, replay state kept).
A2=10.10.200.1 B2=10.10.200.2
ip -n "$NS_A" addr add $A2/16 dev a0 && ip -n "$NS_B" addr add $B2/16 dev b0
before=$(sa_field "$NS_B" "$(ba $N)" .stats.packets)
{
	echo "state update src $A4 dst $B4 spi $(ab $N) new-src $A2 new-dst $B2"
	echo "state update src $B4 dst $A4 spi $(ba $N) new-src $B2 new-dst $A2"
} >"$KT_TMP/move"
apply kipsec "$NS_A" "$KT_TMP/move" && apply kipsec "$NS_B" "$KT_TMP/move"
result $? "update: new-src/new-dst on both SAs of both sides"
ping_ok "moved SAs carry traffic between the new addresses" "$NS_B" -c 5 -I $B2 $A2
ping_fails "the old addresses have no SA any more" "$NS_B" -c 2 -I $B4 $A4
j=$(kipsec_json "$NS_B" state list | jq -c --argjson spi "$(($(ba $N)))" '.[] | select(.spi == $spi)')
after=$(jq -r .stats.packets <<<"$j")
[ "$(jq -r '"\(.src) \(.dst)"' <<<"$j")" = "$B2 $A2" ] && [ "${after:-0}" -gt "${before:-0}" ]
result $? "moved SA lists $B2 -> $A2, its counter went on ($before -> $after packets)" "$j"

p=$(dmesg_problems)
[ -z "$p" ]
result $? "no kernel warnings" "$p"
tap_done
