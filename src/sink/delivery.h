/*
 * delivery.h - the delivery engine for network sinks (pipeline stage 6,
 * off the pipeline thread).
 *
 * One engine per sink set runs one thread driving libcurl's multi
 * interface. Each network sink owns one channel: a FIFO of
 * notifications backed by its outbox (outbox.h). The pipeline thread
 * only appends to the outbox (one write, no flush) and to the
 * channel's inbox, then wakes the engine; it never waits for the
 * network or the disk. The engine fdatasync()s new outbox records in
 * one group before it posts any of them. The engine posts
 * with per-sink timeouts and concurrency, keeps order per alert
 * identity (a notification is not sent while an earlier one of the
 * same identity is queued or in flight), rate-limits per sink with a
 * token bucket and coalesces what accumulated into one request when
 * the type allows it (Slack), retries network errors, 408, 429 and 5xx
 * with exponential backoff and jitter (honouring Retry-After, seconds
 * or HTTP-date), and gives up at once on other statuses (logged,
 * counted, sink marked unhealthy). Channels with resend_ms re-post
 * delivered firing alerts until they resolve (Alertmanager); those
 * stay pending in the outbox so a restart resends them too.
 *
 * The netsink_* functions are the struct sink_ops glue every network
 * sink type uses: they also implement --dry-run (print the payload that
 * would be posted) and send = 0 (count, do not post).
 */
#ifndef DW_DELIVERY_H
#define DW_DELIVERY_H

#include <stdio.h>

#include "alert/alert_event.h"
#include "core/diag.h"
#include "core/ydoc.h"
#include "dw.h"

struct sink;
struct sink_set_conf;

/* Sample log lines (first_line, last_line) are cut to this many bytes
 * when a notification is queued: every payload shows at most ~1 KiB of
 * them, and it keeps OUTBOX_PENDING_MAX queued events in tens of MiB. */
#define SINK_SAMPLE_MAX_BYTES		2048
/* Events one request may carry (Slack coalescing, Alertmanager array). */
#define DELIVERY_BATCH_MAX		64
/* Requests one sink may have in flight at once. */
#define DELIVERY_CONCURRENCY_MAX	16
/* Response body bytes kept to explain a failure in the log. */
#define DELIVERY_RESP_MAX_BYTES		512
/* Longest Retry-After we honour; longer ones are cut to this (ms). */
#define DELIVERY_RETRY_AFTER_MAX_MS	(3600 * 1000)
/* Queued notifications one scheduling pass looks at, per sink. Later
 * ones wait their turn; bounds the work per wake-up. */
#define DELIVERY_SCAN_MAX		1024
/* Longest the engine sleeps without a reason to wake, in ms. */
#define DELIVERY_TICK_MS		1000
/* Custom HTTP headers one sink may add. */
#define DELIVERY_HEADERS_MAX		16

/*
 * Build one request body from evs[0..n) (1 <= n, queue order). Set
 * *used to how many events went in (1..n); the others are offered
 * again later. Return a malloc'd NUL-terminated body, or NULL if evs[0]
 * cannot be formatted (it is dropped and counted as failed). now is
 * the wall time of the attempt.
 */
typedef char	*(*dchan_format_fn)(void *arg, struct alert_event *const *evs,
		    int n, int *used, dw_ms now);

/* Keys every network sink reads from agent.yaml (DCHAN_CONF_KEYS). */
struct dchan_conf {
	char			*url;
	dw_ms			 timeout_ms;
	double			 max_rate;	/* requests/s, 0 = unlimited */
	int64_t			 burst;		/* token bucket size */
	int64_t			 concurrency;	/* requests in flight */
	int64_t			 batch_max;	/* events per request */
	dw_ms			 retry_for_ms;	/* then give up (expired) */
	dw_ms			 backoff_min_ms;
	dw_ms			 backoff_max_ms;
	int			 optional;	/* empty secret: skip sink */
	const struct ynode	*headers;	/* map name: value, or NULL */
};

/* Rows for the common keys of a type's table; T is the type's conf
 * struct and m its struct dchan_conf member. Defaults differ per type,
 * so the type passes them as strings. Types that can put several
 * notifications in one request add a batch_max row of their own
 * (DCHAN_BATCH_KEY); for the others it is 1. */
