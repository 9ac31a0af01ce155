/*
 * test_assemble.c - mirrors src/parse/assemble.c: pass-through, stderr
 * continuation (TAB lines and DETAIL/HINT/... parts, pid checks),
 * `[seq-chunk]` slots per stream, eviction, max_bytes cuts (UTF-8
 * safe), timeouts, flush order, field ownership, the real Heroku
 * deadlock record, and zero allocation after assemble_new() (malloc,
 * calloc and realloc are wrapped at link time).
 */
/* TEST_LDFLAGS: -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse/assemble.h"
#include "parse/parse.h"

void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);

static unsigned long	nallocs;

void *
__wrap_malloc(size_t n)
{
	nallocs++;
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t a, size_t b)
{
	nallocs++;
	return __real_calloc(a, b);
}

void *
__wrap_realloc(void *p, size_t n)
{
	nallocs++;
	return __real_realloc(p, n);
}

#define GOT_MAX		64
#define GOT_TEXT_MAX	8192

/* Copies of what the emit callback saw (its slices die after it). */
struct got {
	int		 n;
	struct {
		struct log_record	 rec;	/* slices not valid later */
		const char		*msg_p;	/* for identity checks */
		char			 msg[GOT_TEXT_MAX];
		char			 line[GOT_TEXT_MAX];
		char			 level[16], pid[16], app[32], proc[32];
	} r[GOT_MAX];
};

static struct got	got;

static void
copy_str(char *dst, size_t size, struct dw_str s)
{
	size_t	n = s.len < size - 1 ? s.len : size - 1;

	if (n > 0)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static void
collect(void *arg, const struct log_record *r)
{
	struct got	*g = arg;
	int		 i = g->n++;

	assert_true(i < GOT_MAX);
	g->r[i].rec = *r;
	g->r[i].msg_p = r->message.p;
	copy_str(g->r[i].msg, sizeof(g->r[i].msg), r->message);
	copy_str(g->r[i].line, sizeof(g->r[i].line), r->line);
	copy_str(g->r[i].level, sizeof(g->r[i].level), r->pg_level);
	copy_str(g->r[i].pid, sizeof(g->r[i].pid), r->pg_pid);
	copy_str(g->r[i].app, sizeof(g->r[i].app), r->app);
	copy_str(g->r[i].proc, sizeof(g->r[i].proc), r->process);
}

static void
reset_got(void)
{
	memset(&got, 0, sizeof(got));
}

/* Parse s into a scratch buffer that is overwritten afterwards, so a
 * held record that still points into it would be caught. */
static char	scratch[GOT_TEXT_MAX];

static void
push(struct assembler *a, const char *s, dw_ms arrival)
{
	struct log_record	r;
	size_t			n = strlen(s);

	assert_true(n < sizeof(scratch));
	memcpy(scratch, s, n);
	(void)parse_line(&r, dw_str_make(scratch, n), NULL);
	assemble_push(a, &r, arrival, collect, &got);
	memset(scratch, '#', n);
}

static struct assembler *
new_asm(int slots, size_t max_bytes, dw_ms timeout)
{
	struct assemble_conf	c = { slots, max_bytes, timeout };
	struct assembler	*a = assemble_new(&c);

	assert_non_null(a);
	reset_got();
	return a;
}

static void
test_assemble_passthrough(void **state)
{
	struct assembler	*a = new_asm(0, 0, 0);
	struct log_record	 r;
	static const char	 line[] =
	    "2024-01-01T00:00:00Z heroku[router]: at=info status=200";

	(void)state;
	(void)parse_line(&r, DW_STR_LIT(line), NULL);
	assemble_push(a, &r, 1, collect, &got);
	assert_int_equal(got.n, 1);
	/* no copy: the original slices */
	assert_true(got.r[0].msg_p == r.message.p);
	assert_int_equal(assemble_pending(a), 0);
	assemble_free(a);
	assemble_free(NULL);
}

static void
test_assemble_stderr(void **state)
{
	struct assembler	*a = new_asm(0, 0, 0);

	(void)state;
	push(a, "2024-05-01 10:00:01.500 UTC [4244] app@db ERROR:  deadlock "
	    "detected", 1);
	push(a, "2024-05-01 10:00:01.500 UTC [4244] app@db DETAIL:  Process "
	    "4244 waits", 2);
	push(a, "\tProcess 4245 waits", 3);
	push(a, "2024-05-01 10:00:01.500 UTC [4244] app@db HINT:  See log", 4);
	assert_int_equal(got.n, 0);
	assert_int_equal(assemble_pending(a), 1);
	/* an unrelated line ends it, and comes after it */
	push(a, "plain text", 5);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.r[0].msg, "ERROR:  deadlock detected\n"
	    "DETAIL:  Process 4244 waits\n\tProcess 4245 waits\n"
	    "HINT:  See log");
	assert_string_equal(got.r[0].line, "2024-05-01 10:00:01.500 UTC [4244] "
	    "app@db ERROR:  deadlock detected\n2024-05-01 10:00:01.500 UTC "
	    "[4244] app@db DETAIL:  Process 4244 waits\n\tProcess 4245 waits\n"
	    "2024-05-01 10:00:01.500 UTC [4244] app@db HINT:  See log");
	assert_string_equal(got.r[0].level, "ERROR");
	assert_string_equal(got.r[0].pid, "4244");
	assert_int_equal(got.r[0].rec.severity, SEV_ERR);
	assert_int_equal(got.r[0].rec.kind, KIND_PG);
	assert_true(got.r[0].rec.ts == 1714557601500LL);
	assert_string_equal(got.r[1].msg, "plain text");
	assert_int_equal(assemble_stats(a)->joined, 1);
	assert_int_equal(assemble_stats(a)->orphans, 0);
	assemble_free(a);
}

