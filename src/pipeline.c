/*
 * pipeline.c - the order of the stages, see pipeline.h.
 *
 * Hot path: pipeline_feed() runs one Vectorscan scan over a whole
 * block of lines, then walks the lines with memchr. A line no pattern
 * or PostgreSQL marker hit, and that does not start with a TAB, cannot
 * match any rule nor belong to a multi-line record: it is counted and
 * skipped without being parsed. The others are parsed, put together
 * by the assembler, scanned again on their own text to learn which
 * rules may match, and only those run PCRE2.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "alert/alert.h"
#include "core/log.h"
#include "core/metrics.h"
#include "match/match.h"
#include "match/prefilter.h"
#include "match/rules.h"
#include "parse/assemble.h"
#include "pipeline.h"

struct pipeline {
	struct rules		*rules;
	struct pipeline_conf	 conf;
	struct assembler	*asm_;
	struct alert_engine	*alerts;
	struct pipeline_stats	 st;
	uint32_t		*hit_ends;	/* starts of hit lines, at most
						   PREFILTER_HITS_MAX */
	int			*cands;		/* RULES_MAX */

	/* the current line, to tell pass-through records from joined */
	const char		*cur_line;
	struct dw_str		 cur_app;
	dw_ms			 cur_arrival;

	int			 prev_slow;	/* last line was parsed */
	struct log_limiter	 late_warn;
	struct log_limiter	 parse_warn;
	struct log_limiter	 future_warn;

	/* the assembler's clock: event time of the newest parsed line */
	dw_ms			 asm_clock;
	dw_ms			 asm_wall;	/* wall time it was set */
	dw_ms			 asm_expired;	/* last expiry run */

	/* event clock */
	dw_ms			 clock;		/* DW_MS_NONE until a match */
	dw_ms			 last_match_wall; /* live: wall time of it */
};

struct pipeline *
pipeline_new(struct rules *rules, const struct pipeline_conf *conf)
{
	struct pipeline		*pl;
	struct assemble_conf	 ac;
	struct alert_conf	 alc;

	pl = calloc(1, sizeof(*pl));
	if (pl == NULL)
		return NULL;
	pl->rules = rules;
	pl->conf = *conf;
	pl->clock = DW_MS_NONE;
	pl->last_match_wall = DW_MS_NONE;
	pl->asm_clock = DW_MS_NONE;
	pl->asm_expired = DW_MS_NONE;
	ac.slots = conf->assemble_slots > 0 ? conf->assemble_slots :
	    ASSEMBLE_SLOTS_DEFAULT;
	ac.max_bytes = conf->assemble_max_bytes > 0 ?
	    conf->assemble_max_bytes : ASSEMBLE_MAX_BYTES_DEFAULT;
	ac.timeout_ms = conf->assemble_timeout > 0 ? conf->assemble_timeout :
	    ASSEMBLE_TIMEOUT_MS_DEFAULT;
	alc.keys_per_rule = conf->keys_per_rule;
	alc.repeat_default = conf->repeat_interval;
	alc.emit = conf->on_alert;
	alc.emit_arg = conf->on_alert_arg;
	pl->asm_ = assemble_new(&ac);
	pl->alerts = alert_engine_new(rules, &alc);
	pl->hit_ends = calloc(PREFILTER_HITS_MAX, sizeof(*pl->hit_ends));
	pl->cands = calloc(RULES_MAX, sizeof(*pl->cands));
	if (pl->asm_ == NULL || pl->alerts == NULL || pl->hit_ends == NULL ||
	    pl->cands == NULL || rules->pf == NULL) {
		pipeline_free(pl);
		return NULL;
	}
	return pl;
}

int
pipeline_reload(struct pipeline *pl, struct rules *rules)
{
	if (rules->pf == NULL || alert_engine_rebind(pl->alerts, rules) == -1)
		return -1;
	pl->rules = rules;
	return 0;
}

