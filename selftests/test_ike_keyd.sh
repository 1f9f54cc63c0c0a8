#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kipsec-keyd against kipsec-keyd, both on the kipsec module, PSK:
#   - tunnel mode over IPv4 (10.20.0.0/16 === 10.21.0.0/16), A initiates,
#     B deletes;
#   - transport mode over IPv6 (fd10::1 === fd10::2), B initiates, A deletes.
# Pings must be answered, the SA counters on both hosts must move, and a
# Delete must leave no SA and no policy on either host.
. "$(dirname "$0")/lib.sh"

KEYD=${KIPSEC_KEYD:-$KT_REPO/keyd/kipsec-keyd}
need ip ping jq "$KEYD"
plan 11

if ! our_side_ready || [ "$OUR" != kipsec ]; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi

PSK=0x5d1f0a9e3b7c2d4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6
IN_A=10.20.0.1 IN_B=10.21.0.1
LOG=${KIPSEC_VM_OUT:-$KT_TMP}/ike_keyd
mkdir -p "$LOG"

# keyd_conf FILE LOCAL4 REMOTE4 LOCAL6 REMOTE6 LOCALNET REMOTENET ID REMOTE_ID
keyd_conf() {
	cat >"$1" <<-EOF
	daemon = { port = 500; log_level = "debug"; };
	connections = (
	    {
	        name = "net4";
	        local = { addr = "$2"; id = "fqdn:$8"; ts = [ "$6" ]; };
	        remote = { addr = "$3"; id = "fqdn:$9"; ts = [ "$7" ]; };
	        psk = "$PSK";
	        ike_proposals = [ "aes256gcm16-prfsha256-ecp256" ];
	        esp_proposals = [ "aes256gcm16" ];
	        mode = "tunnel";
	    },
	    {
	        name = "host6";
	        local = { addr = "$4"; id = "fqdn:$8"; };
	        remote = { addr = "$5"; id = "fqdn:$9"; };
	        psk = "$PSK";
	        ike_proposals = [ "aes128-sha256-x25519" ];
	        esp_proposals = [ "aes128-sha256" ];
	        mode = "transport";
	    }
	);
	EOF
}

wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.3
	done
}
ctl() {	# ctl NS CMD...
	local ns=$1
	shift
	ip netns exec "$ns" "$KEYD" -s "$KT_TMP/$ns.sock" --ctl "$@"
}
installed() { ctl "$1" sas | grep -q "^$2: INSTALLED"; }
nothing() { [ -z "$(ctl "$1" sas)" ]; }
kipsec_empty() {
	[ "$(kipsec_json "$1" state list | jq length)" = 0 ] &&
	[ "$(kipsec_json "$1" policy list | jq length)" = 0 ]
}
logs() {
	echo "--- A ---"
	tail -n 20 "$LOG/keyd-a.log"
	echo "--- B ---"
	tail -n 20 "$LOG/keyd-b.log"
}
# counters DESC: every SA on both hosts carried >= 3 packets.
counters() {
	local ns s n bad=0 c="" lines
	for ns in "$NS_A" "$NS_B"; do
		lines=$(kipsec_json "$ns" state list | jq -r '.[] | "\(.spi) \(.stats.packets // 0)"')
		[ "$(grep -c . <<<"$lines")" = 2 ] || bad=1
		while read -r s n; do
			c+="${ns##*-}:$s=$n "
			[ "${n:-0}" -ge 3 ] 2>/dev/null || bad=1
		done <<<"$lines"
	done
	result $bad "$1: all 4 SAs counted >= 3 packets ($c)" "$(logs)"
}

topo_pair && ip -n "$NS_A" addr add $IN_A/32 dev lo && ip -n "$NS_B" addr add $IN_B/32 dev lo
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }
# TCG: the first SA of an algorithm loads and self-tests kernel crypto for
# tens of seconds; do it now, not in the middle of an exchange.
warm_up_algs gcm256-128 cbc128-sha256

keyd_conf "$KT_TMP/a.conf" $A4 $B4 $A6 $B6 10.20.0.0/16 10.21.0.0/16 a.test b.test
keyd_conf "$KT_TMP/b.conf" $B4 $A4 $B6 $A6 10.21.0.0/16 10.20.0.0/16 b.test a.test
for h in a b; do
	ns=$NS_A
	[ $h = b ] && ns=$NS_B
	ip netns exec "$ns" "$KEYD" -c "$KT_TMP/$h.conf" -s "$KT_TMP/$ns.sock" 2>"$LOG/keyd-$h.log" &
	KT_PIDS+=($!)
done
wait_for 20 ctl "$NS_A" sas && wait_for 20 ctl "$NS_B" sas
result $? "both daemons started" "$(logs)"
check "configurations valid (--check-config, both hosts)" \
	sh -c '"$1" -c "$2" --check-config && "$1" -c "$3" --check-config' sh "$KEYD" "$KT_TMP/a.conf" "$KT_TMP/b.conf"

# ---- tunnel, IPv4, A initiates, B deletes
ctl "$NS_A" up net4 >/dev/null
if wait_for 240 installed "$NS_A" net4 && wait_for 10 installed "$NS_B" net4; then
	ok "net4 (tunnel, IPv4): A initiates, Child SA installed on both"
	out=$(ping_count "$NS_A" -c 3 -I $IN_A $IN_B)
	result $? "net4: ping $IN_A -> $IN_B through the tunnel ($out)" "$(cat "$KT_TMP/ping.out")"
	counters "net4"
else
	not_ok "net4 (tunnel, IPv4): A initiates, Child SA installed on both"
	diag "$(logs)"
	skip "ping" "no SA"
	skip "counters" "no SA"
fi
ctl "$NS_B" down net4 >/dev/null
wait_for 30 nothing "$NS_A" && wait_for 10 nothing "$NS_B" &&
	kipsec_empty "$NS_A" && kipsec_empty "$NS_B"
result $? "net4: Delete from B removes every SA and policy on both hosts" "$(logs)"

# ---- transport, IPv6, B initiates, A deletes
ctl "$NS_B" up host6 >/dev/null
if wait_for 240 installed "$NS_B" host6 && wait_for 10 installed "$NS_A" host6; then
	ok "host6 (transport, IPv6): B initiates, Child SA installed on both"
	out=$(ping_count "$NS_B" -c 3 $A6)
	result $? "host6: ping $B6 -> $A6 in ESP transport mode ($out)" "$(cat "$KT_TMP/ping.out")"
	counters "host6"
else
	not_ok "host6 (transport, IPv6): B initiates, Child SA installed on both"
	diag "$(logs)"
	skip "ping" "no SA"
	skip "counters" "no SA"
fi
ctl "$NS_A" down host6 >/dev/null
wait_for 30 nothing "$NS_A" && wait_for 10 nothing "$NS_B" &&
	kipsec_empty "$NS_A" && kipsec_empty "$NS_B"
result $? "host6: Delete from A removes every SA and policy on both hosts" "$(logs)"

tap_done