static void
test_assemble_stderr_pid_and_orphans(void **state)
{
	struct assembler	*a = new_asm(0, 0, 0);

	(void)state;
	push(a, "2024-05-01 10:00:05.000 UTC [1] ERROR:  relation missing", 1);
	push(a, "2024-05-01 10:00:05.000 UTC [2] DETAIL:  other backend", 2);
	push(a, "\tits continuation", 3);
	assemble_flush(a, collect, &got);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.r[0].msg, "ERROR:  relation missing");
	assert_string_equal(got.r[1].msg, "DETAIL:  other backend\n"
	    "\tits continuation");
	assert_int_equal(assemble_stats(a)->orphans, 1);
	/* a TAB line with nothing before it */
	reset_got();
	push(a, "\tlonely", 4);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.r[0].msg, "\tlonely");
	assert_int_equal(assemble_stats(a)->orphans, 2);
	/* a new head ends the previous one; the pipeline's inert lines too */
	reset_got();
	push(a, "LOG:  one", 5);
	push(a, "LOG:  two", 6);
	assert_int_equal(got.n, 1);
	assemble_inert(a, collect, &got);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.r[1].msg, "LOG:  two");
	assemble_inert(a, collect, &got);
	assert_int_equal(got.n, 2);
	assemble_free(a);
}

