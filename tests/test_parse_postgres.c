/*
 * test_parse_postgres.c - mirrors src/parse/parse_postgres.c:
 * pg_prefix_compile(), matching a configured log_line_prefix, the
 * heuristics for the common prefixes, LEVEL marks and severities,
 * verbose SQLSTATE, and text that only quotes a PostgreSQL error.
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
#include "parse/parse_postgres.h"

#define ASSERT_STR(s, lit) do {						\
	if (!dw_str_eq((s), (lit)))					\
		fail_msg("%s: \"%.*s\" != \"%s\"", #s, (int)(s).len,	\
		    (s).p != NULL ? (s).p : "", (lit));			\
} while (0)

static enum parse_rc
parse_with(struct log_record *r, const char *s, const char *prefix)
{
	static struct pg_prefix	pp;
	struct parse_conf	conf;
	const char		*err = NULL;

	memset(&conf, 0, sizeof(conf));
	if (prefix != NULL) {
		if (pg_prefix_compile(&pp, prefix, &err) != 0)
			fail_msg("prefix '%s': %s", prefix, err);
		conf.pg_prefix = &pp;
	}
	return parse_line(r, dw_str_make(s, strlen(s)), &conf);
}

static dw_ms
utc(int y, int mo, int d, int h, int mi, int s)
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

static void
test_parse_postgres_compile(void **state)
{
	struct pg_prefix	pp;
	const char		*err;
	char			 big[200];
	int			 i;

	(void)state;
	assert_int_equal(pg_prefix_compile(&pp, "%m [%p] %q%u@%d ", &err), 0);
	assert_int_equal(pp.ntokens, 9);
	assert_int_equal(pp.tok[0].esc, 'm');
	assert_int_equal(pp.tok[1].esc, 0);
	assert_int_equal(pp.tok[1].litlen, 2);
	assert_memory_equal(pp.tok[1].lit, " [", 2);
	assert_int_equal(pp.tok[4].esc, 'q');
	assert_int_equal(pp.tok[5].esc, 'u');
	/* every escape PostgreSQL documents */
	assert_int_equal(pg_prefix_compile(&pp, "%a%u%d%r%h%L%b%p%P%t%m%n%i%e"
	    "%c%l%s%v%x%q%Q%%", &err), 0);
	assert_int_equal(pp.tok[21].esc, 0);	/* %% is a literal '%' */
	assert_int_equal(pp.tok[21].lit[0], '%');
	/* padding is accepted */
	assert_int_equal(pg_prefix_compile(&pp, "%-10u %5p ", &err), 0);
	assert_int_equal(pp.tok[0].esc, 'u');
	assert_int_equal(pp.tok[2].esc, 'p');
	/* long literals are split in 16-byte pieces */
	assert_int_equal(pg_prefix_compile(&pp, "0123456789abcdefXYZ%p", &err),
	    0);
	assert_int_equal(pp.ntokens, 3);
	assert_int_equal(pp.tok[0].litlen, 16);
	assert_int_equal(pp.tok[1].litlen, 3);
	/* empty and NULL specs compile to nothing */
	assert_int_equal(pg_prefix_compile(&pp, "", &err), 0);
	assert_int_equal(pp.ntokens, 0);
	assert_int_equal(pg_prefix_compile(&pp, NULL, NULL), 0);
	/* errors */
	err = NULL;
	assert_int_equal(pg_prefix_compile(&pp, "%m %z ", &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, "unknown"));
	err = NULL;
	assert_int_equal(pg_prefix_compile(&pp, "%m %", &err), -1);
	assert_non_null(err);
	assert_int_equal(pg_prefix_compile(&pp, "%-10", NULL), -1);
	for (i = 0; i < 66; i += 2) {
		big[i] = '%';
		big[i + 1] = 'p';
	}
	big[66] = '\0';			/* 33 escapes */
	err = NULL;
	assert_int_equal(pg_prefix_compile(&pp, big, &err), -1);
	assert_non_null(strstr(err, "32"));
	big[64] = '\0';			/* 32 escapes fit */
	assert_int_equal(pg_prefix_compile(&pp, big, &err), 0);
}

