#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# CREATE_CHILD_SA rekeying in kipsec-keyd (RFC 7296 2.8, 2.18) against
# strongSwan (charon on XFRM in B), with continuous traffic that must not
# lose a single packet. Two connections: "plain" (ESP aes256gcm16, no PFS)
# and "pfs" (ESP aes256gcm16-modp2048). Each IKE SA is rekeyed by one side,
# then each Child SA once by kipsec-keyd and once by strongSwan (on the
# rekeyed IKE SAs). After each step the new SPIs are in use in kipsec and
# in XFRM and the old ones gone; pings at 10/s through both tunnels lose
# nothing. (Timer-driven rekeys between two kipsec-keyd:
# test_ike_rekey_timers.sh.)
. "$(dirname "$0")/lib.sh"

CHARON=${KIPSEC_CHARON:-/usr/lib/ipsec/charon}
KEYD=${KIPSEC_KEYD:-$KT_REPO/keyd/kipsec-keyd}
need ip ping jq "$KEYD"
plan 12

if ! our_side_ready || [ "$OUR" != kipsec ]; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi
HAVE_SWAN=1
if [ ! -x "$CHARON" ] || ! command -v swanctl >/dev/null 2>&1; then
	HAVE_SWAN=0
fi

PSK=kipsec-rekey-secret-0123456789abcdef
LOG=${KIPSEC_VM_OUT:-$KT_TMP}/ike_rekey
DA=$KT_TMP/keyd DB=$KT_TMP/swan
mkdir -p "$DA" "$DB/run" "$DB/swanctl" "$LOG"
SOCK=$DA/keyd.sock VICI=unix://$DB/charon.vici
A4B=10.10.0.11 B4B=10.10.0.12

wait_for() {	# SECS CMD...: poll until CMD succeeds (wall clock)
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 1
	done
}
keyctl() { ip netns exec "$NS_A" "$KEYD" -s "$SOCK" --ctl "$@"; }
swan() {
	ip netns exec "$NS_B" env STRONGSWAN_CONF="$DB/strongswan.conf" SWANCTL_DIR="$DB/swanctl" \
		swanctl "$@" --uri "$VICI"
}
logs() {
	echo "--- kipsec-keyd (A) ---"
	grep -v 'received\|retransmitting' "$LOG/keyd.log" 2>/dev/null | tail -n 30
	echo "--- charon (B) ---"
	grep -v 'loaded\|plugin' "$LOG/charon.log" "$LOG/charon.out" 2>/dev/null | tail -n 30
}

# child_spis CONN [SAS]: "IN OUT" of kipsec-keyd's Child SA (hex, as keyd prints them)
child_spis() {
	sed -n "s/^$1: INSTALLED.* SPIs in \(0x[0-9a-f]*\) out \(0x[0-9a-f]*\),.*/\1 \2/p" <<<"${2:-$(keyctl sas)}"
}
# ike_spis CONN [SAS]: "SPIi_i SPIr_r" of the established IKE SA(s) of CONN
ike_spis() {
	sed -n "s/^$1: ESTABLISHED.* SPIs \([0-9a-f]*_i\) \([0-9a-f]*_r\).*/\1 \2/p" <<<"${2:-$(keyctl sas)}"
}
kipsec_spis() { kipsec_json "$NS_A" state list | jq -r '.[].spi' | sort; }
xfrm_spis() { ip -n "$NS_B" xfrm state | sed -n 's/.*proto esp spi \(0x[0-9a-f]*\).*/\1/p' | sort; }

# child_rekeyed CONN OLD_IN OLD_OUT: the new pair in use on both sides, the old one
# gone, nothing else left over (two pairs: one per connection)
child_rekeyed() {
	local sas ks xs in out s
	sas=$(keyctl sas)
	read -r in out <<<"$(child_spis "$1" "$sas")"
	[ -n "$in" ] && [ "$in" != "$2" ] && [ "$out" != "$3" ] || return 1
	ks=$(kipsec_spis)
	[ "$(grep -c . <<<"$ks")" = 4 ] || return 1
	for s in "$in" "$out"; do grep -qx "$((s))" <<<"$ks" || return 1; done
	for s in "$2" "$3"; do ! grep -qx "$((s))" <<<"$ks" || return 1; done
	xs=$(xfrm_spis)
	[ "$(grep -c . <<<"$xs")" = 4 ] || return 1
	for s in "$in" "$out"; do grep -qx "$s" <<<"$xs" || return 1; done
	for s in "$2" "$3"; do ! grep -qx "$s" <<<"$xs" || return 1; done
}

