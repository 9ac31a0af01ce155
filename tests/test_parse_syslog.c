/*
 * test_parse_syslog.c - mirrors src/parse/parse_syslog.c (through
 * parse_line(), which dispatches <PRI> lines to it): the logplex
 * vectors T1-T14 of formats.md §1.10, RFC 5424 STRUCTURED-DATA
 * detection, RFC 3164, broken headers, and robustness (every prefix of
 * every vector, and mutated lines, parsed from exact-size heap copies
 * so that ASan sees any read past the end).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logplex_vectors.h"
#include "parse/parse.h"

static const struct parse_conf	conf0 = { NULL, 0, 1717200000000LL };

static int
eq(struct dw_str s, const char *lit)
{
	return dw_str_eq(s, lit);
}

#define ASSERT_STR(s, lit) do {						\
	if (!eq((s), (lit)))						\
		fail_msg("%s: \"%.*s\" != \"%s\"", #s, (int)(s).len,	\
		    (s).p != NULL ? (s).p : "", (lit));			\
} while (0)

/* Is every slice of r inside [p, p+n)? */
static void
assert_slices_inside(const struct log_record *r, const char *p, size_t n)
{
	const struct dw_str	*f[] = { &r->line, &r->message, &r->host,
	    &r->source, &r->process, &r->pg_level, &r->sqlstate, &r->pg_pid,
	    &r->pg_user, &r->pg_database, &r->pg_application, &r->attachment };
	size_t			 i;
	uintptr_t		 lo = (uintptr_t)p, fp;

	for (i = 0; i < DW_NELEM(f); i++) {
		if (f[i]->len == 0)
			continue;
		fp = (uintptr_t)f[i]->p;
		assert_true(fp >= lo && fp - lo <= n &&
		    f[i]->len <= n - (fp - lo));
	}
}

static enum parse_rc
parse_cstr(struct log_record *r, const char *s)
{
	return parse_line(r, dw_str_make(s, strlen(s)), &conf0);
}

static void
test_parse_syslog_logplex_vectors(void **state)
{
	struct log_record	r;
	size_t			i, n;

	(void)state;
	for (i = 0; i < DW_NELEM(logplex_vectors); i++) {
		const struct logplex_vector	*v = &logplex_vectors[i];

		n = v->len;
		if (n > 0 && v->msg[n - 1] == '\n')
			n--;
		assert_int_equal(parse_line(&r, dw_str_make(v->msg, n),
		    &conf0), PARSE_OK);
		/* HTTPS drains: no SD, so all are logplex */
		assert_int_equal(r.format, REC_LOGPLEX);
		assert_true(r.ts != DW_MS_NONE);
		assert_true(r.host.len > 0 && r.source.len > 0 &&
		    r.process.len > 0);
		assert_slices_inside(&r, v->msg, n);
	}
	/* T1 */
	assert_int_equal(parse_line(&r, dw_str_make(logplex_vectors[0].msg,
	    logplex_vectors[0].len - 1), &conf0), PARSE_OK);
	ASSERT_STR(r.host, "host");
	ASSERT_STR(r.source, "erlang");
	ASSERT_STR(r.process, "console");
	ASSERT_STR(r.message, "Hi from erlang");
	assert_int_equal(r.severity, SEV_INFO);
	assert_int_equal(r.kind, KIND_TEXT);
	/* T14b: MSGID "10" is not SD, the rest is MSG */
	assert_int_equal(parse_cstr(&r, "<174>1 2013-07-22T00:06:26-00:00 "
	    "somehost Go console 10 Hi from Py"), PARSE_OK);
	ASSERT_STR(r.message, "Hi from Py");
	assert_int_equal(r.format, REC_LOGPLEX);
	/* T6: "[GIN]" is not structured data */
	assert_int_equal(parse_cstr(&r, "<190>1 2022-06-13T14:52:23.827271+00:"
	    "00 host app web.1 - [GIN] 2022/06/13 - 14:52:23 | 200 |"),
	    PARSE_OK);
	assert_int_equal(r.format, REC_LOGPLEX);
	ASSERT_STR(r.message, "[GIN] 2022/06/13 - 14:52:23 | 200 |");
	/* T10a: L10 is an ordinary heroku/logplex record */
	assert_int_equal(parse_cstr(&r, "<172>1 2014-11-11T08:24:25+00:00 host "
	    "heroku logplex - Error L10 (output buffer overflow): 1 messages "
	    "dropped since 2014-11-07T23:29:45+00:00."), PARSE_OK);
	ASSERT_STR(r.source, "heroku");
	ASSERT_STR(r.process, "logplex");
	assert_int_equal(r.severity, SEV_WARNING);
	assert_int_equal(r.kind, KIND_TEXT);
}

