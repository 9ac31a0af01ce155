/*
 * parse_postgres.c - PostgreSQL stderr records and log_line_prefix
 * (pipeline stage 2).
 *
 * elog.c send_message_to_server_log() writes
 * `<log_line_prefix><LEVEL>:  <message>` with two spaces after the colon;
 * embedded newlines become LF + TAB. With log_error_verbosity = verbose
 * the message starts with `<SQLSTATE>: `. DETAIL/HINT/QUERY/CONTEXT/
 * LOCATION/STATEMENT follow as records of their own, each with the full
 * prefix (formats.md §3.2). A configured log_line_prefix is compiled
 * once by pg_prefix_compile(); without one the LEVEL mark is searched
 * and the prefix read by heuristics that cover '%m [%p] ',
 * '%m [%p] %q%u@%d ', '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ',
 * 'user=%u,db=%d ' and the empty prefix. Nothing here allocates.
 */
#include "parse/cursor.h"
#include "parse/parse.h"
#include "parse/parse_postgres.h"
#include "parse/parse_time.h"

/* Longest LEVEL word: "STATEMENT", "LOCATION". */
#define PG_LEVEL_MAX_BYTES	9
/* Longest value one text escape (%u %d %a %h %r %i %b %L) may take:
 * names are < 64 bytes (NAMEDATALEN), a host name <= 255, plus port. */
#define PG_PREFIX_VALUE_MAX_BYTES	320
/* Matching steps allowed per line for a compiled prefix: bounds the
 * backtracking of text escapes on hostile input. */
#define PG_PREFIX_MATCH_BUDGET	256
/* Prefix tokens the heuristics look at. */
#define PG_GUESS_TOKENS_MAX	24

static const struct pg_level_def {
	const char	*name;
	unsigned char	 len;
	signed char	 sev;
	unsigned char	 part;
} pg_levels[] = {
	{ "LOG", 3, SEV_INFO, 0 },
	{ "ERROR", 5, SEV_ERR, 0 },
	{ "FATAL", 5, SEV_CRIT, 0 },
	{ "PANIC", 5, SEV_EMERG, 0 },
	{ "WARNING", 7, SEV_WARNING, 0 },
	{ "NOTICE", 6, SEV_NOTICE, 0 },
	{ "INFO", 4, SEV_INFO, 0 },
	{ "DEBUG", 5, SEV_DEBUG, 0 },
	{ "DEBUG1", 6, SEV_DEBUG, 0 },
	{ "DEBUG2", 6, SEV_DEBUG, 0 },
	{ "DEBUG3", 6, SEV_DEBUG, 0 },
	{ "DEBUG4", 6, SEV_DEBUG, 0 },
	{ "DEBUG5", 6, SEV_DEBUG, 0 },
	{ "DETAIL", 6, SEV_UNKNOWN, 1 },
	{ "HINT", 4, SEV_UNKNOWN, 1 },
	{ "QUERY", 5, SEV_UNKNOWN, 1 },
	{ "CONTEXT", 7, SEV_UNKNOWN, 1 },
	{ "LOCATION", 8, SEV_UNKNOWN, 1 },
	{ "STATEMENT", 9, SEV_UNKNOWN, 1 },
};

static const struct pg_level_def *
level_lookup(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < DW_NELEM(pg_levels); i++)
		if (pg_levels[i].len == n && pg_levels[i].name[0] == p[0] &&
		    memcmp(pg_levels[i].name, p, n) == 0)
			return &pg_levels[i];
	return NULL;
}

static int
is_level_ch(int ch)
{
	return ch_is_upper(ch) || ch_is_digit(ch);
}

size_t
pg_mark_at(const char *p, const char *end, struct dw_str *level)
{
	const char	*q = p;
	size_t		 n;

	while (q < end && is_level_ch(*q) && q - p <= PG_LEVEL_MAX_BYTES)
		q++;
	n = (size_t)(q - p);
	if (n < 3 || n > PG_LEVEL_MAX_BYTES || end - q < 3 ||
	    memcmp(q, ":  ", 3) != 0 || level_lookup(p, n) == NULL)
		return 0;
	*level = dw_str_make(p, n);
	return n + 3;
}

