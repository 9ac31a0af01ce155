/* tests/test_outbox.c - mirrors src/sink/outbox.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <cmocka.h>

#include "lib/sink_fixture.h"
#include "sink/outbox.h"

struct seen {
	uint64_t	ids[OUTBOX_PENDING_MAX];
	char		*json[OUTBOX_PENDING_MAX];
	int		 n;
};

static int
collect(void *arg, uint64_t id, const char *json, size_t len)
{
	struct seen	*s = arg;

	s->ids[s->n] = id;
	s->json[s->n] = strndup(json, len);
	s->n++;
	return 0;
}

static void
seen_free(struct seen *s)
{
	int	i;

	for (i = 0; i < s->n; i++)
		free(s->json[i]);
	s->n = 0;
}

static struct outbox *
open_quiet(const char *dir, const char *name)
{
	struct diag	dg;

	diag_init(&dg, NULL);
	return outbox_open(dir, name, &dg);
}

static off_t
file_size(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void
test_outbox_append_done_reopen(void **state)
{
	char		*dir = fx_tmpdir("outbox");
	struct outbox	*ob;
	struct seen	*s = calloc(1, sizeof(*s));
	uint64_t	 id[5];
	char		 rec[64];
	int		 i;

	(void)state;
	ob = open_quiet(dir, "hook");
	assert_non_null(ob);
	for (i = 0; i < 5; i++) {
		snprintf(rec, sizeof(rec), "{\"n\":%d}", i);
		assert_int_equal(outbox_append(ob, rec, strlen(rec), &id[i]),
		    0);
		assert_true(i == 0 || id[i] > id[i - 1]);
	}
	assert_int_equal(outbox_pending(ob), 5);
	assert_int_equal(outbox_done(ob, id[1]), 0);
	assert_int_equal(outbox_done(ob, id[3]), 0);
	assert_int_equal(outbox_done(ob, 999), 0);	/* unknown: ignored */
	assert_int_equal(outbox_pending(ob), 3);
	outbox_close(ob);

	ob = open_quiet(dir, "hook");
	assert_non_null(ob);
	assert_int_equal(outbox_pending(ob), 3);
	assert_int_equal(outbox_replay(ob, collect, s), 0);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->ids[0], id[0]);
	assert_int_equal(s->ids[1], id[2]);
	assert_int_equal(s->ids[2], id[4]);
	assert_string_equal(s->json[0], "{\"n\":0}");
	assert_string_equal(s->json[2], "{\"n\":4}");
	/* New ids continue after the old ones. */
	assert_int_equal(outbox_append(ob, "{}", 2, &id[0]), 0);
	assert_true(id[0] > id[4]);
	assert_int_equal(outbox_skipped(ob), 0);
	outbox_close(ob);
	seen_free(s);
	free(s);
	fx_rm_rf(dir);
	free(dir);
}

static void
test_outbox_torn_and_corrupt_records(void **state)
{
	char		*dir = fx_tmpdir("outbox"), *path = NULL;
	struct outbox	*ob;
	struct seen	*s = calloc(1, sizeof(*s));
	uint64_t	 id;
	FILE		*f;
	off_t		 before;

	(void)state;
	ob = open_quiet(dir, "x");
	assert_int_equal(outbox_append(ob, "{\"a\":1}", 7, &id), 0);
	assert_int_equal(outbox_append(ob, "{\"a\":2}", 7, &id), 0);
	outbox_close(ob);
	assert_true(asprintf(&path, "%s/x.log", dir) > 0);
	/* A record with a wrong checksum, then a torn one (no LF), as a
	 * crash in the middle of a write leaves it. */
	f = fopen(path, "a");
	fputs("A 3 00000000 {\"a\":3}\n", f);
	before = ftell(f);
	fputs("A 4 1234abcd {\"a\":", f);
	fclose(f);

	ob = open_quiet(dir, "x");
	assert_non_null(ob);
	assert_int_equal(outbox_skipped(ob), 2);
	assert_int_equal(outbox_pending(ob), 2);
	/* Torn tail cut, corrupt record compacted away. */
	assert_true(file_size(path) < before);
	assert_int_equal(outbox_replay(ob, collect, s), 0);
	assert_int_equal(s->n, 2);
	assert_string_equal(s->json[1], "{\"a\":2}");
	/* Appends after recovery land on a clean line. */
	assert_int_equal(outbox_append(ob, "{\"a\":5}", 7, &id), 0);
	outbox_close(ob);
	seen_free(s);
	ob = open_quiet(dir, "x");
	assert_int_equal(outbox_skipped(ob), 0);
	assert_int_equal(outbox_replay(ob, collect, s), 0);
	assert_int_equal(s->n, 3);
	assert_string_equal(s->json[2], "{\"a\":5}");
	outbox_close(ob);
	seen_free(s);
	free(s);
	free(path);
	fx_rm_rf(dir);
	free(dir);
}

