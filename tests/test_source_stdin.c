/* tests/test_source_stdin.c - mirrors src/source/source_stdin.c: whole
 * lines only, partial lines kept across reads, over-long lines cut and
 * counted, the last line without LF handed over at EOF. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "source/source_stdin.h"

struct got {
	char	buf[4 * DW_LINE_MAX_BYTES];
	size_t	len;
	int	calls;
};

static void
feed(void *arg, const char *lines, size_t len)
{
	struct got	*g = arg;

	assert_true(len > 0);
	assert_true(g->len + len <= sizeof(g->buf));
	memcpy(g->buf + g->len, lines, len);
	g->len += len;
	g->calls++;
}

static void
test_source_stdin_lines_across_reads(void **state)
{
	struct source_fd	*s;
	static struct got	 g;
	int			 p[2];

	(void)state;
	memset(&g, 0, sizeof(g));
	assert_int_equal(pipe(p), 0);
	s = source_fd_new(p[0], 0);
	assert_int_equal(write(p[1], "one\ntw", 6), 6);
	assert_int_equal(source_fd_read(s, feed, &g), 6);
	assert_int_equal(g.len, 4);			/* "one\n" only */
	assert_int_equal(write(p[1], "o\nthree", 7), 7);
	assert_int_equal(source_fd_read(s, feed, &g), 7);
	assert_int_equal(g.len, 8);			/* + "two\n" */
	close(p[1]);
	assert_int_equal(source_fd_read(s, feed, &g), 0);	/* EOF */
	assert_int_equal(g.len, 13);			/* + "three" */
	assert_memory_equal(g.buf, "one\ntwo\nthree", 13);
	source_fd_free(s);
	close(p[0]);
}

static void
test_source_stdin_long_line_cut(void **state)
{
	struct source_fd	*s;
	static struct got	 g;
	char			*big;
	size_t			 n = DW_LINE_MAX_BYTES + 5000;
	int			 p[2];
	ssize_t			 r;

	(void)state;
	memset(&g, 0, sizeof(g));
	big = malloc(n + 8);
	memset(big, 'x', n);
	memcpy(big + n, "\nok\n", 4);
	assert_int_equal(pipe(p), 0);
	s = source_fd_new(p[0], 2 * DW_LINE_MAX_BYTES);
	if (fork() == 0) {
		close(p[0]);
		(void)!write(p[1], big, n + 4);
		_exit(0);
	}
	close(p[1]);
	while ((r = source_fd_read(s, feed, &g)) != 0)
		assert_true(r > 0);
	(void)wait(NULL);
	/* the long line cut to DW_LINE_MAX_BYTES (ending in LF), then ok */
	assert_int_equal(g.len, DW_LINE_MAX_BYTES + 3);
	assert_int_equal(g.buf[DW_LINE_MAX_BYTES - 1], '\n');
	assert_memory_equal(g.buf + DW_LINE_MAX_BYTES, "ok\n", 3);
	assert_int_equal(source_fd_truncated(s), 1);
	source_fd_free(s);
	close(p[0]);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_stdin_lines_across_reads),
		cmocka_unit_test(test_source_stdin_long_line_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