static void
test_assemble_chunks(void **state)
{
	struct assembler	*a = new_asm(0, 0, 0);

	(void)state;
	push(a, "2024-01-01T00:00:00Z app[postgres.1]: [GREEN] [5-1]  "
	    "sql_error_code = 40P01 ERROR:  deadlock detected", 1);
	push(a, "2024-01-01T00:00:00Z app[postgres.2]: [GREEN] [9-1]  "
	    "sql_error_code = 00000 LOG:  other backend", 2);
	push(a, "2024-01-01T00:00:00Z app[postgres.1]: [GREEN] [5-2]  "
	    "sql_error_code = 40P01 DETAIL:  Process 1 waits", 3);
	push(a, "2024-01-01T00:00:00Z heroku[router]: at=info", 4);
	push(a, "2024-01-01T00:00:00Z app[postgres.1]: [GREEN] [5-3] \t"
	    "Process 2 waits", 5);
	push(a, "2024-01-01T00:00:00Z app[postgres.1]: [GREEN] [5-4]", 6);
	/* the router line went straight through */
	assert_int_equal(got.n, 1);
	assert_int_equal(assemble_pending(a), 2);
	/* the next seq of postgres.1 completes seq 5 */
	push(a, "2024-01-01T00:00:01Z app[postgres.1]: [GREEN] [6-1]  "
	    "sql_error_code = 00000 LOG:  next", 7);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.r[1].msg, "ERROR:  deadlock detected\n"
	    "DETAIL:  Process 1 waits\n\tProcess 2 waits\n");
	assert_string_equal(got.r[1].proc, "postgres.1");
	assert_int_equal(got.r[1].rec.chunk_seq, 5);
	/* chunk 1 again for a held seq: a new record */
	push(a, "2024-01-01T00:00:01Z app[postgres.2]: [GREEN] [9-1]  "
	    "sql_error_code = 00000 LOG:  restart", 8);
	assert_int_equal(got.n, 3);
	assert_string_equal(got.r[2].msg, "LOG:  other backend");
	/* a continuation whose head is gone: passed on, counted */
	push(a, "2024-01-01T00:00:01Z app[postgres.3]: [GREEN] [4-2] \tlost",
	    9);
	assert_int_equal(got.n, 4);
	assert_string_equal(got.r[3].msg, "\tlost");
	assert_int_equal(assemble_stats(a)->orphans, 1);
	/* flush: in the order the slots were opened */
	assemble_flush(a, collect, &got);
	assert_int_equal(got.n, 6);
	assert_string_equal(got.r[4].msg, "LOG:  next");
	assert_string_equal(got.r[5].msg, "LOG:  restart");
	assert_int_equal(assemble_pending(a), 0);
	assert_int_equal(assemble_stats(a)->joined, 1);
	assemble_free(a);
}

static void
test_assemble_eviction(void **state)
{
	struct assembler	*a = new_asm(2, 0, 0);
	char			 line[128];
	int			 i;

	(void)state;
	for (i = 1; i <= 3; i++) {
		snprintf(line, sizeof(line), "2024-01-01T00:00:00Z app[postgres"
		    ".%d]: [RED] [1-1]  sql_error_code = 00000 LOG:  p%d",
		    i, i);
		push(a, line, i);
	}
	assert_int_equal(got.n, 1);
	assert_string_equal(got.r[0].msg, "LOG:  p1");
	assert_int_equal(assemble_stats(a)->evicted, 1);
	assert_int_equal(assemble_pending(a), 2);
	/* a stderr record does not take a keyed slot */
	push(a, "LOG:  stderr", 4);
	assert_int_equal(assemble_pending(a), 3);
	assert_int_equal(assemble_stats(a)->evicted, 1);
	assemble_free(a);
}

static void
test_assemble_max_bytes(void **state)
{
	struct assembler	*a = new_asm(0, 256, 0);
	char			 line[200], big[400];
	int			 i;

	(void)state;
	push(a, "2024-05-01 10:00:00.000 UTC [9] LOG:  statement: SELECT", 1);
	for (i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "\t  column_%02d,", i);
		push(a, line, 2);
	}
	assemble_flush(a, collect, &got);
	assert_int_equal(got.n, 1);
	assert_true(strlen(got.r[0].msg) <= 256);
	assert_true(strlen(got.r[0].line) <= 256);
	assert_true(strncmp(got.r[0].msg,
	    "LOG:  statement: SELECT\n\t  column_00,", 37) == 0);
	assert_int_equal(assemble_stats(a)->truncated, 1);
	/* a multi-byte character is never split */
	reset_got();
	push(a, "LOG:  x", 3);
	for (i = 0; i < 200; i++)
		push(a, "\t\xc2\xb5\xc2\xb5", 4);
	assemble_flush(a, collect, &got);
	assert_int_equal(got.n, 1);
	for (i = 0; got.r[0].msg[i] != '\0'; i++)
		;
	assert_true(i <= 256);
	/* the last byte is not the lead byte of a cut sequence */
	assert_true(((unsigned char)got.r[0].msg[i - 1] & 0xC0) != 0xC0);
	assert_int_equal(assemble_stats(a)->truncated, 2);
	/* a head longer than max_bytes is cut too */
	assemble_free(a);
	a = new_asm(0, 256, 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "LOG:  ", 6);
	push(a, big, 5);
	assemble_flush(a, collect, &got);
	assert_int_equal(got.n, 1);
	assert_int_equal(strlen(got.r[0].msg), 256);
	assert_int_equal(strlen(got.r[0].line), 256);
	assert_int_equal(assemble_stats(a)->truncated, 1);
	assemble_free(a);
}

