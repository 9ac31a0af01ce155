/*
 * parse_app.c - PgBouncer and gunicorn log lines (pipeline stage 2).
 *
 * PgBouncer (pgbouncer/pgbouncer src/util.c log_msg): `TIME ZONE [PID]
 * LEVEL msg` since 1.8, `TIME PID LEVEL msg` before; client and server
 * messages start with the socket prefix `C-0x...: db/user@host:port `
 * (formats.md §2.5). The level is followed by one space and no colon,
 * which keeps it apart from PostgreSQL's `LEVEL:  `. gunicorn's error
 * log (gunicorn/glogging.py, "%(asctime)s [%(process)d] [%(levelname)s]
 * %(message)s" with datefmt "[%Y-%m-%d %H:%M:%S %z]"). Nothing here
 * allocates.
 */
#include "parse/cursor.h"
#include "parse/parse.h"
#include "parse/parse_app.h"
#include "parse/parse_time.h"

/* Digits of a process id (Linux pid_max is at most 4194304). */
#define APP_PID_DIGITS_MAX	10

static const struct app_level {
	const char	*name;
	unsigned char	 len;
	signed char	 sev;
} pgbouncer_levels[] = {
	{ "LOG", 3, SEV_INFO }, { "WARNING", 7, SEV_WARNING },
	{ "ERROR", 5, SEV_ERR }, { "FATAL", 5, SEV_CRIT },
	{ "DEBUG", 5, SEV_DEBUG }, { "NOISE", 5, SEV_DEBUG },
	{ "NOTICE", 6, SEV_NOTICE },
}, gunicorn_levels[] = {
	{ "DEBUG", 5, SEV_DEBUG }, { "INFO", 4, SEV_INFO },
	{ "WARNING", 7, SEV_WARNING }, { "ERROR", 5, SEV_ERR },
	{ "CRITICAL", 8, SEV_CRIT },
};

static int
level_find(const struct app_level *tab, size_t n, struct dw_str w)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (tab[i].len == w.len && memcmp(tab[i].name, w.p, w.len) == 0)
			return tab[i].sev;
	return -2;
}

static int
read_pid(struct cursor *c, struct dw_str *pid)
{
	const char	*w = c->p;

	while (c->p < c->end && ch_is_digit(*c->p) &&
	    c->p - w < APP_PID_DIGITS_MAX)
		c->p++;
	if (c->p == w) {
		c->p = w;
		return -1;
	}
	*pid = cur_since(c, w);
	return 0;
}

/* `C-0x55d0c4a1b2c0: db/user@host:port ` at the start of a message. */
static void
pgbouncer_socket(struct app_line *a)
{
	struct cursor	c = cur_make(a->message);
	struct dw_str	id, db, user;

	if (cur_left(&c) < 5 || (c.p[0] != 'C' && c.p[0] != 'S') ||
	    c.p[1] != '-' || c.p[2] != '0' || c.p[3] != 'x')
		return;
	id = cur_until(&c, ':');
	if (id.len == 0 || cur_lit(&c, ": ", 2))
		return;
	db = cur_until(&c, '/');
	if (memchr(db.p, ' ', db.len) != NULL || cur_byte(&c, '/'))
		return;
	user = cur_until(&c, '@');
	if (memchr(user.p, ' ', user.len) != NULL || cur_byte(&c, '@'))
		return;
	a->database = db;
	a->user = user;
}

int
parse_pgbouncer(struct dw_str s, struct app_line *a, int default_tz_min)
{
	struct cursor	c = cur_make(s);
	struct dw_str	lv;
	size_t		n;
	int		hz, sev;

	memset(a, 0, sizeof(*a));
	n = parse_time_iso(s, &a->ts, default_tz_min, &hz);
	if (n == 0 || n < 19 || s.p[10] != ' ')
		return -1;
	c.p += n;
	if (cur_byte(&c, ' '))
		return -1;
	if (!hz && ch_is_alpha(cur_peek(&c))) {
		/* A zone abbreviation we do not know: skip it. */
		(void)cur_until(&c, ' ');
		if (cur_byte(&c, ' '))
			return -1;
	}
	if (cur_byte(&c, '[') == 0) {
		if (read_pid(&c, &a->pid) || cur_byte(&c, ']'))
			return -1;
	} else if (read_pid(&c, &a->pid))
		return -1;
	if (cur_byte(&c, ' '))
		return -1;
	lv = cur_until(&c, ' ');
	sev = level_find(pgbouncer_levels, DW_NELEM(pgbouncer_levels), lv);
	if (sev == -2 || cur_byte(&c, ' '))
		return -1;
	a->level = lv;
	a->severity = sev;
	a->message = cur_rest(&c);
	pgbouncer_socket(a);
	return 0;
}

int
parse_gunicorn(struct dw_str s, struct app_line *a, int default_tz_min)
{
	struct cursor	c = cur_make(s);
	struct dw_str	lv;
	size_t		n;
	int		sev;

	memset(a, 0, sizeof(*a));
	if (cur_byte(&c, '['))
		return -1;
	n = parse_time_iso(dw_str_make(c.p, cur_left(&c)), &a->ts,
	    default_tz_min, NULL);
	if (n == 0)
		return -1;
	c.p += n;
	if (cur_lit(&c, "] [", 3) || read_pid(&c, &a->pid) ||
	    cur_lit(&c, "] [", 3))
		return -1;
	lv = cur_until(&c, ']');
	sev = level_find(gunicorn_levels, DW_NELEM(gunicorn_levels), lv);
	if (sev == -2 || cur_byte(&c, ']'))
		return -1;
	if (!cur_eof(&c) && cur_byte(&c, ' '))
		return -1;
	a->level = lv;
	a->severity = sev;
	a->message = cur_rest(&c);
	return 0;
}
