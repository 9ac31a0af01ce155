#!/bin/sh
# fuzz_logplex.sh - build tests/fuzz/fuzz_logplex.c with clang's
# libFuzzer + ASan + UBSan and run it for a bounded time on a seed
# corpus made from the formats.md §1.10 frames. Exit 0: no crash; 77:
# skipped (no clang with libFuzzer); else the fuzzer's failure (the
# crashing input is left in build-fuzz/ and named on the output).
#
# FUZZ_SECONDS (default 30; `make fuzz` uses 60) bounds the run. Under
# `make test` the e2e suite runs twice (plain, then ASan build); the
# fuzzer is sanitized already, so it runs in the first pass only.
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-30}
case "${BUILD_DIR:-}" in
*build-asan*)
	echo "fuzzer already ran in the plain pass (it is sanitized itself)"
	exit 77 ;;
esac
CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "no clang: cannot build the libFuzzer harness"
	exit 77
fi
out=build-fuzz
mkdir -p "$out/corpus" "$out/artifacts"
srcs="src/parse/parse_logplex.c src/parse/parse_line.c
src/parse/parse_syslog.c src/parse/parse_time.c src/parse/parse_postgres.c
src/parse/parse_heroku.c src/parse/parse_app.c"
srcs=$(for f in $srcs; do [ -f "$f" ] && echo "$f"; done)
flags="-std=c11 -D_GNU_SOURCE -g -O1 -Isrc -Itests"
# The seed writer is a plain program from the same file.
$CLANG $flags -DFUZZ_SEEDS -o "$out/fuzz_logplex_seeds" \
    tests/fuzz/fuzz_logplex.c || exit 1
"$out/fuzz_logplex_seeds" "$out/corpus" || exit 1
if ! $CLANG $flags -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -o "$out/fuzz_logplex" \
    tests/fuzz/fuzz_logplex.c $srcs 2>"$out/build.log"; then
	if grep -q "fuzzer" "$out/build.log" &&
	    ! $CLANG -fsanitize=fuzzer -x c /dev/null -o /dev/null \
	    2>/dev/null; then
		echo "clang has no libFuzzer runtime"
		exit 77
	fi
	cat "$out/build.log"
	exit 1
fi
echo "fuzzing framer + parse_line for ${secs}s"
"$out/fuzz_logplex" -max_total_time="$secs" -max_len=8192 -timeout=10 \
    -rss_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/" "$out/corpus" 2>"$out/fuzz.log"
rc=$?
tail -15 "$out/fuzz.log"
if [ $rc != 0 ]; then
	echo "FUZZER FAILED (rc $rc); crashing input: $(ls "$out"/artifacts)"
	exit 1
fi
exit 0
