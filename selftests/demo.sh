#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: two hosts in a VM. Host a runs kipsec (the module) and
# kipsec-keyd, host b runs strongSwan on Linux XFRM. kipsec-keyd negotiates
# an IKEv2 tunnel with strongSwan (PSK), a ping and a 4 MB transfer (with
# its SHA-256 checked on the other side) go through it, and `kipsec sas`,
# `kipsec state list` and strongSwan's view are shown.
# `make demo-manual` (--manual): the same two hosts with manually keyed SAs,
# kipsec against `ip xfrm`, the same syntax on both.
#
#   selftests/demo.sh [--manual]           on the host: installs deps, builds, boots a VM
#   selftests/demo.sh --guest [--manual]   inside the VM (what the VM runs)
# Environment: KIPSEC_DEMO_KVER (default: newest installed Debian kernel).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

if [ "${1:-}" != --guest ]; then
	mode=${1:-}
	cd "$repo" || exit 1
	if [ -x selftests/deps.sh ]; then
		selftests/deps.sh || { echo "demo: installing dependencies failed" >&2; exit 1; }
	fi
	kver=${KIPSEC_DEMO_KVER:-$(ls /usr/src | sed -n 's/^linux-headers-\(.*-amd64\)$/\1/p' | sort -V | tail -n 1)}
	[ -n "$kver" ] || { echo "demo: no kernel headers in /usr/src" >&2; exit 1; }
	bdir=$repo/build/demo/$kver
	mkdir -p "$bdir"
	rsync -a --delete --exclude .git --exclude build --exclude tools --exclude keyd \
		--exclude selftests --exclude bench "$repo/" "$bdir/"
	echo "demo: building kipsec.ko for $kver, the kipsec CLI and kipsec-keyd"
	make -C "/usr/src/linux-headers-$kver" M="$bdir" modules >"$bdir/build.log" 2>&1 ||
		{ tail -n 30 "$bdir/build.log"; echo "demo: module build failed" >&2; exit 1; }
	make -C tools >/dev/null || { echo "demo: CLI build failed" >&2; exit 1; }
	make -C keyd >/dev/null || { echo "demo: kipsec-keyd build failed" >&2; exit 1; }
	echo "demo: booting $kver under QEMU (a few minutes: no KVM, everything is emulated)"
	exec selftests/vm/run-vm.sh --kernel "$kver" --module "$bdir/kmod/kipsec.ko" \
		-- selftests/demo.sh --guest $mode
fi

# ---------------------------------------------------------------- guest
. "$here/lib.sh"
KIPSEC=$repo/tools/kipsec
say() { printf '\n=== %s\n' "$*"; }
run() {	# show the command as typed on that host, then run it
	local ns=$1
	shift
	printf '%s# %s\n' "${ns##*-}" "$*"
	ip netns exec "$ns" "$@"
}

