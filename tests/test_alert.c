/* tests/test_alert.c - mirrors src/alert/alert.c: the alert lifecycle in
 * virtual time, driven through alert_observe()/alert_advance(). */
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

#define EV_MAX	64

struct rec {
	int	n;
	struct {
		enum alert_status	status;
		int			reminder;
		dw_ms			at;
		dw_ms			starts_at;
		double			count;
		double			value;
		char			label[64];
		char			summary[256];
		char			fp[17];
	} ev[EV_MAX];
};

static void
on_alert(void *arg, const struct alert_event *e)
{
	struct rec	*r = arg;
	const char	*v;

	assert_true(r->n < EV_MAX);
	r->ev[r->n].status = e->status;
	r->ev[r->n].reminder = e->reminder;
	r->ev[r->n].at = e->at;
	r->ev[r->n].starts_at = e->starts_at;
	r->ev[r->n].count = e->count;
	r->ev[r->n].value = e->value;
	v = e->nlabels > 1 ? e->labels[1].value : "";
	snprintf(r->ev[r->n].label, sizeof(r->ev[r->n].label), "%s", v);
	snprintf(r->ev[r->n].summary, sizeof(r->ev[r->n].summary), "%s",
	    e->summary);
	snprintf(r->ev[r->n].fp, sizeof(r->ev[r->n].fp), "%s", e->fingerprint);
	assert_string_equal(e->labels[0].name, "alertname");
	r->n++;
}

static struct alert_engine *
engine(struct rules *rs, struct rec *r, dw_ms repeat, int keys)
{
	struct alert_conf	c = { keys, repeat, on_alert, r };

	memset(r, 0, sizeof(*r));
	return alert_engine_new(rs, &c);
}

static void
hit(struct alert_engine *e, struct rules *rs, const char *label, double v,
    dw_ms ts)
{
	struct dw_str	vals[2] = { dw_str_cstr(label), DW_STR_NULL };

	alert_observe(e, rs->v[0], vals, v, ts, DW_STR_LIT("sample line"));
}

static void
test_alert_threshold_for_and_resolve(void **state)
{
	struct rules		*rs;
	struct alert_engine	*e;
	struct rec		 r;

	(void)state;
	rs = rules_from_yaml("rules:\n"
	    "  - name: t\n"
	    "    pattern: 'role \"(?<role>[^\"]+)\"'\n"
	    "    window: 1m\n"
	    "    threshold: 3\n"
	    "    for: 30s\n"
	    "    summary: '{{role}}: {{$count}} in {{$window}}'\n");
	e = engine(rs, &r, 0, 100);
	hit(e, rs, "u1", 0, 0);
	hit(e, rs, "u1", 0, 1000);
	assert_int_equal(r.n, 0);
	hit(e, rs, "u1", 0, 2000);		/* condition true: pending */
	assert_int_equal(r.n, 0);
	assert_int_equal(alert_engine_stats(e)->pending, 1);
	alert_advance(e, 31999);
	assert_int_equal(r.n, 0);
	alert_advance(e, 32000);		/* for elapsed: firing */
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ev[0].status, ALERT_FIRING);
	assert_int_equal(r.ev[0].at, 32000);
	assert_string_equal(r.ev[0].label, "u1");
	assert_string_equal(r.ev[0].summary, "u1: 3 in 1m");
	/* The first hit (bucket [0,1s)) leaves once it is at least 60 s
	 * old, at 61 s: 2 < 3, resolved. */
	alert_advance(e, 60999);
	assert_int_equal(r.n, 1);
	alert_advance(e, 3600000);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].status, ALERT_RESOLVED);
	assert_int_equal(r.ev[1].at, 61000);
	assert_int_equal(r.ev[1].starts_at, 32000);
	assert_string_equal(r.ev[0].fp, r.ev[1].fp);
	assert_int_equal(alert_engine_stats(e)->keys, 0);	/* reclaimed */
	alert_engine_free(e);
	rules_free(rs);
}

static void
test_alert_pending_cancelled(void **state)
{
	struct rules		*rs;
	struct alert_engine	*e;
	struct rec		 r;

	(void)state;
	rs = rules_from_yaml("rules:\n"
	    "  - name: t\n"
	    "    pattern: x(?<k>.)\n"
	    "    window: 10s\n"
	    "    threshold: 2\n"
	    "    for: 20s\n");
	e = engine(rs, &r, 0, 100);
	hit(e, rs, "a", 0, 0);
	hit(e, rs, "a", 0, 100);
	assert_int_equal(alert_engine_stats(e)->pending, 1);
	alert_advance(e, 100000);	/* window empties at 10 s: cancelled */
	assert_int_equal(r.n, 0);
	assert_int_equal(alert_engine_stats(e)->pending, 0);
	alert_engine_free(e);
	rules_free(rs);
}

