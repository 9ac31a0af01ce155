/*
 * ruletest.c - tests inside rule files, see ruletest.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert_event.h"
#include "match/rules.h"
#include "pipeline.h"
#include "ruletest.h"

/* Alert events one test may produce before it is failed. */
#define RULETEST_EVENTS_MAX	10000
/* Default origin of `at:` offsets. */
#define RULETEST_START_DEFAULT	"2024-01-01T00:00:00Z"

struct collected {
	struct alert_event	**ev;
	int			  n;
	int			  overflow;
	uint64_t		 *matches;	/* per rule index */
};

static void
collect_alert(void *arg, const struct alert_event *ev)
{
	struct collected	*c = arg;
	struct alert_event	*d;

	if (c->n >= RULETEST_EVENTS_MAX) {
		c->overflow = 1;
		return;
	}
	d = alert_event_dup(ev);
	if (d != NULL)
		c->ev[c->n++] = d;
}

static void
collect_match(void *arg, int rule_index, const struct log_record *rec,
    dw_ms at)
{
	struct collected	*c = arg;

	(void)rec;
	(void)at;
	c->matches[rule_index]++;
}

struct ttest {
	const char		*file;
	const struct ynode	*node;
	const char		*name;
	dw_ms			 start;
	FILE			*out;
	int			 failed;
	char			 why[2048];
};

static void
tfail(struct ttest *t, const struct ynode *at, const char *fmt, ...)
    DW_PRINTF(3, 4);

static void
tfail(struct ttest *t, const struct ynode *at, const char *fmt, ...)
{
	va_list	ap;
	int	o;

	if (t->failed)
		return;
	t->failed = 1;
	o = snprintf(t->why, sizeof(t->why), "%s:%d:%d: ", t->file,
	    at != NULL ? at->line : t->node->line,
	    at != NULL ? at->col : t->node->col);
	va_start(ap, fmt);
	vsnprintf(t->why + o, sizeof(t->why) - (size_t)o, fmt, ap);
	va_end(ap);
}

/* "30s" offset from start, or an absolute RFC 3339 time. */
static int
test_time(struct ttest *t, const struct ynode *n, dw_ms *out)
{
	dw_ms	d;

	if (n->type != YN_SCALAR) {
		tfail(t, n, "a time must be an offset like 30s or a timestamp");
		return -1;
	}
	if (parse_duration_ms(n->str, &d) == 0) {
		*out = t->start + d;
		return 0;
	}
	if (parse_timestamp(dw_str_cstr(n->str), out, 0) == n->len)
		return 0;
	tfail(t, n, "bad time \"%s\" (an offset like 5m30s or an RFC 3339 "
	    "timestamp)", n->str);
	return -1;
}

static void
feed_input(struct ttest *t, struct pipeline *pl, const struct ynode *input)
{
	dw_ms	at = t->start;
	int	i;

	if (input == NULL)
		return;
	if (input->type != YN_SEQ) {
		tfail(t, input, "input must be a list of lines");
		return;
	}
	for (i = 0; i < input->nitems && !t->failed; i++) {
		const struct ynode	*it = input->items[i], *ln, *n;
		int64_t			 repeat = 1, k;
		dw_ms			 every = 1000;

		if (it->type == YN_SCALAR) {
			pipeline_feed_line(pl, dw_str_make(it->str, it->len),
			    DW_STR_NULL, at);
			continue;
		}
		if (it->type != YN_MAP || (ln = ynode_get(it, "line")) ==
		    NULL || ln->type != YN_SCALAR) {
			tfail(t, it, "an input item is a line, or a mapping "
			    "with line: (and at:, repeat:, every:)");
			return;
		}
		for (k = 0; k < it->npairs; k++) {
			const char	*key = it->pairs[k].key->str;

			if (strcmp(key, "line") != 0 &&
			    strcmp(key, "at") != 0 &&
			    strcmp(key, "repeat") != 0 &&
			    strcmp(key, "every") != 0)
				tfail(t, it->pairs[k].key, "unknown key \"%s\" "
				    "(expected: line, at, repeat, every)", key);
		}
		if ((n = ynode_get(it, "at")) != NULL &&
		    test_time(t, n, &at) == -1)
			return;
		if ((n = ynode_get(it, "repeat")) != NULL) {
			char	*end;

			repeat = strtoll(n->str, &end, 10);
			if (*end != '\0' || repeat < 1 || repeat > 1000000) {
				tfail(t, n, "repeat must be 1..1000000");
				return;
			}
		}
		if ((n = ynode_get(it, "every")) != NULL &&
		    parse_duration_ms(n->str, &every) == -1) {
			tfail(t, n, "bad duration \"%s\"", n->str);
			return;
		}
		for (k = 0; k < repeat; k++) {
			pipeline_feed_line(pl, dw_str_make(ln->str, ln->len),
			    DW_STR_NULL, at);
			if (k + 1 < repeat)
				at += every;
		}
	}
}

