#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kipsec-keyd operated through the kipsec CLI, against strongSwan: host A
# runs kipsec-keyd on the kipsec module, host B strongSwan's charon on XFRM.
#   - `kipsec up/down/sas [-j]/reload` over the control socket (root only);
#     the sas -j fields checked against the module's own SA list;
#   - reload: an unchanged tunnel keeps its SPIs, a removed one is torn
#     down, an invalid file is refused and the old configuration stays,
#     SIGHUP adds a connection with start_action = start;
#   - wrong PSK: the log line; trap (ACQUIRE; SKIP if the kernel has none);
#   - DPD: charon killed, kipsec-keyd declares the peer dead in time.
. "$(dirname "$0")/lib.sh"

CHARON=${KIPSEC_CHARON:-/usr/lib/ipsec/charon}
KEYD=${KIPSEC_KEYD:-$KT_REPO/keyd/kipsec-keyd}
if [ ! -x "$CHARON" ] || ! command -v swanctl >/dev/null 2>&1; then
	plan 1
	skip "kipsec-keyd control" "strongSwan charon/swanctl not installed"
	exit 0
fi
need ip ping jq setpriv "$KEYD"
plan 22

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi

PSK=kipsec-ctl-secret-0123456789abcdef
DPD_DELAY=3 DPD_TIMEOUT=12
DA=$KT_TMP/keyd DB=$KT_TMP/swan
LOG=${KIPSEC_VM_OUT:-$KT_TMP}/keyd_ctl
mkdir -p "$DA" "$DB/run" "$DB/swanctl" "$LOG"
SOCK=$DA/keyd.sock VICI=unix://$DB/charon.vici

# ------------------------------------------------------------ configs

conn() {	# NAME N REQID START [EXTRA]: tunnel 10.20.N.0/24 === 10.21.N.0/24
	cat <<-EOF
	    {
	        name = "$1";
	        local = { addr = "$A4"; id = "fqdn:kipsec.test"; ts = [ "10.20.$2.0/24" ]; };
	        remote = { addr = "$B4"; id = "fqdn:swan.test"; ts = [ "10.21.$2.0/24" ]; };
	        psk = "$PSK";
	        ike_proposals = [ "aes256gcm16-prfsha256-ecp256" ];
	        esp_proposals = [ "aes256gcm16" ];
	        reqid = $3;
	        start_action = "$4";
	        ${5:-}
	    }
	EOF
}
keyd_conf() {	# CONNECTION-TEXT...: the whole file, connections joined by commas
	local first=1 c
	{
		echo 'daemon = { port = 500; log_level = "debug"; };'
		echo 'connections = ('
		for c in "$@"; do
			[ $first = 1 ] || echo ','
			first=0
			printf '%s\n' "$c"
		done
		echo ');'
	} >"$DA/keyd.conf"
}
TUN1=$(conn tun1 1 11 none "dpd = { delay = $DPD_DELAY; timeout = $DPD_TIMEOUT; action = \"clear\"; };")
TUN2=$(conn tun2 2 12 none)
TUN2_START=$(conn tun2 2 12 start)
TRAP=$(conn trap 3 13 trap)
BAD=$(conn bad 4 14 none)
BAD=${BAD/fqdn:kipsec.test/fqdn:bad.test}
BAD=${BAD/$PSK/not-the-right-secret}
keyd_conf "$TUN1" "$TUN2" "$BAD"

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
			flush_line = yes
		}
	}
}
swanctl {
	load = pem pkcs1 x509 revocation constraints pubkey openssl random
}
EOF
child() {	# N
	cat <<-EOF
			net$1 {
				local_ts = 10.21.$1.0/24
				remote_ts = 10.20.$1.0/24
				esp_proposals = aes256gcm16
				start_action = none
			}
	EOF
}
cat >"$DB/swanctl/swanctl.conf" <<EOF
connections {
	kip {
		version = 2
		local_addrs = $B4
		remote_addrs = $A4
		proposals = aes256gcm16-prfsha256-ecp256
		mobike = no
		local {
			auth = psk
			id = swan.test
		}
		remote {
			auth = psk
			id = kipsec.test
		}
		children {
$(child 1; child 2; child 3)
		}
	}
	bad {
		version = 2
		local_addrs = $B4
		remote_addrs = $A4
		proposals = aes256gcm16-prfsha256-ecp256
		local {
			auth = psk
			id = swan.test
		}
		remote {
			auth = psk
			id = bad.test
		}
		children {
$(child 4)
		}
	}
}
secrets {
	ike-kip {
		id-a = swan.test
		id-b = kipsec.test
		secret = "$PSK"
	}
	ike-bad {
		id-a = swan.test
		id-b = bad.test
		secret = "the-right-secret-for-bad"
	}
}
EOF

