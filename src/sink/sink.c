/*
 * sink.c - the sink registry, the sink set built from agent.yaml
 * (`sinks:` and `routes:`), routing of alert events, draining and the
 * sinks' metrics (see sink.h).
 *
 * Routing: routes are tried in order; the first whose `match` accepts
 * the event selects its `sinks`, and routing stops there unless the
 * route says `continue: true`. No `routes:` at all = every sink gets
 * every event. An event no route accepts goes nowhere and is counted
 * (drainwatch_notifications_unrouted_total). Matching looks only at
 * severity, rule and labels, which never change between an alert's
 * firing and its resolution, so both always reach the same sinks.
 *
 * Everything here is built at start-up; sink_set_emit() runs on the
 * pipeline thread and allocates nothing itself (network sinks copy the
 * event into their queue: only alert transitions get here).
 */
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "sink/delivery.h"
#include "sink/sink.h"

/* Longest sink name: it is also a file name in the state directory. */
#define SINK_NAME_MAX_BYTES	64
/* Patterns one route may list per match key. */
#define ROUTE_PATTERNS_MAX	16

static const struct sink_ops *const sink_registry[] = {
	&sink_console_ops,
	&sink_slack_ops,
	&sink_pagerduty_ops,
	&sink_webhook_ops,
	&sink_alertmanager_ops,
};

static const char *const severities[] = {
	"critical", "error", "warning", "info",
};

struct route_label {
	char	*name;
	char	*glob;
};

struct route {
	char			*sev[ROUTE_PATTERNS_MAX];
	int			 nsev;
	char			*rule[ROUTE_PATTERNS_MAX];
	int			 nrule;
	struct route_label	 labels[ALERT_LABELS_MAX];
	int			 nlabels;
	uint32_t		 sinks;		/* bit i = set->sinks[i] */
	int			 cont;
};

struct sink_set {
	struct sink_set_conf	 conf;
	char			*state_dir;
	struct delivery		*dlv;
	struct sink		*sinks[SINKS_MAX];
	int			 nsinks;
	char			*skipped[SINKS_MAX];	/* optional, unset */
	int			 nskipped;
	struct route		 routes[ROUTES_MAX];
	int			 nroutes;
	uint64_t		 unrouted;
};

const struct sink_ops *
sink_ops_find(const char *type)
{
	size_t	i;

	for (i = 0; i < DW_NELEM(sink_registry); i++)
		if (strcmp(sink_registry[i]->type, type) == 0)
			return sink_registry[i];
	return NULL;
}

static void
type_list(char *out, size_t n)
{
	size_t	i, o = 0;

	out[0] = '\0';
	for (i = 0; i < DW_NELEM(sink_registry) && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%s", i > 0 ? ", " : "",
		    sink_registry[i]->type);
}

static int
name_ok(const char *s)
{
	size_t	n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-'))
			return 0;
	return n > 0 && n <= SINK_NAME_MAX_BYTES;
}

static int
sink_index(const struct sink_set *ss, const char *name)
{
	int	i;

	for (i = 0; i < ss->nsinks; i++)
		if (strcmp(ss->sinks[i]->name, name) == 0)
			return i;
	return -1;
}

static int
is_skipped(const struct sink_set *ss, const char *name)
{
	int	i;

	for (i = 0; i < ss->nskipped; i++)
		if (strcmp(ss->skipped[i], name) == 0)
			return 1;
	return 0;
}

static void
sink_destroy(struct sink *s)
{
	if (s == NULL)
		return;
	if (s->ops != NULL && s->ops->close != NULL)
		s->ops->close(s);
	free(s->name);
	free(s);
}

