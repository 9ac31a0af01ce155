/*
 * outbox.c - append-only, fsynced, bounded, compacted on-disk queue of
 * pending notifications (see outbox.h for the file format).
 *
 * In memory an outbox keeps only an index of its pending records (id,
 * offset and length of the line in the file), never their contents:
 * compaction copies the pending lines from the old file with pread().
 * The index is an array in id order; done entries are marked and
 * squeezed out lazily, so outbox_done() is a binary search.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "sink/outbox.h"

/* Longest path we build under the state directory. */
#define OUTBOX_PATH_MAX		4096
/* Truncate a file with no pending records once it is this big. */
#define OUTBOX_TRUNCATE_BYTES	(64 * 1024)
/* Largest outbox file we agree to read back at open (a file may exceed
 * OUTBOX_FILE_MAX_BYTES if the limit was lowered between runs). */
#define OUTBOX_READ_MAX_BYTES	(1024ULL * 1024 * 1024)
/* "A <20 digits> <8 hex> " + "\n" */
#define OUTBOX_HEAD_MAX_BYTES	40

struct obx_ent {
	uint64_t	id;
	uint64_t	off;		/* of the line in the file */
	uint32_t	len;		/* of the line, with its LF */
	int		done;
};

struct outbox {
	pthread_mutex_t	 mu;
	int		 fd;
	int		 lockfd;
	char		*dir;
	char		*path;
	char		*tmppath;
	uint64_t	 size;		/* file bytes */
	uint64_t	 live_bytes;	/* bytes of pending lines */
	uint64_t	 next_id;
	uint64_t	 skipped;
	int		 dirty;		/* appended since the last sync */
	struct obx_ent	*ents;		/* index, id order */
	size_t		 nents;		/* used slots (some may be done) */
	size_t		 nlive;
};

/* CRC-32 (IEEE 802.3, the zlib polynomial), bitwise: records are few
 * and short, so a table is not worth it. */
static uint32_t
crc32_buf(const char *p, size_t n)
{
	uint32_t	c = 0xffffffffu;
	size_t		i;
	int		k;

	for (i = 0; i < n; i++) {
		c ^= (unsigned char)p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return c ^ 0xffffffffu;
}

static int
mkdir_p(const char *path)
{
	char	buf[OUTBOX_PATH_MAX];
	size_t	i, n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) == -1 && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}

static int
fsync_dir(const char *dir)
{
	int	fd, rc;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Cursor helpers over (p, end) for the record heads. */
static int
cur_u64(const char **p, const char *end, uint64_t *v)
{
	const char	*q = *p;
	uint64_t	 x = 0;

	if (q >= end || *q < '0' || *q > '9')
		return -1;
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*q - '0');
	}
	*p = q;
	*v = x;
	return 0;
}

static int
cur_hex32(const char **p, const char *end, uint32_t *v)
{
	const char	*q = *p;
	uint32_t	 x = 0;
	int		 i;

	if (end - q < 8)
		return -1;
	for (i = 0; i < 8; i++, q++) {
		x <<= 4;
		if (*q >= '0' && *q <= '9')
			x |= (uint32_t)(*q - '0');
		else if (*q >= 'a' && *q <= 'f')
			x |= (uint32_t)(*q - 'a' + 10);
		else
			return -1;
	}
	*p = q;
	*v = x;
	return 0;
}

static int
cur_byte(const char **p, const char *end, char ch)
{
	if (*p >= end || **p != ch)
		return -1;
	(*p)++;
	return 0;
}