void
pipeline_free(struct pipeline *pl)
{
	if (pl == NULL)
		return;
	assemble_free(pl->asm_);
	alert_engine_free(pl->alerts);
	free(pl->hit_ends);
	free(pl->cands);
	free(pl);
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Which rules may match rec: scan its own text with the prefilter. */
static int
record_candidates(struct pipeline *pl, const struct log_record *rec)
{
	struct prefilter	*pf = pl->rules->pf;
	int			 n, single = rec->line.p == pl->cur_line;

	if (single || pl->rules->any_match_line) {
		/* A single line holds its message: scanning the line is a
		 * superset for rules on either. */
		n = prefilter_scan_text(pf, rec->line.p, rec->line.len,
		    pl->cands, 0);
		if (!single)
			n = prefilter_scan_text(pf, rec->message.p,
			    rec->message.len, pl->cands, n);
	} else
		n = prefilter_scan_text(pf, rec->message.p, rec->message.len,
		    pl->cands, 0);
	if (n > 1)
		qsort(pl->cands, (size_t)n, sizeof(int), cmp_int);
	return n;
}

/* Move the event clock to t (never backwards) and run due timers. */
static void
clock_advance(struct pipeline *pl, dw_ms t)
{
	if (pl->clock != DW_MS_NONE && t <= pl->clock)
		return;
	pl->clock = t;
	alert_advance(pl->alerts, t);
}

/* One complete record from the assembler: match it against rules. */
static void
on_record(void *arg, const struct log_record *rec)
{
	struct pipeline		*pl = arg;
	struct match_result	 res;
	dw_ms			 ts;
	int			 i, n;

	pl->st.records++;
	n = record_candidates(pl, rec);
	if (n == 0)
		return;
	ts = rec->ts;
	if (ts == DW_MS_NONE)		/* only if nothing ever had a time */
		ts = 0;
	for (i = 0; i < n; i++) {
		struct rule	*r = pl->rules->v[pl->cands[i]];

		if (match_rule(r, rec, &res) != MATCH_YES)
			continue;
		if (pl->clock != DW_MS_NONE &&
		    ts < pl->clock - pl->conf.lateness) {
			pl->st.late_dropped++;
			log_ratelimited(&pl->late_warn, pl->cur_arrival !=
			    DW_MS_NONE ? pl->cur_arrival : ts, 60000,
			    "rule %s: match %lld s older than the event clock "
			    "dropped (limits.lateness); an old log? use "
			    "drainwatch replay", r->name,
			    (long long)((pl->clock - ts) / 1000));
			continue;
		}
		r->matches++;
		pl->st.matches++;
		if (pl->conf.on_match != NULL)
			pl->conf.on_match(pl->conf.on_match_arg, r->index, rec,
			    ts);
		clock_advance(pl, ts);
		if (!pl->conf.replay)
			pl->last_match_wall = pl->cur_arrival;
		alert_observe(pl->alerts, r, res.values, res.value, ts,
		    rec->line);
	}
}

/* Parse one line that may matter and hand it to the assembler. */
static void
line_slow(struct pipeline *pl, const char *p, size_t len)
{
	struct log_record	rec;
	enum parse_rc		rc;

	pl->st.candidates++;
	if (len > DW_LINE_MAX_BYTES) {
		len = DW_LINE_MAX_BYTES;
		pl->st.lines_truncated++;
	}
	pl->cur_line = p;
	rc = parse_line(&rec, dw_str_make(p, len), &pl->conf.parse);
	if (rc != PARSE_OK) {
		/* Kept as plain text, counted by cause; said at most once a
		 * minute (without the line: it may hold anything). */
		pl->st.parse_errors[rc]++;
		log_ratelimited(&pl->parse_warn, pl->cur_arrival !=
		    DW_MS_NONE ? pl->cur_arrival : pl->asm_clock, 60000,
		    "a line broke its format (%s), kept as plain text; %llu "
		    "so far (drainwatch_parse_errors_total)", parse_rc_name(rc),
		    (unsigned long long)pl->st.parse_errors[rc]);
	}
	rec.app = pl->cur_app;
	if (!pl->conf.replay && rec.ts != DW_MS_NONE &&
	    pl->cur_arrival != DW_MS_NONE &&
	    rec.ts > pl->cur_arrival + PIPELINE_FUTURE_MAX_MS) {
		pl->st.future_timestamp++;
		log_ratelimited(&pl->future_warn, pl->cur_arrival, 60000,
		    "a line is stamped %lld s ahead of its arrival; its arrival "
		    "time is used (%llu so far)",
		    (long long)((rec.ts - pl->cur_arrival) / 1000),
		    (unsigned long long)pl->st.future_timestamp);
		rec.ts = pl->cur_arrival;
	}
	if (rec.ts == DW_MS_NONE && rec.kind != KIND_PG_CONT &&
	    rec.kind != KIND_PG_CHUNK) {
		/* No timestamp: the record is at its arrival (in a replay,
		 * the event clock), fixed now, not when the assembler lets
		 * it go. */
		pl->st.no_timestamp++;
		rec.ts = pl->cur_arrival != DW_MS_NONE ? pl->cur_arrival :
		    pl->clock != DW_MS_NONE ? pl->clock : pl->asm_clock;
	}
	/*
	 * The assembler waits for the rest of a record by event time, so
	 * an old log piped in fast joins exactly as its replay does; live,
	 * pipeline_tick() lets this clock run on at wall speed.
	 */
	if (rec.ts != DW_MS_NONE && (pl->asm_clock == DW_MS_NONE ||
	    rec.ts > pl->asm_clock)) {
		pl->asm_clock = rec.ts;
		pl->asm_wall = pl->cur_arrival;
	}
	if (pl->asm_clock != DW_MS_NONE && (pl->asm_expired == DW_MS_NONE ||
	    pl->asm_clock - pl->asm_expired >= 1000)) {
		assemble_expire(pl->asm_, pl->asm_clock, on_record, pl);
		pl->asm_expired = pl->asm_clock;
	}
	assemble_push(pl->asm_, &rec, pl->asm_clock != DW_MS_NONE ?
	    pl->asm_clock : pl->cur_arrival != DW_MS_NONE ? pl->cur_arrival :
	    0, on_record, pl);
	pl->cur_line = NULL;
}

/* Length of the first block of at most PIPELINE_BLOCK_MAX bytes that
 * ends after a LF (or the whole buffer). */
static size_t
block_len(const char *buf, size_t len)
{
	const char	*nl;

	if (len <= PIPELINE_BLOCK_MAX)
		return len;
	nl = memrchr(buf, '\n', PIPELINE_BLOCK_MAX);
	if (nl != NULL)
		return (size_t)(nl - buf) + 1;
	nl = memchr(buf + PIPELINE_BLOCK_MAX, '\n', len - PIPELINE_BLOCK_MAX);
	return nl != NULL ? (size_t)(nl - buf) + 1 : len;
}

/* Number of LF bytes in p[0..n). SSE2: per-byte counters, summed with
 * psadbw before they can overflow (no popcnt needed). */
static size_t
count_lf(const char *p, size_t n)
{
	size_t	count = 0, i = 0;

#ifdef __SSE2__
	const __m128i	lf = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	__m128i		acc = zero, sad;
	int		k = 0;

	for (; i + 16 <= n; i += 16) {
		__m128i	v = _mm_loadu_si128((const __m128i *)(const void *)
		    (p + i));

		acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, lf));
		if (++k == 255) {
			sad = _mm_sad_epu8(acc, zero);
			count += (size_t)_mm_cvtsi128_si64(sad) +
			    (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sad,
			    sad));
			acc = zero;
			k = 0;
		}
	}
	sad = _mm_sad_epu8(acc, zero);
	count += (size_t)_mm_cvtsi128_si64(sad) +
	    (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sad, sad));
