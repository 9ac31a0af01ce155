/* tests/test_config.c - mirrors src/config.c: defaults, environment
 * substitution, and every mistake reported with its location. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

static char	path[] = "/tmp/dw-test-config-XXXXXX";
static char	out[8192];

static int
load(struct dw_config *c, const char *yaml)
{
	struct diag	 dg;
	FILE		*f;
	int		 fd, n;

	strcpy(path, "/tmp/dw-test-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	memset(out, 0, sizeof(out));
	f = fmemopen(out, sizeof(out), "w");
	diag_init(&dg, f);
	n = config_load(c, path, &dg);
	fclose(f);
	unlink(path);
	return n;
}

static void
test_config_defaults_and_env(void **state)
{
	struct dw_config	c;

	(void)state;
	setenv("DW_TEST_LATE", "45s", 1);
	unsetenv("DW_TEST_UNSET");
	assert_int_equal(load(&c, "rules: [a/*.yaml, b.yaml]\n"
	    "limits: {lateness: '${DW_TEST_LATE}'}\n"
	    "parsers: {timezone: '+02:00', postgres: {log_line_prefix: "
	    "'%m [%p] %q%u@%d '}}\n"
	    "state_dir: ${DW_TEST_UNSET:-/tmp/x}\n"), 0);
	assert_int_equal(c.nrule_paths, 2);
	assert_string_equal(c.rule_paths[1], "b.yaml");
	assert_int_equal(c.lateness, 45000);
	assert_int_equal(c.keys_per_rule, 10000);
	assert_int_equal(c.repeat_interval, 4 * 3600 * 1000);
	assert_int_equal(c.tz_min, 120);
	assert_true(c.has_pg_prefix);
	assert_string_equal(c.state_dir, "/tmp/x");
	assert_int_equal(c.stdin_mode, STDIN_AUTO);
	config_free(&c);
}

static void
test_config_errors_located(void **state)
{
	struct dw_config	c;

	(void)state;
	assert_int_equal(load(&c, "rules: [x]\n"
	    "sourcez: {}\n"
	    "sources: {stdin: sometimes}\n"
	    "parsers: {timezone: Mars}\n"
	    "limits: {keys_per_rule: 0, multiline_max_bytes: huge}\n"
	    "log: {level: chatty}\n"), 6);
	assert_non_null(strstr(out, ":2:1: unknown key \"sourcez\" (expected: "
	    "rules, sources, parsers"));
	assert_non_null(strstr(out, ":3:18: sources.stdin must be auto"));
	assert_non_null(strstr(out, "parsers.timezone must be UTC"));
	assert_non_null(strstr(out, ":5:49: bad size \"huge\""));
	assert_non_null(strstr(out, "keys_per_rule must be"));
	assert_non_null(strstr(out, ":6:14: log.level must be"));
	config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults_and_env),
		cmocka_unit_test(test_config_errors_located),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