/* Open one sink of the given type with the item's other keys. */
static int
add_sink(struct sink_set *ss, const struct sink_ops *ops, const char *name,
    const struct ynode *item, const char *file, struct diag *dg)
{
	struct ynode	 sub;
	struct sink	*s = NULL;
	int		 i, rc = -1, before = dg->nerrors;

	/* The type sees its own keys only: name, type and enabled are
	 * taken out, so its table reports any other key as unknown. */
	memset(&sub, 0, sizeof(sub));
	sub.type = YN_MAP;
	sub.line = item->line;
	sub.col = item->col;
	sub.pairs = calloc((size_t)item->npairs + 1, sizeof(*sub.pairs));
	s = calloc(1, sizeof(*s));
	if (s != NULL)
		s->name = strdup(name);
	if (sub.pairs == NULL || s == NULL || s->name == NULL) {
		diag_errno(dg, file, "out of memory");
		goto out;
	}
	for (i = 0; i < item->npairs; i++) {
		const char	*k = item->pairs[i].key->str;

		if (strcmp(k, "name") != 0 && strcmp(k, "type") != 0 &&
		    strcmp(k, "enabled") != 0)
			sub.pairs[sub.npairs++] = item->pairs[i];
	}
	s->ops = ops;
	s->conf = &ss->conf;
	s->dlv = ss->dlv;
	rc = ops->open(s, &sub, file, dg);
	if (rc == 1) {
		/* Worth saying when the agent runs; noise for a replay. */
		if (ss->conf.send)
			log_info("sink %s (%s) skipped: its url or key is empty "
			    "and it is optional", name, ops->type);
		else
			log_debug("sink %s (%s) skipped: its url or key is "
			    "empty and it is optional", name, ops->type);
		ss->skipped[ss->nskipped++] = s->name;
		s->name = NULL;
	} else if (rc == 0 && dg->nerrors == before) {
		ss->sinks[ss->nsinks++] = s;
		s = NULL;
	} else {
		/* Reported already; remember the name so that routes
		 * naming it do not add a second, misleading error. */
		ss->skipped[ss->nskipped++] = s->name;
		s->name = NULL;
		rc = -1;
	}
out:
	sink_destroy(s);
	free(sub.pairs);
	return rc;
}

static void
read_sinks(struct sink_set *ss, const struct ynode *seq, const char *file,
    struct diag *dg)
{
	char	types[256];
	int	i, j;

	type_list(types, sizeof(types));
	if (ynode_expect(seq, YN_SEQ, file, dg, "sinks") == -1)
		return;
	for (i = 0; i < seq->nitems; i++) {
		const struct ynode	*it = seq->items[i];
		const struct ynode	*tn, *nn, *en;
		const struct sink_ops	*ops;
		struct sink		*s;
		const char		*type, *name;
		int			 enabled = 1;

		if (ynode_expect(it, YN_MAP, file, dg, "a sink") == -1)
			continue;
		tn = ynode_get(it, "type");
		nn = ynode_get(it, "name");
		en = ynode_get(it, "enabled");
		if (tn == NULL) {
			diag_error(dg, file, it->line, it->col, "sink needs a "
			    "type (one of: %s)", types);
			continue;
		}
		if (ynode_string(tn, file, dg, &type) == -1)
			continue;
		ops = sink_ops_find(type);
		if (ops == NULL) {
			diag_error(dg, file, tn->line, tn->col, "unknown sink "
			    "type \"%s\" (expected: %s)", type, types);
			continue;
		}
		name = type;
		if (nn != NULL && ynode_string(nn, file, dg, &name) == -1)
			continue;
		if (!name_ok(name)) {
			diag_error(dg, file, nn != NULL ? nn->line : tn->line,
			    nn != NULL ? nn->col : tn->col, "bad sink name "
			    "\"%s\" (1-%d letters, digits, _ or -)", name,
			    SINK_NAME_MAX_BYTES);
			continue;
		}
		for (j = 0; j < i; j++) {
			const struct ynode	*on = seq->items[j]->type ==
			    YN_MAP ? ynode_get(seq->items[j], "name") : NULL;
			const struct ynode	*ot = seq->items[j]->type ==
			    YN_MAP ? ynode_get(seq->items[j], "type") : NULL;
			const struct ynode	*o = on != NULL ? on : ot;

			if (o != NULL && o->type == YN_SCALAR &&
			    strcmp(o->str, name) == 0)
				break;
		}
		if (j < i) {
			diag_error(dg, file, nn != NULL ? nn->line : tn->line,
			    nn != NULL ? nn->col : tn->col, "duplicate sink "
			    "name \"%s\" (first at line %d; give each sink its "
			    "own name:)", name, seq->items[j]->line);
			continue;
		}
		if (en != NULL && ynode_bool(en, file, dg, &enabled) == -1)
			continue;
		if (ss->nsinks + ss->nskipped == SINKS_MAX) {
			diag_error(dg, file, it->line, it->col, "too many "
			    "sinks (at most %d)", SINKS_MAX);
			break;
		}
		/* Disabled sinks are skipped; routes may name them. */
		if (!enabled) {
			ss->skipped[ss->nskipped] = strdup(name);
			if (ss->skipped[ss->nskipped] != NULL)
				ss->nskipped++;
			continue;
		}
		if (add_sink(ss, ops, name, it, file, dg) != 0 ||
		    !ss->conf.skip_console || ops != &sink_console_ops)
			continue;
		/* A replay prints events itself: its console sinks are
		 * checked, then set aside like disabled ones. */
		s = ss->sinks[--ss->nsinks];
		ss->skipped[ss->nskipped++] = s->name;
		s->name = NULL;
		sink_destroy(s);
	}
	if (ss->nsinks == 0 && dg->nerrors == 0 && !ss->conf.skip_console)
		diag_warning(dg, file, seq->line, seq->col, "no sink is "
		    "enabled: alerts will go nowhere (add a console sink)");
}

