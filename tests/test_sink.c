/* tests/test_sink.c - mirrors src/sink/sink.c (registry, config, routes,
 * metrics); network sinks run muted (send = 0), nothing is posted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/sink_fixture.h"

static const struct sink_set_conf	muted = { 0, 0, 0, "/nonexistent" };

static const struct sink *
by_name(const struct sink_set *ss, const char *name)
{
	int	i;

	for (i = 0; i < sink_set_count(ss); i++)
		if (strcmp(sink_set_get(ss, i)->name, name) == 0)
			return sink_set_get(ss, i);
	return NULL;
}

static void
expect_diag(const char *needle)
{
	if (strstr(fx_diag, needle) == NULL) {
		fprintf(stderr, "%s", fx_diag);
		fail_msg("diagnostic \"%s\" missing", needle);
	}
}

static void
test_sink_registry(void **state)
{
	(void)state;
	assert_ptr_equal(sink_ops_find("console"), &sink_console_ops);
	assert_ptr_equal(sink_ops_find("slack"), &sink_slack_ops);
	assert_ptr_equal(sink_ops_find("pagerduty"), &sink_pagerduty_ops);
	assert_ptr_equal(sink_ops_find("webhook"), &sink_webhook_ops);
	assert_ptr_equal(sink_ops_find("alertmanager"),
	    &sink_alertmanager_ops);
	assert_null(sink_ops_find("email"));
}

static void
test_sink_default_is_console(void **state)
{
	struct ydoc	 doc;
	struct diag	 dg;
	struct sink_set	*ss;
	struct sink_set_conf sc = muted;

	(void)state;
	ss = fx_set(&doc, "log: {}\n", &sc, &dg);
	assert_non_null(ss);
	assert_int_equal(sink_set_count(ss), 1);
	assert_string_equal(sink_set_get(ss, 0)->name, "console");
	assert_string_equal(sink_set_get(ss, 0)->ops->type, "console");
	sink_set_free(ss);
	ydoc_free(&doc);
	/* A replay prints events itself: no default console then. */
	sc.skip_console = 1;
	ss = fx_set(&doc, "log: {}\n", &sc, &dg);
	assert_non_null(ss);
	assert_int_equal(sink_set_count(ss), 0);
	sink_set_free(ss);
	ydoc_free(&doc);
}

static void
test_sink_config_errors_located(void **state)
{
	struct ydoc	 doc;
	struct diag	 dg;
	struct sink_set	*ss;
	static const char yaml[] =
	    "sinks:\n"
	    "  - type: email\n"				/* 2 */
	    "  - name: hook\n"				/* 3 */
	    "    type: webhook\n"
	    "    url: http://127.0.0.1:9/x\n"
	    "    treshold: 3\n"				/* 6 */
	    "  - name: hook\n"				/* 7 */
	    "    type: webhook\n"
	    "    url: http://127.0.0.1:9/y\n"
	    "  - name: slack\n"				/* 10 */
	    "    type: slack\n"
	    "    url: ''\n"				/* 12 */
	    "  - name: 'bad name'\n"			/* 13 */
	    "    type: console\n"
	    "  - name: ok\n"
	    "    type: webhook\n"
	    "    url: ftp://example.com/\n"		/* 17 */
	    "  - name: c\n"
	    "    type: console\n"
	    "    format: yaml\n"			/* 20 */
	    "  - name: h2\n"
	    "    type: webhook\n"
	    "    url: http://127.0.0.1:9/z\n"
	    "    headers: {'Bad Name': x}\n"		/* 24 */
	    "routes:\n"
	    "  - match: {severity: crit, rule: 'pg_*', colour: red}\n" /* 26 */
	    "    sinks: [c, nosuch]\n"			/* 27 */
	    "  - sinks: c\n"
	    "    when: always\n"			/* 29 */
	    "  - match: {severity: critical}\n";	/* 30 */

	(void)state;
	ss = fx_set(&doc, yaml, &muted, &dg);
	assert_null(ss);
	expect_diag("agent.yaml:2:11: unknown sink type \"email\" (expected: "
	    "console, slack, pagerduty, webhook, alertmanager)");
	expect_diag("agent.yaml:6:5: unknown key \"treshold\"");
	expect_diag("agent.yaml:7:11: duplicate sink name \"hook\" (first at "
	    "line 3");
	expect_diag("agent.yaml:12:10: sink \"slack\": url is empty");
	expect_diag("agent.yaml:13:11: bad sink name \"bad name\"");
	expect_diag("agent.yaml:17:10: sink \"ok\": url must start with "
	    "http:// or https://");
	expect_diag("agent.yaml:20:13: unknown console format \"yaml\"");
	expect_diag("agent.yaml:24:15: bad header name \"Bad Name\"");
	expect_diag("agent.yaml:26:23: unknown severity \"crit\"");
	expect_diag("agent.yaml:26:43: unknown key \"colour\" in match");
	expect_diag("agent.yaml:27:16: route names unknown sink \"nosuch\"");
	expect_diag("agent.yaml:29:5: unknown key \"when\" in route");
	expect_diag("agent.yaml:30:5: route needs sinks:");
	/* Sinks that failed to open are not reported again by routes. */
	assert_null(strstr(fx_diag, "unknown sink \"c\""));
	assert_int_equal(dg.nerrors, 13);
	ydoc_free(&doc);
}

