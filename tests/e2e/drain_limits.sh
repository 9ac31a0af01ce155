#!/bin/sh
# drain_limits.sh - statuses for requests that can never succeed, and
# the good frames of a damaged batch: an oversized body gets 413, a body
# that is not logplex at all gets 400, unknown paths 404, GET on the
# drain 405; a batch with one bad length prefix and a wrong
# Logplex-Msg-Count still gets 200 and keeps its good frames; a header
# block beyond the connection memory limit is refused; the server keeps
# serving throughout.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/common.sh
. tests/lib/drain.sh
drain_init

TS=$(now_ts)
# $(...) drops the frame's final LF (counted in its length): every use
# below prints it back with printf '%s\n'.
good1=$(frame "<190>1 $TS host app web.1 - first good line
")
good2=$(frame "<190>1 $TS host app web.2 - second good line
")
drain_config "$T/agent.yaml" "    max_body: 16KiB"
drain_start "$T/agent.yaml"

head -c 20000 /dev/zero | tr '\0' 'x' >"$T/big"
c=$(post "$T/big"); [ "$c" = 413 ] && ok "oversized body: 413" || bad "oversized: $c"
printf 'hello=world&foo=bar' >"$T/form"
c=$(post "$T/form"); [ "$c" = 400 ] && ok "not logplex: 400" || bad "not logplex: $c"
printf '<134>1 %s host app web.1 - a syslog line without a count\n' "$TS" >"$T/nocount"
c=$(post "$T/nocount"); [ "$c" = 400 ] && ok "no octet count: 400" || bad "no count: $c"
c=$(curl -s -o /dev/null -w '%{http_code}' -u alice:s3cret --data-binary "@$T/form" "$BASE/nope")
[ "$c" = 404 ] && ok "unknown path: 404" || bad "unknown path: $c"
c=$(curl -s -o /dev/null -w '%{http_code}' -u alice:s3cret "$BASE/logs")
[ "$c" = 405 ] && ok "GET on the drain: 405" || bad "GET: $c"

# One frame with a broken length between two good ones, and a
# Msg-Count that disagrees: 200, both good lines kept.
{ printf '%s\n' "$good1"; printf 'x17 <190>1 broken length\n'; printf '%s\n' "$good2"; } >"$T/mixed"
c=$(post "$T/mixed" -H 'Logplex-Msg-Count: 3' -H 'Logplex-Frame-Id: M1')
[ "$c" = 200 ] && ok "damaged batch: 200" || bad "damaged batch: $c"
[ "$(metric drainwatch_http_lines_total)" = 2 ] && ok "its 2 good lines kept" ||
    bad "lines: $(metric drainwatch_http_lines_total)"
[ "$(metric 'drainwatch_http_frame_errors_total{cause="bad_length"}')" -ge 1 ] &&
    ok "bad length counted" || bad "bad length not counted"
[ "$(metric drainwatch_http_msg_count_mismatch_total)" = 1 ] &&
    ok "Msg-Count mismatch counted" || bad "mismatch not counted"

# Headers beyond the per-connection memory limit: refused by MHD.
hdr=$(head -c 70000 /dev/zero | tr '\0' 'a')
c=$(curl -s -o /dev/null -w '%{http_code}' -u alice:s3cret -H "X-Big: $hdr" \
    --data-binary "@$T/mixed" "$BASE/logs")
case "$c" in 4*|000) ok "huge header block refused ($c)" ;;
*) bad "huge header block: $c" ;; esac

# Still serving, and a clean request is taken.
printf '%s\n' "$good1" >"$T/one"
c=$(post "$T/one"); [ "$c" = 200 ] && ok "still serving: 200" || bad "after: $c"
[ "$(metric drainwatch_http_lines_total)" = 3 ] && ok "3 lines in total" ||
    bad "lines: $(metric drainwatch_http_lines_total)"
[ "$(metric 'drainwatch_http_requests_total{code="413"}')" = 1 ] &&
    [ "$(metric 'drainwatch_http_requests_total{code="400"}')" = 2 ] &&
    ok "statuses counted" || bad "status counts"
drain_stop
exit $drain_fail