# child_begin CONN CMD... / child_end DESC CONN: rekey the Child SA of CONN
# with CMD, then check the outcome (two connections can be under way at once)
child_begin() {
	local conn=$1
	shift
	eval "OLD_$conn=\$(child_spis $conn)"
	"$@" >"$KT_TMP/cmd-$conn.out" 2>&1
}
child_end() {
	local desc=$1 conn=$2 old_in old_out
	eval "read -r old_in old_out <<<\"\$OLD_$conn\""
	if wait_for 120 child_rekeyed "$conn" "$old_in" "$old_out"; then
		ok "$desc: new SPIs $(child_spis "$conn" | tr ' ' /) in use on both sides, $old_in/$old_out gone"
	else
		not_ok "$desc: new SPIs in use on both sides, $old_in/$old_out gone"
		diag "$(cat "$KT_TMP/cmd-$conn.out"; keyctl sas; kipsec_spis | tr '\n' ' '; echo
			xfrm_spis | tr '\n' ' '; echo; logs)"
	fi
}

ike_rekeyed() {	# CONN OLD_SPIS CHILD_SPIS SWANCONN
	local sas s sw
	sas=$(keyctl sas)
	s=$(ike_spis "$1" "$sas")
	[ -n "$s" ] && [ "$(wc -l <<<"$s")" = 1 ] && [ "$s" != "$2" ] || return 1
	[ "$(child_spis "$1" "$sas")" = "$3" ] || return 1
	[ "$(grep -c "^$1: " <<<"$sas")" = 2 ] || return 1	# the IKE SA line and the Child SA line
	# strongSwan prints SPIs as "<spi_i>_i* <spi_r>_r" (the star marks its own)
	sw=$(swan --list-sas --ike "$4")
	grep -q "${s%% *}.* ${s##* }" <<<"$sw" && [ "$(grep -c ESTABLISHED <<<"$sw")" = 1 ]
}
ike_begin() {	# CONN CMD...
	local conn=$1
	shift
	eval "OLDIKE_$conn=\$(ike_spis $conn)"
	eval "OLD_$conn=\$(child_spis $conn)"
	"$@" >"$KT_TMP/cmd-$conn.out" 2>&1
}
ike_end() {	# DESC CONN SWANCONN
	local desc=$1 conn=$2 sc=$3 old child
	eval "old=\$OLDIKE_$conn child=\$OLD_$conn"
	if wait_for 120 ike_rekeyed "$conn" "$old" "$child" "$sc"; then
		ok "$desc: IKE SPIs now $(ike_spis "$conn"), old IKE SA gone on both sides, Child SA moved over"
	else
		not_ok "$desc: new IKE SPIs on both sides, old IKE SA gone, Child SA moved over"
		diag "$(cat "$KT_TMP/cmd-$conn.out"; keyctl sas; swan --list-sas; logs)"
	fi
}

# ping_start NAME NS SRC DST / ping_result NAME DESC MIN: a ping at 10/s;
# lost = sequence numbers missing below the highest answered one (the last
# one may still be in flight when ping is stopped).
ping_start() {
	ip netns exec "$2" ping -n -i 0.1 -I "$3" "$4" >"$KT_TMP/ping-$1.out" 2>&1 &
	eval "PING_$1=$!"
	KT_PIDS+=($!)
}
ping_stop() {	# NAME: "lost received"
	local pid seqs max n
	eval "pid=\$PING_$1"
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	seqs=$(grep -o 'icmp_seq=[0-9]*' "$KT_TMP/ping-$1.out" | cut -d= -f2 | sort -n -u)
	n=$(grep -c . <<<"$seqs")
	max=$(tail -n 1 <<<"$seqs")
	echo "$((${max:-0} - n)) $n"
}
ping_result() {
	local lost n
	read -r lost n <<<"$(ping_stop "$1")"
	[ "$lost" = 0 ] && [ "$n" -ge "$3" ]
	result $? "$2: $n echo replies at 10/s during the rekeys, $lost lost" \
		"$(tail -n 5 "$KT_TMP/ping-$1.out")"
}

