#!/bin/sh
# bench_corpus.sh - the `make bench` corpus generator is deterministic
# and writes what it claims: same seed -> byte-identical output (same
# sha256), another seed -> other bytes, exactly -n lines, a shorter run
# is a prefix of a longer one, every line in `heroku logs` CLI form with
# non-decreasing timestamps, and its per-kind counts (-v) agree with
# what grep finds in the file. Uses 10k-line corpora with 500-line
# calm/incident blocks (-b 500) so incidents occur; it is fast.
gen=${BUILD_DIR:-build}/bench/gencorpus
if [ ! -x "$gen" ]; then
	echo "$gen not built (make $gen)"
	exit 77
fi
command -v sha256sum >/dev/null || { echo "sha256sum not installed"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dwcorpus.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }

n=10000
"$gen" -n $n -s 42 -b 500 -v >"$tmp/a.log" 2>"$tmp/a.stats" ||
    bad "gencorpus -s 42 exited $?"
"$gen" -n $n -s 42 -b 500 >"$tmp/b.log" || bad "second gencorpus -s 42 exited $?"
"$gen" -n $n -s 43 -b 500 >"$tmp/c.log" || bad "gencorpus -s 43 exited $?"
"$gen" -n 1000 -s 42 -b 500 >"$tmp/d.log" || bad "gencorpus -n 1000 exited $?"
"$gen" -n $n -s 42 >"$tmp/e.log" || bad "gencorpus (default blocks) exited $?"
"$gen" -n $n -s 42 >"$tmp/f.log" || bad "gencorpus (default blocks) exited $?"

ha=$(sha256sum <"$tmp/a.log" | cut -d' ' -f1)
hb=$(sha256sum <"$tmp/b.log" | cut -d' ' -f1)
hc=$(sha256sum <"$tmp/c.log" | cut -d' ' -f1)
echo "seed 42: $ha"
echo "seed 42: $hb"
echo "seed 43: $hc"
[ "$ha" = "$hb" ] || bad "same seed gave different output"
[ "$ha" != "$hc" ] || bad "seeds 42 and 43 gave the same output"
cmp -s "$tmp/e.log" "$tmp/f.log" || bad "same seed, default blocks: outputs differ"

lines=$(wc -l <"$tmp/a.log" | tr -d ' ')
[ "$lines" = $n ] || bad "asked for $n lines, got $lines"
head -n 1000 "$tmp/a.log" | cmp -s - "$tmp/d.log" ||
    bad "-n 1000 is not a prefix of -n $n"

# Every line: TIMESTAMP source[process]: message, µs precision, UTC.
badfmt=$(grep -cvE '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{6}\+00:00 (app|heroku)\[[a-z0-9.-]+\]: .' \
    "$tmp/a.log")
[ "$badfmt" = 0 ] || bad "$badfmt lines not in heroku CLI form"
cut -c1-32 "$tmp/a.log" | LC_ALL=C sort -c 2>"$tmp/sort.err" ||
    bad "timestamps go backwards: $(cat "$tmp/sort.err")"

# The generator's own count of each kind must be what is in the file.
stat() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/a.stats"; }
check() {	# KIND ERE
	want=$(stat "$1")
	got=$(grep -cE -- "$2" "$tmp/a.log")
	if [ "$want" != "$got" ]; then
		bad "$1: generator says '$want', grep finds $got"
	else
		echo "ok $1 $got"
	fi
}
check router 'heroku\[router\]: at=info '
check router_h12 'heroku\[router\]: at=error code=H12 desc="Request timeout"'
check router_h13 'heroku\[router\]: at=error code=H13 '
check router_h10 'heroku\[router\]: at=error code=H10 desc="App crashed" .* dyno= connect= service= '
check pg_53300 'app\[postgres\.[0-9]+\]: \[DATABASE\] \[1-1\]  sql_error_code = 53300 FATAL:  '
check pg_slow 'app\[postgres\.[0-9]+\]: \[DATABASE\] \[[0-9]+-1\]  sql_error_code = 00000 LOG:  duration: [0-9]+\.[0-9]{3} ms  statement: SELECT '
check pg_continuation 'app\[postgres\.[0-9]+\]: \[DATABASE\] \[[0-9]+-2\] 	FROM '
check pg_metrics 'app\[heroku-postgres\]: source=DATABASE addon=postgresql-.* sample#active-connections=[0-9]+ sample#waiting-connections=[0-9]+ '
check django_operr 'app\[web\.[0-9]+\]: django\.db\.utils\.OperationalError: connection to server at "[^"]+" \([0-9.]+\), port 5432 failed: FATAL:  too many connections for role "u[a-z0-9]{13}"$'
check r14 'heroku\[web\.[0-9]+\]: Error R14 \(Memory quota exceeded\)$'
check l10 'heroku\[logplex\]: Error L10 \(output buffer overflow\): '
check lines '.'
# Every kind the rules are about must occur, or the checks above prove
# little.
for k in pg_53300 pg_slow pg_metrics router_h12 router_h13 router_h10 \
    django_operr r14 l10; do
	[ "$(stat $k)" -gt 0 ] 2>/dev/null || bad "no $k line in the corpus"
done
want=$(stat bytes)
got=$(wc -c <"$tmp/a.log" | tr -d ' ')
[ "$want" = "$got" ] || bad "bytes: generator says '$want', file has $got"

# Bad usage is refused.
"$gen" -n notanumber >/dev/null 2>&1
[ $? = 2 ] || bad "-n notanumber was not refused with status 2"
"$gen" -n -5 >/dev/null 2>&1
[ $? = 2 ] || bad "-n -5 was not refused with status 2"
"$gen" -b 0 >/dev/null 2>&1
[ $? = 2 ] || bad "-b 0 was not refused with status 2"

[ $fail = 0 ] && echo "gencorpus deterministic and consistent"
exit $fail
