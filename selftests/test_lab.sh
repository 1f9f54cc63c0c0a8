#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lab sanity test: proves the VM lab can do namespaced networking and
# in-kernel ESP before any kipsec test relies on it. Two network namespaces
# joined by a veth pair talk through Linux XFRM transport-mode ESP
# (rfc4106(gcm(aes))); pings must arrive, both SAs' counters must move, and
# pings must stop once the receiving SA is gone (so the test can fail).
# Self-contained TAP (does not depend on lib.sh).
set -u

n=0 failed=0
ok()   { n=$((n + 1)); echo "ok $n - $*"; }
nok()  { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# Run a command, its output as TAP diagnostics; ok/not ok by its status.
check() {
	local desc=$1 rc
	shift
	"$@" 2>&1 | sed 's/^/# /'
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 0 ]; then ok "$desc"; else nok "$desc"; fi
}

a=lab-a-$$ b=lab-b-$$
cleanup() { ip netns del "$a" 2>/dev/null; ip netns del "$b" 2>/dev/null; }
trap cleanup EXIT

echo "1..7"
# Private addresses on a veth pair that exists only inside the VM.
A=192.0.2.1 B=192.0.2.2
setup() {
	ip netns add "$a" && ip netns add "$b" &&
	ip link add va netns "$a" type veth peer name vb netns "$b" &&
	ip -n "$a" addr add $A/24 dev va && ip -n "$b" addr add $B/24 dev vb &&
	ip -n "$a" link set va up && ip -n "$b" link set vb up &&
	ip -n "$a" link set lo up && ip -n "$b" link set lo up
}
check "two namespaces joined by a veth pair" setup
check "clear-text ping works before IPsec" ip netns exec "$a" ping -c 2 -i 0.2 -W 2 -q $B

# 160-bit keys: 128-bit AES key + 32-bit salt (RFC 4106).
kab=0x0123456789abcdef0123456789abcdef01234567
kba=0x89abcdef0123456789abcdef0123456789abcdef
xfrm_setup() {
	local ns
	for ns in "$a" "$b"; do
		ip -n "$ns" xfrm state add src $A dst $B proto esp spi 0x1001 reqid 1 mode transport \
			aead 'rfc4106(gcm(aes))' $kab 128 || return 1
		ip -n "$ns" xfrm state add src $B dst $A proto esp spi 0x1002 reqid 2 mode transport \
			aead 'rfc4106(gcm(aes))' $kba 128 || return 1
	done
	ip -n "$a" xfrm policy add src $A dst $B dir out tmpl proto esp reqid 1 mode transport &&
	ip -n "$a" xfrm policy add src $B dst $A dir in tmpl proto esp reqid 2 mode transport &&
	ip -n "$b" xfrm policy add src $B dst $A dir out tmpl proto esp reqid 2 mode transport &&
	ip -n "$b" xfrm policy add src $A dst $B dir in tmpl proto esp reqid 1 mode transport
}
check "XFRM transport-mode ESP SAs and policies installed (rfc4106(gcm(aes)))" xfrm_setup

# Packets counted by an SA ("N(packets)" under "lifetime current").
sa_packets() { # ns src dst spi
	ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4" 2>/dev/null |
		sed -n 's/.*[^0-9]\([0-9][0-9]*\)(packets).*/\1/p' | head -n 1
}
check "ping through ESP: 5 of 5 replies" ip netns exec "$a" ping -c 5 -i 0.2 -W 5 -q $B

out_a=$(sa_packets "$a" $A $B 0x1001) in_b=$(sa_packets "$b" $A $B 0x1001)
echo "# a->b SA: sender counted ${out_a:-?} packets, receiver ${in_b:-?}"
check "ESP counters moved on both ends of a->b SA" \
	test "${out_a:-0}" -ge 5 -a "${in_b:-0}" -ge 5
rev_b=$(sa_packets "$b" $B $A 0x1002) rev_a=$(sa_packets "$a" $B $A 0x1002)
echo "# b->a SA: sender counted ${rev_b:-?} packets, receiver ${rev_a:-?}"
check "ESP counters moved on both ends of b->a SA" \
	test "${rev_b:-0}" -ge 5 -a "${rev_a:-0}" -ge 5

# Without the receiver's SA the ESP packets must be dropped.
ip -n "$b" xfrm state del src $A dst $B proto esp spi 0x1001
check "ping fails once the receiving SA is deleted" \
	bash -c "! ip netns exec '$a' ping -c 2 -i 0.2 -W 1 -q $B >/dev/null"

[ "$failed" -eq 0 ]
