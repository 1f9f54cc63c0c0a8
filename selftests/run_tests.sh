#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the kipsec selftests INSIDE the lab VM (selftests/vm/run-vm.sh) and
# merge their TAP into one stream.
#
#   run_tests.sh [test_x.sh ...]     default: every selftests/test_*.sh
#
# Environment: KIPSEC_KO (module to insmod first; reloaded before any test
# that finds it unloaded), KIPSEC_TEST_TIMEOUT (seconds per test, default 600).
# Exported to tests: KIPSEC_KO, KIPSEC (CLI path), KVER, PATH with tools/.
#
# Output: "ok N - test_x: desc" / "not ok N - test_x: desc" for every subtest,
# everything else as "# test_x: ..." comments, plan at the end, then exactly
# one line "N passed, N failed". A test that times out, crashes, exits
# non-zero with all subtests ok, runs fewer subtests than planned or prints
# no plan adds one failure. Exit status 0 iff nothing failed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo" || exit 1

if [ ! -d /run/kipsec-vm ] && [ "${KIPSEC_ALLOW_HOST:-0}" != 1 ]; then
	echo "run_tests.sh: refusing to run outside the lab VM (use selftests/vm/run-vm.sh," \
		"or set KIPSEC_ALLOW_HOST=1)" >&2
	exit 2
fi

export PATH="$repo/tools:$repo/keyd:$repo/selftests:$PATH"
export KIPSEC="$repo/tools/kipsec"
export KVER=${KVER:-$(uname -r)}
export KIPSEC_KO=${KIPSEC_KO:-}
timeout_s=${KIPSEC_TEST_TIMEOUT:-600}
kpattern='WARNING:|BUG:|Oops|general protection|Slab cache still has objects|kernel BUG|UBSAN|KASAN|refcount_t:|Call Trace:'

total=0 passed=0 failed=0 skipped=0
tap_ok() { total=$((total + 1)); passed=$((passed + 1)); echo "ok $total - $*"; }
tap_fail() { total=$((total + 1)); failed=$((failed + 1)); echo "not ok $total - $*"; }

module_loaded() { grep -q '^kipsec ' /proc/modules; }
load_module() {
	local out
	if out=$(insmod "$KIPSEC_KO" 2>&1); then
		tap_ok "run_tests: insmod $(basename "$KIPSEC_KO")${1:+ ($1)}"
	else
		echo "# run_tests: $out"
		tap_fail "run_tests: insmod $KIPSEC_KO${1:+ ($1)}"
	fi
}

if [ $# -gt 0 ]; then
	tests=()
	for t in "$@"; do
		case "$t" in */*) tests+=("$t") ;; *) tests+=("selftests/$t") ;; esac
	done
else
	# Non-executable ones too: a forgotten chmod shows up as a failure.
	mapfile -t tests < <(find selftests -maxdepth 1 -name 'test_*.sh' -type f | LC_ALL=C sort)
fi

echo "# kernel $(uname -r), ${#tests[@]} test scripts, ${timeout_s}s timeout each"
[ -n "$KIPSEC_KO" ] && load_module

for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	if [ ! -x "$t" ]; then
		tap_fail "$name: not found or not executable"
		continue
	fi
	if [ -n "$KIPSEC_KO" ] && ! module_loaded; then
		echo "# run_tests: kipsec was unloaded by an earlier test; reloading"
		load_module "before $name"
	fi
	dmesg_before=$(dmesg | wc -l)
	start=$(date +%s)
	echo "# ===== $name"

	plan=-1 seen=0 bad=0 rc=
	# Merge stdout+stderr; re-number subtest lines, comment everything else.
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			seen=$((seen + 1))
			# Strip "ok 12 - " / "not ok 12 " to get the description.
			desc=$(sed -E 's/^(not )?ok[[:space:]]*[0-9]*[[:space:]]*(-[[:space:]]*)?//' <<<"$line")
			case "$line" in
			"ok "*)
				tap_ok "$name: $desc"
				case "$desc" in *"# SKIP"*|*"# skip"*) skipped=$((skipped + 1)) ;; esac ;;
			*) tap_fail "$name: $desc"; bad=$((bad + 1)) ;;
			esac ;;
		1..*)
			plan=${line#1..}; plan=${plan%%[!0-9]*}; plan=${plan:-0}
			echo "# $name: $line" ;;
		"Bail out!"*) tap_fail "$name: $line"; bad=$((bad + 1)) ;;
		__kipsec_rc=*) rc=${line#__kipsec_rc=} ;;
		"") ;;
		*) echo "# $name: $line" ;;
		esac
	# The extra echo ends a last line that lacks its newline.
	done < <(timeout -k 10 "$timeout_s" "$t" 2>&1 </dev/null; r=$?; echo; echo "__kipsec_rc=$r")
	[[ "$rc" =~ ^[0-9]+$ ]] || rc=255
	took=$(($(date +%s) - start))

	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		tap_fail "$name: timed out after ${timeout_s}s"
	elif [ "$plan" -lt 0 ]; then
		tap_fail "$name: no TAP plan (1..N) printed (exit status $rc)"
	elif [ "$seen" -ne "$plan" ]; then
		tap_fail "$name: ran $seen subtests, planned $plan (exit status $rc)"
	elif [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		tap_fail "$name: exited with status $rc although all subtests passed"
	elif [ "$rc" -eq 0 ] && [ "$bad" -gt 0 ]; then
		tap_fail "$name: exited 0 although $bad subtests failed"
	fi

	new=$(dmesg | tail -n +$((dmesg_before + 1)))
	if grep -Eq "$kpattern" <<<"$new"; then
		grep -E -A 20 "$kpattern" <<<"$new" | head -n 60 | sed "s/^/# $name: dmesg: /"
		tap_fail "$name: kernel warnings in dmesg"
	elif [ "$bad" -gt 0 ] || [ "$rc" -ne 0 ]; then
		tail -n 20 <<<"$new" | grep . | sed "s/^/# $name: dmesg: /"
	fi
	leftover=$(ip netns list 2>/dev/null | awk '{print $1}' | tr '\n' ' ')
	if [ -n "$leftover" ]; then
		echo "# $name: left network namespaces behind ($leftover): removing"
		ip -all netns delete 2>/dev/null
	fi
	echo "# $name: ${took}s, exit status $rc"
done

if [ -n "$KIPSEC_KO" ]; then
	if ! module_loaded; then
		tap_ok "run_tests: kipsec not loaded at the end (a test unloaded it)"
	elif out=$(rmmod kipsec 2>&1); then
		tap_ok "run_tests: rmmod kipsec at the end"
	else
		echo "# run_tests: $out"
		tap_fail "run_tests: rmmod kipsec at the end"
	fi
fi

echo "1..$total"
[ "$skipped" -gt 0 ] && echo "# $skipped subtests skipped (counted as passed)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
