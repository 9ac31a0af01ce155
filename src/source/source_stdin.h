/*
 * source_stdin.h - lines from a file descriptor: stdin in live mode,
 * log files in replay (pipeline stage 1).
 *
 * Reads into one buffer allocated by source_fd_new() and hands over
 * every run of complete lines at once, so the prefilter scans large
 * blocks. A line longer than DW_LINE_MAX_BYTES is cut there (the rest
 * up to its LF is skipped and counted); a last line without LF is
 * handed over at EOF. Never allocates after creation.
 */
#ifndef DW_SOURCE_STDIN_H
#define DW_SOURCE_STDIN_H

#include <sys/types.h>

#include "dw.h"

/* Read buffer: big enough for the prefilter to scan large blocks. */
#define SOURCE_FD_BUF_BYTES	(4 * 1024 * 1024)

typedef void	(*source_feed_fn)(void *arg, const char *lines, size_t len);

struct source_fd;

struct source_fd	*source_fd_new(int fd, size_t bufsize);
void			 source_fd_free(struct source_fd *);
/*
 * One read(2): feeds the complete lines now in the buffer. Returns
 * bytes read, 0 at EOF (the last partial line has been fed), -1 on
 * error with errno (EAGAIN/EINTR: try again later).
 */
ssize_t			 source_fd_read(struct source_fd *, source_feed_fn,
			    void *arg);
int			 source_fd_fileno(const struct source_fd *);
uint64_t		 source_fd_truncated(const struct source_fd *);

#endif /* DW_SOURCE_STDIN_H */
