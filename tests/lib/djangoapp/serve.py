#!/usr/bin/python3
"""serve.py - run the harness's Django app under gunicorn on 127.0.0.1 and
capture its output the way a Heroku dyno's output is captured.

Test-harness code (not part of drainwatch).

  serve.py --port P --out DIR [--name django] [--workers 3] [--threads 4]

gunicorn runs with the gthread worker, `--access-logfile -` (stdout) and
`--error-logfile -` (stderr; Django's logging also goes to stderr). Written
to DIR:
  NAME-web.log      stderr as written: gunicorn's error log, Django's log
                    records and tracebacks
  NAME-access.log   stdout as written: gunicorn's access log
  NAME-web.stamped  both streams merged in arrival order, each line as
                    "ISO-8601-UTC-TIME TAB line" (the arrival time, as
                    logplex stamps dyno output); heroku_wrap.py app
                    --stamped turns it into `heroku logs` lines
Prints "ready" on stdout (and creates --ready-file) when GET / answers 200,
then runs until SIGTERM or
SIGINT, stops gunicorn (SIGTERM, then SIGKILL after 10 s) and exits.
Exit status 1 when gunicorn does not come up within --ready-timeout.
"""
import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STOP_TIMEOUT_S = 10


def pump(stream, raw_path, stamped, lock):
    with open(raw_path, "wb") as raw:
        for line in iter(stream.readline, b""):
            now = dt.datetime.now(dt.timezone.utc).isoformat(
                timespec="microseconds")
            raw.write(line)
            raw.flush()
            body = line[:-1] if line.endswith(b"\n") else line
            with lock:
                stamped.write(now.encode() + b"\t" + body + b"\n")
                stamped.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="django")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--ready-timeout", type=float, default=20)
    ap.add_argument("--gunicorn", default="gunicorn")
    ap.add_argument("--ready-file", help="created once gunicorn answers")
    args = ap.parse_args()

    cmd = [args.gunicorn, "--chdir", HERE,
           "--bind", "127.0.0.1:%d" % args.port,
           "--workers", str(args.workers), "--worker-class", "gthread",
           "--threads", str(args.threads),
           "--access-logfile", "-", "--error-logfile", "-",
           "--log-level", "info", "--timeout", "30",
           "--graceful-timeout", "5", "dwapp.wsgi:application"]
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="dwapp.settings",
               PYTHONUNBUFFERED="1")
    out = os.path.join(args.out, args.name)
    try:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env,
                             start_new_session=True)
    except OSError as e:
        sys.exit("serve.py: cannot run gunicorn (Debian package gunicorn):"
                 " %s" % e)
    lock = threading.Lock()
    stamped = open(out + "-web.stamped", "wb")
    pumps = [threading.Thread(target=pump, args=(p.stderr, out + "-web.log",
                                                 stamped, lock)),
             threading.Thread(target=pump, args=(p.stdout,
                                                 out + "-access.log",
                                                 stamped, lock))]
    for t in pumps:
        t.start()

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    url = "http://127.0.0.1:%d/" % args.port
    deadline = time.time() + args.ready_timeout
    ready = False
    while time.time() < deadline and p.poll() is None and not stop.is_set():
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                r.read()
                if r.status == 200:
                    ready = True
                    break
        except OSError:
            time.sleep(0.1)
    if ready:
        print("ready", flush=True)
        if args.ready_file:
            open(args.ready_file, "w").close()
        while not stop.is_set() and p.poll() is None:
            stop.wait(0.2)
    else:
        print("serve.py: gunicorn did not answer on %s within %.0f s"
              % (url, args.ready_timeout), file=sys.stderr, flush=True)
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    for t in pumps:
        t.join()
    stamped.close()
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
