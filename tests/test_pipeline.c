/* tests/test_pipeline.c - mirrors src/pipeline.c: the stages in order,
 * the prefilter's skip of unrelated lines, and the promise that feeding
 * lines allocates nothing once keys exist.
 * TEST_LDFLAGS: -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules_fixture.h"

#include "alert/alert.h"
#include "match/rules.h"
#include "pipeline.h"

static int	counting;
static long	nallocs;

void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);

void *
__wrap_malloc(size_t n)
{
	if (counting)
		nallocs++;
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t a, size_t b)
{
	if (counting)
		nallocs++;
	return __real_calloc(a, b);
}

void *
__wrap_realloc(void *p, size_t n)
{
	if (counting)
		nallocs++;
	return __real_realloc(p, n);
}

struct seen {
	int	firing, resolved;
	char	last_label[64];
};

static void
on_alert(void *arg, const struct alert_event *ev)
{
	struct seen	*s = arg;

	if (ev->status == ALERT_FIRING)
		s->firing++;
	else
		s->resolved++;
	snprintf(s->last_label, sizeof(s->last_label), "%s",
	    ev->nlabels > 1 ? ev->labels[1].value : "");
}

static const char rules_yaml[] =
    "rules:\n"
    "  - name: role\n"
    "    pattern: 'FATAL:  too many connections for role \"(?<role>[^\"]+)\"'\n"
    "    threshold: 1\n"
    "  - name: slow\n"
    "    pattern: 'duration: (?<ms>[0-9.]+) ms'\n"
    "    condition: ms > 2000\n"
    "    threshold: 1000000\n";

static struct rules *
load_rules(void)
{
	return rules_from_yaml(rules_yaml);
}

static struct pipeline *
make_pipeline(struct rules *rs, struct seen *s)
{
	struct pipeline_conf	pc;

	memset(&pc, 0, sizeof(pc));
	pc.lateness = 30000;
	pc.replay = 1;
	pc.on_alert = on_alert;
	pc.on_alert_arg = s;
	return pipeline_new(rs, &pc);
}

static const char router[] =
    "2024-01-01T00:00:00.000000+00:00 heroku[router]: at=info method=GET "
    "path=\"/\" host=x.herokuapp.com request_id=1 fwd=\"1.2.3.4\" "
    "dyno=web.1 connect=0ms service=12ms status=200 bytes=100 "
    "protocol=https\n";
static const char refusal[] =
    "2024-01-01T00:00:01+00:00 app[postgres.12]: [DATABASE] [7-1]  "
    "sql_error_code = 53300 FATAL:  too many connections for role \"u1\"\n";
static const char slow[] =
    "2024-01-01 00:00:02.000 UTC [42] LOG:  duration: 2500.000 ms  "
    "statement: SELECT pg_sleep(2.5)\n";

static void
test_pipeline_skips_and_matches(void **state)
{
	struct rules		*rs = load_rules();
	struct seen		 s;
	struct pipeline		*pl;
	const struct pipeline_stats *st;
	char			 buf[4096];
	size_t			 o = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	pl = make_pipeline(rs, &s);
	assert_non_null(pl);
	for (int i = 0; i < 5; i++) {
		memcpy(buf + o, router, sizeof(router) - 1);
		o += sizeof(router) - 1;
	}
	memcpy(buf + o, refusal, sizeof(refusal) - 1);
	o += sizeof(refusal) - 1;
	memcpy(buf + o, slow, sizeof(slow) - 1);
	o += sizeof(slow) - 1;
	pipeline_feed(pl, buf, o, DW_STR_NULL, DW_MS_NONE);
	pipeline_finish(pl);
	st = pipeline_stats(pl);
	assert_int_equal(st->lines, 7);
	/* Router lines are never parsed: only the two that matter. */
	assert_int_equal(st->candidates, 2);
	assert_int_equal(s.firing, 1);
	assert_string_equal(s.last_label, "u1");
	assert_int_equal(rs->v[0]->matches, 1);
	assert_int_equal(rs->v[1]->matches, 1);
	pipeline_free(pl);
	rules_free(rs);
}

static void
test_pipeline_hot_path_allocates_nothing(void **state)
{
	struct rules		*rs = load_rules();
	struct seen		 s;
	struct pipeline		*pl;
	char			 line[512];
	int			 i, n;

	(void)state;
	memset(&s, 0, sizeof(s));
	pl = make_pipeline(rs, &s);
	/* Warm up: the keys exist, the alert fired. */
	pipeline_feed(pl, refusal, sizeof(refusal) - 1, DW_STR_NULL,
	    DW_MS_NONE);
	pipeline_feed(pl, slow, sizeof(slow) - 1, DW_STR_NULL, DW_MS_NONE);
	pipeline_finish(pl);
	assert_int_equal(rs->v[1]->matches, 1);
	nallocs = 0;
	counting = 1;
	for (i = 0; i < 10000; i++) {
		switch (i % 4) {
		case 0:
			n = snprintf(line, sizeof(line), "%s", router);
			break;
		case 1:
			n = snprintf(line, sizeof(line), "2024-01-01T00:00:%02d"
			    "+00:00 app[postgres.12]: [DATABASE] [%d-1]  "
			    "sql_error_code = 53300 FATAL:  too many "
			    "connections for role \"u1\"\n", 2 + i / 1000,
			    10 + i);
			break;
		case 2:
			n = snprintf(line, sizeof(line), "2024-01-01 00:00:%02d"
			    ".000 UTC [42] LOG:  duration: %d.5 ms  statement: "
			    "SELECT 1\n", 2 + i / 1000, 1000 + i);
			break;
		default:
			n = snprintf(line, sizeof(line), "2024-01-01 00:00:%02d"
			    ".000 UTC [43] ERROR:  relation \"x\" does not exist"
			    "\n\tcontinued\n", 2 + i / 1000);
			break;
		}
		pipeline_feed(pl, line, (size_t)n, DW_STR_NULL, DW_MS_NONE);
	}
	pipeline_finish(pl);
	counting = 0;
	assert_int_equal(nallocs, 0);
	assert_int_equal(rs->v[0]->matches, 2501);
	pipeline_free(pl);
	rules_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipeline_skips_and_matches),
		cmocka_unit_test(test_pipeline_hot_path_allocates_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
