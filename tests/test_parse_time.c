/*
 * test_parse_time.c - mirrors src/parse/parse_time.c: RFC 3339, the
 * "YYYY-MM-DD hh:mm:ss[.f] ZONE" family, RFC 3164 year inference,
 * epochs, gunicorn brackets, and the days-from-civil arithmetic checked
 * against libc timegm() as an oracle (tests only).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "parse/parse.h"
#include "parse/parse_time.h"

#define MIN_MS	60000LL
#define H_MS	(60 * MIN_MS)
#define DAY_MS	(24 * H_MS)

/* Epoch ms of a UTC civil time via timegm (the oracle). */
static dw_ms
oracle(int y, int mo, int d, int h, int mi, int s)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (dw_ms)timegm(&tm) * 1000;
}

/* Parse a copy of s held in an exact-size heap block, so that ASan
 * reports any read past its end. */
static size_t
ts_exact(const char *s, dw_ms *ms, int tz)
{
	size_t	n = strlen(s), r;
	char	*b = malloc(n > 0 ? n : 1);

	assert_non_null(b);
	memcpy(b, s, n);
	r = parse_timestamp(dw_str_make(b, n), ms, tz);
	free(b);
	return r;
}

static void
expect_ts(const char *s, size_t want_n, dw_ms want)
{
	dw_ms	ms = 0;
	size_t	n = ts_exact(s, &ms, 0);

	if (n != want_n || ms != want)
		fail_msg("\"%s\": consumed %zu (want %zu), ms %lld (want %lld)",
		    s, n, want_n, (long long)ms, (long long)want);
}

static void
expect_none(const char *s)
{
	dw_ms	ms = 0;

	if (ts_exact(s, &ms, 0) != 0)
		fail_msg("\"%s\" parsed but should not", s);
}

static void
test_parse_time_rfc3339(void **state)
{
	dw_ms	base = oracle(2019, 3, 14, 0, 23, 0);

	(void)state;
	expect_ts("2019-03-14T00:23:00+00:00", 25, base);
	expect_ts("2019-03-14T00:23:00Z", 20, base);
	expect_ts("2019-03-14t00:23:00z", 20, base);
	expect_ts("2019-03-14T00:23:00-00:00", 25, base);
	expect_ts("2019-03-14T02:23:00+02:00 app[web.1]:", 25, base);
	expect_ts("2019-03-13T17:23:00-07:00", 25, base);
	expect_ts("2019-03-14T05:53:00+0530", 24, base);
	expect_ts("2019-03-14T05:53:00+05:30", 25, base);
	expect_ts("2019-03-14T03:23:00+03", 22, base);
	/* 0..9 fraction digits; beyond milliseconds truncated */
	expect_ts("2019-03-14T00:23:00.1Z", 22, base + 100);
	expect_ts("2019-03-14T00:23:00.12Z", 23, base + 120);
	expect_ts("2019-03-14T00:23:00.123Z", 24, base + 123);
	expect_ts("2019-03-14T00:23:00.353034+00:00", 32, base + 353);
	expect_ts("2019-03-14T00:23:00.999999999Z", 30, base + 999);
	/* ".": no digits, not a fraction: stops before it */
	expect_ts("2019-03-14T00:23:00.Z", 19, base);
	/* no zone at all: default offset (0 here) */
	expect_ts("2019-03-14T00:23:00", 19, base);
	/* leap second is accepted */
	expect_ts("2016-12-31T23:59:60Z", 20,
	    oracle(2017, 1, 1, 0, 0, 0));
}

