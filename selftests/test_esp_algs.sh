#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Algorithms for older peers: 3DES-CBC, HMAC-MD5-96, AES-CTR (RFC 3686),
# AES-GMAC (RFC 4543), AES-XCBC-96 and AES-CMAC-96, each between kipsec and
# kipsec and between kipsec (A) and Linux XFRM (B), transport mode over
# IPv4: pings both ways answered and the SA counters moved on both hosts
# (A->B: XFRM decrypts kipsec's packets, B->A the reverse). Then the
# refusals: DES and ESP without integrity only with flag insecure, NULL
# encryption never without integrity.
. "$(dirname "$0")/lib.sh"

need ip ping jq

# The algorithms of this test, on top of lib.sh's (same naming scheme).
eval "lib_alg_args() $(declare -f alg_args | tail -n +2)"
alg_args() {
	local seed=$2 ek ik
	case $1 in
	3des-md5) hexkey_v 24 "$seed"; ek=$HEX; hexkey_v 16 $((seed + 100)); ik=$HEX
		ALGV=(enc 'cbc(des3_ede)' "$ek" auth-trunc 'hmac(md5)' "$ik" 96) ;;
	ctr128-sha256) hexkey_v 20 "$seed"; ek=$HEX; hexkey_v 32 $((seed + 100)); ik=$HEX
		ALGV=(enc 'rfc3686(ctr(aes))' "$ek" auth-trunc 'hmac(sha256)' "$ik" 128) ;;
	ctr256-sha1) hexkey_v 36 "$seed"; ek=$HEX; hexkey_v 20 $((seed + 100)); ik=$HEX
		ALGV=(enc 'rfc3686(ctr(aes))' "$ek" auth-trunc 'hmac(sha1)' "$ik" 96) ;;
	gmac128) hexkey_v 20 "$seed"
		ALGV=(aead 'rfc4543(gcm(aes))' "$HEX" 128) ;;
	gmac256) hexkey_v 36 "$seed"
		ALGV=(aead 'rfc4543(gcm(aes))' "$HEX" 128) ;;
	cbc128-xcbc | cbc128-cmac) hexkey_v 16 "$seed"; ek=$HEX; hexkey_v 16 $((seed + 100)); ik=$HEX
		ALGV=(enc 'cbc(aes)' "$ek" auth-trunc "${1#cbc128-}(aes)" "$ik" 96) ;;
	*) lib_alg_args "$@" ;;
	esac
}

ALGS=${KIPSEC_TEST_ALGS:-3des-md5 ctr128-sha256 ctr256-sha1 gmac128 gmac256 cbc128-xcbc cbc128-cmac}
PAIRS="$OUR-$OUR $OUR-xfrm"
n=0
for _ in $ALGS; do n=$((n + 1)); done
plan $((1 + 2 * (1 + 2 * n) + 7))

if ! our_side_ready; then
	skip_rest "kipsec module or CLI missing"
	tap_done
fi

topo_pair
check "topology: plain ping A->B" ping_count "$NS_A" -c 1 $B4 || { skip_rest "no topology"; tap_done; }
# shellcheck disable=SC2086
warm_up_algs $ALGS

N=3
for pair in $PAIRS; do
	ia=${pair%-*} ib=${pair#*-}
	first=$((KT_NASSOC + 1))
	batch_begin
	for alg in $ALGS; do
		assoc_add "$ia" "$ib" transport "$alg" 4
	done
	list=$(seq "$first" "$KT_NASSOC")
	check "SAs and policies for every algorithm installed (A=$ia B=$ib)" batch_apply
	assoc_ping_all "$list" $N
	assoc_counters "$list" $((2 * N))
	assoc_flush "$ia" "$ib"
done

# ---------------------------------------------------------- refusals

[ "$OUR" = kipsec ] || { skip_rest "kipsec-only messages"; tap_done; }

# refused DESC PATTERN ARGS...: exit 2 (kernel refusal; KT_RC: another
# exit status) with PATTERN in the one-line message.
refused() {
	local desc=$1 pat=$2 rc want=${KT_RC:-2}
	shift 2
	ip netns exec "$NS_A" "$KIPSEC" state add src $A4 dst $B4 proto esp "$@" >"$KT_TMP/o" 2>&1
	rc=$?
	[ $rc = "$want" ] && grep -Eq "$pat" "$KT_TMP/o" && [ "$(wc -l <"$KT_TMP/o")" = 1 ]
	result $? "$desc (exit $rc: $(<"$KT_TMP/o"))" "expected exit $want and /$pat/ on one line"
}

accepted() {
	local desc=$1 rc
	shift
	ip netns exec "$NS_A" "$KIPSEC" state add src $A4 dst $B4 proto esp "$@" >"$KT_TMP/o" 2>&1
	rc=$?
	[ $rc = 0 ] && kipsec_json "$NS_A" state list |
		jq -e --argjson s "$(($2))" 'any(.[]; .spi == $s)' >/dev/null
	result $? "$desc (exit $rc)" "$(<"$KT_TMP/o")"
}

DES=(enc 'cbc(des)' 0x0123456789abcdef auth-trunc 'hmac(md5)' "$(hexkey 16 1)" 96)
AES_ONLY=(enc 'cbc(aes)' "$(hexkey 16 2)")
refused "DES refused without flag insecure" "DES.*flag insecure" spi 0x4001 "${DES[@]}"
accepted "DES accepted with flag insecure" spi 0x4001 flag insecure "${DES[@]}"
refused "AES-CBC without integrity refused without flag insecure" \
	"without integrity.*flag insecure" spi 0x4002 "${AES_ONLY[@]}"
accepted "AES-CBC without integrity accepted with flag insecure" spi 0x4002 flag insecure "${AES_ONLY[@]}"
refused "NULL encryption without integrity refused even with flag insecure" \
	"NULL encryption needs an integrity" spi 0x4003 flag insecure enc cipher_null ""
KT_RC=1 refused "3DES with a 16-byte key is a usage error" "must be 24 bytes" spi 0x4004 enc 'cbc(des3_ede)' "$(hexkey 16 3)" \
	auth-trunc 'hmac(md5)' "$(hexkey 16 1)" 96
n=$(kipsec_json "$NS_A" state list | jq length)
[ "$n" = 2 ]
result $? "exactly the 2 accepted SAs exist ($n)" "$(kipsec_json "$NS_A" state list)"
ipsec_flush $OUR "$NS_A" >/dev/null 2>&1

tap_done
