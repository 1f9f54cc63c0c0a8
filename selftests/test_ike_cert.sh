#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kipsec-keyd with X.509 certificates, against strongSwan (charon on Linux
# XFRM in B) and against itself. A test PKI is made at test time
# (keyd/tests/gen_certs.sh, openssl CLI): one CA, RSA-2048 and ECDSA
# P-256/P-384 end entities, and a rogue CA.
#   - RSA certificates, RFC 7427 signatures: each side initiates once; a
#     ping through the tunnel is answered, ESP is seen on the wire, the
#     log names the verified algorithm.
#   - ECDSA (keyd P-384, strongSwan P-256) with strongSwan's RFC 7427
#     support switched off: the classic methods 9 and 10, each side initiates.
#   - strongSwan with a certificate from the rogue CA, as initiator and as
#     responder: refused with "certificate not trusted" in the log, no SA.
#   - kipsec-keyd to kipsec-keyd: RSA against ECDSA with a DN identity;
#     then a wrong PSK: refused on both sides, nothing installed.
. "$(dirname "$0")/lib.sh"

CHARON=${KIPSEC_CHARON:-/usr/lib/ipsec/charon}
KEYD=${KIPSEC_KEYD:-$KT_REPO/keyd/kipsec-keyd}
GEN=$KT_REPO/keyd/tests/gen_certs.sh
if [ ! -x "$CHARON" ] || ! command -v swanctl >/dev/null 2>&1; then
	plan 1
	skip "certificate interop" "strongSwan charon/swanctl not installed"
	exit 0
fi
need ip ping jq openssl tcpdump "$KEYD"
plan 29

if ! our_side_ready || [ "$OUR" != kipsec ]; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi

IN_A=10.20.0.1 IN_B=10.21.0.1
DA=$KT_TMP/keyd DB=$KT_TMP/swan PKI=$KT_TMP/pki
LOG=${KIPSEC_VM_OUT:-$KT_TMP}/ike_cert
mkdir -p "$DA" "$DB/run" "$DB/swanctl/x509" "$DB/swanctl/x509ca" "$DB/swanctl/private" "$LOG"
SOCK=$DA/keyd.sock SOCK_B=$DA/keyd-b.sock VICI=unix://$DB/charon.vici
# charon's own /run hides the --out directory: its log goes to $DB, copied at the end
CLOG=$DB/charon.log

# ------------------------------------------------------------ PKI

# keyd's RSA certificate carries extra names so that its IKE_AUTH exceeds
# the 1232-byte datagram limit: sent as RFC 7383 fragments.
SAN_BULK=$(for i in $(seq -w 1 24); do printf ',DNS:alias%s.kipsec.test' "$i"; done)
pki() (
	set -e
	"$GEN" "$PKI" ca ca "/C=CH/O=kipsec test/CN=kipsec test CA"
	"$GEN" "$PKI" ca rogue "/C=CH/O=rogue/CN=rogue CA"
	"$GEN" "$PKI" ee keyd-rsa ca rsa2048 "/C=CH/O=kipsec test/CN=kipsec.test" "DNS:kipsec.test,IP:$A4$SAN_BULK"
	"$GEN" "$PKI" ee swan-rsa ca rsa2048 "/C=CH/O=kipsec test/CN=swan.test" "DNS:swan.test"
	"$GEN" "$PKI" ee keyd-ec ca p384 "/C=CH/O=kipsec test/CN=kipsec.test" "DNS:kipsec.test"
	"$GEN" "$PKI" ee swan-ec ca p256 "/C=CH/O=kipsec test/CN=swan.test" "DNS:swan.test"
	"$GEN" "$PKI" ee swan-rogue rogue p256 "/C=CH/O=kipsec test/CN=swan.test" "DNS:swan.test"
	"$GEN" "$PKI" ee keyd-b ca p256 "/C=CH/O=kipsec test/CN=keyd-b.test" "email:b@kipsec.test"
)
check "test PKI generated (RSA-2048, P-256, P-384, rogue CA)" pki
cp "$PKI"/swan-*.pem "$DB/swanctl/x509/"
cp "$PKI"/swan-*.key "$DB/swanctl/private/"
cp "$PKI/ca.pem" "$DB/swanctl/x509ca/"

# ------------------------------------------------------------ configs