/* A scalar or a sequence of scalars into out[] (strdup'ed). */
static int
read_patterns(const struct ynode *n, const char *file, struct diag *dg,
    char **out, int *nout, const char *what)
{
	const struct ynode	*one = n;
	int			 i, count;

	count = n->type == YN_SEQ ? n->nitems : 1;
	if (n->type == YN_MAP) {
		diag_error(dg, file, n->line, n->col, "%s: expected a value or "
		    "a list of values", what);
		return -1;
	}
	if (count > ROUTE_PATTERNS_MAX) {
		diag_error(dg, file, n->line, n->col, "%s: at most %d values",
		    what, ROUTE_PATTERNS_MAX);
		return -1;
	}
	for (i = 0; i < count; i++) {
		const char	*s;

		if (n->type == YN_SEQ)
			one = n->items[i];
		if (ynode_string(one, file, dg, &s) == -1)
			return -1;
		out[*nout] = strdup(s);
		if (out[*nout] == NULL)
			return -1;
		(*nout)++;
	}
	return 0;
}

static int
has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static void
read_match(struct route *r, const struct ynode *m, const char *file,
    struct diag *dg)
{
	int	i, j;

	if (ynode_expect(m, YN_MAP, file, dg, "match") == -1)
		return;
	for (i = 0; i < m->npairs; i++) {
		const struct ynode	*k = m->pairs[i].key;
		const struct ynode	*v = m->pairs[i].value;

		if (strcmp(k->str, "severity") == 0) {
			int	first = r->nsev;

			if (read_patterns(v, file, dg, r->sev, &r->nsev,
			    "severity") == -1)
				continue;
			for (j = first; j < r->nsev; j++) {
				size_t	s;

				for (s = 0; s < DW_NELEM(severities); s++)
					if (strcmp(r->sev[j], severities[s]) ==
					    0)
						break;
				if (s == DW_NELEM(severities) &&
				    !has_glob(r->sev[j]))
					diag_error(dg, file, v->line, v->col,
					    "unknown severity \"%s\" (expected:"
					    " critical, error, warning, info)",
					    r->sev[j]);
			}
		} else if (strcmp(k->str, "rule") == 0) {
			(void)read_patterns(v, file, dg, r->rule, &r->nrule,
			    "rule");
		} else if (strcmp(k->str, "labels") == 0) {
			if (ynode_expect(v, YN_MAP, file, dg, "labels") == -1)
				continue;
			for (j = 0; j < v->npairs; j++) {
				const char	*g;

				if (r->nlabels == ALERT_LABELS_MAX) {
					diag_error(dg, file, v->line, v->col,
					    "at most %d labels",
					    ALERT_LABELS_MAX);
					break;
				}
				if (ynode_string(v->pairs[j].value, file, dg,
				    &g) == -1)
					continue;
				r->labels[r->nlabels].name =
				    strdup(v->pairs[j].key->str);
				r->labels[r->nlabels].glob = strdup(g);
				r->nlabels++;
			}
		} else
			diag_error(dg, file, k->line, k->col, "unknown key "
			    "\"%s\" in match (expected: severity, rule, "
			    "labels)", k->str);
	}
}

