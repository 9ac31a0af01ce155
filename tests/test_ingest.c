/*
 * test_ingest.c - mirrors src/source/ingest.c: batches, the byte bound,
 * all-or-nothing pushes, the eventfd and concurrent pushers.
 */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "source/ingest.h"

/* What the drain callback saw. */
struct seen {
	char		 text[8192];
	size_t		 len;
	int		 nbatches;
	uint64_t	 nlines;
};

static void
on_batch(void *arg, struct dw_str app, const char *lines, size_t len)
{
	struct seen	*s = arg;
	size_t		 i;
	int		 n;

	n = snprintf(s->text + s->len, sizeof(s->text) - s->len, "[%.*s]",
	    (int)app.len, app.p);
	s->len += (size_t)n;
	assert_true(s->len + len < sizeof(s->text));
	memcpy(s->text + s->len, lines, len);
	s->len += len;
	s->text[s->len] = '\0';
	s->nbatches++;
	assert_true(len > 0 && lines[len - 1] == '\n');
	for (i = 0; i < len; i++)
		if (lines[i] == '\n')
			s->nlines++;
}

static int
readable(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

struct counter {
	uint64_t	lines;
};

static void
on_batch_count(void *arg, struct dw_str app, const char *lines, size_t len)
{
	struct counter	*c = arg;
	size_t		 i;

	assert_true(dw_str_eq(app, "t") || dw_str_eq(app, "a"));
	for (i = 0; i < len; i++)
		if (lines[i] == '\n')
			c->lines++;
}

static void
test_ingest_batch_lines(void **state)
{
	struct ingest_batch	b;

	(void)state;
	ingest_batch_init(&b, 1024);
	assert_int_equal(ingest_batch_add(&b, "one", 3), 0);
	assert_int_equal(ingest_batch_add(&b, "two\r", 4), 0);
	assert_int_equal(ingest_batch_add(&b, "", 0), 0);
	assert_int_equal(ingest_batch_add(&b, "\r", 1), 0);
	assert_int_equal(ingest_batch_add(&b, "a\nb\rc\n\nd", 8), 0);
	assert_int_equal(b.len, 4 + 4 + 9);
	assert_memory_equal(b.buf, "one\ntwo\na b c  d\n", b.len);
	assert_int_equal(b.nlines, 3);
	assert_int_equal(b.nreplaced, 4);
	assert_int_equal(b.nempty, 2);
	ingest_batch_fini(&b);
}

static void
test_ingest_batch_cap(void **state)
{
	struct ingest_batch	b;
	char			big[100];

	(void)state;
	memset(big, 'x', sizeof(big));
	ingest_batch_init(&b, 150);
	assert_int_equal(ingest_batch_add(&b, big, 99), 0);	/* 100 */
	assert_int_equal(ingest_batch_add(&b, big, 50), -1);	/* 151 */
	assert_int_equal(b.len, 100);
	assert_int_equal(b.nlines, 1);
	assert_int_equal(ingest_batch_add(&b, big, 49), 0);	/* 150 */
	assert_int_equal(b.len, 150);
	assert_int_equal(ingest_batch_add(&b, big, 1), -1);
	assert_true(b.alloc <= 150);
	ingest_batch_fini(&b);
}

static void
test_ingest_push_drain_order(void **state)
{
	struct ingest		*q;
	struct ingest_batch	 b;
	struct ingest_stats	 st;
	struct seen		 s = { 0 };

	(void)state;
	q = ingest_new(1024 * 1024);
	assert_non_null(q);
	assert_false(readable(ingest_fd(q)));
	ingest_batch_init(&b, 4096);
	/* An empty batch succeeds and queues nothing. */
	assert_int_equal(ingest_push(q, &b, DW_STR_LIT("x")), 0);
	assert_false(readable(ingest_fd(q)));
	ingest_batch_add(&b, "a1", 2);
	ingest_batch_add(&b, "a2", 2);
	assert_int_equal(ingest_push(q, &b, DW_STR_LIT("shop")), 0);
	assert_null(b.buf);
	assert_int_equal(b.len, 0);
	ingest_batch_add(&b, "b1", 2);
	assert_int_equal(ingest_push(q, &b, DW_STR_NULL), 0);
	ingest_batch_add(&b, "c1", 2);
	assert_int_equal(ingest_push(q, &b, DW_STR_LIT("blog")), 0);
	assert_true(readable(ingest_fd(q)));
	ingest_stats(q, &st);
	assert_int_equal(st.batches, 3);
	assert_int_equal(st.lines, 4);
	assert_int_equal(st.queued_batches, 3);

	/* At most 2: the fd must stay readable for the third. */
	assert_int_equal(ingest_drain(q, 2, on_batch, &s), 2);
	assert_string_equal(s.text, "[shop]a1\na2\n[]b1\n");
	assert_true(readable(ingest_fd(q)));
	assert_int_equal(ingest_drain(q, 0, on_batch, &s), 1);
	assert_string_equal(s.text, "[shop]a1\na2\n[]b1\n[blog]c1\n");
	assert_false(readable(ingest_fd(q)));
	ingest_stats(q, &st);
	assert_int_equal(st.queued_batches, 0);
	assert_int_equal(st.queued_bytes, 0);
	assert_int_equal(st.drained_batches, 3);
	ingest_batch_fini(&b);
	ingest_free(q);
}

/* A full queue refuses the whole batch; after a drain it is taken. */
static void
test_ingest_full_all_or_nothing(void **state)
{
	struct ingest		*q;
	struct ingest_batch	 b;
	struct ingest_stats	 st;
	struct counter		 c = { 0 };
	char			 line[1000];
	int			 i, pushed = 0;

	(void)state;
	memset(line, 'y', sizeof(line));
	q = ingest_new(INGEST_QUEUE_MIN_BYTES);
	ingest_batch_init(&b, 32 * 1024);
	/* 16 KiB batches: the 64 KiB queue takes exactly four. */
	for (i = 0; i < 6; i++) {
		while (b.len + sizeof(line) + 1 <= 16 * 1024)
			assert_int_equal(ingest_batch_add(&b, line,
			    sizeof(line)), 0);
		assert_int_equal(b.alloc, 16 * 1024);
		if (ingest_push(q, &b, DW_STR_LIT("a")) == 0)
			pushed++;
		else
			break;
	}
	assert_int_equal(pushed, 4);
	/* Refused: the caller still holds every line. */
	assert_non_null(b.buf);
	assert_int_equal(b.nlines, 16);
	ingest_stats(q, &st);
	assert_int_equal(st.rejected_batches, 1);
	assert_int_equal(st.rejected_lines, 16);
	assert_int_equal(st.queued_bytes, 64 * 1024);
	assert_int_equal(st.peak_bytes, 64 * 1024);
	assert_int_equal(st.lines, 4 * 16);
	assert_int_equal(ingest_drain(q, 1, on_batch_count, &c), 1);
	assert_int_equal(ingest_push(q, &b, DW_STR_LIT("a")), 0);
	/* Closed: refused even with room. */
	assert_int_equal(ingest_drain_all(q, on_batch_count, &c), 4);
	ingest_close(q);
	ingest_batch_add(&b, "late", 4);
	assert_int_equal(ingest_push(q, &b, DW_STR_LIT("a")), -1);
	assert_int_equal(c.lines, 5 * 16);
	ingest_batch_fini(&b);
	ingest_free(q);
}

static void
test_ingest_app_label_cut(void **state)
{
	struct ingest		*q;
	struct ingest_batch	 b;
	struct seen		 s = { 0 };
	char			 app[INGEST_APP_MAX_BYTES + 50];

	(void)state;
	memset(app, 'p', sizeof(app));
	q = ingest_new(0);
	ingest_batch_init(&b, 4096);
	ingest_batch_add(&b, "x", 1);
	assert_int_equal(ingest_push(q, &b, dw_str_make(app, sizeof(app))), 0);
	ingest_drain_all(q, on_batch, &s);
	assert_int_equal(s.len, 2 + INGEST_APP_MAX_BYTES + 2);
	ingest_batch_fini(&b);
	/* Freed with a batch still queued: no leak under ASan. */
	ingest_batch_init(&b, 4096);
	ingest_batch_add(&b, "x", 1);
	assert_int_equal(ingest_push(q, &b, DW_STR_NULL), 0);
	ingest_free(q);
}

#define PUSHERS		4
#define PUSHES		5000

struct pusher {
	struct ingest	*q;
	uint64_t	 ok_lines;
};

static void *
pusher_main(void *arg)
{
	struct pusher		*p = arg;
	struct ingest_batch	 b;
	int			 i, j;

	ingest_batch_init(&b, 4096);
	for (i = 0; i < PUSHES; i++) {
		ingest_batch_reset(&b);
		for (j = 0; j <= i % 7; j++)
			ingest_batch_add(&b, "line of text", 12);
		if (ingest_push(p->q, &b, DW_STR_LIT("t")) == 0)
			p->ok_lines += (uint64_t)(i % 7) + 1;
	}
	ingest_batch_fini(&b);
	return NULL;
}

/* Pushers race a drainer; every accepted line arrives exactly once. */
static void
test_ingest_concurrent(void **state)
{
	struct ingest		*q;
	struct pusher		 p[PUSHERS];
	pthread_t		 th[PUSHERS];
	struct counter		 c = { 0 };
	struct ingest_stats	 st;
	uint64_t		 want = 0;
	int			 i;
	struct pollfd		 pfd;

	(void)state;
	q = ingest_new(256 * 1024);	/* small: some pushes must fail */
	for (i = 0; i < PUSHERS; i++) {
		p[i].q = q;
		p[i].ok_lines = 0;
		assert_int_equal(pthread_create(&th[i], NULL, pusher_main,
		    &p[i]), 0);
	}
	pfd.fd = ingest_fd(q);
	pfd.events = POLLIN;
	for (i = 0; i < 200; i++) {
		if (poll(&pfd, 1, 1) == 1)
			ingest_drain(q, 8, on_batch_count, &c);
	}
	for (i = 0; i < PUSHERS; i++) {
		pthread_join(th[i], NULL);
		want += p[i].ok_lines;
	}
	ingest_drain_all(q, on_batch_count, &c);
	ingest_stats(q, &st);
	assert_int_equal(c.lines, want);
	assert_int_equal(st.lines, want);
	assert_int_equal(st.batches + st.rejected_batches, PUSHERS * PUSHES);
	assert_true(st.peak_bytes <= 256 * 1024);
	ingest_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ingest_batch_lines),
		cmocka_unit_test(test_ingest_batch_cap),
		cmocka_unit_test(test_ingest_push_drain_order),
		cmocka_unit_test(test_ingest_full_all_or_nothing),
		cmocka_unit_test(test_ingest_app_label_cut),
		cmocka_unit_test(test_ingest_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
