#!/bin/sh
# sink_replay.sh - `drainwatch replay` and the sinks: without --send
# nothing is posted; --dry-run prints the exact payloads (URL secret
# redacted) and posts nothing; --send delivers every alert the replay
# printed, through 500 and 429 answers, to Slack-, PagerDuty-, webhook-
# and Alertmanager-shaped receivers, and exits 0; with the receivers
# down it exits 1 after the shutdown deadline and keeps the
# notifications in the outbox.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/common.sh"
[ -n "${DW:-}" ] && [ -x "$DW" ] || dw_skip "DW is not set to the drainwatch binary"
command -v python3 >/dev/null 2>&1 || dw_skip "python3 is not installed"

T=$(mktemp -d)
dw_atexit "rm -rf '$T'"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
export E2E_SLACK_URL="http://127.0.0.1:$PORT/services/T000/B000/slacksecret"
export E2E_PD_KEY=0123456789abcdef0123456789abcdef
export E2E_PD_URL="http://127.0.0.1:$PORT/v2/enqueue"
export E2E_HOOK_URL="http://127.0.0.1:$PORT/hook/hooksecret"
export E2E_AM_URL="http://127.0.0.1:$PORT"

cat >"$T/agent.yaml" <<'EOF'
rules: ["${E2E_ROOT}/rules/postgres.yaml"]
state_dir: ${E2E_STATE}
limits:
  shutdown_timeout: ${E2E_SHUTDOWN:-10s}
sinks:
  - {name: slack, type: slack, url: "${E2E_SLACK_URL}", optional: true,
     max_rate: 20, burst: 20, backoff_min: 100ms}
  - {name: pd, type: pagerduty, routing_key: "${E2E_PD_KEY}",
     url: "${E2E_PD_URL:-https://events.pagerduty.com/v2/enqueue}",
     optional: true, backoff_min: 100ms}
  - {name: hook, type: webhook, url: "${E2E_HOOK_URL}", optional: true,
     backoff_min: 100ms}
  - {name: am, type: alertmanager, url: "${E2E_AM_URL}", optional: true,
     backoff_min: 100ms, resend_interval: 1h}
EOF
export E2E_ROOT="$ROOT" E2E_STATE="$T/state"

# Five refusals for three roles: three firing alerts (and their
# resolutions once the event clock passes the window).
cat >"$T/pg.log" <<'EOF'
2024-05-01 10:00:00.100 UTC [101] FATAL:  too many connections for role "alice"
2024-05-01 10:00:01.100 UTC [102] FATAL:  too many connections for role "bob"
2024-05-01 10:00:02.100 UTC [103] FATAL:  too many connections for role "alice"
2024-05-01 10:00:03.100 UTC [104] FATAL:  too many connections for role "carol"
2024-05-01 10:30:00.000 UTC [105] LOG:  checkpoint starting: time
EOF

start_recv() {
	rm -f "$T/port"
	python3 "$ROOT/tests/lib/sink_recv.py" --port "$PORT" --port-file "$T/port" \
	    --log "$T/reqs.jsonl" "$@" &
	rpid=$!
	dw_atexit "kill $rpid 2>/dev/null"
	dw_wait_for 10 test -f "$T/port" || { echo "FAIL: receiver did not start"; exit 1; }
}
nreq() { [ -f "$T/reqs.jsonl" ] && wc -l <"$T/reqs.jsonl" | tr -d ' ' || echo 0; }
start_recv --script 500,429:1

# 1. Plain replay posts nothing.
"$DW" replay -c "$T/agent.yaml" "$T/pg.log" >"$T/alerts.jsonl" 2>"$T/err0" ||
    { cat "$T/err0"; echo "FAIL: replay"; exit 1; }
nalerts=$(wc -l <"$T/alerts.jsonl" | tr -d ' ')
[ "$nalerts" -ge 3 ] || { echo "FAIL: only $nalerts alerts"; exit 1; }
sleep 0.3
[ "$(nreq)" = 0 ] || { echo "FAIL: replay without --send posted"; exit 1; }
echo "ok: replay without --send: $nalerts alerts, nothing posted"

# 2. --dry-run prints the payloads, posts nothing, hides the secrets.
"$DW" replay --dry-run -c "$T/agent.yaml" "$T/pg.log" >"$T/dry" 2>"$T/err1" ||
    { cat "$T/err1"; echo "FAIL: dry-run"; exit 1; }
