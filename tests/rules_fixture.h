/*
 * rules_fixture.h - for cmocka suites: a rule set from YAML text, as
 * rules_load_file() would build it from a file (the environment is
 * substituted). Fails the test on any load error. Include after
 * <cmocka.h>.
 */
#ifndef DW_RULES_FIXTURE_H
#define DW_RULES_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "match/rules.h"

static inline struct rules *
rules_from_yaml(const char *yaml)
{
	struct ydoc	 doc;
	struct diag	 dg;
	struct rules	*rs = rules_new();

	assert_non_null(rs);
	diag_init(&dg, stderr);
	assert_int_equal(ydoc_load_string(&doc, "t.yaml", yaml, strlen(yaml),
	    YDOC_ENV, &dg), 0);
	assert_int_equal(rules_load_doc(rs, &doc, &dg), 0);
	assert_int_equal(rules_finish(rs, &dg), 0);
	ydoc_free(&doc);
	return rs;
}

#endif /* DW_RULES_FIXTURE_H */
