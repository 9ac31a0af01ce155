#!/bin/sh
# robust.sh - bad input never crashes or hangs: 100,000 lines mutated from
# every fixture log (flipped, cut, rotated, far-future and far-past stamps)
# through replay and through the live agent, each within a time bound.
# Under ASan+UBSan any memory error or undefined behaviour aborts the
# process, so exit 0 also means sanitizer-clean.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
python3 tests/lib/mutate.py 7 100000 fixtures/parse/*.in fixtures/e2e/*.log >"$tmp/in.log"
# A far-future and a far-past record among them.
printf '%s\n' '2999-01-01T00:00:00+00:00 app[postgres.1]: [X] [1-1]  sql_error_code = 53300 FATAL:  too many connections for role "a"' \
    '1971-01-01T00:00:00+00:00 app[postgres.1]: [X] [2-1]  sql_error_code = 53300 FATAL:  too many connections for role "a"' >>"$tmp/in.log"
timeout 120 "$DW" replay -c agent.yaml "$tmp/in.log" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && echo "ok: replay of mutated input" || { echo "FAIL: replay exit $rc"; tail -20 "$tmp/err"; fail=1; }
tail -1 "$tmp/err"
timeout 120 sh -c "cat '$tmp/in.log' | DRAINWATCH_STATE_DIR='$tmp/state' '$DW' -c agent.yaml" >"$tmp/out2" 2>"$tmp/err2"; rc=$?
[ $rc = 0 ] && echo "ok: live agent on mutated input" || { echo "FAIL: live exit $rc"; tail -20 "$tmp/err2"; fail=1; }
grep -q 'stamped .* ahead of its arrival' "$tmp/err2" && echo "ok: future stamp reported" ||
    { echo "FAIL: future stamp not reported"; fail=1; }
exit $fail
