/*
 * test_parse_heroku.c - mirrors src/parse/parse_heroku.c: `heroku logs`
 * CLI lines, Heroku Postgres `[COLOR] [seq-chunk]` chunks with the
 * Heroku prefixes (format 1, format 2, hobby, 2012-era), metrics and
 * parse_logfmt_get(), and parse_message() on a record whose transport
 * was read elsewhere. Lines are from formats.md §1.3, §2.1-§2.4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse/parse.h"

static const struct parse_conf	conf0 = { NULL, 0, 0 };

#define ASSERT_STR(s, lit) do {						\
	if (!dw_str_eq((s), (lit)))					\
		fail_msg("%s: \"%.*s\" != \"%s\"", #s, (int)(s).len,	\
		    (s).p != NULL ? (s).p : "", (lit));			\
} while (0)

static enum parse_rc
parse_cstr(struct log_record *r, const char *s)
{
	return parse_line(r, dw_str_make(s, strlen(s)), &conf0);
}

static void
test_parse_heroku_cli(void **state)
{
	struct log_record	r;

	(void)state;
	assert_int_equal(parse_cstr(&r, "2019-03-14T00:23:00+00:00 app[postgres"
	    ".4849]: [GREEN] [19-1]  sql_error_code = 40P01 ERROR:  deadlock "
	    "detected"), PARSE_OK);
	assert_int_equal(r.format, REC_HEROKU_CLI);
	ASSERT_STR(r.source, "app");
	ASSERT_STR(r.process, "postgres.4849");
	assert_int_equal(r.host.len, 0);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.attachment, "GREEN");
	assert_int_equal(r.chunk_seq, 19);
	assert_int_equal(r.chunk_nr, 1);
	ASSERT_STR(r.sqlstate, "40P01");
	ASSERT_STR(r.pg_level, "ERROR");
	assert_int_equal(r.severity, SEV_ERR);
	ASSERT_STR(r.message, "ERROR:  deadlock detected");
	/* router */
	assert_int_equal(parse_cstr(&r, "2018-04-10T03:30:53.848866+00:00 "
	    "heroku[router]: at=error code=H12 desc=\"Request timeout\""),
	    PARSE_OK);
	assert_int_equal(r.format, REC_HEROKU_CLI);
	ASSERT_STR(r.source, "heroku");
	ASSERT_STR(r.process, "router");
	assert_int_equal(r.kind, KIND_TEXT);
	ASSERT_STR(r.message, "at=error code=H12 desc=\"Request timeout\"");
	/* a tool that keeps the drain token and drops the colon */
	assert_int_equal(parse_cstr(&r, "2021-09-07T04:01:27+00:00 d.af28b93f "
	    "app[postgres.5925] [AQUA] [921320-2]         ("), PARSE_OK);
	assert_int_equal(r.format, REC_HEROKU_CLI);
	ASSERT_STR(r.host, "d.af28b93f");
	ASSERT_STR(r.process, "postgres.5925");
	assert_int_equal(r.kind, KIND_PG_CHUNK);
	ASSERT_STR(r.message, "        (");
	/* empty message */
	assert_int_equal(parse_cstr(&r, "2024-01-01T00:00:00Z app[web.1]:"),
	    PARSE_OK);
	assert_int_equal(r.format, REC_HEROKU_CLI);
	assert_int_equal(r.message.len, 0);
	/* not CLI: no tag, or a space instead of 'T' */
	assert_int_equal(parse_cstr(&r, "2024-01-01T00:00:00Z hello world"),
	    PARSE_OK);
	assert_int_equal(r.format, REC_PLAIN);
	assert_int_equal(parse_cstr(&r, "2024-01-01T00:00:00Z app[web.1]x: y"),
	    PARSE_OK);
	assert_int_equal(r.format, REC_PLAIN);
	assert_int_equal(parse_cstr(&r, "2024-01-01T00:00:00Z app[]: y"),
	    PARSE_OK);
	assert_int_equal(r.format, REC_PLAIN);
}

