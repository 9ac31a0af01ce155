/* tests/test_prefilter.c - mirrors src/match/prefilter.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules_fixture.h"

#include "match/prefilter.h"
#include "match/rules.h"

static void
test_prefilter_strip_anchors(void **state)
{
	char	out[128];

	(void)state;
	assert_int_equal(prefilter_strip_anchors("^FATAL: (x|y)$", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "FATAL: (x|y)");
	/* Inside a class, escaped, or quoted, ^ and $ are literal. */
	assert_int_equal(prefilter_strip_anchors("[^a$]\\$\\^\\Q^$\\E\\Aa\\z",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "[^a$]\\$\\^\\Q^$\\Ea");
	assert_int_equal(prefilter_strip_anchors("[]^]x", out, sizeof(out)), 0);
	assert_string_equal(out, "[]^]x");
	assert_int_equal(prefilter_strip_anchors("abcdef", out, 4), -1);
}

static void
test_prefilter_block_lines(void **state)
{
	struct rules	*rs;
	const char	*buf =
	    "router ok\n"			/* 0 */
	    "FATAL:  too many x\n"		/* 10: rule hit */
	    "\tcontinued\n"			/* 29: TAB line */
	    "quiet\n"				/* 40 */
	    "ERROR:  y FATAL:  too many z\n"	/* 46: PG marker + rule, once */
	    "[12-3] chunk\n";			/* 75: chunk marker */
	uint32_t	 starts[16];
	size_t		 n, all_from;

	(void)state;
	rs = rules_from_yaml("rules:\n  - name: r\n"
	    "    pattern: '^FATAL:  too many .*$'\n");
	n = prefilter_scan_block(rs->pf, buf, strlen(buf), starts, 16,
	    &all_from);
	assert_int_equal(all_from, strlen(buf));
	assert_int_equal(n, 4);
	assert_int_equal(starts[0], 10);
	assert_int_equal(starts[1], 29);
	assert_int_equal(starts[2], 46);
	assert_int_equal(starts[3], 75);
	/* A block starting with a TAB line, and an overflowing hit list. */
	n = prefilter_scan_block(rs->pf, buf + 29, strlen(buf + 29), starts, 2,
	    &all_from);
	assert_int_equal(n, 2);
	assert_int_equal(starts[0], 0);
	assert_int_equal(starts[1], 46 - 29);
	assert_int_equal(all_from, 75 - 29);
	rules_free(rs);
}

static void
test_prefilter_text_candidates(void **state)
{
	struct rules	*rs;
	int		 c[8], n;

	(void)state;
	rs = rules_from_yaml("rules:\n"
	    "  - name: a\n    pattern: 'alpha (?<x>\\d+)'\n"
	    "  - name: b\n    pattern: 'beta'\n"
	    "  - name: c\n    pattern: 'x\\Ky'\n");	/* \K: unfiltered */
	assert_int_equal(rs->v[2]->prefiltered, 0);
	n = prefilter_scan_text(rs->pf, "alpha 1 alpha 2", 15, c, 0);
	assert_int_equal(n, 2);			/* a once, and c always */
	assert_true((c[0] == 0 && c[1] == 2) || (c[0] == 2 && c[1] == 0));
	n = prefilter_scan_text(rs->pf, "beta", 4, c, 0);
	assert_int_equal(n, 2);
	rules_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefilter_strip_anchors),
		cmocka_unit_test(test_prefilter_block_lines),
		cmocka_unit_test(test_prefilter_text_candidates),
	};

	setenv("DRAINWATCH_CACHE_DIR", "off", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