#endif
	for (; i < n; i++)
		count += p[i] == '\n';
	return count;
}

/* Lines [from, to) were not parsed: count them, and end a pending
 * stderr record as an unrelated parsed line would. */
static void
skip_lines(struct pipeline *pl, const char *from, const char *to)
{
	size_t	n;

	if (from >= to)
		return;
	n = count_lf(from, (size_t)(to - from));
	if (to[-1] != '\n')
		n++;			/* a last line without LF */
	pl->st.lines += n;
	if (n > 0 && pl->prev_slow) {
		assemble_inert(pl->asm_, on_record, pl);
		pl->prev_slow = 0;
	}
}

/* Parse the line starting at p (ending before end or its LF); returns
 * the start of the next line. */
static const char *
take_line(struct pipeline *pl, const char *p, const char *end)
{
	const char	*nl = memchr(p, '\n', (size_t)(end - p));
	const char	*le = nl != NULL ? nl : end;
	size_t		 n = (size_t)(le - p);

	pl->st.lines++;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	line_slow(pl, p, n);
	pl->prev_slow = 1;
	return nl != NULL ? nl + 1 : end;
}

static void
feed_block(struct pipeline *pl, const char *blk, size_t len)
{
	const char	*p = blk, *end = blk + len;
	size_t		 n, i, all_from;

	n = prefilter_scan_block(pl->rules->pf, blk, len, pl->hit_ends,
	    PREFILTER_HITS_MAX, &all_from);
	for (i = 0; i < n && pl->hit_ends[i] < all_from; i++) {
		const char	*ls = blk + pl->hit_ends[i];

		if (ls < p)
			continue;	/* inside a line already taken */
		skip_lines(pl, p, ls);
		p = take_line(pl, ls, end);
	}
	if (all_from < len) {
		/* The hit list overflowed: parse every line from there. */
		const char	*from = blk + all_from;

		if (from > p) {
			skip_lines(pl, p, from);
			p = from;
		}
		while (p < end)
			p = take_line(pl, p, end);
	}
	skip_lines(pl, p, end);
}