/* Index of the entry with id, or -1 (binary search; ids ascend). */
static long
ent_find(const struct outbox *ob, uint64_t id)
{
	size_t	lo = 0, hi = ob->nents;

	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;

		if (ob->ents[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ob->nents && ob->ents[lo].id == id)
		return (long)lo;
	return -1;
}

/* Drop done entries from the index. */
static void
ent_squeeze(struct outbox *ob)
{
	size_t	i, o = 0;

	for (i = 0; i < ob->nents; i++)
		if (!ob->ents[i].done)
			ob->ents[o++] = ob->ents[i];
	ob->nents = o;
}

static int
ent_push(struct outbox *ob, uint64_t id, uint64_t off, uint32_t len)
{
	if (ob->nents == OUTBOX_PENDING_MAX)
		ent_squeeze(ob);
	if (ob->nents == OUTBOX_PENDING_MAX)
		return -1;
	ob->ents[ob->nents].id = id;
	ob->ents[ob->nents].off = off;
	ob->ents[ob->nents].len = len;
	ob->ents[ob->nents].done = 0;
	ob->nents++;
	ob->nlive++;
	ob->live_bytes += len;
	return 0;
}

static void
ent_mark_done(struct outbox *ob, uint64_t id)
{
	long	i = ent_find(ob, id);

	if (i < 0 || ob->ents[i].done)
		return;
	ob->ents[i].done = 1;
	ob->nlive--;
	ob->live_bytes -= ob->ents[i].len;
}

/*
 * Parse one line (without its LF) at file offset off. Returns 0 for a
 * valid record (applied to the index), -1 for a corrupt one.
 */
static int
recover_line(struct outbox *ob, const char *p, const char *end, uint64_t off)
{
	uint64_t	id;
	uint32_t	crc;
	size_t		len = (size_t)(end - p) + 1;

	if (cur_byte(&p, end, 'D') == 0) {
		if (cur_byte(&p, end, ' ') || cur_u64(&p, end, &id) || p != end)
			return -1;
		ent_mark_done(ob, id);
		if (id >= ob->next_id)
			ob->next_id = id + 1;
		return 0;
	}
	if (cur_byte(&p, end, 'A') || cur_byte(&p, end, ' ') ||
	    cur_u64(&p, end, &id) || cur_byte(&p, end, ' ') ||
	    cur_hex32(&p, end, &crc) || cur_byte(&p, end, ' '))
		return -1;
	if (crc32_buf(p, (size_t)(end - p)) != crc)
		return -1;
	if (id < ob->next_id)		/* ids only grow; a repeat is junk */
		return -1;
	if (ent_push(ob, id, off, (uint32_t)len) == -1)
		return -1;
	ob->next_id = id + 1;
	return 0;
}

/* Read the whole file and rebuild the index; cut a torn tail. */
static int
recover(struct outbox *ob, struct diag *dg)
{
	struct stat	 st;
	char		*buf = NULL;
	const char	*p, *end, *nl;
	size_t		 got = 0;
	int		 rc = -1;

	if (fstat(ob->fd, &st) == -1) {
		diag_errno(dg, ob->path, "cannot stat");
		goto out;
	}
	if ((uint64_t)st.st_size > OUTBOX_READ_MAX_BYTES) {
		diag_error(dg, ob->path, 0, 0, "outbox file is %lld bytes, "
		    "more than the %llu this version reads; move it away",
		    (long long)st.st_size,
		    (unsigned long long)OUTBOX_READ_MAX_BYTES);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		diag_errno(dg, ob->path, "cannot read");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t	n = pread(ob->fd, buf + got, (size_t)st.st_size - got,
		    (off_t)got);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			diag_errno(dg, ob->path, "cannot read");
			goto out;
		}
		got += (size_t)n;
	}
	p = buf;
	end = buf + got;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;			/* torn tail */
		if (recover_line(ob, p, nl, (uint64_t)(p - buf)) == -1)
			ob->skipped++;
		p = nl + 1;
	}
	if (p < end) {
		ob->skipped++;
		if (ftruncate(ob->fd, (off_t)(p - buf)) == -1) {
			diag_errno(dg, ob->path, "cannot cut torn record");
			goto out;
		}
	}
	ob->size = (uint64_t)(p - buf);
	ent_squeeze(ob);
	if (ob->skipped > 0)
		log_warnx("outbox %s: skipped %llu torn or corrupt record(s)",
		    ob->path, (unsigned long long)ob->skipped);
	rc = 0;
out:
	free(buf);
	return rc;
}

static int	compact(struct outbox *);

static char *
path_join(const char *dir, const char *name, const char *suffix)
{
	char	*s = NULL;

	if (asprintf(&s, "%s/%s%s", dir, name, suffix) == -1)
		return NULL;
	return s;
}

struct outbox *
outbox_open(const char *dir, const char *name, struct diag *dg)
{
	struct outbox	*ob;
	char		*lockpath = NULL;

	ob = calloc(1, sizeof(*ob));
	if (ob == NULL) {
		diag_errno(dg, dir, "out of memory");
		return NULL;
	}
	ob->fd = ob->lockfd = -1;
	ob->next_id = 1;
	pthread_mutex_init(&ob->mu, NULL);
	ob->dir = strdup(dir);
	ob->path = path_join(dir, name, ".log");
	ob->tmppath = path_join(dir, name, ".log.tmp");
	lockpath = path_join(dir, name, ".lock");
	ob->ents = calloc(OUTBOX_PENDING_MAX, sizeof(*ob->ents));
	if (ob->dir == NULL || ob->path == NULL || ob->tmppath == NULL ||
	    lockpath == NULL || ob->ents == NULL) {
		diag_errno(dg, dir, "out of memory");
		goto fail;
	}
	if (mkdir_p(dir) == -1) {
		diag_errno(dg, dir, "cannot create state directory");
		goto fail;
	}
	ob->lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (ob->lockfd == -1) {
		diag_errno(dg, lockpath, "cannot open");
		goto fail;
	}
	if (flock(ob->lockfd, LOCK_EX | LOCK_NB) == -1) {
		diag_error(dg, lockpath, 0, 0, "outbox is in use by another "
		    "drainwatch process (use another state_dir)");
		goto fail;
	}
	ob->fd = open(ob->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600);
	if (ob->fd == -1) {
		diag_errno(dg, ob->path, "cannot open");
		goto fail;
	}
	(void)fsync_dir(dir);		/* make a new file's name durable */
	if (recover(ob, dg) == -1)
		goto fail;
	if (ob->skipped > 0)
		(void)compact(ob);	/* drop the junk for good */
	free(lockpath);
	return ob;
fail:
	free(lockpath);
	outbox_close(ob);
	return NULL;
}

