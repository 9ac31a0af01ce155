#!/bin/sh
# drain_auth.sh - the drain endpoint over real HTTP on 127.0.0.1: no or
# wrong credentials get 401 with WWW-Authenticate and nothing of the
# request is processed; the right ones get 200; /healthz is open,
# /metrics is not; drainwatch refuses to listen on a non-loopback
# address (or on $PORT, as a Heroku dyno) without credentials.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/common.sh
. tests/lib/drain.sh
drain_init

TS=$(now_ts)
frame "<134>1 $TS host app postgres.42 - [YELLOW] [1-1]  sql_error_code = 53300 FATAL:  too many connections for role \"u1\"
" >"$T/body"
drain_config "$T/agent.yaml"
drain_start "$T/agent.yaml"

code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -H 'Expect:' \
    -H 'Content-Type: application/logplex-1' --data-binary "@$T/body" \
    "$BASE/logs")
[ "$code" = 401 ] && ok "no credentials: 401" || bad "no credentials: $code"
grep -qi '^WWW-Authenticate: Basic realm="drainwatch"' "$T/h" &&
    ok "401 carries WWW-Authenticate" || bad "no WWW-Authenticate"
code=$(curl -s -o /dev/null -w '%{http_code}' -u alice:wrong -H 'Expect:' \
    --data-binary "@$T/body" "$BASE/logs")
[ "$code" = 401 ] && ok "wrong password: 401" || bad "wrong password: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -u mallory:s3cret \
    -H 'Expect:' --data-binary "@$T/body" "$BASE/logs")
[ "$code" = 401 ] && ok "wrong user: 401" || bad "wrong user: $code"
sleep 3	# past the multi-line timeout: anything taken would be through
[ "$(metric drainwatch_http_lines_total)" = 0 ] &&
    ok "nothing of the refused requests was queued" ||
    bad "refused requests queued lines"
[ "$(metric drainwatch_lines_total)" = 0 ] &&
    ok "nothing reached the pipeline" || bad "pipeline saw lines"
grep -q '"status":"firing"' "$T/out" && bad "alert from a refused request"
[ "$(metric 'drainwatch_http_auth_failures_total{reason="missing"}')" = 1 ] &&
    ok "counted: missing credentials" || bad "missing not counted"
[ "$(metric 'drainwatch_http_auth_failures_total{reason="bad_credentials"}')" = 2 ] &&
    ok "counted: bad credentials" || bad "bad credentials not counted"

code=$(post "$T/body" -H 'Logplex-Frame-Id: A1' -H 'Logplex-Msg-Count: 1')
[ "$code" = 200 ] && ok "right credentials: 200" || bad "right credentials: $code"
dw_wait_for 10 grep -q '"status":"firing"' "$T/out" &&
    ok "and the line reached the rules" || bad "no alert after 200"

code=$(curl -s -o "$T/hz" -w '%{http_code}' "$BASE/healthz")
[ "$code" = 200 ] && [ "$(cat "$T/hz")" = ok ] && ok "/healthz open" ||
    bad "/healthz: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/metrics")
[ "$code" = 401 ] && ok "/metrics needs credentials" || bad "/metrics: $code"
grep -q 'heroku drains:add http://alice:PASSWORD@127.0.0.1:'"$PORT"'/logs -a APP' \
    "$T/err" && ok "prints the drains:add command" || bad "no drains:add hint"
grep -q s3cret "$T/err" "$T/out" && bad "the password appears in the output"
drain_stop

# Refusals: non-loopback without credentials, and $PORT (Heroku dyno).
cat >"$T/open.yaml" <<EOF2
rules: ["$(pwd)/rules/*.yaml"]
sources: {stdin: false, http: {listen: "127.0.0.1:$PORT"}}
state_dir: $T/state
EOF2
"$DW" run -c "$T/open.yaml" --listen "0.0.0.0:$PORT" </dev/null \
    >"$T/o2" 2>"$T/e2"; rc=$?
[ $rc = 2 ] && grep -q 'refusing to listen on 0.0.0.0' "$T/e2" &&
    ok "non-loopback without credentials: refused" ||
    { bad "non-loopback without credentials: rc $rc"; cat "$T/e2"; }
PORT=$PORT "$DW" run -c "$T/open.yaml" </dev/null >"$T/o3" 2>"$T/e3"; rc=$?
[ $rc = 2 ] && grep -q 'refusing to listen on 0.0.0.0' "$T/e3" &&
    ok "\$PORT without credentials: refused" ||
    { bad "\$PORT without credentials: rc $rc"; cat "$T/e3"; }
exit $drain_fail
