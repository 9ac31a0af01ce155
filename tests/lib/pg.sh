# pg.sh - start a throw-away PostgreSQL server for tests (POSIX sh; source
# it, then call the functions). Real Debian `postgresql` binaries, a temp
# data dir, 127.0.0.1 only, a free random port, logs captured from the
# server's stderr (log_destination=stderr, logging_collector=off, pg_ctl -l).
#
#   . tests/lib/pg.sh
#   PG_PREFIX=heroku1 PG_MAX_CONNECTIONS=8 pg_start || exit 1
#   dw_atexit pg_stop                   # or: pg_stop OUT/pg.log at the end
#   pg_psql "SELECT 1"
#   pg_create_role app 2                # LOGIN, CONNECTION LIMIT 2
#   pg_create_db appdb app 5            # owner app, CONNECTION LIMIT 5
#   tail -F "$PG_LOG" | "$DW" ...       # the live server log
#   pg_stop OUT/pg-stderr.log [OUT/pg-syslog.tsv]
#
# Knobs (environment, read by pg_start; defaults in brackets):
#   PG_PREFIX          log_line_prefix: a preset or a literal string
#                        default  '%m [%p] '                (PostgreSQL's)
#                        debian   '%m [%p] %q%u@%d '        (Debian's conf)
#                        heroku1  ' sql_error_code = %e '   (Heroku format 1)
#                        heroku2  Heroku format 2 (time_ms, pid, ... fields)
#                        ts_pid_heroku1  '%m [%p] sql_error_code = %e '
#                      [default]
#   PG_MAX_CONNECTIONS max_connections [8]
#   PG_RESERVED        superuser_reserved_connections [2]
#   PG_MIN_DURATION    log_min_duration_statement in ms, -1 = off [2000]
#   PG_LOG_CONNECTIONS on|off (log_connections and log_disconnections) [off]
#   PG_PRELOAD         shared_preload_libraries, e.g. auto_explain [""]
#   PG_SYSLOG_CAPTURE  1 = also log_destination=syslog, captured through the
#                      LD_PRELOAD shim syslog_capture.c into $PG_SYSLOG_FILE
#                      (PostgreSQL's own [seq-chunk] splitting, byte exact)
#                      [0]; needs a C compiler (cc)
#   PG_EXTRA_CONF      more postgresql.conf lines, appended last [""]
#   PG_BINDIR          directory of initdb/pg_ctl/postgres [highest
#                      /usr/lib/postgresql/*/bin]
#   PG_START_TIMEOUT   seconds [30]
#
# After pg_start: PG_PORT, PG_HOST (127.0.0.1), PG_TMP (temp dir), PG_DATA,
# PG_LOG (live server log), PG_SYSLOG_FILE, PG_VERSION (major), PG_BINDIR,
# PG_LINE_PREFIX (the log_line_prefix in force).
# The superuser is `postgres`, authentication is `trust` on 127.0.0.1
# (temp server, loopback only). As root the server runs as the `postgres`
# user through runuser; otherwise as the calling user.
#
# Returns 1 with a message on stderr when something is missing or fails.

if [ -z "${DW_LIB:-}" ]; then
	for _d in "$(dirname "$0")/../lib" "$(dirname "$0")" tests/lib \
	    ../tests/lib ../../tests/lib; do
		[ -f "$_d/pg.sh" ] && DW_LIB=$(cd "$_d" && pwd) && break
	done
fi
. "$DW_LIB/common.sh"

PG_HOST=127.0.0.1
PG_PORT=""
PG_TMP=""

PG_PREFIX_DEFAULT='%m [%p] '
PG_PREFIX_DEBIAN='%m [%p] %q%u@%d '
PG_PREFIX_HEROKU1=' sql_error_code = %e '
PG_PREFIX_HEROKU2=' sql_error_code = %e time_ms = "%m" pid="%p" proc_start_time="%s" session_id="%c" vtid="%v" tid="%x" log_line="%l" %qdatabase="%d" connection_source="%r" user="%u" application_name="%a" '

pg_find_bin()
{
	if [ -z "${PG_BINDIR:-}" ]; then
		for _d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null |
		    sort -t/ -k4 -n); do
			[ -x "$_d/initdb" ] && PG_BINDIR=$_d
		done
	fi
	if [ -z "${PG_BINDIR:-}" ] || [ ! -x "$PG_BINDIR/initdb" ]; then
		echo "harness: PostgreSQL server binaries not found" \
		    "(Debian package postgresql): run scripts/deps.sh" >&2
		return 1
	fi
	command -v psql >/dev/null 2>&1 || [ -x "$PG_BINDIR/psql" ] || {
		echo "harness: missing psql (Debian package" \
		    "postgresql-client)" >&2
		return 1
	}
	PG_VERSION=$("$PG_BINDIR/postgres" --version |
	    sed -n 's/.* \([0-9][0-9]*\)[.].*/\1/p')
	export PG_BINDIR PG_VERSION
}