if [ "${2:-}" != --manual ]; then
	# the commands as a user types them: kipsec and kipsec-keyd from this tree
	export PATH=$repo/tools:$repo/keyd:$PATH
	KIPSEC=kipsec CHARON=/usr/lib/ipsec/charon
	[ -x "$CHARON" ] || { echo "demo: strongSwan (charon) missing in the VM" >&2; exit 1; }
	insmod "$KIPSEC_KO" || exit 1
	topo_pair >/dev/null || exit 1
	left=$NS_A right=$NS_B
	ip -n "$left" addr add 10.20.0.1/32 dev lo
	ip -n "$right" addr add 10.21.0.1/32 dev lo
	D=$KT_TMP/demo
	mkdir -p "$D/swan/run" "$D/swan/swanctl"
	SOCK=$D/kipsec-keyd.sock VICI=unix://$D/swan/charon.vici
	PSK=demo-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' ')
	export KIPSEC_KEYD_SOCKET=$SOCK
	wait_for() {
		local end=$((SECONDS + $1))
		shift
		while ! "$@" >/dev/null 2>&1; do
			[ $SECONDS -ge $end ] && return 1
			sleep 0.5
		done
	}
	swan() {
		ip netns exec "$right" env STRONGSWAN_CONF="$D/swan/strongswan.conf" \
			SWANCTL_DIR="$D/swan/swanctl" swanctl "$@" --uri "$VICI"
	}
	fail() {
		echo "demo: $*" >&2
		echo "--- kipsec-keyd log ---" >&2
		tail -n 30 "$D/keyd.log" >&2
		exit 1
	}

	say "two hosts: a (kipsec + kipsec-keyd, $A4, LAN 10.20.0.0/16) and b (strongSwan on Linux XFRM, $B4, LAN 10.21.0.0/16)"
	cat >"$D/kipsec-keyd.conf" <<-EOF
	daemon = { port = 500; log_level = "info"; };
	connections = (
	    {
	        name = "demo";
	        local = { addr = "$A4"; id = "fqdn:a.demo"; ts = [ "10.20.0.0/16" ]; };
	        remote = { addr = "$B4"; id = "fqdn:b.demo"; ts = [ "10.21.0.0/16" ]; };
	        psk = "$PSK";
	        ike_proposals = [ "aes256gcm16-prfsha256-ecp256" ];
	        esp_proposals = [ "aes256gcm16" ];
	        mode = "tunnel";
	        start_action = "none";
	        dpd = { delay = 30; action = "restart"; };
	    }
	);
	EOF
	cat >"$D/swan/strongswan.conf" <<-EOF
	charon {
	    load = random nonce openssl kdf pem pkcs1 x509 pubkey kernel-netlink socket-default vici
	    install_routes = no
	    plugins { vici { socket = $VICI } }
	    filelog { swan { path = $D/charon.log
	                     default = 1 } }
	}
	swanctl { load = pem pkcs1 x509 pubkey openssl random }
	EOF
	cat >"$D/swan/swanctl/swanctl.conf" <<-EOF
	connections {
	    a {
	        version = 2
	        local_addrs = $B4
	        remote_addrs = $A4
	        proposals = aes256gcm16-prfsha256-ecp256
	        local { auth = psk
	                id = b.demo }
	        remote { auth = psk
	                 id = a.demo }
	        children { lan { local_ts = 10.21.0.0/16
	                         remote_ts = 10.20.0.0/16
	                         esp_proposals = aes256gcm16 } }
	    }
	}
	secrets { ike-a { id-a = a.demo
	                  id-b = b.demo
	                  secret = "$PSK" } }
	EOF
	echo "a# cat kipsec-keyd.conf"
	sed "s/$PSK/(secret)/" "$D/kipsec-keyd.conf"

	say "start kipsec-keyd on a and charon on b"
	# TCG: the first SA of an algorithm loads and self-tests kernel crypto; do it before IKE
	warm_up_algs gcm256-128 >/dev/null 2>&1
	run "$left" kipsec-keyd -c "$D/kipsec-keyd.conf" -s "$SOCK" 2>"$D/keyd.log" &
	KT_PIDS+=($!)
	ip netns exec "$right" sh -c 'mount --bind "$1" /run && shift &&
		exec env STRONGSWAN_CONF="$1" "$2"' sh "$D/swan/run" "$D/swan/strongswan.conf" "$CHARON" \
		>"$D/charon.out" 2>&1 &
	KT_PIDS+=($!)
	wait_for 30 ip netns exec "$left" "$KIPSEC" sas || fail "kipsec-keyd did not start"
	wait_for 60 swan --stats && swan --load-all >/dev/null 2>&1 || fail "charon did not start"

	say "negotiate the tunnel: kipsec up demo"
	run "$left" "$KIPSEC" up demo || fail "kipsec up failed"
	established() { ip netns exec "$left" "$KIPSEC" -j sas | jq -e '.[0].child_sas | length == 1'; }
	wait_for 240 established || fail "the tunnel did not come up"
	grep -E 'IKE SA established|Child SA installed' "$D/keyd.log" | sed 's/^/  log: /'

	say "ping from LAN a to LAN b, through the tunnel"
	run "$left" ping -c 4 -I 10.20.0.1 10.21.0.1 || fail "ping failed"

	say "4 MB over TCP, a -> b, SHA-256 compared on both sides"
	head -c 4194304 /dev/urandom >"$D/payload"
	ip netns exec "$right" sh -c "nc -l -p 5001 -s 10.21.0.1 >'$D/received'" &
	rx=$!
	wait_listen "$right" 5001 30
	start=$SECONDS
	run "$left" nc -N -s 10.20.0.1 10.21.0.1 5001 <"$D/payload"
	wait $rx
	sent=$(sha256sum <"$D/payload" | cut -c1-64) got=$(sha256sum <"$D/received" | cut -c1-64)
	echo "sent     $(stat -c %s "$D/payload") bytes  sha256 $sent"
	echo "received $(stat -c %s "$D/received") bytes  sha256 $got  ($((SECONDS - start)) s)"
	[ "$sent" = "$got" ] && echo "checksums match" || fail "checksums differ"

	say "the IKE and Child SAs as kipsec-keyd sees them (counters from the module)"
	run "$left" "$KIPSEC" sas
	say "the ESP SAs in the kipsec module"
	run "$left" "$KIPSEC" state list
	say "and strongSwan's side"
	swan --list-sas | sed 's/^/b# /'

	say "kipsec down demo: Delete to strongSwan, SAs gone from both kernels"
	run "$left" "$KIPSEC" down demo
	wait_for 60 sh -c "[ \"\$(ip netns exec $left $KIPSEC -j state list | jq length)\" = 0 ]" ||
		fail "SAs still installed"
	run "$left" "$KIPSEC" sas
	echo
	echo "demo: done"
	exit 0