void
pipeline_feed(struct pipeline *pl, const char *buf, size_t len,
    struct dw_str app, dw_ms arrival)
{
	pl->st.bytes += len;
	pl->cur_app = app;
	pl->cur_arrival = arrival;
	while (len > 0) {
		size_t	n = block_len(buf, len);

		feed_block(pl, buf, n);
		buf += n;
		len -= n;
	}
}

void
pipeline_feed_line(struct pipeline *pl, struct dw_str line, struct dw_str app,
    dw_ms arrival)
{
	pipeline_feed(pl, line.p, line.len, app, arrival);
}

void
pipeline_tick(struct pipeline *pl, dw_ms wall_now)
{
	pl->cur_arrival = wall_now;
	if (!pl->conf.replay)
		assemble_expire(pl->asm_, pl->asm_clock == DW_MS_NONE ?
		    wall_now : pl->asm_clock + (wall_now - pl->asm_wall),
		    on_record, pl);
	if (pl->conf.replay || pl->clock == DW_MS_NONE ||
	    pl->last_match_wall == DW_MS_NONE)
		return;
	/* Between matches the event clock runs at wall-clock speed. */
	clock_advance(pl, pl->clock + (wall_now - pl->last_match_wall));
	pl->last_match_wall = wall_now;
}

void
pipeline_advance(struct pipeline *pl, dw_ms t)
{
	clock_advance(pl, t);
}

void
pipeline_finish(struct pipeline *pl)
{
	assemble_flush(pl->asm_, on_record, pl);
}

dw_ms
pipeline_now(const struct pipeline *pl)
{
	return pl->clock;
}

const struct pipeline_stats *
pipeline_stats(const struct pipeline *pl)
{
	return &pl->st;
}

struct rules *
pipeline_rules(const struct pipeline *pl)
{
	return pl->rules;
}

struct alert_engine *
pipeline_alerts(const struct pipeline *pl)
{
	return pl->alerts;
}

