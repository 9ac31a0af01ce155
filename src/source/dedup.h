/*
 * dedup.h - the set of logplex frames already taken in (HTTP drain,
 * pipeline stage 1), so that a frame logplex resends is acknowledged
 * and not processed twice.
 *
 * A frame is identified by (Logplex-Drain-Token, Logplex-Frame-Id);
 * logplex reuses the Frame-Id when it retries (formats.md §1.4). The
 * set is bounded in entries and in time: an entry is forgotten after
 * `window` or when it is the oldest and room is needed. Keys are kept
 * as a keyed 64-bit SipHash of token and id (random key per process),
 * so memory per entry is fixed and a sender cannot aim collisions.
 *
 * Protocol, so that a frame answered 503 stays processable on retry:
 *   dedup_begin()  NEW: the caller owns the frame until it calls
 *                  dedup_commit() (enqueued: now seen) or dedup_abort()
 *                  (not taken: forget it). SEEN: resent, answer 2xx.
 *                  BUSY: the same frame is being taken in by another
 *                  request right now; answer 503 so logplex comes back.
 * Requests without both headers (Heroku Private Spaces) bypass dedup.
 *
 * Allocates everything in dedup_new(); thread-safe (one mutex).
 */
#ifndef DW_DEDUP_H
#define DW_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "dw.h"

/* Defaults (config keys sources.http.dedup_window / dedup_entries).
 * Logplex gives up on a frame after 3 tries, each at most 5 s plus a
 * backoff of at most ~5 s (formats.md §1.4), so every retry arrives
 * within a minute; 10 minutes leaves ample margin. 100000 entries
 * cover 166 frames/s for those 10 minutes in ~2.6 MB. */
#define DEDUP_DEFAULT_WINDOW_MS		(10 * 60 * 1000)
#define DEDUP_DEFAULT_ENTRIES		100000
/* Hard ceiling on entries (memory: ~24 bytes each). */
#define DEDUP_ENTRIES_MAX		(16 * 1024 * 1024)
/* Frames being taken in at the same moment; more in-flight requests
 * than this simply are not reserved (processed, not deduplicated). */
#define DEDUP_PENDING_MAX		1024

enum dedup_rc {
	DEDUP_NEW = 0,		/* reserved: commit or abort it */
	DEDUP_SEEN,		/* taken in before: acknowledge, drop */
	DEDUP_BUSY,		/* in flight elsewhere: ask to retry */
	DEDUP_UNTRACKED		/* no headers or no room: just process */
};

struct dedup_stats {
	uint64_t	entries;	/* now */
	uint64_t	pending;	/* now */
	uint64_t	duplicates;	/* SEEN answers */
	uint64_t	busy;		/* BUSY answers */
	uint64_t	committed;
	uint64_t	aborted;
	uint64_t	expired;	/* forgotten after the window */
	uint64_t	evicted;	/* forgotten early: entries bound */
	uint64_t	untracked;	/* pending table full */
};

struct dedup;

/* NULL on bad arguments or no memory. entries is clamped to
 * [1, DEDUP_ENTRIES_MAX]. */
struct dedup	*dedup_new(uint64_t entries, dw_ms window_ms);
void		 dedup_free(struct dedup *);

/* Look up (token, frame_id) at time now. Either may be empty; when
 * frame_id is empty the request is DEDUP_UNTRACKED. *key receives the
 * handle to pass to commit/abort. */
enum dedup_rc	 dedup_begin(struct dedup *, struct dw_str token,
		    struct dw_str frame_id, dw_ms now, uint64_t *key);
/* The frame was enqueued: remember it as seen from now on. */
void		 dedup_commit(struct dedup *, uint64_t key, dw_ms now);
/* The frame was not taken (503, 4xx): forget the reservation. */
void		 dedup_abort(struct dedup *, uint64_t key);

void		 dedup_stats(struct dedup *, struct dedup_stats *);

#endif /* DW_DEDUP_H */
