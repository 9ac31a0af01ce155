/*
 * sink.h - where alert events go (pipeline stage 6), and the routes
 * that decide which sinks get which events.
 *
 * A sink is one configured destination (`sinks:` in agent.yaml): its
 * type selects a struct sink_ops from the compile-time registry in
 * sink.c. emit() is called on the pipeline thread for every routed
 * event and must never block on the network: network sinks persist the
 * event to their outbox and deliver it from the delivery thread. The
 * console sink writes immediately. The sink set owns every sink.
 */
#ifndef DW_SINK_H
#define DW_SINK_H

#include "alert/alert_event.h"
#include "core/diag.h"
#include "core/ydoc.h"
#include "dw.h"

/* Sinks and routes one agent.yaml may declare. */
#define SINKS_MAX	32
#define ROUTES_MAX	64

struct sink;
struct sink_set_conf;
struct delivery;

struct sink_ops {
	const char	*type;		/* as written in agent.yaml */
	/* Read the sink's own keys (name and type are already read).
	 * 0, -1 on error, or 1: optional sink whose secret is unset,
	 * skipped (routes may still name it). */
	int		(*open)(struct sink *, const struct ynode *conf,
			    const char *file, struct diag *);
	/* Take one event; must not block. 0, or -1 if it was refused
	 * (counted by the caller). */
	int		(*emit)(struct sink *, const struct alert_event *);
	/* Wait until deadline (wall ms) for pending deliveries; returns
	 * how many are still pending. NULL = nothing is ever pending. */
	int		(*drain)(struct sink *, dw_ms deadline);
	void		(*close)(struct sink *);
};

struct sink {
	const struct sink_ops	*ops;
	char			*name;
	void			*impl;		/* the type's own state */
	uint64_t		 emitted;
	uint64_t		 refused;
	const struct sink_set_conf *conf;	/* the set's options */
	struct delivery		*dlv;		/* the set's engine */
};

struct sink_set;

/* Global options of the sink set (agent.yaml top level). */
struct sink_set_conf {
	int		 dry_run;	/* network sinks print payloads */
	int		 send;		/* 0: network sinks do not post (replay
					   without --send) */
	int		 skip_console;	/* console sinks stay silent (replay
					   prints its own JSON lines) */
	const char	*state_dir;	/* outbox and alert state */
};

/* Build sinks from the `sinks:` sequence and `routes:` (either may be
 * NULL: a console sink and a route to it are the default). */
struct sink_set	*sink_set_new(const struct ynode *sinks,
		    const struct ynode *routes, const char *file,
		    const struct sink_set_conf *, struct diag *);
void		 sink_set_free(struct sink_set *);
/* Route one event to every matching sink. */
void		 sink_set_emit(struct sink_set *, const struct alert_event *);
/* Wait for network sinks; returns how many notifications remain. */
int		 sink_set_drain(struct sink_set *, dw_ms deadline);
int		 sink_set_count(const struct sink_set *);
const struct sink *sink_set_get(const struct sink_set *, int i);

/* Prometheus text of every sink's counters (notifications by sink and
 * outcome, requests, retries, queue depth, oldest pending age) into
 * buf; whole lines only, NUL-terminated. Returns the bytes written. */
size_t		 sink_set_metrics(const struct sink_set *, char *buf, size_t n);
/* One line per sink: delivered, failed, pending... (end of replay). */
void		 sink_set_report(const struct sink_set *, FILE *);

/* The sink types, one per sink_<type>.c, listed in sink.c's registry. */
extern const struct sink_ops	sink_console_ops, sink_slack_ops,
				sink_pagerduty_ops, sink_webhook_ops,
				sink_alertmanager_ops;

/* Registry lookup by type name. */
const struct sink_ops	*sink_ops_find(const char *type);

#endif /* DW_SINK_H */