static void
test_alert_groups_and_repeat(void **state)
{
	struct rules		*rs;
	struct alert_engine	*e;
	struct rec		 r;

	(void)state;
	rs = rules_from_yaml("rules:\n"
	    "  - name: t\n"
	    "    pattern: x(?<k>.)\n"
	    "    window: 5m\n");
	e = engine(rs, &r, 60000, 100);
	hit(e, rs, "a", 0, 0);
	hit(e, rs, "b", 0, 10);
	hit(e, rs, "a", 0, 20);		/* already firing: no new event */
	assert_int_equal(r.n, 2);
	assert_string_equal(r.ev[0].label, "a");
	assert_string_equal(r.ev[1].label, "b");
	assert_string_not_equal(r.ev[0].fp, r.ev[1].fp);
	alert_advance(e, 60000);	/* reminder for a */
	assert_int_equal(r.n, 3);
	assert_int_equal(r.ev[2].reminder, 1);
	assert_string_equal(r.ev[2].label, "a");
	alert_advance(e, 60010);	/* reminder for b */
	assert_int_equal(r.n, 4);
	assert_string_equal(r.ev[3].label, "b");
	alert_engine_free(e);
	rules_free(rs);
}

/* A jump of the clock far ahead (a gap in the log, a far-future stamp)
 * sends one reminder, not one per missed interval. */
static void
test_alert_reminders_after_a_jump(void **state)
{
	struct rules		*rs;
	struct alert_engine	*e;
	struct rec		 r;
	dw_ms			 day = 86400000;

	(void)state;
	rs = rules_from_yaml("rules:\n"
	    "  - name: t\n"
	    "    pattern: x(?<k>.)\n"
	    "    window: 1000d\n");
	e = engine(rs, &r, 3600000, 100);
	hit(e, rs, "a", 0, 0);
	assert_int_equal(r.n, 1);
	alert_advance(e, 1000 * day + 1);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].reminder, 1);
	assert_int_equal(r.ev[1].at, 1000 * day);	/* the last slot */
	alert_advance(e, 1000 * day + 3600000);
	assert_int_equal(r.n, 3);			/* then on schedule */
	alert_engine_free(e);
	rules_free(rs);
}

static void
test_alert_value_aggregate(void **state)
{
	struct rules		*rs;
	struct alert_engine	*e;
	struct rec		 r;

	(void)state;
	rs = rules_from_yaml("rules:\n"
	    "  - name: t\n"
	    "    pattern: 'duration: (?<ms>[0-9.]+)'\n"
	    "    value: ms\n"
	    "    aggregate: max\n"
	    "    threshold: '> 5000'\n"
	    "    window: 1m\n");
	e = engine(rs, &r, 0, 100);
	hit(e, rs, "", 3000, 0);
	hit(e, rs, "", 4000, 1000);
	assert_int_equal(r.n, 0);
	hit(e, rs, "", 6000.5, 2000);
	assert_int_equal(r.n, 1);
	assert_true(r.ev[0].value == 6000.5);
	alert_advance(e, 62999);
	assert_int_equal(r.n, 1);
	alert_advance(e, 63000);		/* 6000.5 leaves at 63 s */
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].status, ALERT_RESOLVED);
	assert_int_equal(r.ev[1].at, 63000);
	alert_engine_free(e);
	rules_free(rs);
}

static void
test_alert_key_cap_overflow(void **state)
{
	struct rules		*rs;
	struct alert_engine	*e;
	struct rec		 r;

	(void)state;
	rs = rules_from_yaml("rules:\n"
	    "  - name: t\n"
	    "    pattern: x(?<k>.)\n"
	    "    threshold: 100\n");
	e = engine(rs, &r, 0, 2);
	hit(e, rs, "a", 0, 0);
	hit(e, rs, "b", 0, 0);
	hit(e, rs, "c", 0, 0);
	hit(e, rs, "d", 0, 0);
	assert_int_equal(alert_engine_stats(e)->keys, 3);
	assert_int_equal(alert_engine_stats(e)->keys_overflow, 2);
	alert_engine_free(e);
	rules_free(rs);
}

static void
test_alert_absent(void **state)
{
	struct rules		*rs;
	struct alert_engine	*e;
	struct rec		 r;

	(void)state;
	rs = rules_from_yaml("rules:\n"
	    "  - name: silent\n"
	    "    pattern: '(?<app>\\w+) says'\n"
	    "    absent: 10m\n");
	e = engine(rs, &r, 0, 100);
	alert_advance(e, 3600000);		/* never seen: no alert */
	assert_int_equal(r.n, 0);
	hit(e, rs, "shop", 0, 3600000);
	hit(e, rs, "shop", 0, 3600000 + 599999);	/* just in time */
	alert_advance(e, 3600000 + 599999 + 599999);
	assert_int_equal(r.n, 0);
	alert_advance(e, 3600000 + 599999 + 600000);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ev[0].status, ALERT_FIRING);
	assert_int_equal(r.ev[0].at, 3600000 + 599999 + 600000);
	alert_advance(e, 3600000 * 5);		/* no flapping while silent */
	assert_int_equal(r.n, 1);
	hit(e, rs, "shop", 0, 3600000 * 5);	/* next line resolves */
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].status, ALERT_RESOLVED);
	assert_int_equal(r.ev[1].at, 3600000 * 5);
	alert_engine_free(e);
	rules_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alert_threshold_for_and_resolve),
		cmocka_unit_test(test_alert_pending_cancelled),
		cmocka_unit_test(test_alert_groups_and_repeat),
		cmocka_unit_test(test_alert_reminders_after_a_jump),
		cmocka_unit_test(test_alert_value_aggregate),
		cmocka_unit_test(test_alert_key_cap_overflow),
		cmocka_unit_test(test_alert_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
