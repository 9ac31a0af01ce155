#!/usr/bin/python3
"""heroku_wrap.py - put real logs into the form Heroku delivers them.

Test-harness code (not part of drainwatch). This is a TRANSPORT
transformation of real output: the text of every message is what the real
server or app wrote, byte for byte; only the envelope that Heroku adds is
built here (timestamp, `app[PROCESS]:` for `heroku logs`, or an
octet-counted RFC 5424 logplex frame for HTTPS drains), plus, for
PostgreSQL, the `[ATTACHMENT] [seq-chunk]` splitting that PostgreSQL's own
syslog writer does (elog.c write_syslog). Nothing is invented, reworded or
dropped. See docs/notes/realsoftware.md.

Modes
  pg-syslog CAPTURE   PostgreSQL syslog messages captured by syslog_capture.c
                      (lines "epoch.usec TAB pid TAB pri TAB [seq-chunk] text"):
                      PostgreSQL did the splitting itself; only the envelope
                      is added. Run the server with Heroku's log_line_prefix
                      (pg.sh PG_PREFIX=heroku1 or heroku2, PG_SYSLOG_CAPTURE=1).
  pg-stderr LOG       a PostgreSQL stderr log: regroup its records (a line
                      with the prefix and LOG/ERROR/FATAL/..., plus the
                      DETAIL/HINT/CONTEXT/QUERY/STATEMENT/LOCATION lines and
                      TAB continuation lines of the same pid that follow) and
                      split each exactly like write_syslog (new chunk at every
                      newline, at 900 bytes on a UTF-8 character and, when
                      possible, word boundary; a chunk starting at a newline
                      skips it), numbering seq per process the way a backend
                      inherits the postmaster's counter at fork. The pid and
                      time are read from a leading '%m [%p]' (prefix
                      default/debian/ts_pid_heroku1) or from Heroku format 2's
                      time_ms="..." pid="..."; --strip-ts-pid removes that
                      leading '%m [%p]' from each record line first, so a log
                      written with '%m [%p] sql_error_code = %e ' becomes what
                      a server with Heroku's ' sql_error_code = %e ' would
                      have sent. Seq numbers are exact when the log covers
                      the server from its start.
  app LOG             application output (Django, gunicorn, PgBouncer inside a
                      dyno): one message per line (Heroku splits dyno output
                      on LF). The time of each line is, in order of
                      preference: the arrival stamp of --stamped input
                      ("ISO-TIME TAB line", written by djangoapp/serve.py),
                      a timestamp at the start of the line (PostgreSQL/
                      PgBouncer '2024-01-01 00:00:00.123 UTC', gunicorn
                      '[2024-01-01 00:00:00 +0000]', Apache '[01/Jan/2024:
                      00:00:00 +0000]', ISO 8601), the previous line's time.
  verify LOG CAPTURE  split LOG (pg-stderr rules, no stripping) and compare
                      the messages per pid with the real CAPTURE of the same
                      server; prints the differences, exit 1 if any.

Output (pg-*, app): --cli FILE writes `heroku logs` lines
  2024-01-01T00:00:00+00:00 app[postgres.1234]: [DATABASE] [7-1]  sql_error_code = ...
and --logplex FILE writes HTTPS-drain frames, concatenated, each
  LEN <PRI>1 TIMESTAMP host app PROCESS - MSG\\n   (LEN counts bytes incl. LF)
PRI is 134 (local0.info, what Heroku Postgres frames carry in every public
sample) for postgres and 190 (local7.info) for app lines; --pri-from-pg uses
the PRI PostgreSQL itself gave (local0 + severity). Postgres timestamps have
whole seconds (as in real Heroku Postgres frames), app lines microseconds;
--fraction/--no-fraction override.
"""

import argparse
import datetime as dt
import re
import sys

PG_SYSLOG_LIMIT = 900           # bytes, elog.c
LOCAL0 = 16 << 3
SEVERITIES = ("DEBUG1", "DEBUG2", "DEBUG3", "DEBUG4", "DEBUG5", "LOG",
              "INFO", "NOTICE", "WARNING", "ERROR", "FATAL", "PANIC")
