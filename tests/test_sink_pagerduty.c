/* tests/test_sink_pagerduty.c - mirrors src/sink/sink_pagerduty.c:
 * Events API v2 bodies posted to a local receiver, checked against the
 * documented schema (PagerDuty/developer-docs docs/events-API-v2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <cmocka.h>

#include "lib/http_recv.h"
#include "lib/sink_fixture.h"

/* TEST_LDFLAGS: -lmicrohttpd */

#define KEY	"0123456789abcdef0123456789abcdef"

static struct recv	rv;

static struct sink_set *
pd_set(struct ydoc *doc, const char *dir, int dry_run)
{
	struct sink_set_conf	 sc = { dry_run, 1, 0, dir };
	struct diag		 dg;
	struct sink_set		*ss;
	char			 url[128];
	static const char	 yaml[] = "sinks:\n"
	    "  - name: oncall\n    type: pagerduty\n"
	    "    routing_key: ${DW_TEST_PD_KEY}\n"
	    "    url: ${DW_TEST_PD_URL:-https://events.pagerduty.com/v2/"
	    "enqueue}\n"
	    "    source: db-prod\n    component: '{{role}}'\n"
	    "    backoff_min: 50ms\n";

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v2/enqueue", rv.port);
	setenv("DW_TEST_PD_KEY", KEY, 1);
	if (dry_run)
		unsetenv("DW_TEST_PD_URL");
	else
		setenv("DW_TEST_PD_URL", url, 1);
	ss = fx_set(doc, yaml, &sc, &dg);
	if (ss == NULL)
		fail_msg("%s", fx_diag);
	return ss;
}

/* Required fields and limits of an Events API v2 event. */
static cJSON *
check_event(const char *body)
{
	cJSON		*js = cJSON_Parse(body);
	const cJSON	*p;
	const char	*action, *sev;

	assert_non_null(js);
	assert_string_equal(fx_str(js, "routing_key"), KEY);
	action = fx_str(js, "event_action");
	assert_non_null(action);
	assert_true(strcmp(action, "trigger") == 0 ||
	    strcmp(action, "resolve") == 0);
	assert_non_null(fx_str(js, "dedup_key"));
	assert_true(strlen(fx_str(js, "dedup_key")) >= 1);
	assert_true(strlen(fx_str(js, "dedup_key")) <= 255);
	assert_true(strlen(body) < 512 * 1024);
	if (strcmp(action, "resolve") == 0)
		return js;
	p = fx_get(js, "payload");
	assert_true(cJSON_IsObject(p));
	assert_non_null(fx_str(p, "summary"));
	assert_true(strlen(fx_str(p, "summary")) >= 1);
	assert_true(strlen(fx_str(p, "summary")) <= 1024);
	assert_non_null(fx_str(p, "source"));
	sev = fx_str(p, "severity");
	assert_non_null(sev);
	assert_true(strcmp(sev, "critical") == 0 || strcmp(sev, "error") == 0 ||
	    strcmp(sev, "warning") == 0 || strcmp(sev, "info") == 0);
	assert_true(fx_is_rfc3339(fx_str(p, "timestamp")));
	assert_true(cJSON_IsObject(fx_get(p, "custom_details")));
	return js;
}

static void
test_sink_pagerduty_trigger_resolve_pairing(void **state)
{
	struct ydoc		 doc;
	struct sink_set		*ss;
	struct alert_event	*a, *b;
	char			*dir = fx_tmpdir("pd");
	cJSON			*t1, *t2, *r1;
	const cJSON		*p, *cd;
	int			 i;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	rv.dflt.status = 202;
	rv.ok_body = "{\"status\":\"success\",\"message\":\"Event processed\"}";
	ss = pd_set(&doc, dir, 0);
	a = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 1);
	b = fx_event("pg_conn", ALERT_FIRING, "role", "u2", 2);
	free(b->severity);
	b->severity = strdup("page-me");	/* unknown: mapped to error */
	sink_set_emit(ss, a);
	sink_set_emit(ss, b);
	a->status = ALERT_RESOLVED;
	a->ends_at = a->at = FX_T0 + 60000;
	sink_set_emit(ss, a);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	assert_int_equal(rv.nok, 3);
	assert_string_equal(rv.reqs[0].path, "/v2/enqueue");
	assert_string_equal(rv.reqs[0].ctype, "application/json");

	/* Order is defined per identity only: u1's trigger then resolve. */
	t1 = t2 = r1 = NULL;
	for (i = 0; i < 3; i++) {
		cJSON	*e = check_event(rv.reqs[i].body);

		if (strstr(fx_str(e, "dedup_key"), "u2") != NULL)
			t2 = e;
		else if (t1 == NULL)
			t1 = e;
		else
			r1 = e;
	}
	assert_non_null(t1);
	assert_non_null(t2);
	assert_non_null(r1);
	assert_string_equal(fx_str(t1, "event_action"), "trigger");
	assert_string_equal(fx_str(r1, "event_action"), "resolve");
	/* One identity, one incident: the resolve closes the trigger. */
	assert_string_equal(fx_str(t1, "dedup_key"), fx_str(r1, "dedup_key"));
	assert_string_equal(fx_str(t1, "dedup_key"), "pg_conn{role=\"u1\"}");
	assert_string_not_equal(fx_str(t1, "dedup_key"),
	    fx_str(t2, "dedup_key"));
	p = fx_get(t1, "payload");
	assert_string_equal(fx_str(p, "summary"),
	    "pg_conn for role=u1 (seq 1)");
	assert_string_equal(fx_str(p, "source"), "db-prod");
	assert_string_equal(fx_str(p, "severity"), "critical");
	assert_string_equal(fx_str(p, "timestamp"), "2024-05-01T10:00:00.000Z");
	assert_string_equal(fx_str(p, "component"), "u1");
	assert_string_equal(fx_str(p, "class"), "pg_conn");
	cd = fx_get(p, "custom_details");
	assert_string_equal(fx_str(fx_get(cd, "labels"), "role"), "u1");
	assert_string_equal(fx_str(cd, "window"), "5m");
	assert_string_equal(fx_str(cd, "threshold"), ">= 1");
	assert_non_null(strstr(fx_str(cd, "last_line"),
	    "too many connections"));
	assert_non_null(fx_str(cd, "first_line"));
	assert_string_equal(fx_str(fx_get(t2, "payload"), "severity"), "error");
	assert_null(fx_get(r1, "payload"));
	assert_string_equal(fx_str(t1, "client"), "drainwatch");
	cJSON_Delete(t1);
	cJSON_Delete(t2);
	cJSON_Delete(r1);
	alert_event_free(a);
	alert_event_free(b);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

