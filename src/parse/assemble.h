/*
 * assemble.h - put multi-line records back together (pipeline stage 2b).
 *
 * PostgreSQL writes one logical record over several physical lines:
 * TAB-started continuation lines and DETAIL/HINT/CONTEXT/STATEMENT/...
 * lines right after the record they belong to (stderr), or `[seq-N]`
 * chunks of one sequence number per process (Heroku Postgres, syslog).
 * The assembler holds such records in a fixed number of slots, each a
 * fixed-size buffer allocated by assemble_new(), and emits one joined
 * record when it is complete: the next unrelated line of the same
 * stream/process arrives, a slot is needed for another key, the slot
 * has waited timeout_ms of arrival time, or at assemble_flush() (EOF).
 *
 * Records that cannot be continued are passed straight to the emit
 * callback with their original slices: no copy. A joined record's
 * fields point into the slot buffer and are valid only during the
 * callback. Joined text: message = messages joined by "\n" (a TAB
 * continuation keeps its TAB; Heroku prefixes of later chunks and the
 * `[COLOR] [seq-N] ` markers are dropped); line = raw lines joined by
 * "\n". A record over max_bytes is cut and counted, never dropped.
 * Owned by the pipeline thread.
 */
#ifndef DW_ASSEMBLE_H
#define DW_ASSEMBLE_H

#include "dw.h"
#include "parse/parse.h"

/* Defaults; agent.yaml `limits:` may override them. */
#define ASSEMBLE_SLOTS_DEFAULT		64	/* records being joined */
#define ASSEMBLE_MAX_BYTES_DEFAULT	(64 * 1024)	/* per record */
#define ASSEMBLE_TIMEOUT_MS_DEFAULT	2000	/* arrival time */
/* A stderr record waits at most this long (ms) for its next lines:
 * PostgreSQL writes a whole record (TAB lines, DETAIL, STATEMENT) in one
 * write, so its lines arrive together; only [seq-chunk] pieces, sent as
 * separate syslog messages, need the longer timeout. Keeps the alert
 * latency of a single FATAL line from `tail -F` low. */
#define ASSEMBLE_ADJACENT_TIMEOUT_MS	250

struct assemble_conf {
	int	slots;
	size_t	max_bytes;
	dw_ms	timeout_ms;
};

struct assemble_stats {
	uint64_t	joined;		/* records emitted from >1 line */
	uint64_t	truncated;	/* records cut at max_bytes */
	uint64_t	evicted;	/* slots flushed early, table full */
	uint64_t	timed_out;	/* slots flushed by timeout_ms */
	uint64_t	orphans;	/* continuations with nothing to join */
};

typedef void	(*assemble_emit_fn)(void *arg, const struct log_record *);

struct assembler;

struct assembler	*assemble_new(const struct assemble_conf *);
void			 assemble_free(struct assembler *);

/* Feed one parsed line; emits zero, one or two records. arrival is the
 * wall-clock (or, in replay, event) time the line was read. */
void	assemble_push(struct assembler *, const struct log_record *,
	    dw_ms arrival, assemble_emit_fn, void *arg);
/* A line passed that the pipeline skipped unparsed (it carries no PG
 * marker): it ends any pending stderr record, as if pushed. */
void	assemble_inert(struct assembler *, assemble_emit_fn, void *arg);
/* Emit slots that have waited longer than timeout_ms at time now. */
void	assemble_expire(struct assembler *, dw_ms now, assemble_emit_fn,
	    void *arg);
/* Emit everything pending (end of input). */
void	assemble_flush(struct assembler *, assemble_emit_fn, void *arg);
/* Records being held right now. */
int	assemble_pending(const struct assembler *);
const struct assemble_stats *assemble_stats(const struct assembler *);

#endif /* DW_ASSEMBLE_H */
