#!/bin/sh
# run-unit.sh BUILD - run every cmocka suite built in BUILD/tests.
build=${1:-build}
fail=0; n=0
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.d) continue;; esac
	n=$((n + 1))
	if ! "$t" >"$t.log" 2>&1; then
		echo "FAIL $t (log: $t.log)"; tail -30 "$t.log"; fail=$((fail + 1))
	else
		echo "ok   $(basename "$t") $(grep -c '^\[       OK' "$t.log") cases"
	fi
done
echo "unit: $n suites, $fail failed"
[ "$fail" = 0 ]
