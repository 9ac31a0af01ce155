#!/bin/sh
# run-e2e.sh BUILD - run every end-to-end test script in tests/e2e with
# DW=the drainwatch binary of BUILD. A script exits 0 (pass), 77 (skip,
# with the reason on stdout) or anything else (fail).
build=${1:-build}
DW=$(cd "$build" && pwd)/drainwatch
export DW BUILD_DIR="$(cd "$build" && pwd)"
fail=0; n=0
for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	n=$((n + 1))
	log="$build/e2e-$(basename "$t" .sh).log"
	# Each script gets its own default state directory.
	st=$(mktemp -d)
	XDG_STATE_HOME=$st sh "$t" >"$log" 2>&1; rc=$?
	rm -rf "$st"
	if [ $rc = 0 ]; then echo "ok   $(basename "$t")"
	elif [ $rc = 77 ]; then echo "skip $(basename "$t"): $(tail -1 "$log")"
	else echo "FAIL $(basename "$t") (log: $log)"; tail -40 "$log"; fail=$((fail + 1)); fi
done
echo "e2e: $n scripts, $fail failed"
[ "$fail" = 0 ]
