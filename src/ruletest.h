/*
 * ruletest.h - `drainwatch test`: run the tests written inside rule
 * files, in virtual time, the way `promtool test rules` does.
 *
 * Each test builds its own rule set (the rules of its file), its own
 * pipeline in replay mode, feeds its input lines at their virtual
 * times, lets time run to run_until and compares the matches and the
 * exact sequence of alert events with what it expects. Syntax in
 * README.md ("Rules"). Not a pipeline stage: a tool on top of it.
 */
#ifndef DW_RULETEST_H
#define DW_RULETEST_H

#include <stdio.h>

#include "config.h"

struct ruletest_totals {
	int	passed;
	int	failed;
	int	files;
};

/* Run every test of the rule file at path; print one line per test to
 * out (failures with their reasons). Returns -1 if the file itself
 * cannot be loaded (reported to out). */
int	ruletest_run_file(const char *path, const struct dw_config *,
	    FILE *out, struct ruletest_totals *);

#endif /* DW_RULETEST_H */
