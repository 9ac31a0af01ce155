/*
 * parse_syslog.c - RFC 5424, Heroku logplex and RFC 3164 lines
 * (pipeline stage 2).
 *
 * RFC 5424 §6: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP
 * PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]. Heroku HTTPS drains
 * (application/logplex-1) send no STRUCTURED-DATA at all, not even "-"
 * (heroku/logplex doc/README.http_drains.md; formats.md §1.2), so after
 * MSGID the next token is taken as SD only when it is "-" or a complete
 * SD that a message is unlikely to start with: at least one
 * PARAM="value" or an enterprise SD-ID (`name@12345`). `[YELLOW] [12-1]`
 * and `[GIN]` are thus messages (REC_LOGPLEX). RFC 3164 §4.1 lines may
 * lack HOSTNAME (local sockets) or use an RFC 3339 stamp (rsyslog).
 * Nothing here allocates.
 */
#include "parse/cursor.h"
#include "parse/parse.h"
#include "parse/parse_syslog.h"
#include "parse/parse_time.h"

/* RFC 5424 §6.3.2: SD-NAME is 1*32 PRINTUSASCII except = SP ] ". */
#define SD_NAME_MAX_BYTES	32
/* Largest PRI: facility 23 * 8 + severity 7 (RFC 5424 §6.2.1). */
#define SYSLOG_PRI_MAX		191

enum sd_result { SD_NONE, SD_OK, SD_BAD };

static int
sd_name_ch(int ch)
{
	return ch >= 33 && ch <= 126 && ch != '=' && ch != ']' && ch != '"';
}

/*
 * STRUCTURED-DATA at p. SD_OK sets *after to the byte after it (SP or
 * end). SD_BAD: a PARAM="..." was started, so this promised to be SD,
 * and then broke. SD_NONE: not SD, read it as message.
 */
static enum sd_result
sd_parse(const char *p, const char *end, const char **after)
{
	const char	*q = p, *w;
	int		 params = 0, enterprise = 0, committed = 0;

	while (q < end && *q == '[') {
		q++;
		w = q;
		while (q < end && sd_name_ch(*q) && q - w < SD_NAME_MAX_BYTES)
			q++;
		if (q == w)
			goto fail;
		if (memchr(w, '@', (size_t)(q - w)) != NULL)
			enterprise = 1;
		for (;;) {
			if (q < end && *q == ']') {
				q++;
				break;
			}
			if (q >= end || *q != ' ')
				goto fail;
			q++;
			w = q;
			while (q < end && sd_name_ch(*q) &&
			    q - w < SD_NAME_MAX_BYTES)
				q++;
			if (q == w || end - q < 2 || q[0] != '=' || q[1] != '"')
				goto fail;
			q += 2;
			committed = 1;
			while (q < end && *q != '"')
				q += (*q == '\\' && end - q >= 2) ? 2 : 1;
			if (q >= end)
				goto fail;
			q++;
			params++;
		}
	}
	if (q < end && *q != ' ')
		goto fail;
	if (params == 0 && !enterprise)
		return SD_NONE;
	*after = q;
	return SD_OK;
fail:
	return committed ? SD_BAD : SD_NONE;
}

/* A header field up to the next SP; "-" (NILVALUE) becomes empty. The
 * SP is consumed. -1 if the line ends first. */
static int
field(struct cursor *c, struct dw_str *out)
{
	struct dw_str	s = cur_until(c, ' ');

	if (cur_byte(c, ' '))
		return -1;
	*out = (s.len == 1 && s.p[0] == '-') ? DW_STR_NULL : s;
	return 0;
}

static struct dw_str
strip_bom(struct dw_str s)
{
	if (s.len >= 3 && memcmp(s.p, "\xEF\xBB\xBF", 3) == 0) {
		s.p += 3;
		s.len -= 3;
	}
	return s;
}

static enum parse_rc
rfc5424(struct log_record *rec, struct cursor c, const struct parse_conf *conf)
{
	struct dw_str	msgid, rest;
	const char	*after;
	size_t		n;
	dw_ms		t;

	if (cur_byte(&c, ' '))
		return cur_eof(&c) ? PARSE_TRUNCATED : PARSE_BAD_VERSION;
	if (memchr(c.p, ' ', cur_left(&c)) == NULL)
		return PARSE_TRUNCATED;
	if (cur_byte(&c, '-') == 0)
		rec->ts = DW_MS_NONE;
	else {
		n = parse_time_iso(dw_str_make(c.p, cur_left(&c)), &t,
		    conf != NULL ? conf->default_tz_min : 0, NULL);
		if (n == 0)
			return PARSE_BAD_TIME;
		c.p += n;
		rec->ts = t;
	}
	if (cur_peek(&c) != ' ')
		return PARSE_BAD_TIME;
	c.p++;
	if (field(&c, &rec->host) || field(&c, &rec->source) ||
	    field(&c, &rec->process))
		return PARSE_TRUNCATED;
	msgid = cur_until(&c, ' ');
	(void)msgid;
	if (cur_byte(&c, ' ')) {
		/* Line ends after MSGID: no SD, no MSG. */
		rec->format = REC_LOGPLEX;
		rec->message = dw_str_make(c.p, 0);
		return PARSE_OK;
	}
	rest = dw_str_make(c.p, cur_left(&c));
	if (rest.len >= 1 && rest.p[0] == '-' &&
	    (rest.len == 1 || rest.p[1] == ' ')) {
		rec->format = REC_RFC5424;
		c.p += rest.len == 1 ? 1 : 2;
		rec->message = strip_bom(cur_rest(&c));
		return PARSE_OK;
	}
	if (rest.len >= 1 && rest.p[0] == '[') {
		switch (sd_parse(c.p, c.end, &after)) {
		case SD_OK:
			rec->format = REC_RFC5424;
			c.p = after < c.end ? after + 1 : after;
			rec->message = strip_bom(cur_rest(&c));
			return PARSE_OK;
		case SD_BAD:
			return PARSE_BAD_SD;
		case SD_NONE:
			break;
		}
	}
	rec->format = REC_LOGPLEX;
	rec->message = strip_bom(rest);
	return PARSE_OK;
}

