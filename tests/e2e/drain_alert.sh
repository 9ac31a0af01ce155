#!/bin/sh
# drain_alert.sh - a realistic logplex batch (router lines, dyno metrics,
# an L10 overflow message without LF, Heroku Postgres lines) posted to
# the drain endpoint: the too-many-connections line fires the alert on
# the console sink, the L10 line is counted as dropped upstream and
# still reaches the rules, the path's app label is carried.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/common.sh
. tests/lib/drain.sh
drain_init

TS=$(now_ts)
{
	frame "<158>1 $TS host heroku router - at=info method=GET path=\"/\" host=shop.herokuapp.com request_id=59da6323-2bc4-4143-8677-cc66ccfb115f fwd=\"181.167.87.140\" dyno=web.1 connect=0ms service=3ms status=200 bytes=6979 protocol=https
"
	# L10 as open-source logplex writes it: no trailing LF.
	frame "<172>1 $TS host heroku logplex - Error L10 (output buffer overflow): 7 messages dropped since 2014-11-07T23:29:45+00:00."
	frame "<134>1 $TS host heroku web.1 - source=web.1 dyno=heroku.322071457.63c5abfd-838b-4e2d-bce1-ce46de280675 sample#memory_total=180.43MB sample#memory_rss=180.05MB sample#memory_quota=512.00MB
"
	frame "<190>1 $TS host app web.1 - [GIN] 2022/06/13 - 14:52:23 | 200 |      163.92µs |  181.167.87.140 | GET      \"/static/main.css\"
"
	frame "<134>1 $TS host app postgres.1105947 - [YELLOW] [12-1]  sql_error_code = 53300 FATAL:  too many connections for role \"u8abc\"
"
} >"$T/body"
# A rule that groups by the app label the path gives.
mkdir -p "$T/rules"
cat >"$T/rules/app.yaml" <<'EOF2'
rules:
  - name: t_router_by_app
    pattern: 'at=info method=GET'
    where: {source: heroku}
    group_by: [app]
    window: 5m
    threshold: 1
    severity: info
    summary: 'router line for {{app}}'
EOF2
drain_config "$T/agent.yaml" "    paths: [{path: /logs, app: shop}]"
drain_start "$T/agent.yaml"

code=$(post "$T/body" -H 'Logplex-Msg-Count: 5' \
    -H 'Logplex-Frame-Id: 09C557EAFCFB6CF2740EE62F62971098' \
    -H 'Logplex-Drain-Token: d.fc6b856b-3332-4546-93de-7d0ee272c3bd')
[ "$code" = 200 ] && ok "batch answered 200" || bad "batch answered $code"
[ -s "$T/resp.body" ] && bad "200 with a body"
grep -qi '^Transfer-Encoding' "$T/resp.headers" && bad "chunked response"
grep -qi '^Content-Length: 0' "$T/resp.headers" && ok "Content-Length: 0" || bad "no Content-Length: 0"
if dw_wait_for 10 grep -q '"rule":"pg_too_many_connections_role"' "$T/out"; then
	ok "alert fired"
	grep '"rule":"pg_too_many_connections_role"' "$T/out" | head -1 |
	    grep -q '"status":"firing".*"role":"u8abc"' &&
	    ok "firing, role u8abc" || bad "wrong alert: $(cat "$T/out")"
else
	bad "no alert on stdout"; cat "$T/out" "$T/err"
fi
grep '"rule":"t_router_by_app"' "$T/out" | grep -q '"app":"shop"' &&
    ok "the path's app label reaches the rules" ||
    bad "no app label: $(grep t_router "$T/out")"
[ "$(metric drainwatch_http_frames_total)" = 5 ] && ok "5 frames" ||
    bad "frames: $(metric drainwatch_http_frames_total)"
[ "$(metric drainwatch_http_lines_total)" = 5 ] && ok "5 lines queued" ||
    bad "lines: $(metric drainwatch_http_lines_total)"
[ "$(metric drainwatch_http_l10_messages_total)" = 1 ] &&
    [ "$(metric drainwatch_http_upstream_dropped_lines_total)" = 7 ] &&
    ok "L10: 7 lines dropped upstream counted" || bad "L10 not counted"
[ "$(metric drainwatch_http_msg_count_mismatch_total)" = 0 ] &&
    ok "Logplex-Msg-Count agrees" || bad "msg count mismatch"
dw_wait_for 5 sh -c "[ \"\$(curl -s -u alice:s3cret $BASE/metrics | awk '\$1 == \"drainwatch_lines_total\" { print \$2 }')\" = 5 ]" &&
    ok "pipeline saw 5 lines" || bad "pipeline lines: $(metric drainwatch_lines_total)"
drain_stop; rc=$?
[ $rc = 0 ] && ok "clean shutdown" || bad "exit status $rc"
exit $drain_fail
