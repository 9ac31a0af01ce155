#!/bin/sh
# heroku_deploy.sh - the documented Heroku path, as far as it runs here:
# bin/compile (what the inline buildpack runs after the apt buildpack)
# builds a clean copy of the repository; then the Procfile's web process
# starts with only the environment a dyno gives it (PORT, HOME, DYNO,
# PATH) plus the documented config vars, serves the drain on $PORT with
# Basic auth, and turns a posted batch into an alert.
set -u
cd "$(dirname "$0")/../.."
DW_LIB=$PWD/tests/lib
. "$DW_LIB/common.sh"
app=$(mktemp -d)
pid=""
dw_atexit "rm -rf '$app'"
dw_atexit '[ -n "$pid" ] && kill $pid 2>/dev/null'
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

git ls-files -co --exclude-standard | tar cf - -T - | tar xf - -C "$app"
(cd "$app" && sh bin/compile "$app" "$app/.cache" "$app/.env") >"$app/compile.log" 2>&1 &&
    ok "bin/compile built the app" || { bad "bin/compile"; tail -20 "$app/compile.log"; exit 1; }
cmd=$(sed -n 's/^web: *//p' Procfile)
[ -n "$cmd" ] && ok "Procfile web: $cmd" || { bad "no web process"; exit 1; }
port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$app" && exec env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$app" \
    DYNO=web.1 PORT="$port" DRAINWATCH_USER=logplex \
    DRAINWATCH_PASSWORD=s3cret-from-config-vars DRAINWATCH_APP=shop \
    sh -c "$cmd") >"$app/out" 2>"$app/err" &
pid=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do
	i=$((i + 1)); [ $i -gt 50 ] && { bad "web process did not listen on \$PORT"; cat "$app/err"; exit 1; }
	sleep 0.1
done
ok "listening on \$PORT=$port"
grep -q 'listening on 0.0.0.0 port' "$app/err" && ok "binds 0.0.0.0 behind the router" || bad "bind address"
grep -q 's3cret' "$app/err" "$app/out" && bad "password in the log" || ok "password not logged"
msg="<134>1 $(date -u +%Y-%m-%dT%H:%M:%S+00:00) host app postgres.77 - [DATABASE] [5-1]  sql_error_code = 53300 FATAL:  too many connections for role \"u1abcdefghij\"
"
body="$(printf '%s' "$msg" | wc -c | tr -d ' ') $msg"
code=$(printf '%s' "$body" | curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/logplex-1' \
    -H 'Logplex-Msg-Count: 1' --data-binary @- "http://127.0.0.1:$port/logs")
[ "$code" = 401 ] && ok "401 without credentials" || bad "no credentials gave $code"
code=$(printf '%s' "$body" | curl -s -o /dev/null -w '%{http_code}' -u logplex:s3cret-from-config-vars \
    -H 'Content-Type: application/logplex-1' -H 'Logplex-Msg-Count: 1' \
    -H 'Logplex-Frame-Id: 09C557EAFCFB6CF2740EE62F62971098' \
    -H 'Logplex-Drain-Token: d.fc6b856b-3332-4546-93de-7d0ee272c3bd' \
    --data-binary @- "http://127.0.0.1:$port/logs")
case $code in 2??) ok "batch accepted ($code)";; *) bad "batch got $code";; esac
i=0
until grep -q '"rule":"pg_too_many_connections_role"' "$app/out"; do
	i=$((i + 1)); [ $i -gt 50 ] && break
	sleep 0.1
done
grep -q '"status":"firing","rule":"pg_too_many_connections_role".*"role":"u1abcdefghij"' "$app/out" &&
    ok "alert fired from the drained line" || { bad "no alert"; cat "$app/out" "$app/err"; }
kill "$pid"; wait "$pid" 2>/dev/null; pid=""
exit $fail