SECONDARY = ("DETAIL", "HINT", "QUERY", "CONTEXT", "LOCATION", "STATEMENT")
SYSLOG_LEVEL = {"LOG": 6, "INFO": 6, "NOTICE": 5, "WARNING": 5, "ERROR": 4,
                "FATAL": 3, "PANIC": 2}
C_SPACE = b" \t\n\v\f\r"

RE_LEAD = re.compile(rb"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? "
                     rb"[A-Za-z0-9+:-]+) \[(\d+)\]")
RE_H2 = re.compile(rb'time_ms = "([^"]+)" pid="(\d+)"')
RE_SEV = re.compile(rb"(?:^| )(" + b"|".join(
    s.encode() for s in SEVERITIES + SECONDARY) + rb"):  ")


# ---------------------------------------------------------------- time

def parse_pg_time(s):
    """'2024-01-01 00:00:00.123 UTC' -> aware datetime (UTC assumed for
    named zones other than UTC/GMT too; the harness logs in UTC)."""
    s = s.strip()
    m = re.match(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? ?(\S+)?$", s)
    if not m:
        return None
    frac = m.group(3) or ""
    t = dt.datetime.strptime(m.group(1) + " " + m.group(2),
                             "%Y-%m-%d %H:%M:%S")
    if frac:
        t = t.replace(microsecond=int((frac[1:] + "000000")[:6]))
    tz = m.group(4) or "UTC"
    off = dt.timezone.utc
    mo = re.match(r"([+-])(\d\d):?(\d\d)$", tz)
    if mo:
        delta = dt.timedelta(hours=int(mo.group(2)), minutes=int(mo.group(3)))
        off = dt.timezone(delta if mo.group(1) == "+" else -delta)
    return t.replace(tzinfo=off)


RE_APP_TS = [
    # PostgreSQL / PgBouncer: 2024-01-01 00:00:00.123 UTC
    (re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [A-Z]{2,5})\b"),
     parse_pg_time),
    # gunicorn error log: [2024-01-01 00:00:00 +0000]
    (re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4})\]"),
     lambda s: dt.datetime.strptime(s, "%Y-%m-%d %H:%M:%S %z")),
    # ISO 8601
    (re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?"
                r"(?:Z|[+-]\d\d:?\d\d))"),
     lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))),
    # gunicorn/Apache access log: [01/Jan/2024:00:00:00 +0000] anywhere
    (re.compile(r"\[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\]"),
     lambda s: dt.datetime.strptime(s, "%d/%b/%Y:%H:%M:%S %z")),
]


def fmt_time(t, fraction):
    t = t.astimezone(dt.timezone.utc)
    if fraction:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


# ------------------------------------------------- PostgreSQL write_syslog

def utf8_mblen(b):
    if b & 0x80 == 0:
        return 1
    if b & 0xE0 == 0xC0:
        return 2
    if b & 0xF0 == 0xE0:
        return 3
    if b & 0xF8 == 0xF0:
        return 4
    return 1


def mbcliplen(s, length, limit):
    """pg_encoding_mbcliplen for UTF-8: longest whole-character prefix."""
    clen = i = 0
    while length > 0 and i < len(s) and s[i] != 0:
        n = utf8_mblen(s[i])
        if clen + n > limit:
            break
        clen += n
        if clen == limit:
            break
        length -= n
        i += n
    return clen


def syslog_split(buf, limit=PG_SYSLOG_LIMIT):
    """Port of elog.c write_syslog's splitting. buf is the whole record as
    PostgreSQL built it (bytes, ending with LF). Returns the list of chunk
    texts, or None when PostgreSQL would send it unsplit ('[seq] text')."""
    n = len(buf)
    if not (n > limit or b"\n" in buf):
        return None
    out = []
    pos = 0
    while pos < n:
        if buf[pos] == 0x0A:            # a chunk starting at LF skips it
            pos += 1
            continue
        nl = buf.find(b"\n", pos)
        buflen = (nl - pos) if nl >= 0 else (n - pos)
        buflen = min(buflen, limit)
        piece = buf[pos:pos + buflen]
        buflen = mbcliplen(piece, buflen, buflen)
        if buflen <= 0:
            break
        if pos + buflen < n and buf[pos + buflen] not in C_SPACE:
            i = buflen - 1              # divide at a word boundary
            while i > 0 and buf[pos + i] not in C_SPACE:
                i -= 1
            if i > 0:
                buflen = i
        out.append(buf[pos:pos + buflen])
        pos += buflen
    return out