static void
test_parse_postgres_configured(void **state)
{
	struct log_record	r;

	(void)state;
	/* default '%m [%p] ' */
	assert_int_equal(parse_with(&r, "2025-07-02 23:09:57.285 GMT [1152835] "
	    "FATAL:  sorry, too many clients already", "%m [%p] "), PARSE_OK);
	assert_int_equal(r.format, REC_POSTGRES);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.pg_pid, "1152835");
	ASSERT_STR(r.pg_level, "FATAL");
	assert_int_equal(r.severity, SEV_CRIT);
	assert_true(r.ts == utc(2025, 7, 2, 23, 9, 57) + 285);
	ASSERT_STR(r.message, "FATAL:  sorry, too many clients already");
	/* Debian '%m [%p] %q%u@%d ': session and non-session */
	assert_int_equal(parse_with(&r, "2024-05-01 10:00:00.123 UTC [42] "
	    "app@appdb FATAL:  too many connections for role \"app\"",
	    "%m [%p] %q%u@%d "), PARSE_OK);
	ASSERT_STR(r.pg_user, "app");
	ASSERT_STR(r.pg_database, "appdb");
	assert_int_equal(parse_with(&r, "2024-05-01 10:00:00.123 UTC [43] "
	    "LOG:  checkpoint starting: time", "%m [%p] %q%u@%d "), PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.pg_pid, "43");
	assert_int_equal(r.pg_user.len, 0);
	/* empty user and database in a session line */
	assert_int_equal(parse_with(&r, "2024-05-01 10:00:00.123 UTC [44] "
	    "@ LOG:  connection received", "%m [%p] %q%u@%d "), PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	assert_int_equal(r.pg_user.len + r.pg_database.len, 0);
	/* '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ' */
	assert_int_equal(parse_with(&r, "2024-05-01 12:00:00 CEST [130096]: "
	    "[247-1] user=usr6,db=progdb,app=psql 16,client=10.0.0.1 "
	    "LOG:  duration: 778.166 ms", "%t [%p]: [%l-1] user=%u,db=%d,"
	    "app=%a,client=%h "), PARSE_OK);
	ASSERT_STR(r.pg_pid, "130096");
	ASSERT_STR(r.pg_user, "usr6");
	ASSERT_STR(r.pg_database, "progdb");
	ASSERT_STR(r.pg_application, "psql 16");	/* with a space */
	assert_true(r.ts == utc(2024, 5, 1, 10, 0, 0));
	/* 'user=%u,db=%d ' */
	assert_int_equal(parse_with(&r, "user=app,db=appdb ERROR:  boom",
	    "user=%u,db=%d "), PARSE_OK);
	ASSERT_STR(r.pg_user, "app");
	ASSERT_STR(r.pg_level, "ERROR");
	/* %n, %e, %c, %v, %x, %i, %b, %Q, %l */
	assert_int_equal(parse_with(&r, "1714557600.123 [7] 53300 "
	    "6632a5e0.1e2 3/17 0 idle in transaction client backend -8112313845"
	    "396740087 5 FATAL:  too many connections", "%n [%p] %e %c %v %x "
	    "%i %b %Q %l "), PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.sqlstate, "53300");
	assert_true(r.ts == utc(2024, 5, 1, 10, 0, 0) + 123);
	/* padded escapes */
	assert_int_equal(parse_with(&r, "2024-05-01 10:00:00 UTC [   42] "
	    "app       @appdb LOG:  x", "%t [%5p] %-10u@%d "), PARSE_OK);
	ASSERT_STR(r.pg_pid, "42");
	ASSERT_STR(r.pg_user, "app");
	/* a zone abbreviation PostgreSQL prints and we do not know */
	assert_int_equal(parse_with(&r, "2024-05-01 10:00:00.000 ACWST [42] "
	    "LOG:  x", "%m [%p] "), PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.pg_pid, "42");
	/* the prefix does not match: heuristics still find the record */
	assert_int_equal(parse_with(&r, "2024-05-01 10:00:00.123 UTC [45] "
	    "u@d LOG:  other prefix", "%t %p "), PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.pg_pid, "45");
	ASSERT_STR(r.pg_user, "u");
	/* an '@' far inside the message does not fool %q%u@%d */
	assert_int_equal(parse_with(&r, "2024-05-01 10:00:00.123 UTC [46] "
	    "LOG:  mail to a@b LOG:  x", "%m [%p] %q%u@%d "), PARSE_OK);
	ASSERT_STR(r.message, "LOG:  mail to a@b LOG:  x");
	assert_int_equal(r.pg_user.len, 0);
}