static void
check_matches(struct ttest *t, const struct rules *rs,
    const struct collected *c, const struct ynode *m)
{
	int	i;

	if (m == NULL)
		return;
	if (m->type != YN_MAP) {
		tfail(t, m, "expect.matches must map rule names to counts");
		return;
	}
	for (i = 0; i < m->npairs; i++) {
		const struct rule	*r;
		char			*end;
		long long		 want;

		r = rules_find(rs, m->pairs[i].key->str);
		if (r == NULL) {
			tfail(t, m->pairs[i].key, "no rule \"%s\" in this file",
			    m->pairs[i].key->str);
			return;
		}
		want = strtoll(m->pairs[i].value->str, &end, 10);
		if (*end != '\0') {
			tfail(t, m->pairs[i].value, "a match count must be an "
			    "integer");
			return;
		}
		if ((long long)c->matches[r->index] != want) {
			tfail(t, m->pairs[i].value, "rule %s: expected %lld "
			    "match(es), got %llu", r->name, want,
			    (unsigned long long)c->matches[r->index]);
			return;
		}
	}
}

static void
describe_event(const struct alert_event *ev, dw_ms start, char *out, size_t n)
{
	char	at[32];
	size_t	o;
	int	i;

	format_duration(ev->at - start, at, sizeof(at));
	o = (size_t)snprintf(out, n, "%s %s at %s count %g", ev->rule,
	    ev->reminder ? "reminder" : alert_status_name(ev->status), at,
	    ev->count);
	for (i = 1; i < ev->nlabels && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, " %s=%s",
		    ev->labels[i].name, ev->labels[i].value);
}

