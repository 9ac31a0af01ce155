/*
 * test_parse_logplex.c - mirrors src/parse/parse_logplex.c: the
 * octet-counting framer on the real frames of formats.md §1.10, on bad
 * prefixes and on every way a body can be cut into chunks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "logplex_vectors.h"
#include "parse/parse_logplex.h"

/* A transcript of what the framer handed on: "flags len:msg\n" each. */
struct tr {
	char	*p;
	size_t	 len, cap;
	int	 n;
	char	 last[LOGPLEX_FRAME_MAX_BYTES];
	size_t	 lastlen;
	unsigned lastflags;
};

static void
tr_add(struct tr *t, const char *p, size_t len)
{
	if (t->len + len + 1 > t->cap) {
		t->cap = (t->len + len + 1) * 2;
		t->p = realloc(t->p, t->cap);
		assert_non_null(t->p);
	}
	memcpy(t->p + t->len, p, len);
	t->len += len;
}

static void
on_msg(void *arg, const char *msg, size_t len, unsigned flags)
{
	struct tr	*t = arg;
	char		 hdr[32];
	int		 n;

	n = snprintf(hdr, sizeof(hdr), "%u %zu:", flags, len);
	tr_add(t, hdr, (size_t)n);
	tr_add(t, msg, len);
	tr_add(t, "\n", 1);
	t->n++;
	assert_true(len <= sizeof(t->last));
	memcpy(t->last, msg, len);
	t->lastlen = len;
	t->lastflags = flags;
}

static char	framebuf[LOGPLEX_FRAME_MAX_BYTES];

/* A growing body under construction. */
struct body {
	char	*p;
	size_t	 len, cap;
};

static void
body_add(struct body *b, const char *p, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
}

static void
body_str(struct body *b, const char *s)
{
	body_add(b, s, strlen(s));
}

/* Append "declared SP msg" for vector v. */
static void
body_vec(struct body *b, const struct logplex_vector *v)
{
	char	hdr[16];
	int	n;

	n = snprintf(hdr, sizeof(hdr), "%zu ", v->declared);
	body_add(b, hdr, (size_t)n);
	body_add(b, v->msg, v->len);
}

static const struct logplex_vector *
vec(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(logplex_vectors) / sizeof(logplex_vectors[0]);
	    i++)
		if (strcmp(logplex_vectors[i].name, name) == 0)
			return &logplex_vectors[i];
	fail_msg("no vector %s", name);
	return NULL;
}

/* Run body through a fresh framer in one chunk. */
static void
run(struct logplex_framer *f, struct tr *t, const char *p, size_t len)
{
	memset(t, 0, sizeof(*t));
	logplex_framer_init(f, framebuf, sizeof(framebuf), on_msg, t);
	logplex_framer_feed(f, p, len);
	logplex_framer_finish(f);
}

/* Message of v as handed on: one trailing LF stripped. */
static size_t
stripped(const struct logplex_vector *v)
{
	return v->len > 0 && v->msg[v->len - 1] == '\n' ? v->len - 1 : v->len;
}

static void
test_parse_logplex_each_vector(void **state)
{
	struct logplex_framer	 f;
	struct tr		 t;
	struct body		 b;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(logplex_vectors) / sizeof(logplex_vectors[0]);
	    i++) {
		const struct logplex_vector *v = &logplex_vectors[i];

		if (strcmp(v->name, "T13") == 0)
			continue;
		assert_int_equal(v->declared, v->len);
		memset(&b, 0, sizeof(b));
		body_vec(&b, v);
		run(&f, &t, b.p, b.len);
		assert_int_equal(t.n, 1);
		assert_int_equal(t.lastflags, 0);
		assert_int_equal(t.lastlen, stripped(v));
		assert_memory_equal(t.last, v->msg, stripped(v));
		assert_int_equal(logplex_framer_nerrors(&f), 0);
		assert_int_equal(f.st.frames, 1);
		assert_int_equal(f.st.skipped_bytes, 0);
		free(b.p);
		free(t.p);
	}
}

