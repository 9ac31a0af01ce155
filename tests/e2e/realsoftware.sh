#!/bin/sh
# realsoftware.sh - the shipped rule packs on real software (issue 5):
# tests/lib/run_scenarios.sh runs PostgreSQL (four log_line_prefix forms,
# Heroku CLI lines and logplex frames built from PostgreSQL's own syslog
# chunks), a Django app under gunicorn with persistent connections, and
# PgBouncer, on loopback, and drives them into real refusals, slow
# statements and pool exhaustion, and a healthy load. Every log is
# replayed with the shipped configuration; the alerts must be exactly the
# expected ones, with the expected labels, and the healthy logs must give
# none.
set -u
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
if ! sh tests/lib/run_scenarios.sh "$out/logs" >"$out/run.log" 2>&1; then
	rc=$?
	tail -30 "$out/run.log"
	[ $rc = 77 ] && exit 77
	echo "FAIL: the scenarios did not run"; exit 1
fi
cat "$out/logs/summary.txt" | head -3
firing() {	# firing LOG: the sorted firing alerts, one "rule{labels}" each
	"$DW" replay -c agent.yaml "$out/logs/$1" 2>"$out/err" |
	    python3 tests/lib/alerts.py |
	    sed -n 's/^[^ ]* firing \([^ ]*\) \({.*}\) count=.*/\1\2/p' | sort
}
expect() {	# expect LOG ALERT...
	log=$1; shift
	printf '%s\n' "$@" | sort >"$out/want"
	[ $# = 0 ] && : >"$out/want"
	firing "$log" >"$out/got"
	if diff -u "$out/want" "$out/got" >"$out/diff"; then
		echo "ok: $log: $# alert(s) as expected"
	else
		echo "FAIL: $log"; cat "$out/diff"; fail=1
	fi
	grep -q 'level=warn\|level=error' "$out/err" && { echo "FAIL: $log: warnings"; cat "$out/err"; fail=1; }
	return 0
}
PG="pg_deadlock{} pg_reserved_slots_only{} pg_slow_statement{} pg_too_many_clients{}
pg_too_many_connections_database{database=limdb} pg_too_many_connections_role{role=app}"
for log in pg-stderr.log pg-stderr-debian.log pg-heroku-cli.log pg-heroku-logplex.frames \
    pg-heroku2-cli.log pg-heroku2-logplex.frames; do
	# shellcheck disable=SC2086
	expect "$log" $PG
done
expect django-heroku-cli.log 'app_connection_count_high{}' 'app_slow_query{}' \
    'app_too_many_connections_role{role=app}'
expect django-logplex.frames 'app_connection_count_high{}' 'app_slow_query{}' \
    'app_too_many_connections_role{role=app}'
expect pgbouncer.log 'pgbouncer_max_client_conn{}' 'pgbouncer_pool_exhausted{}' \
    'pgbouncer_server_login_failed{error=FATAL too many connections for role "tight"}' \
    'pgbouncer_server_login_failing{error=try again later}'
for log in healthy-pg.log healthy-pg-heroku-cli.log healthy-django-heroku-cli.log \
    healthy-pgbouncer.log healthy-django-pgb-heroku-cli.log; do
	expect "$log"
done
# Every refusal PostgreSQL logged is counted once, on every transport.
n=$(grep -c 'too many connections for role "app"' "$out/logs/pg-stderr.log")
for log in pg-stderr.log pg-heroku-cli.log pg-heroku-logplex.frames; do
	m=$("$DW" replay -c agent.yaml "$out/logs/$log" 2>&1 >/dev/null |
	    awk '$1 == "pg_too_many_connections_role" { print $2 }')
	[ "$m" = "$n" ] && echo "ok: $log: $n role refusals counted" ||
	    { echo "FAIL: $log: counted $m of $n refusals"; fail=1; }
done
# The Django storm: every refusal the app logged was matched (Django
# logs each twice: psycopg2's exception and Django's wrapper).
n=$(grep -c 'OperationalError: .*too many connections for role "app"' "$out/logs/django-heroku-cli.log")
m=$("$DW" replay -c agent.yaml "$out/logs/django-heroku-cli.log" 2>&1 >/dev/null |
    awk '$1 == "app_too_many_connections_role" { print $2 }')
[ "$n" -gt 0 ] && [ "$m" = "$n" ] && echo "ok: django: $n refusal lines matched" ||
    { echo "FAIL: django: matched $m of $n"; fail=1; }
exit $fail
