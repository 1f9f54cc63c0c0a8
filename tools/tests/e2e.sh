#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end test of the kipsec CLI against the loaded module, as root in the
# lab VM (selftests/vm/run-vm.sh). TAP output, exit status 0 iff all passed.
#   selftests/vm/run-vm.sh --kernel KVER --module kmod/kipsec.ko -- tools/tests/e2e.sh
# Everything happens in a throwaway network namespace.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
K=${KIPSEC:-$here/../kipsec}
NS=kcli$$
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
diag() { sed 's/^/# /' <<<"$*"; }

# run EXPECTED_RC DESC ARGS...: run the CLI in the namespace, check its status.
OUT= ERR= RC=
run() {
	local want=$1 desc=$2
	shift 2
	OUT=$(ip netns exec "$NS" "$K" "$@" 2>"/tmp/kcli-err.$$")
	RC=$?
	ERR=$(cat "/tmp/kcli-err.$$")
	if [ "$RC" = "$want" ]; then
		ok "$desc"
	else
		nok "$desc (exit $RC, want $want)"
		diag "kipsec $*"
		diag "stdout: $OUT"
		diag "stderr: $ERR"
	fi
}

# has TEXT DESC: last stdout+stderr contains TEXT.
has() {
	if grep -qF -- "$1" <<<"$OUT$ERR"; then ok "$2"; else nok "$2"; diag "want: $1"; diag "got: $OUT$ERR"; fi
}

# jq_is FILTER WANT DESC: JSON of the last run, checked with python3.
json_is() {
	local got
	got=$(python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$1" <<<"$OUT" 2>&1)
	if [ "$got" = "$2" ]; then ok "$3"; else nok "$3"; diag "$1 = $got, want $2"; fi
}

cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -f "/tmp/kcli-err.$$"
}
trap cleanup EXIT

if ! grep -q '^kipsec ' /proc/modules; then
	insmod "${KIPSEC_KO:?KIPSEC_KO not set and kipsec not loaded}" || { echo "Bail out! insmod failed"; exit 1; }
fi
ip netns add "$NS" || { echo "Bail out! ip netns add"; exit 1; }

K20=0x0102030405060708090a0b0c0d0e0f1011121314
K16=0x0102030405060708090a0b0c0d0e0f10
K32=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
K36=${K32}21222324

# --- SAs
run 0 "state add aead rfc4106(gcm(aes)) tunnel" state add src 10.0.0.1 dst 10.0.0.2 proto esp \
	spi 0x1000 reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' $K20 128
run 0 "state add cbc(aes) + hmac(sha256)" state add src 10.0.0.2 dst 10.0.0.1 proto esp \
	spi 0x2000 reqid 2 mode transport enc 'cbc(aes)' $K16 auth-trunc 'hmac(sha256)' $K32 128
run 0 "state add chacha20-poly1305 IPv6" state add src 2001:db8::1 dst 2001:db8::2 \
	spi 0x3000 replay-window 128 flag insecure aead 'rfc7539esp(chacha20,poly1305)' $K36 128
# ESN: either the kernel takes it (and lists it) or says it does not support it.
OUT=$(ip netns exec "$NS" "$K" state add src 10.0.0.1 dst 10.0.0.9 spi 0x5000 flag esn \
	aead 'rfc4106(gcm(aes))' $K20 128 2>&1); RC=$?
if [ $RC = 0 ]; then
	OUT=$(ip netns exec "$NS" "$K" -j state get dst 10.0.0.9 spi 0x5000)
	json_is "d[0]['flags']" "['esn']" "flag esn accepted and listed"
	ip netns exec "$NS" "$K" state del dst 10.0.0.9 spi 0x5000
elif [ $RC = 2 ] && grep -q "kernel refused state add: .*ESN" <<<"$OUT"; then
	ok "flag esn refused by the kernel with a reason"
	diag "$OUT"
else
	nok "flag esn (exit $RC)"; diag "$OUT"
fi
run 0 "state add cipher_null + hmac(sha1)" state add src 10.0.0.1 dst 10.0.0.3 proto esp \
	spi 0x4000 enc cipher_null "" auth 'hmac(sha1)' $K20