/* T6: the count is in bytes; "µ" is two of them. */
static void
test_parse_logplex_utf8_bytes(void **state)
{
	const struct logplex_vector *v = vec("T6");
	struct logplex_framer	 f;
	struct tr		 t;
	struct body		 b = { 0 };

	(void)state;
	assert_int_equal(v->declared, 156);
	body_vec(&b, v);
	body_vec(&b, vec("T1"));
	run(&f, &t, b.p, b.len);
	assert_int_equal(t.n, 2);
	assert_int_equal(logplex_framer_nerrors(&f), 0);
	/* The first message ended with the quote, not a byte later. */
	assert_non_null(memmem(t.p, t.len, "main.css\"\n0 69:<174>1", 21));
	assert_non_null(memmem(t.p, t.len, "163.92\xc2\xb5s", 9));
	free(b.p);
	free(t.p);
}

/* T10: the L10 frame has no LF; the next frame follows at once. */
static void
test_parse_logplex_lf_less_l10(void **state)
{
	struct logplex_framer	 f;
	struct tr		 t;
	struct body		 b = { 0 };
	const char		*want;

	(void)state;
	body_vec(&b, vec("T10a"));
	body_vec(&b, vec("T10b"));
	assert_non_null(memmem(b.p, b.len, "+00:00.93 <45>1", 15));
	run(&f, &t, b.p, b.len);
	want = "0 142:<172>1 2014-11-11T08:24:25+00:00 host heroku logplex - "
	    "Error L10 (output buffer overflow): 1 messages dropped since "
	    "2014-11-07T23:29:45+00:00.\n"
	    "0 92:<45>1 2014-11-11T08:24:24.064853+00:00 host heroku web.1 - "
	    "State changed from starting to up\n";
	assert_int_equal(t.len, strlen(want));
	assert_memory_equal(t.p, want, t.len);
	assert_int_equal(logplex_framer_nerrors(&f), 0);
	free(b.p);
	free(t.p);
}

/* T11: a LF-less frame counted to the byte, then a normal one. */
static void
test_parse_logplex_lf_less_postgres(void **state)
{
	struct logplex_framer	 f;
	struct tr		 t;
	struct body		 b = { 0 };

	(void)state;
	body_vec(&b, vec("T11"));
	body_vec(&b, vec("T12"));
	run(&f, &t, b.p, b.len);
	assert_int_equal(t.n, 2);
	assert_non_null(memmem(t.p, t.len,
	    "0 530:<134>1 2016-02-13T21:20:25+00:00 host app heroku-postgres",
	    63));
	assert_non_null(memmem(t.p, t.len,
	    "memory-postgres=181644kB\n0 334:<134>1 2023-08-24", 48));
	assert_int_equal(logplex_framer_nerrors(&f), 0);
	free(b.p);
	free(t.p);
}

/*
 * T13 counts 4 bytes more than it has. Mid-body it swallows "83 <" of
 * the next frame (T2); T2 is then garbage up to its LF, T3 is found
 * again. The frame before it (T1) is untouched.
 */
static void
test_parse_logplex_bad_length_mid_body(void **state)
{
	const struct logplex_vector *t1 = vec("T1"), *t2 = vec("T2"),
	    *t3 = vec("T3"), *t13 = vec("T13");
	struct logplex_framer	 f;
	struct tr		 t;
	struct body		 b = { 0 };

	(void)state;
	body_vec(&b, t1);
	body_vec(&b, t13);
	body_vec(&b, t2);
	body_vec(&b, t3);
	run(&f, &t, b.p, b.len);
	assert_int_equal(t.n, 3);
	assert_memory_equal(t.p, "0 69:<174>1 2012-07-22", 22);
	assert_non_null(memmem(t.p, t.len, "load_avg_15m=0.0183 <\n", 22));
	assert_int_equal(t.lastlen, stripped(t3));
	assert_memory_equal(t.last, t3->msg, stripped(t3));
	assert_int_equal(f.st.errors[LOGPLEX_ERR_BAD_LENGTH], 1);
	assert_int_equal(logplex_framer_nerrors(&f), 1);
	assert_int_equal(f.st.skipped_bytes, t2->len - 1);
	free(b.p);
	free(t.p);
}

