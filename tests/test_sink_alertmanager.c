/* tests/test_sink_alertmanager.c - mirrors src/sink/sink_alertmanager.c:
 * POST /api/v2/alerts arrays (prometheus/alertmanager api/v2
 * openapi.yaml postAlerts) to a local receiver, with periodic re-sends
 * of firing alerts until they resolve, also across a restart. */
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

static struct recv	rv;

static struct sink_set *
am_set(struct ydoc *doc, const char *dir, const char *extra)
{
	struct sink_set_conf	 sc;
	struct diag		 dg;
	struct sink_set		*ss;
	char			 yaml[1024];

	snprintf(yaml, sizeof(yaml), "sinks:\n"
	    "  - name: am\n    type: alertmanager\n"
	    "    url: http://127.0.0.1:%u/\n"
	    "    backoff_min: 50ms\n    backoff_max: 100ms\n%s", rv.port,
	    extra != NULL ? extra : "");
	memset(&sc, 0, sizeof(sc));
	sc.send = 1;
	sc.state_dir = dir;
	ss = fx_set(doc, yaml, &sc, &dg);
	if (ss == NULL)
		fail_msg("%s", fx_diag);
	return ss;
}

/* Validate a postAlerts body; return the array. */
static cJSON *
check_alerts(const struct recv_req *rq)
{
	cJSON		*js = cJSON_Parse(rq->body);
	const cJSON	*a, *it;

	assert_string_equal(rq->method, "POST");
	assert_string_equal(rq->path, "/api/v2/alerts");
	assert_string_equal(rq->ctype, "application/json");
	assert_true(cJSON_IsArray(js));
	assert_true(cJSON_GetArraySize(js) >= 1);
	cJSON_ArrayForEach(a, js) {
		assert_true(cJSON_IsObject(fx_get(a, "labels")));
		assert_non_null(fx_str(fx_get(a, "labels"), "alertname"));
		cJSON_ArrayForEach(it, fx_get(a, "labels"))
			assert_true(cJSON_IsString(it));
		cJSON_ArrayForEach(it, fx_get(a, "annotations"))
			assert_true(cJSON_IsString(it));
		assert_true(fx_is_rfc3339(fx_str(a, "startsAt")));
		assert_true(fx_is_rfc3339(fx_str(a, "endsAt")));
	}
	return js;
}

/* How many alerts with label role=v the request carried, and whether
 * the last of them ended in the past (resolved). */
static int
count_role(const struct recv_req *rq, const char *v, int *resolved)
{
	cJSON		*js = check_alerts(rq);
	const cJSON	*a;
	char		 now[40];
	int		 n = 0;

	format_rfc3339(fx_wall_ms(), now, sizeof(now));
	cJSON_ArrayForEach(a, js) {
		const char	*r = fx_str(fx_get(a, "labels"), "role");

		if (r == NULL || strcmp(r, v) != 0)
			continue;
		n++;
		*resolved = strcmp(fx_str(a, "endsAt"), now) < 0;
	}
	cJSON_Delete(js);
	return n;
}