static void
test_outbox_lock_excludes_second_process(void **state)
{
	char		*dir = fx_tmpdir("outbox");
	struct outbox	*a, *b;
	struct diag	 dg;
	char		 msg[512];
	FILE		*f;

	(void)state;
	a = open_quiet(dir, "slack");
	assert_non_null(a);
	f = fmemopen(msg, sizeof(msg), "w");
	diag_init(&dg, f);
	b = outbox_open(dir, "slack", &dg);	/* same process, new fd */
	fclose(f);
	assert_null(b);
	assert_int_equal(dg.nerrors, 1);
	assert_non_null(strstr(msg, "in use by another drainwatch"));
	outbox_close(a);
	b = open_quiet(dir, "slack");
	assert_non_null(b);
	outbox_close(b);
	fx_rm_rf(dir);
	free(dir);
}

static void
test_outbox_compacts_and_truncates(void **state)
{
	char		*dir = fx_tmpdir("outbox"), *path = NULL;
	struct outbox	*ob;
	struct seen	*s = calloc(1, sizeof(*s));
	uint64_t	*ids;
	char		*rec;
	int		 i, n = 300;
	off_t		 peak, after;

	(void)state;
	/* 300 records of 8 KiB = 2.4 MiB, past OUTBOX_COMPACT_BYTES. */
	ids = calloc((size_t)n, sizeof(*ids));
	rec = malloc(8192);
	assert_true(asprintf(&path, "%s/c.log", dir) > 0);
	ob = open_quiet(dir, "c");
	for (i = 0; i < n; i++) {
		snprintf(rec, 8192, "{\"n\":%d,\"pad\":\"%0*d\"}", i, 8150, i);
		assert_int_equal(outbox_append(ob, rec, strlen(rec), &ids[i]),
		    0);
	}
	peak = file_size(path);
	assert_true(peak > OUTBOX_COMPACT_BYTES);
	/* Deliver all but every 50th: the file must shrink by rewriting. */
	for (i = 0; i < n; i++)
		if (i % 50 != 0)
			assert_int_equal(outbox_done(ob, ids[i]), 0);
	/* Compaction keeps the file under the threshold (or twice what is
	 * pending, whichever is larger). */
	after = file_size(path);
	assert_true(after < peak);
	assert_true(after <= OUTBOX_COMPACT_BYTES + 2 * 8192);
	assert_int_equal(outbox_pending(ob), 6);
	outbox_close(ob);
	ob = open_quiet(dir, "c");
	assert_int_equal(outbox_replay(ob, collect, s), 0);
	assert_int_equal(s->n, 6);
	for (i = 0; i < 6; i++) {
		char	want[32];

		assert_int_equal(s->ids[i], ids[i * 50]);
		snprintf(want, sizeof(want), "{\"n\":%d,", i * 50);
		assert_memory_equal(s->json[i], want, strlen(want));
	}
	assert_int_equal(outbox_skipped(ob), 0);
	/* Everything done: the file is truncated to nothing. */
	for (i = 0; i < 6; i++)
		assert_int_equal(outbox_done(ob, s->ids[i]), 0);
	assert_int_equal(outbox_pending(ob), 0);
	assert_true(file_size(path) < 64 * 1024);
	outbox_close(ob);
	seen_free(s);
	free(s);
	free(ids);
	free(rec);
	free(path);
	fx_rm_rf(dir);
	free(dir);
}

static void
test_outbox_bounded(void **state)
{
	char		*dir;
	struct outbox	*ob;
	uint64_t	 id, first = 0;
	int		 i;

	(void)state;
	dir = fx_tmpdir("outbox");
	ob = open_quiet(dir, "full");
	for (i = 0; i < OUTBOX_PENDING_MAX; i++) {
		assert_int_equal(outbox_append(ob, "{\"x\":1}", 7, &id), 0);
		if (i == 0)
			first = id;
	}
	errno = 0;
	assert_int_equal(outbox_append(ob, "{\"x\":1}", 7, &id), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(outbox_pending(ob), OUTBOX_PENDING_MAX);
	/* One done makes room for one more. */
	assert_int_equal(outbox_done(ob, first + 17), 0);
	assert_int_equal(outbox_append(ob, "{\"x\":2}", 7, &id), 0);
	assert_int_equal(outbox_append(ob, "{\"x\":3}", 7, &id), -1);
	assert_int_equal(outbox_sync(ob), 0);
	assert_int_equal(outbox_sync(ob), 0);	/* nothing new: no-op */
	outbox_close(ob);
	ob = open_quiet(dir, "full");
	assert_int_equal(outbox_pending(ob), OUTBOX_PENDING_MAX);
	/* A record with a line break is refused outright. */
	assert_int_equal(outbox_append(ob, "{\n}", 3, &id), -1);
	outbox_close(ob);
	fx_rm_rf(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outbox_append_done_reopen),
		cmocka_unit_test(test_outbox_torn_and_corrupt_records),
		cmocka_unit_test(test_outbox_lock_excludes_second_process),
		cmocka_unit_test(test_outbox_compacts_and_truncates),
		cmocka_unit_test(test_outbox_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
