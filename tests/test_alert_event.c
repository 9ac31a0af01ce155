/* tests/test_alert_event.c - mirrors src/alert/alert_event.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/sink_fixture.h"

static void
assert_str_eq_or_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void
assert_events_equal(const struct alert_event *a, const struct alert_event *b)
{
	int	i;

	assert_int_equal(a->status, b->status);
	assert_int_equal(a->reminder, b->reminder);
	assert_int_equal(a->seq, b->seq);
	assert_str_eq_or_null(a->rule, b->rule);
	assert_str_eq_or_null(a->severity, b->severity);
	assert_str_eq_or_null(a->fingerprint, b->fingerprint);
	assert_str_eq_or_null(a->identity, b->identity);
	assert_int_equal(a->nlabels, b->nlabels);
	for (i = 0; i < a->nlabels; i++) {
		assert_string_equal(a->labels[i].name, b->labels[i].name);
		assert_string_equal(a->labels[i].value, b->labels[i].value);
	}
	assert_str_eq_or_null(a->summary, b->summary);
	assert_str_eq_or_null(a->description, b->description);
	assert_true(a->count == b->count);
	assert_int_equal(a->has_value, b->has_value);
	if (a->has_value)
		assert_true(a->value == b->value);
	assert_str_eq_or_null(a->aggregate, b->aggregate);
	assert_str_eq_or_null(a->threshold, b->threshold);
	assert_int_equal(a->window_ms, b->window_ms);
	assert_int_equal(a->starts_at, b->starts_at);
	assert_int_equal(a->ends_at, b->ends_at);
	assert_int_equal(a->at, b->at);
	assert_int_equal(a->matches_total, b->matches_total);
	assert_str_eq_or_null(a->first_line, b->first_line);
	assert_str_eq_or_null(a->last_line, b->last_line);
}

static struct alert_event *
roundtrip(const struct alert_event *ev)
{
	cJSON			*js = alert_event_to_json(ev);
	char			*text;
	cJSON			*back;
	struct alert_event	*out;

	assert_non_null(js);
	text = cJSON_PrintUnformatted(js);
	assert_non_null(text);
	back = cJSON_Parse(text);
	assert_non_null(back);
	out = alert_event_from_json(back);
	assert_non_null(out);
	cJSON_Delete(js);
	cJSON_Delete(back);
	free(text);
	return out;
}

static void
test_alert_event_json_roundtrip(void **state)
{
	struct alert_event	*ev, *back;
	static const dw_ms	 windows[] = { 300000, 90000, 250, 1500, 12345,
	    86400000 + 3600000, 0 };
	size_t			 i;

	(void)state;
	ev = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 7);
	back = roundtrip(ev);
	assert_events_equal(ev, back);
	alert_event_free(back);

	/* Resolved, with a value, a reminder flag and odd windows. */
	ev->status = ALERT_RESOLVED;
	ev->ends_at = FX_T0 + 123456;
	ev->has_value = 1;
	ev->value = 2350.5;
	ev->reminder = 1;
	ev->matches_total = 1ULL << 40;
	for (i = 0; i < DW_NELEM(windows); i++) {
		ev->window_ms = windows[i];
		back = roundtrip(ev);
		assert_events_equal(ev, back);
		alert_event_free(back);
	}
	alert_event_free(ev);
}

static void
test_alert_event_json_shape(void **state)
{
	struct alert_event	*ev;
	cJSON			*js;
	char			*text;
	static const char	 want[] =
	    "{\"status\":\"firing\",\"rule\":\"pg_conn\","
	    "\"fingerprint\":\"%s\",\"identity\":\"pg_conn{role=\\\"u1\\\"}\","
	    "\"severity\":\"critical\",\"labels\":{\"alertname\":\"pg_conn\","
	    "\"role\":\"u1\"},\"annotations\":{\"summary\":\"pg_conn for "
	    "role=u1 (seq 1)\",\"description\":\"PostgreSQL refused a "
	    "connection.\"},\"count\":3,\"value\":null,\"aggregate\":\"count\","
	    "\"threshold\":\">= 1\",\"window\":\"5m\",\"starts_at\":"
	    "\"2024-05-01T10:00:00.000Z\",\"ends_at\":null,\"at\":"
	    "\"2024-05-01T10:00:00.000Z\",\"matches_total\":3,\"first_line\":"
	    "\"2024-05-01 10:00:00 UTC [1] FATAL:  too many connections for "
	    "role \\\"u1\\\"\",\"last_line\":\"2024-05-01 10:00:00 UTC [1] "
	    "FATAL:  too many connections for role \\\"u1\\\"\",\"reminder\":"
	    "false,\"seq\":1}";
	char			 expect[2048];

	(void)state;
	ev = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 1);
	js = alert_event_to_json(ev);
	text = cJSON_PrintUnformatted(js);
	snprintf(expect, sizeof(expect), want, ev->fingerprint);
	assert_string_equal(text, expect);
	free(text);
	cJSON_Delete(js);
	alert_event_free(ev);
}