static void
read_route_sinks(struct sink_set *ss, struct route *r, const struct ynode *v,
    const char *file, struct diag *dg)
{
	int	 i, idx;

	if (v->type == YN_SEQ && v->nitems > SINKS_MAX) {
		diag_error(dg, file, v->line, v->col, "too many sinks");
		return;
	}
	if (v->type == YN_MAP) {
		diag_error(dg, file, v->line, v->col, "sinks: expected a sink "
		    "name or a list of names");
		return;
	}
	for (i = 0; i < (v->type == YN_SEQ ? v->nitems : 1); i++) {
		const struct ynode	*one = v->type == YN_SEQ ?
		    v->items[i] : v;
		const char		*s;
		char			 known[512];
		size_t			 o = 0;
		int			 k;

		if (ynode_string(one, file, dg, &s) == -1)
			continue;
		if (v->type == YN_SCALAR && s[0] == '\0')
			break;		/* sinks: "" = drop */
		idx = sink_index(ss, s);
		if (idx >= 0) {
			r->sinks |= 1u << idx;
			continue;
		}
		if (is_skipped(ss, s))
			continue;
		known[0] = '\0';
		for (k = 0; k < ss->nsinks && o < sizeof(known); k++)
			o += (size_t)snprintf(known + o, sizeof(known) - o,
			    "%s%s", k > 0 ? ", " : "", ss->sinks[k]->name);
		diag_error(dg, file, one->line, one->col, "route names unknown "
		    "sink \"%s\" (configured: %s)", s,
		    known[0] != '\0' ? known : "none");
	}
}

static void
read_routes(struct sink_set *ss, const struct ynode *seq, const char *file,
    struct diag *dg)
{
	int	i, j;

	if (ynode_expect(seq, YN_SEQ, file, dg, "routes") == -1)
		return;
	if (seq->nitems > ROUTES_MAX) {
		diag_error(dg, file, seq->line, seq->col, "too many routes (at "
		    "most %d)", ROUTES_MAX);
		return;
	}
	for (i = 0; i < seq->nitems; i++) {
		const struct ynode	*it = seq->items[i];
		struct route		*r = &ss->routes[ss->nroutes++];
		int			 has_sinks = 0;

		if (ynode_expect(it, YN_MAP, file, dg, "a route") == -1)
			continue;
		for (j = 0; j < it->npairs; j++) {
			const struct ynode	*k = it->pairs[j].key;
			const struct ynode	*v = it->pairs[j].value;

			if (strcmp(k->str, "match") == 0)
				read_match(r, v, file, dg);
			else if (strcmp(k->str, "sinks") == 0) {
				has_sinks = 1;
				read_route_sinks(ss, r, v, file, dg);
			} else if (strcmp(k->str, "continue") == 0)
				(void)ynode_bool(v, file, dg, &r->cont);
			else
				diag_error(dg, file, k->line, k->col, "unknown "
				    "key \"%s\" in route (expected: match, "
				    "sinks, continue)", k->str);
		}
		if (!has_sinks)
			diag_error(dg, file, it->line, it->col, "route needs "
			    "sinks: (a name or a list; [] drops what it "
			    "matches)");
	}
}

struct sink_set *
sink_set_new(const struct ynode *sinks, const struct ynode *routes,
    const char *file, const struct sink_set_conf *conf, struct diag *dg)
{
	struct sink_set	*ss;
	int		 before = dg->nerrors;

	ss = calloc(1, sizeof(*ss));
	if (ss == NULL) {
		diag_errno(dg, file, "out of memory");
		return NULL;
	}
	ss->conf = *conf;
	ss->state_dir = strdup(conf->state_dir != NULL ? conf->state_dir :
	    "state");
	ss->conf.state_dir = ss->state_dir;
	if (ss->state_dir == NULL)
		goto fail;
	if (conf->send && !conf->dry_run) {
		ss->dlv = delivery_new(ss->state_dir);
		if (ss->dlv == NULL) {
			diag_errno(dg, file, "cannot start the delivery "
			    "engine");
			goto fail;
		}
	}
	if (sinks == NULL) {
		struct ynode	empty = { .type = YN_MAP };

		if (!conf->skip_console)
			(void)add_sink(ss, &sink_console_ops, "console", &empty,
			    file, dg);
	} else
		read_sinks(ss, sinks, file, dg);
	if (routes != NULL)
		read_routes(ss, routes, file, dg);
	if (dg->nerrors > before)
		goto fail;
	if (delivery_start(ss->dlv) == -1) {
		diag_errno(dg, file, "cannot start the delivery thread");
		goto fail;
	}
	return ss;
fail:
	sink_set_free(ss);
	return NULL;
}

void
sink_set_free(struct sink_set *ss)
{
	int	i, j;

	if (ss == NULL)
		return;
	/* Stop the engine first: it uses the network sinks' channels. */
	delivery_free(ss->dlv);
	for (i = 0; i < ss->nsinks; i++)
		sink_destroy(ss->sinks[i]);
	for (i = 0; i < ss->nskipped; i++)
		free(ss->skipped[i]);
	for (i = 0; i < ss->nroutes; i++) {
		struct route	*r = &ss->routes[i];

		for (j = 0; j < r->nsev; j++)
			free(r->sev[j]);
		for (j = 0; j < r->nrule; j++)
			free(r->rule[j]);
		for (j = 0; j < r->nlabels; j++) {
			free(r->labels[j].name);
			free(r->labels[j].glob);
		}
	}
	free(ss->state_dir);
	free(ss);
}

