#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Timer-driven rekeying between two kipsec-keyd, both on kipsec, with
# short lifetimes (Child SA 60 s, IKE SA 70 s, rekey 48 s early, 4 s
# jitter): within about 30 s the timers rekey the Child SA (with PFS,
# ecp256) twice and the IKE SA once on each side, often at the same time
# (collisions, RFC 7296 2.8.1), while a ping at 10/s loses nothing; then
# both ends rekey at the same moment (their requests cross): one deletes
# its redundant pair, and one and the same new SA pair is left on each side. Then the kernel lifetimes: the SAs
# carry the configured soft/hard limits, and a soft EXPIRE from the module
# starts a rekey; skipped with the reason when the module has no lifetimes.
. "$(dirname "$0")/lib.sh"

KEYD=${KIPSEC_KEYD:-$KT_REPO/keyd/kipsec-keyd}
need ip ping jq "$KEYD"
plan 6

if ! our_side_ready || [ "$OUR" != kipsec ]; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi

PSK=kipsec-rekey-secret-0123456789abcdef
LOG=${KIPSEC_VM_OUT:-$KT_TMP}/ike_rekey_timers
mkdir -p "$LOG"

wait_for() {	# SECS CMD...: poll until CMD succeeds (wall clock)
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 1
	done
}
ping_start() {	# NAME NS SRC DST: a ping at 10/s
	ip netns exec "$2" ping -n -i 0.1 -I "$3" "$4" >"$KT_TMP/ping-$1.out" 2>&1 &
	eval "PING_$1=$!"
	KT_PIDS+=($!)
}
# ping_result NAME DESC MIN: lost = sequence numbers missing below the
# highest answered one (the last one may still be in flight at the stop)
ping_result() {
	local pid seqs max n lost
	eval "pid=\$PING_$1"
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	seqs=$(grep -o 'icmp_seq=[0-9]*' "$KT_TMP/ping-$1.out" | cut -d= -f2 | sort -n -u)
	n=$(grep -c . <<<"$seqs")
	max=$(tail -n 1 <<<"$seqs")
	lost=$((${max:-0} - n))
	[ "$lost" = 0 ] && [ "$n" -ge "$3" ]
	result $? "$2: $n echo replies at 10/s during the rekeys, $lost lost" \
		"$(tail -n 5 "$KT_TMP/ping-$1.out")"
}

# ------------------------------------------------------------ 2. keyd <-> keyd

kk_conf() {	# FILE LOCAL REMOTE LNET RNET START
	cat >"$1" <<-EOF
	daemon = { port = 500; log_level = "debug"; };
	connections = ( {
	    name = "kk";
	    local = { addr = "$2"; id = "fqdn:$2.test"; ts = [ "$4" ]; };
	    remote = { addr = "$3"; id = "fqdn:$3.test"; ts = [ "$5" ]; };
	    psk = "$PSK";
	    ike_proposals = [ "aes256gcm16-prfsha256-ecp256" ];
	    esp_proposals = [ "aes256gcm16-ecp256" ];
	    lifetime = { ike = 70; child = 60; rekey_margin = 48; jitter = 4; };
	    start_action = "$6";
	    reqid = 3;
	} );
	EOF
}

count_in() { grep -c "$2" "$LOG/$1" 2>/dev/null; }

