/*
 * parse_time.c - timestamps found in log lines (pipeline stage 2).
 *
 * RFC 3339 (RFC 5424 TIMESTAMP, logplex, `heroku logs`), PostgreSQL
 * %m/%t/%n, PgBouncer and gunicorn "YYYY-MM-DD hh:mm:ss[.fff] ZONE",
 * and RFC 3164 "Mmm dd hh:mm:ss". Epoch arithmetic is Howard Hinnant's
 * days_from_civil (http://howardhinnant.github.io/date_algorithms.html),
 * so results do not depend on TZ, the locale or libc. Nothing here
 * allocates; the only system call is clock_gettime() for RFC 3164 year
 * inference when the caller gives no reference time.
 */
#include <time.h>

#include "parse/cursor.h"
#include "parse/parse.h"
#include "parse/parse_time.h"

#define MS_PER_MIN	(60 * 1000LL)
#define MS_PER_DAY	(86400 * 1000LL)

/* RFC 3164 stamps have no year. Logs describe the past, so the latest
 * year that is not more than this far ahead of the reference time is
 * taken: a month covers sender clock skew and a "Jan  1" line read just
 * before midnight on Dec 31, while "Dec 31" read on Jan 1 is last year. */
#define RFC3164_AHEAD_MAX_MS	(31 * MS_PER_DAY)

/* Longest zone abbreviation we look up ("AKDT", "NZST", "ACST"), bytes. */
#define ZONE_ABBR_MAX	5

/*
 * Zone abbreviations as PostgreSQL (%Z of log_timezone) and PgBouncer
 * print them, minutes east of UTC. Ambiguous ones take their most common
 * meaning in server logs: IST = India (+05:30), CST = US Central (-06:00),
 * BST = British Summer Time. Unknown words are left to the caller
 * (default_tz_min applies).
 */
static const struct zone_abbr {
	char	name[ZONE_ABBR_MAX + 1];
	short	off_min;
} zones[] = {
	{ "UTC", 0 }, { "GMT", 0 }, { "UT", 0 }, { "Z", 0 }, { "WET", 0 },
	{ "WEST", 60 }, { "BST", 60 }, { "IST", 330 }, { "CET", 60 },
	{ "CEST", 120 }, { "MET", 60 }, { "MEST", 120 }, { "WAT", 60 },
	{ "EET", 120 }, { "EEST", 180 }, { "CAT", 120 }, { "SAST", 120 },
	{ "IDT", 180 }, { "MSK", 180 }, { "EAT", 180 }, { "PKT", 300 },
	{ "ICT", 420 }, { "WIB", 420 }, { "HKT", 480 }, { "SGT", 480 },
	{ "AWST", 480 }, { "PHT", 480 }, { "JST", 540 }, { "KST", 540 },
	{ "ACST", 570 }, { "ACDT", 630 }, { "AEST", 600 }, { "AEDT", 660 },
	{ "NZST", 720 }, { "NZDT", 780 }, { "HST", -600 }, { "AKST", -540 },
	{ "AKDT", -480 }, { "PST", -480 }, { "PDT", -420 }, { "MST", -420 },
	{ "MDT", -360 }, { "CST", -360 }, { "CDT", -300 }, { "EST", -300 },
	{ "EDT", -240 }, { "AST", -240 }, { "ADT", -180 }, { "NST", -210 },
	{ "NDT", -150 }, { "BRT", -180 }, { "ART", -180 },
};

static const char	months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const unsigned char	dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Year of an epoch day (inverse of days_from_civil, year only). */
static int
year_from_days(int64_t z)
{
	int64_t		era, y;
	unsigned	doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return (int)(mp >= 10 ? y + 1 : y);
}

dw_ms
parse_time_civil(int year, int mon, int day, int hour, int min, int sec,
    int msec, int off_min)
{
	int64_t	days = days_from_civil(year, mon, day);

	return days * MS_PER_DAY + (int64_t)hour * 3600000 +
	    (int64_t)min * 60000 + (int64_t)sec * 1000 + msec -
	    (int64_t)off_min * MS_PER_MIN;
}