const char *
pg_mark_find(const char *p, const char *end, struct dw_str *level)
{
	const char	*lim, *h, *ws, *from = p;

	/* The mark must start within the scan window; its ":  " may end
	 * up to a LEVEL word further. */
	lim = end;
	if ((size_t)(end - p) > PG_PREFIX_SCAN_MAX_BYTES + PG_LEVEL_MAX_BYTES +
	    3)
		lim = p + PG_PREFIX_SCAN_MAX_BYTES + PG_LEVEL_MAX_BYTES + 3;
	while (from < lim) {
		h = memmem(from, (size_t)(lim - from), ":  ", 3);
		if (h == NULL)
			return NULL;
		ws = h;
		while (ws > p && h - ws < PG_LEVEL_MAX_BYTES &&
		    is_level_ch(ws[-1]))
			ws--;
		if (h - ws >= 3 && (ws == p || !ch_is_alnum(ws[-1])) &&
		    pg_mark_at(ws, end, level) == (size_t)(h - ws) + 3)
			return ws;
		from = h + 1;
	}
	return NULL;
}

int
pg_level_severity(struct dw_str level)
{
	const struct pg_level_def	*d;

	if (level.len == 0)
		return SEV_UNKNOWN;
	d = level_lookup(level.p, level.len);
	return d == NULL ? SEV_UNKNOWN : d->sev;
}

int
pg_level_is_part(struct dw_str level)
{
	const struct pg_level_def	*d;

	if (level.len == 0)
		return 0;
	d = level_lookup(level.p, level.len);
	return d != NULL && d->part;
}

int
pg_is_sqlstate(const char *p, size_t n)
{
	size_t	i;

	if (n != 5)
		return 0;
	for (i = 0; i < n; i++)
		if (!ch_is_digit(p[i]) && !ch_is_upper(p[i]))
			return 0;
	return 1;
}

void
pg_commit(struct log_record *rec, const char *mark, const char *end,
    struct dw_str level, const struct pg_fields *f)
{
	const char	*v = mark + level.len + 3;
	int		 sev = pg_level_severity(level);

	rec->kind = KIND_PG;
	rec->message = dw_str_make(mark, (size_t)(end - mark));
	rec->pg_level = level;
	if (sev != SEV_UNKNOWN)
		rec->severity = sev;
	if (f != NULL) {
		if (f->ts != DW_MS_NONE)
			rec->ts = f->ts;
		if (f->pid.len > 0)
			rec->pg_pid = f->pid;
		if (f->user.len > 0)
			rec->pg_user = f->user;
		if (f->database.len > 0)
			rec->pg_database = f->database;
		if (f->application.len > 0)
			rec->pg_application = f->application;
		if (f->sqlstate.len > 0)
			rec->sqlstate = f->sqlstate;
	}
	/* log_error_verbosity = verbose: "ERROR:  40P01: deadlock ..." */
	if (rec->sqlstate.len == 0 && end - v >= 7 && pg_is_sqlstate(v, 5) &&
	    v[5] == ':' && v[6] == ' ')
		rec->sqlstate = dw_str_make(v, 5);
}

static void
fields_init(struct pg_fields *f)
{
	memset(f, 0, sizeof(*f));
	f->ts = DW_MS_NONE;
}

static struct dw_str
trim_sp(const char *p, const char *q)
{
	while (p < q && *p == ' ')
		p++;
	while (q > p && q[-1] == ' ')
		q--;
	return dw_str_make(p, (size_t)(q - p));
}

/* After a timestamp whose zone was not recognised: skip " WORD" when it
 * looks like a zone (letters, digits, + - :) and is not a LEVEL mark. */
static const char *
skip_zone_word(const char *p, const char *end)
{
	const char	*q;
	struct dw_str	 lv;

	if (end - p < 2 || *p != ' ' ||
	    !(ch_is_alpha(p[1]) || p[1] == '+' || p[1] == '-'))
		return p;
	if (pg_mark_at(p + 1, end, &lv) > 0)
		return p;
	q = p + 1;
	while (q < end && q - p <= 8 && (ch_is_alnum(*q) || *q == '+' ||
	    *q == '-' || *q == ':'))
		q++;
	if (q - p > 8 || (q < end && *q != ' '))
		return p;
	return q;
}

