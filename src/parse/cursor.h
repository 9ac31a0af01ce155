/*
 * cursor.h - byte cursors over (p, end) for the line parsers (stage 2).
 *
 * Header-only: every helper is static inline so the hot path inlines
 * them. A step either consumes input and returns 0, or fails with -1
 * and leaves the cursor where it was, so steps chain with ||. Nothing
 * here assumes a NUL terminator or reads at or past end. Nothing
 * allocates.
 */
#ifndef DW_PARSE_CURSOR_H
#define DW_PARSE_CURSOR_H

#include <stdint.h>
#include <string.h>

#include "dw.h"

struct cursor {
	const char	*p;
	const char	*end;
};

static inline struct cursor
cur_make(struct dw_str s)
{
	struct cursor	c = { s.p, s.p };

	if (s.p != NULL)	/* NULL + 0 is undefined behaviour */
		c.end = s.p + s.len;
	return c;
}

static inline int
ch_is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static inline int
ch_is_upper(int ch)
{
	return ch >= 'A' && ch <= 'Z';
}

static inline int
ch_is_alpha(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static inline int
ch_is_alnum(int ch)
{
	return ch_is_alpha(ch) || ch_is_digit(ch);
}

static inline size_t
cur_left(const struct cursor *c)
{
	return (size_t)(c->end - c->p);
}

static inline int
cur_eof(const struct cursor *c)
{
	return c->p >= c->end;
}

/* The byte under the cursor, or -1 at the end. */
static inline int
cur_peek(const struct cursor *c)
{
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

/* Consume one byte equal to ch. */
static inline int
cur_byte(struct cursor *c, char ch)
{
	if (c->p >= c->end || *c->p != ch)
		return -1;
	c->p++;
	return 0;
}

/* Consume the n bytes of s. */
static inline int
cur_lit(struct cursor *c, const char *s, size_t n)
{
	if (cur_left(c) < n || memcmp(c->p, s, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

/* Consume exactly n decimal digits into *v (n <= 9). */
static inline int
cur_ndigits(struct cursor *c, int n, int *v)
{
	int	i, x = 0;

	if (cur_left(c) < (size_t)n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!ch_is_digit(c->p[i]))
			return -1;
		x = x * 10 + (c->p[i] - '0');
	}
	c->p += n;
	*v = x;
	return 0;
}

/* Consume 1..maxdigits decimal digits into *v (maxdigits <= 18). */
static inline int
cur_uint(struct cursor *c, int maxdigits, int64_t *v)
{
	const char	*q = c->p;
	int64_t		 x = 0;

	while (q < c->end && ch_is_digit(*q) && q - c->p < maxdigits) {
		x = x * 10 + (*q - '0');
		q++;
	}
	if (q == c->p || (q < c->end && ch_is_digit(*q)))
		return -1;
	c->p = q;
	*v = x;
	return 0;
}

/* Skip any run of spaces. Never fails. */
static inline void
cur_skip_sp(struct cursor *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

/* The bytes up to (not including) the next ch, or the rest when there
 * is none; the cursor stops on ch. */
static inline struct dw_str
cur_until(struct cursor *c, char ch)
{
	const char	*q = memchr(c->p, ch, cur_left(c));
	struct dw_str	 s;

	if (q == NULL)
		q = c->end;
	s = dw_str_make(c->p, (size_t)(q - c->p));
	c->p = q;
	return s;
}

/* Everything left; the cursor moves to the end. */
static inline struct dw_str
cur_rest(struct cursor *c)
{
	struct dw_str	s = dw_str_make(c->p, cur_left(c));

	c->p = c->end;
	return s;
}

/* A slice from p to the cursor. */
static inline struct dw_str
cur_since(const struct cursor *c, const char *p)
{
	return dw_str_make(p, (size_t)(c->p - p));
}

#endif /* DW_PARSE_CURSOR_H */
