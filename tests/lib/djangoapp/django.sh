# django.sh - start/stop the harness's Django app under gunicorn (POSIX sh;
# source after pg.sh). Test-harness code, not part of drainwatch.
#
#   django_start OUT_DIR NAME [WORKERS THREADS]  uses DW_DB_* from the
#       environment (default: the pg.sh server, database app, role app);
#       sets DJANGO_PORT, DJANGO_URL, DJANGO_PID; logs in OUT_DIR/NAME-*
#       (see serve.py)
#   django_load ARGS...   tests/lib/djangoapp/load.py --url $DJANGO_URL ARGS
#   django_stop           stop gunicorn (idempotent)

if [ -z "${DW_LIB:-}" ]; then
	for _d in "$(dirname "$0")/../lib" "$(dirname "$0")" tests/lib \
	    ../tests/lib ../../tests/lib; do
		[ -f "$_d/common.sh" ] && DW_LIB=$(cd "$_d" && pwd) && break
	done
fi
. "$DW_LIB/common.sh"

DJANGO_PID=""

django_start()
{
	dw_python
	command -v gunicorn >/dev/null 2>&1 || {
		echo "harness: missing gunicorn (Debian package gunicorn):" \
		    "run scripts/deps.sh" >&2
		return 1
	}
	DJANGO_PORT=$(dw_free_port) || return 1
	DJANGO_URL=http://127.0.0.1:$DJANGO_PORT
	export DJANGO_PORT DJANGO_URL
	: "${DW_DB_HOST:=127.0.0.1}" "${DW_DB_PORT:=$PG_PORT}"
	: "${DW_DB_NAME:=app}" "${DW_DB_USER:=app}"
	export DW_DB_HOST DW_DB_PORT DW_DB_NAME DW_DB_USER
	_ready=$1/.$2.ready
	rm -f "$_ready"
	"$DW_PY" "$DW_LIB/djangoapp/serve.py" --port "$DJANGO_PORT" \
	    --out "$1" --name "$2" --workers "${3:-3}" --threads "${4:-4}" \
	    --ready-file "$_ready" --gunicorn "$(command -v gunicorn)" &
	DJANGO_PID=$!
	# serve.py creates the ready file once GET / answers 200, or exits.
	_n=300
	while [ ! -f "$_ready" ] && kill -0 "$DJANGO_PID" 2>/dev/null &&
	    [ $_n -gt 0 ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
	if [ ! -f "$_ready" ]; then
		django_stop
		echo "harness: gunicorn/Django did not start; see $1/$2-web.log" >&2
		tail -20 "$1/$2-web.log" >&2 2>/dev/null
		return 1
	fi
	rm -f "$_ready"
	return 0
}

django_load()
{
	"$DW_PY" "$DW_LIB/djangoapp/load.py" --url "$DJANGO_URL" "$@"
}

django_stop()
{
	[ -n "$DJANGO_PID" ] || return 0
	kill -TERM "$DJANGO_PID" 2>/dev/null
	wait "$DJANGO_PID" 2>/dev/null
	DJANGO_PID=""
	return 0
}