static void
test_parse_heroku_chunks(void **state)
{
	struct log_record	r;

	(void)state;
	/* continuation: TAB text, no prefix */
	assert_int_equal(parse_cstr(&r, "2019-03-14T00:23:00+00:00 app[postgres"
	    ".4849]: [GREEN] [19-3] \tProcess 4821 waits for ShareLock"),
	    PARSE_OK);
	assert_int_equal(r.kind, KIND_PG_CHUNK);
	assert_int_equal(r.chunk_nr, 3);
	ASSERT_STR(r.message, "\tProcess 4821 waits for ShareLock");
	assert_int_equal(r.pg_level.len, 0);
	/* DETAIL part: own chunk with the full prefix */
	assert_int_equal(parse_cstr(&r, "2019-03-14T00:23:00+00:00 app[postgres"
	    ".4849]: [GREEN] [19-2]  sql_error_code = 40P01 DETAIL:  Process "
	    "4849 waits"), PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.pg_level, "DETAIL");
	ASSERT_STR(r.message, "DETAIL:  Process 4849 waits");
	/* blank line inside a message: a bare marker */
	assert_int_equal(parse_cstr(&r, "<134>1 2023-06-05T19:40:00+00:00 host "
	    "app postgres.1 - [YELLOW] [13-2]"), PARSE_OK);
	assert_int_equal(r.kind, KIND_PG_CHUNK);
	assert_int_equal(r.message.len, 0);
	/* a continuation split at 900 bytes that quotes a LEVEL mark is
	 * still a continuation */
	assert_int_equal(parse_cstr(&r, "<134>1 2023-06-05T19:40:00+00:00 host "
	    "app postgres.1 - [YELLOW] [13-4] and msg = 'ERROR:  x'"),
	    PARSE_OK);
	assert_int_equal(r.kind, KIND_PG_CHUNK);
	/* ... but chunk 1 without any prefix is still the record head */
	assert_int_equal(parse_cstr(&r, "<134>1 2023-06-05T19:40:00+00:00 host "
	    "app postgres.1 - [YELLOW] [14-1] something odd"), PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.message, "something odd");
	/* big sequence numbers */
	assert_int_equal(parse_cstr(&r, "2021-09-07T04:01:27+00:00 app[postgres"
	    ".5925]: [AQUA] [921320-1]  sql_error_code = 00000 LOG:  x"),
	    PARSE_OK);
	assert_int_equal(r.chunk_seq, 921320);
	/* not chunks */
	assert_int_equal(parse_cstr(&r, "2024-01-01T00:00:00Z app[web.1]: "
	    "[GREEN] [19-0] x"), PARSE_OK);
	assert_int_equal(r.kind, KIND_TEXT);
	assert_int_equal(r.chunk_seq, -1);
	assert_int_equal(parse_cstr(&r, "2024-01-01T00:00:00Z app[web.1]: "
	    "[GREEN] [19-1]x"), PARSE_OK);
	assert_int_equal(r.kind, KIND_TEXT);
	assert_int_equal(parse_cstr(&r, "2024-01-01T00:00:00Z app[web.1]: "
	    "[GREEN] x"), PARSE_OK);
	assert_int_equal(r.kind, KIND_TEXT);
	assert_int_equal(parse_cstr(&r, "2024-01-01T00:00:00Z app[web.1]: "
	    "[GREEN] [1234567890123456789-1] x"), PARSE_OK);
	assert_int_equal(r.kind, KIND_TEXT);
	assert_int_equal(r.attachment.len, 0);
}