dw_ms
parse_time_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (dw_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "hh:mm:ss" with range checks (60 allowed for leap seconds). */
static int
read_hms(struct cursor *c, int *h, int *mi, int *s)
{
	struct cursor	t = *c;

	if (cur_ndigits(&t, 2, h) || cur_byte(&t, ':') ||
	    cur_ndigits(&t, 2, mi) || cur_byte(&t, ':') ||
	    cur_ndigits(&t, 2, s))
		return -1;
	if (*h > 23 || *mi > 59 || *s > 60)
		return -1;
	*c = t;
	return 0;
}

/* Optional ".f{1,9}": milliseconds (truncated). Never fails. */
static int
read_frac(struct cursor *c)
{
	int	msec = 0, n = 0;

	if (c->end - c->p < 2 || *c->p != '.' || !ch_is_digit(c->p[1]))
		return 0;
	c->p++;
	while (c->p < c->end && ch_is_digit(*c->p) && n < 9) {
		if (n < 3)
			msec = msec * 10 + (*c->p - '0');
		c->p++;
		n++;
	}
	for (; n < 3; n++)
		msec *= 10;
	return msec;
}

/* "+hh", "+hhmm", "+hh:mm" (or '-'); 0 = no offset here. */
static size_t
read_numeric_offset(struct cursor *c, int *off_min)
{
	struct cursor	t = *c;
	int		sign, hh, mm = 0;

	if (cur_byte(&t, '+') == 0)
		sign = 1;
	else if (cur_byte(&t, '-') == 0)
		sign = -1;
	else
		return 0;
	if (cur_ndigits(&t, 2, &hh) || hh > 23)
		return 0;
	if (cur_byte(&t, ':') == 0) {
		if (cur_ndigits(&t, 2, &mm))
			return 0;
	} else if (cur_left(&t) >= 2 && ch_is_digit(t.p[0]) &&
	    ch_is_digit(t.p[1])) {
		(void)cur_ndigits(&t, 2, &mm);
	}
	if (mm > 59)
		return 0;
	/* "+0530x": a number that does not end here is no offset. */
	if (!cur_eof(&t) && ch_is_alnum(*t.p))
		return 0;
	*off_min = sign * (hh * 60 + mm);
	*c = t;
	return 1;
}

size_t
parse_time_zone(struct dw_str s, int *off_min)
{
	struct cursor	c = cur_make(s);
	const char	*q = c.p;
	size_t		 n, i;

	if (cur_eof(&c))
		return 0;
	if (*c.p == '+' || *c.p == '-')
		return read_numeric_offset(&c, off_min) ?
		    (size_t)(c.p - s.p) : 0;
	while (q < c.end && ch_is_upper(*q) && q - c.p <= ZONE_ABBR_MAX)
		q++;
	n = (size_t)(q - c.p);
	if (n == 0 || n > ZONE_ABBR_MAX || (q < c.end && ch_is_alnum(*q)))
		return 0;
	for (i = 0; i < DW_NELEM(zones); i++) {
		if (zones[i].name[0] == c.p[0] && zones[i].name[n] == '\0' &&
		    memcmp(zones[i].name, c.p, n) == 0) {
			*off_min = zones[i].off_min;
			return n;
		}
	}
	return 0;
}

size_t
parse_time_iso(struct dw_str s, dw_ms *ms, int default_tz_min,
    int *has_zone)
{
	struct cursor	c = cur_make(s), z;
	int		y, mo, d, h, mi, sec, msec, off = default_tz_min;
	int		zone = 0;
	size_t		n;

	if (cur_ndigits(&c, 4, &y) || cur_byte(&c, '-') ||
	    cur_ndigits(&c, 2, &mo) || cur_byte(&c, '-') ||
	    cur_ndigits(&c, 2, &d))
		return 0;
	if (cur_eof(&c) || (*c.p != 'T' && *c.p != 't' && *c.p != ' '))
		return 0;
	c.p++;
	if (read_hms(&c, &h, &mi, &sec))
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return 0;
	msec = read_frac(&c);
	if (!cur_eof(&c)) {
		if (*c.p == 'Z' || *c.p == 'z') {
			c.p++;
			off = 0;
			zone = 1;
		} else if (*c.p == '+' || *c.p == '-') {
			zone = (int)read_numeric_offset(&c, &off);
			if (!zone)
				return 0;	/* "12:00:00+9x" is broken */
		} else if (*c.p == ' ') {
			z = c;
			z.p++;
			n = parse_time_zone(dw_str_make(z.p, cur_left(&z)),
			    &off);
			if (n > 0) {
				c.p = z.p + n;
				zone = 1;
			}
		}
	}
	if (has_zone != NULL)
		*has_zone = zone;
	*ms = parse_time_civil(y, mo, d, h, mi, sec, msec, off);
	return (size_t)(c.p - s.p);
}

size_t
parse_time_rfc3164(struct dw_str s, dw_ms *ms, int default_tz_min,
    dw_ms ref_ms)
{
	struct cursor	c = cur_make(s);
	const char	*m;
	int		mo, d, h, mi, sec, msec, y, ry;
	dw_ms		t;

	if (cur_left(&c) < 4 || c.p[3] != ' ')
		return 0;
	for (m = months; *m != '\0'; m += 3)
		if (memcmp(m, c.p, 3) == 0)
			break;
	if (*m == '\0')
		return 0;
	mo = (int)(m - months) / 3 + 1;
	c.p += 4;
	/* Day: " 5", "05" or "5", then a space. */
	if (cur_byte(&c, ' ') == 0) {
		if (cur_ndigits(&c, 1, &d))
			return 0;
	} else if (cur_left(&c) >= 2 && ch_is_digit(c.p[1])) {
		if (cur_ndigits(&c, 2, &d))
			return 0;
	} else if (cur_ndigits(&c, 1, &d))
		return 0;
	if (cur_byte(&c, ' ') || read_hms(&c, &h, &mi, &sec) || d < 1 ||
	    d > 31)
		return 0;
	msec = read_frac(&c);
	if (ref_ms == 0)
		ref_ms = parse_time_now();
	ry = year_from_days(ref_ms / MS_PER_DAY);
	/* The latest year that does not put the stamp further ahead of
	 * the reference than RFC3164_AHEAD_MAX_MS. */
	for (y = ry + 1; y >= ry - 1; y--) {
		if (d > days_in_month(y, mo))
			continue;		/* Feb 29 in a common year */
		t = parse_time_civil(y, mo, d, h, mi, sec, msec,
		    default_tz_min);
		if (t - ref_ms <= RFC3164_AHEAD_MAX_MS) {
			*ms = t;
			return (size_t)(c.p - s.p);
		}
	}
	return 0;
}

size_t
parse_time_epoch(struct dw_str s, dw_ms *ms)
{
	struct cursor	c = cur_make(s);
	int64_t		sec;
	int		msec;

	/* 9-11 digits: 1973..5138, so a pid or a year is not taken. */
	if (cur_uint(&c, 11, &sec) || c.p - s.p < 9)
		return 0;
	msec = read_frac(&c);
	*ms = sec * 1000 + msec;
	return (size_t)(c.p - s.p);
}

size_t
parse_timestamp(struct dw_str s, dw_ms *ms, int default_tz_min)
{
	struct cursor	c = cur_make(s);
	size_t		n;
	dw_ms		t;

	if (cur_eof(&c))
		return 0;
	if (*c.p == '[') {
		/* gunicorn: "[2024-01-01 10:00:00 +0000]" */
		n = parse_time_iso(dw_str_make(c.p + 1, cur_left(&c) - 1), &t,
		    default_tz_min, NULL);
		if (n == 0 || n + 1 >= cur_left(&c) || c.p[n + 1] != ']')
			return 0;
		*ms = t;
		return n + 2;
	}
	if (ch_is_digit(*c.p))
		n = parse_time_iso(s, &t, default_tz_min, NULL);
	else
		n = parse_time_rfc3164(s, &t, default_tz_min, 0);
	if (n > 0)
		*ms = t;
	return n;
}