fi

# ------------------------------------------------------- manual keys (--manual)

insmod "$KIPSEC_KO" || exit 1
topo_pair >/dev/null || exit 1
left=$NS_A right=$NS_B
ip -n "$left" addr add 192.168.1.1/24 dev lo
ip -n "$right" addr add 192.168.2.1/24 dev lo
ip -n "$left" route add 192.168.2.0/24 via $B4
ip -n "$right" route add 192.168.1.0/24 via $A4

say "two hosts: a (kipsec, $A4, LAN 192.168.1.0/24) and b (Linux XFRM, $B4, LAN 192.168.2.0/24)"
KEY1=$(hexkey 20 1) KEY2=$(hexkey 20 2)
for side in "$left kipsec" "$right ip xfrm"; do
	read -r ns tool <<<"$side"
	# shellcheck disable=SC2086
	run "$ns" $tool state add src $A4 dst $B4 proto esp spi 0x1001 reqid 1 mode tunnel \
		aead 'rfc4106(gcm(aes))' "$KEY1" 128 || exit 1
	# shellcheck disable=SC2086
	run "$ns" $tool state add src $B4 dst $A4 proto esp spi 0x1002 reqid 2 mode tunnel \
		aead 'rfc4106(gcm(aes))' "$KEY2" 128 || exit 1
done
# shellcheck disable=SC2086
for side in "$left kipsec 192.168.1.0/24 192.168.2.0/24 $A4 $B4 1 2" \
	    "$right ip\ xfrm 192.168.2.0/24 192.168.1.0/24 $B4 $A4 2 1"; do
	eval "set -- $side"
	ns=$1 tool=$2 l=$3 r=$4 la=$5 ra=$6 qo=$7 qi=$8
	run "$ns" $tool policy add src $l dst $r dir out tmpl src $la dst $ra proto esp mode tunnel reqid $qo || exit 1
	run "$ns" $tool policy add src $r dst $l dir in tmpl src $ra dst $la proto esp mode tunnel reqid $qi || exit 1
done

say "ping from LAN a to LAN b, through the tunnel"
run "$left" ping -c 4 -I 192.168.1.1 192.168.2.1

say "TCP for 3 seconds (iperf3), a -> b"
ip netns exec "$right" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
KT_PIDS+=($!)
wait_listen "$right" 5201 20
run "$left" iperf3 -c 192.168.2.1 -B 192.168.1.1 -t 3 -f m | grep -E 'sender|receiver'

say "what the wire carries between a and b (5 packets)"
ip netns exec "$right" tcpdump -Z root -n -c 5 -i b0 2>/dev/null &
tp=$!
sleep 1.5
ip netns exec "$left" ping -q -c 3 -I 192.168.1.1 192.168.2.1 >/dev/null
wait $tp

say "the SAs as kipsec sees them (counters included)"
run "$left" "$KIPSEC" state list
say "the policies"
run "$left" "$KIPSEC" policy list
say "and the XFRM side"
run "$right" ip -s xfrm state | grep -E '^src|proto esp|lifetime current' -A1 | grep -v '^--'
