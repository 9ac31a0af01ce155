#!/bin/sh
# run_scenarios.sh OUT_DIR [PHASE...] - run real PostgreSQL, PgBouncer and a
# Django app (gunicorn) on 127.0.0.1, provoke the errors drainwatch's rule
# packs are about, and leave the real logs in OUT_DIR. Test-harness code,
# not part of drainwatch; see docs/notes/realsoftware.md.
#
# Phases (default: all, run in parallel; DW_SCENARIOS_SERIAL=1 runs them one
# after the other):
#   pg-default   PostgreSQL, log_line_prefix '%m [%p] ', every provoke.py
#                scenario -> pg-stderr.log, pg-syslog.tsv (PostgreSQL's own
#                syslog messages, captured), pg-client-errors.log,
#                pg-provoke.json
#   pg-debian    same with '%m [%p] %q%u@%d ' -> pg-stderr-debian.log ...
#   pg-heroku1   same with Heroku's ' sql_error_code = %e ' and syslog ->
#                pg-heroku1-stderr.log, pg-heroku1-syslog.tsv and, wrapped
#                by heroku_wrap.py, pg-heroku-cli.log (`heroku logs` form)
#                and pg-heroku-logplex.frames (HTTPS drain body)
#   pg-heroku2   same with Heroku's format-2 prefix -> pg-heroku2-*.log,
#                pg-heroku2-cli.log, pg-heroku2-logplex.frames
#   django       PostgreSQL (max_connections 20) + Django/gunicorn (3
#                workers x 4 threads, CONN_MAX_AGE=600) with role "app"
#                CONNECTION LIMIT 6; 16 clients x 10 requests -> role limit
#                exhausted: django-web.log (gunicorn + Django log, stderr),
#                django-access.log, django-web.stamped, django-heroku-cli.log,
#                django-logplex.frames, django-pg.log, django-load.json
#   pgbouncer    PostgreSQL + PgBouncer (max_client_conn 10, pool 2,
#                query_wait_timeout 3 s) -> pgbouncer.log, pgbouncer-pg.log,
#                pgbouncer-client-errors.log, pgbouncer-provoke.json,
#                pgbouncer-heroku-cli.log
#   healthy      comfortable limits, bounded load: Django straight to
#                PostgreSQL (the django phase's set-up), then through
#                PgBouncer -> healthy-pg.log (prefix '%m [%p] sql_error_code
#                = %e '), healthy-pg-heroku-cli.log, healthy-pgbouncer.log,
#                healthy-django{,-pgb}-{web,access}.log, *-heroku-cli.log;
#                must contain no error, warning or slow statement
# Finally heroku_wrap.py verify compares its own emulation of PostgreSQL's
# syslog splitting with the captured real messages (pg-syslog-verify.txt)
# and the counts of every interesting line are printed and written to
# OUT_DIR/summary.txt.
#
# Exit: 0 every phase produced what it should (and healthy nothing bad);
# 1 otherwise, or when a package is missing (the message says which);
# 77 when not root and the servers cannot be run as the calling user.

set -u
if [ $# -lt 1 ]; then
	echo "usage: $0 OUT_DIR [PHASE...]" >&2
	exit 2
fi
mkdir -p "$1" || exit 1
OUT=$(cd "$1" && pwd)
shift
DW_LIB=$(cd "$(dirname "$0")" && pwd)
export DW_LIB
. "$DW_LIB/pg.sh"
. "$DW_LIB/pgbouncer.sh"
. "$DW_LIB/djangoapp/django.sh"

ALL_PHASES="pg-default pg-debian pg-heroku1 pg-heroku2 django pgbouncer healthy"
PHASES=${*:-$ALL_PHASES}
for _p in $PHASES; do
	case " $ALL_PHASES " in
	*" $_p "*) ;;
	*) echo "run_scenarios: unknown phase $_p (one of: $ALL_PHASES)" >&2
	   exit 2 ;;
	esac
done

# ---------------------------------------------------------------- checks
pg_find_bin || exit 1
[ -x "$PG_BINDIR/pgbench" ] ||
    dw_die "missing pgbench (Debian package postgresql-$PG_VERSION)"
dw_need_cmd pgbouncer pgbouncer
dw_need_cmd gunicorn gunicorn
dw_need_cmd cc build-essential
dw_python
dw_runas_init
if [ "$(id -u)" != 0 ]; then
	_t=$(mktemp -d) || exit 1
	if ! "$PG_BINDIR/initdb" -D "$_t/d" --no-sync >/dev/null 2>&1; then
		rm -rf "$_t"
		dw_skip "not root and PostgreSQL cannot run as $(id -un)" \
		    "(runuser needs root)"
	fi
	rm -rf "$_t"
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
wrap() { "$DW_PY" "$DW_LIB/heroku_wrap.py" "$@"; }
provoke() { "$DW_PY" "$DW_LIB/provoke.py" "$@"; }

