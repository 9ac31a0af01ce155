/*
 * dw.h - tiny types shared by every stage of drainwatch.
 *
 * struct dw_str is a borrowed byte range: never freed, never
 * NUL-terminated, valid until the buffer it points into is reused.
 * Nothing here allocates. The only process-wide mutable state lives in
 * main.c; modules receive what they need as arguments.
 */
#ifndef DW_H
#define DW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DW_VERSION	"0.1.0"

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif
#define DW_PRINTF(f, a)	__attribute__((__format__(printf, f, a)))
#define DW_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Longest line accepted from any source, in bytes. Longer lines are
 * cut here, processed truncated and counted as truncated. Heroku splits
 * dyno output at 10000 bytes, PostgreSQL lines are rarely longer. */
#define DW_LINE_MAX_BYTES	(64 * 1024)

struct dw_str {
	const char	*p;
	size_t		 len;
};

#define DW_STR_NULL		((struct dw_str){ NULL, 0 })
#define DW_STR_LIT(s)		((struct dw_str){ (s), sizeof(s) - 1 })

static inline struct dw_str
dw_str_make(const char *p, size_t len)
{
	struct dw_str	s = { p, len };

	return s;
}

static inline struct dw_str
dw_str_cstr(const char *s)
{
	return dw_str_make(s, s == NULL ? 0 : strlen(s));
}

static inline int
dw_str_eq(struct dw_str a, const char *lit)
{
	size_t	n = strlen(lit);

	return a.len == n && (n == 0 || memcmp(a.p, lit, n) == 0);
}

static inline int
dw_str_eqs(struct dw_str a, struct dw_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* FNV-1a, 64 bit: the one hash of identities, keys and cache names.
 * Start with DW_FNV_OFFSET; chain calls to hash several pieces. */
#define DW_FNV_OFFSET	0xcbf29ce484222325ULL

static inline uint64_t
dw_fnv1a(const void *p, size_t n, uint64_t h)
{
	const unsigned char	*s = p;

	while (n-- > 0) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Milliseconds since the Unix epoch, UTC. Used for event and wall time. */
typedef int64_t	dw_ms;

#define DW_MS_NONE	INT64_MIN

#endif /* DW_H */