class Record:
    __slots__ = ("pid", "time", "sev", "lines")

    def __init__(self, pid, time, sev, line):
        self.pid = pid
        self.time = time
        self.sev = sev
        self.lines = [line]


def read_pg_records(path, strip_ts_pid):
    """Group a stderr log into records (one ereport each)."""
    recs = []
    cur = None
    with open(path, "rb") as f:
        for raw in f:
            line = raw[:-1] if raw.endswith(b"\n") else raw
            if line.startswith(b"\t") and cur is not None:
                cur.lines.append(line)
                continue
            pid = time = None
            body = line
            m = RE_LEAD.match(line)
            if m:
                time, pid = m.group(1), int(m.group(2))
                if strip_ts_pid:
                    body = line[m.end():]
            else:
                m2 = RE_H2.search(line)
                if m2:
                    time, pid = m2.group(1), int(m2.group(2))
            ms = RE_SEV.search(body)
            sev = ms.group(1).decode() if ms else None
            if (sev in SECONDARY and cur is not None and
                    (pid is None or pid == cur.pid)):
                cur.lines.append(body)
                continue
            if pid is None:
                sys.stderr.write("heroku_wrap: no pid on line, skipped: %r\n"
                                 % line[:120])
                cur = None
                continue
            cur = Record(pid, parse_pg_time(time.decode()), sev, body)
            recs.append(cur)
    return recs


def emulate_syslog(recs):
    """Yield (time, pid, pri, message) like PostgreSQL's syslog writer.

    write_syslog's counter is a static variable, so a child process starts
    from the postmaster's count at the moment it was forked. The fork moment
    is not in the log; it is bounded by the pid order (pids are handed out
    in fork order): a child P was forked no later than any child Q >= P, so
    P starts from the smallest postmaster count seen at the first message
    of any such Q (a pid wrap-around during the log breaks this)."""
    postmaster = recs[0].pid if recs else None
    pm_count = 0
    first = {}                          # pid -> postmaster count then
    for r in recs:
        if r.pid == postmaster:
            pm_count += 1
        elif r.pid not in first:
            first[r.pid] = pm_count
    start = {}
    low = None
    for pid in sorted(first, reverse=True):
        low = first[pid] if low is None else min(low, first[pid])
        start[pid] = low
    seq = {}
    for r in recs:
        if r.pid not in seq:
            seq[r.pid] = 0 if r.pid == postmaster else start[r.pid]
        seq[r.pid] += 1
        s = seq[r.pid]
        buf = b"\n".join(r.lines) + b"\n"
        pri = LOCAL0 | SYSLOG_LEVEL.get(r.sev, 7 if r.sev and
                                        r.sev.startswith("DEBUG") else 2)
        chunks = syslog_split(buf)
        if chunks is None:
            yield r.time, r.pid, pri, b"[%d] " % s + buf
            continue
        for i, c in enumerate(chunks, 1):
            yield r.time, r.pid, pri, b"[%d-%d] " % (s, i) + c


def read_capture(path):
    """Yield (time, pid, pri, message) from a syslog_capture.c file."""
    with open(path, "rb") as f:
        for raw in f:
            line = raw[:-1] if raw.endswith(b"\n") else raw
            ts, pid, pri, msg = line.split(b"\t", 3)
            t = dt.datetime.fromtimestamp(float(ts.decode()),
                                          dt.timezone.utc)
            yield t, int(pid), int(pri), msg.replace(b"\\n", b"\n")


# ---------------------------------------------------------------- output

class Writer:
    def __init__(self, args):
        self.cli = open(args.cli, "wb") if args.cli else None
        self.lpx = open(args.logplex, "wb") if args.logplex else None
        self.n = 0

    def emit(self, time, app, proc, pri, msg, fraction):
        ts = fmt_time(time, fraction).encode()
        if self.cli:
            self.cli.write(b"%s %s[%s]: %s\n" % (ts, app, proc, msg))
        if self.lpx:
            frame = b"<%d>1 %s host %s %s - %s\n" % (pri, ts, app, proc, msg)
            self.lpx.write(b"%d %s" % (len(frame), frame))
        self.n += 1

    def close(self):
        for f in (self.cli, self.lpx):
            if f:
                f.close()