# ---------------------------------------------------------------- phases
# Each phase runs in its own subshell (own traps: whatever it started is
# stopped when it ends, also on failure or a signal).

phase_pg()	# NAME PREFIX FILE-STEM
{
	_stem=$3
	dw_atexit pg_stop	# first: a signal during pg_start cleans up too
	PG_PREFIX=$2 PG_MIN_DURATION=1000 PG_SYSLOG_CAPTURE=1 \
	    PG_MAX_CONNECTIONS=8 PG_RESERVED=2 pg_start || return 1
	echo "PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT," \
	    "log_line_prefix '$PG_LINE_PREFIX'"
	: >"$OUT/$_stem-client-errors.log"
	provoke --port "$PG_PORT" --bindir "$PG_BINDIR" \
	    --hba "$PG_DATA/pg_hba.conf" \
	    --client-log "$OUT/$_stem-client-errors.log" \
	    --json "$OUT/$_stem-provoke.json" >/dev/null
	_rc=$?
	case "$1" in
	default)	_log=$OUT/pg-stderr.log; _sys=$OUT/pg-syslog.tsv ;;
	debian)		_log=$OUT/pg-stderr-debian.log
			_sys=$OUT/pg-syslog-debian.tsv ;;
	*)		_log=$OUT/$_stem-stderr.log; _sys=$OUT/$_stem-syslog.tsv ;;
	esac
	pg_stop "$_log" "$_sys"
	case "$1" in
	heroku1)
		wrap pg-syslog "$_sys" --cli "$OUT/pg-heroku-cli.log" \
		    --logplex "$OUT/pg-heroku-logplex.frames" || _rc=1 ;;
	heroku2)
		wrap pg-syslog "$_sys" --cli "$OUT/pg-heroku2-cli.log" \
		    --logplex "$OUT/pg-heroku2-logplex.frames" || _rc=1 ;;
	esac
	[ $_rc = 0 ] || echo "provoke.py: a scenario did not produce what" \
	    "it should: see $OUT/$_stem-provoke.json"
	return $_rc
}

phase_django()
{
	dw_atexit "pg_stop $OUT/django-pg.log"
	dw_atexit django_stop
	PG_PREFIX=default PG_MIN_DURATION=2000 PG_MAX_CONNECTIONS=20 \
	    PG_RESERVED=2 pg_start || return 1
	pg_create_role app 6 && pg_create_db app app || return 1
	DW_DB_PORT=$PG_PORT DW_CONN_MAX_AGE=600 DW_CONN_WARN=5 \
	    DW_SLOW_QUERY_MS=2000 django_start "$OUT" django 3 4 || return 1
	echo "PostgreSQL on :$PG_PORT (max_connections 20, role app" \
	    "CONNECTION LIMIT 6), gunicorn 3x4 threads on $DJANGO_URL"
	django_load --mix /db/=9 --mix '/slow/?s=2.2=1' --concurrency 16 \
	    --requests 10 --json "$OUT/django-load.json"
	django_stop
	pg_stop "$OUT/django-pg.log"
	wrap app "$OUT/django-web.stamped" --stamped \
	    --cli "$OUT/django-heroku-cli.log" \
	    --logplex "$OUT/django-logplex.frames"
}

phase_pgbouncer()
{
	dw_atexit "pg_stop $OUT/pgbouncer-pg.log"
	dw_atexit "pgb_stop $OUT/pgbouncer.log"
	PG_PREFIX=default PG_MIN_DURATION=2000 PG_MAX_CONNECTIONS=20 \
	    pg_start || return 1
	pg_create_role app && pg_create_role tight 2 &&
	    pg_create_db app app || return 1
	PGB_MAX_CLIENT_CONN=10 PGB_POOL_SIZE=2 PGB_QUERY_WAIT_TIMEOUT=3 \
	PGB_LOGIN_RETRY=2 PGB_DATABASES="app = host=127.0.0.1 port=$PG_PORT dbname=app
tight = host=127.0.0.1 port=$PG_PORT dbname=app user=tight
fresh = host=127.0.0.1 port=$PG_PORT dbname=app user=tight" \
	    pgb_start || return 1
	echo "PgBouncer $PGB_VERSION on :$PGB_PORT -> PostgreSQL :$PG_PORT"
	: >"$OUT/pgbouncer-client-errors.log"
	provoke --port "$PG_PORT" --pgbouncer-port "$PGB_PORT" \
	    --client-log "$OUT/pgbouncer-client-errors.log" \
	    --json "$OUT/pgbouncer-provoke.json" \
	    pgb_maxclient pgb_wait pgb_login >/dev/null
	_rc=$?
	pgb_stop "$OUT/pgbouncer.log"
	pg_stop "$OUT/pgbouncer-pg.log"
	wrap app "$OUT/pgbouncer.log" --cli "$OUT/pgbouncer-heroku-cli.log" \
	    --logplex "$OUT/pgbouncer-logplex.frames" || _rc=1
	return $_rc
}

