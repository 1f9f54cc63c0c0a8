#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kipsec-keyd against strongSwan: host A runs kipsec-keyd on the kipsec
# module, host B runs strongSwan's charon on Linux XFRM. PSK, tunnel mode
# over IPv4 between 10.20.0.0/16 (behind A) and 10.21.0.0/16 (behind B),
# IKE aes256gcm16-prfsha256-ecp256, ESP aes256gcm16. Each side initiates
# once; a ping through the tunnel must be answered and move the kipsec SA
# counters; a Delete from either side must remove the SAs on both.
# Then a wrong PSK: refused with a clear log line, nothing installed.
. "$(dirname "$0")/lib.sh"

CHARON=${KIPSEC_CHARON:-/usr/lib/ipsec/charon}
KEYD=${KIPSEC_KEYD:-$KT_REPO/keyd/kipsec-keyd}
if [ ! -x "$CHARON" ] || ! command -v swanctl >/dev/null 2>&1; then
	plan 1
	skip "strongSwan interop" "strongSwan charon/swanctl not installed"
	exit 0
fi
need ip ping jq "$KEYD"
plan 17

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi

PSK=kipsec-interop-secret-0123456789
IN_A=10.20.0.1 IN_B=10.21.0.1
DA=$KT_TMP/keyd DB=$KT_TMP/swan
# the daemons' logs survive the VM when run with run-vm.sh --out
LOG=${KIPSEC_VM_OUT:-$KT_TMP}/ike_strongswan
mkdir -p "$DA" "$DB/run" "$DB/swanctl" "$LOG"
SOCK=$DA/keyd.sock VICI=unix://$DB/charon.vici

# ------------------------------------------------------------ configs

keyd_conf() {	# FILE PSK
	cat >"$1" <<-EOF
	daemon = {
	    port = 500;
	    log_level = "debug";
	};
	connections = (
	    {
	        name = "swan";
	        local = {
	            addr = "$A4";
	            id = "fqdn:kipsec.test";
	            auth = "psk";
	            ts = [ "10.20.0.0/16" ];
	        };
	        remote = {
	            addr = "$B4";
	            id = "fqdn:swan.test";
	            auth = "psk";
	            ts = [ "10.21.0.0/16" ];
	        };
	        psk = "$2";
	        ike_proposals = [ "aes256gcm16-prfsha256-ecp256" ];
	        esp_proposals = [ "aes256gcm16" ];
	        mode = "tunnel";
	        reqid = 7;
	        start_action = "none";
	    }
	);
	EOF
}
keyd_conf "$DA/keyd.conf" "$PSK"

cat >"$DB/strongswan.conf" <<EOF
charon {
	load = random nonce openssl kdf pem pkcs1 x509 revocation constraints pubkey kernel-netlink socket-default vici updown
	install_routes = no
	plugins {
		vici {
			socket = $VICI
		}
	}
	filelog {
		swan {
			path = $LOG/charon.log
			time_format = %T
			default = 1
			ike = 2
			knl = 2
			flush_line = yes
		}
	}
}
swanctl {
	load = pem pkcs1 x509 revocation constraints pubkey openssl random
}
EOF

cat >"$DB/swanctl/swanctl.conf" <<EOF
connections {
	kip {
		version = 2
		local_addrs = $B4
		remote_addrs = $A4
		proposals = aes256gcm16-prfsha256-ecp256
		mobike = no
		fragmentation = no
		local {
			auth = psk
			id = swan.test
		}
		remote {
			auth = psk
			id = kipsec.test
		}
		children {
			net {
				local_ts = 10.21.0.0/16
				remote_ts = 10.20.0.0/16
				esp_proposals = aes256gcm16
				mode = tunnel
				start_action = none
			}
		}
	}
}
secrets {
	ike-kip {
		id-a = swan.test
		id-b = kipsec.test
		secret = "$PSK"
	}
}
EOF

