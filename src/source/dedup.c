/*
 * dedup.c - bounded set of seen logplex frames, see dedup.h.
 *
 * Entries live in a ring in insertion (= time) order, so the oldest is
 * always at the head: expiry and eviction pop the head. A linear-
 * probing hash table of ring indices (twice the ring's size, a power
 * of two) finds a key in O(1); removal uses backward-shift deletion,
 * so there are no tombstones and probe chains never degrade. Keys are
 * SipHash-2-4 (Aumasson & Bernstein, 2012) of token NUL frame-id under
 * a random 128-bit key drawn at dedup_new().
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "source/dedup.h"

#define SLOT_EMPTY	UINT32_MAX

struct dentry {
	uint64_t	key;
	dw_ms		at;
};

struct dedup {
	pthread_mutex_t		 mu;
	uint64_t		 k0, k1;	/* SipHash key */
	dw_ms			 window;
	struct dentry		*ring;
	uint32_t		 cap, head, count;
	uint32_t		*slots;
	uint32_t		 mask;
	uint64_t		 pending[DEDUP_PENDING_MAX];
	int			 npending;
	struct dedup_stats	 st;
};

/* SipHash-2-4 over the concatenation a NUL b. */
#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
siphash_pair(uint64_t k0, uint64_t k1, struct dw_str a, struct dw_str b)
{
	uint64_t	v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t	v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t	v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t	v3 = 0x7465646279746573ULL ^ k1;
	uint64_t	m = 0, total = a.len + 1 + b.len;
	size_t		i, n = 0;
	unsigned char	c;

	for (i = 0; i < total; i++) {
		if (i < a.len)
			c = (unsigned char)a.p[i];
		else if (i == a.len)
			c = 0;
		else
			c = (unsigned char)b.p[i - a.len - 1];
		m |= (uint64_t)c << (8 * n);
		if (++n == 8) {
			v3 ^= m;
			SIPROUND;
			SIPROUND;
			v0 ^= m;
			m = 0;
			n = 0;
		}
	}
	m |= total << 56;
	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

struct dedup *
dedup_new(uint64_t entries, dw_ms window_ms)
{
	struct dedup	*d = NULL;
	uint64_t	 key[2];
	uint32_t	 tsize;
	struct timespec	 ts;

	if (window_ms <= 0)
		return NULL;
	if (entries < 1)
		entries = 1;
	if (entries > DEDUP_ENTRIES_MAX)
		entries = DEDUP_ENTRIES_MAX;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		goto fail;
	d->cap = (uint32_t)entries;
	d->window = window_ms;
	for (tsize = 16; tsize < 2 * d->cap; tsize *= 2)
		;
	d->mask = tsize - 1;
	d->ring = calloc(d->cap, sizeof(*d->ring));
	d->slots = malloc((size_t)tsize * sizeof(*d->slots));
	if (d->ring == NULL || d->slots == NULL)
		goto fail;
	memset(d->slots, 0xff, (size_t)tsize * sizeof(*d->slots));
	if (getrandom(key, sizeof(key), GRND_NONBLOCK) != sizeof(key)) {
		/* No entropy yet (early boot): still unpredictable enough
		 * for a dedup set; collisions only cost a duplicate. */
		clock_gettime(CLOCK_REALTIME, &ts);
		key[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL;
		key[1] = (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)d;
	}
	d->k0 = key[0];
	d->k1 = key[1];
	pthread_mutex_init(&d->mu, NULL);
	return d;
fail:
	if (d != NULL) {
		free(d->ring);
		free(d->slots);
		free(d);
	}
	return NULL;
}

void
dedup_free(struct dedup *d)
{
	if (d == NULL)
		return;
	pthread_mutex_destroy(&d->mu);
	free(d->ring);
	free(d->slots);
	free(d);
}

/* Slot holding key, or the empty slot where it would go. */
static uint32_t
table_find(const struct dedup *d, uint64_t key)
{
	uint32_t	i = (uint32_t)key & d->mask;

	while (d->slots[i] != SLOT_EMPTY && d->ring[d->slots[i]].key != key)
		i = (i + 1) & d->mask;
	return i;
}

/* Backward-shift deletion of slot i (Knuth vol. 3, algorithm R). */
static void
table_delete(struct dedup *d, uint32_t i)
{
	uint32_t	j = i, home;

	for (;;) {
		j = (j + 1) & d->mask;
		if (d->slots[j] == SLOT_EMPTY)
			break;
		home = (uint32_t)d->ring[d->slots[j]].key & d->mask;
		/* Move j back to i unless its home lies cyclically in
		 * (i, j]. */
		if ((i <= j) ? (home <= i || home > j) :
		    (home <= i && home > j)) {
			d->slots[i] = d->slots[j];
			i = j;
		}
	}
	d->slots[i] = SLOT_EMPTY;
}

/* Forget the oldest entry. */
static void
ring_pop(struct dedup *d)
{
	uint32_t	idx = d->head, i;

	i = (uint32_t)d->ring[idx].key & d->mask;
	while (d->slots[i] != idx)
		i = (i + 1) & d->mask;
	table_delete(d, i);
	d->head = (d->head + 1) % d->cap;
	d->count--;
}

static void
expire(struct dedup *d, dw_ms now)
{
	while (d->count > 0 && now - d->ring[d->head].at >= d->window) {
		ring_pop(d);
		d->st.expired++;
	}
}

static int
pending_find(const struct dedup *d, uint64_t key)
{
	int	i;

	for (i = 0; i < d->npending; i++)
		if (d->pending[i] == key)
			return i;
	return -1;
}

static void
pending_remove(struct dedup *d, int i)
{
	d->pending[i] = d->pending[--d->npending];
}

enum dedup_rc
dedup_begin(struct dedup *d, struct dw_str token, struct dw_str frame_id,
    dw_ms now, uint64_t *key)
{
	enum dedup_rc	rc;
	uint64_t	k;

	*key = 0;
	if (frame_id.len == 0)
		return DEDUP_UNTRACKED;
	k = siphash_pair(d->k0, d->k1, token, frame_id);
	*key = k;
	pthread_mutex_lock(&d->mu);
	expire(d, now);
	if (d->slots[table_find(d, k)] != SLOT_EMPTY) {
		d->st.duplicates++;
		rc = DEDUP_SEEN;
	} else if (pending_find(d, k) >= 0) {
		d->st.busy++;
		rc = DEDUP_BUSY;
	} else if (d->npending == DEDUP_PENDING_MAX) {
		d->st.untracked++;
		rc = DEDUP_UNTRACKED;
	} else {
		d->pending[d->npending++] = k;
		rc = DEDUP_NEW;
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

void
dedup_commit(struct dedup *d, uint64_t key, dw_ms now)
{
	uint32_t	slot, idx;
	int		i;

	pthread_mutex_lock(&d->mu);
	i = pending_find(d, key);
	if (i < 0)
		goto out;
	pending_remove(d, i);
	d->st.committed++;
	expire(d, now);
	if (d->count == d->cap) {
		ring_pop(d);
		d->st.evicted++;
	}
	slot = table_find(d, key);
	if (d->slots[slot] != SLOT_EMPTY)
		goto out;
	idx = (d->head + d->count) % d->cap;
	d->ring[idx].key = key;
	d->ring[idx].at = now;
	d->count++;
	d->slots[slot] = idx;
out:
	pthread_mutex_unlock(&d->mu);
}

void
dedup_abort(struct dedup *d, uint64_t key)
{
	int	i;

	pthread_mutex_lock(&d->mu);
	i = pending_find(d, key);
	if (i >= 0) {
		pending_remove(d, i);
		d->st.aborted++;
	}
	pthread_mutex_unlock(&d->mu);
}

void
dedup_stats(struct dedup *d, struct dedup_stats *out)
{
	pthread_mutex_lock(&d->mu);
	*out = d->st;
	out->entries = d->count;
	out->pending = (uint64_t)d->npending;
	pthread_mutex_unlock(&d->mu);
}