phase_healthy()
{
	dw_atexit "pg_stop $OUT/healthy-pg.log"
	dw_atexit "pgb_stop $OUT/healthy-pgbouncer.log"
	dw_atexit django_stop
	PG_PREFIX=ts_pid_heroku1 PG_MIN_DURATION=2000 PG_MAX_CONNECTIONS=30 \
	    pg_start || return 1
	pg_create_role app 20 && pg_create_db app app || return 1
	PGB_MAX_CLIENT_CONN=50 PGB_POOL_SIZE=5 PGB_QUERY_WAIT_TIMEOUT=30 \
	    pgb_start || return 1
	_rc=0
	# 1. The storm's set-up (Django straight to PostgreSQL, persistent
	# connections), with room: 2 workers x 2 threads = 4 connections of
	# role app (limit 20, warning above 5).
	DW_DB_PORT=$PG_PORT DW_CONN_MAX_AGE=600 DW_CONN_WARN=5 \
	    DW_SLOW_QUERY_MS=2000 django_start "$OUT" healthy-django 2 2 ||
	    return 1
	echo "healthy: Django $DJANGO_URL -> PostgreSQL :$PG_PORT" \
	    "(role app limit 20)"
	django_load --mix /db/=9 --mix '/slow/?s=0.5=1' --concurrency 4 \
	    --requests 25 --expect-all-ok --json "$OUT/healthy-load.json" ||
	    _rc=1
	django_stop
	# 2. The same app through PgBouncer (transaction pooling, pool 5).
	DW_DB_PORT=$PGB_PORT DW_CONN_MAX_AGE=600 DW_CONN_WARN=5 \
	    DW_SLOW_QUERY_MS=2000 django_start "$OUT" healthy-django-pgb 2 2 ||
	    return 1
	echo "healthy: Django $DJANGO_URL -> PgBouncer :$PGB_PORT (pool 5)" \
	    "-> PostgreSQL :$PG_PORT"
	django_load --mix /db/=9 --mix '/slow/?s=0.5=1' --concurrency 4 \
	    --requests 25 --expect-all-ok --json "$OUT/healthy-pgb-load.json" ||
	    _rc=1
	django_stop
	pgb_stop "$OUT/healthy-pgbouncer.log"
	pg_stop "$OUT/healthy-pg.log"
	wrap pg-stderr "$OUT/healthy-pg.log" --strip-ts-pid \
	    --cli "$OUT/healthy-pg-heroku-cli.log" \
	    --logplex "$OUT/healthy-pg-logplex.frames" || _rc=1
	for _n in healthy-django healthy-django-pgb; do
		wrap app "$OUT/$_n-web.stamped" --stamped \
		    --cli "$OUT/$_n-heroku-cli.log" || _rc=1
	done
	return $_rc
}

run_phase()	# PHASE: meant to run as a subshell (`run_phase X &`)
{
	exec >"$OUT/run-$1.log" 2>&1
	# Not the parent's exit list (it stops the other phases).
	DW_ATEXIT=""
	trap - EXIT INT TERM HUP
	_t0=$(now)
	case "$1" in
	pg-default)	phase_pg default default pg ;;
	pg-debian)	phase_pg debian debian pg-debian ;;
	pg-heroku1)	phase_pg heroku1 heroku1 pg-heroku1 ;;
	pg-heroku2)	phase_pg heroku2 heroku2 pg-heroku2 ;;
	django)		phase_django ;;
	pgbouncer)	phase_pgbouncer ;;
	healthy)	phase_healthy ;;
	esac
	_rc=$?
	echo "$_rc $(elapsed "$_t0" "$(now)")" >"$OUT/.phase-$1"
	exit $_rc
}

