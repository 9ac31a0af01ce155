/*
 * parse_logplex.c - RFC 6587 octet-counting framer, see parse_logplex.h.
 *
 * Grammar (RFC 6587 §3.4.1): SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG,
 * MSG-LEN = NONZERO-DIGIT *DIGIT. Logplex writes frames back to back
 * (heroku/logplex src/logplex_syslog_utils.erl frame/1) and counts the
 * trailing LF when the line had one (formats.md §0.1, §1.2).
 *
 * States, one byte at a time except inside a message:
 *   START  expects the first digit of MSG-LEN. A stray LF or CR here
 *          is tolerated and counted as a separator (some senders put a
 *          newline between frames, or leave it out of the count).
 *   LEN    more digits, then SP.
 *   LT     only while resynchronising: after SP the next byte must be
 *          '<' (a PRI), else the candidate is rejected.
 *   MSG    copies (or, when the whole message is inside the current
 *          chunk, points at) exactly MSG-LEN bytes.
 *   SKIP   garbage: drops bytes up to and including the next LF, then
 *          goes to START in resync mode.
 *
 * Resync policy: a bad prefix (non-digit, leading zero, no SP, too many
 * digits, MSG-LEN > LOGPLEX_LEN_MAX) is counted once; the bytes up to
 * the next LF are thrown away (counted in skipped_bytes) and a frame is
 * tried right after every LF, requiring `NONZERO-DIGIT *DIGIT SP <`.
 * Frames before the error are never affected. A frame whose count is
 * too large eats the start of the next frame; that frame is lost and
 * the framer recovers at the next LF (formats.md §1.10 T13).
 */
#include <string.h>

#include "parse/parse_logplex.h"

enum {
	ST_START = 0,
	ST_LEN,
	ST_LT,
	ST_MSG,
	ST_SKIP
};

static const char *const err_names[LOGPLEX_ERR_COUNT] = {
	"bad_length", "length_too_long", "oversize", "short"
};

const char *
logplex_err_name(enum logplex_err e)
{
	if ((unsigned)e >= LOGPLEX_ERR_COUNT)
		return "unknown";
	return err_names[e];
}

void
logplex_framer_init(struct logplex_framer *f, char *buf, size_t bufsize,
    logplex_msg_fn fn, void *arg)
{
	memset(f, 0, sizeof(*f));
	f->state = ST_START;
	f->buf = buf;
	f->max = bufsize < LOGPLEX_FRAME_MAX_BYTES ? bufsize :
	    LOGPLEX_FRAME_MAX_BYTES;
	f->fn = fn;
	f->arg = arg;
}

uint64_t
logplex_framer_nerrors(const struct logplex_framer *f)
{
	uint64_t	n = 0;
	int		i;

	for (i = 0; i < LOGPLEX_ERR_COUNT; i++)
		n += f->st.errors[i];
	return n;
}

/* Hand one message on; strip one trailing LF unless it was cut (then
 * its last byte is not the frame's last). */
static void
framer_emit(struct logplex_framer *f, const char *p, size_t len,
    unsigned flags)
{
	if (f->got > len) {
		flags |= LOGPLEX_F_TRUNCATED;
		f->st.errors[LOGPLEX_ERR_OVERSIZE]++;
	} else if (len > 0 && p[len - 1] == '\n')
		len--;
	f->st.frames++;
	f->fn(f->arg, p, len, flags);
}

/* The prefix read so far is not a frame: count it (once per garbage
 * run), drop its bytes and skip to the next LF. */
static void
framer_bad(struct logplex_framer *f, enum logplex_err e, size_t hdrbytes)
{
	if (!f->resync)
		f->st.errors[e]++;
	f->st.skipped_bytes += hdrbytes;
	f->state = ST_SKIP;
}

/* Header bytes consumed so far in LEN / LT. */
static size_t
framer_hdrbytes(const struct logplex_framer *f)
{
	return (size_t)f->ndigits + (f->state == ST_LT ? 1 : 0);
}

