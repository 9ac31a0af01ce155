/*
 * parse_heroku.c - Heroku line and message formats (pipeline stage 2).
 *
 * `heroku logs` prints `TIMESTAMP SOURCE[PROCESS]: MSG` (formats.md
 * §1.3); some tools keep the syslog-drain HOSTNAME (`d.<token>`) and
 * drop the colon, both are accepted. Heroku Postgres server logs arrive
 * as `[ATTACHMENT] [seq-chunk] text` (§2.1): PostgreSQL's syslog writer
 * splits a record at every newline and at 900 bytes, chunk 1 and every
 * DETAIL/HINT/... part carry Heroku's log_line_prefix (format 1
 * ` sql_error_code = %e `, format 2 with time_ms/pid/.../
 * application_name, the hobby ` database = %d connection_source = %r
 * sql_error_code = %e ` and the 2012-era `[%u ][COLOR] `), continuation
 * chunks carry none. Metrics (§2.2, §2.4) are logfmt `sample#k=v`.
 * Nothing here allocates.
 */
#include "parse/cursor.h"
#include "parse/parse.h"
#include "parse/parse_heroku.h"
#include "parse/parse_postgres.h"
#include "parse/parse_time.h"

/* Longest attachment name in `[NAME]` ("HEROKU_POSTGRESQL_CHARCOAL"). */
#define HEROKU_ATTACHMENT_MAX_BYTES	64
/* key=value pairs read from one Heroku prefix (format 2 has 12). */
#define HEROKU_PREFIX_PAIRS_MAX	24
/* Digits of a `[seq-chunk]` sequence number (PostgreSQL's unsigned
 * long) and chunk number: more does not fit the record's fields. */
#define CHUNK_SEQ_DIGITS_MAX	18
#define CHUNK_NR_DIGITS_MAX	9

/* `NAME[PROC]` or `NAME[PROC]:` filling the word at the cursor. */
static int
tag_word(struct cursor *c, struct dw_str *src, struct dw_str *proc)
{
	const char	*p = c->p, *q, *lb, *rb, *after;

	q = memchr(p, ' ', cur_left(c));
	if (q == NULL)
		q = c->end;
	lb = memchr(p, '[', (size_t)(q - p));
	if (lb == NULL || lb == p)
		return -1;
	rb = memchr(lb, ']', (size_t)(q - lb));
	if (rb == NULL || rb == lb + 1)
		return -1;
	after = rb + 1;
	if (after < q && *after == ':')
		after++;
	if (after != q)
		return -1;
	*src = dw_str_make(p, (size_t)(lb - p));
	*proc = dw_str_make(lb + 1, (size_t)(rb - lb - 1));
	c->p = q;
	return 0;
}

int
parse_heroku_cli(struct log_record *rec, struct dw_str line,
    const struct parse_conf *conf)
{
	struct cursor	c = cur_make(line);
	struct dw_str	host = DW_STR_NULL, src, proc;
	dw_ms		t;
	size_t		n;

	/* Only RFC 3339 with 'T': "2019-03-14T00:23:00+00:00 ". */
	if (line.len < 20 || line.p[10] != 'T')
		return -1;
	n = parse_time_iso(line, &t, conf != NULL ? conf->default_tz_min : 0,
	    NULL);
	if (n == 0)
		return -1;
	c.p += n;
	if (cur_byte(&c, ' '))
		return -1;
	if (tag_word(&c, &src, &proc)) {
		host = cur_until(&c, ' ');
		if (host.len == 0 || cur_byte(&c, ' ') ||
		    tag_word(&c, &src, &proc))
			return -1;
	}
	if (!cur_eof(&c) && cur_byte(&c, ' '))
		return -1;
	rec->format = REC_HEROKU_CLI;
	rec->ts = t;
	rec->host = host;
	rec->source = src;
	rec->process = proc;
	rec->message = cur_rest(&c);
	return 0;
}

static int
starts_with(const struct cursor *c, const char *lit, size_t n)
{
	return cur_left(c) >= n && memcmp(c->p, lit, n) == 0;
}

/*
 * Heroku's own log_line_prefix, formats 1, 2 and hobby: a run of
 * `key = value`, `key="value"` pairs, then the LEVEL mark.
 */
static int
heroku_prefix(struct log_record *rec, struct dw_str text,
    const struct parse_conf *conf)
{
	struct cursor		c = cur_make(text);
	struct pg_fields	f;
	struct dw_str		lv, key, v;
	const char		*w, *mark;
	dw_ms			t;
	int			i;

	cur_skip_sp(&c);
	if (!starts_with(&c, "sql_error_code ", 15) &&
	    !starts_with(&c, "sql_error_code=", 15) &&
	    !starts_with(&c, "database = ", 11))
		return -1;
	memset(&f, 0, sizeof(f));
	f.ts = DW_MS_NONE;
	for (i = 0; i < HEROKU_PREFIX_PAIRS_MAX; i++) {
		if (pg_mark_at(c.p, c.end, &lv) > 0) {
			pg_commit(rec, c.p, c.end, lv, &f);
			return 0;
		}
		w = c.p;
		while (c.p < c.end && ((*c.p >= 'a' && *c.p <= 'z') ||
		    *c.p == '_'))
			c.p++;
		key = cur_since(&c, w);
		if (key.len == 0 ||
		    (cur_lit(&c, " = ", 3) && cur_byte(&c, '=')))
			break;
		if (cur_byte(&c, '"') == 0) {
			v = cur_until(&c, '"');
			if (cur_byte(&c, '"'))
				break;
		} else
			v = cur_until(&c, ' ');
		if (dw_str_eq(key, "sql_error_code")) {
			if (pg_is_sqlstate(v.p, v.len))
				f.sqlstate = v;
		} else if (dw_str_eq(key, "time_ms")) {
			if (parse_time_iso(v, &t, conf != NULL ?
			    conf->default_tz_min : 0, NULL) > 0)
				f.ts = t;
		} else if (dw_str_eq(key, "pid"))
			f.pid = v;
		else if (dw_str_eq(key, "database"))
			f.database = v;
		else if (dw_str_eq(key, "user"))
			f.user = v;
		else if (dw_str_eq(key, "application_name"))
			f.application = v;
		if (cur_byte(&c, ' '))
			break;
	}
	/* Something unexpected inside the prefix: keep what was read and
	 * take the first LEVEL mark. */
	mark = pg_mark_find(text.p, text.p + text.len, &lv);
	if (mark == NULL)
		return -1;
	pg_commit(rec, mark, text.p + text.len, lv, &f);
	return 0;
}

