/*
 * parse_line.c - format detection for one physical line (pipeline
 * stage 2), see parse.h.
 *
 * The first byte picks the candidates, each tried once, in the order
 * the format reference gives (formats.md §1-§3): TAB (PostgreSQL
 * continuation), <PRI> (RFC 5424 / logplex / RFC 3164), a digit
 * (`heroku logs` CLI, then PgBouncer), '[' (gunicorn), a month name
 * (RFC 3164 without PRI), and finally PostgreSQL stderr with a
 * log_line_prefix; anything else is plain text. The message is then
 * classified (Heroku Postgres chunk, metrics, PostgreSQL record).
 * Every field is a slice of the line; nothing allocates.
 */
#include "parse/cursor.h"
#include "parse/parse.h"
#include "parse/parse_app.h"
#include "parse/parse_heroku.h"
#include "parse/parse_postgres.h"
#include "parse/parse_syslog.h"

static const char *const rc_names[PARSE_RC_COUNT] = {
	[PARSE_OK] = "ok",
	[PARSE_TRUNCATED] = "truncated",
	[PARSE_BAD_PRI] = "bad_pri",
	[PARSE_BAD_VERSION] = "bad_version",
	[PARSE_BAD_TIME] = "bad_time",
	[PARSE_BAD_SD] = "bad_sd",
};

static const char *const format_names[REC_FORMAT_COUNT] = {
	[REC_PLAIN] = "plain",
	[REC_RFC5424] = "rfc5424",
	[REC_LOGPLEX] = "logplex",
	[REC_RFC3164] = "rfc3164",
	[REC_HEROKU_CLI] = "heroku_cli",
	[REC_POSTGRES] = "postgres",
	[REC_PGBOUNCER] = "pgbouncer",
	[REC_GUNICORN] = "gunicorn",
};

const char *
parse_rc_name(enum parse_rc rc)
{
	if ((unsigned)rc >= PARSE_RC_COUNT)
		return "unknown";
	return rc_names[rc];
}

const char *
rec_format_name(enum rec_format f)
{
	if ((unsigned)f >= REC_FORMAT_COUNT)
		return "unknown";
	return format_names[f];
}

/* Everything empty: a plain line. `app` is cleared too; the caller sets
 * it after parsing. */
static void
rec_reset(struct log_record *rec, struct dw_str line)
{
	memset(rec, 0, sizeof(*rec));
	rec->ts = DW_MS_NONE;
	rec->format = REC_PLAIN;
	rec->kind = KIND_TEXT;
	rec->severity = SEV_UNKNOWN;
	rec->line = line;
	rec->message = line;
	rec->chunk_seq = -1;
	rec->chunk_nr = 0;
}

static int
tz_of(const struct parse_conf *conf)
{
	return conf != NULL ? conf->default_tz_min : 0;
}

/* A PgBouncer or gunicorn line found inside a syslog/Heroku message:
 * take its level and (PgBouncer) database/user; the transport keeps
 * the message and, when it has one, the time. */
static void
take_embedded(struct log_record *rec, const struct app_line *a)
{
	rec->severity = a->severity;
	rec->pg_user = a->user;
	rec->pg_database = a->database;
	if (rec->ts == DW_MS_NONE)
		rec->ts = a->ts;
}

static int
names_postgres(struct dw_str s)
{
	return s.len >= 8 && memmem(s.p, s.len, "postgres", 8) != NULL;
}