static void
test_parse_syslog_structured_data(void **state)
{
	struct log_record	r;

	(void)state;
	/* syslog-drain style: MSGID and SD both NIL */
	assert_int_equal(parse_cstr(&r, "<134>1 2024-01-01T00:00:00+00:00 "
	    "d.73ea7440 app web.1 - - hello"), PARSE_OK);
	assert_int_equal(r.format, REC_RFC5424);
	ASSERT_STR(r.message, "hello");
	ASSERT_STR(r.host, "d.73ea7440");
	/* real SD with params, escapes and two elements */
	assert_int_equal(parse_cstr(&r, "<165>1 2003-10-11T22:14:15.003Z h "
	    "evntslog - ID47 [exampleSDID@32473 iut=\"3\" x=\"a\\\"b\\]c\"]"
	    "[examplePriority@32473 class=\"high\"] the message"), PARSE_OK);
	assert_int_equal(r.format, REC_RFC5424);
	ASSERT_STR(r.message, "the message");
	assert_int_equal(r.process.len, 0);	/* "-" is NIL */
	/* SD and no MSG */
	assert_int_equal(parse_cstr(&r, "<165>1 2003-10-11T22:14:15.003Z h e "
	    "- ID47 [meta sequenceId=\"1\"]"), PARSE_OK);
	assert_int_equal(r.format, REC_RFC5424);
	assert_int_equal(r.message.len, 0);
	/* an enterprise SD-ID without params is SD */
	assert_int_equal(parse_cstr(&r, "<165>1 2003-10-11T22:14:15Z h e - m "
	    "[origin@32473] msg"), PARSE_OK);
	assert_int_equal(r.format, REC_RFC5424);
	ASSERT_STR(r.message, "msg");
	/* Heroku Postgres chunk marker is not SD */
	assert_int_equal(parse_cstr(&r, "<134>1 2023-06-05T19:33:14+00:00 host "
	    "app postgres.1105947 - [YELLOW] [12-2] \tSELECT"), PARSE_OK);
	assert_int_equal(r.format, REC_LOGPLEX);
	assert_int_equal(r.kind, KIND_PG_CHUNK);
	ASSERT_STR(r.message, "\tSELECT");
	/* parameterless, non-enterprise: a message */
	assert_int_equal(parse_cstr(&r, "<190>1 2024-01-01T00:00:00Z host app "
	    "web.1 - [timeQuality] x"), PARSE_OK);
	assert_int_equal(r.format, REC_LOGPLEX);
	ASSERT_STR(r.message, "[timeQuality] x");
	/* glued to text: a message */
	assert_int_equal(parse_cstr(&r, "<190>1 2024-01-01T00:00:00Z host app "
	    "web.1 - [a k=\"v\"]x"), PARSE_BAD_SD);
	assert_int_equal(parse_cstr(&r, "<190>1 2024-01-01T00:00:00Z host app "
	    "web.1 - [2024-01-01 10:00:00 +0000] [1] [ERROR] boom"), PARSE_OK);
	assert_int_equal(r.format, REC_LOGPLEX);
	assert_int_equal(r.severity, SEV_ERR);	/* gunicorn inside */
	/* UTF-8 BOM before MSG is dropped */
	assert_int_equal(parse_cstr(&r, "<165>1 2003-10-11T22:14:15Z h e - - - "
	    "\xEF\xBB\xBFhi"), PARSE_OK);
	ASSERT_STR(r.message, "hi");
	/* NIL timestamp */
	assert_int_equal(parse_cstr(&r, "<165>1 - h e p - - hi"), PARSE_OK);
	assert_true(r.ts == DW_MS_NONE);
	ASSERT_STR(r.message, "hi");
}