static void
test_assemble_timeout(void **state)
{
	struct assembler	*a = new_asm(0, 0, 2000);

	(void)state;
	push(a, "2024-01-01T00:00:00Z app[postgres.1]: [RED] [1-1]  "
	    "sql_error_code = 00000 LOG:  chunk head", 1000);
	push(a, "LOG:  stderr head", 1500);
	/* a stderr record waits at most ASSEMBLE_ADJACENT_TIMEOUT_MS */
	assemble_expire(a, 1500 + ASSEMBLE_ADJACENT_TIMEOUT_MS - 1, collect,
	    &got);
	assert_int_equal(got.n, 0);
	assemble_expire(a, 1500 + ASSEMBLE_ADJACENT_TIMEOUT_MS, collect, &got);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.r[0].msg, "LOG:  stderr head");
	/* a [seq-N] record the configured timeout */
	assemble_expire(a, 2999, collect, &got);
	assert_int_equal(got.n, 1);
	assemble_expire(a, 3000, collect, &got);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.r[1].msg, "LOG:  chunk head");
	assert_int_equal(assemble_stats(a)->timed_out, 2);
	assert_int_equal(assemble_pending(a), 0);
	assemble_free(a);
}

/* Fields that are not slices of the line (the caller's app label) are
 * copied too: the caller may reuse its buffer at once. */
static void
test_assemble_field_ownership(void **state)
{
	struct assembler	*a = new_asm(0, 0, 0);
	struct log_record	 r;
	char			 app[16], line[128];

	(void)state;
	strcpy(app, "billing");
	strcpy(line, "2024-05-01 10:00:00.000 UTC [9] u@d FATAL:  x");
	(void)parse_line(&r, dw_str_make(line, strlen(line)), NULL);
	r.app = dw_str_make(app, strlen(app));
	assemble_push(a, &r, 1, collect, &got);
	memset(app, 'Z', sizeof(app));
	memset(line, 'Z', sizeof(line));
	assemble_flush(a, collect, &got);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.r[0].app, "billing");
	assert_string_equal(got.r[0].pid, "9");
	assert_string_equal(got.r[0].level, "FATAL");
	assert_string_equal(got.r[0].msg, "FATAL:  x");
	/* TAB lines of another app do not continue it */
	reset_got();
	(void)parse_line(&r, DW_STR_LIT("LOG:  head"), NULL);
	r.app = DW_STR_LIT("one");
	assemble_push(a, &r, 2, collect, &got);
	(void)parse_line(&r, DW_STR_LIT("\tcont"), NULL);
	r.app = DW_STR_LIT("two");
	assemble_push(a, &r, 3, collect, &got);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.r[0].msg, "LOG:  head");
	assert_string_equal(got.r[1].msg, "\tcont");
	assemble_free(a);
}

/* The real Heroku deadlock record (darold/pgbadger t/fixtures/logplex,
 * fixtures/parse/pgbadger_logplex_cli.in lines 9-18) becomes one. */
static void
test_assemble_heroku_deadlock(void **state)
{
	struct assembler	*a = new_asm(0, 0, 0);
	FILE			*fp;
	char			 buf[4096];
	int			 lineno = 0;
	size_t			 n;

	(void)state;
	fp = fopen("fixtures/parse/pgbadger_logplex_cli.in", "r");
	if (fp == NULL)
		skip();
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		lineno++;
		if (lineno < 9 || lineno > 18)
			continue;
		n = strlen(buf);
		if (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		push(a, buf, lineno);
	}
	fclose(fp);
	assemble_flush(a, collect, &got);
	assert_int_equal(got.n, 1);
	assert_true(strncmp(got.r[0].msg, "ERROR:  deadlock detected\nDETAIL:  "
	    "Process 4849 waits for ShareLock", 67) == 0);
	assert_non_null(strstr(got.r[0].msg, "\n\tProcess 4821 waits for "
	    "ShareLock on transaction 259635221; blocked by process 4796.\n"));
	assert_non_null(strstr(got.r[0].msg, "\nHINT:  See server log for "
	    "query details.\nCONTEXT:  while locking tuple (1320064,42)"));
	assert_non_null(strstr(got.r[0].msg, "\nSTATEMENT:  WITH redacted_"));
	assert_null(strstr(got.r[0].msg, "sql_error_code"));
	assert_null(strstr(got.r[0].msg, "[GREEN]"));
	assert_string_equal(got.r[0].level, "ERROR");
	assert_int_equal(got.r[0].rec.chunk_seq, 19);
	assemble_free(a);
}

