#!/bin/sh
# state_restart.sh - alert state survives kill -9: an alert firing when the
# agent is killed is known after the restart, is not fired again by the
# next match, and is resolved when its window empties.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0
mkdir "$tmp/rules"
cat >"$tmp/agent.yaml" <<YAML
rules: ["$tmp/rules/*.yaml"]
sources: {stdin: "true"}
state_dir: $tmp/state
YAML
cat >"$tmp/rules/r.yaml" <<'YAML'
rules:
  - name: refused
    pattern: 'too many connections for role "(?<role>[^"]+)"'
    window: 6s
YAML
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
mkfifo "$tmp/in1" "$tmp/in2"
"$DW" -c "$tmp/agent.yaml" <"$tmp/in1" >"$tmp/out1" 2>"$tmp/err1" &
pid=$!
exec 3>"$tmp/in1"
echo "$(now) FATAL:  too many connections for role \"app\"" >&3
sleep 1.5
grep -q '"status":"firing","rule":"refused"' "$tmp/out1" && echo "ok: fired" || { echo "FAIL: no firing"; fail=1; }
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
exec 3>&-
[ -s "$tmp/state/alerts.json" ] && grep -q '"state":"firing"' "$tmp/state/alerts.json" &&
    echo "ok: state saved before the kill" || { echo "FAIL: no saved state"; fail=1; }
"$DW" -c "$tmp/agent.yaml" <"$tmp/in2" >"$tmp/out2" 2>"$tmp/err2" &
pid=$!
exec 4>"$tmp/in2"
sleep 0.5
echo "$(now) FATAL:  too many connections for role \"app\"" >&4
sleep 8
grep -q 'restored 1 alert key' "$tmp/err2" && echo "ok: restored" || { echo "FAIL: not restored"; fail=1; }
grep -q '"status":"firing"' "$tmp/out2" && { echo "FAIL: fired again after restart"; fail=1; }
grep -q '"status":"resolved","rule":"refused"' "$tmp/out2" && echo "ok: resolved after restart" ||
    { echo "FAIL: not resolved after restart"; fail=1; }
exec 4>&-
wait "$pid"; pid=""
[ $fail = 0 ] || { cat "$tmp/err1" "$tmp/out2" "$tmp/err2"; }
exit $fail