static void
test_sink_pagerduty_long_identity_and_summary(void **state)
{
	struct ydoc		 doc;
	struct sink_set		*ss;
	struct alert_event	*a, *b;
	char			*dir = fx_tmpdir("pd"), longv[400], *sum;
	cJSON			*ja, *jb;
	const char		*ka, *kb;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	rv.dflt.status = 202;
	ss = pd_set(&doc, dir, 0);
	memset(longv, 'x', sizeof(longv) - 2);
	longv[sizeof(longv) - 2] = 'a';
	longv[sizeof(longv) - 1] = '\0';
	a = fx_event("pg_conn", ALERT_FIRING, "role", longv, 1);
	longv[sizeof(longv) - 2] = 'b';		/* differs only at the end */
	b = fx_event("pg_conn", ALERT_FIRING, "role", longv, 2);
	sum = malloc(5000);
	memset(sum, 's', 4999);
	sum[4999] = '\0';
	free(a->summary);
	a->summary = sum;
	sink_set_emit(ss, a);
	sink_set_emit(ss, b);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	assert_int_equal(rv.nok, 2);
	ja = check_event(rv.reqs[0].body);
	jb = check_event(rv.reqs[1].body);
	if (strncmp(fx_str(fx_get(jb, "payload"), "summary"), "sss", 3) ==
	    0) {
		cJSON	*t = ja;		/* b arrived first */

		ja = jb;
		jb = t;
	}
	ka = fx_str(ja, "dedup_key");
	kb = fx_str(jb, "dedup_key");
	assert_true(strlen(ka) <= 255);
	assert_string_not_equal(ka, kb);
	assert_int_equal(strncmp(ka, "pg_conn{role=\"xxx", 17), 0);
	assert_int_equal(ka[strlen(ka) - 17], '~');
	assert_string_equal(ka + strlen(ka) - 16, a->fingerprint);
	assert_true(strlen(fx_str(fx_get(ja, "payload"), "summary")) <= 1024);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	alert_event_free(a);
	alert_event_free(b);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

static void
test_sink_pagerduty_dry_run_hides_key(void **state)
{
	struct ydoc		 doc;
	struct sink_set		*ss;
	struct alert_event	*a;
	char			*dir = fx_tmpdir("pd"), *out;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	ss = pd_set(&doc, dir, 1);
	a = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 1);
	fx_capture_start();
	sink_set_emit(ss, a);
	out = fx_capture_end();
	assert_non_null(strstr(out, "# dry-run: sink oncall (pagerduty) "
	    "would POST to https://events.pagerduty.com/***\n"
	    "{\"routing_key\":\"***\",\"event_action\":\"trigger\","));
	assert_null(strstr(out, KEY));
	free(out);
	alert_event_free(a);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

/* 429 from PagerDuty is retried; 400 is not. */
static void
test_sink_pagerduty_429_retried_400_not(void **state)
{
	struct ydoc		 doc;
	struct sink_set		*ss;
	struct alert_event	*a;
	char			*dir = fx_tmpdir("pd");

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	rv.dflt.status = 202;
	recv_script(&rv, 2, 429, NULL, 0);
	recv_script(&rv, 1, 202, NULL, 0);
	recv_script(&rv, 1, 400, NULL, 0);
	ss = pd_set(&doc, dir, 0);
	a = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 1);
	sink_set_emit(ss, a);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	assert_int_equal(recv_count(&rv), 3);
	a->status = ALERT_RESOLVED;
	sink_set_emit(ss, a);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	usleep(200 * 1000);
	assert_int_equal(recv_count(&rv), 4);
	alert_event_free(a);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sink_pagerduty_trigger_resolve_pairing),
		cmocka_unit_test(test_sink_pagerduty_long_identity_and_summary),
		cmocka_unit_test(test_sink_pagerduty_dry_run_hides_key),
		cmocka_unit_test(test_sink_pagerduty_429_retried_400_not),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