static void
test_parse_time_zone_words(void **state)
{
	dw_ms	base = oracle(2024, 5, 1, 10, 0, 0);

	(void)state;
	expect_ts("2024-05-01 10:00:00 UTC", 23, base);
	expect_ts("2024-05-01 10:00:00 GMT", 23, base);
	expect_ts("2024-05-01 10:00:00 Z", 21, base);
	expect_ts("2024-05-01 11:00:00 CET", 23, base);
	expect_ts("2024-05-01 12:00:00 CEST", 24, base);
	expect_ts("2024-05-01 06:00:00 EDT", 23, base);
	expect_ts("2024-05-01 05:00:00 EST", 23, base);
	expect_ts("2024-05-01 03:00:00 PDT", 23, base);
	expect_ts("2024-05-01 02:00:00 PST", 23, base);
	expect_ts("2024-05-01 13:00:00 MSK", 23, base);
	expect_ts("2024-05-01 19:00:00 JST", 23, base);
	expect_ts("2024-05-01 15:30:00 IST", 23, base);
	expect_ts("2024-05-01 13:00:00 +03", 23, base);
	expect_ts("2024-05-01 06:30:00 -0330", 25, base);
	expect_ts("2024-05-01 06:30:00 -03:30", 26, base);
	expect_ts("2024-05-01 10:00:00.250 UTC [12]", 27, base + 250);
	/* unknown word: not consumed, default offset */
	expect_ts("2024-05-01 10:00:00 ERROR x", 19, base);
	expect_ts("2024-05-01 10:00:00 ACWST", 19, base);
	expect_ts("2024-05-01 10:00:00 3392 LOG", 19, base);
	/* lower case is not a zone */
	expect_ts("2024-05-01 10:00:00 utc", 19, base);
}

static void
test_parse_time_default_tz(void **state)
{
	dw_ms	ms;

	(void)state;
	assert_int_equal(ts_exact("2024-05-01 11:00:00", &ms, 60), 19);
	assert_true(ms == oracle(2024, 5, 1, 10, 0, 0));
	/* an explicit zone wins over the default */
	assert_int_equal(ts_exact("2024-05-01 10:00:00 UTC", &ms, 60), 23);
	assert_true(ms == oracle(2024, 5, 1, 10, 0, 0));
	assert_int_equal(ts_exact("2024-05-01 10:00:00 WHATEVER", &ms, -120),
	    19);
	assert_true(ms == oracle(2024, 5, 1, 12, 0, 0));
}

static void
test_parse_time_invalid(void **state)
{
	(void)state;
	expect_none("");
	expect_none("2");
	expect_none("2024-13-01T00:00:00Z");
	expect_none("2024-00-01T00:00:00Z");
	expect_none("2024-01-32T00:00:00Z");
	expect_none("2023-02-29T00:00:00Z");
	expect_none("2024-04-31 00:00:00");
	expect_none("2024-01-01T24:00:00Z");
	expect_none("2024-01-01T23:60:00Z");
	expect_none("2024-01-01T23:59:61Z");
	expect_none("2024-01-01X00:00:00Z");
	expect_none("2024-1-01T00:00:00Z");
	expect_none("2024-01-01T00:00:00+9");
	expect_none("2024-01-01T00:00:00+24:00");
	expect_none("2024-01-01T00:00:00+05:60");
	expect_none("2024-01-01T00:00:00+0530x");
	expect_none("abcd-01-01T00:00:00Z");
	expect_none("Foo 11 22:14:15");
	/* a valid leap day */
	expect_ts("2024-02-29T00:00:00Z", 20, oracle(2024, 2, 29, 0, 0, 0));
	expect_ts("2000-02-29T00:00:00Z", 20, oracle(2000, 2, 29, 0, 0, 0));
	expect_none("1900-02-29T00:00:00Z");
}

/* Every strict prefix of a valid stamp: never reads past its end and
 * never claims more bytes than it has. */