/* ---- compiled log_line_prefix ---------------------------------------- */

static int
add_lit(struct pg_prefix *pp, char ch)
{
	int	n = pp->ntokens;

	if (n > 0 && pp->tok[n - 1].esc == 0 &&
	    pp->tok[n - 1].litlen < sizeof(pp->tok[n - 1].lit)) {
		pp->tok[n - 1].lit[pp->tok[n - 1].litlen++] = ch;
		return 0;
	}
	if (n == PG_PREFIX_TOKENS_MAX)
		return -1;
	pp->tok[n].esc = 0;
	pp->tok[n].lit[0] = ch;
	pp->tok[n].litlen = 1;
	pp->ntokens++;
	return 0;
}

static int
add_esc(struct pg_prefix *pp, char esc)
{
	if (pp->ntokens == PG_PREFIX_TOKENS_MAX)
		return -1;
	pp->tok[pp->ntokens].esc = esc;
	pp->tok[pp->ntokens].litlen = 0;
	pp->ntokens++;
	return 0;
}

int
pg_prefix_compile(struct pg_prefix *pp, const char *spec, const char **errmsg)
{
	/* PostgreSQL 17 escapes (runtime-config-logging, log_line_prefix). */
	static const char	known[] = "aubdrhLpPtmnisceloqvxQ";
	static const char	toolong[] =
	    "log_line_prefix has more than 32 parts (escapes and literal runs)";
	const char		*s, *dummy;

	if (errmsg == NULL)
		errmsg = &dummy;
	*errmsg = NULL;
	memset(pp, 0, sizeof(*pp));
	if (spec == NULL)
		return 0;
	for (s = spec; *s != '\0'; s++) {
		if (*s != '%') {
			if (add_lit(pp, *s))
				goto toolong;
			continue;
		}
		s++;
		if (*s == '%') {
			if (add_lit(pp, '%'))
				goto toolong;
			continue;
		}
		/* Padding ("%-10u", "%5p") is accepted; values are trimmed. */
		if (*s == '-')
			s++;
		while (ch_is_digit(*s))
			s++;
		if (*s == '\0') {
			*errmsg = "log_line_prefix ends inside a %-escape";
			return -1;
		}
		if (strchr(known, *s) == NULL) {
			*errmsg = "unknown %-escape in log_line_prefix (known: "
			    "%a %u %d %r %h %L %b %p %P %t %m %n %i %e %c %l "
			    "%s %v %x %q %Q %%)";
			return -1;
		}
		if (add_esc(pp, *s))
			goto toolong;
	}
	return 0;
toolong:
	*errmsg = toolong;
	return -1;
}

struct pg_match {
	const struct pg_prefix	*pp;
	const char		*end;
	int			 tz;
	int			 budget;
	struct pg_fields	 f;
	const char		*mark;
	struct dw_str		 level;
};

static int	match_tok(struct pg_match *, int, const char *);

/* Characters an escape with a fixed alphabet may print. */
static int
esc_charset(char esc, int ch)
{
	switch (esc) {
	case 'p':
	case 'P':
	case 'l':
	case 'x':
		return ch_is_digit(ch);
	case 'Q':
		return ch_is_digit(ch) || ch == '-';
	case 'c':
		return ch_is_digit(ch) || (ch >= 'a' && ch <= 'f') || ch == '.';
	case 'v':
		return ch_is_digit(ch) || ch == '/' || ch == '-';
	case 'e':
		return ch_is_digit(ch) || ch_is_upper(ch);
	default:
		return 0;
	}
}

static void
esc_assign(struct pg_match *m, char esc, struct dw_str v)
{
	switch (esc) {
	case 'p':
		m->f.pid = v;
		break;
	case 'u':
		m->f.user = v;
		break;
	case 'd':
		m->f.database = v;
		break;
	case 'a':
		m->f.application = v;
		break;
	case 'e':
		if (pg_is_sqlstate(v.p, v.len))
			m->f.sqlstate = v;
		break;
	default:
		break;
	}
}

