#!/usr/bin/python3
"""load.py - bounded concurrent HTTP load (urllib in threads).

Test-harness code (not part of drainwatch).

  load.py --url http://127.0.0.1:P --mix /db/=9 --mix '/slow/?s=2.2'=1 \
          --concurrency 16 --requests 10 [--timeout 20] [--json FILE]

Each of --concurrency clients sends --requests requests one after the other;
request j of client i takes path number (i * requests + j) mod sum(weights)
of the weighted --mix list, so a run is deterministic. Prints and writes a
JSON summary: total, per-status counts, per-path counts, seconds. Exit 0
always unless --expect-all-ok is given and any answer was not 200.
"""
import argparse
import json
import sys
import threading
import time
import urllib.error
import urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--mix", action="append", default=[])
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--requests", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--json")
    ap.add_argument("--expect-all-ok", action="store_true")
    args = ap.parse_args()
    paths = []
    for m in args.mix or ["/db/=1"]:
        path, _, w = m.rpartition("=")
        paths += [path] * int(w)
    status = {}
    per_path = {}
    lock = threading.Lock()

    def client(i):
        for j in range(args.requests):
            path = paths[(i * args.requests + j) % len(paths)]
            try:
                with urllib.request.urlopen(args.url + path,
                                            timeout=args.timeout) as r:
                    r.read()
                    code = str(r.status)
            except urllib.error.HTTPError as e:
                # Read the error body like a browser would: closing the
                # socket early makes gunicorn drop the access-log line.
                try:
                    e.read()
                except OSError:
                    pass
                e.close()
                code = str(e.code)
            except OSError as e:
                code = "conn-error: %s" % type(e).__name__
            with lock:
                status[code] = status.get(code, 0) + 1
                k = per_path.setdefault(path, {})
                k[code] = k.get(code, 0) + 1

    t0 = time.time()
    threads = [threading.Thread(target=client, args=(i,))
               for i in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {"total": sum(status.values()), "status": status,
           "per_path": per_path, "seconds": round(time.time() - t0, 2),
           "concurrency": args.concurrency, "requests": args.requests}
    text = json.dumps(out, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    print(text)
    if args.expect_all_ok and set(status) != {"200"}:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