void
outbox_close(struct outbox *ob)
{
	if (ob == NULL)
		return;
	if (ob->fd != -1) {
		(void)fdatasync(ob->fd);
		close(ob->fd);
	}
	if (ob->lockfd != -1)
		close(ob->lockfd);	/* releases the flock */
	pthread_mutex_destroy(&ob->mu);
	free(ob->ents);
	free(ob->dir);
	free(ob->path);
	free(ob->tmppath);
	free(ob);
}

/* Read the line of entry e into buf (size e->len). */
static int
read_ent(struct outbox *ob, const struct obx_ent *e, char *buf)
{
	size_t	got = 0;

	while (got < e->len) {
		ssize_t	n = pread(ob->fd, buf + got, e->len - got,
		    (off_t)(e->off + got));

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int
outbox_replay(struct outbox *ob, outbox_fn fn, void *arg)
{
	char	*buf = NULL;
	size_t	 i;
	int	 rc = 0, k;

	pthread_mutex_lock(&ob->mu);
	buf = malloc(OUTBOX_RECORD_MAX_BYTES + OUTBOX_HEAD_MAX_BYTES);
	if (buf == NULL) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < ob->nents; i++) {
		const struct obx_ent	*e = &ob->ents[i];
		const char		*p, *end;

		if (e->done || e->len > OUTBOX_RECORD_MAX_BYTES +
		    OUTBOX_HEAD_MAX_BYTES)
			continue;
		if (read_ent(ob, e, buf) == -1) {
			rc = -1;
			goto out;
		}
		/* "A id crc json\n": skip three fields. */
		end = buf + e->len - 1;
		p = memchr(buf, ' ', (size_t)(end - buf));
		for (k = 0; k < 2 && p != NULL; k++)
			p = memchr(p + 1, ' ', (size_t)(end - p - 1));
		if (p == NULL)
			continue;
		p++;
		if (fn(arg, e->id, p, (size_t)(end - p)) != 0)
			break;
	}
out:
	free(buf);
	pthread_mutex_unlock(&ob->mu);
	return rc;
}

/* Write all of buf at the end of the file; on a short write, cut the
 * file back so no torn record stays behind. */
static int
write_all(struct outbox *ob, const char *buf, size_t len)
{
	size_t	put = 0;

	while (put < len) {
		ssize_t	n = write(ob->fd, buf + put, len - put);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			int	saved = errno;

			if (ftruncate(ob->fd, (off_t)ob->size) == -1)
				log_warn("outbox %s: cannot cut short write",
				    ob->path);
			errno = n == 0 ? ENOSPC : saved;
			return -1;
		}
		put += (size_t)n;
	}
	return 0;
}

/*
 * Rewrite the file with pending records only. On any failure the old
 * file stays in place and nothing is lost.
 */