static void
test_parse_time_prefixes(void **state)
{
	static const char *const stamps[] = {
		"2019-03-14T00:23:00.353034+00:00",
		"2024-05-01 10:00:00.123 CEST",
		"2024-05-01 10:00:00 -03:30",
		"[2024-01-01 10:00:00 +0000]",
		"Feb  5 17:32:18.123",
		"Oct 11 22:14:15",
	};
	size_t	i, k, n, len;
	dw_ms	ms;
	char	*b;

	(void)state;
	for (i = 0; i < DW_NELEM(stamps); i++) {
		len = strlen(stamps[i]);
		for (k = 0; k <= len; k++) {
			b = malloc(k > 0 ? k : 1);
			assert_non_null(b);
			memcpy(b, stamps[i], k);
			n = parse_timestamp(dw_str_make(b, k), &ms, 0);
			assert_true(n <= k);
			free(b);
		}
	}
}

static void
test_parse_time_civil_oracle(void **state)
{
	unsigned	seed = 12345;
	int		i, y, mo, d, h, mi, s;
	static const int	dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	(void)state;
	assert_true(parse_time_civil(1970, 1, 1, 0, 0, 0, 0, 0) == 0);
	assert_true(parse_time_civil(1969, 12, 31, 23, 59, 59, 999, 0) == -1);
	assert_true(parse_time_civil(2000, 3, 1, 0, 0, 0, 0, 0) ==
	    oracle(2000, 3, 1, 0, 0, 0));
	assert_true(parse_time_civil(1900, 1, 1, 0, 0, 0, 0, 0) ==
	    oracle(1900, 1, 1, 0, 0, 0));
	assert_true(parse_time_civil(9999, 12, 31, 23, 59, 59, 0, 0) ==
	    oracle(9999, 12, 31, 23, 59, 59));
	/* an offset east means earlier UTC */
	assert_true(parse_time_civil(2024, 1, 1, 1, 0, 0, 0, 60) ==
	    oracle(2024, 1, 1, 0, 0, 0));
	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245 + 12345;
		y = 1600 + (int)(seed >> 8) % 800;
		seed = seed * 1103515245 + 12345;
		mo = 1 + (int)(seed >> 8) % 12;
		seed = seed * 1103515245 + 12345;
		d = 1 + (int)(seed >> 8) % dim[mo - 1];
		seed = seed * 1103515245 + 12345;
		h = (int)(seed >> 8) % 24;
		mi = (int)(seed >> 12) % 60;
		s = (int)(seed >> 16) % 60;
		if (parse_time_civil(y, mo, d, h, mi, s, 0, 0) !=
		    oracle(y, mo, d, h, mi, s))
			fail_msg("%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h,
			    mi, s);
	}
}

static dw_ms
bsd(const char *s, dw_ms ref, size_t *n)
{
	dw_ms	ms = DW_MS_NONE;

	*n = parse_time_rfc3164(dw_str_make(s, strlen(s)), &ms, 0, ref);
	return ms;
}

