#!/bin/sh
# explain_live.sh - `drainwatch explain` against a running agent (over its
# drain endpoint, with the drain's credentials) and over a replay, plus
# POST /-/reload; a line explanation names the filter that rejected it.
set -u
cd "$(dirname "$0")/../.."
DW_LIB=$PWD/tests/lib
. "$DW_LIB/common.sh"
. "$DW_LIB/drain.sh"
drain_init
drain_config "$T/agent.yaml"
drain_start "$T/agent.yaml"
export DRAINWATCH_USER=alice DRAINWATCH_PASSWORD=s3cret
frame "<134>1 $(now_ts) host app postgres.9 - [DATABASE] [3-1]  sql_error_code = 53300 FATAL:  too many connections for role \"app\"
" >"$T/body"
c=$(post "$T/body"); [ "$c" = 200 ] && ok "batch posted" || bad "post: $c"
dw_wait_for 10 grep -q '"rule":"pg_too_many_connections_role"' "$T/out" || bad "no alert"
"$DW" explain --url "$BASE" pg_too_many_connections_role role=app >"$T/ex" 2>&1; rc=$?
[ $rc = 0 ] && ok "explain exits 0" || bad "explain exit $rc"
grep -q 'key {role="app"}: firing since' "$T/ex" && ok "live key is firing" || { bad "live explain"; cat "$T/ex"; }
grep -q 'window holds 1 match(es)' "$T/ex" && ok "window contents shown" || bad "window contents"
grep -q 'next change at .*: oldest match leaves the window: resolves' "$T/ex" && ok "next change shown" || bad "next change"
"$DW" explain --url "$BASE" no_such_rule >"$T/ex2" 2>&1; rc=$?
[ $rc = 1 ] && grep -q 'no rule "no_such_rule"' "$T/ex2" && ok "unknown rule: exit 1" || bad "unknown rule ($rc)"
DRAINWATCH_PASSWORD=wrong "$DW" explain --url "$BASE" pg_too_many_connections_role >"$T/ex3" 2>&1
grep -q '401' "$T/ex3" && ok "explain needs the credentials" || bad "explain without credentials"
c=$(curl -s -o "$T/rl" -w '%{http_code}' -u alice:s3cret -X POST "$BASE/-/reload")
[ "$c" = 200 ] && grep -q reloaded "$T/rl" && ok "POST /-/reload" || bad "reload: $c $(cat "$T/rl")"
c=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/-/reload")
[ "$c" = 401 ] && ok "reload needs the credentials" || bad "reload without credentials: $c"
# The firing alert survived the reload (rules unchanged).
"$DW" explain --url "$BASE" pg_too_many_connections_role >"$T/ex4" 2>&1
grep -q 'firing since' "$T/ex4" && ok "state kept across reload" || bad "state lost on reload"
# A log line: which rules match, and what rejected the others.
"$DW" explain -c "$T/agent.yaml" --line '2024-01-01T00:00:00+00:00 app[web.1]: FATAL:  too many connections for role "x"' >"$T/ex5"
grep -q 'rule pg_too_many_connections_role: no: where kind rejects kind="text"' "$T/ex5" &&
    ok "line: the where filter that rejected it" || { bad "line explanation"; cat "$T/ex5"; }
grep -q 'rule heroku_dyno_memory: no: the prefilter found no possible match' "$T/ex5" &&
    ok "line: prefilter rejection" || bad "prefilter rejection"
# Over a replay.
"$DW" explain -c "$T/agent.yaml" --replay fixtures/e2e/story-heroku-cli.log heroku_pg_connections_high >"$T/ex6"
grep -q 'key {database="DATABASE"}: inactive' "$T/ex6" && grep -q 'max 6' "$T/ex6" &&
    ok "explain over a replay" || { bad "replay explain"; cat "$T/ex6"; }
drain_stop
exit $drain_fail
