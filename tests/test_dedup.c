/*
 * test_dedup.c - mirrors src/source/dedup.c: the begin/commit/abort
 * protocol, the time window, the entry bound, and the hash table
 * against a naive model under many random operations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "source/dedup.h"

#define TOK	DW_STR_LIT("d.fc6b856b-3332-4546-93de-7d0ee272c3bd")
#define FID	DW_STR_LIT("09C557EAFCFB6CF2740EE62F62971098")

static void
test_dedup_protocol(void **state)
{
	struct dedup		*d;
	struct dedup_stats	 st;
	uint64_t		 k, k2;

	(void)state;
	d = dedup_new(100, 60000);
	assert_non_null(d);
	assert_int_equal(dedup_begin(d, TOK, FID, 1000, &k), DEDUP_NEW);
	/* A retry while the first attempt is still in flight. */
	assert_int_equal(dedup_begin(d, TOK, FID, 1001, &k2), DEDUP_BUSY);
	/* The first attempt was refused (503): the retry is processable. */
	dedup_abort(d, k);
	assert_int_equal(dedup_begin(d, TOK, FID, 1002, &k), DEDUP_NEW);
	dedup_commit(d, k, 1003);
	assert_int_equal(dedup_begin(d, TOK, FID, 1004, &k2), DEDUP_SEEN);
	assert_int_equal(k, k2);
	/* Same Frame-Id from another drain is another frame. */
	assert_int_equal(dedup_begin(d, DW_STR_LIT("d.other"), FID, 1005, &k2),
	    DEDUP_NEW);
	dedup_abort(d, k2);
	/* Token and id are not simply concatenated. */
	assert_int_equal(dedup_begin(d, DW_STR_LIT("d.fc6b856b-3332-4546-93de"
	    "-7d0ee272c3bd09C557EAFCFB6CF2"), DW_STR_LIT("740EE62F62971098"),
	    1006, &k2), DEDUP_NEW);
	dedup_abort(d, k2);
	/* Private Spaces: no headers, never deduplicated. */
	assert_int_equal(dedup_begin(d, DW_STR_NULL, DW_STR_NULL, 1007, &k2),
	    DEDUP_UNTRACKED);
	assert_int_equal(dedup_begin(d, TOK, DW_STR_NULL, 1007, &k2),
	    DEDUP_UNTRACKED);
	/* No token but a Frame-Id: tracked by the id. */
	assert_int_equal(dedup_begin(d, DW_STR_NULL, FID, 1008, &k2),
	    DEDUP_NEW);
	dedup_commit(d, k2, 1008);
	assert_int_equal(dedup_begin(d, DW_STR_NULL, FID, 1009, &k2),
	    DEDUP_SEEN);
	dedup_stats(d, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.duplicates, 2);
	assert_int_equal(st.busy, 1);
	assert_int_equal(st.committed, 2);
	assert_int_equal(st.aborted, 3);
	dedup_free(d);
}

static void
test_dedup_window(void **state)
{
	struct dedup		*d;
	struct dedup_stats	 st;
	uint64_t		 k;

	(void)state;
	d = dedup_new(100, 60000);
	assert_int_equal(dedup_begin(d, TOK, FID, 0, &k), DEDUP_NEW);
	dedup_commit(d, k, 0);
	assert_int_equal(dedup_begin(d, TOK, FID, 59999, &k), DEDUP_SEEN);
	assert_int_equal(dedup_begin(d, TOK, FID, 60000, &k), DEDUP_NEW);
	dedup_stats(d, &st);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.entries, 0);
	dedup_abort(d, k);
	dedup_free(d);
}

static void
test_dedup_entry_bound(void **state)
{
	struct dedup		*d;
	struct dedup_stats	 st;
	uint64_t		 k;
	char			 id[16];
	int			 i;

	(void)state;
	d = dedup_new(3, 60000);
	for (i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "F%d", i);
		assert_int_equal(dedup_begin(d, TOK, dw_str_cstr(id), i, &k),
		    DEDUP_NEW);
		dedup_commit(d, k, i);
	}
	dedup_stats(d, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(dedup_begin(d, TOK, DW_STR_LIT("F0"), 10, &k),
	    DEDUP_NEW);
	dedup_abort(d, k);
	for (i = 1; i < 4; i++) {
		snprintf(id, sizeof(id), "F%d", i);
		assert_int_equal(dedup_begin(d, TOK, dw_str_cstr(id), 10, &k),
		    DEDUP_SEEN);
	}
	dedup_free(d);
}

static void
test_dedup_pending_bound(void **state)
{
	struct dedup	*d;
	uint64_t	 k;
	char		 id[16];
	int		 i;

	(void)state;
	d = dedup_new(10, 60000);
	for (i = 0; i < DEDUP_PENDING_MAX; i++) {
		snprintf(id, sizeof(id), "P%d", i);
		assert_int_equal(dedup_begin(d, TOK, dw_str_cstr(id), 0, &k),
		    DEDUP_NEW);
	}
	assert_int_equal(dedup_begin(d, TOK, DW_STR_LIT("one more"), 0, &k),
	    DEDUP_UNTRACKED);
	dedup_free(d);
}

/* Random commits and lookups over time against a naive list. */
#define MODEL_CAP	257
#define MODEL_WINDOW	5000

struct model {
	int	id[MODEL_CAP];
	dw_ms	at[MODEL_CAP];
	int	n;
};

static int
model_has(struct model *m, int id, dw_ms now)
{
	int	i;

	/* expire oldest first */
	while (m->n > 0 && now - m->at[0] >= MODEL_WINDOW) {
		memmove(m->id, m->id + 1, (size_t)(m->n - 1) * sizeof(int));
		memmove(m->at, m->at + 1, (size_t)(m->n - 1) * sizeof(dw_ms));
		m->n--;
	}
	for (i = 0; i < m->n; i++)
		if (m->id[i] == id)
			return 1;
	return 0;
}

static void
model_add(struct model *m, int id, dw_ms now)
{
	if (m->n == MODEL_CAP) {
		memmove(m->id, m->id + 1, (size_t)(m->n - 1) * sizeof(int));
		memmove(m->at, m->at + 1, (size_t)(m->n - 1) * sizeof(dw_ms));
		m->n--;
	}
	m->id[m->n] = id;
	m->at[m->n] = now;
	m->n++;
}

static void
test_dedup_against_model(void **state)
{
	struct dedup	*d;
	struct model	*m;
	uint64_t	 k;
	dw_ms		 now = 0;
	char		 id[16];
	int		 i, x, seen;

	(void)state;
	m = calloc(1, sizeof(*m));
	d = dedup_new(MODEL_CAP, MODEL_WINDOW);
	srand(7);
	for (i = 0; i < 200000; i++) {
		now += rand() % 3;
		x = rand() % 1500;
		snprintf(id, sizeof(id), "%08X", x);
		seen = model_has(m, x, now);
		switch (dedup_begin(d, TOK, dw_str_cstr(id), now, &k)) {
		case DEDUP_SEEN:
			assert_true(seen);
			break;
		case DEDUP_NEW:
			assert_false(seen);
			if (rand() % 4 == 0) {
				dedup_abort(d, k);
			} else {
				dedup_commit(d, k, now);
				model_add(m, x, now);
			}
			break;
		default:
			fail();
		}
	}
	dedup_free(d);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedup_protocol),
		cmocka_unit_test(test_dedup_window),
		cmocka_unit_test(test_dedup_entry_bound),
		cmocka_unit_test(test_dedup_pending_bound),
		cmocka_unit_test(test_dedup_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