/* After assemble_new(): no allocation at all, whatever is pushed. */
static void
test_assemble_zero_alloc(void **state)
{
	static const char *const lines[] = {
		"2024-05-01 10:00:01.500 UTC [4244] app@db ERROR:  deadlock",
		"2024-05-01 10:00:01.500 UTC [4244] app@db DETAIL:  waits",
		"\tProcess 4245 waits",
		"2019-03-14T00:23:00+00:00 app[postgres.4849]: [GREEN] [19-1]  "
		    "sql_error_code = 40P01 ERROR:  deadlock detected",
		"2019-03-14T00:23:00+00:00 app[postgres.4849]: [GREEN] [19-3] "
		    "\tProcess 4821",
		"<134>1 2023-06-05T19:27:18+00:00 host app heroku-postgres - "
		    "source=X sample#active-connections=11",
		"<158>1 2020-01-08T22:33:57.353034+00:00 host heroku router - "
		    "at=info method=GET",
		"Feb 11 13:15:39 test-pc postgres[10808]: [1-1] db=,user= "
		    "LOG:  x",
		"2023-12-19 03:06:13.586 CET [10384] LOG C-0x7f3b: d/u@h:1 x",
		"[2024-01-01 10:00:00 +0000] [123] [ERROR] boom",
		"<999>broken",
		"plain",
	};
	struct assemble_conf	 c = { 4, 1024, 50 };
	struct assembler	*a;
	struct parse_conf	 pc;
	struct pg_prefix	 pp;
	struct log_record	 r;
	char			 line[256];
	unsigned long		 before;
	int			 i;
	size_t			 n;

	(void)state;
	memset(&pc, 0, sizeof(pc));
	assert_int_equal(pg_prefix_compile(&pp, "%m [%p] %q%u@%d ", NULL), 0);
	pc.pg_prefix = &pp;
	pc.year_ref_ms = 1717200000000LL;
	before = nallocs;
	a = assemble_new(&c);
	assert_non_null(a);
	assert_true(nallocs > before);	/* the wrap is active */
	reset_got();
	before = nallocs;
	for (i = 0; i < 10000; i++) {
		/* vary the process so chunk slots fill, evict and expire */
		n = (size_t)snprintf(line, sizeof(line), "%s",
		    lines[i % DW_NELEM(lines)]);
		if (i % 24 == 3)	/* postgres.484N, N cycling */
			line[42] = (char)('0' + (i / 24) % 10);
		(void)parse_line(&r, dw_str_make(line, n), &pc);
		r.app = DW_STR_LIT("app");
		got.n = 0;
		assemble_push(a, &r, i, collect, &got);
		if (i % 100 == 0)
			assemble_expire(a, i, collect, &got);
		if (i % 1000 == 0)
			assemble_inert(a, collect, &got);
	}
	got.n = 0;
	assemble_flush(a, collect, &got);
	assert_int_equal(nallocs - before, 0);
	assert_true(assemble_stats(a)->joined > 0);
	assert_true(assemble_stats(a)->timed_out > 0);
	assert_true(assemble_stats(a)->evicted > 0);
	assert_true(assemble_stats(a)->orphans > 0);
	assemble_free(a);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_assemble_passthrough),
		cmocka_unit_test(test_assemble_stderr),
		cmocka_unit_test(test_assemble_stderr_pid_and_orphans),
		cmocka_unit_test(test_assemble_chunks),
		cmocka_unit_test(test_assemble_eviction),
		cmocka_unit_test(test_assemble_max_bytes),
		cmocka_unit_test(test_assemble_timeout),
		cmocka_unit_test(test_assemble_field_ownership),
		cmocka_unit_test(test_assemble_heroku_deadlock),
		cmocka_unit_test(test_assemble_zero_alloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
