#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: two hosts in a VM, kipsec on one and Linux XFRM on the other,
# an ESP tunnel with manual keys, ping and a short TCP transfer through it,
# then the SAs and policies as kipsec shows them. (Until kipsec-keyd
# negotiates them, the keys are typed in; the same ip-xfrm syntax configures
# both hosts.)
#
#   selftests/demo.sh            on the host: installs deps, builds, boots a VM
#   selftests/demo.sh --guest    inside the VM (what the VM runs)
# Environment: KIPSEC_DEMO_KVER (default: newest installed Debian kernel).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

if [ "${1:-}" != --guest ]; then
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
	echo "demo: building kipsec.ko for $kver and the kipsec CLI"
	make -C "/usr/src/linux-headers-$kver" M="$bdir" modules >"$bdir/build.log" 2>&1 ||
		{ tail -n 30 "$bdir/build.log"; echo "demo: module build failed" >&2; exit 1; }
	make -C tools >/dev/null || { echo "demo: CLI build failed" >&2; exit 1; }
	echo "demo: booting $kver under QEMU (a minute or two: no KVM, everything is emulated)"
	exec selftests/vm/run-vm.sh --kernel "$kver" --module "$bdir/kmod/kipsec.ko" \
		-- selftests/demo.sh --guest
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
