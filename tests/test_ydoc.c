/* tests/test_ydoc.c - mirrors src/core/ydoc.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/ydoc.h"

static char	outbuf[8192];

static int
load(struct ydoc *d, const char *text, struct diag *dg)
{
	FILE	*f;
	int	 rc;

	memset(outbuf, 0, sizeof(outbuf));
	f = fmemopen(outbuf, sizeof(outbuf), "w");
	diag_init(dg, f);
	rc = ydoc_load_string(d, "a.yaml", text, strlen(text), YDOC_ENV, dg);
	fclose(f);
	dg->out = NULL;
	return rc;
}

static void
test_ydoc_locations_and_env(void **state)
{
	struct ydoc		 d;
	struct diag		 dg;
	const struct ynode	*n;

	(void)state;
	setenv("DW_TEST_VAR", "hello", 1);
	unsetenv("DW_TEST_UNSET");
	assert_int_equal(load(&d, "a:\n  b: x-${DW_TEST_VAR}\n"
	    "  c: ${DW_TEST_UNSET:-dflt}\n  d: [1, 2]\n", &dg), 0);
	n = ynode_get(ynode_get(d.root, "a"), "b");
	assert_non_null(n);
	assert_string_equal(n->str, "x-hello");
	assert_int_equal(n->line, 2);
	assert_int_equal(n->col, 6);
	assert_string_equal(ynode_get(ynode_get(d.root, "a"), "c")->str,
	    "dflt");
	assert_int_equal(ynode_get(ynode_get(d.root, "a"), "d")->nitems, 2);
	ydoc_free(&d);
}

static void
test_ydoc_errors_located(void **state)
{
	struct ydoc	d;
	struct diag	dg;

	(void)state;
	assert_int_equal(load(&d, "a: [1, 2\nb: 3\n", &dg), -1);
	assert_int_equal(dg.nerrors, 1);
	assert_non_null(strstr(outbuf, "a.yaml:"));
	ydoc_free(&d);
	assert_int_equal(load(&d, "a: 1\na: 2\n", &dg), -1);
	assert_non_null(strstr(outbuf, "a.yaml:2:1: duplicate key \"a\""));
	ydoc_free(&d);
	assert_int_equal(load(&d, "a: ${BROKEN\n", &dg), -1);
	assert_non_null(strstr(outbuf, "unterminated"));
	ydoc_free(&d);
	assert_int_equal(load(&d, "a: &x 1\nb: *x\n", &dg), -1);
	assert_non_null(strstr(outbuf, "aliases"));
	ydoc_free(&d);
}

struct tconf {
	dw_ms		 span;
	uint64_t	 size;
	int64_t		 n;
	int		 flag;
	char		*name;
};

static const struct conf_key keys[] = {
	{ "span", CONF_DURATION, offsetof(struct tconf, span), "5m", "" },
	{ "size", CONF_SIZE, offsetof(struct tconf, size), "1MiB", "" },
	{ "n", CONF_INT, offsetof(struct tconf, n), "7", "" },
	{ "flag", CONF_BOOL, offsetof(struct tconf, flag), "false", "" },
	{ "name", CONF_STRING, offsetof(struct tconf, name), "x", "" },
};

static void
test_ydoc_conf_table(void **state)
{
	struct ydoc	d;
	struct diag	dg;
	struct tconf	c;

	(void)state;
	memset(&c, 0, sizeof(c));
	conf_defaults(keys, 5, &c);
	assert_int_equal(c.span, 300000);
	assert_int_equal(c.size, 1048576);
	assert_int_equal(c.n, 7);
	assert_int_equal(load(&d, "span: 1m30s\nsize: 64KiB\nflag: true\n"
	    "name: y\n", &dg), 0);
	assert_int_equal(conf_apply(keys, 5, d.root, &c, "a.yaml", &dg), 0);
	assert_int_equal(c.span, 90000);
	assert_int_equal(c.size, 65536);
	assert_int_equal(c.flag, 1);
	assert_string_equal(c.name, "y");
	ydoc_free(&d);
	assert_int_equal(load(&d, "span: 5 minutes\nsize: lots\nspam: 1\n"
	    "n: [1]\n", &dg), 0);
	{
		FILE	*f = fmemopen(outbuf, sizeof(outbuf), "w");

		dg.out = f;
		assert_int_equal(conf_apply(keys, 5, d.root, &c, "a.yaml",
		    &dg), 4);
		fclose(f);
	}
	assert_non_null(strstr(outbuf, "a.yaml:1:7: bad duration"));
	assert_non_null(strstr(outbuf, "a.yaml:2:7: bad size"));
	assert_non_null(strstr(outbuf, "a.yaml:3:1: unknown key \"spam\" "
	    "(expected: span, size, n, flag, name)"));
	assert_non_null(strstr(outbuf, "a.yaml:4:4: value must be a scalar"));
	free(c.name);
	ydoc_free(&d);
}

static void
test_ydoc_duration_format(void **state)
{
	char	buf[32];
	dw_ms	ms;

	(void)state;
	assert_int_equal(parse_duration_ms("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(parse_duration_ms("2h", &ms), 0);
	assert_int_equal(ms, 7200000);
	assert_int_equal(parse_duration_ms("1d", &ms), 0);
	assert_int_equal(parse_duration_ms("5", &ms), -1);
	assert_int_equal(parse_duration_ms("m", &ms), -1);
	format_duration(90000, buf, sizeof(buf));
	assert_string_equal(buf, "1m30s");
	format_duration(300000, buf, sizeof(buf));
	assert_string_equal(buf, "5m");
	format_duration(250, buf, sizeof(buf));
	assert_string_equal(buf, "250ms");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ydoc_locations_and_env),
		cmocka_unit_test(test_ydoc_errors_located),
		cmocka_unit_test(test_ydoc_conf_table),
		cmocka_unit_test(test_ydoc_duration_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
