/*
 * fuzz_logplex.c - libFuzzer harness for the logplex framer
 * (src/parse/parse_logplex.c) and parse_line() on every frame.
 *
 * The first input byte picks how the body is cut into chunks; the rest
 * is the body. Checked on every input, besides what ASan and UBSan see:
 *   - the framer hands on the same messages, flags and counts whether
 *     the body arrives whole or in chunks (the split-anywhere property);
 *   - no message is longer than the framer's buffer, and the counts add
 *     up (every body byte is in a frame, a header, skipped, or a
 *     separator);
 *   - parse_line() returns a known code and every field of the record
 *     is a slice of the line it was given.
 * Built with -DFUZZ_SEEDS instead, it is a plain program that writes
 * the seed corpus (formats.md §1.10 frames, tests/logplex_vectors.h)
 * into the directory named by argv[1]. See tests/e2e/fuzz_logplex.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logplex_vectors.h"
#include "parse/parse.h"
#include "parse/parse_logplex.h"

#ifndef FUZZ_SEEDS

/* What one framer run produced: a running hash of the transcript. */
struct run {
	uint64_t	hash;
	uint64_t	nmsg;
	uint64_t	msgbytes;
};

static char	framebuf[LOGPLEX_FRAME_MAX_BYTES];
static size_t	framebuf_size;

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void
check_slice(struct dw_str line, struct dw_str f)
{
	if (f.len == 0)
		return;
	if (f.p < line.p || f.p + f.len > line.p + line.len ||
	    f.len > line.len)
		abort();
}

static void
check_record(const struct log_record *rec, struct dw_str line)
{
	check_slice(line, rec->message);
	check_slice(line, rec->host);
	check_slice(line, rec->source);
	check_slice(line, rec->process);
	check_slice(line, rec->pg_level);
	check_slice(line, rec->sqlstate);
	check_slice(line, rec->pg_pid);
	check_slice(line, rec->pg_user);
	check_slice(line, rec->pg_database);
	check_slice(line, rec->pg_application);
	check_slice(line, rec->attachment);
	if ((unsigned)rec->format >= REC_FORMAT_COUNT)
		abort();
}

static void
on_msg(void *arg, const char *msg, size_t len, unsigned flags)
{
	struct run		*r = arg;
	struct log_record	 rec;
	struct parse_conf	 conf = { NULL, 0 };
	struct dw_str		 line = { msg, len };
	enum parse_rc		 rc;

	if (len > framebuf_size || (flags & ~(LOGPLEX_F_TRUNCATED |
	    LOGPLEX_F_SHORT)) != 0)
		abort();
	r->hash = fnv(r->hash, &flags, sizeof(flags));
	r->hash = fnv(r->hash, &len, sizeof(len));
	r->hash = fnv(r->hash, msg, len);
	r->nmsg++;
	r->msgbytes += len;
	rc = parse_line(&rec, line, &conf);
	if ((unsigned)rc >= PARSE_RC_COUNT)
		abort();
	check_record(&rec, line);
}

static void
framer_run(const uint8_t *p, size_t len, uint8_t mode, struct run *r,
    struct logplex_stats *st)
{
	struct logplex_framer	f;
	size_t			off = 0, n, step;

	memset(r, 0, sizeof(*r));
	r->hash = 0xcbf29ce484222325ULL;
	logplex_framer_init(&f, framebuf, framebuf_size, on_msg, r);
	if (mode == 0) {
		logplex_framer_feed(&f, (const char *)p, len);
	} else {
		/* Chunk sizes cycle through 1..mode, mixed by position. */
		step = 0;
		while (off < len) {
			n = 1 + (size_t)((mode * 7 + step * 13) % mode);
			if (n > len - off)
				n = len - off;
			logplex_framer_feed(&f, (const char *)p + off, n);
			off += n;
			step++;
		}
	}
	logplex_framer_finish(&f);
	*st = f.st;
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run		whole, cut;
	struct logplex_stats	s1, s2;
	uint8_t			mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	/* Small buffers too, so the cut path is exercised cheaply. */
	framebuf_size = (mode & 0x80) ? 64 + (mode & 0x3f) :
	    sizeof(framebuf);
	framer_run(data, size, 0, &whole, &s1);
	framer_run(data, size, (uint8_t)((mode & 0x3f) + 1), &cut, &s2);
	if (whole.hash != cut.hash || whole.nmsg != cut.nmsg ||
	    memcmp(&s1, &s2, sizeof(s1)) != 0)
		abort();
	if (s1.frames != whole.nmsg || s1.bytes != size ||
	    s1.skipped_bytes + s1.separators + whole.msgbytes > size)
		abort();
	return 0;
}

#else /* FUZZ_SEEDS */

static int
write_seed(const char *dir, const char *name, const char *p, size_t len)
{
	char	path[4096];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL)
		return -1;
	fputc(0, fp);			/* mode byte: whole, then 1-byte cuts */
	fwrite(p, 1, len, fp);
	return fclose(fp);
}

int
main(int argc, char **argv)
{
	static char	all[64 * 1024];
	char		one[4096], name[64];
	size_t		i, n, o = 0;
	int		hl;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_logplex_seeds DIR\n");
		return 2;
	}
	for (i = 0; i < DW_NELEM(logplex_vectors); i++) {
		const struct logplex_vector *v = &logplex_vectors[i];

		hl = snprintf(one, sizeof(one), "%zu ", v->declared);
		if (hl < 0 || (size_t)hl + v->len > sizeof(one))
			return 1;
		memcpy(one + hl, v->msg, v->len);
		n = (size_t)hl + v->len;
		snprintf(name, sizeof(name), "%s", v->name);
		if (write_seed(argv[1], name, one, n) == -1)
			return 1;
		if (o + n <= sizeof(all)) {
			memcpy(all + o, one, n);
			o += n;
		}
	}
	if (write_seed(argv[1], "all", all, o) == -1)
		return 1;
	return 0;
}

#endif /* FUZZ_SEEDS */