static void
test_parse_syslog_rfc3164(void **state)
{
	struct log_record	r;

	(void)state;
	assert_int_equal(parse_cstr(&r, "<34>Oct 11 22:14:15 mymachine su: "
	    "'su root' failed"), PARSE_OK);
	assert_int_equal(r.format, REC_RFC3164);
	assert_int_equal(r.severity, SEV_CRIT);
	ASSERT_STR(r.host, "mymachine");
	ASSERT_STR(r.source, "su");
	assert_int_equal(r.process.len, 0);
	ASSERT_STR(r.message, "'su root' failed");
	assert_true(r.ts != DW_MS_NONE);
	/* no HOSTNAME (local socket) */
	assert_int_equal(parse_cstr(&r, "<13>Feb  5 17:32:18 myapp[123]: hi"),
	    PARSE_OK);
	assert_int_equal(r.host.len, 0);
	ASSERT_STR(r.source, "myapp");
	ASSERT_STR(r.process, "123");
	ASSERT_STR(r.message, "hi");
	/* host but no tag */
	assert_int_equal(parse_cstr(&r, "<13>Feb  5 17:32:18 host just text"),
	    PARSE_OK);
	ASSERT_STR(r.host, "host");
	ASSERT_STR(r.message, "just text");
	/* PRI-less syslog file line with a PostgreSQL chunk */
	assert_int_equal(parse_cstr(&r, "Feb 11 13:15:39 test-pc postgres"
	    "[10808]: [1-1] db=,user=,app=,client= LOG:  listening"), PARSE_OK);
	assert_int_equal(r.format, REC_RFC3164);
	assert_int_equal(r.severity, SEV_INFO);
	ASSERT_STR(r.host, "test-pc");
	ASSERT_STR(r.source, "postgres");
	ASSERT_STR(r.process, "10808");
	assert_int_equal(r.kind, KIND_PG);
	assert_int_equal(r.chunk_seq, 1);
	assert_int_equal(r.chunk_nr, 1);
	ASSERT_STR(r.message, "LOG:  listening");
	/* an English sentence starting with a month is not syslog */
	assert_int_equal(parse_cstr(&r, "May I have a word"), PARSE_OK);
	assert_int_equal(r.format, REC_PLAIN);
	/* RFC 3339 stamp in a 3164 line (rsyslog) */
	assert_int_equal(parse_cstr(&r, "<13>2024-05-01T10:00:00Z h t: m"),
	    PARSE_OK);
	assert_int_equal(r.format, REC_RFC3164);
	ASSERT_STR(r.source, "t");
	ASSERT_STR(r.message, "m");
}

/* A broken promise: reason returned, record plain with message=line. */
static void
expect_broken(const char *s, enum parse_rc want)
{
	struct log_record	r;
	enum parse_rc		rc = parse_cstr(&r, s);

	if (rc != want)
		fail_msg("\"%s\": %s, want %s", s, parse_rc_name(rc),
		    parse_rc_name(want));
	assert_int_equal(r.format, REC_PLAIN);
	assert_int_equal(r.kind, KIND_TEXT);
	assert_true(r.message.p == s && r.message.len == strlen(s));
	assert_true(r.line.p == s && r.line.len == strlen(s));
	assert_true(r.ts == DW_MS_NONE);
	assert_int_equal(r.host.len + r.source.len + r.process.len, 0);
	assert_int_equal(r.chunk_seq, -1);
}

static void
test_parse_syslog_broken(void **state)
{
	struct log_record	r;

	(void)state;
	expect_broken("<999>1 2024-01-01T00:00:00Z h a p - - m", PARSE_BAD_PRI);
	expect_broken("<192>1 2024-01-01T00:00:00Z h a p - - m", PARSE_BAD_PRI);
	expect_broken("<1000>1 2024-01-01T00:00:00Z h a p - - m",
	    PARSE_BAD_PRI);
	expect_broken("<34x>1 2024-01-01T00:00:00Z h a p - - m",
	    PARSE_BAD_PRI);
	expect_broken("<34", PARSE_TRUNCATED);
	expect_broken("<34>", PARSE_TRUNCATED);
	expect_broken("<34>1", PARSE_TRUNCATED);
	expect_broken("<34>1 ", PARSE_TRUNCATED);
	expect_broken("<34>1 2024-01-01T00:00:00Z", PARSE_TRUNCATED);
	expect_broken("<34>1 2024-01-01T00:00:00Z h", PARSE_TRUNCATED);
	expect_broken("<34>1 2024-01-01T00:00:00Z h a", PARSE_TRUNCATED);
	expect_broken("<34>1 2024-01-01T00:00:00Z h a p", PARSE_TRUNCATED);
	expect_broken("<34>2 2024-01-01T00:00:00Z h a p - - m",
	    PARSE_BAD_VERSION);
	expect_broken("<34>12 2024-01-01T00:00:00Z h a p - - m",
	    PARSE_BAD_VERSION);
	expect_broken("<34>1 2024-13-01T00:00:00Z h a p - - m",
	    PARSE_BAD_TIME);
	expect_broken("<34>1 yesterday h a p - - m", PARSE_BAD_TIME);
	expect_broken("<34>1 2024-01-01T00:00:00Zjunk h a p - - m",
	    PARSE_BAD_TIME);
	expect_broken("<34>1 2024-01-01T00:00:00Z h a p - [m k=\"v",
	    PARSE_BAD_SD);
	expect_broken("<34>1 2024-01-01T00:00:00Z h a p - [m k=\"v\" x",
	    PARSE_BAD_SD);
	expect_broken("<13>Feb 30 10:00:00 h t: m", PARSE_BAD_TIME);
	expect_broken("<13>2024-02-30T10:00:00Z h t: m", PARSE_BAD_TIME);
	expect_broken("<13>Feb  5 17:32:18", PARSE_TRUNCATED);
	/* a '<' without a digit promises nothing */
	assert_int_equal(parse_cstr(&r, "<html>"), PARSE_OK);
	assert_int_equal(r.format, REC_PLAIN);
	/* MSGID and nothing more: an empty message, not an error */
	assert_int_equal(parse_cstr(&r, "<34>1 2024-01-01T00:00:00Z h a p -"),
	    PARSE_OK);
	assert_int_equal(r.message.len, 0);
	assert_int_equal(parse_rc_name(PARSE_BAD_PRI)[0], 'b');
	assert_string_equal(parse_rc_name(PARSE_BAD_SD), "bad_sd");
	assert_string_equal(parse_rc_name(PARSE_RC_COUNT), "unknown");
	assert_string_equal(rec_format_name(REC_LOGPLEX), "logplex");
	assert_string_equal(rec_format_name(REC_HEROKU_CLI), "heroku_cli");
	assert_string_equal(rec_format_name(REC_FORMAT_COUNT), "unknown");
}

