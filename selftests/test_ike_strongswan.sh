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

. "$(dirname "$0")/ike_lib.sh"
if ! ike_have_swan; then
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
DA=$KT_TMP/keyd DB=$(swan_dir b)
mkdir -p "$DA" "$DB/swanctl"

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

keyd_installed() { keyctl a sas | grep -q 'swan: INSTALLED'; }
keyd_nothing() { [ -z "$(keyctl a sas)" ]; }
swan_installed() { swan b --list-sas | grep -q 'INSTALLED'; }
swan_nothing() { ! swan b --list-sas | grep -q 'ESTABLISHED\|INSTALLED\|CONNECTING\|DELETING'; }
# ------------------------------------------------------------ setup

topo_pair && ip -n "$NS_A" addr add $IN_A/32 dev lo && ip -n "$NS_B" addr add $IN_B/32 dev lo
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }
# TCG: the first SA of an algorithm loads and self-tests kernel crypto for
# tens of seconds; do it now, not in the middle of an exchange.
warm_up_algs gcm256-128

keyd_start a "$NS_A" "$DA/keyd.conf"
result $? "kipsec-keyd started in A, control socket answers" "$(ike_logs)"
if swan_start b "$NS_B"; then
	swan_load b
	result $? "charon started in B, configuration loaded" "$(ike_logs)" || {
		skip_rest "strongSwan setup failed"; tap_done; }
else
	not_ok "charon started in B, configuration loaded"
	diag "$(cat "$IKE_LOG/charon-b.out"; ike_logs)"
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

keyctl a up swan >"$KT_TMP/up.out" 2>&1
if wait_for 240 keyd_installed && wait_for 10 swan_installed; then
	ok "kipsec-keyd initiates: IKE and Child SA up on both sides"
	diag "$(keyctl a sas)"
	traffic "kipsec-keyd initiated"
else
	not_ok "kipsec-keyd initiates: IKE and Child SA up on both sides"
	diag "$(cat "$KT_TMP/up.out"; ike_logs)"
	skip "ping" "no SA"
	skip "counters" "no SA"
fi
keyctl a down swan >/dev/null 2>&1
wait_for 30 keyd_nothing && wait_for 10 kipsec_empty "$NS_A"
result $? "delete from kipsec-keyd: SAs and policies gone from kipsec" \
	"$(keyctl a sas; kipsec_json "$NS_A" state list; ike_logs)"
wait_for 60 swan_nothing && wait_for 60 xfrm_empty "$NS_B"
result $? "delete from kipsec-keyd: strongSwan removed its IKE/Child SA and XFRM state" \
	"$(swan b --list-sas; ip -n "$NS_B" xfrm state; ip -n "$NS_B" xfrm policy; ike_logs)"

# ------------------------------------------------------------ strongSwan initiates

swan_timeout 230 b --initiate --child net --timeout 200 \
	>"$KT_TMP/init.out" 2>&1
if wait_for 30 keyd_installed && wait_for 10 swan_installed; then
	ok "strongSwan initiates: IKE and Child SA up on both sides"
	diag "$(keyctl a sas)"
	traffic "strongSwan initiated"
else
	not_ok "strongSwan initiates: IKE and Child SA up on both sides"
	diag "$(tail -n 20 "$KT_TMP/init.out"; ike_logs)"
	skip "ping" "no SA"
	skip "counters" "no SA"
fi
swan b --terminate --ike kip --timeout 30 >"$KT_TMP/term.out" 2>&1
wait_for 30 keyd_nothing && wait_for 10 kipsec_empty "$NS_A"
result $? "delete from strongSwan: SAs and policies gone from kipsec" \
	"$(cat "$KT_TMP/term.out"; keyctl a sas; kipsec_json "$NS_A" state list; ike_logs)"
wait_for 60 swan_nothing && wait_for 60 xfrm_empty "$NS_B"
result $? "delete from strongSwan: its own IKE/Child SA and XFRM state gone" \
	"$(swan b --list-sas; ip -n "$NS_B" xfrm state; ip -n "$NS_B" xfrm policy; ike_logs)"

# ------------------------------------------------------------ wrong PSK

# Restart kipsec-keyd with another secret: both directions must fail
# cleanly, with the reason in the log and nothing in either kernel.
keyd_stop a
keyd_conf "$DA/keyd.conf" "not-the-$PSK"
keyd_start a "$NS_A" "$DA/keyd.conf"
swan_timeout 60 b --initiate --child net --timeout 40 \
	>"$KT_TMP/init2.out" 2>&1
wait_for 20 grep -q 'IKE_AUTH failed with 10.10.0.2: AUTHENTICATION_FAILED, PSK mismatch' "$IKE_LOG/keyd-a.log"
result $? "wrong PSK, strongSwan initiates: kipsec-keyd logs the PSK mismatch" "$(ike_logs)"
wait_for 10 kipsec_empty "$NS_A" && keyd_nothing && swan_nothing && xfrm_empty "$NS_B"
result $? "wrong PSK, strongSwan initiates: no SA on either side" \
	"$(keyctl a sas; swan b --list-sas; ip -n "$NS_B" xfrm state; ip -n "$NS_B" xfrm policy; ike_logs)"
keyctl a up swan >/dev/null 2>&1
wait_for 60 grep -q 'IKE_AUTH failed with 10.10.0.2: AUTHENTICATION_FAILED' "$IKE_LOG/keyd-a.log" && \
	wait_for 20 keyd_nothing
result $? "wrong PSK, kipsec-keyd initiates: refused by strongSwan, logged, nothing left" \
	"$(keyctl a sas; ike_logs)"
kipsec_empty "$NS_A" && swan_nothing && xfrm_empty "$NS_B"
result $? "wrong PSK, kipsec-keyd initiates: no SA in either kernel" \
	"$(swan b --list-sas; ip -n "$NS_B" xfrm state; ip -n "$NS_B" xfrm policy; ike_logs)"
diag "$(grep -h 'AUTHENTICATION_FAILED' "$IKE_LOG/keyd-a.log")"

tap_done