void
parse_message(struct log_record *rec, const struct parse_conf *conf)
{
	struct dw_str	m = rec->message;
	struct app_line	a;

	rec->kind = KIND_TEXT;
	rec->pg_level = DW_STR_NULL;
	rec->sqlstate = DW_STR_NULL;
	rec->pg_pid = DW_STR_NULL;
	rec->pg_user = DW_STR_NULL;
	rec->pg_database = DW_STR_NULL;
	rec->pg_application = DW_STR_NULL;
	rec->attachment = DW_STR_NULL;
	rec->chunk_seq = -1;
	rec->chunk_nr = 0;
	if (m.len == 0)
		return;
	switch (m.p[0]) {
	case '[':
		if (parse_heroku_chunk(rec, conf) == 0)
			return;
		if (m.len > 1 && ch_is_digit(m.p[1]) &&
		    parse_gunicorn(m, &a, tz_of(conf)) == 0) {
			take_embedded(rec, &a);
			return;
		}
		break;
	case 's':
		if (parse_heroku_metrics(rec) == 0)
			return;
		break;
	default:
		break;
	}
	/*
	 * A message that is only "LEVEL:  text" (no prefix at all) is a
	 * PostgreSQL record when a postgres process sent it; from an app
	 * dyno it is the app quoting a server error, which app rules read.
	 */
	{
		struct dw_str	lv;

		if (pg_mark_at(m.p, m.p + m.len, &lv) > 0 &&
		    !names_postgres(rec->process) &&
		    !names_postgres(rec->source))
			return;
	}
	if (parse_postgres_text(rec, m, conf, PG_ACCEPT_PREFIX) == 0)
		return;
	if (ch_is_digit(m.p[0]) && parse_pgbouncer(m, &a, tz_of(conf)) == 0)
		take_embedded(rec, &a);
}

static void
take_app(struct log_record *rec, enum rec_format f, const struct app_line *a)
{
	rec->format = f;
	rec->ts = a->ts;
	rec->severity = a->severity;
	rec->process = a->pid;
	rec->message = a->message;
	rec->pg_user = a->user;
	rec->pg_database = a->database;
}

static int
is_month_initial(int ch)
{
	return ch == 'J' || ch == 'F' || ch == 'M' || ch == 'A' || ch == 'S' ||
	    ch == 'O' || ch == 'N' || ch == 'D';
}

enum parse_rc
parse_line(struct log_record *rec, struct dw_str line,
    const struct parse_conf *conf)
{
	struct app_line	a;
	enum parse_rc	rc;
	int		c0;

	rec_reset(rec, line);
	if (line.len == 0)
		return PARSE_OK;
	c0 = (unsigned char)line.p[0];
	if (c0 == '\t') {
		rec->kind = KIND_PG_CONT;
		return PARSE_OK;
	}
	if (c0 == '<' && line.len > 1 && ch_is_digit(line.p[1])) {
		rc = parse_syslog(rec, line, conf);
		if (rc != PARSE_OK) {
			rec_reset(rec, line);
			return rc;
		}
		parse_message(rec, conf);
		return PARSE_OK;
	}
	if (ch_is_digit(c0)) {
		size_t	i = 0;

		/* A logplex frame saved one per line ("83 <40>1 ..."): the
		 * octet count goes, the syslog message is parsed. */
		while (i < line.len && i < 8 && ch_is_digit(line.p[i]))
			i++;
		if (i + 2 < line.len && line.p[i] == ' ' &&
		    line.p[i + 1] == '<' && ch_is_digit(line.p[i + 2]))
			return parse_line(rec, dw_str_make(line.p + i + 1,
			    line.len - i - 1), conf);
		if (parse_heroku_cli(rec, line, conf) == 0) {
			parse_message(rec, conf);
			return PARSE_OK;
		}
		if (parse_pgbouncer(line, &a, tz_of(conf)) == 0) {
			take_app(rec, REC_PGBOUNCER, &a);
			return PARSE_OK;
		}
	} else if (c0 == '[') {
		if (parse_gunicorn(line, &a, tz_of(conf)) == 0) {
			take_app(rec, REC_GUNICORN, &a);
			return PARSE_OK;
		}
	} else if (is_month_initial(c0)) {
		if (parse_syslog_bsd(rec, line, conf) == 0) {
			parse_message(rec, conf);
			return PARSE_OK;
		}
	}
	if (parse_postgres_text(rec, line, conf, PG_ACCEPT_PREFIX) == 0) {
		rec->format = REC_POSTGRES;
		return PARSE_OK;
	}
	(void)parse_heroku_metrics(rec);
	return PARSE_OK;
}