/* Compare one expected alert (mapping) with the actual event. */
static void
check_one_alert(struct ttest *t, const struct ynode *exp,
    const struct alert_event *ev)
{
	const struct ynode	*n;
	char			 desc[512];
	int			 i;

	describe_event(ev, t->start, desc, sizeof(desc));
	for (i = 0; i < exp->npairs; i++) {
		const char	*key = exp->pairs[i].key->str;
		const struct ynode *v = exp->pairs[i].value;

		if (strcmp(key, "rule") == 0) {
			if (strcmp(v->str, ev->rule) != 0)
				tfail(t, v, "expected rule %s, got %s", v->str,
				    desc);
		} else if (strcmp(key, "status") == 0) {
			const char *st = ev->reminder ? "reminder" :
			    alert_status_name(ev->status);

			if (strcmp(v->str, st) != 0 && !(ev->reminder &&
			    strcmp(v->str, "firing") == 0))
				tfail(t, v, "expected %s, got %s", v->str,
				    desc);
		} else if (strcmp(key, "at") == 0) {
			dw_ms	want;

			if (test_time(t, v, &want) == 0 && want != ev->at)
				tfail(t, v, "expected at %s, got %s", v->str,
				    desc);
		} else if (strcmp(key, "count") == 0 ||
		    strcmp(key, "value") == 0) {
			double	want = strtod(v->str, NULL);
			double	got = key[0] == 'c' ? ev->count : ev->value;

			if (fabs(want - got) > 1e-9 * fmax(1, fabs(want)))
				tfail(t, v, "expected %s %s, got %g (%s)", key,
				    v->str, got, desc);
		} else if (strcmp(key, "labels") == 0) {
			for (int k = 0; v->type == YN_MAP && k < v->npairs;
			    k++) {
				const char *got = alert_event_label(ev,
				    v->pairs[k].key->str);

				if (got == NULL || strcmp(got,
				    v->pairs[k].value->str) != 0)
					tfail(t, v->pairs[k].value, "expected "
					    "label %s=%s, got %s",
					    v->pairs[k].key->str,
					    v->pairs[k].value->str, desc);
			}
		} else if (strcmp(key, "summary") == 0) {
			if (strcmp(v->str, ev->summary) != 0)
				tfail(t, v, "expected summary \"%s\", got "
				    "\"%s\"", v->str, ev->summary);
		} else if (strcmp(key, "severity") == 0) {
			if (strcmp(v->str, ev->severity) != 0)
				tfail(t, v, "expected severity %s, got %s",
				    v->str, ev->severity);
		} else
			tfail(t, exp->pairs[i].key, "unknown key \"%s\" "
			    "(expected: rule, status, at, labels, count, value, "
			    "summary, severity)", key);
		(void)n;
	}
}

static void
check_alerts(struct ttest *t, const struct collected *c, const struct ynode *a)
{
	char	desc[512];
	int	i;

	if (a == NULL)
		return;
	if (a->type != YN_SEQ) {
		tfail(t, a, "expect.alerts must be a list");
		return;
	}
	if (c->overflow)
		tfail(t, a, "more than %d alert events", RULETEST_EVENTS_MAX);
	for (i = 0; i < a->nitems && !t->failed; i++) {
		if (i >= c->n) {
			tfail(t, a->items[i], "expected alert #%d, but only %d "
			    "alert event(s) happened", i + 1, c->n);
			return;
		}
		if (a->items[i]->type != YN_MAP) {
			tfail(t, a->items[i], "an expected alert is a mapping");
			return;
		}
		check_one_alert(t, a->items[i], c->ev[i]);
	}
	if (!t->failed && c->n > a->nitems) {
		describe_event(c->ev[a->nitems], t->start, desc, sizeof(desc));
		tfail(t, a, "%d unexpected alert event(s) after the expected "
		    "ones, first: %s", c->n - a->nitems, desc);
	}
}

