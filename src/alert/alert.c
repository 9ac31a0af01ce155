/*
 * alert.c - group keys, their windows and the alert state machine,
 * see alert.h.
 *
 * Keys of one rule live in an open-addressing table (linear probing,
 * backward-shift deletion). Deadlines of all keys live in one binary
 * min-heap ordered by (due, key serial), so equal deadlines always pop
 * in the same order and live runs and replays agree.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "core/ydoc.h"
#include "match/rules.h"
#include "window/window.h"

/* Separator of label values inside a key: never in a log line label
 * (values are cut at it). */
#define KEY_SEP		'\x1f'
/* Longest key: every label value at its maximum. */
#define KEY_MAX_BYTES	(ALERT_LABELS_MAX * (LABEL_VALUE_MAX + 1))
/* First size of a rule's key table (slots, power of two). */
#define KEYTAB_INITIAL	64

struct akey {
	uint64_t	 hash;
	uint64_t	 serial;
	struct rstate	*rst;
	char		*key;
	uint32_t	 keylen;
	int		 overflow;
	struct window	 win;
	enum alert_state state;
	dw_ms		 pending_since;
	dw_ms		 firing_since;
	dw_ms		 last_notify;
	dw_ms		 last_match;
	uint64_t	 episode_matches;
	dw_ms		 due;
	int64_t		 heap_idx;	/* -1 when not scheduled */
	uint32_t	 first_len, last_len;
	char		*first, *last;	/* ALERT_SAMPLE_MAX each */
	double		 match_count;	/* window count after the last match */
	double		 match_value;	/* aggregate after the last match */
};

struct rstate {
	struct rule		*rule;
	struct window_shape	 shape;
	struct akey		**table;
	uint32_t		 cap;		/* slots, power of two */
	uint32_t		 nkeys;
	struct akey		*overflow_key;
};

struct alert_engine {
	struct rules		*rules;
	struct alert_conf	 conf;
	struct rstate		*rst;
	int			 nrules;
	struct akey		**heap;
	size_t			 nheap, capheap;
	dw_ms			 now;
	dw_ms			 target;	/* what alert_advance() runs to */
	uint64_t		 serial;
	uint64_t		 version;	/* state changes */
	struct alert_stats	 st;
};

static void	key_eval(struct alert_engine *, struct akey *, dw_ms t);

const char *
alert_state_name(enum alert_state s)
{
	switch (s) {
	case AS_INACTIVE:
		return "inactive";
	case AS_PENDING:
		return "pending";
	case AS_FIRING:
		return "firing";
	}
	return "?";
}


/* ---- the deadline heap ---- */

static int
heap_less(const struct akey *a, const struct akey *b)
{
	return a->due < b->due || (a->due == b->due && a->serial < b->serial);
}

static void
heap_set(struct alert_engine *e, size_t i, struct akey *k)
{
	e->heap[i] = k;
	k->heap_idx = (int64_t)i;
}

static void
heap_up(struct alert_engine *e, size_t i)
{
	struct akey	*k = e->heap[i];

	while (i > 0) {
		size_t	parent = (i - 1) / 2;

		if (!heap_less(k, e->heap[parent]))
			break;
		heap_set(e, i, e->heap[parent]);
		i = parent;
	}
	heap_set(e, i, k);
}

static void
heap_down(struct alert_engine *e, size_t i)
{
	struct akey	*k = e->heap[i];

	for (;;) {
		size_t	l = 2 * i + 1, r = l + 1, m = i;
		struct akey *best = k;

		if (l < e->nheap && heap_less(e->heap[l], best)) {
			m = l;
			best = e->heap[l];
		}
		if (r < e->nheap && heap_less(e->heap[r], best))
			m = r;
		if (m == i)
			break;
		heap_set(e, i, e->heap[m]);
		i = m;
	}
	heap_set(e, i, k);
}

static void
heap_remove(struct alert_engine *e, struct akey *k)
{
	size_t	i = (size_t)k->heap_idx;

	if (k->heap_idx < 0)
		return;
	k->heap_idx = -1;
	e->nheap--;
	if (i == e->nheap)
		return;
	heap_set(e, i, e->heap[e->nheap]);
	heap_up(e, i);
	heap_down(e, (size_t)e->heap[i]->heap_idx);
}

/* Schedule k at due (DW_MS_NONE: unschedule). -1 if out of memory. */
static int
heap_schedule(struct alert_engine *e, struct akey *k, dw_ms due)
{
	if (due == DW_MS_NONE) {
		heap_remove(e, k);
		k->due = DW_MS_NONE;
		return 0;
	}
	if (k->heap_idx >= 0) {
		k->due = due;
		heap_up(e, (size_t)k->heap_idx);
		heap_down(e, (size_t)k->heap_idx);
		return 0;
	}
	if (e->nheap == e->capheap) {
		size_t		 ncap = e->capheap == 0 ? 256 : e->capheap * 2;
		struct akey	**nh = realloc(e->heap, ncap * sizeof(*nh));

		if (nh == NULL)
			return -1;
		e->heap = nh;
		e->capheap = ncap;
	}
	k->due = due;
	heap_set(e, e->nheap, k);
	e->nheap++;
	heap_up(e, e->nheap - 1);
	return 0;
}