/* Consume message bytes from [p, end); return bytes used. */
static size_t
framer_msg(struct logplex_framer *f, const char *p, const char *end)
{
	size_t	avail = (size_t)(end - p);
	size_t	need = f->msglen - f->got;
	size_t	take = avail < need ? avail : need;
	size_t	room;

	if (f->got == 0 && take == need && need <= f->max) {
		/* Whole message inside this chunk: no copy. */
		f->got = need;
		framer_emit(f, p, need, 0);
		f->state = ST_START;
		return take;
	}
	room = f->buflen < f->max ? f->max - f->buflen : 0;
	if (room > take)
		room = take;
	if (room > 0) {
		memcpy(f->buf + f->buflen, p, room);
		f->buflen += room;
	}
	f->got += take;
	if (f->got == f->msglen) {
		framer_emit(f, f->buf, f->buflen, 0);
		f->buflen = 0;
		f->state = ST_START;
	}
	return take;
}

void
logplex_framer_feed(struct logplex_framer *f, const char *p, size_t len)
{
	const char	*end = p + len;
	const char	*nl;
	unsigned char	 c;

	f->st.bytes += len;
	while (p < end) {
		switch (f->state) {
		case ST_MSG:
			p += framer_msg(f, p, end);
			continue;
		case ST_SKIP:
			nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL) {
				f->st.skipped_bytes += (size_t)(end - p);
				p = end;
				continue;
			}
			f->st.skipped_bytes += (size_t)(nl + 1 - p);
			p = nl + 1;
			f->resync = 1;
			f->state = ST_START;
			continue;
		default:
			break;
		}
		c = (unsigned char)*p;
		switch (f->state) {
		case ST_START:
			if (c >= '1' && c <= '9') {
				f->msglen = c - '0';
				f->ndigits = 1;
				f->state = ST_LEN;
				p++;
			} else if (c == '\n' || c == '\r') {
				if (f->resync)
					f->st.skipped_bytes++;
				else
					f->st.separators++;
				p++;
			} else
				framer_bad(f, LOGPLEX_ERR_BAD_LENGTH, 0);
			break;
		case ST_LEN:
			if (c >= '0' && c <= '9') {
				if (f->ndigits >= LOGPLEX_LEN_DIGITS_MAX) {
					framer_bad(f, LOGPLEX_ERR_LEN_TOO_LONG,
					    framer_hdrbytes(f));
					break;
				}
				f->msglen = f->msglen * 10 + (c - '0');
				f->ndigits++;
				p++;
			} else if (c == ' ' && f->msglen > LOGPLEX_LEN_MAX) {
				framer_bad(f, LOGPLEX_ERR_LEN_TOO_LONG,
				    framer_hdrbytes(f));
			} else if (c == ' ') {
				p++;
				f->got = 0;
				f->buflen = 0;
				if (f->resync)
					f->state = ST_LT;
				else
					f->state = ST_MSG;
			} else
				framer_bad(f, LOGPLEX_ERR_BAD_LENGTH,
				    framer_hdrbytes(f));
			break;
		case ST_LT:
			if (c == '<') {
				f->resync = 0;
				/* '<' is the message's first byte */
				f->state = ST_MSG;
			} else
				framer_bad(f, LOGPLEX_ERR_BAD_LENGTH,
				    framer_hdrbytes(f));
			break;
		}
	}
}

void
logplex_framer_finish(struct logplex_framer *f)
{
	switch (f->state) {
	case ST_MSG:
		f->st.errors[LOGPLEX_ERR_SHORT]++;
		if (f->buflen > 0)
			framer_emit(f, f->buf, f->buflen, LOGPLEX_F_SHORT);
		break;
	case ST_LEN:
	case ST_LT:
		if (!f->resync)
			f->st.errors[LOGPLEX_ERR_SHORT]++;
		f->st.skipped_bytes += framer_hdrbytes(f);
		break;
	default:
		break;
	}
	f->state = ST_START;
	f->resync = 0;
	f->ndigits = 0;
	f->buflen = 0;
	f->got = 0;
}
