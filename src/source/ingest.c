/*
 * ingest.c - bounded hand-off queue, see ingest.h.
 *
 * A mutex-protected FIFO of batches plus an eventfd that is readable
 * while the FIFO is non-empty. The byte bound counts each batch's
 * allocated buffer, so what the queue holds in memory is what it
 * reports. The callback runs without the lock, so HTTP threads can
 * keep pushing while the pipeline works.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "source/ingest.h"

struct qnode {
	struct qnode	*next;
	char		*buf;
	size_t		 len;
	size_t		 alloc;		/* what counts against the cap */
	uint64_t	 nlines;
	size_t		 applen;
	char		 app[INGEST_APP_MAX_BYTES];
};

struct ingest {
	pthread_mutex_t		 mu;
	struct qnode		*head, *tail;
	uint64_t		 cap;
	int			 efd;
	int			 signaled;	/* efd made readable */
	int			 closed;
	struct ingest_stats	 st;
};

/* Make the eventfd readable (lock held). */
static void
ingest_signal(struct ingest *q)
{
	uint64_t	one = 1;
	ssize_t		n;

	if (q->signaled)
		return;
	q->signaled = 1;
	do {
		n = write(q->efd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
}

struct ingest *
ingest_new(uint64_t cap_bytes)
{
	struct ingest	*q;

	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0) {
		free(q);
		return NULL;
	}
	if (cap_bytes < INGEST_QUEUE_MIN_BYTES)
		cap_bytes = INGEST_QUEUE_MIN_BYTES;
	q->cap = cap_bytes;
	q->st.capacity_bytes = cap_bytes;
	pthread_mutex_init(&q->mu, NULL);
	return q;
}

void
ingest_free(struct ingest *q)
{
	struct qnode	*n, *next;

	if (q == NULL)
		return;
	for (n = q->head; n != NULL; n = next) {
		next = n->next;
		free(n->buf);
		free(n);
	}
	close(q->efd);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

int
ingest_fd(const struct ingest *q)
{
	return q->efd;
}

void
ingest_batch_init(struct ingest_batch *b, size_t cap_bytes)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap_bytes;
}

void
ingest_batch_fini(struct ingest_batch *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

void
ingest_batch_reset(struct ingest_batch *b)
{
	b->len = 0;
	b->nlines = 0;
	b->nreplaced = 0;
	b->nempty = 0;
}

/* Make room for need more bytes, within cap. */
static int
batch_reserve(struct ingest_batch *b, size_t need)
{
	size_t	want, n;
	char	*p;

	if (need > b->cap || b->len > b->cap - need)
		return -1;
	want = b->len + need;
	if (want <= b->alloc)
		return 0;
	n = b->alloc > 0 ? b->alloc : INGEST_BATCH_INITIAL_BYTES;
	while (n < want)
		n *= 2;
	if (n > b->cap)
		n = b->cap;
	p = realloc(b->buf, n);
	if (p == NULL)
		return -1;
	b->buf = p;
	b->alloc = n;
	return 0;
}

int
ingest_batch_add(struct ingest_batch *b, const char *msg, size_t len)
{
	char	*out, *q;
	size_t	 i;

	if (len > 0 && msg[len - 1] == '\r')
		len--;
	if (len == 0) {
		b->nempty++;
		return 0;
	}
	if (batch_reserve(b, len + 1) == -1)
		return -1;
	out = b->buf + b->len;
	memcpy(out, msg, len);
	/* Rare: most messages hold neither byte, memchr is fast. */
	for (i = 0; i < len; i++) {
		q = memchr(out + i, '\n', len - i);
		if (q == NULL)
			break;
		*q = ' ';
		b->nreplaced++;
		i = (size_t)(q - out);
	}
	for (i = 0; i < len; i++) {
		q = memchr(out + i, '\r', len - i);
		if (q == NULL)
			break;
		*q = ' ';
		b->nreplaced++;
		i = (size_t)(q - out);
	}
	out[len] = '\n';
	b->len += len + 1;
	b->nlines++;
	return 0;
}

int
ingest_push(struct ingest *q, struct ingest_batch *b, struct dw_str app)
{
	struct qnode	*n;
	int		 rc = -1;

	if (b->len == 0)
		return 0;
	n = malloc(sizeof(*n));
	if (n == NULL)
		return -1;
	n->next = NULL;
	n->buf = b->buf;
	n->len = b->len;
	n->alloc = b->alloc;
	n->nlines = b->nlines;
	n->applen = app.len < sizeof(n->app) ? app.len : sizeof(n->app);
	if (n->applen > 0)
		memcpy(n->app, app.p, n->applen);

	pthread_mutex_lock(&q->mu);
	if (q->closed || q->st.queued_bytes + n->alloc > q->cap) {
		q->st.rejected_batches++;
		q->st.rejected_lines += b->nlines;
		q->st.rejected_bytes += b->len;
		goto out;
	}
	if (q->tail == NULL)
		q->head = n;
	else
		q->tail->next = n;
	q->tail = n;
	q->st.batches++;
	q->st.lines += b->nlines;
	q->st.bytes += b->len;
	q->st.queued_batches++;
	q->st.queued_bytes += n->alloc;
	if (q->st.queued_bytes > q->st.peak_bytes)
		q->st.peak_bytes = q->st.queued_bytes;
	ingest_signal(q);
	n = NULL;
	rc = 0;
out:
	pthread_mutex_unlock(&q->mu);
	if (rc == 0) {
		b->buf = NULL;
		b->alloc = 0;
		ingest_batch_reset(b);
	}
	free(n);		/* only on failure; b keeps its buffer */
	return rc;
}

void
ingest_close(struct ingest *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_mutex_unlock(&q->mu);
}

size_t
ingest_drain(struct ingest *q, size_t max, ingest_fn fn, void *arg)
{
	struct qnode	*n;
	uint64_t	 v;
	size_t		 done = 0, alloc;
	ssize_t		 r;

	pthread_mutex_lock(&q->mu);
	q->signaled = 0;
	do {
		r = read(q->efd, &v, sizeof(v));
	} while (r < 0 && errno == EINTR);
	while (max == 0 || done < max) {
		n = q->head;
		if (n == NULL)
			break;
		q->head = n->next;
		if (q->head == NULL)
			q->tail = NULL;
		pthread_mutex_unlock(&q->mu);

		fn(arg, dw_str_make(n->app, n->applen), n->buf, n->len);
		done++;
		alloc = n->alloc;
		free(n->buf);
		free(n);

		pthread_mutex_lock(&q->mu);
		q->st.queued_batches--;
		q->st.queued_bytes -= alloc;
		q->st.drained_batches++;
	}
	if (q->head != NULL)
		ingest_signal(q);
	pthread_mutex_unlock(&q->mu);
	return done;
}

size_t
ingest_drain_all(struct ingest *q, ingest_fn fn, void *arg)
{
	return ingest_drain(q, 0, fn, arg);
}

void
ingest_stats(struct ingest *q, struct ingest_stats *out)
{
	pthread_mutex_lock(&q->mu);
	*out = q->st;
	pthread_mutex_unlock(&q->mu);
}
