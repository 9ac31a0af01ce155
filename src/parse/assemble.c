/*
 * assemble.c - put multi-line records back together (pipeline stage
 * 2b), see assemble.h.
 *
 * Two kinds of holding place, all allocated by assemble_new() in one
 * arena and reused forever after (no allocation per line):
 *   - the adjacent slot, for PostgreSQL stderr: a record is continued
 *     only by the very next lines (TAB lines, DETAIL/HINT/... parts);
 *   - `slots` keyed slots, for `[seq-chunk]` records, keyed by the
 *     record's stream (app, host, source, process) and holding one
 *     sequence number each. Per stream PostgreSQL writes one sequence
 *     at a time, so a chunk with another seq completes the held one.
 * Every used slot sits on one list in the order it was opened: expiry,
 * eviction and flush walk it oldest first, so output order is stable.
 * Each slot owns three regions of its arena share: the joined message
 * and the joined raw lines (max_bytes each) and a small one for head
 * fields that do not lie inside the head's raw line (e.g. `app`).
 */
#include <stdint.h>
#include <stdlib.h>

#include "parse/assemble.h"
#include "parse/parse_postgres.h"

/* Bytes per slot for head fields that are not slices of the head line
 * (the caller-set app label, or fields of a record built elsewhere). */
#define ASSEMBLE_FIELD_BYTES	512
/* Upper bound on keyed slots: ~64 MiB of arena at the default
 * max_bytes would already be far beyond any real need. */
#define ASSEMBLE_SLOTS_MAX	4096
/* Smallest max_bytes accepted: one short PostgreSQL line. */
#define ASSEMBLE_MAX_BYTES_MIN	256

struct slot {
	struct slot		*prev, *next;	/* open order, oldest first */
	int			 used;
	uint64_t		 hash;		/* of the stream key */
	int64_t			 seq;		/* chunk_seq; -1 adjacent */
	dw_ms			 opened;	/* arrival of the head line */
	int			 nlines;
	int			 msg_cut, raw_cut;
	struct log_record	 head;		/* fields point into below */
	char			*msg, *raw, *fld;
	size_t			 msglen, rawlen, fldlen;
};

struct assembler {
	struct assemble_conf	 conf;
	struct assemble_stats	 st;
	struct slot		*slots;		/* [0] adjacent, [1..] keyed */
	int			 nslots;
	struct slot		*oldest, *newest;
	int			 npending;
	char			*arena;
};

struct assembler *
assemble_new(const struct assemble_conf *conf)
{
	struct assembler	*a = NULL;
	size_t			 per, i;
	int			 ok = 0;

	a = calloc(1, sizeof(*a));
	if (a == NULL)
		goto out;
	a->conf.slots = ASSEMBLE_SLOTS_DEFAULT;
	a->conf.max_bytes = ASSEMBLE_MAX_BYTES_DEFAULT;
	a->conf.timeout_ms = ASSEMBLE_TIMEOUT_MS_DEFAULT;
	if (conf != NULL) {
		if (conf->slots > 0)
			a->conf.slots = conf->slots;
		if (conf->max_bytes > 0)
			a->conf.max_bytes = conf->max_bytes;
		if (conf->timeout_ms > 0)
			a->conf.timeout_ms = conf->timeout_ms;
	}
	if (a->conf.slots > ASSEMBLE_SLOTS_MAX)
		a->conf.slots = ASSEMBLE_SLOTS_MAX;
	if (a->conf.max_bytes < ASSEMBLE_MAX_BYTES_MIN)
		a->conf.max_bytes = ASSEMBLE_MAX_BYTES_MIN;
	if (a->conf.max_bytes > SIZE_MAX / 4 / (ASSEMBLE_SLOTS_MAX + 1))
		goto out;
	a->nslots = a->conf.slots + 1;
	per = 2 * a->conf.max_bytes + ASSEMBLE_FIELD_BYTES;
	a->slots = calloc((size_t)a->nslots, sizeof(*a->slots));
	a->arena = malloc(per * (size_t)a->nslots);
	if (a->slots == NULL || a->arena == NULL)
		goto out;
	for (i = 0; i < (size_t)a->nslots; i++) {
		a->slots[i].msg = a->arena + i * per;
		a->slots[i].raw = a->slots[i].msg + a->conf.max_bytes;
		a->slots[i].fld = a->slots[i].raw + a->conf.max_bytes;
		a->slots[i].seq = -1;
	}
	ok = 1;
out:
	if (!ok) {
		assemble_free(a);
		a = NULL;
	}
	return a;
}

void
assemble_free(struct assembler *a)
{
	if (a == NULL)
		return;
	free(a->arena);
	free(a->slots);
	free(a);
}

int
assemble_pending(const struct assembler *a)
{
	return a->npending;
}

const struct assemble_stats *
assemble_stats(const struct assembler *a)
{
	return &a->st;
}

