/* tests/test_sink_webhook.c - mirrors src/sink/sink_webhook.c: bodies in
 * Alertmanager's webhook format version 4 (prometheus/alertmanager
 * docs/configuration.md <webhook_config>) posted to a local receiver. */
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

static void
check_string_map(const cJSON *o)
{
	const cJSON	*it;

	assert_true(cJSON_IsObject(o));
	cJSON_ArrayForEach(it, o)
		assert_true(cJSON_IsString(it));
}

/* Every key of the v4 payload with its type. */
static cJSON *
check_v4(const char *body, const char *status)
{
	cJSON		*js = cJSON_Parse(body);
	const cJSON	*alerts, *a;

	assert_non_null(js);
	assert_string_equal(fx_str(js, "version"), "4");
	assert_non_null(fx_str(js, "groupKey"));
	assert_true(cJSON_IsNumber(fx_get(js, "truncatedAlerts")));
	assert_string_equal(fx_str(js, "status"), status);
	assert_non_null(fx_str(js, "receiver"));
	check_string_map(fx_get(js, "groupLabels"));
	check_string_map(fx_get(js, "commonLabels"));
	check_string_map(fx_get(js, "commonAnnotations"));
	assert_non_null(fx_str(js, "externalURL"));
	alerts = fx_get(js, "alerts");
	assert_true(cJSON_IsArray(alerts));
	assert_int_equal(cJSON_GetArraySize(alerts), 1);
	a = cJSON_GetArrayItem(alerts, 0);
	assert_string_equal(fx_str(a, "status"), status);
	check_string_map(fx_get(a, "labels"));
	check_string_map(fx_get(a, "annotations"));
	assert_non_null(fx_str(fx_get(a, "labels"), "alertname"));
	assert_true(fx_is_rfc3339(fx_str(a, "startsAt")));
	assert_true(fx_is_rfc3339(fx_str(a, "endsAt")));
	assert_non_null(fx_str(a, "generatorURL"));
	assert_non_null(fx_str(a, "fingerprint"));
	return js;
}

static void
test_sink_webhook_v4_payloads(void **state)
{
	struct sink_set_conf	 sc;
	struct ydoc		 doc;
	struct diag		 dg;
	struct sink_set		*ss;
	struct alert_event	*a, *b;
	char			*dir = fx_tmpdir("hook"), yaml[1024];
	cJSON			*f, *r, *o;
	int			 i;
	const cJSON		*fa, *ra;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	setenv("DW_TEST_HOOK_TOKEN", "s3cr3t", 1);
	snprintf(yaml, sizeof(yaml), "sinks:\n"
	    "  - name: receiver1\n    type: webhook\n"
	    "    url: http://127.0.0.1:%u/alerts\n"
	    "    headers:\n"
	    "      Authorization: Bearer ${DW_TEST_HOOK_TOKEN}\n"
	    "      X-Test: hello\n"
	    "    external_url: https://drainwatch.example/\n", rv.port);
	memset(&sc, 0, sizeof(sc));
	sc.send = 1;
	sc.state_dir = dir;
	ss = fx_set(&doc, yaml, &sc, &dg);
	if (ss == NULL)
		fail_msg("%s", fx_diag);
	a = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 1);
	b = fx_event("pg_conn", ALERT_FIRING, "role", "u2", 2);
	sink_set_emit(ss, a);
	a->status = ALERT_RESOLVED;
	a->ends_at = a->at = FX_T0 + 90000;
	sink_set_emit(ss, a);
	sink_set_emit(ss, b);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	assert_int_equal(rv.nok, 3);
	assert_string_equal(rv.reqs[0].auth, "Bearer s3cr3t");
	assert_string_equal(rv.reqs[0].xtest, "hello");
	assert_string_equal(rv.reqs[0].path, "/alerts");

	/* Only the order within one identity is defined: u1 firing then
	 * resolved; u2 may arrive anywhere. */
	f = r = o = NULL;
	for (i = 0; i < 3; i++) {
		if (strstr(rv.reqs[i].body, "role=\\\"u2\\\"") != NULL)
			o = check_v4(rv.reqs[i].body, "firing");
		else if (f == NULL)
			f = check_v4(rv.reqs[i].body, "firing");
		else
			r = check_v4(rv.reqs[i].body, "resolved");
	}
	assert_non_null(f);
	assert_non_null(r);
	assert_non_null(o);
	assert_string_equal(fx_str(f, "receiver"), "receiver1");
	assert_string_equal(fx_str(f, "externalURL"),
	    "https://drainwatch.example/");
	assert_string_equal(fx_str(f, "groupKey"),
	    "{}:{alertname=\"pg_conn\",role=\"u1\"}");
	assert_string_equal(fx_str(f, "groupKey"), fx_str(r, "groupKey"));
	assert_string_not_equal(fx_str(f, "groupKey"), fx_str(o, "groupKey"));
	assert_string_equal(fx_str(fx_get(f, "groupLabels"), "role"), "u1");
	assert_string_equal(fx_str(fx_get(f, "commonAnnotations"), "summary"),
	    "pg_conn for role=u1 (seq 1)");
	fa = cJSON_GetArrayItem(fx_get(f, "alerts"), 0);
	ra = cJSON_GetArrayItem(fx_get(r, "alerts"), 0);
	assert_string_equal(fx_str(fa, "startsAt"), "2024-05-01T10:00:00.000Z");
	assert_string_equal(fx_str(fa, "endsAt"), "0001-01-01T00:00:00Z");
	assert_string_equal(fx_str(ra, "endsAt"), "2024-05-01T10:01:30.000Z");
	assert_string_equal(fx_str(fa, "fingerprint"), a->fingerprint);
	assert_string_equal(fx_str(fx_get(fa, "annotations"), "count"), "3");
	assert_string_equal(fx_str(fx_get(fa, "annotations"), "window"), "5m");
	assert_string_equal(fx_str(fx_get(fa, "labels"), "alertname"),
	    "pg_conn");
	cJSON_Delete(f);
	cJSON_Delete(r);
	cJSON_Delete(o);
	alert_event_free(a);
	alert_event_free(b);
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
		cmocka_unit_test(test_sink_webhook_v4_payloads),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
