/*
 * parse_app.h - PgBouncer and gunicorn log lines (pipeline stage 2).
 *
 * Both readers look at a line or at the message of a syslog / Heroku
 * record and report what they found in a struct app_line; the caller
 * decides which record fields to take. Slices point into the input;
 * nothing allocates.
 */
#ifndef DW_PARSE_APP_H
#define DW_PARSE_APP_H

#include "parse/parse.h"

struct app_line {
	dw_ms		ts;
	int		severity;	/* enum rec_severity */
	struct dw_str	pid;
	struct dw_str	level;		/* "LOG", "ERROR", "CRITICAL" */
	struct dw_str	message;	/* after the level */
	struct dw_str	user;		/* PgBouncer `C-0x..: db/user@host` */
	struct dw_str	database;
};

/* `2023-12-19 03:06:13.586 CET [10384] LOG msg` (1.8+) or
 * `2018-09-12 16:08:54.775 3392 LOG msg` (older): 0 or -1. */
int	parse_pgbouncer(struct dw_str s, struct app_line *, int default_tz_min);

/* `[2024-01-01 10:00:00 +0000] [123] [ERROR] msg`: 0 or -1. */
int	parse_gunicorn(struct dw_str s, struct app_line *, int default_tz_min);

#endif /* DW_PARSE_APP_H */
