#!/bin/sh
# reload.sh - SIGHUP re-reads agent.yaml and the rules: an unchanged rule
# keeps its firing alert and its pending one, a changed and a removed rule
# resolve theirs, and a broken configuration is rejected while the agent
# keeps running with the old one.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; exec 3>&- 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0
mkdir "$tmp/rules"
cat >"$tmp/agent.yaml" <<YAML
rules: ["$tmp/rules/*.yaml"]
sources: {stdin: "true"}
state_dir: $tmp/state
YAML
rule() {	# rule FILE NAME WORD EXTRA
	printf 'rules:\n  - name: %s\n    pattern: "%s (?<k>\\\\w+)"\n    window: 1h\n%s\n' \
	    "$2" "$3" "$4" >"$tmp/rules/$1.yaml"
}
rule keep keep KEEP ""
rule change change CHANGE ""
rule gone gone GONE ""
rule pend pend PEND "    for: 3s"
mkfifo "$tmp/in"
"$DW" -c "$tmp/agent.yaml" <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
pid=$!
exec 3>"$tmp/in"
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
for w in KEEP CHANGE GONE PEND; do echo "$(now) $w x" >&3; done
sleep 1
n=$(grep -c '"status":"firing"' "$tmp/out")
[ "$n" = 3 ] && echo "ok: 3 firing before reload" || { echo "FAIL: $n firing"; fail=1; }
rule change change CHANGE "    threshold: 2"
rm "$tmp/rules/gone.yaml"
kill -HUP "$pid"
sleep 1
grep -q 'reload: 3 rules loaded: 2 unchanged (state kept), 1 new or changed, 1 removed' "$tmp/err" &&
    echo "ok: reload logged" || { echo "FAIL: reload log"; cat "$tmp/err"; fail=1; }
for r in change gone; do
	grep -q "\"status\":\"resolved\",\"rule\":\"$r\"" "$tmp/out" &&
	    echo "ok: $r resolved" || { echo "FAIL: $r not resolved"; fail=1; }
done
grep -q '"status":"resolved","rule":"keep"' "$tmp/out" && { echo "FAIL: keep resolved"; fail=1; }
# The pending alert of the unchanged rule fires on time (3 s after its match).
sleep 2.5
grep -q '"status":"firing","rule":"pend"' "$tmp/out" && echo "ok: pending kept, fired" ||
    { echo "FAIL: pend did not fire"; fail=1; }
# The unchanged rule is still firing: a new match raises no new event.
echo "$(now) KEEP x" >&3
# Sinks are re-read too: switch the console to its text form.
cat >"$tmp/agent.yaml" <<YAML
rules: ["$tmp/rules/*.yaml"]
sources: {stdin: "true"}
state_dir: $tmp/state
sinks: [{name: console, type: console, format: text}]
YAML
kill -HUP "$pid"
sleep 1
grep -q 'reload: sinks and routes replaced (1 sinks)' "$tmp/err" && echo "ok: sinks replaced" ||
    { echo "FAIL: sinks not replaced"; fail=1; }
echo "$(now) KEEP z" >&3
sleep 1
grep -q 'FIRING .*keep{k="z"}' "$tmp/out" && echo "ok: new sink in use" || { echo "FAIL: new sink not used"; fail=1; }
# A broken configuration is rejected; the agent keeps going.
echo 'rules: [' >"$tmp/agent.yaml"
kill -HUP "$pid"
sleep 1
grep -q 'reload rejected' "$tmp/err" && echo "ok: broken config rejected" || { echo "FAIL: no rejection"; fail=1; }
echo "$(now) CHANGE y" >&3
echo "$(now) CHANGE y" >&3
sleep 1
kill -0 "$pid" 2>/dev/null && echo "ok: still running" || { echo "FAIL: agent died"; fail=1; }
grep -q 'FIRING .*change{k="y"} count 2 >= 2' "$tmp/out" &&
    echo "ok: changed rule (threshold 2) works after reload" || { echo "FAIL: changed rule"; fail=1; }
exec 3>&-
wait "$pid"; rc=$?
[ "$rc" = 0 ] && echo "ok: clean exit at EOF" || { echo "FAIL: exit $rc"; fail=1; }
pid=""
n=$(grep -c '"rule":"keep","fingerprint":"[0-9a-f]*","identity":"keep{k=\\"x\\"}' "$tmp/out")
[ "$n" = 1 ] && echo "ok: keep{k=x} notified once" || { echo "FAIL: keep events $n"; fail=1; }
[ $fail = 0 ] || { echo "--- out"; cat "$tmp/out"; echo "--- err"; cat "$tmp/err"; }
exit $fail
