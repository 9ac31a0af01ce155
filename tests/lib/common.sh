# common.sh - shared helpers for the real-software test harness (POSIX sh,
# sourced by pg.sh, pgbouncer.sh, djangoapp/django.sh and the scenario
# runner; also usable from tests/e2e/*.sh, which run under dash).
#
#   dw_die MSG...          print "harness: MSG" on stderr and exit 1
#   dw_skip MSG...         print MSG on stdout (last line) and exit 77
#   dw_atexit CMD          run CMD (eval'd) at exit, last registered first;
#                          INT/TERM/HUP also run the list, then exit 130/143
#   dw_free_port           print a free TCP port on 127.0.0.1
#   dw_python              set DW_PY to a python3 that has django+psycopg2
#   dw_need_cmd CMD PKG    fail with the Debian package to install
#   dw_runas_init          decide how servers are run: as root -> the
#                          `postgres` user through runuser; else as ourselves
#   dw_runas CMD...        run CMD as that user (environment kept)
#   dw_mktemp              print a fresh temp dir that DW_RUN_USER can write
#   dw_rmrf DIR            rm -rf DIR, retried while something still writes
#   dw_wait_for SECS CMD   poll CMD every 0.1 s until it succeeds (rc 1 on
#                          timeout)
#
# Nothing here listens anywhere but 127.0.0.1 or writes outside temp dirs
# and the output directory the caller names.

[ -n "${DW_COMMON_SOURCED:-}" ] && return 0
DW_COMMON_SOURCED=1
# No __pycache__ in the source tree from the harness's Python.
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

# Directory of the harness (this file's directory). Callers may preset it.
: "${DW_LIB:=}"
if [ -z "$DW_LIB" ]; then
	for _d in "$(dirname "$0")/../lib" "$(dirname "$0")" tests/lib \
	    ../tests/lib ../../tests/lib; do
		[ -f "$_d/common.sh" ] && DW_LIB=$(cd "$_d" && pwd) && break
	done
fi
[ -n "$DW_LIB" ] || { echo "harness: set DW_LIB to tests/lib" >&2; exit 1; }

dw_die()
{
	echo "harness: $*" >&2
	exit 1
}

dw_skip()
{
	echo "$*"
	exit 77
}

DW_ATEXIT=""
_dw_atexit_running=0

_dw_run_atexit()
{
	[ "$_dw_atexit_running" = 1 ] && return 0
	_dw_atexit_running=1
	# Commands were prepended, so this runs them last-registered first.
	eval "$DW_ATEXIT"
	DW_ATEXIT=""
	_dw_atexit_running=0
}

dw_atexit()
{
	DW_ATEXIT="$1 || true; $DW_ATEXIT"
	trap '_dw_rc=$?; _dw_run_atexit; exit $_dw_rc' EXIT
	trap '_dw_run_atexit; trap - EXIT; exit 130' INT
	trap '_dw_run_atexit; trap - EXIT; exit 143' TERM HUP
}

dw_wait_for()
{
	_dw_n=$(($1 * 10))
	shift
	while [ "$_dw_n" -gt 0 ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		_dw_n=$((_dw_n - 1))
	done
	return 1
}

dw_need_cmd()
{
	command -v "$1" >/dev/null 2>&1 ||
	    dw_die "missing '$1' (Debian package $2): run scripts/deps.sh" \
	    "or apt-get install -y $2"
}

# The Debian python3 with python3-django and python3-psycopg2. A python3
# earlier in PATH (pyenv, venv) usually lacks them, so /usr/bin/python3 is
# preferred; DW_PY overrides.
dw_python()
{
	if [ -n "${DW_PY:-}" ]; then
		"$DW_PY" -c 'import django, psycopg2' >/dev/null 2>&1 ||
		    dw_die "DW_PY=$DW_PY cannot import django and psycopg2" \
		    "(Debian packages python3-django python3-psycopg2)"
		return 0
	fi
	for _p in /usr/bin/python3 python3; do
		if "$_p" -c 'import django, psycopg2' >/dev/null 2>&1; then
			DW_PY=$_p
			export DW_PY
			return 0
		fi
	done
	[ -x /usr/bin/python3 ] ||
	    dw_die "missing python3 (Debian package python3): run scripts/deps.sh"
	/usr/bin/python3 -c 'import psycopg2' >/dev/null 2>&1 ||
	    dw_die "missing psycopg2 (Debian package python3-psycopg2):" \
	    "run scripts/deps.sh"
	dw_die "missing django (Debian package python3-django):" \
	    "run scripts/deps.sh"
}

dw_free_port()
{
	dw_python
	"$DW_PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Servers must not run as root (PostgreSQL refuses to, PgBouncer too). As
# root we switch to the `postgres` user that Debian's postgresql package
# creates; as any other user we run them as ourselves.
dw_runas_init()
{
	[ -n "${DW_RUN_USER:-}" ] && return 0
	if [ "$(id -u)" = 0 ]; then
		getent passwd postgres >/dev/null 2>&1 ||
		    dw_die "no 'postgres' user: install the Debian package" \
		    "postgresql (scripts/deps.sh)"
		command -v runuser >/dev/null 2>&1 ||
		    dw_die "missing runuser (Debian package util-linux)"
		runuser -u postgres -- true 2>/dev/null ||
		    dw_die "runuser -u postgres does not work here"
		DW_RUN_USER=postgres
	else
		DW_RUN_USER=$(id -un)
	fi
	export DW_RUN_USER
}

dw_runas()
{
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$DW_RUN_USER" -- "$@"
	else
		"$@"
	fi
}

# dw_rmrf DIR - remove DIR, retrying for up to 5 s: a process interrupted
# mid-way (initdb's bootstrap backend, say) may still be writing in it.
dw_rmrf()
{
	_dw_n=50
	while [ -e "$1" ] && [ $_dw_n -gt 0 ]; do
		rm -rf "$1" 2>/dev/null
		[ -e "$1" ] || return 0
		sleep 0.1
		_dw_n=$((_dw_n - 1))
	done
	[ ! -e "$1" ]
}

dw_mktemp()
{
	dw_runas_init
	_dw_t=$(mktemp -d "${TMPDIR:-/tmp}/dwtest.XXXXXX") ||
	    dw_die "mktemp failed"
	if [ "$(id -u)" = 0 ]; then
		chown "$DW_RUN_USER" "$_dw_t"
	fi
	chmod 700 "$_dw_t"
	echo "$_dw_t"
}