T0=$(now)
rm -f "$OUT"/.phase-*
PIDS=""
_kill_phases()
{
	# A phase subshell runs its cleanup trap only once its foreground
	# command has ended: stop that command (its children, by parent pid).
	for _p in $PIDS; do
		kill -TERM "$_p" 2>/dev/null
		pkill -TERM -P "$_p" 2>/dev/null
	done
	for _p in $PIDS; do
		wait "$_p" 2>/dev/null
	done
}
dw_atexit _kill_phases
for _p in $PHASES; do
	if [ "${DW_SCENARIOS_SERIAL:-0}" = 1 ]; then
		(run_phase "$_p")
	else
		run_phase "$_p" &
		PIDS="$PIDS $!"
	fi
done
for _p in $PIDS; do
	wait "$_p"
done
PIDS=""

# ---------------------------------------------------------------- report
FAIL=0
SUMMARY=$OUT/summary.txt
: >"$SUMMARY"
say() { printf '%s\n' "$*" | tee -a "$SUMMARY"; }

say "run_scenarios: output in $OUT"
for _p in $PHASES; do
	if [ -f "$OUT/.phase-$_p" ]; then
		read -r _rc _s <"$OUT/.phase-$_p"
	else
		_rc=killed; _s='?'
	fi
	[ "$_rc" = 0 ] && _st=ok || { _st="FAILED (rc $_rc)"; FAIL=1; }
	say "phase $_p: $_st, ${_s}s (log: run-$_p.log)"
	[ "$_rc" = 0 ] || tail -5 "$OUT/run-$_p.log" | sed 's/^/    /' |
	    tee -a "$SUMMARY"
done

# count FILE LABEL ERE [MIN [MAX]] - print the number of lines of FILE
# matching ERE; fail when below MIN or above MAX.
count()
{
	[ -f "$OUT/$1" ] || return 0
	_n=$(grep -c -E -- "$3" "$OUT/$1")
	_flag=""
	if [ -n "${4:-}" ] && [ "$_n" -lt "$4" ]; then
		_flag="  <-- expected >= $4"; FAIL=1
	fi
	if [ -n "${5:-}" ] && [ "$_n" -gt "$5" ]; then
		_flag="  <-- expected <= $5"; FAIL=1
	fi
	say "$(printf '  %-30s %-44s %5d%s' "$1" "$2" "$_n" "$_flag")"
}

pg_counts()	# FILE
{
	count "$1" 'too many connections for role' \
	    'FATAL:  too many connections for role "app"' 4 4
	count "$1" 'too many connections for database' \
	    'FATAL:  too many connections for database "limdb"' 3 3
	count "$1" 'remaining connection slots are reserved' \
	    'FATAL:  remaining connection slots are reserved for ' 3 3
	count "$1" 'sorry, too many clients already' \
	    'FATAL:  sorry, too many clients already' 3 3
	count "$1" 'other FATAL' 'FATAL:  (role "nosuchrole"|database "nosuchdb"|password authentication|terminating connection)' 4 4
	count "$1" 'duration: (all)' 'duration: [0-9.]+ ms' 1
	count "$1" 'duration >= 2000 ms' 'duration: ([2-9][0-9]{3}|[0-9]{5,})\.[0-9]+ ms' 7 7
	count "$1" 'duration: ... statement:' 'duration: [0-9.]+ ms  statement: ' 1
	count "$1" 'duration: ... parse/bind/execute' 'duration: [0-9.]+ ms  (parse|bind|execute) ' 4
	count "$1" 'duration: ... plan: (auto_explain)' 'duration: [0-9.]+ ms  plan:' 1 1
	count "$1" 'deadlock detected' 'ERROR:  deadlock detected' 1 1
	count "$1" 'statement timeout' 'ERROR:  canceling statement due to statement timeout' 1 1
}