#define DCHAN_CONF_KEYS(T, m, rate_def, burst_def, conc_def)		\
	{ "url", CONF_STRING, offsetof(T, m.url), NULL,			\
	    "endpoint URL (use ${VAR}: it is a secret)" },		\
	{ "optional", CONF_BOOL, offsetof(T, m.optional), "false",	\
	    "skip this sink, with a notice, when its url/key is empty" }, \
	{ "timeout", CONF_DURATION, offsetof(T, m.timeout_ms), "10s",	\
	    "per-request timeout" },					\
	{ "max_rate", CONF_NUMBER, offsetof(T, m.max_rate), rate_def,	\
	    "requests per second (0 = unlimited)" },			\
	{ "burst", CONF_INT, offsetof(T, m.burst), burst_def,		\
	    "requests allowed at once above max_rate" },		\
	{ "concurrency", CONF_INT, offsetof(T, m.concurrency), conc_def, \
	    "requests in flight at once" },				\
	{ "retry_for", CONF_DURATION, offsetof(T, m.retry_for_ms), "24h", \
	    "give a notification up after retrying this long" },	\
	{ "backoff_min", CONF_DURATION, offsetof(T, m.backoff_min_ms),	\
	    "1s", "first retry delay (doubles per attempt, jittered)" }, \
	{ "backoff_max", CONF_DURATION, offsetof(T, m.backoff_max_ms),	\
	    "5m", "longest retry delay" }

#define DCHAN_BATCH_KEY(T, m, batch_def, help)				\
	{ "batch_max", CONF_INT, offsetof(T, m.batch_max), batch_def, help }

/* What a sink type fixes about its channel. */
struct dchan_spec {
	const char	*type;
	dchan_format_fn	 format;
	void		*arg;		/* the type's state, for format */
	void		(*free_arg)(void *);
	/* One request may carry several events of one identity (Slack). */
	int		 same_identity_batch;
	/* Re-post delivered firing alerts this often until resolved
	 * (0 = never). */
	dw_ms		 resend_ms;
	/* Content-Type of the body. */
	const char	*content_type;
};

/* Counters of one sink, for metrics and the end-of-replay report. */
enum sink_req_class {
	REQ_2XX = 0, REQ_4XX, REQ_429, REQ_5XX, REQ_NETWORK, REQ_TIMEOUT,
	REQ_CLASS_COUNT
};

struct sink_stats {
	uint64_t	delivered;	/* accepted by the receiver */
	uint64_t	failed;		/* refused for good (4xx etc.) */
	uint64_t	expired;	/* retried for retry_for, given up */
	uint64_t	dropped;	/* outbox full or unwritable */
	uint64_t	suppressed;	/* send = 0: not posted */
	uint64_t	dry_run;	/* printed instead of posted */
	uint64_t	retries;	/* attempts after the first */
	uint64_t	coalesced;	/* shared a request with others */
	uint64_t	resent;		/* Alertmanager re-posts */
	uint64_t	requests[REQ_CLASS_COUNT];
	uint64_t	pending;	/* accepted, not yet done */
	double		oldest_age_s;	/* of the oldest pending, or 0 */
	int		healthy;	/* 0 after a non-retryable failure */
	uint64_t	consecutive_failures;
	uint64_t	outbox_bytes;
	int		network;	/* 1 for network sinks */
};

extern const char *const sink_req_class_names[REQ_CLASS_COUNT];

struct delivery;

/* state_dir is copied; the engine thread starts on delivery_start(). */
struct delivery	*delivery_new(const char *state_dir);
/* Start the thread if any channel exists; 0 or -1. */
int		 delivery_start(struct delivery *);
/* Stop the thread (requests in flight are abandoned: their
 * notifications stay in the outbox) and free every channel. */
void		 delivery_free(struct delivery *);

/*
 * Network sink glue. netsink_open() validates the common keys (map is
 * the sink's YAML mapping, for locations), builds the channel (live),
 * or the dry-run printer, or the muted stub, per sink->conf. It takes
 * ownership of spec->arg (freed with spec->free_arg, also on failure)
 * and of the strings in *dc. Returns 0, -1 on error, or 1 when the
 * sink is optional and its url is empty (the sink is then skipped).
 */
int	netsink_open(struct sink *, const struct ynode *map,
	    struct dchan_conf *dc, const struct dchan_spec *spec,
	    const char *file, struct diag *);
int	netsink_emit(struct sink *, const struct alert_event *);
int	netsink_drain(struct sink *, dw_ms deadline);
void	netsink_close(struct sink *);
void	netsink_stats(const struct sink *, struct sink_stats *);

/* Wall clock in ms (CLOCK_REALTIME). */
dw_ms	delivery_now_ms(void);
/* Copy s into a new string of at most max bytes, cut on a UTF-8
 * boundary, with "…" appended when it was cut. NULL s gives "". */
char	*sink_strcut(const char *s, size_t max);

#endif /* DW_DELIVERY_H */