/* ---- key tables ---- */

static struct akey **
keytab_slot(struct rstate *rs, uint64_t hash, const char *key, uint32_t len)
{
	uint32_t	i = (uint32_t)hash & (rs->cap - 1);

	for (;;) {
		struct akey	*k = rs->table[i];

		if (k == NULL || (k->hash == hash && k->keylen == len &&
		    memcmp(k->key, key, len) == 0))
			return &rs->table[i];
		i = (i + 1) & (rs->cap - 1);
	}
}

static int
keytab_grow(struct rstate *rs)
{
	struct akey	**old = rs->table;
	uint32_t	  oldcap = rs->cap, i;
	uint32_t	  ncap = oldcap == 0 ? KEYTAB_INITIAL : oldcap * 2;

	rs->table = calloc(ncap, sizeof(*rs->table));
	if (rs->table == NULL) {
		rs->table = old;
		return -1;
	}
	rs->cap = ncap;
	for (i = 0; i < oldcap; i++)
		if (old[i] != NULL)
			*keytab_slot(rs, old[i]->hash, old[i]->key,
			    old[i]->keylen) = old[i];
	free(old);
	return 0;
}

static void
keytab_delete(struct rstate *rs, struct akey *k)
{
	uint32_t	mask = rs->cap - 1;
	uint32_t	i = (uint32_t)(keytab_slot(rs, k->hash, k->key,
	    k->keylen) - rs->table), j;

	rs->table[i] = NULL;
	/* Backward-shift: move later entries of the probe run up. */
	for (j = (i + 1) & mask; rs->table[j] != NULL; j = (j + 1) & mask) {
		struct akey	*m = rs->table[j];
		uint32_t	 home = (uint32_t)m->hash & mask;

		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			rs->table[i] = m;
			rs->table[j] = NULL;
			i = j;
		}
	}
	rs->nkeys--;
}

static struct akey *
key_new(struct alert_engine *e, struct rstate *rs, uint64_t hash,
    const char *key, uint32_t len)
{
	size_t		 wsz = window_mem_size(&rs->shape);
	size_t		 sz = sizeof(struct akey) + wsz + len + 1 +
	    2 * ALERT_SAMPLE_MAX;
	struct akey	*k;
	char		*p;

	k = calloc(1, sz);
	if (k == NULL)
		return NULL;
	p = (char *)(k + 1);
	window_init(&k->win, &rs->shape, p);
	p += wsz;
	k->key = p;
	memcpy(k->key, key, len);
	k->key[len] = '\0';
	p += len + 1;
	k->first = p;
	k->last = p + ALERT_SAMPLE_MAX;
	k->keylen = len;
	k->hash = hash;
	k->rst = rs;
	k->serial = ++e->serial;
	k->heap_idx = -1;
	k->due = DW_MS_NONE;
	k->state = AS_INACTIVE;
	k->last_match = DW_MS_NONE;
	return k;
}

static void
key_free(struct alert_engine *e, struct akey *k)
{
	heap_remove(e, k);
	if (k->overflow)
		k->rst->overflow_key = NULL;
	else
		keytab_delete(k->rst, k);
	e->st.keys--;
	free(k);
}

/* Find or create the key of rule rs with the given joined values. */
static struct akey *
key_get(struct alert_engine *e, struct rstate *rs, const char *key,
    uint32_t len)
{
	uint64_t	 hash = dw_fnv1a(key, len, DW_FNV_OFFSET);
	struct akey	**slot, *k;

	if (rs->cap != 0) {
		slot = keytab_slot(rs, hash, key, len);
		if (*slot != NULL)
			return *slot;
	}
	if (rs->nkeys >= (uint32_t)e->conf.keys_per_rule) {
		e->st.keys_overflow++;
		if (rs->overflow_key == NULL) {
			char		ov[KEY_MAX_BYTES];
			uint32_t	o = 0;
			int		i;

			for (i = 0; i < rs->rule->ngroup; i++) {
				if (i > 0)
					ov[o++] = KEY_SEP;
				memcpy(ov + o, ALERT_OVERFLOW_VALUE,
				    sizeof(ALERT_OVERFLOW_VALUE) - 1);
				o += sizeof(ALERT_OVERFLOW_VALUE) - 1;
			}
			rs->overflow_key = key_new(e, rs, dw_fnv1a(ov, o,
			    DW_FNV_OFFSET), ov, o);
			if (rs->overflow_key == NULL)
				return NULL;
			rs->overflow_key->overflow = 1;
			e->st.keys++;
		}
		return rs->overflow_key;
	}
	if ((rs->nkeys + 1) * 2 > rs->cap && keytab_grow(rs) == -1)
		return NULL;
	k = key_new(e, rs, hash, key, len);
	if (k == NULL)
		return NULL;
	*keytab_slot(rs, hash, key, len) = k;
	rs->nkeys++;
	e->st.keys++;
	return k;
}

/* ---- engine ---- */