static void
test_sink_alertmanager_resends_until_resolved(void **state)
{
	struct ydoc		 doc;
	struct sink_set		*ss;
	struct alert_event	*a;
	char			*dir = fx_tmpdir("am"), now[40];
	cJSON			*js;
	const cJSON		*x;
	int			 i, n, res = 0, firing = 0, nreq;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	ss = am_set(&doc, dir, "    resend_interval: 1s\n");
	a = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 1);
	sink_set_emit(ss, a);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	js = check_alerts(&rv.reqs[0]);
	x = cJSON_GetArrayItem(js, 0);
	assert_string_equal(fx_str(fx_get(x, "labels"), "severity"),
	    "critical");
	assert_string_equal(fx_str(fx_get(x, "labels"), "role"), "u1");
	assert_string_equal(fx_str(fx_get(x, "annotations"), "summary"),
	    "pg_conn for role=u1 (seq 1)");
	assert_string_equal(fx_str(x, "startsAt"), "2024-05-01T10:00:00.000Z");
	format_rfc3339(fx_wall_ms(), now, sizeof(now));
	assert_true(strcmp(fx_str(x, "endsAt"), now) > 0);	/* future */
	cJSON_Delete(js);
	/* Re-sent about once a second while firing. */
	usleep(2600 * 1000);
	for (i = 0; i < recv_count(&rv); i++)
		firing += count_role(&rv.reqs[i], "u1", &res);
	assert_true(firing >= 3);
	assert_int_equal(res, 0);
	/* Resolve: endsAt = when it resolved; no re-sends after it. */
	a->status = ALERT_RESOLVED;
	a->ends_at = a->at = FX_T0 + 60000;
	sink_set_emit(ss, a);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	nreq = recv_count(&rv);
	n = count_role(&rv.reqs[nreq - 1], "u1", &res);
	assert_int_equal(n, 1);
	assert_int_equal(res, 1);
	js = check_alerts(&rv.reqs[nreq - 1]);
	assert_string_equal(fx_str(cJSON_GetArrayItem(js, 0), "endsAt"),
	    "2024-05-01T10:01:00.000Z");
	cJSON_Delete(js);
	usleep(1500 * 1000);
	assert_int_equal(recv_count(&rv), nreq);
	alert_event_free(a);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

/* Firing alerts stay in the outbox while active, so a restart re-sends
 * them; a resolved one is not re-sent. */
static void
test_sink_alertmanager_active_survive_restart(void **state)
{
	struct ydoc		 doc;
	struct sink_set		*ss;
	struct alert_event	*a, *b;
	char			*dir = fx_tmpdir("am");
	int			 i, na = 0, nb = 0, res = 0;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	ss = am_set(&doc, dir, "    resend_interval: 1h\n");
	a = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 1);
	b = fx_event("pg_conn", ALERT_FIRING, "role", "u2", 2);
	sink_set_emit(ss, a);
	sink_set_emit(ss, b);
	b->status = ALERT_RESOLVED;
	sink_set_emit(ss, b);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	sink_set_free(ss);
	ydoc_free(&doc);
	i = recv_count(&rv);
	ss = am_set(&doc, dir, "    resend_interval: 1h\n");
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	usleep(200 * 1000);
	for (; i < recv_count(&rv); i++) {
		na += count_role(&rv.reqs[i], "u1", &res);
		nb += count_role(&rv.reqs[i], "u2", &res);
	}
	assert_int_equal(na, 1);
	assert_int_equal(nb, 0);
	alert_event_free(a);
	alert_event_free(b);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

/* Alerts that queue up while Alertmanager is down go out as arrays. */
static void
test_sink_alertmanager_batches(void **state)
{
	struct ydoc		 doc;
	struct sink_set		*ss;
	struct alert_event	*a;
	char			*dir = fx_tmpdir("am"), v[16];
	int			 i, total = 0, res;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	ss = am_set(&doc, dir, "    resend_interval: 1h\n    batch_max: 8\n"
	    "    concurrency: 1\n");
	recv_down(&rv);
	for (i = 0; i < 20; i++) {
		snprintf(v, sizeof(v), "u%d", i);
		a = fx_event("pg_conn", ALERT_FIRING, "role", v, (uint64_t)i);
		sink_set_emit(ss, a);
		alert_event_free(a);
	}
	usleep(200 * 1000);
	assert_int_equal(recv_up(&rv), 0);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	assert_int_equal(rv.nok, 3);		/* 8 + 8 + 4 */
	for (i = 0; i < rv.n; i++) {
		cJSON	*js = check_alerts(&rv.reqs[i]);

		assert_true(cJSON_GetArraySize(js) <= 8);
		cJSON_Delete(js);
	}
	for (i = 0; i < 20; i++) {
		int	k, n = 0;

		snprintf(v, sizeof(v), "u%d", i);
		for (k = 0; k < rv.n; k++)
			n += count_role(&rv.reqs[k], v, &res);
		assert_int_equal(n, 1);
		total += n;
	}
	assert_int_equal(total, 20);
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
		cmocka_unit_test(test_sink_alertmanager_resends_until_resolved),
		cmocka_unit_test(test_sink_alertmanager_active_survive_restart),
		cmocka_unit_test(test_sink_alertmanager_batches),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
