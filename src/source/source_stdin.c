/*
 * source_stdin.c - lines from a file descriptor, see source_stdin.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/source_stdin.h"

struct source_fd {
	int		 fd;
	char		*buf;
	size_t		 cap;
	size_t		 len;		/* bytes held, not yet fed */
	int		 skipping;	/* inside an over-long line */
	uint64_t	 truncated;
};

struct source_fd *
source_fd_new(int fd, size_t bufsize)
{
	struct source_fd	*s;

	if (bufsize < 2 * DW_LINE_MAX_BYTES)
		bufsize = 2 * DW_LINE_MAX_BYTES;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->buf = malloc(bufsize);
	if (s->buf == NULL) {
		free(s);
		return NULL;
	}
	s->fd = fd;
	s->cap = bufsize;
	return s;
}

void
source_fd_free(struct source_fd *s)
{
	if (s == NULL)
		return;
	free(s->buf);
	free(s);
}

int
source_fd_fileno(const struct source_fd *s)
{
	return s->fd;
}

uint64_t
source_fd_truncated(const struct source_fd *s)
{
	return s->truncated;
}

/* Feed whole lines; keep the partial tail; cut over-long lines. */
static void
source_fd_drain(struct source_fd *s, source_feed_fn feed, void *arg, int eof)
{
	char	*p = s->buf, *end = s->buf + s->len, *last;

	if (s->skipping) {
		char	*nl = memchr(p, '\n', s->len);

		if (nl == NULL) {
			s->len = 0;
			return;
		}
		p = nl + 1;
		s->skipping = 0;
	}
	last = p < end ? memrchr(p, '\n', (size_t)(end - p)) : NULL;
	if (last != NULL) {
		feed(arg, p, (size_t)(last + 1 - p));
		p = last + 1;
	}
	if (end - p >= DW_LINE_MAX_BYTES) {
		/* No LF within the limit: cut here, skip the rest. */
		p[DW_LINE_MAX_BYTES - 1] = '\n';
		feed(arg, p, DW_LINE_MAX_BYTES);
		s->truncated++;
		s->skipping = 1;
		p = end;
	} else if (eof && p < end) {
		feed(arg, p, (size_t)(end - p));
		p = end;
	}
	s->len = (size_t)(end - p);
	if (s->len > 0 && p != s->buf)
		memmove(s->buf, p, s->len);
}

ssize_t
source_fd_read(struct source_fd *s, source_feed_fn feed, void *arg)
{
	ssize_t	n;

	n = read(s->fd, s->buf + s->len, s->cap - s->len);
	if (n < 0)
		return -1;
	s->len += (size_t)n;
	source_fd_drain(s, feed, arg, n == 0);
	return n;
}
