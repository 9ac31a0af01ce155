#!/bin/sh
# replay_golden.sh - `drainwatch replay` with the shipped agent.yaml and
# rules over fixture logs must print exactly the golden alerts, and the
# same log piped through the live agent must give the same alerts.
set -eu
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() {	# check INPUT EXPECT
	"$DW" replay -c agent.yaml "$1" >"$tmp/out.json" 2>"$tmp/err"
	python3 tests/lib/alerts.py <"$tmp/out.json" >"$tmp/got"
	if ! diff -u "$2" "$tmp/got"; then
		echo "FAIL replay $1"; cat "$tmp/err"; fail=1
	fi
	# Live agent, stdin from a pipe: same alerts (event time).
	cat "$1" | DRAINWATCH_STATE_DIR="$tmp/state-$(basename "$1")" "$DW" -c agent.yaml \
	    >"$tmp/live.json" 2>"$tmp/liveerr"
	python3 tests/lib/alerts.py <"$tmp/live.json" >"$tmp/live"
	if ! diff -u "$2" "$tmp/live"; then
		echo "FAIL live $1"; cat "$tmp/liveerr"; fail=1
	fi
}
check fixtures/e2e/story-heroku-cli.log fixtures/e2e/story-heroku-cli.expect
check fixtures/parse/pgbadger_logplex_cli.in fixtures/e2e/pgbadger_logplex_cli.expect
# Real third-party PostgreSQL logs without incidents: no alert, no error.
for f in fixtures/parse/pgbadger_queryid.in fixtures/parse/pgbadger_multiline_param.in; do
	"$DW" replay -c agent.yaml "$f" >"$tmp/out" 2>"$tmp/err"
	if [ -s "$tmp/out" ]; then echo "FAIL: alerts from $f"; cat "$tmp/out"; fail=1; fi
	if grep -q "level=error\|level=warn" "$tmp/err"; then echo "FAIL: warnings for $f"; cat "$tmp/err"; fail=1; fi
done
exit $fail