/*
 * Match tokens i.. of the prefix at p, then the LEVEL mark. Fields are
 * assigned on the way back out of a successful match only, so a failed
 * alternative (backtracking over %q or a text escape) leaves nothing.
 */
static int
match_tok(struct pg_match *m, int i, const char *p)
{
	const struct pg_prefix	*pp = m->pp;
	const char		*end = m->end, *q, *lim, *from, *send;
	char			 esc;
	size_t			 n;
	dw_ms			 t;
	int			 hz;

	if (--m->budget < 0)
		return -1;
	while (i < pp->ntokens && pp->tok[i].esc == 0) {
		n = pp->tok[i].litlen;
		if ((size_t)(end - p) < n || memcmp(p, pp->tok[i].lit, n) != 0)
			return -1;
		p += n;
		i++;
	}
	if (i == pp->ntokens) {
		if (pg_mark_at(p, end, &m->level) == 0)
			return -1;
		m->mark = p;
		return 0;
	}
	esc = pp->tok[i].esc;
	switch (esc) {
	case 'q':
		/* Non-session processes stop the prefix here. */
		if (pg_mark_at(p, end, &m->level) > 0) {
			m->mark = p;
			return 0;
		}
		return match_tok(m, i + 1, p);
	case 'm':
	case 't':
	case 's':
		n = parse_time_iso(dw_str_make(p, (size_t)(end - p)), &t,
		    m->tz, &hz);
		if (n == 0)
			return -1;
		q = hz ? p + n : skip_zone_word(p + n, end);
		if (match_tok(m, i + 1, q))
			return -1;
		if (esc != 's')
			m->f.ts = t;
		return 0;
	case 'n':
		n = parse_time_epoch(dw_str_make(p, (size_t)(end - p)), &t);
		if (n == 0 || match_tok(m, i + 1, p + n))
			return -1;
		m->f.ts = t;
		return 0;
	case 'p':
	case 'P':
	case 'l':
	case 'x':
	case 'Q':
	case 'c':
	case 'v':
	case 'e':
		from = p;
		while (from < end && *from == ' ')	/* padding */
			from++;
		q = from;
		while (q < end && esc_charset(esc, *q) &&
		    q - from < PG_PREFIX_VALUE_MAX_BYTES)
			q++;
		if (match_tok(m, i + 1, q))
			return -1;
		esc_assign(m, esc, dw_str_make(from, (size_t)(q - from)));
		return 0;
	default:
		break;
	}
	/* Text escapes: the value runs to an occurrence of the next literal;
	 * try each one (shortest first) until the rest matches. */
	lim = end;
	if (end - p > PG_PREFIX_VALUE_MAX_BYTES)
		lim = p + PG_PREFIX_VALUE_MAX_BYTES;
	if (i + 1 < pp->ntokens && pp->tok[i + 1].esc == 0) {
		n = pp->tok[i + 1].litlen;
		send = (size_t)(end - lim) > n ? lim + n : end;
		for (from = p; from <= lim; from = q + 1) {
			q = memmem(from, (size_t)(send - from),
			    pp->tok[i + 1].lit, n);
			if (q == NULL)
				return -1;
			if (match_tok(m, i + 1, q) == 0) {
				esc_assign(m, esc, trim_sp(p, q));
				return 0;
			}
			if (m->budget < 0)
				return -1;
		}
		return -1;
	}
	q = p;
	while (q < lim && *q != ' ')
		q++;
	if (match_tok(m, i + 1, q))
		return -1;
	esc_assign(m, esc, trim_sp(p, q));
	return 0;
}

/* ---- heuristics ------------------------------------------------------ */

enum guess_key { GK_NONE, GK_USER, GK_DB, GK_APP, GK_PID, GK_SQLSTATE,
	GK_OTHER };

