/*
 * ingest.h - bounded hand-off queue from the HTTP threads to the
 * pipeline thread (pipeline stage 1, see pipeline.h and STYLE 3.15).
 *
 * An HTTP request builds one struct ingest_batch on its own thread:
 * every logplex message becomes one LF-terminated line (an LF or CR
 * inside a message is replaced by a space and counted). The batch is
 * then pushed all-or-nothing, tagged with an app label; when the queue
 * holds too many bytes the push fails and the request is answered 503
 * so logplex retries. The pipeline thread waits on ingest_fd() (an
 * eventfd) and drains batches through a callback.
 *
 * Memory: a batch's buffer is allocated by the HTTP thread (bounded by
 * its cap, i.e. the body limit) and owned by the queue once pushed;
 * the queue frees it after the callback returned. Queue bytes never
 * exceed the capacity given to ingest_new(). Thread-safe: any number
 * of pushers, one drainer.
 */
#ifndef DW_INGEST_H
#define DW_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "dw.h"

/* Default queue capacity, in bytes of queued lines (config key
 * sources.http.queue_bytes). 64 MiB is ~640 full logplex batches of
 * 100 KB, minutes of a busy app's logs if the pipeline stalls. */
#define INGEST_QUEUE_DEFAULT_BYTES	(64ULL * 1024 * 1024)
/* Smallest capacity accepted, in bytes. */
#define INGEST_QUEUE_MIN_BYTES		(64 * 1024)
/* Longest app label kept with a batch, in bytes; longer is cut. */
#define INGEST_APP_MAX_BYTES		128
/* First allocation of a batch buffer, in bytes; doubled as needed up
 * to the batch cap. */
#define INGEST_BATCH_INITIAL_BYTES	(16 * 1024)

struct ingest;

/* One request's lines, built by one HTTP thread. */
struct ingest_batch {
	char		*buf;		/* lines, each ended by LF */
	size_t		 len;
	size_t		 alloc;
	size_t		 cap;		/* never grows beyond this */
	uint64_t	 nlines;
	uint64_t	 nreplaced;	/* LF/CR inside messages -> SP */
	uint64_t	 nempty;	/* empty messages skipped */
};

/* Called by ingest_drain() for each batch, on the draining thread.
 * app and lines are valid only during the call. */
typedef void	(*ingest_fn)(void *arg, struct dw_str app, const char *lines,
		    size_t len);

struct ingest_stats {
	uint64_t	batches;	/* pushed */
	uint64_t	lines;
	uint64_t	bytes;
	uint64_t	rejected_batches; /* push refused: queue full */
	uint64_t	rejected_lines;
	uint64_t	rejected_bytes;
	uint64_t	drained_batches;
	uint64_t	queued_batches;	/* now */
	uint64_t	queued_bytes;	/* now */
	uint64_t	peak_bytes;
	uint64_t	capacity_bytes;
};

/* cap_bytes < INGEST_QUEUE_MIN_BYTES is raised to it. NULL on error. */
struct ingest	*ingest_new(uint64_t cap_bytes);
/* Frees every batch still queued, unprocessed. */
void		 ingest_free(struct ingest *);
/* Readable when batches are waiting; the pipeline thread polls it. */
int		 ingest_fd(const struct ingest *);

void	ingest_batch_init(struct ingest_batch *, size_t cap_bytes);
void	ingest_batch_fini(struct ingest_batch *);
/* Forget the lines but keep the buffer. */
void	ingest_batch_reset(struct ingest_batch *);
/* Append msg as one line. An empty message is skipped (counted), a
 * trailing CR dropped, an inner LF or CR replaced by SP. -1 if the
 * line does not fit in the cap or memory ran out (batch unchanged). */
int	ingest_batch_add(struct ingest_batch *, const char *msg, size_t len);

/*
 * Push every line of b as one unit, labelled app (copied, cut at
 * INGEST_APP_MAX_BYTES). On success the queue owns b's buffer and b is
 * left empty (reusable); on failure (-1: queue full or closed) nothing
 * was queued and the caller keeps b. An empty batch succeeds without
 * queueing anything.
 */
int	ingest_push(struct ingest *, struct ingest_batch *, struct dw_str app);
/* Refuse every later push (shutdown); queued batches stay. */
void	ingest_close(struct ingest *);

/* Run fn on up to max queued batches (0 = no limit), oldest first, and
 * free them. Clears the fd's readiness, and sets it again when batches
 * remain. Returns the number drained. Only one thread may drain. */
size_t	ingest_drain(struct ingest *, size_t max, ingest_fn, void *arg);
/* Drain everything, for shutdown (after source_http_stop()). */
size_t	ingest_drain_all(struct ingest *, ingest_fn, void *arg);

void	ingest_stats(struct ingest *, struct ingest_stats *);

#endif /* DW_INGEST_H */
