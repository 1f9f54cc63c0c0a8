#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs the keyd unit test binaries given as arguments, passes their TAP
# through, and ends with "keyd: N passed, N failed". Exit status 1 if any
# test failed or any binary crashed (sanitizer reports abort the binary).
passed=0
failed=0
crashed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for t in "$@"; do
	echo "# $(basename "$t")"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		"$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "# $(basename "$t") exited with status $rc"
		crashed=$((crashed + 1))
	fi
done
failed=$((failed + crashed))
echo "keyd: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