/* Bytes of p[0..n) that fit in room without splitting a UTF-8
 * sequence (n > room). */
static size_t
utf8_cut(const char *p, size_t room)
{
	while (room > 0 && ((unsigned char)p[room] & 0xC0) == 0x80)
		room--;
	return room;
}

/* Append to one region; a cut region takes nothing more. */
static void
put(struct assembler *a, struct slot *s, int which, const char *p, size_t n)
{
	char	*buf = which ? s->raw : s->msg;
	size_t	*len = which ? &s->rawlen : &s->msglen;
	int	*cut = which ? &s->raw_cut : &s->msg_cut;
	size_t	 room = a->conf.max_bytes - *len;

	if (*cut || n == 0)
		return;
	if (n > room) {
		n = utf8_cut(p, room);
		if (!s->msg_cut && !s->raw_cut)
			a->st.truncated++;
		*cut = 1;
	}
	if (n > 0)
		memcpy(buf + *len, p, n);
	*len += n;
}

static int
inside(struct dw_str f, struct dw_str in)
{
	uintptr_t	fp = (uintptr_t)f.p, ip = (uintptr_t)in.p;

	return in.p != NULL && fp >= ip && fp - ip <= in.len &&
	    f.len <= in.len - (fp - ip);
}

/* Make a head field point into the slot: into the copied raw line when
 * it is a slice of it, else into the field region. */
static struct dw_str
rebase(struct slot *s, const struct log_record *rec, struct dw_str f)
{
	size_t	off;

	if (f.len == 0 || f.p == NULL)
		return DW_STR_NULL;
	if (inside(f, rec->line)) {
		off = (size_t)((uintptr_t)f.p - (uintptr_t)rec->line.p);
		if (off + f.len <= s->rawlen)
			return dw_str_make(s->raw + off, f.len);
	}
	if (f.len > ASSEMBLE_FIELD_BYTES - s->fldlen)
		return DW_STR_NULL;
	memcpy(s->fld + s->fldlen, f.p, f.len);
	s->fldlen += f.len;
	return dw_str_make(s->fld + s->fldlen - f.len, f.len);
}

static uint64_t
fnv(uint64_t h, struct dw_str s)
{
	static const unsigned char	sep = 0xff;	/* field separator */

	h = dw_fnv1a(s.p, s.len, h);
	return dw_fnv1a(&sep, 1, h);
}

static uint64_t
stream_hash(const struct log_record *r)
{
	uint64_t	h = DW_FNV_OFFSET;

	h = fnv(h, r->app);
	h = fnv(h, r->host);
	h = fnv(h, r->source);
	return fnv(h, r->process);
}

static int
same_stream(const struct log_record *a, const struct log_record *b)
{
	return dw_str_eqs(a->app, b->app) && dw_str_eqs(a->host, b->host) &&
	    dw_str_eqs(a->source, b->source) &&
	    dw_str_eqs(a->process, b->process);
}

static void
list_unlink(struct assembler *a, struct slot *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		a->oldest = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		a->newest = s->prev;
	s->prev = s->next = NULL;
}

static void
slot_open(struct assembler *a, struct slot *s, const struct log_record *rec,
    dw_ms arrival)
{
	struct log_record	*h = &s->head;

	s->msglen = s->rawlen = s->fldlen = 0;
	s->msg_cut = s->raw_cut = 0;
	s->nlines = 1;
	s->opened = arrival;
	put(a, s, 1, rec->line.p, rec->line.len);
	put(a, s, 0, rec->message.p, rec->message.len);
	*h = *rec;
	h->host = rebase(s, rec, rec->host);
	h->source = rebase(s, rec, rec->source);
	h->process = rebase(s, rec, rec->process);
	h->app = rebase(s, rec, rec->app);
	h->pg_level = rebase(s, rec, rec->pg_level);
	h->sqlstate = rebase(s, rec, rec->sqlstate);
	h->pg_pid = rebase(s, rec, rec->pg_pid);
	h->pg_user = rebase(s, rec, rec->pg_user);
	h->pg_database = rebase(s, rec, rec->pg_database);
	h->pg_application = rebase(s, rec, rec->pg_application);
	h->attachment = rebase(s, rec, rec->attachment);
	h->line = DW_STR_NULL;
	h->message = DW_STR_NULL;
	s->used = 1;
	s->prev = a->newest;
	s->next = NULL;
	if (a->newest != NULL)
		a->newest->next = s;
	else
		a->oldest = s;
	a->newest = s;
	a->npending++;
}

static void
slot_append(struct assembler *a, struct slot *s, const struct log_record *rec)
{
	put(a, s, 0, "\n", 1);
	put(a, s, 0, rec->message.p, rec->message.len);
	put(a, s, 1, "\n", 1);
	put(a, s, 1, rec->line.p, rec->line.len);
	s->nlines++;
}