static void
test_parse_heroku_prefixes(void **state)
{
	struct log_record	r;

	(void)state;
	/* format 2 (formats.md §2.1, pganalyze "Heroku format") */
	assert_int_equal(parse_cstr(&r, "<134>1 2022-06-02T22:48:20+00:00 host "
	    "app postgres.11666 - [GREEN] [3-1]  sql_error_code = 28000 "
	    "time_ms = \"2022-06-02 22:48:20.807 UTC\" pid=\"11666\" "
	    "proc_start_time=\"2022-06-02 22:48:20 UTC\" session_id=\"62993e"
	    "34.2d92\" vtid=\"6/17007\" tid=\"0\" log_line=\"1\" database=\""
	    "postgres\" connection_source=\"127.0.0.1(36532)\" user=\"postgr"
	    "es\" application_name=\"[unknown]\" FATAL:  no pg_hba.conf entry"),
	    PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.sqlstate, "28000");
	ASSERT_STR(r.pg_pid, "11666");
	ASSERT_STR(r.pg_database, "postgres");
	ASSERT_STR(r.pg_user, "postgres");
	ASSERT_STR(r.pg_application, "[unknown]");
	assert_true(r.ts == 1654210100807LL);	/* from time_ms */
	assert_int_equal(r.severity, SEV_CRIT);
	ASSERT_STR(r.message, "FATAL:  no pg_hba.conf entry");
	/* format 1, constructed 53300 (formats.md §2.1) */
	assert_int_equal(parse_cstr(&r, "<134>1 2024-01-01T00:00:00+00:00 host "
	    "app postgres.1234 - [DATABASE] [7-1]  sql_error_code = 53300 "
	    "FATAL:  too many connections for role \"u1abcdefghij\""),
	    PARSE_OK);
	ASSERT_STR(r.message, "FATAL:  too many connections for role "
	    "\"u1abcdefghij\"");
	ASSERT_STR(r.sqlstate, "53300");
	ASSERT_STR(r.attachment, "DATABASE");
	assert_true(r.ts == 1704067200000LL);	/* transport time */
	/* hobby */
	assert_int_equal(parse_cstr(&r, "2016-01-01T00:00:00+00:00 app[postgres"
	    ".99]: [BLACK] [5-1]  database = d1abc connection_source = "
	    "10.0.0.1(5432) sql_error_code = 53300 FATAL:  too many"),
	    PARSE_OK);
	ASSERT_STR(r.pg_database, "d1abc");
	ASSERT_STR(r.sqlstate, "53300");
	ASSERT_STR(r.message, "FATAL:  too many");
	/* hobby with an empty database */
	assert_int_equal(parse_cstr(&r, "2016-01-01T00:00:00+00:00 app[postgres"
	    ".99]: [BLACK] [5-1]  database =  connection_source = x "
	    "sql_error_code = 00000 LOG:  y"), PARSE_OK);
	assert_int_equal(r.pg_database.len, 0);
	ASSERT_STR(r.pg_level, "LOG");
	/* 2012-era */
	assert_int_equal(parse_cstr(&r, "2012-05-01T10:00:00+00:00 app[postgres"
	    "]: [15521-1]  [CHARCOAL] LOG:  checkpoint starting: time"),
	    PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.attachment, "CHARCOAL");
	ASSERT_STR(r.message, "LOG:  checkpoint starting: time");
	assert_int_equal(parse_cstr(&r, "2012-05-01T10:00:01+00:00 app[postgres"
	    "]: [12-2] u8akd9ajka [BRONZE] DETAIL:  x"), PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.pg_user, "u8akd9ajka");
	ASSERT_STR(r.attachment, "BRONZE");
	ASSERT_STR(r.pg_level, "DETAIL");
	/* a quote inside application_name: the first LEVEL mark is used */
	assert_int_equal(parse_cstr(&r, "2016-01-01T00:00:00+00:00 app[postgres"
	    ".9]: [RED] [5-1]  sql_error_code = 00000 time_ms = \"x\" user=\"u"
	    "\" application_name=\"a \"b\"\" LOG:  z"), PARSE_OK);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.message, "LOG:  z");
	ASSERT_STR(r.sqlstate, "00000");
}