/* `NAME[PID]:`, `NAME[PID]` or `NAME:` filling a word. */
static int
tag_word(struct dw_str w, struct dw_str *src, struct dw_str *proc)
{
	const char	*lb, *rb, *end = w.p + w.len;

	if (w.len < 2)
		return -1;
	lb = memchr(w.p, '[', w.len);
	if (lb != NULL) {
		rb = memchr(lb, ']', (size_t)(end - lb));
		if (lb == w.p || rb == NULL ||
		    !(rb + 1 == end || (rb + 2 == end && rb[1] == ':')))
			return -1;
		*src = dw_str_make(w.p, (size_t)(lb - w.p));
		*proc = dw_str_make(lb + 1, (size_t)(rb - lb - 1));
		return 0;
	}
	if (end[-1] != ':')
		return -1;
	*src = dw_str_make(w.p, w.len - 1);
	*proc = DW_STR_NULL;
	return 0;
}

/* After the timestamp: [HOSTNAME SP] [TAG SP] MSG. */
static void
bsd_header(struct log_record *rec, struct cursor c, int have_time)
{
	struct cursor	t;
	struct dw_str	w1, w2;

	t = c;
	w1 = cur_until(&t, ' ');
	if (tag_word(w1, &rec->source, &rec->process) == 0) {
		(void)cur_byte(&t, ' ');
		rec->message = cur_rest(&t);
		return;
	}
	if (!have_time || cur_byte(&t, ' ')) {
		rec->message = cur_rest(&c);
		return;
	}
	rec->host = w1;
	c = t;
	w2 = cur_until(&t, ' ');
	if (tag_word(w2, &rec->source, &rec->process) == 0) {
		(void)cur_byte(&t, ' ');
		c = t;
	}
	rec->message = cur_rest(&c);
}

static enum parse_rc
rfc3164(struct log_record *rec, struct cursor c, const struct parse_conf *conf)
{
	int	tz = conf != NULL ? conf->default_tz_min : 0;
	size_t	n = 0;
	dw_ms	t;

	rec->format = REC_RFC3164;
	if (!cur_eof(&c) && ch_is_digit(*c.p)) {
		n = parse_time_iso(dw_str_make(c.p, cur_left(&c)), &t, tz,
		    NULL);
		if (n == 0)
			return PARSE_BAD_TIME;
	} else if (cur_left(&c) >= 4 && ch_is_upper(c.p[0]) && c.p[3] == ' ') {
		n = parse_time_rfc3164(dw_str_make(c.p, cur_left(&c)), &t, tz,
		    conf != NULL ? conf->year_ref_ms : 0);
		/* "Feb 30 ..." or "Feb 1 25:00:00": a month name then junk. */
		if (n == 0 && memmem("JanFebMarAprMayJunJulAugSepOctNovDec",
		    36, c.p, 3) != NULL)
			return PARSE_BAD_TIME;
	}
	if (n > 0) {
		c.p += n;
		rec->ts = t;
		if (cur_byte(&c, ' '))
			return cur_eof(&c) ? PARSE_TRUNCATED : PARSE_BAD_TIME;
	}
	bsd_header(rec, c, n > 0);
	return PARSE_OK;
}

enum parse_rc
parse_syslog(struct log_record *rec, struct dw_str line,
    const struct parse_conf *conf)
{
	struct cursor	c = cur_make(line), v;
	int64_t		pri, ver;

	if (cur_byte(&c, '<'))
		return PARSE_BAD_PRI;
	if (cur_uint(&c, 3, &pri))
		return cur_eof(&c) ? PARSE_TRUNCATED : PARSE_BAD_PRI;
	if (cur_eof(&c))
		return PARSE_TRUNCATED;
	if (cur_byte(&c, '>') || pri > SYSLOG_PRI_MAX)
		return PARSE_BAD_PRI;
	if (cur_eof(&c))
		return PARSE_TRUNCATED;
	rec->severity = (int)(pri & 7);
	v = c;
	if (cur_uint(&v, 2, &ver) == 0 && (cur_eof(&v) || *v.p == ' ')) {
		if (ver != 1)
			return PARSE_BAD_VERSION;
		return rfc5424(rec, v, conf);
	}
	return rfc3164(rec, c, conf);
}

int
parse_syslog_bsd(struct log_record *rec, struct dw_str line,
    const struct parse_conf *conf)
{
	struct cursor	c = cur_make(line);
	size_t		n;
	dw_ms		t;

	n = parse_time_rfc3164(line, &t, conf != NULL ?
	    conf->default_tz_min : 0, conf != NULL ? conf->year_ref_ms : 0);
	if (n == 0 || n >= line.len || line.p[n] != ' ')
		return -1;
	c.p += n + 1;
	rec->format = REC_RFC3164;
	rec->ts = t;
	bsd_header(rec, c, 1);
	return 0;
}