run 2 "duplicate state add refused" state add src 10.0.0.1 dst 10.0.0.2 proto esp \
	spi 0x1000 aead 'rfc4106(gcm(aes))' $K20 128
has "kipsec: kernel refused state add:" "  message names the refusal"
run 2 "replay-window 5000 refused by the kernel" state add src 10.0.0.1 dst 10.0.0.2 \
	spi 0x1001 replay-window 5000 aead 'rfc4106(gcm(aes))' $K20 128
has "kipsec: kernel refused state add:" "  kernel refusal message"
has "[replay-window: 0..4096]" "  names the option and its range"
diag "replay-window 5000: $ERR"
run 2 "single DES refused by the kernel without flag insecure" state add src 10.0.0.1 \
	dst 10.0.0.2 spi 0x1002 enc 'cbc(des)' 0x0102030405060708 auth sha1 $K20
has "insecure" "  message names flag insecure"
diag "des: $ERR"
run 2 "enc without auth refused by the kernel" state add src 10.0.0.1 dst 10.0.0.2 spi 0x1003 \
	enc aes $K16
diag "enc only: $ERR"
run 1 "unknown algorithm is a usage error" state add src 10.0.0.1 dst 10.0.0.2 spi 0x1004 \
	enc 'cbc(foo)' $K16 auth sha1 $K20
has "kipsec: state add: unknown algorithm 'cbc(foo)'" "  message"

run 0 "state list" state list
diag "$OUT"
has "spi 0x00001000(4096) reqid 1 mode tunnel" "  text: spi/reqid/mode"
has "aead rfc4106(gcm(aes))" "  text: aead by name"
has "auth-trunc hmac(sha256)" "  text: auth by name"
has "packets 0 bytes 0" "  text: counters"
run 0 "state list -j" -j state list
json_is "len(d)" 4 "  four SAs in JSON"
if python3 -m json.tool <<<"$OUT" >/dev/null; then ok "  python3 -m json.tool accepts it"; else nok "  json.tool"; fi
json_is "sorted(x['spi'] for x in d)" "[4096, 8192, 12288, 16384]" "  spis"
json_is "[x for x in d if x['spi']==12288][0]['flags']" "['insecure']" "  insecure flag"
json_is "[x for x in d if x['spi']==12288][0]['replay_window']" 128 "  replay window"
json_is "[x for x in d if x['spi']==8192][0]['integ']['name']" "hmac(sha256)" "  integ name"
json_is "[x for x in d if x['spi']==4096][0]['stats']['drop_auth']" 0 "  stats keys"
run 0 "state list -s" -s state list
has "drops: replay 0" "  -s shows zero drops"
run 0 "state get" -j state get src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000
json_is "(len(d), d[0]['spi'], d[0]['mode'], d[0]['enc']['key_bits'])" "(1, 4096, 'tunnel', 128)" "  get returns the SA"
run 0 "state update replay-window" state update src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 replay-window 256
run 0 "  get after update" -j state get dst 10.0.0.2 spi 0x1000
json_is "d[0]['replay_window']" 256 "  replay window changed"
run 0 "state update in ip xfrm form, same mode/reqid" state update src 10.0.0.1 dst 10.0.0.2 proto esp \
	spi 0x1000 reqid 1 mode tunnel replay-window 64
run 2 "state update changing reqid refused by the kernel" state update dst 10.0.0.2 spi 0x1000 reqid 9
has "kipsec: kernel refused state update: REQID of an SA cannot change" "  kernel's extack text"
run 1 "state update with keys refused" state update src 10.0.0.1 dst 10.0.0.2 proto esp \
	spi 0x1000 aead 'rfc4106(gcm(aes))' $K20 128
run 2 "state update of a missing SA" state update dst 10.9.9.9 spi 0x99 replay-window 32
has "kernel refused state update" "  message"
run 0 "state del" state del src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000
run 2 "state get after del" state get dst 10.0.0.2 spi 0x1000
has "kipsec: kernel refused state get: no SA with this DST, SPI and PROTO (No such file or directory)" "  message"
diag "get after del: $ERR"
run 0 "state flush proto ah leaves ESP SAs" state flush proto ah
run 0 "  list" -j state list
json_is "len(d)" 3 "  three ESP SAs left"
run 0 "state flush" state flush
run 0 "  list" -j state list
json_is "d" "[]" "  empty after flush"