static void
test_alert_event_invalid_utf8_repaired(void **state)
{
	struct alert_event	*ev, *back;
	cJSON			*js;
	char			*text;

	(void)state;
	ev = fx_event("r", ALERT_FIRING, "k", "v", 1);
	free(ev->last_line);
	/* A lone continuation byte, an overlong "/", a surrogate. */
	ev->last_line = strdup("a\x80" "b\xc0\xaf" "c\xed\xa0\x80" "d\xc3\xa9");
	js = alert_event_to_json(ev);
	text = cJSON_PrintUnformatted(js);
	assert_non_null(strstr(text, "\"last_line\":\"a\xef\xbf\xbd" "b"
	    "\xef\xbf\xbd\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "d\xc3\xa9\""));
	back = alert_event_from_json(js);
	assert_non_null(back);
	assert_string_equal(back->first_line, ev->first_line);
	free(text);
	cJSON_Delete(js);
	alert_event_free(back);
	alert_event_free(ev);
}

static void
test_alert_event_from_json_rejects(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{}",
		"{\"status\":\"odd\",\"rule\":\"r\",\"fingerprint\":\"f\"}",
		"{\"status\":\"firing\",\"fingerprint\":\"f\"}",
		"{\"status\":\"firing\",\"rule\":\"r\",\"fingerprint\":\"f\","
		    "\"labels\":[]}",
		"{\"status\":\"firing\",\"rule\":\"r\",\"fingerprint\":\"f\","
		    "\"labels\":{\"a\":1}}",
		"{\"status\":\"firing\",\"rule\":\"r\",\"fingerprint\":\"f\","
		    "\"at\":\"yesterday\"}",
		"{\"status\":\"firing\",\"rule\":\"r\",\"fingerprint\":\"f\","
		    "\"at\":\"2024-13-01T00:00:00Z\"}",
		"{\"status\":\"firing\",\"rule\":\"r\",\"fingerprint\":\"f\","
		    "\"window\":\"5 minutes\"}",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < DW_NELEM(bad); i++) {
		cJSON			*js = cJSON_Parse(bad[i]);
		struct alert_event	*ev = alert_event_from_json(js);

		if (ev != NULL)
			fail_msg("accepted: %s", bad[i]);
		cJSON_Delete(js);
	}
}

static void
test_alert_event_from_json_minimal(void **state)
{
	cJSON			*js;
	struct alert_event	*ev;

	(void)state;
	js = cJSON_Parse("{\"status\":\"resolved\",\"rule\":\"r\","
	    "\"fingerprint\":\"f\",\"at\":\"2024-05-01T12:00:00.5+02:00\","
	    "\"starts_at\":\"2024-05-01T09:59:59Z\"}");
	ev = alert_event_from_json(js);
	assert_non_null(ev);
	assert_int_equal(ev->status, ALERT_RESOLVED);
	assert_int_equal(ev->at, FX_T0 + 500);
	assert_int_equal(ev->starts_at, FX_T0 - 1000);
	assert_null(ev->identity);
	assert_int_equal(ev->nlabels, 0);
	alert_event_free(ev);
	cJSON_Delete(js);
}

static void
test_alert_event_format_rfc3339(void **state)
{
	char	buf[40];

	(void)state;
	format_rfc3339(FX_T0, buf, sizeof(buf));
	assert_string_equal(buf, "2024-05-01T10:00:00.000Z");
	format_rfc3339(FX_T0 + 86400000LL * 30 + 7, buf, sizeof(buf));
	assert_string_equal(buf, "2024-05-31T10:00:00.007Z");
	format_rfc3339(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	format_rfc3339(-1, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	format_rfc3339(FX_T0, buf, 10);		/* too small: no overflow */
	assert_true(strlen(buf) < 10);
}

static void
test_alert_event_label_dup_free(void **state)
{
	struct alert_event	*ev, *cp;

	(void)state;
	ev = fx_event("r", ALERT_FIRING, "role", "u1", 1);
	assert_string_equal(alert_event_label(ev, "role"), "u1");
	assert_string_equal(alert_event_label(ev, "alertname"), "r");
	assert_null(alert_event_label(ev, "nope"));
	cp = alert_event_dup(ev);
	assert_ptr_not_equal(cp->rule, ev->rule);
	assert_events_equal(ev, cp);
	alert_event_free(ev);
	assert_string_equal(alert_event_label(cp, "role"), "u1");
	alert_event_free(cp);
	alert_event_free(NULL);
	assert_string_equal(alert_status_name(ALERT_FIRING), "firing");
	assert_string_equal(alert_status_name(ALERT_RESOLVED), "resolved");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alert_event_json_roundtrip),
		cmocka_unit_test(test_alert_event_json_shape),
		cmocka_unit_test(test_alert_event_invalid_utf8_repaired),
		cmocka_unit_test(test_alert_event_from_json_rejects),
		cmocka_unit_test(test_alert_event_from_json_minimal),
		cmocka_unit_test(test_alert_event_format_rfc3339),
		cmocka_unit_test(test_alert_event_label_dup_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