# keyd_conf FILE NAME LOCAL REMOTE LOCAL_ID REMOTE_ID LOCAL_NET REMOTE_NET AUTH [CERT]
#   AUTH pubkey: our CERT(.pem/.key), remote verified against ca.pem; else a PSK
keyd_conf() {
	{
	cat <<-EOF
	daemon = { port = 500; log_level = "debug"; };
	connections = (
	    {
	        name = "$2";
	EOF
	if [ "$9" = pubkey ]; then
		cat <<-EOF
	        local = { addr = "$3"; id = "$5"; auth = "pubkey"; cert = "$PKI/${10}.pem";
	                  key = "$PKI/${10}.key"; ts = [ "$7" ]; };
	        remote = { addr = "$4"; id = "$6"; auth = "pubkey"; cacert = "$PKI/ca.pem"; ts = [ "$8" ]; };
		EOF
	else
		cat <<-EOF
	        local = { addr = "$3"; id = "$5"; ts = [ "$7" ]; };
	        remote = { addr = "$4"; id = "$6"; ts = [ "$8" ]; };
	        psk = "$9";
		EOF
	fi
	cat <<-EOF
	        ike_proposals = [ "aes256gcm16-prfsha256-ecp256" ];
	        esp_proposals = [ "aes256gcm16" ];
	        mode = "tunnel";
	        reqid = 9;
	    }
	);
	EOF
	} >"$1"
}

