#!/bin/sh
# drain_dedup.sh - logplex resends a frame with the same Logplex-Frame-Id
# when it did not see our answer: the resend is acknowledged (200) and
# not counted again, even with an L10 message prepended as logplex does
# on retries. The same Frame-Id from another drain token is another
# frame; requests without the headers (Private Spaces) are never
# deduplicated.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/common.sh
. tests/lib/drain.sh
drain_init

TS=$(now_ts)
LINE="<134>1 $TS host app postgres.7 - [YELLOW] [3-1]  sql_error_code = 53300 FATAL:  too many connections for role \"u2\"
"
frame "$LINE" >"$T/body"
{ frame "<172>1 $TS host heroku logplex - Error L10 (output buffer overflow): 1 messages dropped since $TS."; frame "$LINE"; } >"$T/retry"
drain_config "$T/agent.yaml"
drain_start "$T/agent.yaml"
M='drainwatch_rule_matches_total{rule="pg_too_many_connections_role"}'

id='-H Logplex-Frame-Id:7A6E2B1C0D9F8E7A6B5C4D3E2F1A0B9C'
tok='-H Logplex-Drain-Token:d.11111111-2222-3333-4444-555555555555'
c1=$(post "$T/body" $id $tok -H 'Logplex-Msg-Count: 1')
c2=$(post "$T/body" $id $tok -H 'Logplex-Msg-Count: 1')
c3=$(post "$T/retry" $id $tok -H 'Logplex-Msg-Count: 2')
[ "$c1$c2$c3" = 200200200 ] && ok "first send and two resends: 200" ||
    bad "statuses $c1 $c2 $c3"
dw_wait_for 10 sh -c "curl -s -u alice:s3cret $BASE/metrics | grep -q '^drainwatch_rule_matches_total{rule=\"pg_too_many_connections_role\"} 1\$'" ||
    true
sleep 1
[ "$(metric "$M")" = 1 ] && ok "the line matched once" ||
    bad "matches: $(metric "$M")"
[ "$(metric drainwatch_http_duplicate_frames_total)" = 2 ] &&
    ok "2 duplicates counted" || bad "duplicates: $(metric drainwatch_http_duplicate_frames_total)"
[ "$(metric drainwatch_http_lines_total)" = 1 ] && ok "1 line queued" ||
    bad "lines queued: $(metric drainwatch_http_lines_total)"

# Same Frame-Id, other drain: a different frame.
c=$(post "$T/body" $id -H 'Logplex-Drain-Token: d.other')
[ "$c" = 200 ] && ok "other drain: 200" || bad "other drain: $c"
# Private Spaces: no Frame-Id, no token: always processed.
c1=$(post "$T/body"); c2=$(post "$T/body")
[ "$c1$c2" = 200200 ] && ok "no headers: 200 twice" || bad "no headers: $c1 $c2"
dw_wait_for 10 sh -c "curl -s -u alice:s3cret $BASE/metrics | grep -q '^drainwatch_rule_matches_total{rule=\"pg_too_many_connections_role\"} 4\$'"
[ "$(metric "$M")" = 4 ] && ok "those three each counted" ||
    bad "matches: $(metric "$M")"
[ "$(metric drainwatch_http_untracked_requests_total)" = 2 ] &&
    ok "2 untracked requests" || bad "untracked: $(metric drainwatch_http_untracked_requests_total)"
drain_stop
exit $drain_fail