/* 2012-era Heroku prefix: `[USER ][COLOR] LEVEL:  ` (formats.md §2.1). */
/* An attachment name ("DATABASE", "HEROKU_POSTGRESQL_YELLOW"), at most
 * HEROKU_ATTACHMENT_MAX_BYTES; empty if none at the cursor. */
static struct dw_str
cur_attachment(struct cursor *c)
{
	const char	*w = c->p;

	while (c->p < c->end && (ch_is_alnum(*c->p) || *c->p == '_') &&
	    c->p - w < HEROKU_ATTACHMENT_MAX_BYTES)
		c->p++;
	return cur_since(c, w);
}

static int
heroku_prefix_2012(struct log_record *rec, struct dw_str text)
{
	struct cursor		c = cur_make(text);
	struct pg_fields	f;
	struct dw_str		user = DW_STR_NULL, att, lv;
	const char		*w;

	cur_skip_sp(&c);
	if (cur_peek(&c) != '[') {
		w = c.p;
		while (c.p < c.end && (ch_is_alnum(*c.p) || *c.p == '_'))
			c.p++;
		user = cur_since(&c, w);
		if (user.len == 0 || cur_byte(&c, ' '))
			return -1;
	}
	if (cur_byte(&c, '['))
		return -1;
	att = cur_attachment(&c);
	if (att.len == 0 || cur_byte(&c, ']') || cur_byte(&c, ' ') ||
	    pg_mark_at(c.p, c.end, &lv) == 0)
		return -1;
	memset(&f, 0, sizeof(f));
	f.ts = DW_MS_NONE;
	f.user = user;
	if (rec->attachment.len == 0)
		rec->attachment = att;
	pg_commit(rec, c.p, c.end, lv, &f);
	return 0;
}

int
parse_heroku_chunk(struct log_record *rec, const struct parse_conf *conf)
{
	struct cursor	c = cur_make(rec->message);
	struct dw_str	att = DW_STR_NULL, text;
	int64_t		seq, nr;

	if (cur_byte(&c, '['))
		return -1;
	if (!cur_eof(&c) && !ch_is_digit(*c.p)) {
		att = cur_attachment(&c);
		if (att.len == 0 || cur_byte(&c, ']') || cur_byte(&c, ' ') ||
		    cur_byte(&c, '['))
			return -1;
	}
	if (cur_uint(&c, CHUNK_SEQ_DIGITS_MAX, &seq) || cur_byte(&c, '-') ||
	    cur_uint(&c, CHUNK_NR_DIGITS_MAX, &nr) || cur_byte(&c, ']') ||
	    nr < 1)
		return -1;
	if (!cur_eof(&c) && cur_byte(&c, ' '))
		return -1;
	text = cur_rest(&c);
	rec->attachment = att;
	rec->chunk_seq = seq;
	rec->chunk_nr = (int)nr;
	/* A chunk that starts at an embedded newline begins with the TAB
	 * PostgreSQL added: always a continuation. */
	if (text.len == 0 || text.p[0] != '\t') {
		if (heroku_prefix(rec, text, conf) == 0 ||
		    heroku_prefix_2012(rec, text) == 0 ||
		    parse_postgres_text(rec, text, conf, nr == 1 ?
		    PG_ACCEPT_ANY : PG_ACCEPT_PREFIX) == 0)
			return 0;
	}
	rec->kind = nr == 1 ? KIND_PG : KIND_PG_CHUNK;
	rec->message = text;
	return 0;
}

static int
has_prefix(struct dw_str s, const char *lit, size_t n)
{
	return s.len >= n && memcmp(s.p, lit, n) == 0;
}

int
parse_heroku_metrics(struct log_record *rec)
{
	struct dw_str	m = rec->message;

	if (!has_prefix(m, "source=", 7) && !has_prefix(m, "sample#", 7))
		return -1;
	if (memmem(m.p, m.len, "sample#", 7) == NULL)
		return -1;
	rec->kind = KIND_METRICS;
	return 0;
}

struct dw_str
parse_logfmt_get(struct dw_str msg, const char *key)
{
	struct cursor	c = cur_make(msg);
	struct dw_str	k, v;
	size_t		klen = strlen(key);
	const char	*w;

	while (!cur_eof(&c)) {
		cur_skip_sp(&c);
		w = c.p;
		while (c.p < c.end && *c.p != '=' && *c.p != ' ')
			c.p++;
		k = cur_since(&c, w);
		if (cur_byte(&c, '='))
			continue;		/* a bare word */
		if (cur_byte(&c, '"') == 0) {
			v = cur_until(&c, '"');
			(void)cur_byte(&c, '"');
		} else
			v = cur_until(&c, ' ');
		if (k.len == klen && memcmp(k.p, key, klen) == 0)
			return v;
	}
	return DW_STR_NULL;
}
