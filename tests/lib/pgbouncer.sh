# pgbouncer.sh - a throw-away PgBouncer in front of the pg.sh server (POSIX
# sh; source after pg.sh). Real Debian `pgbouncer`, 127.0.0.1 only, a free
# random port, ini + userlist + log file in a temp dir. Test-harness code,
# not part of drainwatch.
#
#   . tests/lib/pg.sh; . tests/lib/pgbouncer.sh
#   pg_start && pgb_start || exit 1
#   dw_atexit pgb_stop
#   psql -h 127.0.0.1 -p "$PGB_PORT" -U app app
#   pgb_stop OUT/pgbouncer.log
#
# Knobs (environment, read by pgb_start; defaults in brackets):
#   PGB_MAX_CLIENT_CONN     max_client_conn [10]
#   PGB_POOL_SIZE           default_pool_size [2]
#   PGB_POOL_MODE           pool_mode [transaction]
#   PGB_QUERY_WAIT_TIMEOUT  query_wait_timeout, seconds [3]
#   PGB_LOGIN_RETRY         server_login_retry, seconds [2]
#   PGB_DATABASES           [databases] lines ["app = host=127.0.0.1
#                           port=$PG_PORT dbname=app"]
#   PGB_USERS               users of the userlist (trust auth) [app postgres]
#   PGB_EXTRA_CONF          more [pgbouncer] lines [""]
# After pgb_start: PGB_PORT, PGB_TMP, PGB_LOG (live log), PGB_VERSION.
# As root PgBouncer runs as the `postgres` user (it refuses to run as root).

if [ -z "${DW_LIB:-}" ]; then
	for _d in "$(dirname "$0")/../lib" "$(dirname "$0")" tests/lib \
	    ../tests/lib ../../tests/lib; do
		[ -f "$_d/common.sh" ] && DW_LIB=$(cd "$_d" && pwd) && break
	done
fi
. "$DW_LIB/common.sh"

PGB_TMP=""
PGB_PORT=""

pgb_start()
{
	command -v pgbouncer >/dev/null 2>&1 || {
		echo "harness: missing pgbouncer (Debian package pgbouncer):" \
		    "run scripts/deps.sh" >&2
		return 1
	}
	dw_runas_init
	PGB_VERSION=$(pgbouncer --version | sed -n '1s/^PgBouncer //p')
	PGB_TMP=$(dw_mktemp) || return 1
	PGB_LOG=$PGB_TMP/pgbouncer.log
	export PGB_TMP PGB_LOG PGB_VERSION
	: >"$PGB_TMP/userlist.txt"
	for _u in ${PGB_USERS:-app postgres}; do
		printf '"%s" ""\n' "$_u" >>"$PGB_TMP/userlist.txt"
	done
	_try=0
	while [ $_try -lt 3 ]; do
		_try=$((_try + 1))
		PGB_PORT=$(dw_free_port) || return 1
		export PGB_PORT
		{
			echo "[databases]"
			printf '%s\n' "${PGB_DATABASES:-app = host=127.0.0.1 port=$PG_PORT dbname=app}"
			echo "[pgbouncer]"
			echo "listen_addr = 127.0.0.1"
			echo "listen_port = $PGB_PORT"
			echo "unix_socket_dir ="
			echo "auth_type = trust"
			echo "auth_file = $PGB_TMP/userlist.txt"
			echo "logfile = $PGB_LOG"
			echo "pidfile = $PGB_TMP/pgbouncer.pid"
			echo "admin_users = postgres"
			echo "pool_mode = ${PGB_POOL_MODE:-transaction}"
			echo "max_client_conn = ${PGB_MAX_CLIENT_CONN:-10}"
			echo "default_pool_size = ${PGB_POOL_SIZE:-2}"
			echo "min_pool_size = 0"
			echo "reserve_pool_size = 0"
			echo "query_wait_timeout = ${PGB_QUERY_WAIT_TIMEOUT:-3}"
			echo "server_login_retry = ${PGB_LOGIN_RETRY:-2}"
			echo "server_connect_timeout = 5"
			echo "log_connections = 1"
			echo "log_disconnections = 1"
			echo "log_pooler_errors = 1"
			echo "stats_period = 60"
			if [ -n "${PGB_EXTRA_CONF:-}" ]; then
				printf '%s\n' "$PGB_EXTRA_CONF"
			fi
		} >"$PGB_TMP/pgbouncer.ini"
		chmod 644 "$PGB_TMP/pgbouncer.ini" "$PGB_TMP/userlist.txt"
		dw_runas pgbouncer -d "$PGB_TMP/pgbouncer.ini" \
		    >"$PGB_TMP/start.log" 2>&1
		if dw_wait_for 10 _pgb_listening; then
			return 0
		fi
		if grep -q 'Address already in use' "$PGB_LOG" \
		    "$PGB_TMP/start.log" 2>/dev/null; then
			_pgb_kill
			continue
		fi
		break
	done
	echo "harness: pgbouncer did not start (port $PGB_PORT):" >&2
	tail -20 "$PGB_TMP/start.log" "$PGB_LOG" >&2 2>/dev/null
	_pgb_kill
	return 1
}

_pgb_listening()
{
	grep -q "listening on 127.0.0.1:$PGB_PORT" "$PGB_LOG" 2>/dev/null &&
	    [ -s "$PGB_TMP/pgbouncer.pid" ]
}

_pgb_kill()
{
	[ -s "$PGB_TMP/pgbouncer.pid" ] || return 0
	_p=$(cat "$PGB_TMP/pgbouncer.pid")
	kill -TERM "$_p" 2>/dev/null || return 0
	_n=100
	while [ $_n -gt 0 ] && kill -0 "$_p" 2>/dev/null; do
		sleep 0.1
		_n=$((_n - 1))
	done
	kill -KILL "$_p" 2>/dev/null
	return 0
}

# pgb_stop [LOG_DEST] - stop PgBouncer, copy its log, remove the temp dir.
pgb_stop()
{
	[ -n "$PGB_TMP" ] && [ -d "$PGB_TMP" ] || return 0
	_pgb_kill
	[ -n "${1:-}" ] && [ -f "$PGB_LOG" ] && cat "$PGB_LOG" >"$1"
	dw_rmrf "$PGB_TMP"
	PGB_TMP=""
	return 0
}
