"""Settings of the harness's minimal Django app (test code, not drainwatch).

Everything comes from the environment so the harness can point the app at
its throw-away PostgreSQL (or PgBouncer) on 127.0.0.1:

  DW_DB_HOST (127.0.0.1)  DW_DB_PORT (5432)  DW_DB_NAME (app)
  DW_DB_USER (app)        DW_DB_PASSWORD ("")
  DW_CONN_MAX_AGE   persistent connections, seconds (600, as in the story:
                    each gunicorn thread keeps its own connection open)
  DW_CONN_WARN      the monitoring middleware warns when the role's
                    connection count exceeds this (5)
  DW_SLOW_QUERY_MS  queries slower than this are logged (2000)
"""
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "drainwatch-test-harness-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = []
MIDDLEWARE = ["dwapp.middleware.ConnectionCountMiddleware"]
ROOT_URLCONF = "dwapp.urls"
WSGI_APPLICATION = "dwapp.wsgi.application"
USE_TZ = True
TIME_ZONE = "UTC"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("DW_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("DW_DB_PORT", "5432"),
        "NAME": os.environ.get("DW_DB_NAME", "app"),
        "USER": os.environ.get("DW_DB_USER", "app"),
        "PASSWORD": os.environ.get("DW_DB_PASSWORD", ""),
        "CONN_MAX_AGE": int(os.environ.get("DW_CONN_MAX_AGE", "600")),
        "OPTIONS": {"connect_timeout": 10,
                    "application_name": "dwapp"},
    }
}

DW_CONN_WARN = int(os.environ.get("DW_CONN_WARN", "5"))
DW_SLOW_QUERY_MS = float(os.environ.get("DW_SLOW_QUERY_MS", "2000"))

# One line per record on stderr, no timestamp (Heroku stamps each line on
# arrival; gunicorn's own lines carry theirs). Application records read
#   LEVEL message
# e.g.  WARNING connection count 6 exceeds 5 for role "app" on database "app"
# and errors Django logs for a failed request are
#   ERROR Internal Server Error: /db/
# followed by the traceback: the psycopg2 exception, then (chained) the
# Django one, e.g.
#   psycopg2.OperationalError: connection to server at "127.0.0.1", port N
#   failed: FATAL:  too many connections for role "app"
#   ...
#   django.db.utils.OperationalError: connection to server at "127.0.0.1",
#   port N failed: FATAL:  too many connections for role "app"
# Queries slower than DW_SLOW_QUERY_MS are Django's own query-log records
# (logger django.db.backends, level DEBUG, message "(seconds) SQL; args=..."),
# let through by SlowQueryFilter only when slow:
#   DEBUG (2.203) SELECT pg_sleep(2.2); args=(2.2,)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "slow_only": {"()": "dwapp.middleware.SlowQueryFilter"},
    },
    "formatters": {
        "plain": {"format": "%(levelname)s %(message)s"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler",
                   "stream": "ext://sys.stderr", "formatter": "plain"},
        "slow": {"class": "logging.StreamHandler",
                 "stream": "ext://sys.stderr", "formatter": "plain",
                 "filters": ["slow_only"]},
    },
    "loggers": {
        "django": {"handlers": ["stderr"], "level": "INFO",
                   "propagate": False},
        "django.db.backends": {"handlers": ["slow"], "level": "DEBUG",
                               "propagate": False},
        "dwapp": {"handlers": ["stderr"], "level": "INFO",
                  "propagate": False},
    },
}
