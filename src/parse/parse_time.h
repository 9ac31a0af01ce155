/*
 * parse_time.h - timestamp readers shared by the line parsers (stage 2).
 *
 * All results are milliseconds since the Unix epoch, UTC, computed with
 * our own days-from-civil arithmetic: no timegm(), mktime(), TZ or
 * locale. Each reader looks at the start of its input, returns the
 * number of bytes it consumed (0 = no timestamp there) and never reads
 * past the end. parse_timestamp() (parse.h) tries them all.
 */
#ifndef DW_PARSE_TIME_H
#define DW_PARSE_TIME_H

#include "dw.h"

/*
 * "YYYY-MM-DD[T ]hh:mm:ss[.f{1,9}]" followed by an attached zone (Z,
 * +hh:mm, +hhmm, +hh) or a space and a zone word (UTC, GMT, CET, +03,
 * -0530, ...; see the table in parse_time.c). Without a recognised zone
 * default_tz_min applies and *has_zone (may be NULL) is set to 0.
 * Fraction digits past milliseconds are truncated.
 */
size_t	parse_time_iso(struct dw_str s, dw_ms *ms, int default_tz_min,
	    int *has_zone);

/*
 * RFC 3164 "Mmm dd hh:mm:ss" (day space- or zero-padded, optional
 * fraction). The year is not in the stamp: the latest of ref's year and
 * its neighbours that puts the stamp no more than 31 days after ref_ms
 * is used (0 = the wall clock).
 */
size_t	parse_time_rfc3164(struct dw_str s, dw_ms *ms, int default_tz_min,
	    dw_ms ref_ms);

/* PostgreSQL %n: "1700000000.123" (seconds, optional fraction). */
size_t	parse_time_epoch(struct dw_str s, dw_ms *ms);

/* A zone word at the start of s: Z/UTC/GMT/abbreviation/+hh[[:]mm].
 * Returns bytes consumed (0 = not a zone we know), *off_min east. */
size_t	parse_time_zone(struct dw_str s, int *off_min);

/* Civil UTC time to epoch milliseconds, then shifted by off_min east.
 * Fields must already be range-checked. */
dw_ms	parse_time_civil(int year, int mon, int day, int hour, int min,
	    int sec, int msec, int off_min);

/* Current wall-clock time (CLOCK_REALTIME), for year inference. */
dw_ms	parse_time_now(void);

#endif /* DW_PARSE_TIME_H */
