#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Shared setup for IKE selftests: strongSwan's charon and kipsec-keyd, each
# in a network namespace, addressed by a short NAME (an identifier: a, b,
# swan, nat, ...). Source it after lib.sh.
#
#   ike_have_swan                     strongSwan's charon and swanctl installed?
#   wait_for SECS CMD...              poll CMD until it succeeds (wall clock)
#   swan_dir NAME                     the instance's directory; the test writes
#                                     $(swan_dir NAME)/swanctl/swanctl.conf
#   swan_start NAME NS [LINES]        start charon in NS (its own /run, config,
#                                     vici socket); LINES go into charon { }
#   swan NAME ARGS...                 swanctl against that charon
#   swan_timeout SECS NAME ARGS...    the same, killed after SECS
#   swan_load NAME                    swanctl --load-all, output kept on failure
#   swan_stop NAME
#   keyd_start NAME NS CONF [ARGS]    start kipsec-keyd with CONF in NS
#   keyctl NAME ARGS...               kipsec-keyd --ctl against that daemon
#   kcli NAME ARGS...                 the kipsec CLI, talking to that daemon
#   keyd_stop NAME
#   kipsec_empty NS / xfrm_empty NS   no SA and no policy left in that kernel
#   ike_logs                          the tails of every daemon's log
#
# Logs go to $IKE_LOG (kept after the VM when run with run-vm.sh --out).

CHARON=${KIPSEC_CHARON:-/usr/lib/ipsec/charon}
KEYD=${KIPSEC_KEYD:-$KT_REPO/keyd/kipsec-keyd}
IKE_LOG=${KIPSEC_VM_OUT:-$KT_TMP}/$(basename "$0" .sh)
mkdir -p "$IKE_LOG"
declare -gA IKE_NS=() IKE_PID=()

ike_have_swan() {
	[ -x "$CHARON" ] && command -v swanctl >/dev/null 2>&1
}

# Wall clock, not a count of polls: under TCG one poll can take seconds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.3
	done
}

swan_dir() { echo "$KT_TMP/swan-$1"; }

swan() {
	swan_timeout 0 "$@"
}

# swanctl --initiate waits for the whole exchange: bound it by wall clock
swan_timeout() {	# SECS NAME ARGS... (0: no bound)
	local secs=$1 name=$2 dir
	shift 2
	dir=$(swan_dir "$name")
	timeout "$secs" ip netns exec "${IKE_NS[$name]}" env STRONGSWAN_CONF="$dir/strongswan.conf" \
		SWANCTL_DIR="$dir/swanctl" swanctl "$@" --uri "unix://$dir/charon.vici"
}

# A short plugin list: swanctl and charon start in a second instead of 15.
swan_start() {	# NAME NS [LINES]
	local name=$1 ns=$2 extra=${3:-} dir
	dir=$(swan_dir "$name")
	mkdir -p "$dir/run" "$dir/swanctl"
	IKE_NS[$name]=$ns
	cat >"$dir/strongswan.conf" <<-EOF
	charon {
	load = random nonce openssl kdf pem pkcs1 x509 revocation constraints pubkey kernel-netlink socket-default vici updown
	install_routes = no
	$extra
	plugins {
	vici {
	socket = unix://$dir/charon.vici
	}
	}
	filelog {
	swan {
	path = $IKE_LOG/charon-$name.log
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
	# charon's pid file is /run/charon.pid: give each charon a /run of its own
	ip netns exec "$ns" sh -c 'mount --bind "$1" /run && shift &&
		exec env STRONGSWAN_CONF="$1" "$2"' sh "$dir/run" "$dir/strongswan.conf" "$CHARON" \
		>"$IKE_LOG/charon-$name.out" 2>&1 &
	IKE_PID[swan-$name]=$!
	KT_PIDS+=($!)
	wait_for 60 swan "$name" --stats
}

swan_load() {	# NAME
	local out
	out=$(swan "$1" --load-all 2>&1) && return 0
	echo "$out" >&2
	return 1
}

swan_stop() {
	local pid=${IKE_PID[swan-$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "IKE_PID[swan-$1]"
	return 0
}

keyd_sock() { echo "$KT_TMP/keyd-$1/keyd.sock"; }

keyd_start() {	# NAME NS CONF [ARGS...]
	local name=$1 ns=$2 conf=$3
	shift 3
	mkdir -p "$KT_TMP/keyd-$name"
	IKE_NS[$name]=$ns
	[ -f "$IKE_LOG/keyd-$name.log" ] && mv "$IKE_LOG/keyd-$name.log" "$IKE_LOG/keyd-$name.log.old"
	ip netns exec "$ns" "$KEYD" -c "$conf" -s "$(keyd_sock "$name")" "$@" \
		2>"$IKE_LOG/keyd-$name.log" &
	IKE_PID[keyd-$name]=$!
	KT_PIDS+=($!)
	wait_for 20 keyctl "$name" sas
}

keyctl() {
	local name=$1
	shift
	ip netns exec "${IKE_NS[$name]}" "$KEYD" -s "$(keyd_sock "$name")" --ctl "$@"
}

kcli() {
	local name=$1
	shift
	ip netns exec "${IKE_NS[$name]}" env KIPSEC_KEYD_SOCKET="$(keyd_sock "$name")" \
		"$KT_REPO/tools/kipsec" "$@"
}

keyd_stop() {
	local pid=${IKE_PID[keyd-$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "IKE_PID[keyd-$1]"
	return 0
}

kipsec_empty() {	# NS
	[ "$(kipsec_json "$1" state list | jq length)" = 0 ] &&
	[ "$(kipsec_json "$1" policy list | jq length)" = 0 ]
}

# charon's per-socket bypass policies ("dir socket ...") stay: not SPD entries.
xfrm_empty() {	# NS
	[ -z "$(ip -n "$1" xfrm state)" ] &&
	! ip -n "$1" xfrm policy | grep -qE 'dir (in|out|fwd)'
}

ike_logs() {
	local f
	for f in "$IKE_LOG"/keyd-*.log; do
		[ -f "$f" ] || continue
		echo "--- $(basename "$f") ---"
		tail -n 25 "$f"
	done
	for f in "$IKE_LOG"/charon-*.log; do
		[ -f "$f" ] || continue
		echo "--- $(basename "$f") ---"
		grep -v 'loaded\|plugin' "$f" | tail -n 25
	done
}