static void
test_sink_optional_and_disabled_are_skipped(void **state)
{
	struct ydoc	 doc;
	struct diag	 dg;
	struct sink_set	*ss;
	static const char yaml[] =
	    "sinks:\n"
	    "  - {name: slack, type: slack, url: '${DW_TEST_UNSET_HOOK}', "
	    "optional: true}\n"
	    "  - {name: pd, type: pagerduty, routing_key: "
	    "'${DW_TEST_UNSET_KEY:-}', optional: true}\n"
	    "  - {name: off, type: webhook, url: 'http://127.0.0.1:9/', "
	    "enabled: false}\n"
	    "  - {name: hook, type: webhook, url: "
	    "'${DW_TEST_HOOK_URL}/hook'}\n"
	    "routes:\n"
	    "  - sinks: [slack, pd, off, hook]\n";

	(void)state;
	unsetenv("DW_TEST_UNSET_HOOK");
	unsetenv("DW_TEST_UNSET_KEY");
	setenv("DW_TEST_HOOK_URL", "http://127.0.0.1:9", 1);
	ss = fx_set(&doc, yaml, &muted, &dg);
	if (ss == NULL)
		fail_msg("%s", fx_diag);
	assert_int_equal(dg.nerrors, 0);
	assert_int_equal(sink_set_count(ss), 1);
	assert_string_equal(sink_set_get(ss, 0)->name, "hook");
	sink_set_free(ss);
	ydoc_free(&doc);
	/* Without optional, an empty PagerDuty key is an error. */
	ss = fx_set(&doc, "sinks:\n  - {type: pagerduty, routing_key: ''}\n",
	    &muted, &dg);
	assert_null(ss);
	expect_diag("agent.yaml:2:36: sink \"pagerduty\": routing_key is "
	    "empty (set PAGERDUTY_ROUTING_KEY");
	ydoc_free(&doc);
}

static void
emit(struct sink_set *ss, const char *rule, const char *sev, const char *k,
    const char *v)
{
	struct alert_event	*ev = fx_event(rule, ALERT_FIRING, k, v, 1);

	free(ev->severity);
	ev->severity = strdup(sev);
	sink_set_emit(ss, ev);
	alert_event_free(ev);
}