for _p in $PHASES; do
	case "$_p" in
	pg-default)
		say "pg-default:"
		pg_counts pg-stderr.log
		count pg-client-errors.log 'client-side errors (libpq text)' '.' 19 ;;
	pg-debian)
		say "pg-debian:"
		pg_counts pg-stderr-debian.log ;;
	pg-heroku1)
		say "pg-heroku1 (heroku logs form, from PostgreSQL's own syslog chunks):"
		pg_counts pg-heroku-cli.log
		count pg-heroku-cli.log 'sql_error_code = 53300' \
		    'sql_error_code = 53300 FATAL' 13 13
		count pg-heroku-cli.log 'continuation chunks [N-M>1]' \
		    '\[[0-9]+-([2-9]|[1-9][0-9]+)\] ' 1 ;;
	pg-heroku2)
		say "pg-heroku2:"
		pg_counts pg-heroku2-cli.log ;;
	django)
		say "django (role limit 6, 16 clients x 10 requests):"
		count django-web.log 'django.db.utils.OperationalError' \
		    '^django\.db\.utils\.OperationalError: .*too many connections for role "app"' 1
		count django-web.log 'psycopg2.OperationalError (chained)' \
		    '^psycopg2\.OperationalError: .*too many connections for role "app"' 1
		count django-web.log 'ERROR Internal Server Error' \
		    '^ERROR Internal Server Error: ' 1
		count django-web.log 'Traceback' '^Traceback ' 1
		count django-web.log 'WARNING connection count N exceeds 5' \
		    '^WARNING connection count [0-9]+ exceeds 5 ' 1
		count django-web.log 'DEBUG (seconds) SQL (slow query)' '^DEBUG \([0-9.]+\) ' 1
		count django-pg.log 'PG: too many connections for role' \
		    'FATAL:  too many connections for role "app"' 1
		count django-pg.log 'PG: duration >= 2000 ms' \
		    'duration: ([2-9][0-9]{3}|[0-9]{5,})\.[0-9]+ ms' 1
		count django-access.log 'access log: HTTP 500' '" 500 ' 1
		count django-access.log 'access log: HTTP 200' '" 200 ' 1
		;;
	pgbouncer)
		say "pgbouncer:"
		count pgbouncer.log 'no more connections allowed (max_client_conn)' \
		    'pooler error: no more connections allowed \(max_client_conn\)' 3 3
		count pgbouncer.log 'query_wait_timeout' \
		    'pooler error: query_wait_timeout' 3 3
		count pgbouncer.log 'server login failed (both forms)' \
		    'login failed: FATAL:? too many connections for role "tight"' 2
		count pgbouncer.log 'pooler error: too many conn... "tight"' \
		    'pooler error: too many connections for role "tight"' 1 1
		count pgbouncer.log 'server login has been failing' \
		    'pooler error: server login has been failing' 3 3
		count pgbouncer.log 'WARNING/ERROR lines' ' (WARNING|ERROR) ' 1
		count pgbouncer-pg.log 'PG: too many connections for role' \
		    'FATAL:  too many connections for role "tight"' 2
		;;
	healthy)
		say "healthy (must all be 0 except requests):"
		count healthy-pg.log 'PG ERROR/FATAL/PANIC/WARNING' \
		    '(ERROR|FATAL|PANIC|WARNING):  ' 0 0
		count healthy-pg.log 'PG duration:' 'duration: ' 0 0
		count healthy-pg.log 'PG lines (sanity)' \
		    'sql_error_code = [0-9A-Z]{5} ' 1
		count healthy-pg.log 'PG sql_error_code != 00000' \
		    'sql_error_code = ([1-9A-Z][0-9A-Z]{4}|0[1-9A-Z][0-9A-Z]{3}|00[1-9A-Z][0-9A-Z]{2}|000[1-9A-Z][0-9A-Z]|0000[1-9A-Z])' 0 0
		count healthy-pgbouncer.log 'PgBouncer WARNING/ERROR' \
		    ' (WARNING|ERROR) ' 0 0
		for _hn in healthy-django healthy-django-pgb; do
			count $_hn-web.log 'Django ERROR/WARNING/Traceback' \
			    '^(ERROR|WARNING|CRITICAL) |Traceback|\[(ERROR|WARNING|CRITICAL)\]' 0 0
			count $_hn-access.log 'load requests answered 200' \
			    '"GET /(db|slow)/[^"]*" 200 ' 100 100
			count $_hn-access.log 'requests not 200' \
			    '" [1345][0-9][0-9] ' 0 0
		done
		;;
	esac
done

# The splitting emulation against PostgreSQL's real syslog output.
: >"$OUT/pg-syslog-verify.txt"
for _pair in "pg-stderr.log pg-syslog.tsv" \
    "pg-heroku2-stderr.log pg-heroku2-syslog.tsv"; do
	set -- $_pair
	[ -f "$OUT/$1" ] && [ -f "$OUT/$2" ] || continue
	if wrap verify "$OUT/$1" "$OUT/$2" >>"$OUT/pg-syslog-verify.txt"; then
		say "verify $1 vs $2: $(tail -1 "$OUT/pg-syslog-verify.txt")"
	else
		say "verify $1 vs $2: FAILED, see pg-syslog-verify.txt"
		FAIL=1
	fi
done

say "run_scenarios: $(elapsed "$T0" "$(now)")s wall," \
    "$([ $FAIL = 0 ] && echo ok || echo FAILED)"
exit $FAIL