swan() {
	ip netns exec "$NS_B" env STRONGSWAN_CONF="$DB/strongswan.conf" SWANCTL_DIR="$DB/swanctl" \
		swanctl "$@" --uri "$VICI"
}
# the kipsec CLI in A, talking to our kipsec-keyd
kc() { ip netns exec "$NS_A" env KIPSEC_KEYD_SOCKET="$SOCK" "$KIPSEC" "$@"; }
wait_for() {	# SECS CMD...: poll CMD until it succeeds (wall clock)
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.3
	done
}
sas() { kc -j sas; }
# child_spis NAME: "spi_in spi_out" (hex) of the connection's Child SA, empty if none
child_spis() {
	sas | jq -r --arg n "$1" '.[] | select(.name == $n) | .child_sas[] | "\(.spi_in) \(.spi_out)"'
}
has_child() { [ -n "$(child_spis "$1")" ]; }
no_ike() { [ -z "$(sas | jq -r --arg n "$1" '.[] | select(.name == $n) | .name')" ]; }
# kernel_spis: the module's SA SPIs in A, decimal, sorted
kernel_spis() {
	kipsec_json "$NS_A" state list | jq -r '.[] | .spi |
		if type == "number" then . else (ltrimstr("0x") | ascii_downcase | explode |
		reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end))) end' | sort -n
}
# keyd_spis: the Child SA SPIs kipsec-keyd reports, decimal, sorted
keyd_spis() {
	local s
	for s in $(sas | jq -r '.[].child_sas[] | .spi_in, .spi_out'); do
		echo $((16#$s))
	done | sort -n
}
logs() {
	echo "--- kipsec-keyd (A) ---"
	tail -n 30 "$LOG/keyd.log" 2>/dev/null
	echo "--- charon (B) ---"
	grep -v 'loaded\|plugin' "$LOG/charon.log" "$LOG/charon.out" 2>/dev/null | tail -n 20
}
start_keyd() {
	ip netns exec "$NS_A" "$KEYD" -c "$DA/keyd.conf" -s "$SOCK" 2>>"$LOG/keyd.log" &
	KEYD_PID=$!
	KT_PIDS+=($!)
}

# ------------------------------------------------------------ setup

topo_pair || { skip_rest "no topology"; tap_done; }
for n in 1 2 3; do
	ip -n "$NS_A" addr add 10.20.$n.1/32 dev lo
	ip -n "$NS_B" addr add 10.21.$n.1/32 dev lo
done
warm_up_algs gcm256-128

out=$(kc sas 2>&1)
rc=$?
[ $rc = 2 ] && grep -q 'kipsec-keyd is not running' <<<"$out"
result $? "kipsec sas without a daemon: exit 2, \"$out\"" "rc=$rc"

start_keyd
ip netns exec "$NS_B" sh -c 'mount --bind "$1" /run && shift &&
	exec env STRONGSWAN_CONF="$1" "$2"' sh "$DB/run" "$DB/strongswan.conf" "$CHARON" \
	>"$LOG/charon.out" 2>&1 &
CHARON_PID=$!
KT_PIDS+=($!)
if ! wait_for 20 kc sas || ! wait_for 60 swan --stats || ! swan --load-all >"$DB/load.out" 2>&1; then
	not_ok "kipsec-keyd and charon started"
	diag "$(cat "$DB/load.out" 2>/dev/null; logs)"
	skip_rest "daemons did not start"
	tap_done
fi
ok "kipsec-keyd and charon started, kipsec sas answers"

# root only: the socket is 0600 and a non-root client gets a clear error
# let uid 65534 reach the socket itself: only its own mode and the daemon may refuse
chmod 0711 "$KT_TMP" "$DA"
nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups env KIPSEC_KEYD_SOCKET="$SOCK" "$KIPSEC" sas; }
mode=$(stat -c %a "$SOCK")
out=$(nobody 2>&1)
rc=$?
# and with the file mode opened up, the daemon's SO_PEERCRED check still refuses
chmod 0666 "$SOCK"
out2=$(nobody 2>&1)
rc2=$?
chmod 0600 "$SOCK"
[ "$mode" = 600 ] && [ $rc = 2 ] && grep -q 'root only' <<<"$out" &&
	[ $rc2 = 2 ] && grep -q 'only root may control' <<<"$out2"
result $? "control socket mode $mode, non-root refused: \"$out\"; at 0666: \"$out2\"" "rc=$rc rc2=$rc2"

# ------------------------------------------------------------ up, sas -j

kc up tun1 >"$KT_TMP/up1" 2>&1 && kc up tun2 >"$KT_TMP/up2" 2>&1
result $? "kipsec up tun1, kipsec up tun2: accepted ($(cat "$KT_TMP/up1"))" "$(cat "$KT_TMP/up1" "$KT_TMP/up2")"
wait_for 240 has_child tun1 && wait_for 120 has_child tun2
result $? "both tunnels established (kipsec sas)" "$(kc sas; logs)"
diag "$(kc sas)"

# every field a user reads, against the configuration and the module
j=$(sas)
echo "$j" | jq -e '
	(map(select(.name == "tun1" or .name == "tun2")) | length == 2) and
	all(.[]; .state == "ESTABLISHED" and .role == "initiator" and .remote == "10.10.0.2" and
		.local_port == 500 and (.spi_i | test("^[0-9a-f]{16}$")) and
		(.spi_r | test("^[0-9a-f]{16}$")) and .spi_r != "0000000000000000" and
		.proposal == "aes256gcm16-prfsha256-ecp256" and .lifetime > 0 and .age >= 0 and
		(.child_sas | length == 1) and
		all(.child_sas[]; .state == "INSTALLED" and .mode == "tunnel" and .protocol == "esp" and
			.proposal == "aes256gcm16-noesn" and (.spi_in | test("^[0-9a-f]{8}$")) and
			(.spi_out | test("^[0-9a-f]{8}$")) and .lifetime > 0)) and
	(.[] | select(.name == "tun1") | .child_sas[0] | .ts_local == ["10.20.1.0/24"] and
		.ts_remote == ["10.21.1.0/24"] and .reqid == 11)' >/dev/null
result $? "sas -j: states, roles, SPIs, proposals, modes, selectors, reqid" "$j"
[ "$(keyd_spis)" = "$(kernel_spis)" ] && [ "$(kernel_spis | wc -l)" = 4 ]
result $? "sas -j: the four Child SA SPIs are exactly the module's SAs" \
	"keyd: $(keyd_spis | tr '\n' ' ') kernel: $(kernel_spis | tr '\n' ' ')"

ping_ok "ping 10.20.1.1 -> 10.21.1.1 through tun1" "$NS_A" -c 5 -I 10.20.1.1 10.21.1.1
read -r in1 out1 <<<"$(child_spis tun1)"
c=$(sas | jq -r '.[] | select(.name == "tun1") | .child_sas[0] |
	"\(.packets_in) \(.packets_out) \(.bytes_in) \(.bytes_out)"')
read -r pi po bi bo <<<"$c"
ki=$(kipsec_sa_counter "$NS_A" $((16#$in1)) packets)
ko=$(kipsec_sa_counter "$NS_A" $((16#$out1)) packets)
[ "$pi" -ge 5 ] && [ "$po" -ge 5 ] && [ "$bi" -gt 0 ] && [ "$bo" -gt 0 ] && [ "$pi" = "$ki" ] && [ "$po" = "$ko" ]
result $? "sas -j counters of tun1 from the module: in $pi pkts/$bi B, out $po pkts/$bo B (module: $ki, $ko)" "$c"

# ------------------------------------------------------------ reload

spis1=$(child_spis tun1)
keyd_conf "$TUN1" "$BAD"
out=$(kc reload 2>&1)
result $? "kipsec reload with tun2 removed: \"$out\"" "$(logs)"
wait_for 30 no_ike tun2 && [ "$(kernel_spis | wc -l)" = 2 ]
result $? "reload: tun2 torn down in kipsec-keyd and the module" "$(kc sas; kernel_spis)"
[ "$(child_spis tun1)" = "$spis1" ] && [ "$(keyd_spis)" = "$(kernel_spis)" ]
result $? "reload: tun1 untouched (SPIs $spis1 before and after)" "$(child_spis tun1)"
ping_ok "ping through tun1 after the reload" "$NS_A" -c 3 -I 10.20.1.1 10.21.1.1

# an invalid file: refused with the reason, the old configuration keeps running
echo 'connections = ( { name = "tun1"; mode = "sideways"; } );' >"$DA/keyd.conf"
out=$(kc reload 2>&1)
rc=$?
[ $rc = 2 ] && grep -q 'not reloaded' <<<"$out" && grep -q 'keyd.conf:[0-9]' <<<"$out"
result $? "invalid configuration refused: exit $rc, \"$out\"" "$(logs)"
[ "$(child_spis tun1)" = "$spis1" ] && kc sas >/dev/null
result $? "invalid configuration: tun1 still there with the same SPIs" "$(kc sas)"

# SIGHUP: tun2 comes back with start_action = start
keyd_conf "$TUN1" "$TUN2_START" "$BAD" "$TRAP"
kill -HUP $KEYD_PID
wait_for 240 has_child tun2 && [ "$(child_spis tun1)" = "$spis1" ]
result $? "SIGHUP: new tun2 initiated by its start_action, tun1 SPIs unchanged" "$(kc sas; logs)"
ping_ok "ping 10.20.2.1 -> 10.21.2.1 through the new tun2" "$NS_A" -c 3 -I 10.20.2.1 10.21.2.1

spis2=$(child_spis tun2)
kc down tun2 >"$KT_TMP/down" 2>&1 && wait_for 60 no_ike tun2 && [ -n "$spis2" ] &&
	! kernel_spis | grep -qx "$((16#${spis2%% *}))"
result $? "kipsec down tun2: IKE and Child SA gone" "$(cat "$KT_TMP/down"; kc sas; logs)"
out=$(kc down nosuch 2>&1)
rc=$?
[ $rc = 2 ] && grep -q 'no connection named' <<<"$out"
result $? "kipsec down of an unknown connection: exit $rc, \"$out\""

# ------------------------------------------------------------ wrong PSK

kc up bad >/dev/null 2>&1
wait_for 120 grep -q 'IKE_AUTH failed with 10.10.0.2: AUTHENTICATION_FAILED' "$LOG/keyd.log" &&
	wait_for 20 no_ike bad
result $? "wrong PSK: \"$(grep -h -m1 -o 'IKE_AUTH failed with .*' "$LOG/keyd.log")\", nothing left" "$(logs)"

# ------------------------------------------------------------ trap

# The trap policy is installed without SA; the first packet makes the
# module send ACQUIRE (and hold the packet), and kipsec-keyd negotiates.
if ! kipsec_json "$NS_A" policy list | jq -e 'any(.[]; .priority == 1001 and .dir == "out")' >/dev/null ||
	has_child trap; then
	not_ok "trap: policy installed without SA at start"
	diag "$(kipsec_json "$NS_A" policy list; logs)"
else
	KT_PING_DEADLINE=4 ping_count "$NS_A" -c 20 -I 10.20.3.1 10.21.3.1 >/dev/null
	wait_for 30 grep -q 'trap: ACQUIRE for policy' "$LOG/keyd.log" && wait_for 240 has_child trap &&
		ping_count "$NS_A" -c 3 -I 10.20.3.1 10.21.3.1 >/dev/null
	result $? "trap: traffic triggered ACQUIRE, tunnel negotiated, ping passes" "$(kc sas; logs)"
fi

# ------------------------------------------------------------ DPD

# charon vanishes without a word: after DPD_DELAY of silence kipsec-keyd
# probes, after DPD_TIMEOUT without answer it declares the peer dead.
t0=$SECONDS
{ kill -9 $CHARON_PID && wait $CHARON_PID; } 2>/dev/null
if wait_for $((DPD_DELAY + DPD_TIMEOUT + 60)) grep -q 'tun1: peer dead' "$LOG/keyd.log"; then
	t=$((SECONDS - t0))
	[ $t -le $((DPD_DELAY + DPD_TIMEOUT + 20)) ] && wait_for 20 no_ike tun1 &&
		! kernel_spis | grep -qx "$((16#${spis1%% *}))"
	result $? "DPD: peer dead after ${t}s (delay $DPD_DELAY + timeout $DPD_TIMEOUT), tun1 removed: \"$(grep -h -m1 -o 'tun1: peer dead.*' "$LOG/keyd.log")\"" "$(kc sas; logs)"
else
	not_ok "DPD: kipsec-keyd noticed the vanished peer"
	diag "$(kc sas; logs)"
fi

tap_done