static void
test_sink_routes_first_match_and_continue(void **state)
{
	struct ydoc	 doc;
	struct diag	 dg;
	struct sink_set	*ss;
	char		 text[8192];
	size_t		 n;
	static const char yaml[] =
	    "sinks:\n"
	    "  - {name: page, type: webhook, url: 'http://127.0.0.1:9/p'}\n"
	    "  - {name: chat, type: webhook, url: 'http://127.0.0.1:9/c'}\n"
	    "  - {name: audit, type: webhook, url: 'http://127.0.0.1:9/a'}\n"
	    "routes:\n"
	    "  - match: {severity: [critical, error], rule: 'pg_*'}\n"
	    "    sinks: [page, audit]\n"
	    "    continue: true\n"
	    "  - match: {labels: {role: 'u[0-9]*'}}\n"
	    "    sinks: [chat]\n"
	    "  - match: {severity: info}\n"
	    "    sinks: []\n"
	    "  - match: {rule: 'app_*'}\n"
	    "    sinks: audit\n";

	(void)state;
	ss = fx_set(&doc, yaml, &muted, &dg);
	if (ss == NULL)
		fail_msg("%s", fx_diag);
	/* critical pg_: page+audit, continue, role u1 -> chat. */
	emit(ss, "pg_conn", "critical", "role", "u1");
	/* critical pg_, role admin: page+audit only (no later match). */
	emit(ss, "pg_conn", "critical", "role", "admin");
	/* warning pg_, role u2: chat only (first route needs severity). */
	emit(ss, "pg_conn", "warning", "role", "u2");
	/* info: the drop route stops routing before app_*. */
	emit(ss, "app_err", "info", "role", "x");
	/* warning app_: audit. */
	emit(ss, "app_err", "warning", "role", "x");
	/* Nothing matches: unrouted. */
	emit(ss, "other", "warning", "role", "x");
	assert_int_equal(by_name(ss, "page")->emitted, 2);
	assert_int_equal(by_name(ss, "chat")->emitted, 2);
	assert_int_equal(by_name(ss, "audit")->emitted, 3);
	n = sink_set_metrics(ss, text, sizeof(text));
	assert_int_equal(n, strlen(text));
	assert_non_null(strstr(text,
	    "drainwatch_notifications_unrouted_total 1\n"));
	assert_non_null(strstr(text, "drainwatch_notifications_total{sink="
	    "\"audit\",type=\"webhook\",outcome=\"suppressed\"} 3\n"));
	assert_non_null(strstr(text, "drainwatch_notifications_total{sink="
	    "\"page\",type=\"webhook\",outcome=\"delivered\"} 0\n"));
	assert_non_null(strstr(text, "# TYPE drainwatch_notification_queue_"
	    "depth gauge\n"));
	assert_non_null(strstr(text, "drainwatch_notification_oldest_pending_"
	    "seconds{sink=\"chat\",type=\"webhook\"} 0.000\n"));
	sink_set_free(ss);
	ydoc_free(&doc);
}

static void
test_sink_no_routes_means_every_sink(void **state)
{
	struct ydoc	 doc;
	struct diag	 dg;
	struct sink_set	*ss;
	char		 text[8192], small[300];
	size_t		 n;

	(void)state;
	ss = fx_set(&doc, "sinks:\n"
	    "  - {name: a, type: webhook, url: 'http://127.0.0.1:9/a'}\n"
	    "  - {name: b, type: alertmanager, url: 'http://127.0.0.1:9'}\n"
	    "  - {name: c, type: slack, url: 'https://hooks.slack.com/x'}\n",
	    &muted, &dg);
	if (ss == NULL)
		fail_msg("%s", fx_diag);
	emit(ss, "r", "info", "k", "v");
	emit(ss, "r", "critical", "k", "w");
	assert_int_equal(sink_set_get(ss, 0)->emitted, 2);
	assert_int_equal(sink_set_get(ss, 1)->emitted, 2);
	assert_int_equal(sink_set_get(ss, 2)->emitted, 2);
	/* Nothing pending when muted; drain returns at once. */
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	/* Metrics into a small buffer: whole lines only. */
	n = sink_set_metrics(ss, small, sizeof(small));
	assert_true(n < sizeof(small));
	assert_int_equal(strlen(small), n);
	assert_true(n == 0 || small[n - 1] == '\n');
	assert_true(sink_set_metrics(ss, text, sizeof(text)) > n);
	sink_set_free(ss);
	ydoc_free(&doc);
}

static void
test_sink_skip_console_in_replay(void **state)
{
	struct ydoc		 doc;
	struct diag		 dg;
	struct sink_set		*ss;
	struct sink_set_conf	 sc = muted;

	(void)state;
	sc.skip_console = 1;
	ss = fx_set(&doc, "sinks:\n"
	    "  - {name: out, type: console}\n"
	    "  - {name: a, type: webhook, url: 'http://127.0.0.1:9/a'}\n"
	    "routes:\n  - sinks: [out, a]\n", &sc, &dg);
	if (ss == NULL)
		fail_msg("%s", fx_diag);
	assert_int_equal(sink_set_count(ss), 1);
	assert_string_equal(sink_set_get(ss, 0)->name, "a");
	sink_set_free(ss);
	ydoc_free(&doc);
	/* Set aside, but still checked. */
	ss = fx_set(&doc, "sinks:\n  - {type: console, format: xml}\n", &sc,
	    &dg);
	assert_null(ss);
	expect_diag("agent.yaml:2:29: unknown console format \"xml\"");
	ydoc_free(&doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sink_registry),
		cmocka_unit_test(test_sink_default_is_console),
		cmocka_unit_test(test_sink_config_errors_located),
		cmocka_unit_test(test_sink_optional_and_disabled_are_skipped),
		cmocka_unit_test(test_sink_routes_first_match_and_continue),
		cmocka_unit_test(test_sink_no_routes_means_every_sink),
		cmocka_unit_test(test_sink_skip_console_in_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
