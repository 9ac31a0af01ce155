#!/bin/sh
# run.sh BUILD - `make bench`: drainwatch replay against grep -cP on the
# same deterministic ~1M-line Heroku-style log, in one run.
#
# 1. Generates the corpus once with BUILD/bench/gencorpus into
#    BUILD/bench/corpus-1M.log (again if missing or if gencorpus.c is
#    newer than it).
# 2. Builds one PCRE alternation from the `pattern:` keys of
#    rules/*.yaml (or, until rules ship, six representative fallback
#    patterns, and says so). When the rules are there, grep with the
#    six reference patterns is timed too: one alternation of many
#    patterns defeats grep's literal optimisations, so this row keeps
#    the issue's calibration (six patterns, 0.29 s) in view.
# 3. Times `grep -cP ALTERNATION corpus` and `drainwatch replay -c
#    bench/agent-bench.yaml corpus >/dev/null`, interleaved, BENCH_RUNS
#    times each (wall clock, date +%s.%N), on a warm page cache, and
#    prints median and best, median CPU (user + system, GNU time),
#    lines/s, MB/s (10^6 bytes), speed relative to grep and peak RSS.
# 4. Runs bench/drain.sh BUILD afterwards if it exists.
#
# Environment: BENCH_LINES (1000000), BENCH_SEED (1), BENCH_RUNS (3),
# BENCH_VERBOSE (non-empty: print the alternation grep runs).
# Exit status: 0, or 1 if a measured command failed.

build=${1:-build}
cd "$(dirname "$0")/.." || exit 1

lines=${BENCH_LINES:-1000000}
seed=${BENCH_SEED:-1}
runs=${BENCH_RUNS:-3}
gen=$build/bench/gencorpus
dw=$build/drainwatch
conf=bench/agent-bench.yaml
if [ "$lines" = 1000000 ] && [ "$seed" = 1 ]; then
	corpus=$build/bench/corpus-1M.log
else
	corpus=$build/bench/corpus-$lines-s$seed.log
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dwbench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
DW_BENCH_STATE=$tmp/state		# state_dir in agent-bench.yaml
export DW_BENCH_STATE
status=0

# ---- corpus ---------------------------------------------------------------
if [ ! -x "$gen" ]; then
	echo "bench: $gen not built (make $gen)" >&2
	exit 1
fi
if [ ! -s "$corpus" ] ||
    [ -n "$(find bench/gencorpus.c -newer "$corpus" 2>/dev/null)" ]; then
	echo "bench: generating $corpus ($lines lines, seed $seed)"
	mkdir -p "$(dirname "$corpus")"
	if ! "$gen" -n "$lines" -s "$seed" -v >"$corpus.tmp" \
	    2>"$corpus.stats.tmp"; then
		echo "bench: gencorpus failed" >&2
		cat "$corpus.stats.tmp" >&2
		rm -f "$corpus.tmp" "$corpus.stats.tmp"
		exit 1
	fi
	mv "$corpus.stats.tmp" "${corpus%.log}.stats"
	mv "$corpus.tmp" "$corpus"
fi
nlines=$(wc -l <"$corpus" | tr -d ' ')
nbytes=$(wc -c <"$corpus" | tr -d ' ')
relevant=$(awk '$1 == "relevant" { print $2 }' "${corpus%.log}.stats" \
    2>/dev/null)

# ---- patterns --------------------------------------------------------------
# Prints the alternation on stdout and where it came from on stderr.
python3 - >"$tmp/alt" 2>"$tmp/alt.info" <<'EOF'
import glob, re, sys

FALLBACK = [
    r'sql_error_code = 53300 FATAL:  (?:too many connections for role '
    r'"(?<role>[^"]+)"|sorry, too many clients already)',
    r'sql_error_code = 00000 LOG:  duration: (?<duration_ms>[0-9]+\.[0-9]+)'
    r' ms  statement: ',
    r'source=(?<attachment>\S+) addon=\S+ .*sample#active-connections='
    r'(?<active>[0-9]+) sample#waiting-connections=(?<waiting>[0-9]+)',
    r'at=error code=(?<code>H1[023]) desc="(?<desc>[^"]*)"',
    r'OperationalError: connection to server at "(?<host>[^"]+)".* failed: '
    r'FATAL:  too many connections for role "(?<role>[^"]+)"',
    r'Error (?<code>R14|L10) \((?:Memory quota exceeded|output buffer '
    r'overflow)\)',
]

def from_yaml(path):
    import yaml
    with open(path) as f:
        doc = yaml.safe_load(f)
    rules = doc.get('rules') if isinstance(doc, dict) else doc
    out = []
    for r in rules or []:
        if isinstance(r, dict) and isinstance(r.get('pattern'), str):
            out.append((r['pattern'], bool(r.get('case_insensitive'))))
    return out

# Without PyYAML: `pattern:` keys, single-quoted ('' is a quote),
# double-quoted or plain; case_insensitive is then not seen.
KEY = re.compile(r"""^\s*(?:-\s+)?pattern:\s*(?:'((?:[^']|'')*)'|"((?:[^"\\]|\\.)*)"|([^'"#\s][^#]*?))\s*(?:#.*)?$""")