keyd_part() {
	local sa sb rk_ok
	kk_conf "$KT_TMP/a.conf" "$A4" "$B4" 10.20.0.0/24 10.21.0.0/24 start
	kk_conf "$KT_TMP/b.conf" "$B4" "$A4" 10.21.0.0/24 10.20.0.0/24 none
	sa=$KT_TMP/a.sock sb=$KT_TMP/b.sock
	ip netns exec "$NS_B" "$KEYD" -c "$KT_TMP/b.conf" -s "$sb" 2>"$LOG/keyd-b.log" &
	KT_PIDS+=($!)
	wait_for 20 ip netns exec "$NS_B" "$KEYD" -s "$sb" --ctl sas
	ip netns exec "$NS_A" "$KEYD" -c "$KT_TMP/a.conf" -s "$sa" 2>"$LOG/keyd-a.log" &
	KT_PIDS+=($!)
	if ! wait_for 120 grep -q 'kk: Child SA installed' "$LOG/keyd-a.log" ||
	   ! wait_for 30 grep -q 'kk: Child SA installed' "$LOG/keyd-b.log"; then
		not_ok "keyd<->keyd: Child SA up"
		diag "$(tail -n 20 "$LOG/keyd-a.log" "$LOG/keyd-b.log")"
		return 1
	fi
	ok "keyd<->keyd: Child SA up (lifetimes: child 60 s, IKE 70 s, rekey 48 s early, jitter 4 s)"
	ping_start kk "$NS_A" 10.20.0.1 10.21.0.1
	rk_ok() {
		[ "$(count_in keyd-a.log 'kk: Child SA rekeyed')" -ge 2 ] &&
		[ "$(count_in keyd-b.log 'kk: Child SA rekeyed')" -ge 2 ] &&
		[ "$(count_in keyd-a.log 'kk: IKE SA rekeyed')" -ge 1 ] &&
		[ "$(count_in keyd-b.log 'kk: IKE SA rekeyed')" -ge 1 ]
	}
	wait_for 90 rk_ok
	result $? "keyd<->keyd: the timers rekeyed the Child SA twice and the IKE SA once" \
		"$(grep -h 'rekey\|simultaneous\|TEMPORARY' "$LOG/keyd-a.log" "$LOG/keyd-b.log" | tail -n 30)"
	sleep 1
	ping_result kk "keyd<->keyd" 100
	# both ends rekey the Child SA at the same moment (2.8.1): with the link
	# down both requests wait for their retransmission, which then cross
	BEFORE=$(kipsec_json "$NS_A" state list | jq -c '[.[].spi] | sort')
	ip -n "$NS_A" link set a0 down
	ip netns exec "$NS_A" "$KEYD" -s "$sa" --ctl rekey kk child >/dev/null 2>&1 &
	ip netns exec "$NS_B" "$KEYD" -s "$sb" --ctl rekey kk child >/dev/null 2>&1
	wait $!
	sleep 1
	ip -n "$NS_A" link set a0 up
	same_pair() {
		local a b
		a=$(kipsec_json "$NS_A" state list | jq -c '[.[].spi] | sort')
		b=$(kipsec_json "$NS_B" state list | jq -c '[.[].spi] | sort')
		[ "$(jq length <<<"$a")" = 2 ] && [ "$a" = "$b" ] && [ "$a" != "$BEFORE" ]
	}
	# a request met our own (collision); it resolves either by the nonces
	# (both answers arrive) or, if one exchange completed first, by the
	# other answer becoming moot (CHILD_SA_NOT_FOUND for the replaced pair)
	collided() { grep -q 'collides with ours' "$LOG/keyd-a.log" "$LOG/keyd-b.log"; }
	wait_for 60 collided && sleep 2 && wait_for 40 same_pair
	result $? "keyd<->keyd: both ends rekey at once: the collision resolves to the same single new SA pair on each side" \
		"$(grep -h 'rekey\|collides\|redundant\|Child SA' "$LOG/keyd-a.log" "$LOG/keyd-b.log" | grep -v debug | tail -n 20)" \
		"$(kipsec_json "$NS_A" state list | jq -c '[.[].spi]'; kipsec_json "$NS_B" state list | jq -c '[.[].spi]')"
	diag "$(grep -h 'simultaneous\|won a collision\|collides\|meanwhile' "$LOG/keyd-a.log" "$LOG/keyd-b.log" | tail -n 4)"
	# 3. kernel lifetimes on the installed SAs
	if grep -q 'SA lifetimes refused' "$LOG/keyd-a.log"; then
		skip "kernel lifetimes: SAs carry soft 12 s / hard 60 s" "module without KIPSEC_SA_A_LIFETIME yet"
		skip "EXPIRE-driven rekey" "module without lifetimes/EXPIRE events yet"
	else
		local l
		# whatever the CLI calls them: the limits counted from the SA's addition
		l=$(kipsec_json "$NS_A" state list | jq -c '[.[0] | .. | objects | to_entries[]
			| select((.key | test("add"; "i")) and (.value | type == "number"))
			| "\(.key)=\(.value)"]')
		grep -q '=12"' <<<"$l" && grep -q '=60"' <<<"$l"
		result $? "kernel lifetimes: SAs carry soft 12 s / hard 60 s ($l)" \
			"$(kipsec_json "$NS_A" state list)"
		# the kernel's soft limit is 12 s after install, the timer at 8..12 s:
		# an EXPIRE-driven rekey is logged when the kernel fires first
		if grep -q 'soft lifetime of SA .* reached, rekeying' "$LOG/keyd-a.log" "$LOG/keyd-b.log"; then
			ok "EXPIRE-driven rekey: a soft EXPIRE from the module started a rekey"
		else
			skip "EXPIRE-driven rekey" "the timers always rekeyed before the kernel's soft limit"
		fi
	fi
}

# ------------------------------------------------------------ run

topo_pair || { skip_rest "no topology"; tap_done; }
ip -n "$NS_A" addr add 10.20.0.1/32 dev lo && ip -n "$NS_B" addr add 10.21.0.1/32 dev lo
warm_up_algs gcm256-128
keyd_part || skip_rest "keyd<->keyd setup failed"
tap_done
