/* tests/test_sink_slack.c - mirrors src/sink/sink_slack.c: messages
 * posted to a local receiver, checked against Slack's block limits. */
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

/* Limits from https://api.slack.com/reference/block-kit/blocks and
 * slackapi/bolt-js#2509 (msg_blocks_too_long at ~13.2k). */
#define SLACK_BLOCKS_MAX	50
#define SLACK_SECTION_MAX	3000
#define SLACK_FIELD_MAX		2000
#define SLACK_FIELDS_MAX	10
#define SLACK_TOTAL_MAX		12000

static size_t
utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Text in mrkdwn must have < > & escaped: no raw '<' or '>' at all (we
 * never emit links), and every '&' starts an entity. */
static void
check_escaped(const char *t)
{
	const char	*p;

	assert_null(strchr(t, '<'));
	assert_null(strchr(t, '>'));
	for (p = strchr(t, '&'); p != NULL; p = strchr(p + 1, '&'))
		assert_true(strncmp(p, "&amp;", 5) == 0 ||
		    strncmp(p, "&lt;", 4) == 0 || strncmp(p, "&gt;", 4) == 0);
}

/* Validate one Slack webhook body; returns the concatenated text. */
static char *
check_message(const char *body)
{
	cJSON		*js = cJSON_Parse(body);
	const cJSON	*blocks, *b, *f;
	size_t		 total = 0, cap = 65536;
	char		*all = calloc(1, cap);

	assert_non_null(js);
	assert_non_null(fx_str(js, "text"));
	assert_true(strlen(fx_str(js, "text")) > 0);
	assert_true(utf8_chars(fx_str(js, "text")) <= 3000);
	total += utf8_chars(fx_str(js, "text"));
	blocks = fx_get(js, "blocks");
	assert_true(cJSON_IsArray(blocks));
	assert_true(cJSON_GetArraySize(blocks) >= 1);
	assert_true(cJSON_GetArraySize(blocks) <= SLACK_BLOCKS_MAX);
	cJSON_ArrayForEach(b, blocks) {
		const char	*type = fx_str(b, "type");

		assert_non_null(type);
		if (strcmp(type, "section") == 0) {
			const cJSON	*t = fx_get(b, "text");

			if (t != NULL) {
				assert_string_equal(fx_str(t, "type"),
				    "mrkdwn");
				assert_true(utf8_chars(fx_str(t, "text")) <=
				    SLACK_SECTION_MAX);
				check_escaped(fx_str(t, "text"));
				total += utf8_chars(fx_str(t, "text"));
				strncat(all, fx_str(t, "text"), cap -
				    strlen(all) - 2);
				strcat(all, "\n");
			}
			f = fx_get(b, "fields");
			if (f != NULL) {
				const cJSON	*x;

				assert_true(cJSON_GetArraySize(f) <=
				    SLACK_FIELDS_MAX);
				cJSON_ArrayForEach(x, f) {
					assert_true(utf8_chars(fx_str(x,
					    "text")) <= SLACK_FIELD_MAX);
					check_escaped(fx_str(x, "text"));
					total += utf8_chars(fx_str(x, "text"));
					strncat(all, fx_str(x, "text"), cap -
					    strlen(all) - 2);
					strcat(all, "\n");
				}
			}
			assert_true(t != NULL || f != NULL);
		} else if (strcmp(type, "context") == 0) {
			const cJSON	*x;

			cJSON_ArrayForEach(x, fx_get(b, "elements")) {
				assert_true(utf8_chars(fx_str(x, "text")) <=
				    SLACK_SECTION_MAX);
				total += utf8_chars(fx_str(x, "text"));
				strncat(all, fx_str(x, "text"), cap -
				    strlen(all) - 2);
			}
		} else
			fail_msg("unexpected block type %s", type);
	}
	assert_true(total <= SLACK_TOTAL_MAX);
	cJSON_Delete(js);
	return all;
}

static struct sink_set *
slack_set(struct ydoc *doc, const char *dir, const char *extra)
{
	struct sink_set_conf	 sc = { 0, 1, 0, dir };
	struct diag		 dg;
	struct sink_set		*ss;
	char			 yaml[1024];

	setenv("DW_TEST_SLACK_URL", "x", 1);
	snprintf(yaml, sizeof(yaml), "sinks:\n"
	    "  - name: team\n    type: slack\n"
	    "    url: http://127.0.0.1:%u/services/T0/B0/XyZ\n"
	    "    backoff_min: 50ms\n%s", rv.port, extra != NULL ? extra : "");
	ss = fx_set(doc, yaml, &sc, &dg);
	if (ss == NULL)
		fail_msg("%s", fx_diag);
	return ss;
}