/* Keys seen in hand-written log_line_prefix settings ("user=%u,db=%d"). */
static const struct {
	const char	*name;
	unsigned char	 len;
	enum guess_key	 key;
} guess_keys[] = {
	{ "user", 4, GK_USER }, { "usr", 3, GK_USER }, { "u", 1, GK_USER },
	{ "username", 8, GK_USER }, { "db", 2, GK_DB },
	{ "database", 8, GK_DB }, { "dbname", 6, GK_DB }, { "d", 1, GK_DB },
	{ "app", 3, GK_APP }, { "appli", 5, GK_APP },
	{ "application", 11, GK_APP }, { "application_name", 16, GK_APP },
	{ "a", 1, GK_APP }, { "pid", 3, GK_PID }, { "p", 1, GK_PID },
	{ "sqlstate", 8, GK_SQLSTATE }, { "sql_error_code", 14, GK_SQLSTATE },
	{ "client", 6, GK_OTHER }, { "host", 4, GK_OTHER },
	{ "remote", 6, GK_OTHER }, { "h", 1, GK_OTHER }, { "r", 1, GK_OTHER },
	{ "session", 7, GK_OTHER }, { "queryid", 7, GK_OTHER },
	{ "tx", 2, GK_OTHER }, { "xid", 3, GK_OTHER },
	{ "vxid", 4, GK_OTHER }, { "line", 4, GK_OTHER },
	{ "c", 1, GK_OTHER }, { "e", 1, GK_SQLSTATE }, { "l", 1, GK_OTHER },
	{ "x", 1, GK_OTHER }, { "v", 1, GK_OTHER }, { "i", 1, GK_OTHER },
	{ "b", 1, GK_OTHER }, { "backend", 7, GK_OTHER },
};

static enum guess_key
guess_key(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < DW_NELEM(guess_keys); i++)
		if (guess_keys[i].len == n && guess_keys[i].name[0] == p[0] &&
		    memcmp(guess_keys[i].name, p, n) == 0)
			return guess_keys[i].key;
	return GK_NONE;
}

/* One "key=value" or "user@db" item of a prefix token. */
static void
guess_item(const char *p, const char *q, struct pg_fields *f)
{
	const char	*eq = memchr(p, '=', (size_t)(q - p)), *at;
	struct dw_str	 v;

	if (eq != NULL) {
		v = dw_str_make(eq + 1, (size_t)(q - eq - 1));
		switch (guess_key(p, (size_t)(eq - p))) {
		case GK_USER:
			f->user = v;
			break;
		case GK_DB:
			f->database = v;
			break;
		case GK_APP:
			f->application = v;
			break;
		case GK_PID:
			if (f->pid.len == 0)
				f->pid = v;
			break;
		case GK_SQLSTATE:
			if (pg_is_sqlstate(v.p, v.len))
				f->sqlstate = v;
			break;
		default:
			break;
		}
		return;
	}
	at = memchr(p, '@', (size_t)(q - p));
	if (at != NULL && f->user.len == 0 && f->database.len == 0) {
		f->user = dw_str_make(p, (size_t)(at - p));
		f->database = dw_str_make(at + 1, (size_t)(q - at - 1));
	}
}

static int
all_digits(const char *p, const char *q)
{
	if (p == q)
		return 0;
	for (; p < q; p++)
		if (!ch_is_digit(*p))
			return 0;
	return 1;
}

