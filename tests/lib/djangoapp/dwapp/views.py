"""Views: / (no database), /db/ (a small query), /slow/?s=SECONDS (a query
that sleeps in PostgreSQL, clamped to 0..5 s)."""
from django.db import connection
from django.http import HttpResponse

SLOW_MAX_S = 5.0


def index(request):
    return HttpResponse("ok\n", content_type="text/plain")


def db(request):
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_class")
        n = cur.fetchone()[0]
    return HttpResponse("db ok %d\n" % n, content_type="text/plain")


def slow(request):
    try:
        s = float(request.GET.get("s", "2.5"))
    except ValueError:
        s = 2.5
    s = max(0.0, min(s, SLOW_MAX_S))
    with connection.cursor() as cur:
        cur.execute("SELECT pg_sleep(%s)", [s])
    return HttpResponse("slept %.1f\n" % s, content_type="text/plain")
