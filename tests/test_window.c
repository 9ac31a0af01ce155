/* tests/test_window.c - mirrors src/window/window.c */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "window/window.h"

static void
test_window_shape(void **state)
{
	struct window_shape	s;

	(void)state;
	/* span / 60 per bucket (at least 1 s), plus one bucket so a hit
	 * counts until it is at least the span old */
	window_shape_init(&s, 60000, 0, 0);
	assert_int_equal(s.bucket_ms, 1000);
	assert_int_equal(s.nbuckets, 61);
	window_shape_init(&s, 3600000, 0, 0);
	assert_int_equal(s.bucket_ms, 60000);
	assert_int_equal(s.nbuckets, 61);
	window_shape_init(&s, 500, 0, 0);
	assert_int_equal(s.bucket_ms, 500);
	assert_int_equal(s.nbuckets, 2);
	window_shape_init(&s, 10000, 0, 0);
	assert_int_equal(s.nbuckets, 11);
}

static void
test_window_count_expires_exactly(void **state)
{
	struct window_shape	s;
	struct window		w;
	void			*mem;

	(void)state;
	window_shape_init(&s, 60000, 0, 0);
	mem = malloc(window_mem_size(&s));
	window_init(&w, &s, mem);
	window_advance(&w, &s, 1000);
	assert_int_equal(window_add(&w, &s, 1000, 0), 0);
	window_advance(&w, &s, 30500);
	assert_int_equal(window_add(&w, &s, 30500, 0), 0);
	assert_int_equal(w.count, 2);
	/* The hit of bucket [1s,2s) leaves once all of its bucket is at
	 * least 60 s old: at 62 s. */
	assert_int_equal(window_next_expiry(&w, &s), 62000);
	window_advance(&w, &s, 61999);
	assert_int_equal(w.count, 2);
	window_advance(&w, &s, 62000);
	assert_int_equal(w.count, 1);
	assert_int_equal(window_next_expiry(&w, &s), 91000);
	window_advance(&w, &s, 90999);
	assert_int_equal(w.count, 1);
	window_advance(&w, &s, 91000);
	assert_int_equal(w.count, 0);
	assert_true(window_next_expiry(&w, &s) == DW_MS_NONE);
	free(mem);
}

static void
test_window_late_hits_and_jump(void **state)
{
	struct window_shape	s;
	struct window		w;
	void			*mem;

	(void)state;
	window_shape_init(&s, 10000, 1, 1);
	mem = malloc(window_mem_size(&s));
	window_init(&w, &s, mem);
	window_advance(&w, &s, 100000);
	assert_int_equal(window_add(&w, &s, 100000, 5), 0);
	/* Out of order but inside the window: counted in its bucket. */
	assert_int_equal(window_add(&w, &s, 95000, 7), 0);
	/* Less than the span old (its bucket reaches 90.999 s): counted;
	 * a whole bucket older than the span: refused. */
	assert_int_equal(window_add(&w, &s, 89999, 1), -1);
	assert_int_equal(w.count, 2);
	assert_true(fabs(w.sum - 12) < 1e-9);
	assert_true(window_min(&w, &s) == 5);
	assert_true(window_max(&w, &s) == 7);
	/* The 95 s hit leaves first, when its bucket is all 10 s old. */
	window_advance(&w, &s, 105999);
	assert_int_equal(w.count, 2);
	window_advance(&w, &s, 106000);
	assert_int_equal(w.count, 1);
	assert_true(window_max(&w, &s) == 5);
	/* A jump far ahead clears everything at once. */
	window_advance(&w, &s, 1000000);
	assert_int_equal(w.count, 0);
	assert_true(w.sum == 0);
	assert_true(isnan(window_max(&w, &s)));
	free(mem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_shape),
		cmocka_unit_test(test_window_count_expires_exactly),
		cmocka_unit_test(test_window_late_hits_and_jump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