# ------------------------------------------------------------ 1. strongSwan

swan_part() {
	cat >"$DA/keyd.conf" <<-EOF
	daemon = { port = 500; log_level = "debug"; };
	connections = (
	    {
	        name = "plain";
	        local = { addr = "$A4"; id = "fqdn:kipsec.test"; ts = [ "10.20.0.0/24" ]; };
	        remote = { addr = "$B4"; id = "fqdn:swan.test"; ts = [ "10.21.0.0/24" ]; };
	        psk = "$PSK";
	        ike_proposals = [ "aes256gcm16-prfsha256-ecp256" ];
	        esp_proposals = [ "aes256gcm16" ];
	        reqid = 7;
	    },
	    {
	        name = "pfs";
	        local = { addr = "$A4B"; id = "fqdn:kipsec2.test"; ts = [ "10.20.1.0/24" ]; };
	        remote = { addr = "$B4B"; id = "fqdn:swan2.test"; ts = [ "10.21.1.0/24" ]; };
	        psk = "$PSK";
	        ike_proposals = [ "aes256gcm16-prfsha256-ecp256" ];
	        esp_proposals = [ "aes256gcm16-modp2048" ];
	        reqid = 8;
	    }
	);
	EOF
	cat >"$DB/strongswan.conf" <<-EOF
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
				chd = 2
				knl = 2
				flush_line = yes
			}
		}
	}
	swanctl {
		load = pem pkcs1 x509 revocation constraints pubkey openssl random
	}
	EOF
	cat >"$DB/swanctl/swanctl.conf" <<-EOF
	connections {
		kip {
			local_addrs = $B4
			remote_addrs = $A4
			proposals = aes256gcm16-prfsha256-ecp256
			mobike = no
			rekey_time = 0
			local { auth = psk
				id = swan.test }
			remote { auth = psk
				id = kipsec.test }
			children {
				net {
					local_ts = 10.21.0.0/24
					remote_ts = 10.20.0.0/24
					esp_proposals = aes256gcm16
					rekey_time = 0
				}
			}
		}
		kpfs {
			local_addrs = $B4B
			remote_addrs = $A4B
			proposals = aes256gcm16-prfsha256-ecp256
			mobike = no
			rekey_time = 0
			local { auth = psk
				id = swan2.test }
			remote { auth = psk
				id = kipsec2.test }
			children {
				netpfs {
					local_ts = 10.21.1.0/24
					remote_ts = 10.20.1.0/24
					esp_proposals = aes256gcm16-modp2048
					rekey_time = 0
				}
			}
		}
	}
	secrets {
		ike-1 { id-a = swan.test
			id-b = kipsec.test
			secret = "$PSK" }
		ike-2 { id-a = swan2.test
			id-b = kipsec2.test
			secret = "$PSK" }
	}
	EOF

	ip netns exec "$NS_A" "$KEYD" -c "$DA/keyd.conf" -s "$SOCK" 2>"$LOG/keyd.log" &
	KT_PIDS+=($!)
	KEYD_PID=$!
	ip netns exec "$NS_B" sh -c 'mount --bind "$1" /run && shift &&
		exec env STRONGSWAN_CONF="$1" "$2"' sh "$DB/run" "$DB/strongswan.conf" "$CHARON" \
		>"$LOG/charon.out" 2>&1 &
	KT_PIDS+=($!)
	SWAN_PID=$!
	if ! wait_for 20 keyctl sas || ! wait_for 60 swan --stats || ! swan --load-all >"$DB/load.out" 2>&1; then
		not_ok "strongSwan: daemons started"
		diag "$(cat "$DB/load.out" 2>/dev/null; logs)"
		return 1
	fi
	keyctl up plain >/dev/null
	timeout 200 bash -c "$(declare -f swan); NS_B=$NS_B DB=$DB VICI=$VICI; swan --initiate --child netpfs --timeout 180" \
		>"$KT_TMP/init.out" 2>&1
	if ! wait_for 120 eval '[ -n "$(child_spis plain)" ] && [ -n "$(child_spis pfs)" ] && [ "$(kipsec_spis | grep -c .)" = 4 ]'; then
		not_ok "strongSwan: both connections up (plain by kipsec-keyd, pfs by strongSwan)"
		diag "$(cat "$KT_TMP/init.out"; keyctl sas; logs)"
		return 1
	fi
	ok "strongSwan: both connections up (plain by kipsec-keyd, pfs by strongSwan)"
	ping_start plain "$NS_A" 10.20.0.1 10.21.0.1
	ping_start pfs "$NS_A" 10.20.1.1 10.21.1.1
	wait_for 30 grep -q 'icmp_seq=' "$KT_TMP/ping-plain.out"
	wait_for 30 grep -q 'icmp_seq=' "$KT_TMP/ping-pfs.out"

	# two rekeys at a time, one per connection, each side initiating one:
	# the IKE SAs first, so the Child SA rekeys also prove the new IKE SAs
	# (SK_d, SK_e of the rekeyed SAs)
	ike_begin plain keyctl rekey plain ike
	ike_begin pfs swan --rekey --ike kpfs
	ike_end "IKE SA rekey by kipsec-keyd" plain kip
	ike_end "IKE SA rekey by strongSwan" pfs kpfs
	child_begin plain keyctl rekey plain child
	child_begin pfs swan --rekey --child netpfs
	child_end "Child SA rekey by kipsec-keyd, no PFS" plain
	child_end "Child SA rekey by strongSwan, PFS modp2048" pfs
	child_begin plain swan --rekey --child net
	child_begin pfs keyctl rekey pfs child
	child_end "Child SA rekey by strongSwan, no PFS" plain
	child_end "Child SA rekey by kipsec-keyd, PFS modp2048" pfs
	sleep 1
	ping_result plain "strongSwan, plain" 40
	ping_result pfs "strongSwan, pfs" 40
	# every SA in use counted the traffic (the newest pair switched over both ways)
	local bad=0 c="" s n
	for s in $(child_spis plain) $(child_spis pfs); do
		n=$(kipsec_sa_counter "$NS_A" "$s" packets)
		c+="$s: $n; "
		[ "${n:-0}" -gt 0 ] 2>/dev/null || bad=1
	done
	result $bad "strongSwan: the final kipsec SAs carried the traffic ($c)" "$(logs)"
	grep -q 'CREATE_CHILD_SA.*dropped\|cannot build' "$LOG/keyd.log"
	result $((!$?)) "strongSwan: no CREATE_CHILD_SA message dropped or failed" \
		"$(grep 'CREATE_CHILD_SA.*dropped\|cannot build' "$LOG/keyd.log")"
	kill "$KEYD_PID" "$SWAN_PID" 2>/dev/null
	wait "$KEYD_PID" "$SWAN_PID" 2>/dev/null
	return 0
}

# ------------------------------------------------------------ run

topo_pair || { skip_rest "no topology"; tap_done; }
ip -n "$NS_A" addr add $A4B/16 dev a0 && ip -n "$NS_B" addr add $B4B/16 dev b0
for a in 10.20.0.1 10.20.1.1; do ip -n "$NS_A" addr add $a/32 dev lo; done
for a in 10.21.0.1 10.21.1.1; do ip -n "$NS_B" addr add $a/32 dev lo; done
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 "$B4" || { skip_rest "no topology"; tap_done; }
warm_up_algs gcm256-128

if [ $HAVE_SWAN = 1 ]; then
	swan_part || skip_rest "strongSwan setup failed"
else
	skip_rest "strongSwan charon/swanctl not installed"
fi

tap_done