for s in "slack (slack) would POST to http://127.0.0.1:$PORT/***" \
    "pd (pagerduty) would POST to http://127.0.0.1:$PORT/***" \
    "hook (webhook) would POST to http://127.0.0.1:$PORT/***" \
    "am (alertmanager) would POST to http://127.0.0.1:$PORT/***"; do
	[ "$(grep -c "^# dry-run: sink $s" "$T/dry")" = "$nalerts" ] ||
	    { echo "FAIL: dry-run lines for $s"; cat "$T/dry"; exit 1; }
done
grep -q 'slacksecret\|hooksecret\|0123456789abcdef0123' "$T/dry" "$T/err1" &&
    { echo "FAIL: a secret in dry-run output"; exit 1; }
sleep 0.3
[ "$(nreq)" = 0 ] || { echo "FAIL: dry-run posted"; exit 1; }
echo "ok: dry-run printed $nalerts payloads per sink, posted nothing, no secret shown"

# 3. --send delivers everything (through a 500 and a 429), exit 0.
"$DW" replay --send -c "$T/agent.yaml" "$T/pg.log" >"$T/out2" 2>"$T/err2" ||
    { cat "$T/err2"; echo "FAIL: replay --send exit $?"; exit 1; }
python3 - "$T/reqs.jsonl" "$T/alerts.jsonl" <<'EOF' || exit 1
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
alerts = [json.loads(l) for l in open(sys.argv[2])]
ok = [r for r in reqs if r["status"] == 200]
by = {}
for r in ok:
    by.setdefault(r["path"].split("/")[1], []).append(json.loads(r["body"]))
n = len(alerts)
# Slack: every alert appears, as its own message or coalesced.
slack_text = " ".join(json.dumps(b) for b in by["services"])
for a in alerts:
    assert a["labels"]["role"] in slack_text, a
# PagerDuty: trigger per firing, resolve per resolved, keys paired.
pd = by["v2"]
assert len(pd) == n, (len(pd), n)
trig = {e["dedup_key"] for e in pd if e["event_action"] == "trigger"}
res = {e["dedup_key"] for e in pd if e["event_action"] == "resolve"}
assert res <= trig, (res, trig)
assert len(trig) == len({a["identity"] for a in alerts if a["status"] == "firing"})
# Webhook: one v4 body per alert, same order per identity as replay.
hook = by["hook"]
assert len(hook) == n
got = [(b["alerts"][0]["fingerprint"], b["status"]) for b in hook]
want = [(a["fingerprint"], a["status"]) for a in alerts]
for fp in {f for f, _ in want}:
    assert [s for f, s in got if f == fp] == [s for f, s in want if f == fp], fp
# Alertmanager: every alert once (as arrays).
am = [x for b in by["api"] for x in b]
assert len(am) == n, (len(am), n)
assert reqs[0]["status"] == 500 and reqs[1]["status"] == 429
print("ok: --send delivered %d alerts to each of slack, pagerduty, webhook, "
      "alertmanager (%d requests incl. one 500 and one 429)" % (n, len(reqs)))
EOF

# 4. Receivers down: exit 1 after the deadline, notifications kept.
kill $rpid 2>/dev/null; wait $rpid 2>/dev/null
rm -rf "$T/state"
E2E_SHUTDOWN=1s "$DW" replay --send -c "$T/agent.yaml" "$T/pg.log" >/dev/null 2>"$T/err3"
rc=$?
[ $rc = 1 ] || { cat "$T/err3"; echo "FAIL: exit $rc with receivers down"; exit 1; }
grep -q "not delivered before the shutdown deadline; kept in the outbox" "$T/err3" ||
    { cat "$T/err3"; echo "FAIL: no report"; exit 1; }
kept=$(cat "$T/state/outbox/"*.log | grep -c '^A ')
[ "$kept" -ge "$nalerts" ] || { echo "FAIL: only $kept kept"; exit 1; }
grep -q 'slacksecret\|hooksecret' "$T/err2" "$T/err3" && { echo "FAIL: secret logged"; exit 1; }
echo "ok: receivers down: exit 1, $kept notifications kept in the outboxes"
exit 0