_pg_prefix()
{
	case "${PG_PREFIX:-default}" in
	default)	printf '%s' "$PG_PREFIX_DEFAULT" ;;
	debian)		printf '%s' "$PG_PREFIX_DEBIAN" ;;
	heroku1)	printf '%s' "$PG_PREFIX_HEROKU1" ;;
	heroku2)	printf '%s' "$PG_PREFIX_HEROKU2" ;;
	ts_pid_heroku1)	printf '%s' "%m [%p]$PG_PREFIX_HEROKU1" ;;
	*)		printf '%s' "$PG_PREFIX" ;;
	esac
}

# Quote a string for postgresql.conf: '...' with ' doubled, \ doubled.
_pg_conf_quote()
{
	printf "'%s'" "$(printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/''/g")"
}

_pg_build_shim()
{
	_src="$DW_LIB/syslog_capture.c"
	_so="$PG_TMP/syslog_capture.so"
	command -v cc >/dev/null 2>&1 || {
		echo "harness: PG_SYSLOG_CAPTURE needs cc (build-essential)" >&2
		return 1
	}
	cc -shared -fPIC -O2 -Wall -o "$_so" "$_src" || {
		echo "harness: cannot build $_src" >&2
		return 1
	}
	chmod 755 "$_so"
}

_pg_write_conf()
{
	_conf="$PG_DATA/postgresql.conf"
	_dest=stderr
	[ "${PG_SYSLOG_CAPTURE:-0}" = 1 ] && _dest=stderr,syslog
	_lc=${PG_LOG_CONNECTIONS:-off}
	{
		echo ""
		echo "# --- drainwatch test harness (tests/lib/pg.sh) ---"
		echo "listen_addresses = '127.0.0.1'"
		echo "port = $PG_PORT"
		echo "unix_socket_directories = $(_pg_conf_quote "$PG_TMP")"
		echo "max_connections = ${PG_MAX_CONNECTIONS:-8}"
		echo "superuser_reserved_connections = ${PG_RESERVED:-2}"
		echo "shared_buffers = 16MB"
		echo "max_wal_senders = 0"
		echo "wal_level = minimal"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		echo "logging_collector = off"
		echo "log_destination = '$_dest'"
		echo "log_line_prefix = $(_pg_conf_quote "$PG_LINE_PREFIX")"
		echo "log_min_duration_statement = ${PG_MIN_DURATION:-2000}"
		echo "log_connections = $_lc"
		echo "log_disconnections = $_lc"
		echo "log_lock_waits = on"
		echo "deadlock_timeout = '1s'"
		echo "log_timezone = 'UTC'"
		echo "timezone = 'UTC'"
		echo "lc_messages = 'C'"
		echo "syslog_facility = 'LOCAL0'"
		echo "syslog_ident = 'postgres'"
		echo "syslog_sequence_numbers = on"
		echo "syslog_split_messages = on"
		if [ -n "${PG_PRELOAD:-}" ]; then
			echo "shared_preload_libraries = '$PG_PRELOAD'"
		fi
		if [ -n "${PG_EXTRA_CONF:-}" ]; then
			printf '%s\n' "$PG_EXTRA_CONF"
		fi
	} >>"$_conf"
}