swan() {	# swanctl in B against our charon
	ip netns exec "$NS_B" env STRONGSWAN_CONF="$DB/strongswan.conf" SWANCTL_DIR="$DB/swanctl" \
		swanctl "$@" --uri "$VICI"
}
keyctl() {
	ip netns exec "$NS_A" "$KEYD" -s "$SOCK" --ctl "$@"
}
# wait_for SECS CMD...: poll CMD until it succeeds or SECS have passed
# (wall clock: under TCG one poll can take longer than its sleep).
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.3
	done
}
keyd_installed() { keyctl sas | grep -q 'swan: INSTALLED'; }
keyd_nothing() { [ -z "$(keyctl sas)" ]; }
swan_installed() { swan --list-sas | grep -q 'INSTALLED'; }
swan_nothing() { ! swan --list-sas | grep -q 'ESTABLISHED\|INSTALLED\|CONNECTING\|DELETING'; }
kipsec_empty() {
	[ "$(kipsec_json "$NS_A" state list | jq length)" = 0 ] &&
	[ "$(kipsec_json "$NS_A" policy list | jq length)" = 0 ]
}
# charon's per-socket bypass policies ("dir socket ...") stay: not SPD entries.
xfrm_empty() {
	[ -z "$(ip -n "$NS_B" xfrm state)" ] &&
	! ip -n "$NS_B" xfrm policy | grep -qE 'dir (in|out|fwd)'
}
logs() {
	echo "--- kipsec-keyd (A) ---"
	tail -n 25 "$LOG/keyd.log" 2>/dev/null
	echo "--- charon (B) ---"
	cat "$LOG/charon.log" "$LOG/charon.out" 2>/dev/null | grep -v 'loaded\|plugin' | tail -n 25
}

# ------------------------------------------------------------ setup

topo_pair && ip -n "$NS_A" addr add $IN_A/32 dev lo && ip -n "$NS_B" addr add $IN_B/32 dev lo
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }
# TCG: the first SA of an algorithm loads and self-tests kernel crypto for
# tens of seconds; do it now, not in the middle of an exchange.
warm_up_algs gcm256-128

ip netns exec "$NS_A" "$KEYD" -c "$DA/keyd.conf" -s "$SOCK" 2>"$LOG/keyd.log" &
KT_PIDS+=($!)
# charon's pid file is /run/charon.pid: give it a /run of its own
ip netns exec "$NS_B" sh -c 'mount --bind "$1" /run && shift &&
	exec env STRONGSWAN_CONF="$1" "$2"' sh "$DB/run" "$DB/strongswan.conf" "$CHARON" \
	>"$LOG/charon.out" 2>&1 &
KT_PIDS+=($!)
wait_for 20 keyctl sas
result $? "kipsec-keyd started in A, control socket answers" "$(logs)"
if wait_for 60 swan --stats; then
	swan --load-all >"$DB/load.out" 2>&1
	result $? "charon started in B, configuration loaded" "$(cat "$DB/load.out")" || {
		skip_rest "strongSwan setup failed"; tap_done; }
else
	not_ok "charon started in B, configuration loaded"
	diag "$(cat "$LOG/charon.out"; logs)"
	skip_rest "strongSwan did not start"
	tap_done
fi

# traffic DESC: pings A->B through the tunnel and checks both kipsec SAs counted them.
traffic() {
	local out spis s n bad=0 c=""
	out=$(ping_count "$NS_A" -c 3 -I $IN_A $IN_B)
	result $? "$1: ping $IN_A -> $IN_B through the tunnel ($out)" "$(cat "$KT_TMP/ping.out")"
	spis=$(kipsec_json "$NS_A" state list | jq -r '.[] | "\(.spi) \(.stats.packets // 0)"')
	[ "$(wc -l <<<"$spis")" = 2 ] || bad=1
	while read -r s n; do
		c+="spi $s: $n packets; "
		[ "${n:-0}" -ge 3 ] 2>/dev/null || bad=1
	done <<<"$spis"
	result $bad "$1: both kipsec SAs counted >= 3 packets ($c)" "$spis"
}

# ------------------------------------------------------------ kipsec initiates

keyctl up swan >"$KT_TMP/up.out" 2>&1
if wait_for 240 keyd_installed && wait_for 10 swan_installed; then
	ok "kipsec-keyd initiates: IKE and Child SA up on both sides"
	diag "$(keyctl sas)"
	traffic "kipsec-keyd initiated"
else
	not_ok "kipsec-keyd initiates: IKE and Child SA up on both sides"
	diag "$(cat "$KT_TMP/up.out"; logs)"
	skip "ping" "no SA"
	skip "counters" "no SA"