struct alert_engine *
alert_engine_new(struct rules *rules, const struct alert_conf *conf)
{
	struct alert_engine	*e;
	int			 i;

	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->rules = rules;
	e->conf = *conf;
	if (e->conf.keys_per_rule <= 0)
		e->conf.keys_per_rule = ALERT_KEYS_PER_RULE_DEFAULT;
	e->now = DW_MS_NONE;
	e->target = DW_MS_NONE;
	e->nrules = rules->n;
	e->rst = calloc((size_t)rules->n + 1, sizeof(*e->rst));
	if (e->rst == NULL) {
		free(e);
		return NULL;
	}
	for (i = 0; i < rules->n; i++) {
		struct rule	*r = rules->v[i];

		e->rst[i].rule = r;
		window_shape_init(&e->rst[i].shape, r->window,
		    r->agg == AGG_SUM || r->agg == AGG_AVG,
		    r->agg == AGG_MIN || r->agg == AGG_MAX);
	}
	return e;
}

void
alert_engine_free(struct alert_engine *e)
{
	int		i;
	uint32_t	j;

	if (e == NULL)
		return;
	for (i = 0; i < e->nrules; i++) {
		struct rstate	*rs = &e->rst[i];

		for (j = 0; j < rs->cap; j++)
			free(rs->table[j]);
		free(rs->table);
		free(rs->overflow_key);
	}
	free(e->rst);
	free(e->heap);
	free(e);
}

static void	key_emit(struct alert_engine *, struct akey *,
		    enum alert_status, int, dw_ms);
static void	key_set_state(struct alert_engine *, struct akey *,
		    enum alert_state);

/* Resolve (if firing) and free every key of rs. */
static void
rstate_retire(struct alert_engine *e, struct rstate *rs)
{
	uint32_t	j;

	for (j = 0; j <= rs->cap; j++) {
		struct akey	*k = j < rs->cap ? rs->table[j] :
		    rs->overflow_key;

		if (k == NULL)
			continue;
		if (k->state == AS_FIRING) {
			rs->rule->alerts_resolved++;
			e->st.resolved++;
			key_emit(e, k, ALERT_RESOLVED, 0, e->now);
		}
		key_set_state(e, k, AS_INACTIVE);
		heap_remove(e, k);
		e->st.keys--;
		free(k);
	}
	free(rs->table);
	memset(rs, 0, sizeof(*rs));
}

int
alert_engine_rebind(struct alert_engine *e, struct rules *nr)
{
	struct rstate	*nrst;
	int		*moved, i, j;
	uint32_t	 k;

	nrst = calloc((size_t)nr->n + 1, sizeof(*nrst));
	moved = calloc((size_t)e->nrules + 1, sizeof(*moved));
	if (nrst == NULL || moved == NULL) {
		free(nrst);
		free(moved);
		return -1;
	}
	for (i = 0; i < nr->n; i++) {
		struct rule	*r = nr->v[i];

		for (j = 0; j < e->nrules; j++) {
			struct rule	*o = e->rst[j].rule;

			if (moved[j] || o->def_hash != r->def_hash ||
			    strcmp(o->name, r->name) != 0)
				continue;
			nrst[i] = e->rst[j];
			moved[j] = 1;
			r->matches = o->matches;
			r->rejected_condition = o->rejected_condition;
			r->alerts_fired = o->alerts_fired;
			r->alerts_resolved = o->alerts_resolved;
			break;
		}
		nrst[i].rule = r;
		if (j == e->nrules)
			window_shape_init(&nrst[i].shape, r->window,
			    r->agg == AGG_SUM || r->agg == AGG_AVG,
			    r->agg == AGG_MIN || r->agg == AGG_MAX);
	}
	for (j = 0; j < e->nrules; j++)
		if (!moved[j])
			rstate_retire(e, &e->rst[j]);
	for (i = 0; i < nr->n; i++) {
		struct rstate	*rs = &nrst[i];

		for (k = 0; k < rs->cap; k++)
			if (rs->table[k] != NULL)
				rs->table[k]->rst = rs;
		if (rs->overflow_key != NULL)
			rs->overflow_key->rst = rs;
	}
	free(e->rst);
	free(moved);
	e->rst = nrst;
	e->nrules = nr->n;
	e->rules = nr;
	return 0;
}

dw_ms
alert_now(const struct alert_engine *e)
{
	return e->now;
}

dw_ms
alert_next_due(const struct alert_engine *e)
{
	return e->nheap > 0 ? e->heap[0]->due : DW_MS_NONE;
}

const struct alert_stats *
alert_engine_stats(const struct alert_engine *e)
{
	return &e->st;
}

/* The rule's aggregate of k's window (after window_advance). */
static double
key_aggregate(const struct akey *k)
{
	const struct rule		*r = k->rst->rule;
	const struct window_shape	*s = &k->rst->shape;

	switch (r->agg) {
	case AGG_COUNT:
		return (double)k->win.count;
	case AGG_SUM:
		return k->win.sum;
	case AGG_MIN:
		return window_min(&k->win, s);
	case AGG_MAX:
		return window_max(&k->win, s);
	case AGG_AVG:
		return k->win.count > 0 ? k->win.sum / (double)k->win.count :
		    NAN;
	}
	return NAN;
}