# --- policies
run 0 "policy add out tunnel (JSON id)" -j policy add src 192.168.1.0/24 dst 192.168.2.0/24 dir out \
	tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel reqid 1
json_is "type(d[0]['id']).__name__" int "  reply carries the id"
PID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])' <<<"$OUT" 2>/dev/null)
run 0 "policy add in, dir before selector, level use" policy add dir in src 192.168.2.0/24 \
	dst 192.168.1.0/24 tmpl src 10.0.0.2 dst 10.0.0.1 proto esp mode tunnel reqid 2 level use
run 0 "policy add fwd with ports" policy add src 10.1.0.0/16 dst 10.2.0.0/16 proto tcp \
	sport 1000-2000 dport 443 dir fwd priority 5 tmpl proto esp mode transport
run 0 "policy add block" policy add src 10.3.0.0/16 dst 0.0.0.0/0 dir out action block
run 0 "policy add allow (bypass), IPv6 icmp" policy add src ::/0 dst ::/0 proto ipv6-icmp \
	type 135 dir out action allow priority 1
run 0 "policy add bundle" policy add src 10.5.0.0/16 dst 10.6.0.0/16 dir out \
	tmpl proto esp mode transport reqid 5 tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel reqid 6
run 0 "policy add with an AH tmpl" policy add src 10.7.0.0/16 dst 10.8.0.0/16 dir out \
	tmpl proto esp mode transport tmpl proto ah mode transport
run 0 "  and delete it" policy del src 10.7.0.0/16 dst 10.8.0.0/16 dir out
run 2 "duplicate policy refused" policy add src 10.3.0.0/16 dst 0.0.0.0/0 dir out action block
has "kipsec: kernel refused policy add:" "  message"
run 0 "policy list" policy list
diag "$OUT"
has "src 192.168.1.0/24 dst 192.168.2.0/24" "  text: selector"
has "tmpl src 10.0.0.1 dst 10.0.0.2" "  text: tmpl"
has "action discard" "  text: discard"
has "sport 1000-2000 dport 443" "  text: ports"
run 0 "policy list -j" -j policy list
if python3 -m json.tool <<<"$OUT" >/dev/null; then ok "  python3 -m json.tool accepts it"; else nok "  json.tool"; fi
json_is "len(d)" 6 "  six policies"
json_is "sorted(x['action'] for x in d)" "['bypass', 'discard', 'protect', 'protect', 'protect', 'protect']" "  actions"
json_is "[len(x['tmpls']) for x in d if x['src']=='10.5.0.0/16'][0]" 2 "  bundle has two tmpls"
json_is "[x['tmpls'][0]['level'] for x in d if x['dir']=='in'][0]" use "  level use"
run 0 "policy list dir in" -j policy list dir in
json_is "len(d)" 1 "  one inbound policy"
run 0 "policy get id" -j policy get id "$PID"
json_is "(d[0]['id'], d[0]['dir'], d[0]['tmpls'][0]['reqid'])" "($PID, 'out', 1)" "  get by id"
run 0 "policy get by selector" -j policy get src 10.1.0.0/16 dst 10.2.0.0/16 proto tcp \
	sport 1000-2000 dport 443 dir fwd priority 5
json_is "d[0]['priority']" 5 "  found"
run 0 "policy del id" policy del id "$PID"
run 2 "policy get deleted id" policy get id "$PID"
has "kernel refused policy get" "  message"
run 0 "policy del by selector" policy del src 10.3.0.0/16 dst 0.0.0.0/0 dir out
run 0 "policy flush dir in" policy flush dir in
run 0 "  list" -j policy list
json_is "len(d)" 3 "  three left"
run 0 "policy flush" policy flush
run 0 "  list" -j policy list
json_is "d" "[]" "  empty after flush"

# --- stats, errors
run 0 "stats" stats
has "drop_auth" "  text names counters"
run 0 "stats -j" -j stats
json_is "all(k in d[0] for k in ['bytes', 'drop_auth', 'drop_crypto', 'drop_acquire', 'acquires', 'queued'])" "True" "  JSON keys"
run 1 "usage error exit 1" state add src 10.0.0.1
run 1 "unknown object" frobnicate

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ $failed = 0 ]