/* Parse every prefix of s from an exact-size heap copy. */
static void
all_prefixes(const char *s, size_t len)
{
	struct log_record	r;
	size_t			k;
	char			*b;

	for (k = 0; k <= len; k++) {
		b = malloc(k > 0 ? k : 1);
		assert_non_null(b);
		memcpy(b, s, k);
		(void)parse_line(&r, dw_str_make(b, k), &conf0);
		assert_slices_inside(&r, b, k);
		assert_true(r.line.p == b && r.line.len == k);
		free(b);
	}
}

static void
test_parse_syslog_prefixes(void **state)
{
	static const char *const extra[] = {
		"<165>1 2003-10-11T22:14:15.003Z h evntslog - ID47 "
		    "[exampleSDID@32473 iut=\"3\" x=\"a\\\"b\"] the message",
		"<34>Oct 11 22:14:15 mymachine su[12]: 'su root' failed",
		"Feb 11 13:15:39 test-pc postgres[10808]: [1-1] db=,user=,"
		    "app=,client= LOG:  listening",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < DW_NELEM(logplex_vectors); i++)
		all_prefixes(logplex_vectors[i].msg, logplex_vectors[i].len);
	for (i = 0; i < DW_NELEM(extra); i++)
		all_prefixes(extra[i], strlen(extra[i]));
}

/* Mutated vectors: random bytes replaced, inserted, deleted; the parse
 * must stay inside the line and keep the kind invariants. */
static void
test_parse_syslog_mutations(void **state)
{
	static const char	alphabet[] = "<>[]-: \t\"=\\@0123456789TZ+.LOGF"
	    "ATALERROR";
	struct log_record	r;
	unsigned		seed = 4242;
	size_t			i, n, len, pos, k;
	char			buf[1024], *b;

	(void)state;
	for (i = 0; i < 40000; i++) {
		const struct logplex_vector	*v;

		seed = seed * 1103515245 + 12345;
		v = &logplex_vectors[(seed >> 8) % DW_NELEM(logplex_vectors)];
		len = v->len < sizeof(buf) ? v->len : sizeof(buf) - 1;
		memcpy(buf, v->msg, len);
		for (k = 0; k < 4; k++) {
			seed = seed * 1103515245 + 12345;
			pos = len > 0 ? (seed >> 8) % len : 0;
			switch ((seed >> 4) % 3) {
			case 0:
				buf[pos] = alphabet[(seed >> 16) %
				    (sizeof(alphabet) - 1)];
				break;
			case 1:
				if (len + 1 < sizeof(buf)) {
					memmove(buf + pos + 1, buf + pos,
					    len - pos);
					buf[pos] = alphabet[(seed >> 16) %
					    (sizeof(alphabet) - 1)];
					len++;
				}
				break;
			default:
				if (len > 0) {
					memmove(buf + pos, buf + pos + 1,
					    len - pos - 1);
					len--;
				}
				break;
			}
		}
		n = len;
		b = malloc(n > 0 ? n : 1);
		assert_non_null(b);
		memcpy(b, buf, n);
		(void)parse_line(&r, dw_str_make(b, n), &conf0);
		assert_slices_inside(&r, b, n);
		if (r.kind == KIND_PG_CONT)
			assert_true(n > 0 && b[0] == '\t');
		if (r.kind == KIND_PG_CHUNK)
			assert_true(r.chunk_seq >= 0 && r.chunk_nr > 1);
		if (r.kind == KIND_PG && r.chunk_seq < 0)
			assert_true(r.pg_level.len > 0);
		free(b);
	}
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_parse_syslog_logplex_vectors),
		cmocka_unit_test(test_parse_syslog_structured_data),
		cmocka_unit_test(test_parse_syslog_rfc3164),
		cmocka_unit_test(test_parse_syslog_broken),
		cmocka_unit_test(test_parse_syslog_prefixes),
		cmocka_unit_test(test_parse_syslog_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