/* T13 as the last frame: the body ends 4 bytes early. */
static void
test_parse_logplex_bad_length_at_end(void **state)
{
	const struct logplex_vector *t13 = vec("T13");
	struct logplex_framer	 f;
	struct tr		 t;
	struct body		 b = { 0 };

	(void)state;
	body_vec(&b, vec("T1"));
	body_vec(&b, t13);
	run(&f, &t, b.p, b.len);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.lastflags, LOGPLEX_F_SHORT);
	assert_int_equal(t.lastlen, t13->len);
	assert_memory_equal(t.last, t13->msg, t13->len);
	assert_int_equal(f.st.errors[LOGPLEX_ERR_SHORT], 1);
	assert_int_equal(logplex_framer_nerrors(&f), 1);
	free(b.p);
	free(t.p);
}

/* Every kind of bad prefix between two good frames: both survive. */
static void
test_parse_logplex_bad_prefixes(void **state)
{
	static const struct {
		const char	*garbage;
		enum logplex_err err;
	} cases[] = {
		{ "070 <174>1 leading zero\n", LOGPLEX_ERR_BAD_LENGTH },
		{ "0 \n", LOGPLEX_ERR_BAD_LENGTH },
		{ "x70 <174>1 not a digit\n", LOGPLEX_ERR_BAD_LENGTH },
		{ "70<174>1 no space\n", LOGPLEX_ERR_BAD_LENGTH },
		{ " 70 <174>1 leading space\n", LOGPLEX_ERR_BAD_LENGTH },
		{ "12345678 <174>1 eight digits\n", LOGPLEX_ERR_LEN_TOO_LONG },
		{ "99999999999999999999999 <1>\n", LOGPLEX_ERR_LEN_TOO_LONG },
		{ "2000000 <174>1 above LEN_MAX\n", LOGPLEX_ERR_LEN_TOO_LONG },
		{ "<174>1 2012-07-22T00:06:26+00:00 no count at all\n",
		    LOGPLEX_ERR_BAD_LENGTH },
		/* resync must also reject a candidate with no '<' */
		{ "x\n12 abc\n45 also not\n", LOGPLEX_ERR_BAD_LENGTH },
	};
	const struct logplex_vector *t1 = vec("T1"), *t2 = vec("T2");
	struct logplex_framer	 f;
	struct tr		 t;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct body	b = { 0 };

		body_vec(&b, t1);
		body_str(&b, cases[i].garbage);
		body_vec(&b, t2);
		run(&f, &t, b.p, b.len);
		assert_int_equal(t.n, 2);
		assert_int_equal(t.lastlen, stripped(t2));
		assert_memory_equal(t.last, t2->msg, stripped(t2));
		assert_memory_equal(t.p, "0 69:<174>1", 11);
		assert_int_equal(f.st.errors[cases[i].err], 1);
		assert_int_equal(logplex_framer_nerrors(&f), 1);
		assert_int_equal(f.st.skipped_bytes, strlen(cases[i].garbage));
		free(b.p);
		free(t.p);
	}
}

