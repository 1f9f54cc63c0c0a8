#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Asynchronous crypto: reload kipsec with force_async=1 (every SA's AEAD is
# wrapped in cryptd, so each packet completes from a worker, not inline) and
# run pings and a short TCP transfer through AES-GCM and AES-CBC/HMAC-SHA256
# against Linux XFRM. Proves the completions happen via cryptd instances in
# /proc/crypto. The module is reloaded without the parameter at the end.
. "$(dirname "$0")/lib.sh"

need ip ping jq iperf3
plan 10

if [ "$OUR" != kipsec ] || ! kipsec_loaded || [ -z "${KIPSEC_KO:-}" ]; then
	skip_rest "needs the kipsec module (KIPSEC_KO) loaded"
	tap_done
fi
restore() { kt_cleanup; module_reload >/dev/null 2>&1; }
trap restore EXIT

check "reload kipsec with force_async=1" module_reload force_async=1
p=$(cat /sys/module/kipsec/parameters/force_async 2>/dev/null)
[ "$p" = Y ] || [ "$p" = 1 ]
result $? "force_async parameter is set ($p)"

topo_pair
batch_begin
assoc_add kipsec xfrm transport gcm128-128 4
assoc_add kipsec xfrm tunnel cbc128-sha256 4
check "SAs and policies installed" batch_apply
setup_rc=$?

# cryptd around the whole AEAD is kipsec's doing: the AES-NI glue only ever
# wraps its internal "__" helpers.
g=$(grep -c '^driver *: cryptd(rfc4106' /proc/crypto)
c=$(grep -c '^driver *: cryptd(authenc(' /proc/crypto)
[ $setup_rc = 0 ] && [ "$g" -ge 1 ] && [ "$c" -ge 1 ]
result $? "cryptd wraps the SAs' AEADs (GCM: $g, CBC+HMAC: $c driver instances)" \
	"SA setup exit status $setup_rc (must be 0)" \
	"cryptd drivers in /proc/crypto:" "$(grep '^driver *: cryptd(' /proc/crypto)"

assoc_ping_all "1 2" 5
port=5400
for k in 1 2; do
	port=$((port + 1))
	tcp_ok "${ASSOC_DESC[k]}: TCP A->B, async crypto" "$NS_B" "${ASSOC_PB[k]}" "$NS_A" 2 $port -B "${ASSOC_PA[k]}"
done
assoc_counters "1 2" 20
tap_done