# swan_conf CERT SIGAUTH(yes|no): strongSwan's side; RFC 7427 on or off
swan_conf() {
	cat >"$DB/strongswan.conf" <<-EOF
	charon {
		load = random nonce openssl kdf pem pkcs1 pkcs8 x509 constraints pubkey kernel-netlink socket-default vici
		install_routes = no
		signature_authentication = $2
		# RSA IKE_AUTH messages (about 1300 bytes) then come in fragments
		fragment_size = 1000
		plugins {
			vici {
				socket = $VICI
			}
		}
		filelog {
			swan {
				path = $CLOG
				time_format = %T
				default = 1
				ike = 2
				cfg = 2
				flush_line = yes
			}
		}
	}
	swanctl {
		load = pem pkcs1 pkcs8 x509 pubkey openssl random
	}
	EOF
	cat >"$DB/swanctl/swanctl.conf" <<-EOF
	connections {
		kip {
			version = 2
			local_addrs = $B4
			remote_addrs = $A4
			proposals = aes256gcm16-prfsha256-ecp256
			mobike = no
			local {
				auth = pubkey
				certs = $1.pem
				id = swan.test
			}
			remote {
				auth = pubkey
				id = kipsec.test
				cacerts = ca.pem
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
	EOF
}

swan() {	# swanctl in B against our charon
	ip netns exec "$NS_B" env STRONGSWAN_CONF="$DB/strongswan.conf" SWANCTL_DIR="$DB/swanctl" \
		swanctl "$@" --uri "$VICI"
}
keyctl() { ip netns exec "$NS_A" "$KEYD" -s "$SOCK" --ctl "$@"; }
keyctl_b() { ip netns exec "$NS_B" "$KEYD" -s "$SOCK_B" --ctl "$@"; }
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.3
	done
}
keyd_installed() { keyctl sas | grep -q ': INSTALLED'; }
keyd_nothing() { [ -z "$(keyctl sas)" ]; }
# strongSwan's side is judged by its kernel state (swanctl is slow to start under TCG)
swan_installed() { [ "$(ip -n "$NS_B" xfrm state | grep -c '^src')" = 2 ]; }
keyd_b_installed() { keyctl_b sas | grep -q ': INSTALLED'; }
kipsec_empty() {	# NS
	[ "$(kipsec_json "$1" state list | jq length)" = 0 ] &&
	[ "$(kipsec_json "$1" policy list | jq length)" = 0 ]
}
xfrm_empty() {
	[ -z "$(ip -n "$NS_B" xfrm state)" ] &&
	! ip -n "$NS_B" xfrm policy | grep -qE 'dir (in|out|fwd)'
}
logs() {
	echo "--- kipsec-keyd (A) ---"
	tail -n 25 "$LOG/keyd.log" 2>/dev/null
	echo "--- B ---"
	tail -n 25 "$LOG/keyd-b.log" 2>/dev/null
	grep -v 'loaded\|plugin' "$CLOG" 2>/dev/null | tail -n 25
}
# keyd_start CONF [LOGNAME]: (re)start kipsec-keyd in A
keyd_start() {
	if [ -n "${KEYD_PID:-}" ]; then
		kill "$KEYD_PID" 2>/dev/null
		wait "$KEYD_PID" 2>/dev/null
	fi
	[ -f "$LOG/keyd.log" ] && cat "$LOG/keyd.log" >>"$LOG/keyd-all.log"
	ip netns exec "$NS_A" "$KEYD" -c "$1" -s "$SOCK" 2>"$LOG/keyd.log" &
	KEYD_PID=$!
	KT_PIDS+=($!)
	wait_for 20 keyctl sas
}

# tunnel DESC [nowire]: ping A->B through the tunnel while capturing the
# wire: all replies arrive, the capture holds ESP both ways and no clear
# ICMP. With nowire: the ping and the kipsec SA counters only (faster).
tunnel() {
	local out esp clear
	if [ "${2:-}" = nowire ]; then
		out=$(ping_count "$NS_A" -c 3 -I $IN_A $IN_B)
		result $? "$1: ping $IN_A -> $IN_B answered ($out), SA counters $(sa_counts)" \
			"$(cat "$KT_TMP/ping.out"; logs)"
		return
	fi
	capture_start "$NS_A" a0 "$KT_TMP/wire.pcap" "esp or icmp"
	out=$(ping_count "$NS_A" -c 3 -I $IN_A $IN_B)
	local rc=$?
	capture_stop
	esp=$(tcpdump -n -r "$KT_TMP/wire.pcap" esp 2>/dev/null | wc -l)
	clear=$(tcpdump -n -r "$KT_TMP/wire.pcap" icmp 2>/dev/null | wc -l)
	if [ $rc = 0 ] && [ "$esp" -ge 6 ] && [ "$clear" = 0 ]; then
		ok "$1: ping $IN_A -> $IN_B answered ($out), $esp ESP packets on the wire, $clear clear"
	else
		not_ok "$1: ping $IN_A -> $IN_B answered ($out), $esp ESP packets on the wire, $clear clear"
		diag "$(cat "$KT_TMP/ping.out"; tcpdump -n -r "$KT_TMP/wire.pcap" 2>/dev/null | head; logs)"
	fi
}

sa_counts() { kipsec_json "$NS_A" state list | jq -r '[.[].stats.packets // 0] | join("/")'; }
# down_both: delete from kipsec-keyd, wait for both sides to be empty
down_both() {
	keyctl down "$1" >/dev/null 2>&1
	wait_for 30 keyd_nothing && wait_for 10 kipsec_empty "$NS_A" && wait_for 60 xfrm_empty
}

# interop DESC CONN: kipsec-keyd initiates, then strongSwan does
interop() {
	keyctl up swan >"$KT_TMP/up.out" 2>&1
	if wait_for 240 keyd_installed && wait_for 10 swan_installed; then
		ok "$1, kipsec-keyd initiates: IKE and Child SA up on both sides"
		tunnel "$1, kipsec-keyd initiated"
	else
		not_ok "$1, kipsec-keyd initiates: IKE and Child SA up on both sides"
		diag "$(cat "$KT_TMP/up.out"; logs)"
		skip "tunnel" "no SA"
	fi
	down_both swan
	result $? "$1: Delete from kipsec-keyd leaves nothing on either side" "$(keyctl sas; logs)"
	timeout 230 bash -c "$(declare -f swan); NS_B=$NS_B DB=$DB VICI=$VICI; swan --initiate --child net --timeout 200" \
		>"$KT_TMP/init.out" 2>&1
	if wait_for 30 keyd_installed && wait_for 10 swan_installed; then
		ok "$1, strongSwan initiates: IKE and Child SA up on both sides"
		tunnel "$1, strongSwan initiated" nowire
	else
		not_ok "$1, strongSwan initiates: IKE and Child SA up on both sides"
		diag "$(tail -n 20 "$KT_TMP/init.out"; logs)"
		skip "tunnel" "no SA"
	fi
	down_both swan
}

# ------------------------------------------------------------ setup

topo_pair && ip -n "$NS_A" addr add $IN_A/32 dev lo && ip -n "$NS_B" addr add $IN_B/32 dev lo
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }
warm_up_algs gcm256-128

keyd_conf "$DA/rsa.conf" swan $A4 $B4 fqdn:kipsec.test fqdn:swan.test 10.20.0.0/16 10.21.0.0/16 pubkey keyd-rsa
keyd_conf "$DA/ec.conf" swan $A4 $B4 fqdn:kipsec.test fqdn:swan.test 10.20.0.0/16 10.21.0.0/16 pubkey keyd-ec
check "kipsec-keyd --check-config loads certificates, keys and CA" \
	sh -c '"$1" -c "$2" --check-config && "$1" -c "$3" --check-config' sh "$KEYD" "$DA/rsa.conf" "$DA/ec.conf"
keyd_start "$DA/rsa.conf"
result $? "kipsec-keyd started in A with an RSA certificate" "$(logs)"

swan_conf swan-rsa yes
ip netns exec "$NS_B" sh -c 'mount --bind "$1" /run && shift &&
	exec env STRONGSWAN_CONF="$1" "$2"' sh "$DB/run" "$DB/strongswan.conf" "$CHARON" \
	>"$LOG/charon.out" 2>&1 &
SWAN_PID=$!
KT_PIDS+=($!)
if wait_for 60 swan --stats; then
	swan --load-all >"$DB/load.out" 2>&1
	result $? "charon started in B, RSA certificate and CA loaded" "$(cat "$DB/load.out")" || {
		skip_rest "strongSwan setup failed"; tap_done; }
else
	not_ok "charon started in B, RSA certificate and CA loaded"
	diag "$(cat "$LOG/charon.out"; logs)"
	skip_rest "strongSwan did not start"
	tap_done
fi

# ------------------------------------------------------------ RSA, RFC 7427

interop "RSA"
grep -q "swan: 10.10.0.2 authenticated by certificate \"C=CH, O=kipsec test, CN=swan.test\", RFC 7427 sha256WithRSAEncryption" \
	"$LOG/keyd.log" && grep -q "authentication of 'kipsec.test' with RSA_EMSA_PKCS1_SHA2_256 successful" "$CLOG"
result $? "RSA: both sides verified RFC 7427 sha256WithRSAEncryption signatures" \
	"$(grep -h 'authenticat' "$LOG/keyd.log" "$CLOG")"
grep -q "IKE_AUTH from $B4: reassembled from [2-9] fragments" "$LOG/keyd.log" &&
	grep -q "reassembled fragmented IKE message" "$CLOG"
result $? "RSA: IKE_AUTH fragmented (RFC 7383) both ways and reassembled on both sides" \
	"$(grep -h 'fragment' "$LOG/keyd.log" "$CLOG")"

# ------------------------------------------------------------ ECDSA, classic methods

keyd_start "$DA/ec.conf"
swan_conf swan-ec no
swan --reload-settings >/dev/null 2>&1 && swan --load-all >"$DB/load.out" 2>&1
result $? "ECDSA: strongSwan reloaded with a P-256 certificate, RFC 7427 off" "$(cat "$DB/load.out")"
interop "ECDSA"
grep -q "authenticated by certificate \"C=CH, O=kipsec test, CN=swan.test\", ECDSA with SHA256 (method 9)" \
	"$LOG/keyd.log" && grep -q "authentication of 'kipsec.test' with ECDSA-384 signature successful" \
	"$CLOG"
result $? "ECDSA: classic methods 9 (P-256) and 10 (P-384) verified on both sides" \
	"$(grep -h 'authenticat' "$LOG/keyd.log" "$CLOG" | tail -n 8)"

# ------------------------------------------------------------ untrusted certificate

swan_conf swan-rogue yes
swan --reload-settings >/dev/null 2>&1 && swan --load-all >"$DB/load.out" 2>&1
timeout 60 bash -c "$(declare -f swan); NS_B=$NS_B DB=$DB VICI=$VICI; swan --initiate --child net --timeout 40" \
	>"$KT_TMP/init2.out" 2>&1
want="IKE_AUTH failed with $B4: AUTHENTICATION_FAILED, certificate not trusted (issuer C=CH, O=rogue, CN=rogue CA): unable to get local issuer certificate (peer swan.test)"
wait_for 30 grep -qF "$want" "$LOG/keyd.log"
result $? "untrusted certificate, strongSwan initiates: kipsec-keyd refuses and logs it" "$(logs)"
wait_for 10 kipsec_empty "$NS_A" && keyd_nothing && xfrm_empty
result $? "untrusted certificate, strongSwan initiates: no SA in either kernel" \
	"$(kipsec_json "$NS_A" state list; ip -n "$NS_B" xfrm state; logs)"
n0=$(grep -cF "$want" "$LOG/keyd.log")
keyctl up swan >/dev/null 2>&1
wait_for 60 sh -c '[ "$(grep -cF "$1" "$2")" -gt "$3" ]' sh "$want" "$LOG/keyd.log" "$n0" && wait_for 20 keyd_nothing
result $? "untrusted certificate, kipsec-keyd initiates: the responder's certificate is refused, logged" \
	"$(keyctl sas; logs)"
wait_for 10 kipsec_empty "$NS_A" && xfrm_empty
result $? "untrusted certificate, kipsec-keyd initiates: no SA in either kernel" \
	"$(kipsec_json "$NS_A" state list; ip -n "$NS_B" xfrm state; logs)"
diag "$(grep -h 'AUTHENTICATION_FAILED' "$LOG/keyd.log")"
kill "$SWAN_PID" 2>/dev/null
wait "$SWAN_PID" 2>/dev/null

# ------------------------------------------------------------ keyd to keyd

# A: RSA certificate, FQDN id; B: P-256 certificate, DN id
keyd_conf "$DA/a.conf" peer $A4 $B4 fqdn:kipsec.test "dn:C=CH, O=kipsec test, CN=keyd-b.test" \
	10.20.0.0/16 10.21.0.0/16 pubkey keyd-rsa
keyd_conf "$DA/b.conf" peer $B4 $A4 "dn:C=CH, O=kipsec test, CN=keyd-b.test" fqdn:kipsec.test \
	10.21.0.0/16 10.20.0.0/16 pubkey keyd-b
keyd_start "$DA/a.conf"
ip netns exec "$NS_B" "$KEYD" -c "$DA/b.conf" -s "$SOCK_B" 2>"$LOG/keyd-b.log" &
KEYD_B=$!
KT_PIDS+=($!)
wait_for 20 keyctl_b sas
keyctl_b up peer >/dev/null 2>&1
if wait_for 120 keyd_installed && wait_for 10 keyd_b_installed; then
	ok "keyd to keyd (RSA vs ECDSA, DN identity): B initiates, SAs installed on both"
	tunnel "keyd to keyd"
else
	not_ok "keyd to keyd (RSA vs ECDSA, DN identity): B initiates, SAs installed on both"
	diag "$(logs)"
	skip "tunnel" "no SA"
fi
grep -q 'peer: 10.10.0.2 authenticated by certificate "C=CH, O=kipsec test, CN=keyd-b.test", RFC 7427 ecdsa-with-SHA256' \
	"$LOG/keyd.log" && grep -q 'authenticated by certificate "C=CH, O=kipsec test, CN=kipsec.test", RFC 7427 sha256WithRSAEncryption' \
	"$LOG/keyd-b.log"
result $? "keyd to keyd: each side verified the other's certificate and signature" \
	"$(grep -h authenticated "$LOG/keyd.log" "$LOG/keyd-b.log")"
keyctl down peer >/dev/null 2>&1
wait_for 30 keyd_nothing && wait_for 10 kipsec_empty "$NS_A" && wait_for 10 kipsec_empty "$NS_B"
result $? "keyd to keyd: Delete leaves no SA or policy on either host" "$(logs)"

# wrong PSK, keyd to keyd: A initiates; B (responder) detects it, A is told
keyd_conf "$DA/a.conf" peer $A4 $B4 fqdn:kipsec.test fqdn:b.test 10.20.0.0/16 10.21.0.0/16 one-secret
keyd_conf "$DA/b.conf" peer $B4 $A4 fqdn:b.test fqdn:kipsec.test 10.21.0.0/16 10.20.0.0/16 another-secret
kill "$KEYD_B" 2>/dev/null
wait "$KEYD_B" 2>/dev/null
cat "$LOG/keyd-b.log" >>"$LOG/keyd-b-all.log"
ip netns exec "$NS_B" "$KEYD" -c "$DA/b.conf" -s "$SOCK_B" 2>"$LOG/keyd-b.log" &
KT_PIDS+=($!)
keyd_start "$DA/a.conf"
wait_for 20 keyctl_b sas
keyctl up peer >/dev/null 2>&1
wait_for 60 grep -q "IKE_AUTH failed with $A4: AUTHENTICATION_FAILED, PSK mismatch (peer kipsec.test)" "$LOG/keyd-b.log" &&
	wait_for 30 grep -q "IKE_AUTH failed with $B4: AUTHENTICATION_FAILED, the peer refused" "$LOG/keyd.log"
result $? "wrong PSK, keyd to keyd: responder logs the PSK mismatch, initiator the refusal" "$(logs)"
wait_for 20 keyd_nothing && kipsec_empty "$NS_A" && kipsec_empty "$NS_B"
result $? "wrong PSK, keyd to keyd: no SA or policy on either host" \
	"$(kipsec_json "$NS_A" state list; kipsec_json "$NS_B" state list; logs)"

cp "$CLOG" "$LOG/" 2>/dev/null
tap_done
