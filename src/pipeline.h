/*
 * pipeline.h - the only module that knows the order of the stages:
 *
 *   source bytes -> lines -> prefilter (Vectorscan, whole block)
 *     -> parse (only lines a rule may match) -> assemble multi-line
 *     -> match (PCRE2 JIT: confirm, capture) -> window -> alert -> sinks
 *
 * All of it runs on one thread, the pipeline thread. Sources on other
 * threads (the HTTP drain) hand complete lines over through a bounded
 * queue and the pipeline thread calls pipeline_feed(). Everything the
 * per-line path touches is allocated by pipeline_new(); feeding lines
 * never allocates (tests/test_pipeline.c proves it), except when a
 * rule sees a new group key or an alert changes state.
 */
#ifndef DW_PIPELINE_H
#define DW_PIPELINE_H

#include "alert/alert_event.h"
#include "dw.h"
#include "parse/parse.h"

struct rules;
struct pipeline;

/* Live mode: a record stamped further ahead of its arrival than this
 * (ms) is taken at its arrival instead: one wrong clock must not push
 * the event clock into the future and make every other line late. */
#define PIPELINE_FUTURE_MAX_MS	(10 * 60 * 1000)

/* Largest block given to one prefilter scan, in bytes. */
#define PIPELINE_BLOCK_MAX	(4 * 1024 * 1024)

typedef void	(*pipeline_alert_fn)(void *arg, const struct alert_event *);
/* Called for every rule match (for `test` and `explain`); may be NULL. */
typedef void	(*pipeline_match_fn)(void *arg, int rule_index,
		    const struct log_record *, dw_ms at);

struct pipeline_conf {
	struct parse_conf	 parse;
	int			 assemble_slots;
	size_t			 assemble_max_bytes;
	dw_ms			 assemble_timeout;
	dw_ms			 lateness;	/* out-of-order tolerance */
	dw_ms			 repeat_interval; /* 0 = no reminders */
	int			 keys_per_rule;
	int			 replay;	/* clock only from events */
	pipeline_alert_fn	 on_alert;
	void			*on_alert_arg;
	pipeline_match_fn	 on_match;
	void			*on_match_arg;
};

struct pipeline_stats {
	uint64_t	lines;		/* physical lines seen */
	uint64_t	bytes;
	uint64_t	lines_truncated; /* cut at DW_LINE_MAX_BYTES */
	uint64_t	candidates;	/* lines parsed (prefilter hit) */
	uint64_t	records;	/* records matched against rules */
	uint64_t	matches;	/* rule matches counted */
	uint64_t	parse_errors[PARSE_RC_COUNT];
	uint64_t	late_dropped;	/* older than lateness */
	uint64_t	no_timestamp;	/* arrival time used */
	uint64_t	future_timestamp; /* live: stamped ahead, arrival used */
};

/* rules is borrowed and must outlive the pipeline. NULL on failure. */
struct pipeline	*pipeline_new(struct rules *, const struct pipeline_conf *);
struct alert_engine *pipeline_alerts(const struct pipeline *);
void		 pipeline_free(struct pipeline *);

/*
 * Live reload: from now on use rules (borrowed). Unchanged rules keep
 * their state (alert_engine_rebind); records being assembled are kept.
 * The caller frees the old rule set afterwards. -1: nothing changed.
 */
int		 pipeline_reload(struct pipeline *, struct rules *);

/*
 * Feed a block of complete lines, each ended by LF, all from one source
 * labelled app (may be empty). arrival is the wall-clock time they were
 * read (ignored in replay). Never allocates per line.
 */
void		 pipeline_feed(struct pipeline *, const char *buf, size_t len,
		    struct dw_str app, dw_ms arrival);
/* Feed one already-framed record (a logplex message): same as a block
 * holding just this line. */
void		 pipeline_feed_line(struct pipeline *, struct dw_str line,
		    struct dw_str app, dw_ms arrival);
/* Let time pass with no input (live mode): expire multi-line records,
 * run window and alert timers due by the event clock. */
void		 pipeline_tick(struct pipeline *, dw_ms wall_now);
/* Advance the event clock to t exactly (rule tests, replay end). */
void		 pipeline_advance(struct pipeline *, dw_ms t);
/*
 * Alert state across restarts (live mode): a snapshot of the alert
 * engine plus the event clock and the wall time it was taken; restore
 * it before any input. The event clock then catches up the time the
 * agent was down, so alerts whose window emptied meanwhile resolve.
 */
cJSON		*pipeline_snapshot(struct pipeline *, dw_ms wall_now);
int		 pipeline_restore(struct pipeline *, const cJSON *,
		    int *skipped);
/* Changes with every alert state worth saving. */
uint64_t	 pipeline_state_version(const struct pipeline *);

/* End of input: emit every record still being assembled. */
void		 pipeline_finish(struct pipeline *);
/* The event clock: where rule windows and alert timers stand. */
dw_ms		 pipeline_now(const struct pipeline *);
const struct pipeline_stats *pipeline_stats(const struct pipeline *);
/* Prometheus text of the pipeline's counters (lines, parse errors,
 * matches and alerts by rule, alert states) into buf; returns length. */
size_t		 pipeline_metrics(struct pipeline *, char *buf, size_t n);
struct rules	*pipeline_rules(const struct pipeline *);

#endif /* DW_PIPELINE_H */
