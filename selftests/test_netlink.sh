#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kipsec generic netlink family: bad requests are refused with the right
# errno and a message (selftests/nl_negative), state and dumps are exact,
# every command needs CAP_NET_ADMIN, and each network namespace sees only
# its own SAs. Finally the module is unloaded with SAs installed and loaded
# again. Runs as root inside the lab VM with kipsec.ko loaded (KIPSEC_KO).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

NLNEG=selftests/nl_negative
OWN_TESTS=10
NS_SUITE=kipsec-nl-suite-$$
NS_A=kipsec-nl-a-$$
NS_B=kipsec-nl-b-$$
NS_C=kipsec-nl-c-$$

if [ ! -x "$NLNEG" ]; then
	make -s -C selftests nl_negative >&2
fi
if ! n_suite=$("$NLNEG" --count 2>/dev/null); then
	echo "1..1"
	echo "not ok 1 - $NLNEG missing and could not be built (make -C selftests)"
	exit 1
fi
echo "1..$((n_suite + OWN_TESTS))"

n=$n_suite
failed=0
check() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=1
	fi
}

cleanup() {
	ip netns del "$NS_SUITE" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
}
trap cleanup EXIT

ip netns add "$NS_SUITE" && ip netns add "$NS_A" && ip netns add "$NS_B" || {
	echo "Bail out! cannot create network namespaces"
	exit 1
}

# The suite prints its own plan; ours above counts its subtests already.
ip netns exec "$NS_SUITE" "$NLNEG" | sed -u 's/^1\.\./# nl_negative plan: 1../'
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1

# Exit status 0 of "nl_negative eperm" means: refused with EPERM.
eperm_as() {
	local out
	out=$(ip netns exec "$NS_SUITE" "$@" "$NLNEG" eperm 2>&1)
	local rc=$?
	echo "# $out"
	return $rc
}
check "SA_ADD as uid 65534 without capabilities refused with EPERM" \
	eperm_as setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all
check "SA_ADD as root without CAP_NET_ADMIN refused with EPERM" \
	eperm_as setpriv --bounding-set=-net_admin --inh-caps=-all

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$NLNEG" "$@"; }
rc_is() { local want=$1; shift; "$@"; [ $? -eq "$want" ]; }
dump_empty() { [ "$(in_ns "$1" count)" = "sas 0 policies 0" ]; }

check "SA added in netns A" in_ns "$NS_A" add 0x4242
check "SA visible in netns A" in_ns "$NS_A" get 0x4242
check "SA invisible from netns B (ENOENT)" rc_is 3 in_ns "$NS_B" get 0x4242
check "SA invisible from init_net (ENOENT)" rc_is 3 "$NLNEG" get 0x4242
check "SA and policy dumps empty in netns B" dump_empty "$NS_B"

# Namespace exit frees its SAs (the VM runner catches any kernel complaint).
delete_ns_with_sa() {
	ip netns add "$NS_C" && in_ns "$NS_C" add 0x4343 && in_ns "$NS_C" get 0x4343 &&
		ip netns del "$NS_C" && dump_empty "$NS_B"
}
check "delete a namespace that holds an SA" delete_ns_with_sa

# Unload with state in place: SAs in two namespaces (A, and the suite's).
unload_with_state() {
	in_ns "$NS_SUITE" add 0x5151 || return 1
	grep -q '^kipsec ' /proc/modules || return 1
	rmmod kipsec || return 1
	! grep -q '^kipsec ' /proc/modules
}
reload() {
	insmod "$KIPSEC_KO" && in_ns "$NS_A" count >/dev/null && dump_empty "$NS_A"
}
if [ -n "${KIPSEC_KO:-}" ]; then
	check "rmmod kipsec with SAs installed in two namespaces" unload_with_state
	check "insmod again: family back, namespaces start empty" reload
else
	n=$((n + 1)); echo "ok $n - rmmod with SAs installed # SKIP KIPSEC_KO not set"
	n=$((n + 1)); echo "ok $n - insmod again # SKIP KIPSEC_KO not set"
fi

exit $failed