/* Read what the common prefixes carry from [p, end) (end = the mark). */
static void
guess_fields(const char *p, const char *end, int tz, struct pg_fields *f)
{
	const char	*q, *r;
	size_t		 n;
	dw_ms		 t;
	int		 hz, ntok;

	for (ntok = 0; ntok < PG_GUESS_TOKENS_MAX; ntok++) {
		while (p < end && (*p == ' ' || *p == '<' || *p == '>' ||
		    *p == ':' || *p == ','))
			p++;
		if (p >= end)
			return;
		if (ch_is_digit(*p) && f->ts == DW_MS_NONE) {
			n = parse_time_iso(dw_str_make(p, (size_t)(end - p)),
			    &t, tz, &hz);
			if (n > 0) {
				f->ts = t;
				p = hz ? p + n : skip_zone_word(p + n, end);
				continue;
			}
			n = parse_time_epoch(dw_str_make(p, (size_t)(end - p)),
			    &t);
			if (n > 0 && (p + n == end || p[n] == ' ')) {
				f->ts = t;
				p += n;
				continue;
			}
		}
		if (*p == '[' || *p == '(') {
			q = memchr(p, *p == '[' ? ']' : ')', (size_t)(end - p));
			if (q == NULL)
				return;
			if (*p == '[' && all_digits(p + 1, q)) {
				if (f->pid.len == 0)
					f->pid = dw_str_make(p + 1,
					    (size_t)(q - p - 1));
			} else if (*p == '[') {
				guess_item(p + 1, q, f);
			}
			p = q + 1;
			continue;
		}
		q = memchr(p, ' ', (size_t)(end - p));
		if (q == NULL)
			q = end;
		if (all_digits(p, q) && f->pid.len == 0 && f->ts != DW_MS_NONE)
			f->pid = dw_str_make(p, (size_t)(q - p));
		else {
			/* "user=a,db=b,app=c" */
			while (p < q) {
				r = memchr(p, ',', (size_t)(q - p));
				if (r == NULL)
					r = q;
				guess_item(p, r, f);
				p = r + 1;
			}
		}
		p = q;
	}
}

/* Does text start the way a log_line_prefix does? Only then is a LEVEL
 * mark further on taken as PostgreSQL's (not an application quoting
 * "FATAL:  ..." in its own message). */
static int
plausible_start(const char *p, const char *end)
{
	const char	*q, *eq, *w;
	struct dw_str	 lv;
	int		 skipped = 0;

	while (p < end && (*p == ' ' || *p == '<' || *p == '[') &&
	    skipped++ < 3)
		p++;
	if (p >= end)
		return 0;
	if (ch_is_digit(*p) || pg_mark_at(p, end, &lv) > 0)
		return 1;
	q = p;
	while (q < end && q - p < 64 && *q != ' ')
		q++;
	w = q;
	eq = memchr(p, '=', (size_t)(w - p));
	if (eq != NULL) {
		q = memchr(p, ',', (size_t)(eq - p));
		return q == NULL && guess_key(p, (size_t)(eq - p)) != GK_NONE;
	}
	/* "user@db LEVEL:  " */
	return memchr(p, '@', (size_t)(w - p)) != NULL && w < end &&
	    memchr(p, ':', (size_t)(w - p)) == NULL;
}

int
parse_postgres_text(struct log_record *rec, struct dw_str text,
    const struct parse_conf *conf, enum pg_accept accept)
{
	const char		*end, *mark;
	struct dw_str		 level;
	struct pg_fields	 f;
	struct pg_match		 m;
	int			 tz = conf != NULL ? conf->default_tz_min : 0;

	if (text.len == 0)
		return -1;
	end = text.p + text.len;
	if (conf != NULL && conf->pg_prefix != NULL &&
	    conf->pg_prefix->ntokens > 0) {
		memset(&m, 0, sizeof(m));
		m.pp = conf->pg_prefix;
		m.end = end;
		m.tz = tz;
		m.budget = PG_PREFIX_MATCH_BUDGET;
		fields_init(&m.f);
		if (match_tok(&m, 0, text.p) == 0) {
			pg_commit(rec, m.mark, end, m.level, &m.f);
			return 0;
		}
	}
	if (accept == PG_ACCEPT_PREFIX && !plausible_start(text.p, end))
		return -1;
	mark = pg_mark_find(text.p, end, &level);
	if (mark == NULL)
		return -1;
	/*
	 * No log_line_prefix ends in ": " except "%t [%p]: ...": when the
	 * level follows "failed: " or "OperationalError: ", an application
	 * is quoting a server error, not the server writing one.
	 */
	if (accept == PG_ACCEPT_PREFIX && mark - text.p >= 3 &&
	    mark[-1] == ' ' && mark[-2] == ':' && mark[-3] != ']')
		return -1;
	fields_init(&f);
	guess_fields(text.p, mark, tz, &f);
	pg_commit(rec, mark, end, level, &f);
	return 0;
}