static void
slot_emit(struct assembler *a, struct slot *s, assemble_emit_fn fn,
    void *arg)
{
	struct log_record	r = s->head;

	r.message = dw_str_make(s->msg, s->msglen);
	r.line = dw_str_make(s->raw, s->rawlen);
	if (s->nlines > 1)
		a->st.joined++;
	list_unlink(a, s);
	s->used = 0;
	a->npending--;
	fn(arg, &r);
}

static void
end_adjacent(struct assembler *a, assemble_emit_fn fn, void *arg)
{
	if (a->slots[0].used)
		slot_emit(a, &a->slots[0], fn, arg);
}

static struct slot *
keyed_find(struct assembler *a, uint64_t h, const struct log_record *rec)
{
	struct slot	*s;

	for (s = a->oldest; s != NULL; s = s->next)
		if (s != &a->slots[0] && s->hash == h &&
		    same_stream(&s->head, rec))
			return s;
	return NULL;
}

static struct slot *
keyed_free(struct assembler *a, assemble_emit_fn fn, void *arg)
{
	struct slot	*s;
	int		 i;

	for (i = 1; i < a->nslots; i++)
		if (!a->slots[i].used)
			return &a->slots[i];
	for (s = a->oldest; s == &a->slots[0]; s = s->next)
		;
	a->st.evicted++;
	slot_emit(a, s, fn, arg);
	return s;
}

static void
push_chunk(struct assembler *a, const struct log_record *rec, dw_ms arrival,
    assemble_emit_fn fn, void *arg)
{
	struct slot	*s;
	uint64_t	 h = stream_hash(rec);

	end_adjacent(a, fn, arg);
	s = keyed_find(a, h, rec);
	if (s != NULL) {
		if (s->seq == rec->chunk_seq && rec->chunk_nr != 1) {
			slot_append(a, s, rec);
			return;
		}
		slot_emit(a, s, fn, arg);
	}
	if (rec->kind == KIND_PG_CHUNK) {
		a->st.orphans++;
		fn(arg, rec);
		return;
	}
	s = keyed_free(a, fn, arg);
	slot_open(a, s, rec, arrival);
	s->hash = h;
	s->seq = rec->chunk_seq;
}

/* May rec continue the held stderr record? */
static int
continues(const struct slot *s, const struct log_record *rec)
{
	const struct log_record	*h = &s->head;

	if (!s->used || !same_stream(h, rec))
		return 0;
	if (rec->kind == KIND_PG_CONT)
		return 1;
	return h->pg_pid.len == 0 || rec->pg_pid.len == 0 ||
	    dw_str_eqs(h->pg_pid, rec->pg_pid);
}

void
assemble_push(struct assembler *a, const struct log_record *rec,
    dw_ms arrival, assemble_emit_fn fn, void *arg)
{
	struct slot	*adj = &a->slots[0];

	if (rec->chunk_seq >= 0 &&
	    (rec->kind == KIND_PG || rec->kind == KIND_PG_CHUNK)) {
		push_chunk(a, rec, arrival, fn, arg);
		return;
	}
	switch (rec->kind) {
	case KIND_PG_CONT:
		if (continues(adj, rec)) {
			slot_append(a, adj, rec);
			return;
		}
		end_adjacent(a, fn, arg);
		a->st.orphans++;
		fn(arg, rec);
		return;
	case KIND_PG:
		if (pg_level_is_part(rec->pg_level)) {
			if (continues(adj, rec)) {
				slot_append(a, adj, rec);
				return;
			}
			/* A part with no record before it: hold it as a
			 * head of its own so its TAB lines still join. */
			a->st.orphans++;
		}
		end_adjacent(a, fn, arg);
		slot_open(a, adj, rec, arrival);
		return;
	default:
		end_adjacent(a, fn, arg);
		fn(arg, rec);
		return;
	}
}

void
assemble_inert(struct assembler *a, assemble_emit_fn fn, void *arg)
{
	end_adjacent(a, fn, arg);
}

void
assemble_expire(struct assembler *a, dw_ms now, assemble_emit_fn fn,
    void *arg)
{
	struct slot	*s, *next;

	for (s = a->oldest; s != NULL; s = next) {
		dw_ms	limit = a->conf.timeout_ms;

		next = s->next;
		if (s->seq < 0 && limit > ASSEMBLE_ADJACENT_TIMEOUT_MS)
			limit = ASSEMBLE_ADJACENT_TIMEOUT_MS;
		if (now - s->opened >= limit) {
			a->st.timed_out++;
			slot_emit(a, s, fn, arg);
		}
	}
}

void
assemble_flush(struct assembler *a, assemble_emit_fn fn, void *arg)
{
	while (a->oldest != NULL)
		slot_emit(a, a->oldest, fn, arg);
}