size_t
pipeline_metrics(struct pipeline *pl, char *buf, size_t n)
{
	const struct alert_stats	*as = alert_engine_stats(pl->alerts);
	const struct assemble_stats	*ss = assemble_stats(pl->asm_);
	struct metrics_buf		 mb;
	int				 i;

	metrics_buf_init(&mb, buf, n);
#define COUNTER(name, help, v)						\
	metrics_buf_counter(&mb, name, "counter", help, (uint64_t)(v))
	COUNTER("drainwatch_lines_total", "Physical log lines read.",
	    pl->st.lines);
	COUNTER("drainwatch_bytes_total", "Log bytes read.", pl->st.bytes);
	COUNTER("drainwatch_lines_parsed_total",
	    "Lines a prefilter hit sent to the parsers.", pl->st.candidates);
	COUNTER("drainwatch_records_total",
	    "Records (multi-line joined) matched against rules.",
	    pl->st.records);
	COUNTER("drainwatch_lines_truncated_total",
	    "Lines cut at the line length limit.", pl->st.lines_truncated);
	COUNTER("drainwatch_late_matches_dropped_total",
	    "Matches older than limits.lateness, not counted.",
	    pl->st.late_dropped + as->late);
	COUNTER("drainwatch_records_without_timestamp_total",
	    "Parsed lines without a timestamp (their arrival time is used).",
	    pl->st.no_timestamp);
	COUNTER("drainwatch_future_timestamps_total",
	    "Live lines stamped over 10 minutes ahead of their arrival "
	    "(their arrival time is used).", pl->st.future_timestamp);
	COUNTER("drainwatch_multiline_truncated_total",
	    "Multi-line records cut at multiline_max_bytes.", ss->truncated);
	COUNTER("drainwatch_multiline_evicted_total",
	    "Multi-line records flushed early: all slots busy.", ss->evicted);
	COUNTER("drainwatch_group_keys_overflow_total",
	    "Matches put in a rule's __overflow__ key (keys_per_rule).",
	    as->keys_overflow);
	metrics_buf_family(&mb, "drainwatch_parse_errors_total", "counter",
	    "Lines that broke the format they started with, by cause.");
	for (i = 1; i < PARSE_RC_COUNT; i++)
		metrics_buf_printf(&mb, "drainwatch_parse_errors_total{cause=\""
		    "%s\"} %llu\n", parse_rc_name((enum parse_rc)i),
		    (unsigned long long)pl->st.parse_errors[i]);
	metrics_buf_family(&mb, "drainwatch_rule_matches_total", "counter",
	    "Counted matches by rule.");
	for (i = 0; i < pl->rules->n; i++)
		metrics_buf_printf(&mb, "drainwatch_rule_matches_total{rule=\""
		    "%s\"} %llu\n", pl->rules->v[i]->name,
		    (unsigned long long)pl->rules->v[i]->matches);
	metrics_buf_family(&mb, "drainwatch_alerts_total", "counter",
	    "Alert notifications by rule and status.");
	for (i = 0; i < pl->rules->n; i++) {
		const struct rule	*r = pl->rules->v[i];

		metrics_buf_printf(&mb, "drainwatch_alerts_total{rule=\"%s\","
		    "status=\"firing\"} %llu\n", r->name,
		    (unsigned long long)r->alerts_fired);
		metrics_buf_printf(&mb, "drainwatch_alerts_total{rule=\"%s\","
		    "status=\"resolved\"} %llu\n", r->name,
		    (unsigned long long)r->alerts_resolved);
	}
	metrics_buf_family(&mb, "drainwatch_alerts", "gauge",
	    "Alerts by state now.");
	metrics_buf_printf(&mb, "drainwatch_alerts{state=\"pending\"} %llu\n"
	    "drainwatch_alerts{state=\"firing\"} %llu\n",
	    (unsigned long long)as->pending, (unsigned long long)as->firing);
	metrics_buf_family(&mb, "drainwatch_group_keys", "gauge",
	    "Group keys tracked now, all rules.");
	metrics_buf_printf(&mb, "drainwatch_group_keys %llu\n",
	    (unsigned long long)as->keys);
#undef COUNTER
	return mb.len;
}

cJSON *
pipeline_snapshot(struct pipeline *pl, dw_ms wall_now)
{
	cJSON	*root = alert_engine_snapshot(pl->alerts);

	if (root == NULL)
		return NULL;
	/* The wall time the event clock last moved with, for catching up. */
	cJSON_AddNumberToObject(root, "wall", (double)(pl->last_match_wall !=
	    DW_MS_NONE ? pl->last_match_wall : wall_now));
	return root;
}

int
pipeline_restore(struct pipeline *pl, const cJSON *root, int *skipped)
{
	const cJSON	*wall = cJSON_GetObjectItemCaseSensitive(root, "wall");
	int		 n;

	n = alert_engine_restore(pl->alerts, root, skipped);
	if (n <= 0)
		return n;
	pl->clock = alert_now(pl->alerts);
	if (pl->clock != DW_MS_NONE && cJSON_IsNumber(wall))
		pl->last_match_wall = (dw_ms)wall->valuedouble;
	return n;
}

uint64_t
pipeline_state_version(const struct pipeline *pl)
{
	return alert_engine_version(pl->alerts);
}