pg_start()
{
	pg_find_bin || return 1
	dw_runas_init
	dw_python
	PG_TMP=$(dw_mktemp) || return 1
	PG_DATA=$PG_TMP/data
	PG_LOG=$PG_TMP/server.log
	PG_SYSLOG_FILE=$PG_TMP/syslog.tsv
	PG_LINE_PREFIX=$(_pg_prefix)
	export PG_TMP PG_DATA PG_LOG PG_SYSLOG_FILE PG_HOST PG_LINE_PREFIX
	dw_runas "$PG_BINDIR/initdb" -D "$PG_DATA" -U postgres --auth=trust \
	    --no-locale -E UTF8 --no-sync >"$PG_TMP/initdb.log" 2>&1 || {
		echo "harness: initdb failed:" >&2
		tail -20 "$PG_TMP/initdb.log" >&2
		return 1
	}
	cp "$PG_DATA/postgresql.conf" "$PG_TMP/postgresql.conf.orig"
	_env=""
	if [ "${PG_SYSLOG_CAPTURE:-0}" = 1 ]; then
		_pg_build_shim || return 1
		_env="LD_PRELOAD=$PG_TMP/syslog_capture.so"
		_env="$_env DW_SYSLOG_CAPTURE=$PG_SYSLOG_FILE"
		dw_runas touch "$PG_SYSLOG_FILE"
	fi
	_try=0
	while [ $_try -lt 3 ]; do
		_try=$((_try + 1))
		PG_PORT=$(dw_free_port) || return 1
		export PG_PORT
		cp "$PG_TMP/postgresql.conf.orig" "$PG_DATA/postgresql.conf"
		_pg_write_conf
		# pg_ctl -l: the server's stdout+stderr go to $PG_LOG.
		# shellcheck disable=SC2086
		if dw_runas env $_env "$PG_BINDIR/pg_ctl" -D "$PG_DATA" \
		    -l "$PG_LOG" -w -t "${PG_START_TIMEOUT:-30}" start \
		    >"$PG_TMP/pg_ctl.log" 2>&1; then
			return 0
		fi
		if grep -q 'could not bind\|Address already in use' \
		    "$PG_LOG" 2>/dev/null; then
			continue	# lost a race for the port: new port
		fi
		break
	done
	echo "harness: PostgreSQL did not start (port $PG_PORT):" >&2
	tail -20 "$PG_TMP/pg_ctl.log" "$PG_LOG" >&2 2>/dev/null
	return 1
}

# pg_stop [LOG_DEST [SYSLOG_DEST]] - stop the server (fast, then immediate),
# copy the server log (and the syslog capture) out, remove the temp dir.
pg_stop()
{
	[ -n "$PG_TMP" ] && [ -d "$PG_TMP" ] || return 0
	if [ -f "$PG_DATA/postmaster.pid" ]; then
		dw_runas "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast -w -t 20 \
		    stop >/dev/null 2>&1 ||
		    dw_runas "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m immediate \
		    -w -t 10 stop >/dev/null 2>&1
	fi
	[ -n "${1:-}" ] && [ -f "$PG_LOG" ] && cat "$PG_LOG" >"$1"
	[ -n "${2:-}" ] && [ -f "$PG_SYSLOG_FILE" ] && cat "$PG_SYSLOG_FILE" >"$2"
	dw_rmrf "$PG_TMP"
	PG_TMP=""
	return 0
}

# pg_psql [-U USER] [-d DB] SQL - run SQL on the test server over TCP,
# unaligned tuples-only output, stop on the first error.
pg_psql()
{
	_u=postgres
	_db=postgres
	while [ $# -gt 1 ]; do
		case "$1" in
		-U) _u=$2; shift 2 ;;
		-d) _db=$2; shift 2 ;;
		*) break ;;
		esac
	done
	PGCONNECT_TIMEOUT=10 "$PG_BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 \
	    -h "$PG_HOST" -p "$PG_PORT" -U "$_u" -d "$_db" -c "$1"
}

# pg_create_role NAME [LIMIT] - LOGIN role (not superuser) with CONNECTION
# LIMIT (default -1 = none). Set-up statements are never logged as slow
# statements (CREATE DATABASE can take over a second on a busy machine).
pg_create_role()
{
	PGOPTIONS="-c log_min_duration_statement=-1" \
	    pg_psql "CREATE ROLE \"$1\" LOGIN CONNECTION LIMIT ${2:--1}"
}

# pg_create_db NAME [OWNER] [LIMIT] - database with CONNECTION LIMIT.
pg_create_db()
{
	PGOPTIONS="-c log_min_duration_statement=-1" \
	    pg_psql "CREATE DATABASE \"$1\" OWNER \"${2:-postgres}\" CONNECTION LIMIT ${3:--1}"
}

# pg_hba_prepend LINE - put LINE first in pg_hba.conf and reload.
pg_hba_prepend()
{
	{ printf '%s\n' "$1"; cat "$PG_DATA/pg_hba.conf"; } >"$PG_TMP/hba.new"
	cat "$PG_TMP/hba.new" >"$PG_DATA/pg_hba.conf"
	rm -f "$PG_TMP/hba.new"
	pg_psql "SELECT pg_reload_conf()" >/dev/null
}

# pg_wait_idle [SECS] - wait until no client backend but ours is connected.
pg_wait_idle()
{
	_n=$((${1:-10} * 10))
	while [ "$_n" -gt 0 ]; do
		_c=$(pg_psql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()" 2>/dev/null)
		[ "$_c" = 0 ] && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}
