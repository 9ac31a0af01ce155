/* tests/test_sink_console.c - mirrors src/sink/sink_console.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/sink_fixture.h"

static char *
run_console(const char *format, struct alert_event *const *evs, int n)
{
	struct sink_set_conf	 sc = { 0, 0, 0, "/nonexistent" };
	struct ydoc		 doc;
	struct diag		 dg;
	struct sink_set		*ss;
	char			 yaml[256], *out;
	int			 i;

	snprintf(yaml, sizeof(yaml), "sinks:\n  - type: console\n%s%s%s",
	    format != NULL ? "    format: " : "", format != NULL ? format : "",
	    format != NULL ? "\n" : "");
	fx_capture_start();		/* stdout is a file: not a tty */
	ss = fx_set(&doc, yaml, &sc, &dg);
	if (ss == NULL) {
		free(fx_capture_end());
		fail_msg("%s", fx_diag);
	}
	for (i = 0; i < n; i++)
		sink_set_emit(ss, evs[i]);
	out = fx_capture_end();
	assert_int_equal(sink_set_get(ss, 0)->emitted, (uint64_t)n);
	sink_set_free(ss);
	ydoc_free(&doc);
	return out;
}

static void
test_sink_console_json_lines(void **state)
{
	struct alert_event	*ev[2];
	char			*out, *line2;
	cJSON			*js;
	char			*want;
	int			 k;

	(void)state;
	ev[0] = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 1);
	ev[1] = fx_event("pg_conn", ALERT_RESOLVED, "role", "u1", 2);
	/* Default (auto) on a non-terminal, and forced json: the same. */
	for (k = 0; k < 2; k++) {
		out = run_console(k == 0 ? NULL : "json", ev, 2);
		js = alert_event_to_json(ev[0]);
		want = cJSON_PrintUnformatted(js);
		line2 = strchr(out, '\n');
		assert_non_null(line2);
		assert_int_equal((size_t)(line2 - out), strlen(want));
		assert_memory_equal(out, want, strlen(want));
		assert_non_null(strstr(line2 + 1, "{\"status\":\"resolved\","));
		assert_int_equal(out[strlen(out) - 1], '\n');
		free(want);
		cJSON_Delete(js);
		free(out);
	}
	alert_event_free(ev[0]);
	alert_event_free(ev[1]);
}

static void
test_sink_console_text_lines(void **state)
{
	struct alert_event	*ev[2];
	char			*out;

	(void)state;
	ev[0] = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 1);
	ev[1] = fx_event("pg_conn", ALERT_RESOLVED, "role", "u1", 2);
	free(ev[1]->summary);
	ev[1]->summary = strdup("two\nlines");
	out = run_console("text", ev, 2);
	assert_string_equal(out,
	    "2024-05-01T10:00:00.000Z FIRING   critical pg_conn{role=\"u1\"} "
	    "count 3 >= 1 in 5m: pg_conn for role=u1 (seq 1)\n"
	    "2024-05-01T10:05:00.000Z RESOLVED critical pg_conn{role=\"u1\"} "
	    "count 3 >= 1 in 5m after 5m: two lines\n");
	free(out);
	alert_event_free(ev[0]);
	alert_event_free(ev[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sink_console_json_lines),
		cmocka_unit_test(test_sink_console_text_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
