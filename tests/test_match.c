/* tests/test_match.c - mirrors src/match/match.c and src/match/template.c:
 * where: filters, captures, values and conditions, templates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules_fixture.h"

#include "match/match.h"
#include "match/rules.h"
#include "match/template.h"

static void
test_match_glob(void **state)
{
	(void)state;
	assert_true(glob_match("postgres.*", DW_STR_LIT("postgres.1234")));
	assert_false(glob_match("postgres.*", DW_STR_LIT("postgres")));
	assert_true(glob_match("web.?", DW_STR_LIT("web.1")));
	assert_true(glob_match("*", DW_STR_LIT("")));
	assert_true(glob_match("a*b*c", DW_STR_LIT("axxbyyc")));
	assert_false(glob_match("a*b*c", DW_STR_LIT("axxbyy")));
}

static void
test_match_filters_captures_values(void **state)
{
	struct rules		*rs;
	struct log_record	 rec;
	struct match_result	 res;

	(void)state;
	rs = rules_from_yaml("rules:\n"
	    "  - name: slow\n"
	    "    pattern: 'duration: (?<ms>[0-9.]+) ms'\n"
	    "    condition: ms > 2000\n"
	    "    where: {process: ['postgres.*', '!postgres.9'], kind: pg}\n"
	    "    group_by: [process]\n");
	assert_int_equal(parse_line(&rec, DW_STR_LIT("2024-01-01T00:00:00Z "
	    "app[postgres.1]: [DATABASE] [1-1]  sql_error_code = 00000 LOG:  "
	    "duration: 2500.5 ms  statement: SELECT 1"), NULL), PARSE_OK);
	assert_int_equal(match_rule(rs->v[0], &rec, &res), MATCH_YES);
	assert_true(res.value == 2500.5);
	assert_true(dw_str_eq(res.values[0], "postgres.1"));
	/* the condition */
	assert_int_equal(parse_line(&rec, DW_STR_LIT("2024-01-01T00:00:00Z "
	    "app[postgres.1]: [DATABASE] [1-1]  sql_error_code = 00000 LOG:  "
	    "duration: 12.5 ms  statement: SELECT 1"), NULL), PARSE_OK);
	assert_int_equal(match_rule(rs->v[0], &rec, &res), MATCH_CONDITION);
	/* a negated alternative */
	assert_int_equal(parse_line(&rec, DW_STR_LIT("2024-01-01T00:00:00Z "
	    "app[postgres.9]: [DATABASE] [1-1]  sql_error_code = 00000 LOG:  "
	    "duration: 2500.5 ms  statement: SELECT 1"), NULL), PARSE_OK);
	assert_int_equal(match_rule(rs->v[0], &rec, &res), MATCH_FILTERED);
	/* another field */
	assert_int_equal(parse_line(&rec, DW_STR_LIT("2024-01-01T00:00:00Z "
	    "app[web.1]: duration: 2500.5 ms"), NULL), PARSE_OK);
	assert_int_equal(match_rule(rs->v[0], &rec, &res), MATCH_FILTERED);
	rules_free(rs);
}

static void
test_match_template(void **state)
{
	const char	*names[] = { "role", "db" };
	const char	*vals[] = { "app", "shop" };
	struct tmpl	 t;
	struct tmpl_ctx	 ctx;
	char		 out[64], err[256];
	size_t		 off;

	(void)state;
	assert_int_equal(tmpl_compile(&t, "{{ role }}@{{db}}: {{$count}} in "
	    "{{$window}}", names, 2, err, sizeof(err), &off), 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.nlabels = 2;
	ctx.label_values = vals;
	ctx.builtin[TB_COUNT] = "3";
	ctx.builtin[TB_WINDOW] = "5m";
	tmpl_render(&t, &ctx, out, sizeof(out));
	assert_string_equal(out, "app@shop: 3 in 5m");
	tmpl_render(&t, &ctx, out, 10);		/* truncated, marked */
	assert_string_equal(out, "app@sh...");
	tmpl_free(&t);
	assert_int_equal(tmpl_compile(&t, "x {{rol}}", names, 2, err,
	    sizeof(err), &off), -1);
	assert_int_equal(off, 2);
	assert_non_null(strstr(err, "unknown label \"rol\""));
	assert_int_equal(tmpl_compile(&t, "{{$nope}}", names, 2, err,
	    sizeof(err), &off), -1);
	assert_non_null(strstr(err, "unknown builtin"));
	assert_int_equal(tmpl_compile(&t, "{{role", names, 2, err,
	    sizeof(err), &off), -1);
}

static void
test_match_rule_load_errors(void **state)
{
	static char	 buf[8192];
	struct ydoc	 doc;
	struct diag	 dg;
	struct rules	*rs = rules_new();
	FILE		*f = fmemopen(buf, sizeof(buf), "w");
	const char	*y =
	    "rules:\n"
	    "  - name: Bad Name\n"
	    "    pattern: 'a(?<v>x)'\n"
	    "    aggregate: max\n"
	    "    threshold: 'about 5'\n"
	    "    severity: loud\n"
	    "    where: {colour: red}\n"
	    "  - name: two\n"
	    "    pattern: 'b'\n"
	    "    value: nope\n"
	    "    group_by: [missing]\n";

	(void)state;
	diag_init(&dg, f);
	assert_int_equal(ydoc_load_string(&doc, "r.yaml", y, strlen(y), 0,
	    &dg), 0);
	assert_true(rules_load_doc(rs, &doc, &dg) >= 7);
	fclose(f);
	assert_non_null(strstr(buf, "r.yaml:2:11: rule name \"Bad Name\""));
	assert_non_null(strstr(buf, "r.yaml:4:16: aggregate max needs a value"));
	assert_non_null(strstr(buf, "r.yaml:5:16: threshold must be"));
	assert_non_null(strstr(buf, "r.yaml:6:15: severity must be"));
	assert_non_null(strstr(buf, "r.yaml:7:13: unknown record field "
	    "\"colour\""));
	assert_non_null(strstr(buf, "r.yaml:10:12: value \"nope\" is not a "
	    "named capture"));
	assert_non_null(strstr(buf, "r.yaml:11:16: group_by \"missing\""));
	assert_int_equal(rs->n, 0);
	ydoc_free(&doc);
	rules_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_glob),
		cmocka_unit_test(test_match_filters_captures_values),
		cmocka_unit_test(test_match_template),
		cmocka_unit_test(test_match_rule_load_errors),
	};

	setenv("DRAINWATCH_CACHE_DIR", "off", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
