/*
 * match.h - does one rule match one record, and with which labels and
 * value (pipeline stage 3b, hot path).
 *
 * Applies the rule's where: filters (globs on record fields), runs its
 * PCRE2 pattern (JIT) with the rule's preallocated match data, reads
 * the value capture and checks the per-match condition. Results are
 * slices of the record's text. Never allocates.
 */
#ifndef DW_MATCH_H
#define DW_MATCH_H

#include "alert/alert_event.h"
#include "match/rules.h"
#include "parse/parse.h"

enum match_rc {
	MATCH_NO = 0,		/* the pattern did not match */
	MATCH_FILTERED,		/* a where: filter rejected the record */
	MATCH_CONDITION,	/* matched, but the condition failed */
	MATCH_NO_VALUE,		/* the value capture is not a number */
	MATCH_YES
};

struct match_result {
	struct dw_str	 values[ALERT_LABELS_MAX];	/* group order */
	double		 value;
	int		 failed_filter;	/* index, for MATCH_FILTERED */
};

enum match_rc	 match_rule(struct rule *, const struct log_record *,
		    struct match_result *);
/* Glob with * and ? over a slice. */
int		 glob_match(const char *pattern, struct dw_str s);
const char	*match_rc_name(enum match_rc);

#endif /* DW_MATCH_H */