static int
key_condition(struct akey *k, dw_ms t)
{
	const struct rule	*r = k->rst->rule;
	double			 v;

	if (r->absent > 0)
		return k->last_match != DW_MS_NONE &&
		    t >= k->last_match + r->absent;
	window_advance(&k->win, &k->rst->shape, t);
	v = key_aggregate(k);
	if (isnan(v))
		return 0;
	return rule_op_eval(r->thr_op, v, r->thr_value);
}

static dw_ms
rule_repeat(const struct alert_engine *e, const struct rule *r)
{
	return r->repeat >= 0 ? r->repeat : e->conf.repeat_default;
}

/* Split k's key into its label values (in group order). */
static int
key_values(const struct akey *k, char vals[][LABEL_VALUE_MAX + 1], int max)
{
	const char	*p = k->key, *end = k->key + k->keylen;
	int		 n = 0;

	if (k->rst->rule->ngroup == 0)
		return 0;
	while (n < max) {
		const char	*sep = memchr(p, KEY_SEP, (size_t)(end - p));
		size_t		 len = (size_t)((sep != NULL ? sep : end) - p);

		if (len > LABEL_VALUE_MAX)
			len = LABEL_VALUE_MAX;
		memcpy(vals[n], p, len);
		vals[n][len] = '\0';
		n++;
		if (sep == NULL)
			break;
		p = sep + 1;
	}
	return n;
}

static int
label_cmp(const void *a, const void *b)
{
	const struct alert_label	*x = a, *y = b;

	return strcmp(x->name, y->name);
}

static void
format_number(double v, char *out, size_t n)
{
	if (isnan(v))
		snprintf(out, n, "none");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(out, n, "%.0f", v);
	else
		snprintf(out, n, "%.6g", v);
}

/* Build the event of k's transition at t and hand it to the sink. */
static void
key_emit(struct alert_engine *e, struct akey *k, enum alert_status status,
    int reminder, dw_ms t)
{
	struct rule		*r = k->rst->rule;
	struct alert_event	 ev;
	char			 vals[ALERT_LABELS_MAX][LABEL_VALUE_MAX + 1];
	const char		*tvals[ALERT_LABELS_MAX * 2];
	char			 summary[1024], description[4096];
	char			 fp[17], identity[4096], count[32], value[32];
	char			 window[32], since[40], total[32];
	char			 first[ALERT_SAMPLE_MAX + 1];
	char			 last[ALERT_SAMPLE_MAX + 1];
	char			 first1[ALERT_SAMPLE_MAX + 1];
	char			 last1[ALERT_SAMPLE_MAX + 1];
	struct tmpl_ctx		 ctx;
	uint64_t		 h;
	double			 agg, cnt;
	int			 nv, i, n = 0;
	size_t			 o;

	memset(&ev, 0, sizeof(ev));
	nv = key_values(k, vals, ALERT_LABELS_MAX);
	ev.labels[n].name = (char *)"alertname";
	ev.labels[n++].value = r->name;
	for (i = 0; i < nv && i < r->ngroup; i++) {
		ev.labels[n].name = r->group[i].name;
		ev.labels[n++].value = vals[i];
		tvals[i] = vals[i];
	}
	for (; i < r->ngroup; i++)
		tvals[i] = "";
	for (i = 0; i < r->nstatic && n < ALERT_LABELS_MAX; i++) {
		ev.labels[n].name = r->statics[i].name;
		ev.labels[n++].value = r->statics[i].value;
		tvals[r->ngroup + i] = r->statics[i].value;
	}
	qsort(ev.labels + 1, (size_t)n - 1, sizeof(ev.labels[0]), label_cmp);
	ev.nlabels = n;

	h = DW_FNV_OFFSET;
	o = (size_t)snprintf(identity, sizeof(identity), "%s{", r->name);
	for (i = 0; i < n; i++) {
		h = dw_fnv1a(ev.labels[i].name, strlen(ev.labels[i].name) + 1, h);
		h = dw_fnv1a(ev.labels[i].value, strlen(ev.labels[i].value) + 1,
		    h);
		if (i > 0 && o < sizeof(identity))
			o += (size_t)snprintf(identity + o,
			    sizeof(identity) - o, "%s%s=\"%s\"",
			    i > 1 ? "," : "", ev.labels[i].name,
			    ev.labels[i].value);
	}
	if (o < sizeof(identity))
		snprintf(identity + o, sizeof(identity) - o, "}");
	snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)h);

	/* A resolved alert reports what it last saw, not the empty window. */
	if (status == ALERT_RESOLVED) {
		cnt = k->match_count;
		agg = k->match_value;
	} else {
		cnt = (double)k->win.count;
		agg = r->absent > 0 ? cnt : key_aggregate(k);
	}
	format_number(cnt, count, sizeof(count));
	format_number(r->value_capture >= 0 ? agg : NAN, value, sizeof(value));
	format_duration(r->absent > 0 ? r->absent : r->window, window,
	    sizeof(window));
	format_rfc3339(k->firing_since != DW_MS_NONE && k->state ==
	    AS_FIRING ? k->firing_since : t, since, sizeof(since));
	snprintf(total, sizeof(total), "%llu",
	    (unsigned long long)k->episode_matches);
	memcpy(first, k->first, k->first_len);
	first[k->first_len] = '\0';
	memcpy(last, k->last, k->last_len);
	last[k->last_len] = '\0';
	/* Templates show the first physical line of a sample. */
	snprintf(first1, sizeof(first1), "%.*s", (int)strcspn(first, "\n"),
	    first);
	snprintf(last1, sizeof(last1), "%.*s", (int)strcspn(last, "\n"), last);

	memset(&ctx, 0, sizeof(ctx));
	ctx.nlabels = r->ngroup + r->nstatic;
	ctx.label_values = tvals;
	ctx.builtin[TB_COUNT] = count;
	ctx.builtin[TB_VALUE] = value;
	ctx.builtin[TB_AGGREGATE] = rule_agg_name(r->agg);
	ctx.builtin[TB_THRESHOLD] = r->threshold_text;
	ctx.builtin[TB_WINDOW] = window;
	ctx.builtin[TB_RULE] = r->name;
	ctx.builtin[TB_SEVERITY] = r->severity;
	ctx.builtin[TB_SINCE] = since;
	ctx.builtin[TB_TOTAL] = total;
	ctx.builtin[TB_FIRST_LINE] = first1;
	ctx.builtin[TB_LAST_LINE] = last1;
	tmpl_render(&r->summary, &ctx, summary, sizeof(summary));
	tmpl_render(&r->alert_description, &ctx, description,
	    sizeof(description));

	ev.status = status;
	ev.reminder = reminder;
	ev.seq = ++e->st.seq;
	ev.rule = r->name;
	ev.severity = r->severity;
	ev.fingerprint = fp;
	ev.identity = identity;
	ev.summary = summary;
	ev.description = description;
	ev.count = cnt;
	ev.value = agg;
	ev.has_value = r->value_capture >= 0 && !isnan(agg);
	ev.aggregate = (char *)rule_agg_name(r->agg);
	ev.threshold = r->threshold_text;
	ev.window_ms = r->absent > 0 ? r->absent : r->window;
	ev.starts_at = k->firing_since;
	ev.ends_at = status == ALERT_RESOLVED ? t : 0;
	ev.at = t;
	ev.matches_total = k->episode_matches;
	ev.first_line = first;
	ev.last_line = last;
	if (e->conf.emit != NULL)
		e->conf.emit(e->conf.emit_arg, &ev);
}

