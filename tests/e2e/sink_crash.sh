#!/bin/sh
# sink_crash.sh - the crash test: drainwatch accepts alerts while its
# webhook receiver is down, is killed with SIGKILL with every
# notification still pending, and is started again with the receiver
# up: every pending notification is delivered (once, in order per
# alert identity), the process exits 0, and the secret in the webhook
# URL appears in no log.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/common.sh"
[ -n "${DW:-}" ] && [ -x "$DW" ] || dw_skip "DW is not set to the drainwatch binary"
command -v python3 >/dev/null 2>&1 || dw_skip "python3 is not installed"

T=$(mktemp -d)
dw_atexit "rm -rf '$T'"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
N=12
export E2E_HOOK_SECRET=s3cr3t-path-token

cat >"$T/agent.yaml" <<EOF
rules: ["$ROOT/rules/postgres.yaml"]
state_dir: $T/state
limits:
  shutdown_timeout: 10s
sinks:
  - name: hook
    type: webhook
    url: http://127.0.0.1:$PORT/hook/\${E2E_HOOK_SECRET}
    backoff_min: 100ms
    backoff_max: 300ms
EOF

# 1. Receiver down; feed N distinct refusals (N firing alerts) through a
#    FIFO that stays open, so drainwatch keeps running.
mkfifo "$T/in"
"$DW" -c "$T/agent.yaml" <"$T/in" >"$T/out1" 2>"$T/err1" &
pid=$!
dw_atexit "kill -9 $pid 2>/dev/null"
exec 3>"$T/in"
now=$(date -u '+%Y-%m-%d %H:%M:%S')
i=1
while [ $i -le $N ]; do
	echo "$now.000 UTC [$((100 + i))] FATAL:  too many connections for role \"role$i\"" >&3
	i=$((i + 1))
done
count_a() { grep -c '^A ' "$T/state/outbox/hook.log" 2>/dev/null; }
have_all() { [ "$(count_a)" = "$N" ]; }
dw_wait_for 10 have_all || { cat "$T/err1"; echo "FAIL: outbox has $(count_a) of $N records"; exit 1; }
sleep 0.5			# a few refused attempts
kill -9 $pid
wait $pid 2>/dev/null
exec 3>&-
[ "$(count_a)" = "$N" ] || { echo "FAIL: outbox changed"; exit 1; }
grep -q '^D ' "$T/state/outbox/hook.log" && { echo "FAIL: something was marked delivered"; exit 1; }
echo "ok: killed with $N notifications pending in the outbox"

# 2. Receiver up; restart with an empty input: drainwatch delivers the
#    outbox, then exits when its input ends.
python3 "$ROOT/tests/lib/sink_recv.py" --port "$PORT" --port-file "$T/port" \
    --log "$T/reqs.jsonl" --script 500,429:1 &
rpid=$!
dw_atexit "kill $rpid 2>/dev/null"
dw_wait_for 10 test -f "$T/port" || { echo "FAIL: receiver did not start"; exit 1; }
: >"$T/empty"
"$DW" -c "$T/agent.yaml" <"$T/empty" >"$T/out2" 2>"$T/err2"
rc=$?
[ $rc = 0 ] || { cat "$T/err2"; echo "FAIL: restart exited $rc"; exit 1; }

python3 - "$T/reqs.jsonl" "$N" <<'EOF' || exit 1
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
ok = [r for r in reqs if r["status"] == 200]
roles = [json.loads(r["body"])["alerts"][0]["labels"]["role"] for r in ok]
want = {"role%d" % i for i in range(1, n + 1)}
assert sorted(roles) == sorted(want), ("delivered", roles)
assert len(roles) == len(set(roles)), ("duplicates", roles)
assert [r["status"] for r in reqs[:2]] == [500, 429], [r["status"] for r in reqs]
for r in ok:
    b = json.loads(r["body"])
    assert b["version"] == "4" and b["status"] == "firing", b
    assert r["path"] == "/hook/s3cr3t-path-token", r["path"]
print("ok: %d delivered after restart (%d requests, first ones 500 and 429)"
      % (len(ok), len(reqs)))
EOF
grep -q "s3cr3t" "$T/err1" "$T/err2" "$T/out1" "$T/out2" && { echo "FAIL: secret in output"; exit 1; }
echo "ok: the webhook URL's secret is in no log"
python3 - "$T/state/outbox/hook.log" <<'EOF' || { echo "FAIL: outbox still holds pending records"; exit 1; }
import sys
live = set()
for line in open(sys.argv[1]):
    kind, ident = line.split()[:2]
    if kind == "A":
        live.add(ident)
    elif kind == "D":
        live.discard(ident)
sys.exit(1 if live else 0)
EOF
echo "ok: outbox empty"
exit 0
