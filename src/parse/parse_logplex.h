/*
 * parse_logplex.h - streaming RFC 6587 octet-counting framer for
 * application/logplex-1 bodies (HTTP drain, pipeline stage 1).
 *
 * A body is a run of frames `MSG-LEN SP MSG` with no separator between
 * them (RFC 6587 §3.4.1; formats.md §1.2). The framer is a byte state
 * machine fed arbitrary chunks, in the order libmicrohttpd delivers
 * them; every complete frame's message is handed to a callback as one
 * contiguous byte range, with at most one trailing LF stripped. The
 * length is authoritative and counts bytes, not characters. Nothing is
 * assumed about the message itself (parse_line() reads it later).
 *
 * Errors never cost the good frames before them, and are counted by
 * cause. After a bad length prefix the framer resynchronises: it skips
 * bytes up to the next LF and tries a frame header right after it,
 * this time demanding `NNN <` (a syslog PRI must follow), and repeats
 * until one fits. See parse_logplex.c for the exact rules.
 *
 * Memory: the caller supplies one buffer (used only for frames that
 * span chunks, at most LOGPLEX_FRAME_MAX_BYTES); it never allocates.
 * One framer per request; not thread-safe.
 */
#ifndef DW_PARSE_LOGPLEX_H
#define DW_PARSE_LOGPLEX_H

#include <stddef.h>
#include <stdint.h>

/* Longest message handed on, in bytes. Heroku splits dyno output at
 * 10000 bytes and its own decoder stops at 10240 (heroku/x
 * MaxFrameLength); we accept the same 64 KiB as every other source
 * (DW_LINE_MAX_BYTES). Longer frames are cut to this size, flagged
 * LOGPLEX_F_TRUNCATED and counted; the rest of the frame is skipped by
 * its count, so framing stays in step. */
#define LOGPLEX_FRAME_MAX_BYTES	(64 * 1024)
/* Largest MSG-LEN believed at all, in bytes: above it the prefix is
 * treated as garbage (LOGPLEX_ERR_LEN_TOO_LONG) rather than as a frame
 * that would swallow the rest of the body. 1 MiB = the default HTTP
 * body limit; logplex batches are ~100 KB. */
#define LOGPLEX_LEN_MAX		(1024 * 1024)
/* Digits in MSG-LEN: enough for LOGPLEX_LEN_MAX (7); an eighth digit
 * is already an error, so a digit run cannot grow without bound. */
#define LOGPLEX_LEN_DIGITS_MAX	7

/* Flags passed with a message. */
#define LOGPLEX_F_TRUNCATED	0x1	/* frame longer than the buffer: cut */
#define LOGPLEX_F_SHORT		0x2	/* body ended before MSG-LEN bytes */

/* Errors, counted by cause. */
enum logplex_err {
	LOGPLEX_ERR_BAD_LENGTH = 0,	/* non-digit, leading zero, zero,
					   or no SP after the digits */
	LOGPLEX_ERR_LEN_TOO_LONG,	/* > LOGPLEX_LEN_DIGITS_MAX digits or
					   > LOGPLEX_LEN_MAX */
	LOGPLEX_ERR_OVERSIZE,		/* frame > FRAME_MAX: truncated */
	LOGPLEX_ERR_SHORT,		/* body ended inside a frame */
	LOGPLEX_ERR_COUNT
};

/* Called once per frame; msg is valid only during the call. */
typedef void	(*logplex_msg_fn)(void *arg, const char *msg, size_t len,
		    unsigned flags);

struct logplex_stats {
	uint64_t	frames;		/* messages handed on */
	uint64_t	bytes;		/* body bytes fed */
	uint64_t	skipped_bytes;	/* bytes thrown away resyncing */
	uint64_t	separators;	/* stray LF/CR between frames,
					   tolerated (not errors) */
	uint64_t	errors[LOGPLEX_ERR_COUNT];
};

/* The state is public so callers can embed a framer; touch it only
 * through the functions below. */
struct logplex_framer {
	int			 state;
	int			 resync;	/* demand `NNN <` */
	int			 ndigits;
	size_t			 msglen;	/* declared MSG-LEN */
	size_t			 got;		/* message bytes seen */
	char			*buf;		/* spanning frames */
	size_t			 buflen;	/* bytes in buf */
	size_t			 max;		/* longest message kept */
	logplex_msg_fn		 fn;
	void			*arg;
	struct logplex_stats	 st;
};

/*
 * buf (borrowed, bufsize bytes) holds frames that span chunks; messages
 * are cut at min(bufsize, LOGPLEX_FRAME_MAX_BYTES). A caller that knows
 * the body is n bytes long may pass bufsize = n: no frame of that body
 * can be longer.
 */
void	logplex_framer_init(struct logplex_framer *, char *buf,
	    size_t bufsize, logplex_msg_fn, void *arg);
/* Feed the next chunk of the body (any size, may be 0). */
void	logplex_framer_feed(struct logplex_framer *, const char *p,
	    size_t len);
/* End of body: a frame still open is handed on flagged
 * LOGPLEX_F_SHORT (its bytes are all we will ever get) and counted. */
void	logplex_framer_finish(struct logplex_framer *);
/* Total errors of every cause. */
uint64_t	logplex_framer_nerrors(const struct logplex_framer *);
/* "bad_length", "length_too_long", "oversize", "short". */
const char	*logplex_err_name(enum logplex_err);

#endif /* DW_PARSE_LOGPLEX_H */
