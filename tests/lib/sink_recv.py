#!/usr/bin/env python3
"""sink_recv.py - a scriptable HTTP receiver on 127.0.0.1 for the sink
end-to-end tests (Python 3 standard library only).

Records every request as one JSON line in --log:
  {"t": <CLOCK_MONOTONIC seconds>, "method": ..., "path": ...,
   "headers": {...}, "body": "...", "status": <answer>}
and answers from --script, a comma-separated list of STATUS[xCOUNT]
[:RETRY_AFTER] or hang:MS[xCOUNT] items used one per request, then
--status (default 200) with body --body (default "ok"). The chosen port
is written to --port-file once the server listens. --down-for SECONDS
first binds nothing for that long (connections are refused), then
listens on --port (which must then be given).

Examples:
  sink_recv.py --port-file p --log reqs.jsonl
  sink_recv.py --port 8099 --down-for 2 --script 500x2,429:1 --log l
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse_script(text):
    out = []
    for item in filter(None, (text or "").split(",")):
        count = 1
        if "x" in item:
            item, n = item.rsplit("x", 1)
            count = int(n)
        if item.startswith("hang:"):
            step = {"hang_ms": int(item[5:]), "status": 200}
        else:
            status, _, ra = item.partition(":")
            step = {"status": int(status), "retry_after": ra or None}
        out.extend([step] * count)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log", required=True)
    ap.add_argument("--script", default="")
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--body", default="ok")
    ap.add_argument("--down-for", type=float, default=0)
    args = ap.parse_args()

    script = parse_script(args.script)
    lock = threading.Lock()
    logf = open(args.log, "a", buffering=1)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: without this, Nagle
        # plus the client's delayed ACK cost 40 ms per request.
        disable_nagle_algorithm = True

        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode("utf-8", "replace")
            with lock:
                step = script.pop(0) if script else {"status": args.status}
                rec = {"t": time.monotonic(), "method": "POST",
                       "path": self.path, "headers": dict(self.headers),
                       "body": body, "status": step["status"]}
                logf.write(json.dumps(rec) + "\n")
            if step.get("hang_ms"):
                time.sleep(step["hang_ms"] / 1000.0)
            status = step["status"]
            data = (args.body if 200 <= status < 300 else "error").encode()
            self.send_response(status)
            if step.get("retry_after"):
                self.send_header("Retry-After", step["retry_after"])
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    if args.down_for > 0:
        time.sleep(args.down_for)
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