def do_pg(args, source):
    w = Writer(args)
    attach = args.attachment.encode()
    frac = args.fraction if args.fraction is not None else False
    for t, pid, pri, msg in source:
        if t is None:
            t = dt.datetime.now(dt.timezone.utc)
        w.emit(t, b"app", b"postgres.%d" % pid,
               pri if args.pri_from_pg else 134,
               b"[%s] %s" % (attach, msg), frac)
    w.close()
    return w.n


def do_app(args):
    w = Writer(args)
    dyno = args.dyno.encode()
    frac = args.fraction if args.fraction is not None else True
    last = None
    if args.start:
        last = dt.datetime.fromisoformat(args.start.replace("Z", "+00:00"))
    with open(args.log, "rb") as f:
        for raw in f:
            line = raw[:-1] if raw.endswith(b"\n") else raw
            t = None
            if args.stamped:
                ts, _, line = line.partition(b"\t")
                t = dt.datetime.fromisoformat(ts.decode())
            else:
                text = line.decode("utf-8", "replace")
                for rx, conv in RE_APP_TS:
                    m = rx.search(text)
                    if m:
                        try:
                            t = conv(m.group(1))
                        except ValueError:
                            t = None
                        break
            if t is None:
                t = last or dt.datetime.now(dt.timezone.utc)
            last = t
            w.emit(t, b"app", dyno, 190, line, frac)
    w.close()
    return w.n


def do_verify(args):
    emu, real = {}, {}
    for _, pid, pri, msg in emulate_syslog(read_pg_records(args.log, False)):
        emu.setdefault(pid, []).append((pri, msg))
    for _, pid, pri, msg in read_capture(args.capture):
        real.setdefault(pid, []).append((pri, msg))
    bad = 0
    total = 0
    for pid in sorted(set(emu) | set(real)):
        a, b = emu.get(pid, []), real.get(pid, [])
        total += len(b)
        for i in range(max(len(a), len(b))):
            x = a[i] if i < len(a) else None
            y = b[i] if i < len(b) else None
            if x != y:
                bad += 1
                if bad <= 10:
                    print("pid %d message %d:\n  emulated %r\n  real     %r"
                          % (pid, i + 1, x, y))
    print("verify: %d real syslog messages from %d processes, %d differ"
          % (total, len(real), bad))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(
        description="Wrap real logs the way Heroku delivers them.")
    sub = ap.add_subparsers(dest="mode", required=True)

    def common(p):
        p.add_argument("--cli", help="write `heroku logs` lines here")
        p.add_argument("--logplex", help="write logplex frames here")
        p.add_argument("--fraction", dest="fraction", action="store_true",
                       default=None)
        p.add_argument("--no-fraction", dest="fraction",
                       action="store_false")

    p = sub.add_parser("pg-syslog")
    p.add_argument("capture")
    p.add_argument("--attachment", default="DATABASE")
    p.add_argument("--pri-from-pg", action="store_true")
    common(p)
    p = sub.add_parser("pg-stderr")
    p.add_argument("log")
    p.add_argument("--attachment", default="DATABASE")
    p.add_argument("--strip-ts-pid", action="store_true")
    p.add_argument("--pri-from-pg", action="store_true")
    common(p)
    p = sub.add_parser("app")
    p.add_argument("log")
    p.add_argument("--dyno", default="web.1")
    p.add_argument("--stamped", action="store_true")
    p.add_argument("--start", help="time of lines before the first stamp")
    common(p)
    p = sub.add_parser("verify")
    p.add_argument("log")
    p.add_argument("capture")
    args = ap.parse_args()

    if args.mode == "verify":
        return do_verify(args)
    if not (args.cli or args.logplex):
        ap.error("give --cli and/or --logplex")
    if args.mode == "pg-syslog":
        n = do_pg(args, read_capture(args.capture))
    elif args.mode == "pg-stderr":
        n = do_pg(args, emulate_syslog(read_pg_records(args.log,
                                                       args.strip_ts_pid)))
    else:
        n = do_app(args)
    print("heroku_wrap: %s: %d messages" % (args.mode, n), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
