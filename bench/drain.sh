#!/bin/sh
# drain.sh BUILD - `make bench`, drain ingestion: wrk posts realistic
# 100-frame logplex batches (bench/drain.lua) to a drainwatch running
# the shipped rules on 127.0.0.1, over plain HTTP and then HTTPS (a
# certificate made by openssl for the run). Reports per mode: requests/s,
# lines/s accepted, lines/s the pipeline got through, p50/p99 latency,
# 503s, and drainwatch's peak RSS (VmHWM of /proc/PID/status).
#
# Modes: http and https go as fast as wrk can (the pipeline is then the
# bottleneck and the endpoint answers 503 once the queue is full, as it
# should); "paced" is plain HTTP with DRAIN_BENCH_PACED_MS (10) between
# a connection's requests, a load the pipeline keeps up with, for the
# latency of an endpoint that is not overloaded.
#
# Environment: DRAIN_BENCH_SECS (10), DRAIN_BENCH_THREADS (2, wrk
# threads), DRAIN_BENCH_CONNS (16, connections), DRAIN_BENCH_MODES
# ("http https paced"). Skips (exit 0, says why) without wrk or curl.

build=${1:-build}
cd "$(dirname "$0")/.." || exit 1
dw=$build/drainwatch
secs=${DRAIN_BENCH_SECS:-10}
wthreads=${DRAIN_BENCH_THREADS:-2}
conns=${DRAIN_BENCH_CONNS:-16}
modes=${DRAIN_BENCH_MODES:-http https paced}
paced_ms=${DRAIN_BENCH_PACED_MS:-10}

for c in wrk curl python3; do
	if ! command -v $c >/dev/null 2>&1; then
		echo "drain bench: skipped, $c not installed (apt-get install $c)"
		exit 0
	fi
done
[ -x "$dw" ] || { echo "drain bench: $dw not built" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dwdrain.XXXXXX") || exit 1
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
status=0
DRAIN_AUTH="Basic $(printf 'bench:bench-password' | base64)"
export DRAIN_AUTH

metric() {	# URL SERIES
	curl -s $cacert -u bench:bench-password "$1/metrics" |
	    awk -v s="$2" '$1 == s { v = $2 } END { print v == "" ? 0 : v }'
}

printf '%-6s %9s %11s %11s %9s %9s %7s %10s\n' mode req/s \
    "lines/s in" "pipeline/s" "p50 ms" "p99 ms" 503s "peak RSS"
for mode in $modes; do
	port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cacert=""
	tls=""
	if [ "$mode" = https ]; then
		if ! openssl req -x509 -newkey rsa:2048 -nodes \
		    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 \
		    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		    >/dev/null 2>&1; then
			echo "https  skipped: openssl could not make a certificate"
			continue
		fi
		cacert="--cacert $tmp/cert.pem"
		tls="    tls_cert: $tmp/cert.pem
    tls_key: $tmp/key.pem"
	fi
	scheme=$mode
	[ "$mode" = paced ] && scheme=http
	url="$scheme://127.0.0.1:$port"
	cat >"$tmp/agent.yaml" <<EOF
rules: ["$(pwd)/rules/*.yaml"]
sources:
  stdin: false
  http:
    listen: 127.0.0.1:$port
    username: bench
    password: bench-password
    threads: 4
$tls
sinks:
  - {name: console, type: console}
state_dir: $tmp/state-$mode
EOF
	"$dw" run -c "$tmp/agent.yaml" >/dev/null 2>"$tmp/dw-$mode.err" &
	pid=$!
	i=0
	while ! curl -sf $cacert "$url/healthz" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "$mode: drainwatch did not start:" >&2
			tail -5 "$tmp/dw-$mode.err" >&2
			status=1
			pid=""
			continue 2
		fi
		sleep 0.1
	done
	if [ "$mode" = paced ]; then
		DRAIN_DELAY_MS=$paced_ms
		export DRAIN_DELAY_MS
	fi
	wrk -t"$wthreads" -c"$conns" -d"${secs}s" --timeout 5s \
	    -s bench/drain.lua "$url/logs" >"$tmp/wrk-$mode.out" 2>&1
	unset DRAIN_DELAY_MS
	in=$(metric "$url" drainwatch_http_lines_total)
	rej=$(curl -s $cacert -u bench:bench-password "$url/metrics" |
	    awk '/^drainwatch_http_rejected_total/ && $2 > 0 {
		sub(/.*reason="/, "", $1); sub(/".*/, "", $1)
		printf "%s%s %s", sep, $1, $2; sep = ", " }')
	body=$(metric "$url" drainwatch_http_body_bytes_total)
	ok204=$(metric "$url" 'drainwatch_http_requests_total{code="204"}')
	# Let the pipeline finish what was acknowledged, and time it.
	t0=$(date +%s.%N)
	i=0
	while [ "$(metric "$url" drainwatch_ingest_queue_batches)" != 0 ] &&
	    [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	t1=$(date +%s.%N)
	sleep 1.2	# the pipeline section is published once a second
	done_lines=$(metric "$url" drainwatch_lines_total)
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=""
	[ $rc = 0 ] || { echo "$mode: drainwatch exited $rc" >&2; status=1; }
	line=$(grep '^DRAIN_BENCH' "$tmp/wrk-$mode.out")
	if [ -z "$line" ]; then
		echo "$mode: wrk failed:" >&2
		cat "$tmp/wrk-$mode.out" >&2
		status=1
		continue
	fi
	echo "$line" | awk -v mode="$mode" -v in_="$in" -v done_="$done_lines" \
	    -v hwm="$hwm" -v t0="$t0" -v t1="$t1" -v body="$body" \
	    -v ok="$ok204" -v rej="$rej" '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		s = v["duration_us"] / 1e6
		# the pipeline had the wrk run plus the drain time
		printf "%-6s %9.0f %11.0f %11.0f %9.2f %9.2f %7d %6.1f MiB\n",
		    mode, v["requests"] / s, in_ / s,
		    done_ / (s + (t1 - t0)), v["p50_us"] / 1000,
		    v["p99_us"] / 1000, v["non2xx"], hwm / 1024
		e = v["err_connect"] + v["err_read"] + v["err_write"]
		if (e + v["err_timeout"] > 0)
			printf "       socket errors: connect %d read %d write %d " \
			    "timeout %d\n", v["err_connect"], v["err_read"],
			    v["err_write"], v["err_timeout"]
		if (v["requests"] > 0)
			printf "       %d requests: %d answered 204; %.1f KB " \
			    "body each, %.1f MB/s of logplex received\n",
			    v["requests"], ok, body / v["requests"] / 1000,
			    body / s / 1e6
		if (rej != "")
			printf "       not taken (503/413/400), by reason: %s\n",
			    rej
		if (done_ != in_)
			printf "       (pipeline processed %d of %d accepted " \
			    "lines)\n", done_, in_
	}'
done
echo "wrk: $wthreads threads, $conns connections, ${secs}s per mode" \
    "(paced: ${paced_ms} ms between a connection's requests)," \
    "100 frames per request (bench/drain.lua); shipped rules, console" \
    "sink to /dev/null; lines/s in = accepted by the endpoint"
exit $status