static void
test_parse_postgres_heuristics(void **state)
{
	struct log_record	r;

	(void)state;
	assert_int_equal(parse_with(&r, "2022-02-17 14:45:13.727 UTC [691] "
	    "[queryid=4266247047529477710] postgres@stackoverflow LOG:  "
	    "duration: 25.450 ms  statement: SELECT 1", NULL), PARSE_OK);
	assert_int_equal(r.format, REC_POSTGRES);
	ASSERT_STR(r.pg_pid, "691");
	ASSERT_STR(r.pg_user, "postgres");
	ASSERT_STR(r.pg_database, "stackoverflow");
	assert_true(r.ts == utc(2022, 2, 17, 14, 45, 13) + 727);
	assert_int_equal(parse_with(&r, "2023-03-07 09:06:08 CET [130096]: "
	    "[247-1] [0] usr=usr6,db=progdb,appli=76ae131687c458a8 LOG:  x",
	    NULL), PARSE_OK);
	ASSERT_STR(r.pg_pid, "130096");
	ASSERT_STR(r.pg_user, "usr6");
	ASSERT_STR(r.pg_database, "progdb");
	ASSERT_STR(r.pg_application, "76ae131687c458a8");
	assert_true(r.ts == utc(2023, 3, 7, 8, 6, 8));
	assert_int_equal(parse_with(&r, "user=app,db=appdb LOG:  x", NULL),
	    PARSE_OK);
	ASSERT_STR(r.pg_user, "app");
	ASSERT_STR(r.pg_database, "appdb");
	/* empty prefix ('' was the default before PostgreSQL 10) */
	assert_int_equal(parse_with(&r, "LOG:  database system is ready", NULL),
	    PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	assert_true(r.ts == DW_MS_NONE);
	/* old RHEL '< %m >' */
	assert_int_equal(parse_with(&r, "< 2024-05-01 10:00:00.000 UTC > "
	    "ERROR:  x", NULL), PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	assert_true(r.ts == utc(2024, 5, 1, 10, 0, 0));
	/* '%t %p ' without brackets */
	assert_int_equal(parse_with(&r, "2024-05-01 10:00:00 UTC 4711 "
	    "WARNING:  x", NULL), PARSE_OK);
	ASSERT_STR(r.pg_pid, "4711");
	assert_int_equal(r.severity, SEV_WARNING);
	/* '[%p] ' only */
	assert_int_equal(parse_with(&r, "[4711] HINT:  x", NULL), PARSE_OK);
	ASSERT_STR(r.pg_pid, "4711");
	ASSERT_STR(r.pg_level, "HINT");
	assert_int_equal(r.severity, SEV_UNKNOWN);
}

static void
test_parse_postgres_levels(void **state)
{
	static const struct {
		const char	*line;
		const char	*level;
		int		 sev;
	} cases[] = {
		{ "LOG:  a", "LOG", SEV_INFO },
		{ "INFO:  a", "INFO", SEV_INFO },
		{ "NOTICE:  a", "NOTICE", SEV_NOTICE },
		{ "WARNING:  a", "WARNING", SEV_WARNING },
		{ "ERROR:  a", "ERROR", SEV_ERR },
		{ "FATAL:  a", "FATAL", SEV_CRIT },
		{ "PANIC:  a", "PANIC", SEV_EMERG },
		{ "DEBUG:  a", "DEBUG", SEV_DEBUG },
		{ "DEBUG1:  a", "DEBUG1", SEV_DEBUG },
		{ "DEBUG5:  a", "DEBUG5", SEV_DEBUG },
		{ "DETAIL:  a", "DETAIL", SEV_UNKNOWN },
		{ "HINT:  a", "HINT", SEV_UNKNOWN },
		{ "QUERY:  a", "QUERY", SEV_UNKNOWN },
		{ "CONTEXT:  a", "CONTEXT", SEV_UNKNOWN },
		{ "LOCATION:  a", "LOCATION", SEV_UNKNOWN },
		{ "STATEMENT:  a", "STATEMENT", SEV_UNKNOWN },
		{ "LOG:  ", "LOG", SEV_INFO },
	};
	static const char *const not_pg[] = {
		"LOG: one space",
		"log:  lower case",
		"XLOG:  glued word",
		"DEBUG6:  no such level",
		"FEHLER:  localised",
		"LOG:",
		"LOG: ",
		"2024-05-01 10:00:00 UTC [1] LOG: one space",
		"PG::Error: FATAL:  too many connections for role \"x\"",
		"django.db.utils.OperationalError: connection to server at "
		    "\"h\" (1.2.3.4), port 5432 failed: FATAL:  too many",
		"psycopg2.OperationalError: ERROR:  no more connections",
		"at=info msg=\"ERROR:  x\"",
	};
	struct log_record	r;
	size_t			i;

	(void)state;
	for (i = 0; i < DW_NELEM(cases); i++) {
		assert_int_equal(parse_with(&r, cases[i].line, NULL), PARSE_OK);
		if (r.kind != KIND_PG)
			fail_msg("\"%s\" not KIND_PG", cases[i].line);
		ASSERT_STR(r.pg_level, cases[i].level);
		assert_int_equal(r.severity, cases[i].sev);
		assert_int_equal(pg_level_is_part(r.pg_level),
		    cases[i].sev == SEV_UNKNOWN);
	}
	for (i = 0; i < DW_NELEM(not_pg); i++) {
		assert_int_equal(parse_with(&r, not_pg[i], NULL), PARSE_OK);
		if (r.kind != KIND_TEXT || r.format != REC_PLAIN)
			fail_msg("\"%s\" taken as PostgreSQL", not_pg[i]);
		assert_true(r.message.p == not_pg[i]);
	}
}

static void
test_parse_postgres_sqlstate(void **state)
{
	struct log_record	r;

	(void)state;
	assert_int_equal(parse_with(&r, "2024-05-01 10:00:01.500 UTC [4244] "
	    "ERROR:  40P01: deadlock detected", NULL), PARSE_OK);
	ASSERT_STR(r.sqlstate, "40P01");
	ASSERT_STR(r.message, "ERROR:  40P01: deadlock detected");
	/* not a SQLSTATE */
	assert_int_equal(parse_with(&r, "ERROR:  40P0: x", NULL), PARSE_OK);
	assert_int_equal(r.sqlstate.len, 0);
	assert_int_equal(parse_with(&r, "ERROR:  abcde: x", NULL), PARSE_OK);
	assert_int_equal(r.sqlstate.len, 0);
	/* a prefix %e wins */
	assert_int_equal(parse_with(&r, "53300 FATAL:  08P01: x", "%e "),
	    PARSE_OK);
	ASSERT_STR(r.sqlstate, "53300");
}

/* Long, hostile lines end quickly and stay inside the line. */
static void
test_parse_postgres_hostile(void **state)
{
	struct log_record	r;
	struct parse_conf	conf;
	struct pg_prefix	pp;
	size_t			n = 60000, i;
	char			*b = malloc(n);

	(void)state;
	assert_non_null(b);
	for (i = 0; i < n; i++)
		b[i] = "@ :[1]"[i % 6];
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(pg_prefix_compile(&pp, "%u@%d@%a@%h@%r@%i@%b@%u@%d@"
	    "%a@%h@%r ", NULL), 0);
	conf.pg_prefix = &pp;
	assert_int_equal(parse_line(&r, dw_str_make(b, n), &conf), PARSE_OK);
	assert_int_equal(r.kind, KIND_TEXT);
	memcpy(b + n - 7, "LOG:  x", 7);
	b[0] = '1';
	assert_int_equal(parse_line(&r, dw_str_make(b, n), NULL), PARSE_OK);
	assert_int_equal(r.kind, KIND_TEXT);	/* mark beyond the window */
	memcpy(b + 100, "LOG:  x", 7);
	b[99] = ' ';
	b[98] = ']';		/* a prefix never ends in a bare ": " */
	assert_int_equal(parse_line(&r, dw_str_make(b, n), NULL), PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	assert_true(r.message.p == b + 100);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_parse_postgres_compile),
		cmocka_unit_test(test_parse_postgres_configured),
		cmocka_unit_test(test_parse_postgres_heuristics),
		cmocka_unit_test(test_parse_postgres_levels),
		cmocka_unit_test(test_parse_postgres_sqlstate),
		cmocka_unit_test(test_parse_postgres_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
