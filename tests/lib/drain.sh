# drain.sh - helpers for the drain endpoint end-to-end tests
# (tests/e2e/drain_*.sh), sourced after common.sh. POSIX sh (dash).
#
#   drain_init              temp dir $T, free port $PORT, cleanup at exit
#   drain_config FILE [YAML] agent config: shipped rules (and $T/rules/ if
#                           it exists), no stdin, console
#                           sink, sources.http on 127.0.0.1:$PORT with user
#                           alice / password s3cret; YAML (already indented
#                           by 4) is appended to the http mapping
#   drain_start FILE        run $DW on FILE (stdout $T/out, stderr $T/err),
#                           wait for GET /healthz; sets $DW_PID
#   drain_stop              SIGTERM, wait; returns drainwatch's status
#   frame MSG               print one logplex frame: byte count, SP, MSG
#                           (MSG should end with a newline, as logplex's do)
#   post FILE [CURLARGS]    POST FILE as application/logplex-1 with the
#                           credentials; print the status code
#   metric SERIES           value of SERIES in GET /metrics (0 if absent)
#   now_ts                  the current time as logplex writes it
#   ok / bad MSG            report a check; bad makes the script fail

drain_fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; drain_fail=1; }

: "${DRAIN_SCHEME:=http}"
DRAIN_CURL_TLS=""

drain_init()
{
	command -v curl >/dev/null 2>&1 || dw_skip "curl not installed"
	[ -x "$DW" ] || dw_die "DW=$DW is not executable"
	T=$(mktemp -d "${TMPDIR:-/tmp}/dw-drain.XXXXXX")
	dw_atexit "rm -rf '$T'"
	# Not dw_free_port: that one insists on Django being installed.
	PORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || dw_skip "python3 not installed"
	BASE="$DRAIN_SCHEME://127.0.0.1:$PORT"
}

drain_config()
{
	_cwd=$(pwd)
	_extra=""
	[ -d "$T/rules" ] && _extra=", \"$T/rules/*.yaml\""
	cat >"$1" <<EOF
rules: ["$_cwd/rules/*.yaml"$_extra]
sources:
  stdin: false
  http:
    listen: 127.0.0.1:$PORT
    username: alice
    password: s3cret
${2:-}
sinks:
  - {name: console, type: console}
state_dir: $T/state
EOF
}

drain_start()
{
	"$DW" run -c "$1" >"$T/out" 2>"$T/err" &
	DW_PID=$!
	dw_atexit "kill $DW_PID 2>/dev/null"
	if ! dw_wait_for 10 curl -sf $DRAIN_CURL_TLS "$BASE/healthz"; then
		cat "$T/err"
		dw_die "drainwatch did not come up on $BASE"
	fi
}

drain_stop()
{
	kill -TERM "$DW_PID" 2>/dev/null
	wait "$DW_PID"
}

frame()
{
	printf '%s' "$1" >"$T/frame.tmp"
	printf '%s %s' "$(wc -c <"$T/frame.tmp" | tr -d ' ')" "$1"
}

post()
{
	_f=$1
	shift
	curl -s -o "$T/resp.body" -D "$T/resp.headers" -w '%{http_code}' \
	    $DRAIN_CURL_TLS -u alice:s3cret \
	    -H 'Content-Type: application/logplex-1' -H 'Expect:' \
	    -H 'User-Agent: Logplex/v49' "$@" --data-binary "@$_f" \
	    "$BASE/logs"
}

metric()
{
	curl -s $DRAIN_CURL_TLS -u alice:s3cret "$BASE/metrics" |
	    awk -v s="$1" '$1 == s { v = $2 } END { print v == "" ? 0 : v }'
}

now_ts()
{
	date -u +%Y-%m-%dT%H:%M:%S.000000+00:00
}