static int
any_glob(char *const *pats, int n, const char *s)
{
	int	i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (fnmatch(pats[i], s != NULL ? s : "", 0) == 0)
			return 1;
	return 0;
}

static int
route_match(const struct route *r, const struct alert_event *ev)
{
	int	i;

	if (!any_glob(r->sev, r->nsev, ev->severity) ||
	    !any_glob(r->rule, r->nrule, ev->rule))
		return 0;
	for (i = 0; i < r->nlabels; i++) {
		const char	*v = alert_event_label(ev, r->labels[i].name);

		if (v == NULL || fnmatch(r->labels[i].glob, v, 0) != 0)
			return 0;
	}
	return 1;
}

void
sink_set_emit(struct sink_set *ss, const struct alert_event *ev)
{
	uint32_t	mask = 0;
	int		i, matched = 0;

	if (ss->nroutes == 0)
		mask = ~0u;
	for (i = 0; i < ss->nroutes; i++) {
		if (!route_match(&ss->routes[i], ev))
			continue;
		matched = 1;
		mask |= ss->routes[i].sinks;
		if (!ss->routes[i].cont)
			break;
	}
	if (ss->nroutes > 0 && !matched)
		__atomic_fetch_add(&ss->unrouted, 1, __ATOMIC_RELAXED);
	for (i = 0; i < ss->nsinks; i++) {
		struct sink	*s = ss->sinks[i];

		if ((mask & (1u << i)) == 0)
			continue;
		if (s->ops->emit(s, ev) == 0)
			__atomic_fetch_add(&s->emitted, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&s->refused, 1, __ATOMIC_RELAXED);
	}
}

int
sink_set_drain(struct sink_set *ss, dw_ms deadline)
{
	int	i, left = 0;

	for (i = 0; i < ss->nsinks; i++)
		if (ss->sinks[i]->ops->drain != NULL)
			left += ss->sinks[i]->ops->drain(ss->sinks[i],
			    deadline);
	return left;
}

int
sink_set_count(const struct sink_set *ss)
{
	return ss != NULL ? ss->nsinks : 0;
}

const struct sink *
sink_set_get(const struct sink_set *ss, int i)
{
	return i >= 0 && i < ss->nsinks ? ss->sinks[i] : NULL;
}

/* Stats of any sink: network sinks have their own, the console counts
 * what it wrote. */
static void
sink_stats_of(const struct sink *s, struct sink_stats *st)
{
	if (s->ops->drain != NULL) {
		netsink_stats(s, st);
		return;
	}
	memset(st, 0, sizeof(*st));
	st->healthy = 1;
	st->delivered = __atomic_load_n(&s->emitted, __ATOMIC_RELAXED);
	st->failed = __atomic_load_n(&s->refused, __ATOMIC_RELAXED);
}

#define FAMILY(b, name, type, help)	metrics_buf_family(b, name, type, help)