def from_text(path):
    out = []
    with open(path) as f:
        for line in f:
            m = KEY.match(line.rstrip('\n'))
            if not m:
                continue
            if m.group(1) is not None:
                out.append((m.group(1).replace("''", "'"), False))
            elif m.group(2) is not None:
                out.append((m.group(2).encode().decode('unicode_escape'),
                    False))
            else:
                out.append((m.group(3), False))
    return out

files = sorted(glob.glob('rules/*.yaml'))
pats, how = [], ''
for f in files:
    try:
        pats += from_yaml(f)
    except Exception:
        pats += from_text(f)
if pats:
    how = '%d patterns from %s' % (len(pats), ', '.join(files))
else:
    pats = [(p, False) for p in FALLBACK]
    how = ('FALLBACK: %d representative patterns (%s)' % (len(pats),
        'no rules/*.yaml yet' if not files else
        'no pattern: keys found in rules/*.yaml'))
def alternation(pats, warn):
    alts = []
    for p, ci in pats:
        if warn and p.startswith('^'):
            print('warning: %r is anchored; grep anchors it at the start of '
                'the line, drainwatch at the start of the message' % p[:40],
                file=sys.stderr)
        # grep only counts: drop capture names (two rules may reuse
        # one), keep the groups so the matching work stays the same.
        p = re.sub(r"\(\?P?<([A-Za-z_]\w*)>|\(\?'([A-Za-z_]\w*)'", '(',
            p)
        alts.append('(?i:%s)' % p if ci else '(?:%s)' % p)
    return '|'.join(alts)

print(how, file=sys.stderr)
print(alternation(pats, True))
print(alternation([(p, False) for p in FALLBACK], False))
EOF
alt=$(sed -n 1p "$tmp/alt")
ref=$(sed -n 2p "$tmp/alt")	# the six reference patterns
[ "$ref" = "$alt" ] && ref=""
if [ -z "$alt" ]; then
	echo "bench: could not build the pattern alternation:" >&2
	cat "$tmp/alt.info" >&2
	exit 1
fi
npat=$(tail -1 "$tmp/alt.info" | awk '{ for (i = 1; i <= NF; i++)
    if ($i ~ /^[0-9]+$/) { print $i; exit } }')

# ---- measuring ---------------------------------------------------------------
if /usr/bin/time -v -o /dev/null true >/dev/null 2>&1; then
	gnutime=1
else
	gnutime=0
fi