/* A frame above FRAME_MAX is cut, flagged, and framing stays in step. */
static void
test_parse_logplex_oversize(void **state)
{
	const size_t		 big = LOGPLEX_FRAME_MAX_BYTES + 1000;
	struct logplex_framer	 f;
	struct tr		 t;
	struct body		 b = { 0 };
	char			 hdr[16], *msg;
	int			 n;

	(void)state;
	msg = malloc(big);
	assert_non_null(msg);
	memset(msg, 'a', big);
	msg[0] = '<';
	msg[big - 1] = '\n';
	n = snprintf(hdr, sizeof(hdr), "%zu ", big);
	body_add(&b, hdr, (size_t)n);
	body_add(&b, msg, big);
	body_vec(&b, vec("T2"));
	run(&f, &t, b.p, b.len);
	assert_int_equal(t.n, 2);
	assert_memory_equal(t.p, "1 65536:<aaa", 12);
	assert_int_equal(f.st.errors[LOGPLEX_ERR_OVERSIZE], 1);
	assert_int_equal(t.lastflags, 0);
	assert_int_equal(t.lastlen, 82);
	/* Exactly FRAME_MAX is still whole. */
	free(b.p);
	free(t.p);
	memset(&b, 0, sizeof(b));
	n = snprintf(hdr, sizeof(hdr), "%d ", LOGPLEX_FRAME_MAX_BYTES);
	body_add(&b, hdr, (size_t)n);
	body_add(&b, msg, LOGPLEX_FRAME_MAX_BYTES);
	run(&f, &t, b.p, b.len);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.lastflags, 0);
	assert_int_equal(t.lastlen, LOGPLEX_FRAME_MAX_BYTES);
	assert_int_equal(logplex_framer_nerrors(&f), 0);
	free(b.p);
	free(t.p);
	/* A smaller buffer cuts there, split or not. */
	memset(&t, 0, sizeof(t));
	logplex_framer_init(&f, framebuf, 100, on_msg, &t);
	logplex_framer_feed(&f, "150 ", 4);
	logplex_framer_feed(&f, msg, 150);
	logplex_framer_feed(&f, "99 ", 3);
	logplex_framer_feed(&f, msg, 99);
	logplex_framer_feed(&f, "2 <\n", 4);
	logplex_framer_finish(&f);
	assert_int_equal(t.n, 3);
	assert_memory_equal(t.p, "1 100:<aaa", 10);
	assert_non_null(memmem(t.p, t.len, "\n0 99:<aa", 9));
	assert_int_equal(t.lastflags, 0);
	assert_int_equal(t.lastlen, 1);
	assert_int_equal(f.st.errors[LOGPLEX_ERR_OVERSIZE], 1);
	free(t.p);
	free(msg);
}

/* Stray newlines between frames and a frame holding only LF. */
static void
test_parse_logplex_separators(void **state)
{
	struct logplex_framer	 f;
	struct tr		 t;
	struct body		 b = { 0 };

	(void)state;
	body_vec(&b, vec("T1"));
	body_str(&b, "\r\n\n");
	body_str(&b, "1 \n");
	body_vec(&b, vec("T2"));
	run(&f, &t, b.p, b.len);
	assert_int_equal(t.n, 3);
	assert_non_null(memmem(t.p, t.len, "erlang\n0 0:\n0 82:<40>1", 22));
	assert_int_equal(f.st.separators, 3);
	assert_int_equal(logplex_framer_nerrors(&f), 0);
	free(b.p);
	free(t.p);
}