static void
key_set_state(struct alert_engine *e, struct akey *k, enum alert_state s)
{
	if (k->state != s)
		e->version++;
	if (k->state == AS_PENDING)
		e->st.pending--;
	else if (k->state == AS_FIRING)
		e->st.firing--;
	k->state = s;
	if (s == AS_PENDING)
		e->st.pending++;
	else if (s == AS_FIRING)
		e->st.firing++;
}

static void
key_fire(struct alert_engine *e, struct akey *k, dw_ms t)
{
	key_set_state(e, k, AS_FIRING);
	k->firing_since = t;
	k->last_notify = t;
	k->rst->rule->alerts_fired++;
	e->st.fired++;
	key_emit(e, k, ALERT_FIRING, 0, t);
}

/*
 * Evaluate k at time t (>= every earlier evaluation), make the
 * transition that is due, and schedule its next deadline. May free k.
 */
static void
key_eval(struct alert_engine *e, struct akey *k, dw_ms t)
{
	const struct rule	*r = k->rst->rule;
	dw_ms			 repeat = rule_repeat(e, r), due = DW_MS_NONE;
	int			 cond = key_condition(k, t);

	switch (k->state) {
	case AS_INACTIVE:
		if (!cond)
			break;
		if (r->for_ms <= 0)
			key_fire(e, k, t);
		else {
			key_set_state(e, k, AS_PENDING);
			k->pending_since = t;
		}
		break;
	case AS_PENDING:
		if (!cond)
			key_set_state(e, k, AS_INACTIVE);
		else if (t >= k->pending_since + r->for_ms)
			key_fire(e, k, t);
		break;
	case AS_FIRING:
		if (!cond) {
			k->rst->rule->alerts_resolved++;
			e->st.resolved++;
			key_emit(e, k, ALERT_RESOLVED, 0, t);
			key_set_state(e, k, AS_INACTIVE);
			k->firing_since = DW_MS_NONE;
		} else if (repeat > 0 && t >= k->last_notify + repeat) {
			/*
			 * Due. When the clock jumps far ahead (a gap in the log,
			 * a far-future timestamp) only the last reminder of the
			 * jump is sent, not one per missed interval.
			 */
			k->last_notify = t;
			if (e->target == DW_MS_NONE || t + repeat > e->target) {
				e->st.reminders++;
				key_emit(e, k, ALERT_FIRING, 1, t);
			} else
				k->last_notify = t + ((e->target - t) / repeat - 1) *
				    repeat;
		}
		break;
	}

#define EARLIER(d)	do {						\
	dw_ms	d_ = (d);						\
	if (d_ != DW_MS_NONE && (due == DW_MS_NONE || d_ < due))	\
		due = d_;						\
} while (0)
	if (r->absent > 0) {
		if (k->state != AS_FIRING && k->last_match != DW_MS_NONE)
			EARLIER(k->last_match + r->absent);
	} else
		EARLIER(window_next_expiry(&k->win, &k->rst->shape));
	if (k->state == AS_PENDING)
		EARLIER(k->pending_since + r->for_ms);
	if (k->state == AS_FIRING && repeat > 0)
		EARLIER(k->last_notify + repeat);