fi
keyctl down swan >/dev/null 2>&1
wait_for 30 keyd_nothing && wait_for 10 kipsec_empty
result $? "delete from kipsec-keyd: SAs and policies gone from kipsec" \
	"$(keyctl sas; kipsec_json "$NS_A" state list; logs)"
wait_for 60 swan_nothing && wait_for 60 xfrm_empty
result $? "delete from kipsec-keyd: strongSwan removed its IKE/Child SA and XFRM state" \
	"$(swan --list-sas; ip -n "$NS_B" xfrm state; ip -n "$NS_B" xfrm policy; logs)"

# ------------------------------------------------------------ strongSwan initiates

timeout 230 bash -c "$(declare -f swan); NS_B=$NS_B DB=$DB VICI=$VICI; swan --initiate --child net --timeout 200" \
	>"$KT_TMP/init.out" 2>&1
if wait_for 30 keyd_installed && wait_for 10 swan_installed; then
	ok "strongSwan initiates: IKE and Child SA up on both sides"
	diag "$(keyctl sas)"
	traffic "strongSwan initiated"
else
	not_ok "strongSwan initiates: IKE and Child SA up on both sides"
	diag "$(tail -n 20 "$KT_TMP/init.out"; logs)"
	skip "ping" "no SA"
	skip "counters" "no SA"
fi
swan --terminate --ike kip --timeout 30 >"$KT_TMP/term.out" 2>&1
wait_for 30 keyd_nothing && wait_for 10 kipsec_empty
result $? "delete from strongSwan: SAs and policies gone from kipsec" \
	"$(cat "$KT_TMP/term.out"; keyctl sas; kipsec_json "$NS_A" state list; logs)"
wait_for 60 swan_nothing && wait_for 60 xfrm_empty
result $? "delete from strongSwan: its own IKE/Child SA and XFRM state gone" \
	"$(swan --list-sas; ip -n "$NS_B" xfrm state; ip -n "$NS_B" xfrm policy; logs)"

# ------------------------------------------------------------ wrong PSK

# Restart kipsec-keyd with another secret: both directions must fail
# cleanly, with the reason in the log and nothing in either kernel.
kill "${KT_PIDS[0]}" 2>/dev/null
wait "${KT_PIDS[0]}" 2>/dev/null
keyd_conf "$DA/keyd.conf" "not-the-$PSK"
mv "$LOG/keyd.log" "$LOG/keyd-1.log"
ip netns exec "$NS_A" "$KEYD" -c "$DA/keyd.conf" -s "$SOCK" 2>"$LOG/keyd.log" &
KT_PIDS+=($!)
wait_for 20 keyctl sas
timeout 60 bash -c "$(declare -f swan); NS_B=$NS_B DB=$DB VICI=$VICI; swan --initiate --child net --timeout 40" \
	>"$KT_TMP/init2.out" 2>&1
wait_for 20 grep -q 'IKE_AUTH failed with 10.10.0.2: AUTHENTICATION_FAILED, PSK mismatch' "$LOG/keyd.log"
result $? "wrong PSK, strongSwan initiates: kipsec-keyd logs the PSK mismatch" "$(logs)"
wait_for 10 kipsec_empty && keyd_nothing && swan_nothing && xfrm_empty
result $? "wrong PSK, strongSwan initiates: no SA on either side" \
	"$(keyctl sas; swan --list-sas; ip -n "$NS_B" xfrm state; ip -n "$NS_B" xfrm policy; logs)"
keyctl up swan >/dev/null 2>&1
wait_for 60 grep -q 'IKE_AUTH failed with 10.10.0.2: AUTHENTICATION_FAILED' "$LOG/keyd.log" && \
	wait_for 20 keyd_nothing
result $? "wrong PSK, kipsec-keyd initiates: refused by strongSwan, logged, nothing left" \
	"$(keyctl sas; logs)"
kipsec_empty && swan_nothing && xfrm_empty
result $? "wrong PSK, kipsec-keyd initiates: no SA in either kernel" \
	"$(swan --list-sas; ip -n "$NS_B" xfrm state; ip -n "$NS_B" xfrm policy; logs)"
diag "$(grep -h 'AUTHENTICATION_FAILED' "$LOG/keyd.log")"

tap_done
