/*
 * outbox.h - the on-disk queue of notifications one network sink has
 * accepted but not yet delivered (durability for the delivery engine).
 *
 * One append-only file per sink, <state_dir>/outbox/<sink>.log, holds
 * text records, one per line:
 *
 *   A <id> <crc32 of json, 8 hex> <json>\n	a notification to deliver
 *   D <id>\n					done (delivered or given up)
 *
 * outbox_append() writes the whole record with one write(2): from then
 * on it survives kill -9 (the page cache outlives the process). It does
 * not wait for the disk: outbox_sync() makes every record appended so
 * far durable with one fdatasync() (group commit), and the delivery
 * engine calls it before it posts anything, so an append costs the
 * pipeline thread microseconds, not a disk flush (~3 ms here). Done
 * records are never synced on their own: losing one only re-delivers
 * (at least once; dedup keys make that harmless). When everything is done the
 * file is truncated; when it grows past OUTBOX_COMPACT_BYTES and is
 * mostly done it is rewritten with the pending records only (temporary
 * file, fsync, rename, fsync of the directory). On open, a torn last
 * record (crash mid-write) is cut off and records with a bad checksum
 * are skipped, counted and compacted away. <sink>.lock (flock) keeps a
 * second process out. Thread-safe: one mutex per outbox (appends come from the
 * pipeline thread, done records and compaction from the delivery one).
 */
#ifndef DW_OUTBOX_H
#define DW_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"

/* Pending records one outbox holds; appends beyond it are refused (and
 * counted by the caller). Also bounds the in-memory delivery queue. */
#define OUTBOX_PENDING_MAX	10000
/* Largest outbox file; appends that would pass it first compact, then
 * are refused. 10000 records of ~6 KiB fit comfortably. */
#define OUTBOX_FILE_MAX_BYTES	(64 * 1024 * 1024)
/* Largest single record (one event as JSON; sample lines are cut to
 * SINK_SAMPLE_MAX_BYTES before they get here, so this is slack). */
#define OUTBOX_RECORD_MAX_BYTES	(1024 * 1024)
/* Rewrite the file once it is this big and less than half is pending. */
#define OUTBOX_COMPACT_BYTES	(1024 * 1024)

struct outbox;

/* Called for each pending record, oldest first; json is not
 * NUL-terminated and only valid during the call. Non-zero stops. */
typedef int	(*outbox_fn)(void *arg, uint64_t id, const char *json,
		    size_t len);

/* Open (creating dir and file) and recover; errors go to dg. */
struct outbox	*outbox_open(const char *dir, const char *name,
		    struct diag *);
void		 outbox_close(struct outbox *);
/* Visit every pending record in id order. */
int		 outbox_replay(struct outbox *, outbox_fn, void *arg);
/* Append one record (not yet synced); its id goes to *id. -1 with
 * errno ENOSPC when the outbox is full, or the write's errno. */
int		 outbox_append(struct outbox *, const char *json, size_t len,
		    uint64_t *id);
/* fdatasync() what was appended since the last sync; 0 or -1. Does not
 * hold the outbox's lock while the disk works, so appends go on. */
int		 outbox_sync(struct outbox *);
/* Mark a record done; may compact. Unknown ids are ignored. */
int		 outbox_done(struct outbox *, uint64_t id);
size_t		 outbox_pending(struct outbox *);
uint64_t	 outbox_bytes(struct outbox *);
/* Records skipped at open because they were torn or corrupt. */
uint64_t	 outbox_skipped(struct outbox *);
const char	*outbox_path(const struct outbox *);

#endif /* DW_OUTBOX_H */
