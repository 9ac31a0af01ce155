#!/bin/sh
# pg_real.sh - a real PostgreSQL server (Debian's postgresql, 127.0.0.1,
# temp data dir, max_connections 8, a role with CONNECTION LIMIT 2,
# log_min_duration_statement 2000) is provoked into real refusals and slow
# statements while `tail -F` of its log is piped through the live agent.
# The right alerts must fire with the right labels, and a replay of the
# same log must give the same alerts.
set -u
cd "$(dirname "$0")/../.."
DW_LIB=$PWD/tests/lib
. "$DW_LIB/pg.sh"
out=$(dw_mktemp) || exit 1
dw_atexit "dw_rmrf $out"
PG_PREFIX=debian PG_MAX_CONNECTIONS=8 PG_RESERVED=2 PG_MIN_DURATION=2000 \
    pg_start || exit 1
dw_atexit pg_stop
fail=0

# The live agent follows the server log as an operator would.
tail -n +1 -F "$PG_LOG" 2>/dev/null | DRAINWATCH_STATE_DIR="$out/state" \
    "$DW" -c agent.yaml >"$out/live.json" 2>"$out/live.err" &
dw_atexit "pkill -f 'tail -n +1 -F $PG_LOG'"

"$DW_PY" tests/lib/provoke.py --port "$PG_PORT" --bindir "$PG_BINDIR" \
    --json "$out/provoke.json" role exhaust slow >"$out/provoke.out" 2>&1 ||
    { echo "FAIL: provoking the errors did not work"; cat "$out/provoke.out"; exit 1; }
sleep 3			# the agent waits up to 2 s for multi-line records
pkill -f "tail -n +1 -F $PG_LOG"
for i in 1 2 3 4 5 6 7 8 9 10; do
	pgrep -f "$DW -c agent.yaml" >/dev/null || break
	sleep 1
done
cp "$PG_LOG" "$out/server.log"

python3 tests/lib/alerts.py <"$out/live.json" >"$out/live"
echo "--- live alerts"; cat "$out/live"
want() {	# want PATTERN WHAT
	if grep -qE "$1" "$out/live"; then echo "ok: $2"; else echo "FAIL: $2"; fail=1; fi
}
want ' firing pg_too_many_connections_role \{role=app\}' 'role limit refusal, role=app'
want ' firing pg_reserved_slots_only \{' 'reserved slots refusal'
want ' firing pg_too_many_clients \{' 'too many clients'
want ' firing pg_slow_statement \{\} count=[3-9]' 'slow statements (>= 3 over 2000 ms)'
n=$(grep -c 'too many connections for role "app"' "$out/server.log")
echo "server logged $n role refusals"
grep -q "pg_too_many_connections_role" "$out/live" || fail=1

# Replay of the same real log: same alerts, same times.
"$DW" replay -c agent.yaml "$out/server.log" 2>"$out/replay.err" |
    python3 tests/lib/alerts.py >"$out/replay"
if diff -u "$out/live" "$out/replay"; then
	echo "ok: replay gives the live alerts"
else
	echo "FAIL: replay differs from live"; fail=1
fi
grep -E "^pg_" "$out/replay.err"
[ $fail = 0 ] || { echo "--- agent log"; cat "$out/live.err"; echo "--- server log (tail)"; tail -40 "$out/server.log"; }
exit $fail