static void
test_parse_time_rfc3164_year(void **state)
{
	dw_ms	ref;
	size_t	n;

	(void)state;
	/* Dec 31 read on Jan 1: last year */
	ref = oracle(2025, 1, 1, 0, 0, 5);
	assert_true(bsd("Dec 31 23:59:59 host x", ref, &n) ==
	    oracle(2024, 12, 31, 23, 59, 59));
	assert_int_equal(n, 15);
	/* Jan 1 from a sender slightly ahead, read on Dec 31: next year */
	ref = oracle(2024, 12, 31, 23, 59, 0);
	assert_true(bsd("Jan  1 00:00:01", ref, &n) ==
	    oracle(2025, 1, 1, 0, 0, 1));
	assert_int_equal(n, 15);
	/* within a month ahead stays this year, further goes back */
	ref = oracle(2024, 6, 1, 0, 0, 0);
	assert_true(bsd("Jun  5 10:00:00", ref, &n) ==
	    oracle(2024, 6, 5, 10, 0, 0));
	assert_true(bsd("Aug  5 10:00:00", ref, &n) ==
	    oracle(2023, 8, 5, 10, 0, 0));
	assert_true(bsd("Feb 11 13:15:39", ref, &n) ==
	    oracle(2024, 2, 11, 13, 15, 39));
	/* Feb 29 only exists in leap years */
	ref = oracle(2025, 3, 1, 0, 0, 0);
	assert_true(bsd("Feb 29 12:00:00", ref, &n) ==
	    oracle(2024, 2, 29, 12, 0, 0));
	/* zero-padded and unpadded days, fractions */
	ref = oracle(2024, 6, 1, 0, 0, 0);
	assert_true(bsd("Feb 05 17:32:18", ref, &n) ==
	    oracle(2024, 2, 5, 17, 32, 18));
	assert_true(bsd("Feb 5 17:32:18.250", ref, &n) ==
	    oracle(2024, 2, 5, 17, 32, 18) + 250);
	assert_int_equal(n, 18);
	/* broken */
	(void)bsd("Feb 32 17:32:18", ref, &n);
	assert_int_equal(n, 0);
	(void)bsd("Feb  5 25:32:18", ref, &n);
	assert_int_equal(n, 0);
	(void)bsd("Fex  5 10:00:00", ref, &n);
	assert_int_equal(n, 0);
	(void)bsd("Feb  5 10:00", ref, &n);
	assert_int_equal(n, 0);
	/* the wall clock is the default reference: a stamp of today */
	assert_true(parse_time_rfc3164(dw_str_make("Jan  1 00:00:00", 15),
	    &ref, 0, 0) == 15);
}

static void
test_parse_time_epoch_and_brackets(void **state)
{
	dw_ms	ms;

	(void)state;
	assert_int_equal(parse_time_epoch(dw_str_make("1714557600.123 [1]",
	    18), &ms), 14);
	assert_true(ms == oracle(2024, 5, 1, 10, 0, 0) + 123);
	assert_int_equal(parse_time_epoch(dw_str_make("1714557600 x", 12),
	    &ms), 10);
	/* too short to be an epoch: a pid */
	assert_int_equal(parse_time_epoch(dw_str_make("3392 LOG", 8), &ms), 0);
	expect_ts("[2024-01-01 10:00:00 +0000] [123]", 27,
	    oracle(2024, 1, 1, 10, 0, 0));
	expect_ts("[2024-01-01 11:00:00 +0100]", 27,
	    oracle(2024, 1, 1, 10, 0, 0));
	expect_none("[2024-01-01 10:00:00 +0000");
	expect_none("[x]");
}

static void
test_parse_time_zone_table(void **state)
{
	int	off = 12345;

	(void)state;
	assert_int_equal(parse_time_zone(dw_str_make("CEST x", 6), &off), 4);
	assert_int_equal(off, 120);
	assert_int_equal(parse_time_zone(dw_str_make("NZDT", 4), &off), 4);
	assert_int_equal(off, 780);
	assert_int_equal(parse_time_zone(dw_str_make("-05", 3), &off), 3);
	assert_int_equal(off, -300);
	assert_int_equal(parse_time_zone(dw_str_make("CESTX", 5), &off), 0);
	assert_int_equal(parse_time_zone(dw_str_make("CES", 3), &off), 0);
	assert_int_equal(parse_time_zone(dw_str_make("", 0), &off), 0);
	assert_int_equal(parse_time_zone(dw_str_make("ABCDEFGH", 8), &off), 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_parse_time_rfc3339),
		cmocka_unit_test(test_parse_time_zone_words),
		cmocka_unit_test(test_parse_time_default_tz),
		cmocka_unit_test(test_parse_time_invalid),
		cmocka_unit_test(test_parse_time_prefixes),
		cmocka_unit_test(test_parse_time_civil_oracle),
		cmocka_unit_test(test_parse_time_rfc3164_year),
		cmocka_unit_test(test_parse_time_epoch_and_brackets),
		cmocka_unit_test(test_parse_time_zone_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
