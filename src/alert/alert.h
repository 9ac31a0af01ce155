/*
 * alert.h - per (rule, group key) windows and the alert lifecycle
 * (pipeline stage 5).
 *
 * For every rule the engine keeps one entry per distinct group key
 * (the values of the rule's group_by labels): its sliding window and
 * its alert state, inactive -> pending (`for`) -> firing -> resolved.
 * Time is event time, given by the caller and only moving forward; a
 * min-heap of per-key deadlines (window expiry, end of `for`, repeat,
 * absence) makes every transition happen at its exact event time, the
 * same in live mode and replay. Work per match is O(1) (plus a ring
 * scan for min/max). Memory: one allocation per new key (bounded by
 * keys_per_rule, overflow goes to one "__overflow__" key per rule and
 * is counted), freed when the key is idle again; transitions build an
 * alert_event on the stack and hand it to the callback.
 */
#ifndef DW_ALERT_H
#define DW_ALERT_H

#include "alert/alert_event.h"
#include "dw.h"

struct rules;
struct rule;

/* Default cap on distinct group keys per rule. */
#define ALERT_KEYS_PER_RULE_DEFAULT	10000
/* Bytes of a sample line kept per key (first and latest match). */
#define ALERT_SAMPLE_MAX		1024
/* Label value given to matches beyond the key cap. */
#define ALERT_OVERFLOW_VALUE		"__overflow__"

typedef void	(*alert_emit_fn)(void *arg, const struct alert_event *);

struct alert_conf {
	int		 keys_per_rule;
	dw_ms		 repeat_default;	/* 0 = no reminders */
	alert_emit_fn	 emit;
	void		*emit_arg;
};

enum alert_state { AS_INACTIVE = 0, AS_PENDING, AS_FIRING };

struct alert_stats {
	uint64_t	keys;		/* live keys, all rules */
	uint64_t	keys_overflow;	/* matches put in the overflow key */
	uint64_t	late;		/* matches older than their window */
	uint64_t	pending;	/* alerts pending now */
	uint64_t	firing;		/* alerts firing now */
	uint64_t	fired;		/* firing notifications, total */
	uint64_t	resolved;	/* resolved notifications, total */
	uint64_t	reminders;
	uint64_t	seq;		/* last notification id */
};

/* A read-only view of one key, for `explain` and tests. */
struct alert_key_view {
	const struct rule	*rule;
	int			 nlabels;
	const char		*label_names[ALERT_LABELS_MAX];
	char			 label_values[ALERT_LABELS_MAX][256];
	enum alert_state	 state;
	double			 count;
	double			 value;		/* aggregate, NAN if none */
	dw_ms			 oldest, newest; /* window contents */
	dw_ms			 pending_since, firing_since, last_match;
	dw_ms			 next_change;	/* DW_MS_NONE if none */
	const char		*next_what;	/* what happens then */
	int			 condition;	/* alert condition true now */
};

struct alert_engine;

/* rules is borrowed. */
struct alert_engine	*alert_engine_new(struct rules *,
			    const struct alert_conf *);
void			 alert_engine_free(struct alert_engine *);

/*
 * One counted match of rule at event time ts. values are the group
 * label values in the rule's group order (nvalues = rule->ngroup);
 * value is the numeric value (ignored without a value capture);
 * sample is the matching record's text. Timers due before ts run
 * first.
 */
void	alert_observe(struct alert_engine *, struct rule *,
	    const struct dw_str *values, double value, dw_ms ts,
	    struct dw_str sample);
/*
 * Switch to a new rule set (live reload). Rules with the same name and
 * definition (def_hash) keep their keys, windows, pending and firing
 * alerts and counters; every firing alert of a removed or changed rule
 * is resolved now. The old rule set must stay alive until this returns.
 * -1 on allocation failure (nothing changed).
 */
int	alert_engine_rebind(struct alert_engine *, struct rules *);
/*
 * Persistence of alert state across restarts. A snapshot holds the event
 * clock and every key that is pending or firing (with its window) and
 * every key of an absence rule; the caller writes it atomically. Restore
 * recreates the keys of rules whose name and definition are unchanged
 * and reports how many; keys of other rules are dropped (counted in
 * *skipped). Call restore before any input. Cold path.
 */
cJSON	*alert_engine_snapshot(struct alert_engine *);
int	 alert_engine_restore(struct alert_engine *, const cJSON *,
	    int *skipped);
/* Bumped by every state change worth saving. */
uint64_t alert_engine_version(const struct alert_engine *);
/* Run every deadline due at or before now, in time order. */
void	alert_advance(struct alert_engine *, dw_ms now);
/* The engine's event clock (latest time advanced to). */
dw_ms	alert_now(const struct alert_engine *);
/* Earliest pending deadline, DW_MS_NONE if none. */
dw_ms	alert_next_due(const struct alert_engine *);
const struct alert_stats *alert_engine_stats(const struct alert_engine *);
/* Visit every key of rule (all rules when NULL). */
void	alert_foreach_key(struct alert_engine *, const struct rule *,
	    void (*fn)(void *, const struct alert_key_view *), void *arg);
const char *alert_state_name(enum alert_state);

#endif /* DW_ALERT_H */
