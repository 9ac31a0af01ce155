/*
 * match.c - match one rule against one record, see match.h.
 */
#include <stdlib.h>
#include <string.h>

#include "match/match.h"

const char *
match_rc_name(enum match_rc rc)
{
	static const char *const names[] = { "no match", "filtered",
	    "condition failed", "value not a number", "match" };

	return names[rc];
}

int
glob_match(const char *pat, struct dw_str s)
{
	const char	*p = pat, *star = NULL;
	size_t		 i = 0, mark = 0;

	while (i < s.len) {
		if (*p == '*') {
			star = p++;
			mark = i;
		} else if (*p != '\0' && (*p == '?' || *p == s.p[i])) {
			p++;
			i++;
		} else if (star != NULL) {
			p = star + 1;
			i = ++mark;
		} else
			return 0;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* A filter passes when any positive alternative matches (or there are
 * only negative ones) and no negative alternative matches. */
static int
filter_pass(const struct rule_filter *f, const struct log_record *rec)
{
	struct dw_str	v = rec_field_get(rec, f->field);
	int		i, any_pos = 0, pos_ok = 0;

	for (i = 0; i < f->nalts; i++) {
		int	m = glob_match(f->alts[i], v);

		if (f->negate[i]) {
			if (m)
				return 0;
		} else {
			any_pos = 1;
			pos_ok |= m;
		}
	}
	return !any_pos || pos_ok;
}

static int
parse_number(struct dw_str s, double *out)
{
	char	buf[64], *end;

	if (s.len == 0 || s.len >= sizeof(buf))
		return -1;
	memcpy(buf, s.p, s.len);
	buf[s.len] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0' ? 0 : -1;
}

static struct dw_str
capture(const struct rule *r, int group, struct dw_str text, int rc)
{
	PCRE2_SIZE	*ov = pcre2_get_ovector_pointer(r->md);

	if (group >= rc || ov[2 * group] == PCRE2_UNSET)
		return DW_STR_NULL;
	return dw_str_make(text.p + ov[2 * group],
	    ov[2 * group + 1] - ov[2 * group]);
}

enum match_rc
match_rule(struct rule *r, const struct log_record *rec,
    struct match_result *res)
{
	struct dw_str	text = r->match_line ? rec->line : rec->message;
	int		i, rc;

	for (i = 0; i < r->nfilters; i++) {
		if (!filter_pass(&r->filters[i], rec)) {
			res->failed_filter = i;
			return MATCH_FILTERED;
		}
	}
	if (r->jit)
		rc = pcre2_jit_match(r->code, (PCRE2_SPTR)(text.len > 0 ?
		    text.p : ""), text.len, 0, 0, r->md, NULL);
	else
		rc = pcre2_match(r->code, (PCRE2_SPTR)(text.len > 0 ? text.p :
		    ""), text.len, 0, 0, r->md, NULL);
	if (rc < 0)
		return MATCH_NO;
	if (rc == 0)		/* ovector too small: cannot happen */
		rc = (int)pcre2_get_ovector_count(r->md);
	res->value = 0;
	if (r->value_capture >= 0) {
		if (parse_number(capture(r, r->value_capture, text, rc),
		    &res->value) == -1)
			return MATCH_NO_VALUE;
		if (r->has_condition && !rule_op_eval(r->cond_op, res->value,
		    r->cond_value))
			return MATCH_CONDITION;
	}
	for (i = 0; i < r->ngroup; i++) {
		const struct rule_label	*l = &r->group[i];

		res->values[i] = l->capture >= 0 ? capture(r, l->capture, text,
		    rc) : rec_field_get(rec, l->field);
	}
	return MATCH_YES;
}