static void
test_sink_slack_firing_and_resolved_messages(void **state)
{
	struct ydoc		 doc;
	struct sink_set		*ss;
	struct alert_event	*ev;
	char			*dir = fx_tmpdir("slack"), *t;
	cJSON			*js;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	ss = slack_set(&doc, dir, "    max_rate: 100\n    burst: 10\n");
	ev = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 1);
	sink_set_emit(ss, ev);
	ev->status = ALERT_RESOLVED;
	ev->ends_at = ev->at = FX_T0 + 150000;
	sink_set_emit(ss, ev);
	alert_event_free(ev);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	assert_int_equal(rv.nok, 2);
	assert_string_equal(rv.reqs[0].path, "/services/T0/B0/XyZ");
	assert_string_equal(rv.reqs[0].ctype,
	    "application/json; charset=utf-8");

	js = cJSON_Parse(rv.reqs[0].body);
	assert_string_equal(fx_str(js, "text"), "[FIRING] pg_conn "
	    "(critical): pg_conn for role=u1 (seq 1)");
	cJSON_Delete(js);
	t = check_message(rv.reqs[0].body);
	assert_non_null(strstr(t, ":rotating_light: *FIRING: pg_conn* "
	    "(critical)\npg_conn for role=u1 (seq 1)"));
	assert_non_null(strstr(t, "*Count*\n3 matches in 5m (threshold "
	    "&gt;= 1)"));
	assert_non_null(strstr(t, "*Firing since*\n2024-05-01T10:00:00.000Z"));
	assert_non_null(strstr(t, "*Labels*\n`role=u1`"));
	assert_non_null(strstr(t, "*Latest matching line*\n```2024-05-01 "
	    "10:00:00 UTC [1] FATAL:  too many connections for role "
	    "\"u1\"```"));
	assert_non_null(strstr(t, "PostgreSQL refused a connection."));
	free(t);

	t = check_message(rv.reqs[1].body);
	assert_non_null(strstr(t, ":white_check_mark: *RESOLVED: pg_conn*"));
	assert_non_null(strstr(t, "*Resolved after*\n2m30s"));
	assert_null(strstr(t, "```"));		/* no sample when resolved */
	free(t);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

static void
test_sink_slack_limits_with_huge_alert(void **state)
{
	struct ydoc		 doc;
	struct sink_set		*ss;
	struct alert_event	*ev;
	char			*dir = fx_tmpdir("slack"), *big, *t;
	int			 i;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	ss = slack_set(&doc, dir, NULL);
	ev = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 1);
	big = malloc(70000);
	for (i = 0; i < 69999; i++)
		big[i] = "<&>`x\xc3\xa9 "[i % 8];	/* é stays whole */
	big[69999] = '\0';
	big[69998] = '\xc3';		/* cut sequence at the very end */
	free(ev->summary);
	free(ev->description);
	free(ev->first_line);
	free(ev->last_line);
	ev->summary = strdup(big);
	ev->description = strdup(big);
	ev->first_line = strdup(big);
	ev->last_line = strdup(big);
	for (i = 2; i < ALERT_LABELS_MAX; i++) {
		char	name[32];

		snprintf(name, sizeof(name), "label%02d", i);
		ev->labels[i].name = strdup(name);
		ev->labels[i].value = strndup(big, 500);
	}
	ev->nlabels = ALERT_LABELS_MAX;
	sink_set_emit(ss, ev);
	alert_event_free(ev);
	free(big);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	assert_int_equal(rv.nok, 1);
	t = check_message(rv.reqs[0].body);	/* asserts every limit */
	assert_non_null(strstr(t, "\xe2\x80\xa6"));	/* cut marks */
	assert_non_null(strstr(t, "&lt;&amp;&gt;'x"));	/* escaped, code */
	free(t);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

/* A burst behind the 1/s rate limit goes out as one coalesced message;
 * nothing is dropped. */
static void
test_sink_slack_coalesces_bursts(void **state)
{
	struct ydoc		 doc;
	struct sink_set		*ss;
	struct alert_event	*ev;
	char			*dir = fx_tmpdir("slack"), *t;
	int			 i, seen[46];
	cJSON			*js;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	ss = slack_set(&doc, dir, "    batch_max: 40\n");
	for (i = 1; i <= 45; i++) {
		char	v[16];

		snprintf(v, sizeof(v), "u%d", i % 7);
		ev = fx_event("pg_conn", i % 2 ? ALERT_FIRING : ALERT_RESOLVED,
		    "role", v, (uint64_t)i);
		sink_set_emit(ss, ev);
		alert_event_free(ev);
		/* The first goes out alone; the burst queues behind it. */
		if (i == 1)
			assert_int_equal(recv_wait_ok(&rv, 1, 5000), 0);
	}
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 10000), 0);
	/* 1 at once, then 40 (batch_max), then 4: three messages. */
	assert_int_equal(rv.nok, 3);
	assert_true(rv.reqs[1].at_ms - rv.reqs[0].at_ms >= 900);
	assert_true(rv.reqs[2].at_ms - rv.reqs[1].at_ms >= 900);
	js = cJSON_Parse(rv.reqs[1].body);
	assert_string_equal(fx_str(js, "text"), "40 alert notifications: 20 "
	    "firing, 20 resolved");
	assert_int_equal(cJSON_GetArraySize(fx_get(js, "blocks")), 41);
	cJSON_Delete(js);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < rv.n; i++) {
		const char	*p;

		t = check_message(rv.reqs[i].body);
		for (p = strstr(t, "(seq "); p != NULL;
		    p = strstr(p + 1, "(seq "))
			seen[strtol(p + 5, NULL, 10)]++;
		free(t);
	}
	for (i = 1; i <= 45; i++)
		assert_int_equal(seen[i], 1);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

/* Slack's own errors for a dead webhook (403/404/410) are final. */
static void
test_sink_slack_dead_webhook_not_retried(void **state)
{
	struct ydoc		 doc;
	struct sink_set		*ss;
	struct alert_event	*ev;
	char			*dir = fx_tmpdir("slack");

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	recv_script(&rv, 1, 410, NULL, 0);
	ss = slack_set(&doc, dir, NULL);
	ev = fx_event("pg_conn", ALERT_FIRING, "role", "u1", 1);
	sink_set_emit(ss, ev);
	alert_event_free(ev);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	usleep(200 * 1000);
	assert_int_equal(recv_count(&rv), 1);
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
		cmocka_unit_test(test_sink_slack_firing_and_resolved_messages),
		cmocka_unit_test(test_sink_slack_limits_with_huge_alert),
		cmocka_unit_test(test_sink_slack_coalesces_bursts),
		cmocka_unit_test(test_sink_slack_dead_webhook_not_retried),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