size_t
sink_set_metrics(const struct sink_set *ss, char *buf, size_t n)
{
	struct sink_stats	 st[SINKS_MAX];
	struct metrics_buf	 b;
	int			 i, c;
	static const struct {
		const char	*name;
		size_t		 off;
	} outcomes[] = {
		{ "delivered", offsetof(struct sink_stats, delivered) },
		{ "failed", offsetof(struct sink_stats, failed) },
		{ "expired", offsetof(struct sink_stats, expired) },
		{ "dropped", offsetof(struct sink_stats, dropped) },
		{ "suppressed", offsetof(struct sink_stats, suppressed) },
		{ "dry_run", offsetof(struct sink_stats, dry_run) },
	};

	if (n == 0)
		return 0;
	metrics_buf_init(&b, buf, n);
	for (i = 0; i < ss->nsinks; i++)
		sink_stats_of(ss->sinks[i], &st[i]);
#define L(s)	(s)->name, (s)->ops->type
	FAMILY(&b, "drainwatch_notifications_total", "counter",
	    "Alert notifications by sink and outcome.");
	for (i = 0; i < ss->nsinks; i++) {
		for (c = 0; c < (int)DW_NELEM(outcomes); c++) {
			const char	*p = (const char *)&st[i] +
			    outcomes[c].off;

			if (!st[i].network && c >= 2)
				continue;
			metrics_buf_printf(&b, "drainwatch_notifications_total{sink="
			    "\"%s\",type=\"%s\",outcome=\"%s\"} %llu\n",
			    L(ss->sinks[i]), outcomes[c].name,
			    (unsigned long long)*(const uint64_t *)p);
		}
	}
	FAMILY(&b, "drainwatch_notifications_unrouted_total", "counter",
	    "Alert events no route matched.");
	metrics_buf_printf(&b, "drainwatch_notifications_unrouted_total %llu\n",
	    (unsigned long long)__atomic_load_n(&ss->unrouted,
	    __ATOMIC_RELAXED));
	FAMILY(&b, "drainwatch_notification_requests_total", "counter",
	    "HTTP requests to network sinks by result class.");
	for (i = 0; i < ss->nsinks; i++)
		for (c = 0; st[i].network && c < REQ_CLASS_COUNT; c++)
			metrics_buf_printf(&b, "drainwatch_notification_requests_total{"
			    "sink=\"%s\",type=\"%s\",class=\"%s\"} %llu\n",
			    L(ss->sinks[i]), sink_req_class_names[c],
			    (unsigned long long)st[i].requests[c]);
#define PER_SINK(name, type, help, fmt, expr)				\
	FAMILY(&b, name, type, help);					\
	for (i = 0; i < ss->nsinks; i++)				\
		if (st[i].network)					\
			metrics_buf_printf(&b, name "{sink=\"%s\",type=\"%s\"} "	\
			    fmt "\n", L(ss->sinks[i]), expr)
	PER_SINK("drainwatch_notification_retries_total", "counter",
	    "Delivery attempts after the first.", "%llu",
	    (unsigned long long)st[i].retries);
	PER_SINK("drainwatch_notifications_coalesced_total", "counter",
	    "Notifications sent together with others in one request.",
	    "%llu", (unsigned long long)st[i].coalesced);
	PER_SINK("drainwatch_notifications_resent_total", "counter",
	    "Firing alerts re-posted to Alertmanager.", "%llu",
	    (unsigned long long)st[i].resent);
	PER_SINK("drainwatch_notification_queue_depth", "gauge",
	    "Notifications accepted and not yet delivered or given up.",
	    "%llu", (unsigned long long)st[i].pending);
	PER_SINK("drainwatch_notification_oldest_pending_seconds", "gauge",
	    "Age of the oldest notification waiting for delivery.", "%.3f",
	    st[i].oldest_age_s);
	PER_SINK("drainwatch_sink_healthy", "gauge",
	    "0 after a notification was refused for good (4xx), 1 after a "
	    "success.", "%d", st[i].healthy);
	PER_SINK("drainwatch_sink_consecutive_failures", "gauge",
	    "Retryable failures since the last success.", "%llu",
	    (unsigned long long)st[i].consecutive_failures);
	PER_SINK("drainwatch_outbox_bytes", "gauge",
	    "Size of the sink's on-disk outbox file.", "%llu",
	    (unsigned long long)st[i].outbox_bytes);
#undef PER_SINK
#undef L
	return b.len;
}

void
sink_set_report(const struct sink_set *ss, FILE *out)
{
	struct sink_stats	st;
	int			i;

	for (i = 0; i < ss->nsinks; i++) {
		const struct sink	*s = ss->sinks[i];

		sink_stats_of(s, &st);
		if (!st.network) {
			fprintf(out, "sink %s (%s): %llu written\n", s->name,
			    s->ops->type, (unsigned long long)st.delivered);
			continue;
		}
		fprintf(out, "sink %s (%s): %llu delivered, %llu failed, %llu "
		    "expired, %llu dropped, %llu pending\n", s->name,
		    s->ops->type, (unsigned long long)st.delivered,
		    (unsigned long long)st.failed,
		    (unsigned long long)st.expired,
		    (unsigned long long)st.dropped,
		    (unsigned long long)st.pending);
		if (st.suppressed > 0)
			fprintf(out, "  %llu not posted (replay without "
			    "--send)\n", (unsigned long long)st.suppressed);
		if (st.dry_run > 0)
			fprintf(out, "  %llu printed (--dry-run)\n",
			    (unsigned long long)st.dry_run);
	}
	for (i = 0; i < ss->nskipped; i++)
		fprintf(out, "sink %s: skipped (disabled, or optional with an "
		    "empty url/key)\n", ss->skipped[i]);
}