static int
compact(struct outbox *ob)
{
	char		*buf = NULL;
	uint64_t	 off = 0;
	size_t		 i;
	int		 fd = -1, rc = -1;

	ent_squeeze(ob);
	fd = open(ob->tmppath, O_RDWR | O_CREAT | O_TRUNC | O_APPEND |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		goto out;
	buf = malloc(OUTBOX_RECORD_MAX_BYTES + OUTBOX_HEAD_MAX_BYTES);
	if (buf == NULL)
		goto out;
	for (i = 0; i < ob->nents; i++) {
		struct obx_ent	*e = &ob->ents[i];
		size_t		 put = 0;

		if (e->len > OUTBOX_RECORD_MAX_BYTES + OUTBOX_HEAD_MAX_BYTES ||
		    read_ent(ob, e, buf) == -1)
			goto out;
		while (put < e->len) {
			ssize_t	n = write(fd, buf + put, e->len - put);

			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				goto out;
			put += (size_t)n;
		}
	}
	if (fdatasync(fd) == -1 || rename(ob->tmppath, ob->path) == -1)
		goto out;
	(void)fsync_dir(ob->dir);
	close(ob->fd);
	ob->fd = fd;
	fd = -1;
	ob->dirty = 0;			/* the new file is synced */
	for (i = 0; i < ob->nents; i++) {
		ob->ents[i].off = off;
		off += ob->ents[i].len;
	}
	ob->size = off;
	rc = 0;
out:
	if (fd != -1) {
		close(fd);
		(void)unlink(ob->tmppath);
	}
	free(buf);
	if (rc == -1)
		log_warn("outbox %s: compaction failed", ob->path);
	return rc;
}

/* Shrink the file when it is worth it (called with mu held). */
static void
maybe_shrink(struct outbox *ob)
{
	if (ob->nlive == 0 && ob->size >= OUTBOX_TRUNCATE_BYTES) {
		if (ftruncate(ob->fd, 0) == 0) {
			ob->size = 0;
			ob->nents = 0;
		}
		return;
	}
	if (ob->size >= OUTBOX_COMPACT_BYTES && ob->live_bytes * 2 < ob->size)
		(void)compact(ob);
}

int
outbox_append(struct outbox *ob, const char *json, size_t len, uint64_t *id)
{
	char	 head[OUTBOX_HEAD_MAX_BYTES];
	char	*rec = NULL;
	size_t	 hlen, rlen;
	int	 rc = -1;

	if (len > OUTBOX_RECORD_MAX_BYTES || memchr(json, '\n', len) != NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&ob->mu);
	hlen = (size_t)snprintf(head, sizeof(head), "A %llu %08x ",
	    (unsigned long long)ob->next_id, crc32_buf(json, len));
	rlen = hlen + len + 1;
	if (ob->size + rlen > OUTBOX_FILE_MAX_BYTES)
		maybe_shrink(ob);
	if (ob->size + rlen > OUTBOX_FILE_MAX_BYTES ||
	    ob->nlive >= OUTBOX_PENDING_MAX) {
		errno = ENOSPC;
		goto out;
	}
	rec = malloc(rlen);
	if (rec == NULL)
		goto out;
	memcpy(rec, head, hlen);
	memcpy(rec + hlen, json, len);
	rec[rlen - 1] = '\n';
	if (write_all(ob, rec, rlen) == -1)
		goto out;
	ob->dirty = 1;
	if (ent_push(ob, ob->next_id, ob->size, (uint32_t)rlen) == -1) {
		errno = ENOSPC;
		goto out;
	}
	ob->size += rlen;
	*id = ob->next_id++;
	rc = 0;
out:
	pthread_mutex_unlock(&ob->mu);
	free(rec);
	return rc;
}

int
outbox_sync(struct outbox *ob)
{
	int	fd, rc;

	pthread_mutex_lock(&ob->mu);
	if (!ob->dirty) {
		pthread_mutex_unlock(&ob->mu);
		return 0;
	}
	ob->dirty = 0;
	/* A second descriptor of the same open file: syncing it syncs the
	 * records even if compaction swaps ob->fd meanwhile. */
	fd = dup(ob->fd);
	pthread_mutex_unlock(&ob->mu);
	if (fd == -1)
		return -1;
	rc = fdatasync(fd);
	close(fd);
	if (rc == -1)
		log_warn("outbox %s: fdatasync", ob->path);
	return rc;
}

int
outbox_done(struct outbox *ob, uint64_t id)
{
	char	buf[OUTBOX_HEAD_MAX_BYTES];
	size_t	n;
	int	rc = 0;

	pthread_mutex_lock(&ob->mu);
	if (ent_find(ob, id) < 0)
		goto out;
	ent_mark_done(ob, id);
	if (ob->nlive == 0 && ob->size >= OUTBOX_TRUNCATE_BYTES) {
		maybe_shrink(ob);
		goto out;
	}
	n = (size_t)snprintf(buf, sizeof(buf), "D %llu\n",
	    (unsigned long long)id);
	if (write_all(ob, buf, n) == -1) {
		log_warn("outbox %s: cannot record delivery", ob->path);
		rc = -1;
		goto out;
	}
	ob->size += n;
	maybe_shrink(ob);
out:
	pthread_mutex_unlock(&ob->mu);
	return rc;
}

size_t
outbox_pending(struct outbox *ob)
{
	size_t	n;

	pthread_mutex_lock(&ob->mu);
	n = ob->nlive;
	pthread_mutex_unlock(&ob->mu);
	return n;
}

uint64_t
outbox_bytes(struct outbox *ob)
{
	uint64_t	n;

	pthread_mutex_lock(&ob->mu);
	n = ob->size;
	pthread_mutex_unlock(&ob->mu);
	return n;
}

uint64_t
outbox_skipped(struct outbox *ob)
{
	return ob->skipped;
}

const char *
outbox_path(const struct outbox *ob)
{
	return ob->path;
}
