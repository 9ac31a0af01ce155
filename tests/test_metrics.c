/*
 * test_metrics.c - mirrors src/core/metrics.c: sections published by
 * other threads, the bounds, the text builder, process figures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/metrics.h"

static void
test_metrics_sections(void **state)
{
	struct metrics	*m;
	char		*out;
	size_t		 len;
	char		 name[32];
	int		 i;
	char		*big;

	(void)state;
	m = metrics_new();
	assert_int_equal(metrics_publish(m, "pipeline", "a_total 1\n", 10), 0);
	assert_int_equal(metrics_publish(m, "delivery", "b_total 2", 9), 0);
	/* A republish replaces, keeps its place. */
	assert_int_equal(metrics_publish(m, "pipeline", "a_total 3\n", 10), 0);
	assert_int_equal(metrics_render(m, "own 4\n", 6, &out, &len), 0);
	assert_int_equal(len, strlen(out));
	assert_memory_equal(out, "a_total 3\nb_total 2\nown 4\n", 26);
	assert_non_null(strstr(out,
	    "drainwatch_metrics_publish_refused_total 0\n"));
	free(out);
	/* Too large, too many, name too long: refused and counted. */
	big = malloc(METRICS_SECTION_MAX_BYTES + 1);
	memset(big, 'x', METRICS_SECTION_MAX_BYTES + 1);
	assert_int_equal(metrics_publish(m, "big", big,
	    METRICS_SECTION_MAX_BYTES + 1), -1);
	assert_int_equal(metrics_publish(m, "big", big,
	    METRICS_SECTION_MAX_BYTES), 0);
	free(big);
	for (i = 3; i < METRICS_SECTIONS_MAX; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		assert_int_equal(metrics_publish(m, name, "", 0), 0);
	}
	assert_int_equal(metrics_publish(m, "one_more", "", 0), -1);
	assert_int_equal(metrics_publish(m,
	    "a_name_of_more_than_thirty_two_bytes", "", 0), -1);
	assert_int_equal(metrics_render(m, NULL, 0, &out, &len), 0);
	assert_non_null(strstr(out,
	    "drainwatch_metrics_publish_refused_total 3\n"));
	free(out);
	metrics_free(m);
}

static void
test_metrics_buf(void **state)
{
	struct metrics_buf	b;
	char			mem[64];

	(void)state;
	metrics_buf_init(&b, mem, sizeof(mem));
	metrics_buf_printf(&b, "x{rule=\"");
	metrics_buf_label(&b, "a\"b\\c\nd", 7);
	metrics_buf_printf(&b, "\"} %d\n", 1);
	assert_string_equal(mem, "x{rule=\"a\\\"b\\\\c\\nd\"} 1\n");
	assert_false(b.truncated);
	/* Overflow cuts back to the last complete line. */
	metrics_buf_printf(&b, "y_total 12345678901234567890");
	metrics_buf_printf(&b, " 1234567890123456789012345\n");
	assert_true(b.truncated);
	assert_string_equal(mem, "x{rule=\"a\\\"b\\\\c\\nd\"} 1\n");
	metrics_buf_printf(&b, "z 1\n");
	assert_int_equal(b.len, strlen("x{rule=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

static void
test_metrics_process(void **state)
{
	struct metrics_buf	 b;
	char			 mem[4096];
	const char		*p;
	double			 start;

	(void)state;
	metrics_buf_init(&b, mem, sizeof(mem));
	metrics_process(&b);
	assert_false(b.truncated);
	assert_non_null(strstr(mem, "# TYPE process_cpu_seconds_total "
	    "counter\nprocess_cpu_seconds_total "));
	assert_non_null(strstr(mem, "\nprocess_resident_memory_bytes "));
	assert_non_null(strstr(mem, "\nprocess_open_fds "));
	assert_non_null(strstr(mem, "\nprocess_max_fds "));
	p = strstr(mem, "\nprocess_start_time_seconds ");
	assert_non_null(p);
	start = strtod(p + 28, NULL);
	/* Started within the last day, not in the future. */
	assert_true(start > (double)time(NULL) - 86400);
	assert_true(start <= (double)time(NULL) + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_sections),
		cmocka_unit_test(test_metrics_buf),
		cmocka_unit_test(test_metrics_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