static void
run_one(struct ttest *t, struct rules *rs, const struct dw_config *cfg)
{
	struct pipeline_conf	 pc;
	struct pipeline		*pl = NULL;
	struct collected	 c;
	const struct ynode	*n, *expect;
	int			 i;

	memset(&c, 0, sizeof(c));
	c.ev = calloc(RULETEST_EVENTS_MAX, sizeof(*c.ev));
	c.matches = calloc((size_t)rs->n + 1, sizeof(*c.matches));
	config_pipeline_conf(cfg, &pc);		/* the agent's limits */
	pc.replay = 1;
	pc.on_alert = collect_alert;
	pc.on_alert_arg = &c;
	pc.on_match = collect_match;
	pc.on_match_arg = &c;
	if (c.ev == NULL || c.matches == NULL ||
	    (pl = pipeline_new(rs, &pc)) == NULL) {
		tfail(t, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < t->node->npairs; i++) {
		const char *key = t->node->pairs[i].key->str;

		if (strcmp(key, "name") != 0 && strcmp(key, "start") != 0 &&
		    strcmp(key, "input") != 0 && strcmp(key, "run_until") != 0
		    && strcmp(key, "expect") != 0)
			tfail(t, t->node->pairs[i].key, "unknown key \"%s\" "
			    "(expected: name, start, input, run_until, "
			    "expect)", key);
	}
	feed_input(t, pl, ynode_get(t->node, "input"));
	pipeline_finish(pl);
	if ((n = ynode_get(t->node, "run_until")) != NULL) {
		dw_ms	until;

		if (test_time(t, n, &until) == 0)
			pipeline_advance(pl, until);
	}
	expect = ynode_get(t->node, "expect");
	if (expect != NULL && expect->type == YN_MAP) {
		for (i = 0; i < expect->npairs; i++) {
			const char *key = expect->pairs[i].key->str;

			if (strcmp(key, "matches") != 0 &&
			    strcmp(key, "alerts") != 0)
				tfail(t, expect->pairs[i].key, "unknown key "
				    "\"%s\" (expected: matches, alerts)", key);
		}
		check_matches(t, rs, &c, ynode_get(expect, "matches"));
		check_alerts(t, &c, ynode_get(expect, "alerts"));
	} else
		tfail(t, expect, "a test needs expect: (matches: and/or "
		    "alerts:)");
out:
	pipeline_free(pl);
	for (i = 0; i < c.n; i++)
		alert_event_free(c.ev[i]);
	free(c.ev);
	free(c.matches);
}

int
ruletest_run_file(const char *path, const struct dw_config *cfg, FILE *out,
    struct ruletest_totals *tot)
{
	struct ydoc		 doc;
	struct diag		 dg;
	struct rules		*rs = NULL;
	const struct ynode	*tests;
	int			 i, rc = -1;

	diag_init(&dg, out);
	tot->files++;
	if (ydoc_load_file(&doc, path, YDOC_ENV, &dg) == -1)
		goto out;
	rs = rules_new();
	if (rs == NULL || rules_load_doc(rs, &doc, &dg) > 0 ||
	    rules_finish(rs, &dg) == -1)
		goto out;
	rc = 0;
	tests = ynode_get(doc.root, "tests");
	if (tests == NULL)
		goto out;
	if (tests->type != YN_SEQ) {
		fprintf(out, "%s:%d:%d: tests must be a list\n", path,
		    tests->line, tests->col);
		rc = -1;
		goto out;
	}
	for (i = 0; i < tests->nitems; i++) {
		struct ttest		 t;
		const struct ynode	*n;
		int			 j;

		memset(&t, 0, sizeof(t));
		t.file = doc.file;
		t.node = tests->items[i];
		t.out = out;
		t.name = "(unnamed)";
		parse_timestamp(DW_STR_LIT(RULETEST_START_DEFAULT), &t.start,
		    0);
		if (t.node->type != YN_MAP) {
			tfail(&t, t.node, "a test must be a mapping");
		} else {
			if ((n = ynode_get(t.node, "name")) != NULL &&
			    n->type == YN_SCALAR)
				t.name = n->str;
			if ((n = ynode_get(t.node, "start")) != NULL &&
			    parse_timestamp(dw_str_make(n->str, n->len),
			    &t.start, 0) != n->len)
				tfail(&t, n, "start must be an RFC 3339 time");
			if (!t.failed) {
				/* Counters of a rule set are per test. */
				for (j = 0; j < rs->n; j++)
					rs->v[j]->matches = 0;
				run_one(&t, rs, cfg);
			}
		}
		if (t.failed) {
			tot->failed++;
			fprintf(out, "FAIL %s: %s\n     %s\n", path, t.name,
			    t.why);
		} else {
			tot->passed++;
			fprintf(out, "ok   %s: %s\n", path, t.name);
		}
	}
out:
	if (rc == -1)
		fprintf(out, "FAIL %s: rule file does not load\n", path);
	rules_free(rs);
	ydoc_free(&doc);
	return rc;
}