static void
test_parse_logplex_not_logplex(void **state)
{
	struct logplex_framer	 f;
	struct tr		 t;
	const char		*s;

	(void)state;
	run(&f, &t, "", 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(logplex_framer_nerrors(&f), 0);
	s = "hello=world&a=b";
	free(t.p);
	run(&f, &t, s, strlen(s));
	assert_int_equal(t.n, 0);
	assert_int_equal(f.st.errors[LOGPLEX_ERR_BAD_LENGTH], 1);
	assert_int_equal(f.st.skipped_bytes, strlen(s));
	s = "{\"json\": true}\n{\"json\": false}\n";
	free(t.p);
	run(&f, &t, s, strlen(s));
	assert_int_equal(t.n, 0);
	assert_int_equal(logplex_framer_nerrors(&f), 1);
	/* A header cut by the end of the body. */
	s = "70 <174>1 2012";
	free(t.p);
	run(&f, &t, s, strlen(s));
	assert_int_equal(t.n, 1);
	assert_int_equal(t.lastflags, LOGPLEX_F_SHORT);
	s = "70";
	free(t.p);
	run(&f, &t, s, strlen(s));
	assert_int_equal(t.n, 0);
	assert_int_equal(f.st.errors[LOGPLEX_ERR_SHORT], 1);
	free(t.p);
}

/* The whole-body transcript and stats, for comparison. */
struct whole {
	struct tr		 t;
	struct logplex_stats	 st;
};

static void
whole_run(struct whole *w, const char *p, size_t len)
{
	struct logplex_framer	f;

	run(&f, &w->t, p, len);
	w->st = f.st;
}

static void
check_same(const struct whole *w, const struct tr *t,
    const struct logplex_framer *f)
{
	assert_int_equal(t->n, w->t.n);
	assert_int_equal(t->len, w->t.len);
	assert_memory_equal(t->p, w->t.p, t->len);
	assert_memory_equal(&f->st, &w->st, sizeof(w->st));
}

/* Cut the body at every offset into two chunks, then byte by byte. */
static void
split_everywhere(const char *p, size_t len)
{
	struct whole		 w;
	struct logplex_framer	 f;
	struct tr		 t = { 0 };
	size_t			 cut, i;

	whole_run(&w, p, len);
	assert_true(w.t.n > 0);
	for (cut = 0; cut <= len; cut++) {
		t.len = 0;
		t.n = 0;
		logplex_framer_init(&f, framebuf, sizeof(framebuf), on_msg,
		    &t);
		logplex_framer_feed(&f, p, cut);
		logplex_framer_feed(&f, p + cut, len - cut);
		logplex_framer_finish(&f);
		check_same(&w, &t, &f);
	}
	t.len = 0;
	t.n = 0;
	logplex_framer_init(&f, framebuf, sizeof(framebuf), on_msg,
	    &t);
	for (i = 0; i < len; i++)
		logplex_framer_feed(&f, p + i, 1);
	logplex_framer_finish(&f);
	check_same(&w, &t, &f);
	/* Random multi-chunk cuts, fixed seed so a failure repeats. */
	srand(42);
	for (cut = 0; cut < 500; cut++) {
		size_t	off = 0;

		t.len = 0;
		t.n = 0;
		logplex_framer_init(&f, framebuf, sizeof(framebuf), on_msg,
		    &t);
		while (off < len) {
			size_t	n = (size_t)rand() % 300;

			if (n > len - off)
				n = len - off;
			logplex_framer_feed(&f, p + off, n);
			off += n;
		}
		logplex_framer_finish(&f);
		check_same(&w, &t, &f);
	}
	free(w.t.p);
	free(t.p);
}

static void
test_parse_logplex_split_anywhere_good(void **state)
{
	struct body	b = { 0 };
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(logplex_vectors) / sizeof(logplex_vectors[0]);
	    i++)
		if (strcmp(logplex_vectors[i].name, "T13") != 0)
			body_vec(&b, &logplex_vectors[i]);
	split_everywhere(b.p, b.len);
	free(b.p);
}

static void
test_parse_logplex_split_anywhere_errors(void **state)
{
	struct body	b = { 0 };

	(void)state;
	body_vec(&b, vec("T1"));
	body_str(&b, "\n");
	body_vec(&b, vec("T13"));
	body_vec(&b, vec("T2"));
	body_vec(&b, vec("T10a"));
	body_vec(&b, vec("T10b"));
	body_str(&b, "070 bad\nx\n12 abc\n12345678 <1>\n");
	body_vec(&b, vec("T6"));
	body_str(&b, "9999 <134>1 short at the end");
	split_everywhere(b.p, b.len);
	free(b.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_logplex_each_vector),
		cmocka_unit_test(test_parse_logplex_utf8_bytes),
		cmocka_unit_test(test_parse_logplex_lf_less_l10),
		cmocka_unit_test(test_parse_logplex_lf_less_postgres),
		cmocka_unit_test(test_parse_logplex_bad_length_mid_body),
		cmocka_unit_test(test_parse_logplex_bad_length_at_end),
		cmocka_unit_test(test_parse_logplex_bad_prefixes),
		cmocka_unit_test(test_parse_logplex_oversize),
		cmocka_unit_test(test_parse_logplex_separators),
		cmocka_unit_test(test_parse_logplex_not_logplex),
		cmocka_unit_test(test_parse_logplex_split_anywhere_good),
		cmocka_unit_test(test_parse_logplex_split_anywhere_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
