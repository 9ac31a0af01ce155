"""Monitoring middleware, as in the incident story: after each request that
used the database, count the role's connections and warn above a threshold.

Log line (logger dwapp.monitoring, WARNING, format "LEVEL message"):
  WARNING connection count 6 exceeds 5 for role "app" on database "app"
The count is SELECT count(*) FROM pg_stat_activity WHERE usename =
current_user (all of the role's sessions, this one included); the threshold
is settings.DW_CONN_WARN (env DW_CONN_WARN, default 5).

It also turns on Django's query logging for the request's connection
(force_debug_cursor, what DEBUG=True does) so that Django's own query-log
records of statements slower than DW_SLOW_QUERY_MS reach stderr, as Django
writes them (logger django.db.backends, level DEBUG):
  DEBUG (2.203) SELECT pg_sleep(2.2); args=(2.2,)
"""
import logging

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger("dwapp.monitoring")

COUNT_SQL = ("SELECT count(*), current_user, current_database() "
             "FROM pg_stat_activity WHERE usename = current_user")


class SlowQueryFilter(logging.Filter):
    """Pass only django.db.backends query records slower than
    settings.DW_SLOW_QUERY_MS; the record itself is left as Django made
    it."""

    def filter(self, record):
        d = getattr(record, "duration", None)
        return d is not None and d * 1000.0 >= settings.DW_SLOW_QUERY_MS


class ConnectionCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        conn = connections["default"]
        conn.force_debug_cursor = True
        response = self.get_response(request)
        if conn.connection is None:
            return response
        try:
            conn.force_debug_cursor = False
            with conn.cursor() as cur:
                cur.execute(COUNT_SQL)
                n, user, db = cur.fetchone()
        except DatabaseError:
            return response
        if n > settings.DW_CONN_WARN:
            log.warning('connection count %d exceeds %d for role "%s" on '
                        'database "%s"', n, settings.DW_CONN_WARN, user, db)
        return response