# Peak RSS of PID in kB from /proc polling (when GNU time is missing).
poll_hwm() {
	hwm=0
	while kill -0 "$1" 2>/dev/null; do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
		[ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
		sleep 0.01
	done
	echo "$hwm"
}

# run_once NAME OUT ERR CMD... : one timed run; appends wall seconds to
# $tmp/NAME.t, peak RSS (kB) to $tmp/NAME.rss and, with GNU time, user
# + system CPU seconds to $tmp/NAME.cpu; returns CMD's status.
run_once() {
	name=$1 out=$2 err=$3
	shift 3
	if [ "$gnutime" = 1 ]; then
		t0=$(date +%s.%N)
		/usr/bin/time -v -o "$tmp/time.v" "$@" >"$out" 2>"$err"
		rc=$?
		t1=$(date +%s.%N)
		awk -F': ' '/Maximum resident set size/ { print $2 }' \
		    "$tmp/time.v" >>"$tmp/$name.rss"
		awk -F': ' '/User time|System time/ { s += $2 }
		    END { printf "%.3f\n", s }' "$tmp/time.v" >>"$tmp/$name.cpu"
	else
		t0=$(date +%s.%N)
		"$@" >"$out" 2>"$err" &
		pid=$!
		poll_hwm "$pid" >>"$tmp/$name.rss"
		wait "$pid"
		rc=$?
		t1=$(date +%s.%N)
	fi
	echo "$t0 $t1" | awk '{ printf "%.4f\n", $2 - $1 }' >>"$tmp/$name.t"
	return $rc
}

# Is replay there? Run it on an empty file.
: >"$tmp/empty.log"
replay_ok=0
replay_why=""
if [ ! -x "$dw" ]; then
	replay_why="$dw not built"
elif "$dw" replay -c "$conf" "$tmp/empty.log" >/dev/null 2>"$tmp/probe.err"
then
	replay_ok=1
else
	replay_why="'drainwatch replay' on an empty file exited $?: $(head -1 \
	    "$tmp/probe.err")"
fi

grep_ok=1
if ! grep -cP -- "$alt" "$tmp/empty.log" >/dev/null 2>"$tmp/grep.probe" &&
    [ -s "$tmp/grep.probe" ]; then
	grep_ok=0
	echo "bench: grep -P rejects the alternation: $(cat "$tmp/grep.probe")" >&2
	status=1
fi

cat "$corpus" >/dev/null		# warm the page cache for both tools
i=0
while [ "$i" -lt "$runs" ]; do
	i=$((i + 1))
	if [ "$grep_ok" = 1 ]; then
		run_once grep "$tmp/grep.out" "$tmp/grep.err" \
		    grep -cP -- "$alt" "$corpus"
		rc=$?
		if [ $rc -gt 1 ]; then
			echo "bench: grep failed ($rc): $(cat "$tmp/grep.err")" >&2
			grep_ok=0
			status=1
		fi
	fi
	if [ -n "$ref" ]; then
		run_once ref "$tmp/ref.out" "$tmp/ref.err" \
		    grep -cP -- "$ref" "$corpus"
	fi
	if [ "$replay_ok" = 1 ]; then
		if ! run_once dw /dev/null "$tmp/dw.err" \
		    "$dw" replay -c "$conf" "$corpus"; then
			echo "bench: drainwatch replay failed (exit $rc)" >&2
			tail -20 "$tmp/dw.err" >&2
			replay_ok=0
			replay_why="failed: exit status $rc"
			status=1
		fi
	fi
done

# ---- report --------------------------------------------------------------------
median() { sort -n "$1" | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
best() { sort -n "$1" | head -1; }
maxrss() { sort -n "$1" | tail -1; }

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
echo "drainwatch bench - $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine:  ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo ?) CPUs," \
    "$(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "corpus:   $corpus: $nlines lines, $nbytes bytes" \
    "($(awk -v b="$nbytes" -v l="$nlines" 'BEGIN { printf "%.1f", b / l }') bytes/line)"
echo "patterns: $(tail -1 "$tmp/alt.info")"
grep -v '^FALLBACK\|^[0-9]* patterns' "$tmp/alt.info" | sed 's/^/          /'
[ -n "${BENCH_VERBOSE:-}" ] && echo "regex:    $alt"
echo "runs:     $runs each, interleaved, warm page cache; seconds = median" \
    "wall clock, cpu s = median user+system (steadier on a busy machine)"
echo
printf '%-31s %8s %8s %8s %12s %8s %8s %10s\n' tool seconds best "cpu s" \
    lines/s MB/s "vs grep" "peak RSS"

gs=""
if [ "$grep_ok" = 1 ] && [ -s "$tmp/grep.t" ]; then
	gs=$(median "$tmp/grep.t")
fi
row() {	# NAME LABEL
	s=$(median "$tmp/$1.t")
	cpu=-
	[ -s "$tmp/$1.cpu" ] && cpu=$(median "$tmp/$1.cpu")
	awk -v name="$2" -v s="$s" -v b="$(best "$tmp/$1.t")" -v l="$nlines" \
	    -v by="$nbytes" -v g="$gs" -v rss="$(maxrss "$tmp/$1.rss")" \
	    -v cpu="$cpu" 'BEGIN {
		printf "%-31s %8.3f %8.3f %8s %12.0f %8.1f %8s %7.1f MiB\n",
		    name, s, b, cpu == "-" ? "-" : sprintf("%.3f", cpu),
		    l / s, by / 1e6 / s,
		    g == "" ? "-" : sprintf("%.2fx", g / s), rss / 1024
	}'
}
if [ -n "$gs" ]; then
	row grep "grep -cP ($npat patterns)"
else
	printf '%-31s %s\n' "grep -cP ($npat patterns)" "failed"
fi
if [ -n "$ref" ] && [ -s "$tmp/ref.t" ]; then
	row ref "grep -cP (6 reference patterns)"
fi
if [ "$replay_ok" = 1 ] && [ -s "$tmp/dw.t" ]; then
	row dw "drainwatch replay"
else
	printf '%-31s %s\n' "drainwatch replay" \
	    "skipped: replay not available ($replay_why)"
fi
echo
echo "vs grep = seconds of grep with the rules' patterns / tool seconds" \
    "(above 1 = faster than that grep)."
if [ -n "$gs" ]; then
	echo "grep matched $(cat "$tmp/grep.out") lines" \
	    "${relevant:+(the generator counts $relevant lines of the kinds it writes for rules)}"
fi
if [ -n "$ref" ] && [ -s "$tmp/ref.t" ]; then
	rs=$(median "$tmp/ref.t")
	echo "reference: grep -cP with six representative patterns (the kind" \
	    "behind the issue's 0.29 s) matched $(cat "$tmp/ref.out") lines"
	if [ "$replay_ok" = 1 ] && [ -s "$tmp/dw.t" ]; then
		awk -v r="$rs" -v d="$(median "$tmp/dw.t")" 'BEGIN {
		    printf "drainwatch replay vs that grep: %.2fx\n", r / d }'
	fi
fi
if [ "$replay_ok" = 1 ] && [ -s "$tmp/dw.err" ]; then
	echo
	echo "drainwatch replay stderr (last run):"
	head -40 "$tmp/dw.err" | sed 's/^/  /'
fi

if [ -f bench/drain.sh ]; then
	echo
	echo "== bench/drain.sh =="
	sh bench/drain.sh "$build" || status=1
fi
exit $status
