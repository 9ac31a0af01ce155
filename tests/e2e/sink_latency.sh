#!/bin/sh
# sink_latency.sh - end-to-end alert latency through the real binary:
# a matching line written to drainwatch's stdin (followed at once by an
# unrelated line, so the record is known complete) until a local
# webhook receiver has the notification. Prints p50/p90/p99/max over
# 300 alerts; fails if any alert is missing or p99 > 1 s (a loose
# bound: the figures measured are in docs/notes/sinks.md).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "${DW:-}" ] && [ -x "$DW" ] || { echo "DW is not set to the drainwatch binary"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
exec python3 "$ROOT/tests/lib/sink_latency.py" --dw "$DW" \
    --rules "$ROOT/rules/postgres.yaml" --n 300 --interval-ms 5 \
    --flush-line --max-p99-ms 1000
