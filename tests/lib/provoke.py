#!/usr/bin/python3
"""provoke.py - make a real PostgreSQL server log real errors.

Test-harness code (not part of drainwatch). Connects to a throw-away server
started by tests/lib/pg.sh (127.0.0.1, trust auth, superuser `postgres`)
and provokes, with real client sessions (psycopg2/libpq and pgbench):

  misc      FATALs worth a warning: unknown role, unknown database,
            password authentication failure (needs --hba), a backend
            terminated by pg_terminate_backend; an ERROR from
            statement_timeout
  role      role CONNECTION LIMIT 2 (role "app"): 2 sessions hold
            pg_sleep, 4 more are refused: 'too many connections for role "app"'
  database  database CONNECTION LIMIT 2 (database "limdb"): 2 held, 3
            refused: 'too many connections for database "limdb"'
  exhaust   fill max_connections - superuser_reserved_connections with a
            normal role, 3 more normal logins: 'remaining connection slots
            are reserved for ...'; fill the reserved slots with superusers,
            3 more logins: 'sorry, too many clients already'
  slow      statements above 2000 ms through every protocol path:
            simple query (SELECT pg_sleep), SQL PREPARE/EXECUTE, pgbench -M
            extended (parse/bind/execute <unnamed> + DETAIL parameters),
            pgbench -M prepared (named statements; this session sets
            log_min_duration_statement = 0, so its fast parse/bind/execute
            steps are logged too, below any threshold), a long multi-line UTF-8
            statement (> 900 bytes: exercises syslog chunk splitting), and
            one statement of 1200 ms (below a 2000 ms rule threshold; logged
            only if log_min_duration_statement <= 1200)
  explain   auto_explain plan (LOAD 'auto_explain' in the session,
            auto_explain.log_min_duration = 2000) if the module exists
  deadlock  two sessions updating two rows in opposite order (with
            log_lock_waits: 'still waiting', then 'deadlock detected')

With --pgbouncer-port (PgBouncer from tests/lib/pgbouncer.sh in front of
the server, databases `app`, and `tight`/`fresh` logging in as role
"tight"; not part of the default list):

  pgb_maxclient  hold max_client_conn clients, 3 more: 'no more connections
                 allowed (max_client_conn)'
  pgb_wait       pool_size clients sleep longer than query_wait_timeout, 3
                 more wait and are dropped: 'query_wait_timeout'
  pgb_login      role "tight" (CONNECTION LIMIT 2) taken by direct sessions:
                 'server login failed', the error passed on to a client of a
                 never-connected pool, then 'server login has been failing'

Usage: provoke.py --port N [--bindir DIR] [--hba FILE] [--client-log FILE]
                  [--pgbouncer-port N] [--json FILE] [SCENARIO ...]
                  (default: the PostgreSQL scenarios, in order)

Client-side error texts (what an application would see) go to --client-log,
one per line: "<scenario>\t<libpq/psycopg2 message, lines joined by ' | '>".
A JSON summary (per scenario: expected and observed refusals, seconds) goes
to --json and stdout. Exit status 0 when every scenario produced what it
should, 1 otherwise (the summary says what differed).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

try:
    import psycopg2
except ImportError:
    sys.exit("provoke.py: missing psycopg2 (Debian package python3-psycopg2)")

ALL = ["misc", "role", "database", "exhaust", "slow", "explain", "deadlock"]
ROLE_LIMIT = 2          # CONNECTION LIMIT of role "app"
ROLE_EXTRA = 4          # refused logins for role "app"
DB_LIMIT = 2            # CONNECTION LIMIT of database "limdb"
DB_EXTRA = 3            # refused logins for database "limdb"
EXHAUST_EXTRA = 3       # refused logins per exhaustion phase
SLOW_S = 2.2            # seconds; above the 2000 ms threshold
GAP_S = 0.25            # pause between refused logins (backend exit)
CONNECT_TIMEOUT_S = 10


class Ctx:
    def __init__(self, args):
        self.host = args.host
        self.port = args.port
        self.bindir = args.bindir
        self.hba = args.hba
        self.pgb_port = args.pgbouncer_port
        self.client_log = open(args.client_log, "a") if args.client_log \
            else None
        self.lock = threading.Lock()

    def connect(self, user="postgres", db="postgres", app="provoke",
                password=None):
        kw = dict(host=self.host, port=self.port, user=user, dbname=db,
                  connect_timeout=CONNECT_TIMEOUT_S, application_name=app)
        if password is not None:
            kw["password"] = password
        c = psycopg2.connect(**kw)
        c.autocommit = True
        return c

    def su(self, sql, args=None):
        """Run one setup/monitoring statement as the superuser. Its
        duration is never logged (a CREATE DATABASE on a busy machine can
        take more than a second and must not count as a slow statement)."""
        c = self.connect(app="provoke-setup")
        try:
            cur = c.cursor()
            cur.execute("SET log_min_duration_statement = -1")
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else None
        finally:
            c.close()

    def note(self, scenario, err):
        # The whole libpq message, its lines joined with " | " (PgBouncer's
        # errors arrive after libpq's "server closed the connection").
        text = " | ".join(ln.strip() for ln in str(err).strip().splitlines()
                          if ln.strip()) or repr(err)
        with self.lock:
            if self.client_log:
                self.client_log.write("%s\t%s\n" % (scenario, text))
                self.client_log.flush()
        return text

    def wait_idle(self, timeout=10.0):
        """Wait until no other client backend is connected."""
        end = time.time() + timeout
        while time.time() < end:
            n = self.su("SELECT count(*) FROM pg_stat_activity WHERE "
                        "backend_type = 'client backend' AND "
                        "pid <> pg_backend_pid()")[0][0]
            if n == 0:
                return True
            time.sleep(0.1)
        return False


def try_connect(ctx, scenario, want, **kw):
    """One login that must be refused with a message containing want."""
    try:
        c = ctx.connect(**kw)
    except psycopg2.OperationalError as e:
        text = ctx.note(scenario, e)
        return want in text, text
    c.close()
    return False, "connected (expected a refusal)"


def hold(ctx, n, sleep_s, **kw):
    """Open n sessions and start pg_sleep(sleep_s) in each (threads)."""
    conns, threads = [], []
    for _ in range(n):
        conns.append(ctx.connect(**kw))
    for c in conns:
        t = threading.Thread(target=_sleep_in, args=(c, sleep_s))
        t.start()
        threads.append(t)
    return conns, threads


def _sleep_in(c, s):
    try:
        c.cursor().execute("SELECT pg_sleep(%s)", (s,))
    except psycopg2.Error:
        pass


def release(conns, threads):
    for t in threads:
        t.join()
    for c in conns:
        c.close()


def postmaster_pid(ctx):
    """The postmaster's pid: the parent of the checkpointer (same host)."""
    pid = ctx.su("SELECT pid FROM pg_stat_activity "
                 "WHERE backend_type = 'checkpointer'")[0][0]
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def children(ppid):
    """Number of processes whose parent is ppid (/proc scan)."""
    n = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == ppid:
                    n += 1
        except (OSError, ValueError, IndexError):
            pass
    return n