static void
test_parse_heroku_metrics(void **state)
{
	const char		*t7 =
	    "<134>1 2023-06-05T19:27:18+00:00 host app heroku-postgres - "
	    "source=HEROKU_POSTGRESQL_YELLOW addon=postgresql-reticulated-12345"
	    " sample#current_transaction=19028263 sample#db_size=10311979679"
	    "bytes sample#tables=1443 sample#active-connections=11 sample#"
	    "waiting-connections=0";
	struct log_record	r;
	struct dw_str		v;

	(void)state;
	assert_int_equal(parse_cstr(&r, t7), PARSE_OK);
	assert_int_equal(r.kind, KIND_METRICS);
	v = parse_logfmt_get(r.message, "sample#active-connections");
	ASSERT_STR(v, "11");
	v = parse_logfmt_get(r.message, "sample#db_size");
	ASSERT_STR(v, "10311979679bytes");
	v = parse_logfmt_get(r.message, "source");
	ASSERT_STR(v, "HEROKU_POSTGRESQL_YELLOW");
	v = parse_logfmt_get(r.message, "sample#waiting-connections");
	ASSERT_STR(v, "0");
	v = parse_logfmt_get(r.message, "sample#active");
	assert_null(v.p);
	v = parse_logfmt_get(r.message, "sample#nope");
	assert_null(v.p);
	/* runtime metrics (T12, underscores) */
	assert_int_equal(parse_cstr(&r, "<134>1 2023-08-24T10:28:47.153192+00:"
	    "00 host heroku web.1 - source=web.1 dyno=heroku.322071457.63c5abfd"
	    " sample#memory_total=180.43MB sample#memory_quota=512.00MB"),
	    PARSE_OK);
	assert_int_equal(r.kind, KIND_METRICS);
	ASSERT_STR(parse_logfmt_get(r.message, "sample#memory_quota"),
	    "512.00MB");
	/* logfmt: quoted and empty values, bare words */
	v = parse_logfmt_get(DW_STR_LIT("at=error code=H10 desc=\"App "
	    "crashed\" dyno= connect= x status=503"), "desc");
	ASSERT_STR(v, "App crashed");
	v = parse_logfmt_get(DW_STR_LIT("at=error dyno= connect= status=503"),
	    "dyno");
	assert_non_null(v.p);
	assert_int_equal(v.len, 0);
	v = parse_logfmt_get(DW_STR_LIT("a=1 bare status=503"), "status");
	ASSERT_STR(v, "503");
	v = parse_logfmt_get(DW_STR_LIT("k=\"unterminated"), "k");
	ASSERT_STR(v, "unterminated");
	v = parse_logfmt_get(DW_STR_NULL, "k");
	assert_null(v.p);
	/* a router line is not metrics, nor is sample# in the middle */
	assert_int_equal(parse_cstr(&r, "2024-01-01T00:00:00Z heroku[router]: "
	    "at=info path=\"/sample#x=1\""), PARSE_OK);
	assert_int_equal(r.kind, KIND_TEXT);
	/* a bare metrics line (no transport) */
	assert_int_equal(parse_cstr(&r, "source=DATABASE sample#tables=43"),
	    PARSE_OK);
	assert_int_equal(r.kind, KIND_METRICS);
}

static void
test_parse_heroku_parse_message(void **state)
{
	static const char	msg[] =
	    "[YELLOW] [12-1]  sql_error_code = 53300 FATAL:  too many "
	    "connections for role \"u1\"";
	struct log_record	r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ts = 42;
	r.severity = SEV_INFO;
	r.message = DW_STR_LIT(msg);
	r.process = DW_STR_LIT("postgres.1");
	r.attachment = DW_STR_LIT("stale");
	r.chunk_seq = 77;
	parse_message(&r, &conf0);
	assert_int_equal(r.kind, KIND_PG);
	assert_int_equal(r.chunk_seq, 12);
	ASSERT_STR(r.attachment, "YELLOW");
	ASSERT_STR(r.message, "FATAL:  too many connections for role \"u1\"");
	assert_int_equal(r.severity, SEV_CRIT);
	assert_true(r.ts == 42);
	/* the fields it owns are reset for a plain message */
	r.message = DW_STR_LIT("hello");
	parse_message(&r, &conf0);
	assert_int_equal(r.kind, KIND_TEXT);
	assert_int_equal(r.chunk_seq, -1);
	assert_int_equal(r.attachment.len, 0);
	assert_int_equal(r.sqlstate.len, 0);
	/* application text quoting a PostgreSQL error is not a record */
	r.message = DW_STR_LIT("PG::Error: FATAL:  too many connections");
	parse_message(&r, &conf0);
	assert_int_equal(r.kind, KIND_TEXT);
	/* a PostgreSQL stderr line inside a dyno's output is */
	r.message = DW_STR_LIT("2024-01-01 00:00:00.123 UTC [77] FATAL:  x");
	r.ts = DW_MS_NONE;
	parse_message(&r, &conf0);
	assert_int_equal(r.kind, KIND_PG);
	ASSERT_STR(r.pg_pid, "77");
	assert_true(r.ts == 1704067200123LL);
	/* PgBouncer inside a dyno (heroku-buildpack-pgbouncer) */
	r.message = DW_STR_LIT("2024-01-01 00:00:00.000 UTC [9] WARNING C-0x1:"
	    " (nodb)/(nouser)@1.2.3.4:5 pooler error: no more connections "
	    "allowed (max_client_conn)");
	parse_message(&r, &conf0);
	assert_int_equal(r.kind, KIND_TEXT);
	assert_int_equal(r.severity, SEV_WARNING);
	ASSERT_STR(r.pg_database, "(nodb)");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_parse_heroku_cli),
		cmocka_unit_test(test_parse_heroku_chunks),
		cmocka_unit_test(test_parse_heroku_prefixes),
		cmocka_unit_test(test_parse_heroku_metrics),
		cmocka_unit_test(test_parse_heroku_parse_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