#undef EARLIER
	if (due != DW_MS_NONE && due <= t)
		due = t + 1;		/* never loop on one instant */
	if (due == DW_MS_NONE && k->state == AS_INACTIVE && r->absent <= 0) {
		key_free(e, k);		/* idle: nothing left to watch */
		return;
	}
	if (heap_schedule(e, k, due) == -1)
		k->due = DW_MS_NONE;
}

void
alert_advance(struct alert_engine *e, dw_ms now)
{
	if (e->now != DW_MS_NONE && now < e->now)
		return;
	e->target = now;
	while (e->nheap > 0 && e->heap[0]->due <= now) {
		struct akey	*k = e->heap[0];
		dw_ms		 t = k->due;

		heap_remove(e, k);
		k->due = DW_MS_NONE;
		if (e->now == DW_MS_NONE || t > e->now)
			e->now = t;
		key_eval(e, k, t);
	}
	e->now = now;
	e->target = DW_MS_NONE;
}

static void
sample_copy(char *dst, uint32_t *len, struct dw_str s)
{
	size_t	n = s.len < ALERT_SAMPLE_MAX ? s.len : ALERT_SAMPLE_MAX;

	memcpy(dst, s.p, n);
	*len = (uint32_t)n;
}

void
alert_observe(struct alert_engine *e, struct rule *r,
    const struct dw_str *values, double value, dw_ms ts, struct dw_str sample)
{
	struct rstate	*rs = &e->rst[r->index];
	struct akey	*k;
	char		 key[KEY_MAX_BYTES];
	uint32_t	 len = 0;
	int		 i;

	if (e->now == DW_MS_NONE || ts > e->now)
		alert_advance(e, ts);
	for (i = 0; i < r->ngroup; i++) {
		size_t		n = values[i].len;
		const char	*sep;

		if (n > LABEL_VALUE_MAX)
			n = LABEL_VALUE_MAX;
		sep = n > 0 ? memchr(values[i].p, KEY_SEP, n) : NULL;
		if (sep != NULL)
			n = (size_t)(sep - values[i].p);
		if (i > 0)
			key[len++] = KEY_SEP;
		if (n > 0)
			memcpy(key + len, values[i].p, n);
		len += (uint32_t)n;
	}
	k = key_get(e, rs, key, len);
	if (k == NULL)
		return;
	if (r->absent <= 0) {
		int	was_empty = k->win.count == 0;

		window_advance(&k->win, &rs->shape, e->now);
		if (window_add(&k->win, &rs->shape, ts, value) == -1) {
			e->st.late++;
			if (k->win.count == 0 && k->state == AS_INACTIVE &&
			    k->heap_idx < 0)
				key_free(e, k);
			return;
		}
		if (was_empty && k->state == AS_INACTIVE) {
			k->episode_matches = 0;
			sample_copy(k->first, &k->first_len, sample);
		}
	} else if (k->state != AS_FIRING) {
		k->episode_matches = 0;
		sample_copy(k->first, &k->first_len, sample);
	}
	if (k->last_match == DW_MS_NONE || ts > k->last_match)
		k->last_match = ts;
	k->episode_matches++;
	sample_copy(k->last, &k->last_len, sample);
	k->match_count = (double)k->win.count;
	k->match_value = r->absent > 0 ? 0 : key_aggregate(k);
	if (k->state != AS_INACTIVE || r->absent > 0)
		e->version++;
	key_eval(e, k, e->now);
}

/* What the key's next deadline will do, in words. */
static const char *
key_next_what(const struct alert_engine *e, const struct akey *k)
{
	const struct rule	*r = k->rst->rule;
	dw_ms			 repeat = rule_repeat(e, r);

	if (k->due == DW_MS_NONE)
		return "nothing scheduled";
	if (k->state == AS_PENDING && k->due == k->pending_since + r->for_ms)
		return "fires, if the condition still holds (end of for:)";
	if (k->state == AS_FIRING && repeat > 0 &&
	    k->due == k->last_notify + repeat)
		return "re-notifies (repeat interval)";
	if (r->absent > 0)
		return "fires: no match for the absence period";
	if (k->state == AS_FIRING)
		return "oldest match leaves the window: resolves unless the "
		    "condition still holds";
	if (k->state == AS_PENDING)
		return "oldest match leaves the window: pending ends unless "
		    "the condition still holds";
	return "oldest match leaves the window";
}