def refuse_many(ctx, scenario, n, want, pm=None, **kw):
    """n logins that must be refused. With pm (postmaster pid), wait after
    each one until the refused backend has exited, so that it no longer
    holds a PGPROC slot when the next login comes (the message PostgreSQL
    picks depends on the free slots)."""
    ok = 0
    texts = []
    base = children(pm) if pm else 0
    for _ in range(n):
        good, text = try_connect(ctx, scenario, want, **kw)
        ok += good
        texts.append(text)
        if pm:
            end = time.time() + 5.0
            while children(pm) > base and time.time() < end:
                time.sleep(0.02)
        else:
            time.sleep(GAP_S)
    return ok, texts


def sc_misc(ctx):
    r = {"expected": {}, "observed": {}}
    want = [
        ("role_missing", dict(user="nosuchrole"),
         'role "nosuchrole" does not exist'),
        ("db_missing", dict(user="postgres", db="nosuchdb"),
         'database "nosuchdb" does not exist'),
    ]
    if ctx.hba:
        ctx.su("DROP ROLE IF EXISTS pwuser")
        ctx.su("CREATE ROLE pwuser LOGIN PASSWORD 'right-password'")
        with open(ctx.hba) as f:
            old = f.read()
        if "pwuser" not in old:
            with open(ctx.hba, "w") as f:
                f.write("host all pwuser 127.0.0.1/32 scram-sha-256\n" + old)
            ctx.su("SELECT pg_reload_conf()")
            time.sleep(0.3)
        want.append(("password_failed",
                     dict(user="pwuser", password="wrong-password"),
                     'password authentication failed for user "pwuser"'))
    for key, kw, text in want:
        r["expected"][key] = 1
        good, got = try_connect(ctx, "misc", text, **kw)
        r["observed"][key] = int(good)
        if not good:
            r.setdefault("unexpected", []).append(got)
    # A session killed by an administrator.
    c = ctx.connect(user="postgres", app="provoke-victim")
    pid = c.get_backend_pid()
    ctx.su("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.2)
    try:
        c.cursor().execute("SELECT 1")
        r["observed"]["terminated"] = 0
    except psycopg2.Error as e:
        ctx.note("misc", e)
        r["observed"]["terminated"] = 1
    r["expected"]["terminated"] = 1
    c.close()
    # statement_timeout
    c = ctx.connect(app="provoke-timeout")
    try:
        cur = c.cursor()
        cur.execute("SET statement_timeout = '200ms'")
        cur.execute("SELECT pg_sleep(1)")
        r["observed"]["statement_timeout"] = 0
    except psycopg2.Error as e:
        ctx.note("misc", e)
        r["observed"]["statement_timeout"] = int(
            "statement timeout" in str(e))
    r["expected"]["statement_timeout"] = 1
    c.close()
    return r


def sc_role(ctx):
    ctx.su("DROP ROLE IF EXISTS app")
    ctx.su("CREATE ROLE app LOGIN CONNECTION LIMIT %d" % ROLE_LIMIT)
    ctx.wait_idle()
    conns, threads = hold(ctx, ROLE_LIMIT, 0.5 + ROLE_EXTRA * GAP_S,
                          user="app", app="provoke-role-holder")
    ok, texts = refuse_many(ctx, "role", ROLE_EXTRA,
                            'too many connections for role "app"',
                            user="app", app="provoke-role")
    release(conns, threads)
    return {"expected": {"too_many_role": ROLE_EXTRA},
            "observed": {"too_many_role": ok}, "client_text": texts[0]}


def sc_database(ctx):
    ctx.su("DROP ROLE IF EXISTS bulk")
    ctx.su("CREATE ROLE bulk LOGIN")
    ctx.su("DROP DATABASE IF EXISTS limdb")
    ctx.su("CREATE DATABASE limdb OWNER bulk CONNECTION LIMIT %d" % DB_LIMIT)
    ctx.wait_idle()
    conns, threads = hold(ctx, DB_LIMIT, 0.5 + DB_EXTRA * GAP_S,
                          user="bulk", db="limdb", app="provoke-db-holder")
    ok, texts = refuse_many(ctx, "database", DB_EXTRA,
                            'too many connections for database "limdb"',
                            user="bulk", db="limdb", app="provoke-db")
    release(conns, threads)
    return {"expected": {"too_many_database": DB_EXTRA},
            "observed": {"too_many_database": ok}, "client_text": texts[0]}


def sc_exhaust(ctx):
    ctx.su("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE "
           "rolname = 'bulk') THEN CREATE ROLE bulk LOGIN; END IF; END$$")
    maxc = int(ctx.su("SHOW max_connections")[0][0])
    resv = int(ctx.su("SHOW superuser_reserved_connections")[0][0])
    pm = postmaster_pid(ctx)
    ctx.wait_idle()
    normal = maxc - resv
    r = {"max_connections": maxc, "superuser_reserved_connections": resv,
         "expected": {"reserved_slots": EXHAUST_EXTRA,
                      "too_many_clients": EXHAUST_EXTRA},
         "observed": {}}
    conns = []
    try:
        for _ in range(normal):
            conns.append(ctx.connect(user="bulk", app="provoke-fill"))
        ok, texts = refuse_many(ctx, "exhaust", EXHAUST_EXTRA,
                                "remaining connection slots are reserved",
                                pm=pm, user="bulk", app="provoke-exhaust")
        r["observed"]["reserved_slots"] = ok
        r["client_text_reserved"] = texts[0]
        for _ in range(resv):
            conns.append(ctx.connect(user="postgres", app="provoke-fill-su"))
        ok, texts = refuse_many(ctx, "exhaust", EXHAUST_EXTRA,
                                "sorry, too many clients already",
                                pm=pm, user="postgres",
                                app="provoke-exhaust")
        r["observed"]["too_many_clients"] = ok
        r["client_text_too_many"] = texts[0]
    finally:
        for c in conns:
            c.close()
    return r


def _run_sql(ctx, results, key, sqls, **kw):
    t0 = time.time()
    try:
        c = ctx.connect(**kw)
        cur = c.cursor()
        for s in sqls:
            cur.execute(s)
        c.close()
        results[key] = round((time.time() - t0) * 1000)
    except psycopg2.Error as e:
        results[key] = "error: " + ctx.note("slow", e)


def _pgbench(ctx, results, key, mode, secs, log_all=False):
    """One pgbench transaction: SELECT pg_sleep(:d) with d as a bind
    parameter. log_all first sets log_min_duration_statement = 0 in the
    session, so the fast parse/bind/execute steps are logged too."""
    t0 = time.time()
    fd, script = tempfile.mkstemp(suffix=".sql", prefix="dwslow")
    with os.fdopen(fd, "w") as f:
        if log_all:
            f.write("SET log_min_duration_statement = 0;\n")
        f.write("\\set d %s\nSELECT pg_sleep(:d);\n" % secs)
    os.chmod(script, 0o644)
    pgbench = os.path.join(ctx.bindir, "pgbench") if ctx.bindir else \
        "pgbench"
    try:
        p = subprocess.run([pgbench, "-n", "-M", mode, "-t", "1", "-c", "1",
                            "-f", script, "-h", ctx.host,
                            "-p", str(ctx.port), "-U", "postgres",
                            "postgres"], capture_output=True, text=True,
                           timeout=30)
        results[key] = round((time.time() - t0) * 1000) if \
            p.returncode == 0 else "error: " + p.stderr.strip()[-200:]
    except (OSError, subprocess.TimeoutExpired) as e:
        results[key] = "error: %s" % e
    finally:
        os.unlink(script)


def long_statement():
    """A multi-line, > 900-byte, UTF-8 statement that sleeps SLOW_S."""
    words = " ".join("naïve-café-%03d" % i for i in range(90))
    return ("SELECT pg_sleep(%.1f) AS slept,\n"
            "       '%s' AS padding,\n"
            "       'Zürich → København' AS route\n"
            "  FROM (VALUES (1)) AS v(x)\n"
            " WHERE x = 1" % (SLOW_S - 0.1, words))


def sc_slow(ctx):
    res = {}
    jobs = [
        threading.Thread(target=_run_sql, args=(
            ctx, res, "simple", ["SELECT pg_sleep(%.1f)" % SLOW_S]),
            kwargs=dict(app="provoke-slow")),
        threading.Thread(target=_run_sql, args=(
            ctx, res, "below_threshold", ["SELECT pg_sleep(1.2)"]),
            kwargs=dict(app="provoke-slow")),
        threading.Thread(target=_run_sql, args=(
            ctx, res, "prepare_execute",
            ["PREPARE slow_sleep(float8) AS SELECT pg_sleep($1)",
             "EXECUTE slow_sleep(%.1f)" % (SLOW_S + 0.1)]),
            kwargs=dict(app="provoke-slow")),
        threading.Thread(target=_run_sql, args=(
            ctx, res, "long_multiline", [long_statement()]),
            kwargs=dict(app="provoke-slow")),
        threading.Thread(target=_pgbench, args=(
            ctx, res, "pgbench_extended", "extended", SLOW_S + 0.2)),
        threading.Thread(target=_pgbench, args=(
            ctx, res, "pgbench_prepared", "prepared", SLOW_S + 0.3, True)),
    ]
    for j in jobs:
        j.start()
    for j in jobs:
        j.join()
    bad = [k for k, v in res.items() if not isinstance(v, int)]
    return {"expected": {"statements": len(jobs)},
            "observed": {"statements": len(jobs) - len(bad)},
            "elapsed_ms": res}


def sc_explain(ctx):
    ok = ctx.su("SELECT count(*) FROM pg_available_extensions "
                "WHERE name = 'auto_explain'")
    lib = ctx.su("SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'")
    if not lib or not os.path.exists(os.path.join(lib[0][0],
                                                  "auto_explain.so")):
        return {"skipped": "auto_explain.so not installed",
                "expected": {}, "observed": {}}
    del ok
    res = {}
    _run_sql(ctx, res, "auto_explain", [
        "LOAD 'auto_explain'",
        "SET auto_explain.log_min_duration = 2000",
        "SELECT pg_sleep(%.1f), count(*) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace" % SLOW_S,
    ], app="provoke-explain")
    good = isinstance(res["auto_explain"], int)
    return {"expected": {"plans": 1}, "observed": {"plans": int(good)},
            "elapsed_ms": res}


def sc_deadlock(ctx):
    ctx.su("DROP TABLE IF EXISTS dl_accounts")
    ctx.su("CREATE TABLE dl_accounts (id int PRIMARY KEY, balance int)")
    ctx.su("INSERT INTO dl_accounts VALUES (1, 100), (2, 100)")
    a = ctx.connect(app="provoke-deadlock-a")
    b = ctx.connect(app="provoke-deadlock-b")
    a.autocommit = False
    b.autocommit = False
    errs = []

    def step(c, rid):
        try:
            c.cursor().execute("UPDATE dl_accounts SET balance = balance "
                               "- 1 WHERE id = %s", (rid,))
            c.commit()
        except psycopg2.Error as e:
            errs.append(ctx.note("deadlock", e))
            c.rollback()

    a.cursor().execute("UPDATE dl_accounts SET balance = balance + 1 "
                       "WHERE id = 1")
    b.cursor().execute("UPDATE dl_accounts SET balance = balance + 1 "
                       "WHERE id = 2")
    t = threading.Thread(target=step, args=(a, 2))
    t.start()
    time.sleep(0.3)
    step(b, 1)
    t.join()
    a.close()
    b.close()
    n = sum("deadlock detected" in e for e in errs)
    return {"expected": {"deadlocks": 1}, "observed": {"deadlocks": n}}


# ------------------------------------------------------------ PgBouncer

def pgb_connect(ctx, user="app", db="app", app="provoke-pgb"):
    c = psycopg2.connect(host=ctx.host, port=ctx.pgb_port, user=user,
                         dbname=db, connect_timeout=CONNECT_TIMEOUT_S,
                         application_name=app)
    c.autocommit = True
    return c


def pgb_config(ctx):
    c = pgb_connect(ctx, user="postgres", db="pgbouncer", app="")
    try:
        cur = c.cursor()
        cur.execute("SHOW CONFIG")
        return {r[0]: r[1] for r in cur.fetchall()}
    finally:
        c.close()


def sc_pgb_maxclient(ctx):
    """Hold max_client_conn clients, then PGB_EXTRA more are refused."""
    maxc = int(pgb_config(ctx)["max_client_conn"])
    time.sleep(0.2)
    conns = []
    r = {"max_client_conn": maxc,
         "expected": {"max_client_conn": PGB_EXTRA}, "observed": {}}
    try:
        for _ in range(maxc):
            conns.append(pgb_connect(ctx, app="provoke-pgb-fill"))
        ok = 0
        for _ in range(PGB_EXTRA):
            try:
                pgb_connect(ctx, app="provoke-pgb-extra").close()
            except psycopg2.OperationalError as e:
                t = ctx.note("pgb_maxclient", e)
                ok += "no more connections allowed (max_client_conn)" in t
                r["client_text"] = t
            time.sleep(GAP_S)
        r["observed"]["max_client_conn"] = ok
    finally:
        for c in conns:
            c.close()
    return r


def _pgb_sleep(ctx, scenario, secs, db, errs, done):
    try:
        c = pgb_connect(ctx, db=db, app="provoke-" + scenario)
        try:
            c.cursor().execute("SELECT pg_sleep(%s)", (secs,))
            done.append(1)
        finally:
            c.close()
    except psycopg2.Error as e:
        errs.append(ctx.note(scenario, e))


def sc_pgb_wait(ctx):
    """default_pool_size clients run pg_sleep longer than
    query_wait_timeout; PGB_WAITERS more wait for a server connection
    and are dropped with query_wait_timeout."""
    cfg = pgb_config(ctx)
    pool = int(cfg["default_pool_size"])
    qwt = float(cfg["query_wait_timeout"])
    errs, done = [], []
    ts = [threading.Thread(target=_pgb_sleep, args=(
        ctx, "pgb_wait", qwt + 2.0, "app", errs, done))
        for _ in range(pool + PGB_WAITERS)]
    for t in ts:
        t.start()
        time.sleep(0.05)
    for t in ts:
        t.join()
    # PgBouncer sends "FATAL:  query_wait_timeout" and closes; psql shows
    # it, psycopg2 2.9 only reports "server closed the connection
    # unexpectedly" -- so count dropped clients here, and the reason in
    # PgBouncer's log (run_scenarios.sh).
    return {"pool_size": pool, "query_wait_timeout": qwt,
            "expected": {"dropped": PGB_WAITERS, "completed": pool},
            "observed": {"dropped": len(errs), "completed": len(done)},
            "client_texts": sorted(set(errs))}


def sc_pgb_login(ctx):
    """Server logins refused by PostgreSQL because the role's CONNECTION
    LIMIT (role "tight", 2) is taken by two direct sessions (another app
    instance bypassing the pooler). Two PgBouncer pools log in as "tight":

    A. database entry `fresh`, never connected: PgBouncer needs a server
       connection to finish the client's login, PostgreSQL refuses it
       ('too many connections for role "tight"'; PgBouncer logs 'server
       login failed: FATAL ...') and PgBouncer passes the error on to the
       client ('pooler error: too many connections for role "tight"').
    B. database entry `tight`, which has logged in once and then lost its
       server connection (terminated): the next query needs a new server
       login, which fails ('S: login failed: FATAL: ...'); clients that
       log in while the pool has no server and its last login failed are
       refused at once with 'server login has been failing, try again
       later (server_login_retry)'."""
    ctx.su("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE "
           "rolname = 'tight') THEN CREATE ROLE tight LOGIN; END IF; END$$")
    ctx.su("ALTER ROLE tight CONNECTION LIMIT 2")
    errs, done, fresh, refused = [], [], [], []
    # B's pool logs in while there is room.
    _pgb_sleep(ctx, "pgb_login", 0.0, "tight", errs, done)
    ctx.su("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
           "WHERE usename = 'tight'")
    time.sleep(0.5)
    held = [ctx.connect(user="tight", db="app", app="provoke-direct")
            for _ in range(2)]
    first = None
    try:
        # A: a never-connected pool.
        _pgb_sleep(ctx, "pgb_login", 0.1, "fresh", fresh, done)
        # B: the query that needs a new server login ...
        first = threading.Thread(target=_pgb_sleep, args=(
            ctx, "pgb_login", 0.1, "tight", errs, done))
        first.start()
        time.sleep(0.5)
        # ... and clients logging in while it fails.
        for _ in range(PGB_LOGIN_TRIES):
            _pgb_sleep(ctx, "pgb_login", 0.1, "tight", refused, done)
            time.sleep(0.2)
    finally:
        for c in held:
            c.close()
        if first:
            first.join()
    n_fresh = sum('too many connections for role "tight"' in e
                  for e in fresh)
    # B's refusals: psycopg2 reports only "server closed the connection
    # unexpectedly"; PgBouncer's log has the reason (run_scenarios.sh).
    return {"expected": {"fresh_pool_refused": 1,
                         "refused": PGB_LOGIN_TRIES},
            "observed": {"fresh_pool_refused": n_fresh,
                         "refused": len(refused)},
            "other_client_errors": len(errs), "completed": len(done),
            "client_texts": sorted(set(errs + fresh + refused))}


PGB_ALL = ["pgb_maxclient", "pgb_wait", "pgb_login"]
PGB_EXTRA = 3           # clients refused above max_client_conn
PGB_WAITERS = 3         # clients dropped by query_wait_timeout
PGB_LOGIN_TRIES = 3     # clients through PgBouncer while logins fail


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bindir", default=os.environ.get("PG_BINDIR"))
    ap.add_argument("--hba", help="pg_hba.conf to edit for the password "
                    "failure (misc)")
    ap.add_argument("--pgbouncer-port", type=int,
                    help="PgBouncer port, for the pgb_* scenarios")
    ap.add_argument("--client-log")
    ap.add_argument("--json")
    ap.add_argument("scenarios", nargs="*")
    args = ap.parse_args()
    todo = args.scenarios or ALL
    for s in todo:
        if s not in ALL + PGB_ALL:
            ap.error("unknown scenario %s (one of %s)"
                     % (s, " ".join(ALL + PGB_ALL)))
        if s in PGB_ALL and not args.pgbouncer_port:
            ap.error("%s needs --pgbouncer-port" % s)
    ctx = Ctx(args)
    out, ok = {}, True
    for s in todo:
        t0 = time.time()
        try:
            r = globals()["sc_" + s](ctx)
        except psycopg2.Error as e:
            r = {"error": str(e).strip(), "expected": {"run": 1},
                 "observed": {"run": 0}}
        r["seconds"] = round(time.time() - t0, 2)
        r["ok"] = r.get("expected") == r.get("observed")
        ok = ok and r["ok"]
        out[s] = r
    text = json.dumps(out, indent=1, ensure_ascii=False)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
