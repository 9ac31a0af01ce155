#!/usr/bin/env python3
"""sink_latency.py - end-to-end alert latency of drainwatch: from the
moment a matching log line is written to its stdin to the moment a
local webhook receiver gets the notification (one CLOCK_MONOTONIC for
both, this process). Prints p50/p90/p99/max and exits 1 if an alert is
missing or p99 exceeds --max-p99-ms.

  sink_latency.py --dw build/drainwatch --rules rules/postgres.yaml \
      [--n 500] [--interval-ms 10] [--sink webhook|alertmanager]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dw", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--interval-ms", type=float, default=10)
    ap.add_argument("--max-p99-ms", type=float, default=2000)
    ap.add_argument("--sink", default="webhook")
    ap.add_argument("--flush-line", action="store_true",
                    help="follow each matching line at once by an "
                    "unrelated one, so the multi-line assembler knows the "
                    "record is complete")
    args = ap.parse_args()

    arrived = {}
    lock = threading.Lock()
    done = threading.Event()

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: without this, Nagle
        # plus the client's delayed ACK cost 40 ms per request.
        disable_nagle_algorithm = True

        def log_message(self, *a):
            pass

        def do_POST(self):
            t = time.monotonic()
            body = self.rfile.read(int(self.headers["Content-Length"]))
            doc = json.loads(body)
            alerts = doc["alerts"] if isinstance(doc, dict) else doc
            with lock:
                for a in alerts:
                    role = a["labels"].get("role")
                    if role and role not in arrived:
                        arrived[role] = t
                if len(arrived) >= args.n:
                    done.set()
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    tmp = tempfile.mkdtemp(prefix="dw-lat-")
    url = ("http://127.0.0.1:%d/hook" % port if args.sink == "webhook"
           else "http://127.0.0.1:%d" % port)
    with open(os.path.join(tmp, "agent.yaml"), "w") as f:
        f.write("rules: [%s]\nstate_dir: %s/state\n"
                "sinks:\n  - {name: s, type: %s, url: '%s', "
                "concurrency: 4}\n" % (args.rules, tmp, args.sink, url))
    p = subprocess.Popen([args.dw, "-c", os.path.join(tmp, "agent.yaml")],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(tmp, "err"), "w"))
    errpath = os.path.join(tmp, "err")
    for _ in range(300):		# wait for "started" (rules compiled)
        if "started" in open(errpath).read():
            break
        time.sleep(0.05)
    sent = {}
    for i in range(args.n):
        now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        role = "lat%d" % i
        line = ('%s.000 UTC [%d] FATAL:  too many connections for role '
                '"%s"\n' % (now, 1000 + i, role)).encode()
        if args.flush_line:
            line += ('%s.000 UTC [%d] LOG:  connection received\n'
                     % (now, 5000 + i)).encode()
        sent[role] = time.monotonic()
        p.stdin.write(line)
        p.stdin.flush()
        time.sleep(args.interval_ms / 1000.0)
    done.wait(30)
    p.stdin.close()
    p.wait(30)
    srv.shutdown()
    lat = sorted((arrived[r] - sent[r]) * 1000 for r in sent if r in arrived)
    missing = args.n - len(lat)
    shutil.rmtree(tmp, ignore_errors=True)
    if not lat:
        print("no alert arrived")
        return 1

    def pct(q):
        return lat[min(len(lat) - 1, int(len(lat) * q))]
    print("end-to-end latency (line written -> %s receiver) over %d alerts, "
          "one every %g ms%s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, "
          "max %.2f ms" % (args.sink, len(lat), args.interval_ms,
                           " + a next line at once" if args.flush_line
                           else "", pct(0.5), pct(0.9), pct(0.99), lat[-1]))
    if missing:
        print("FAIL: %d alerts did not arrive" % missing)
        return 1
    if pct(0.99) > args.max_p99_ms:
        print("FAIL: p99 above %g ms" % args.max_p99_ms)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