static void
key_view(struct alert_engine *e, struct akey *k, struct alert_key_view *v)
{
	const struct rule	*r = k->rst->rule;
	char			 vals[ALERT_LABELS_MAX][LABEL_VALUE_MAX + 1];
	int			 i, n;

	memset(v, 0, sizeof(*v));
	v->rule = r;
	n = key_values(k, vals, ALERT_LABELS_MAX);
	for (i = 0; i < n && i < r->ngroup; i++) {
		v->label_names[i] = r->group[i].name;
		snprintf(v->label_values[i], sizeof(v->label_values[i]),
		    "%.255s", vals[i]);
	}
	v->nlabels = i;
	v->state = k->state;
	if (e->now != DW_MS_NONE && r->absent <= 0)
		window_advance(&k->win, &k->rst->shape, e->now);
	v->count = (double)k->win.count;
	v->value = r->value_capture >= 0 ? key_aggregate(k) : NAN;
	window_bounds(&k->win, &k->rst->shape, &v->oldest, &v->newest);
	v->pending_since = k->state == AS_PENDING ? k->pending_since :
	    DW_MS_NONE;
	v->firing_since = k->state == AS_FIRING ? k->firing_since :
	    DW_MS_NONE;
	v->last_match = k->last_match;
	v->next_change = k->due;
	v->condition = e->now != DW_MS_NONE && key_condition(k, e->now);
	v->next_what = key_next_what(e, k);
}

void
alert_foreach_key(struct alert_engine *e, const struct rule *only,
    void (*fn)(void *, const struct alert_key_view *), void *arg)
{
	struct alert_key_view	v;
	int			i;
	uint32_t		j;

	for (i = 0; i < e->nrules; i++) {
		struct rstate	*rs = &e->rst[i];

		if (only != NULL && rs->rule != only)
			continue;
		for (j = 0; j < rs->cap; j++) {
			if (rs->table[j] == NULL)
				continue;
			key_view(e, rs->table[j], &v);
			fn(arg, &v);
		}
		if (rs->overflow_key != NULL) {
			key_view(e, rs->overflow_key, &v);
			fn(arg, &v);
		}
	}
}

uint64_t
alert_engine_version(const struct alert_engine *e)
{
	return e->version + e->st.seq;
}

static cJSON *
num_array(const void *v, int n, int is_double)
{
	cJSON	*a = cJSON_CreateArray();
	int	 i;

	for (i = 0; a != NULL && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(is_double ?
		    ((const double *)v)[i] : (double)((const uint32_t *)v)[i]));
	return a;
}

static cJSON *
key_snapshot(const struct akey *k)
{
	const struct rule	*r = k->rst->rule;
	const struct window_shape *s = &k->rst->shape;
	cJSON			*o = cJSON_CreateObject(), *w;
	char			 hex[17];

	if (o == NULL)
		return NULL;
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)r->def_hash);
	cJSON_AddStringToObject(o, "rule", r->name);
	cJSON_AddStringToObject(o, "def", hex);
	cJSON_AddStringToObject(o, "key", k->key);
	cJSON_AddBoolToObject(o, "overflow", k->overflow);
	cJSON_AddStringToObject(o, "state", alert_state_name(k->state));
#define T(name, v) cJSON_AddNumberToObject(o, name, (double)(v))
	T("pending_since", k->pending_since);
	T("firing_since", k->firing_since);
	T("last_notify", k->last_notify);
	T("last_match", k->last_match);
	T("episode", k->episode_matches);
	T("match_count", k->match_count);
	T("match_value", isnan(k->match_value) ? 0 : k->match_value);
#undef T
	{
		char	buf[ALERT_SAMPLE_MAX + 1];

		memcpy(buf, k->first, k->first_len);
		buf[k->first_len] = '\0';
		cJSON_AddStringToObject(o, "first", buf);
		memcpy(buf, k->last, k->last_len);
		buf[k->last_len] = '\0';
		cJSON_AddStringToObject(o, "last", buf);
	}
	w = cJSON_AddObjectToObject(o, "window");
	if (w != NULL) {
		cJSON_AddNumberToObject(w, "head", (double)k->win.head);
		cJSON_AddItemToObject(w, "counts", num_array(k->win.counts,
		    s->nbuckets, 0));
		if (k->win.sums != NULL)
			cJSON_AddItemToObject(w, "sums", num_array(k->win.sums,
			    s->nbuckets, 1));
		if (k->win.mins != NULL) {
			cJSON_AddItemToObject(w, "mins", num_array(k->win.mins,
			    s->nbuckets, 1));
			cJSON_AddItemToObject(w, "maxs", num_array(k->win.maxs,
			    s->nbuckets, 1));
		}
	}
	return o;
}

cJSON *
alert_engine_snapshot(struct alert_engine *e)
{
	cJSON		*root = cJSON_CreateObject(), *keys;
	int		 i;
	uint32_t	 j;

	if (root == NULL)
		return NULL;
	cJSON_AddNumberToObject(root, "version", 1);
	cJSON_AddNumberToObject(root, "clock", e->now == DW_MS_NONE ? -1 :
	    (double)e->now);
	keys = cJSON_AddArrayToObject(root, "keys");
	for (i = 0; keys != NULL && i < e->nrules; i++) {
		struct rstate	*rs = &e->rst[i];

		for (j = 0; j <= rs->cap; j++) {
			struct akey	*k = j < rs->cap ? rs->table[j] :
			    rs->overflow_key;

			if (k == NULL || (k->state == AS_INACTIVE &&
			    rs->rule->absent <= 0))
				continue;
			cJSON_AddItemToArray(keys, key_snapshot(k));
		}
	}
	return root;
}

static double
jnum(const cJSON *o, const char *name, double def)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static const char *
jstr(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
jarray(const cJSON *w, const char *name, void *out, int n, int is_double)
{
	const cJSON	*a = cJSON_GetObjectItemCaseSensitive(w, name), *it;
	int		 i = 0;

	if (!cJSON_IsArray(a) || out == NULL)
		return;
	cJSON_ArrayForEach(it, a) {
		if (i >= n || !cJSON_IsNumber(it))
			break;
		if (is_double)
			((double *)out)[i] = it->valuedouble;
		else
			((uint32_t *)out)[i] = (uint32_t)it->valuedouble;
		i++;
	}
}

static void
sample_set(char *dst, uint32_t *len, const char *s)
{
	size_t	n = s != NULL ? strlen(s) : 0;

	if (n > ALERT_SAMPLE_MAX)
		n = ALERT_SAMPLE_MAX;
	if (n > 0)
		memcpy(dst, s, n);
	*len = (uint32_t)n;
}

/* Recreate one saved key; NULL if its rule changed or is gone. */
static struct akey *
key_restore(struct alert_engine *e, const cJSON *o)
{
	const char	*rule = jstr(o, "rule"), *def = jstr(o, "def");
	const char	*key = jstr(o, "key"), *state = jstr(o, "state");
	const cJSON	*w = cJSON_GetObjectItemCaseSensitive(o, "window");
	struct rstate	*rs = NULL;
	struct akey	*k;
	char		 hex[17];
	int		 i;

	if (rule == NULL || def == NULL || key == NULL || state == NULL)
		return NULL;
	for (i = 0; i < e->nrules; i++) {
		snprintf(hex, sizeof(hex), "%016llx",
		    (unsigned long long)e->rst[i].rule->def_hash);
		if (strcmp(e->rst[i].rule->name, rule) == 0 &&
		    strcmp(hex, def) == 0)
			rs = &e->rst[i];
	}
	if (rs == NULL)
		return NULL;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "overflow"))) {
		if (rs->overflow_key != NULL)
			return NULL;
		k = key_new(e, rs, dw_fnv1a(key, strlen(key), DW_FNV_OFFSET), key,
		    (uint32_t)strlen(key));
		if (k == NULL)
			return NULL;
		k->overflow = 1;
		rs->overflow_key = k;
		e->st.keys++;
	} else {
		k = key_get(e, rs, key, (uint32_t)strlen(key));
		if (k == NULL || k->overflow)
			return NULL;
	}
	k->pending_since = (dw_ms)jnum(o, "pending_since", 0);
	k->firing_since = (dw_ms)jnum(o, "firing_since", 0);
	k->last_notify = (dw_ms)jnum(o, "last_notify", 0);
	k->last_match = (dw_ms)jnum(o, "last_match", (double)DW_MS_NONE);
	k->episode_matches = (uint64_t)jnum(o, "episode", 0);
	k->match_count = jnum(o, "match_count", 0);
	k->match_value = jnum(o, "match_value", 0);
	sample_set(k->first, &k->first_len, jstr(o, "first"));
	sample_set(k->last, &k->last_len, jstr(o, "last"));
	if (w != NULL) {
		k->win.head = (int64_t)jnum(w, "head", (double)INT64_MIN);
		jarray(w, "counts", k->win.counts, rs->shape.nbuckets, 0);
		jarray(w, "sums", k->win.sums, rs->shape.nbuckets, 1);
		jarray(w, "mins", k->win.mins, rs->shape.nbuckets, 1);
		jarray(w, "maxs", k->win.maxs, rs->shape.nbuckets, 1);
		window_recount(&k->win, &rs->shape);
	}
	key_set_state(e, k, strcmp(state, "firing") == 0 ? AS_FIRING :
	    strcmp(state, "pending") == 0 ? AS_PENDING : AS_INACTIVE);
	return k;
}

int
alert_engine_restore(struct alert_engine *e, const cJSON *root, int *skipped)
{
	const cJSON	 *keys, *it;
	struct akey	**restored;
	int		  n = 0, i, max;
	double		  clock;

	*skipped = 0;
	if (jnum(root, "version", 0) != 1)
		return -1;
	clock = jnum(root, "clock", -1);
	keys = cJSON_GetObjectItemCaseSensitive(root, "keys");
	/* A clock alone is not worth restoring: it would only make older
	 * input late. It comes back with the keys it belongs to. */
	if (cJSON_GetArraySize(keys) == 0)
		return 0;
	if (clock >= 0 && (e->now == DW_MS_NONE || (dw_ms)clock > e->now))
		e->now = (dw_ms)clock;
	max = cJSON_GetArraySize(keys);
	restored = calloc((size_t)max + 1, sizeof(*restored));
	if (restored == NULL)
		return -1;
	cJSON_ArrayForEach(it, keys) {
		struct akey	*k = key_restore(e, it);

		if (k != NULL && n < max)
			restored[n++] = k;
		else
			(*skipped)++;
	}
	/* Schedule each restored key; what came due while drainwatch was
	 * down (a window that emptied) happens now. */
	for (i = 0; i < n && e->now != DW_MS_NONE; i++)
		key_eval(e, restored[i], e->now);
	free(restored);
	return n;
}
