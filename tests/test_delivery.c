/* tests/test_delivery.c - mirrors src/sink/delivery.c: real HTTP to a
 * receiver on 127.0.0.1 that fails, refuses, rate-limits and hangs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "core/log.h"
#include "lib/http_recv.h"
#include "lib/sink_fixture.h"
#include "sink/delivery.h"

/* TEST_LDFLAGS: -lmicrohttpd */

#define NIDS	5

static struct recv	rv;

static struct sink_set *
webhook_set(struct ydoc *doc, const char *state_dir, const char *extra,
    int dry_run)
{
	struct sink_set_conf	 sc = { dry_run, 1, 0, state_dir };
	struct diag		 dg;
	struct sink_set		*ss;
	char			 yaml[2048];

	snprintf(yaml, sizeof(yaml), "sinks:\n"
	    "  - name: hook\n"
	    "    type: webhook\n"
	    "    url: http://127.0.0.1:%u/hook/secret-token-123\n"
	    "    timeout: 500ms\n"
	    "    backoff_min: 50ms\n"
	    "    backoff_max: 200ms\n"
	    "    headers: {X-Test: yes-%u}\n"
	    "%s", rv.port, rv.port, extra != NULL ? extra : "");
	ss = fx_set(doc, yaml, &sc, &dg);
	if (ss == NULL)
		fail_msg("%s", fx_diag);
	return ss;
}

/* The "(seq N)" of a webhook body's summary, or -1. */
static long
body_seq(const char *body, char *ident, size_t n)
{
	cJSON		*js = cJSON_Parse(body);
	const cJSON	*a;
	const char	*s, *p;
	long		 seq = -1;

	a = cJSON_GetArrayItem(fx_get(js, "alerts"), 0);
	s = fx_str(fx_get(a, "annotations"), "summary");
	if (s != NULL && (p = strstr(s, "(seq ")) != NULL)
		seq = strtol(p + 5, NULL, 10);
	if (ident != NULL)
		snprintf(ident, n, "%s", fx_str(fx_get(a, "labels"), "role") !=
		    NULL ? fx_str(fx_get(a, "labels"), "role") : "");
	cJSON_Delete(js);
	return seq;
}

static void
emit_seq(struct sink_set *ss, int id, enum alert_status st, uint64_t seq)
{
	struct alert_event	*ev;
	char			 v[16];

	snprintf(v, sizeof(v), "id%d", id);
	ev = fx_event("pg_conn", st, "role", v, seq);
	sink_set_emit(ss, ev);
	alert_event_free(ev);
}

static uint64_t
metric(struct sink_set *ss, const char *line_prefix)
{
	char		 text[16384];
	const char	*p;

	sink_set_metrics(ss, text, sizeof(text));
	p = strstr(text, line_prefix);
	if (p == NULL)
		fail_msg("metric %s missing", line_prefix);
	return strtoull(p + strlen(line_prefix), NULL, 10);
}

static void
test_delivery_posts_in_order_and_drains(void **state)
{
	struct ydoc	 doc;
	struct sink_set	*ss;
	char		*dir = fx_tmpdir("deliv"), ident[32];
	long		 last[NIDS];
	int		 i;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	ss = webhook_set(&doc, dir, "    concurrency: 8\n", 0);
	for (i = 0; i < 40; i++)
		emit_seq(ss, i % NIDS, (i / NIDS) % 2 ? ALERT_RESOLVED :
		    ALERT_FIRING, (uint64_t)i + 1);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 10000), 0);
	assert_int_equal(rv.nok, 40);
	for (i = 0; i < NIDS; i++)
		last[i] = 0;
	for (i = 0; i < rv.n; i++) {
		long	seq = body_seq(rv.reqs[i].body, ident, sizeof(ident));
		int	id = ident[2] - '0';

		assert_string_equal(rv.reqs[i].method, "POST");
		assert_string_equal(rv.reqs[i].path, "/hook/secret-token-123");
		assert_string_equal(rv.reqs[i].ctype, "application/json");
		assert_true(strncmp(rv.reqs[i].xtest, "yes-", 4) == 0);
		assert_string_equal(rv.reqs[i].expect, "");
		assert_true(seq > last[id]);	/* in order per identity */
		last[id] = seq;
	}
	assert_int_equal(metric(ss, "drainwatch_notifications_total{sink="
	    "\"hook\",type=\"webhook\",outcome=\"delivered\"} "), 40);
	assert_int_equal(metric(ss, "drainwatch_notification_queue_depth{"
	    "sink=\"hook\",type=\"webhook\"} "), 0);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

/*
 * The fault test: the receiver is down for a while, then answers 429
 * with Retry-After, then works. Every notification must arrive exactly
 * once (nothing was accepted before), in order per identity.
 */
static void
test_delivery_fault_down_then_429_then_up(void **state)
{
	struct ydoc	 doc;
	struct sink_set	*ss;
	char		*dir = fx_tmpdir("deliv"), ident[32];
	long		 last[NIDS];
	int		 seen[61], i, first429 = -1, firstok = -1;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	ss = webhook_set(&doc, dir, "    concurrency: 4\n", 0);
	recv_down(&rv);
	for (i = 0; i < 60; i++)
		emit_seq(ss, i % NIDS, (i / NIDS) % 2 ? ALERT_RESOLVED :
		    ALERT_FIRING, (uint64_t)i + 1);
	usleep(800 * 1000);		/* several refused attempts */
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 10), 60);
	recv_script(&rv, 5, 429, "1", 0);
	assert_int_equal(recv_up(&rv), 0);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 20000), 0);

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < NIDS; i++)
		last[i] = 0;
	for (i = 0; i < rv.n; i++) {
		long	seq = body_seq(rv.reqs[i].body, ident, sizeof(ident));

		if (rv.reqs[i].status == 429) {
			if (first429 < 0)
				first429 = i;
			continue;
		}
		if (firstok < 0)
			firstok = i;
		assert_true(seq >= 1 && seq <= 60);
		seen[seq]++;
		assert_true(seq > last[ident[2] - '0']);
		last[ident[2] - '0'] = seq;
	}
	for (i = 1; i <= 60; i++)
		assert_int_equal(seen[i], 1);
	assert_true(first429 >= 0 && firstok > first429);
	/* Retry-After: 1 was honoured (allow 50 ms of clock slack). */
	assert_true(rv.reqs[firstok].at_ms - rv.reqs[first429].at_ms >= 950);
	assert_int_equal(metric(ss, "drainwatch_notification_requests_total{"
	    "sink=\"hook\",type=\"webhook\",class=\"429\"} "), 5);
	assert_true(metric(ss, "drainwatch_notification_requests_total{"
	    "sink=\"hook\",type=\"webhook\",class=\"network\"} ") >= 1);
	assert_true(metric(ss, "drainwatch_notification_retries_total{"
	    "sink=\"hook\",type=\"webhook\"} ") >= 5);
	assert_int_equal(metric(ss, "drainwatch_notifications_total{sink="
	    "\"hook\",type=\"webhook\",outcome=\"delivered\"} "), 60);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

static void
test_delivery_no_retry_on_4xx(void **state)
{
	struct ydoc	 doc;
	struct sink_set	*ss;
	char		*dir = fx_tmpdir("deliv"), *logbuf = NULL;
	size_t		 loglen = 0;
	FILE		*logf;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	logf = open_memstream(&logbuf, &loglen);
	log_init(logf, LOG_LVL_INFO, LOG_FMT_LOGFMT);
	recv_script(&rv, 1, 404, NULL, 0);
	ss = webhook_set(&doc, dir, "    concurrency: 1\n", 0);
	emit_seq(ss, 0, ALERT_FIRING, 1);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	usleep(300 * 1000);		/* a retry would come by now */
	assert_int_equal(recv_count(&rv), 1);
	assert_int_equal(metric(ss, "drainwatch_notifications_total{sink="
	    "\"hook\",type=\"webhook\",outcome=\"failed\"} "), 1);
	assert_int_equal(metric(ss, "drainwatch_sink_healthy{sink=\"hook\","
	    "type=\"webhook\"} "), 0);
	/* The next success makes the sink healthy again. */
	emit_seq(ss, 1, ALERT_FIRING, 2);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	assert_int_equal(recv_count(&rv), 2);
	assert_int_equal(metric(ss, "drainwatch_sink_healthy{sink=\"hook\","
	    "type=\"webhook\"} "), 1);
	sink_set_free(ss);
	fclose(logf);
	log_init(stderr, LOG_LVL_INFO, LOG_FMT_LOGFMT);
	/* Logged with the response, never with the URL's secret path. */
	assert_non_null(strstr(logbuf, "sink hook: HTTP 404: "
	    "error_for_test; 1 notification(s) dropped"));
	assert_null(strstr(logbuf, "secret-token"));
	free(logbuf);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

static void
test_delivery_retries_5xx_and_timeouts(void **state)
{
	struct ydoc	 doc;
	struct sink_set	*ss;
	char		*dir = fx_tmpdir("deliv");

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	recv_script(&rv, 2, 500, NULL, 0);
	recv_script(&rv, 1, 200, NULL, 3000);	/* hangs past timeout */
	ss = webhook_set(&doc, dir, "    concurrency: 1\n", 0);
	emit_seq(ss, 0, ALERT_FIRING, 1);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 10000), 0);
	assert_int_equal(recv_count(&rv), 4);
	assert_int_equal(metric(ss, "drainwatch_notification_requests_total{"
	    "sink=\"hook\",type=\"webhook\",class=\"5xx\"} "), 2);
	assert_int_equal(metric(ss, "drainwatch_notification_requests_total{"
	    "sink=\"hook\",type=\"webhook\",class=\"timeout\"} "), 1);
	assert_int_equal(metric(ss, "drainwatch_notification_retries_total{"
	    "sink=\"hook\",type=\"webhook\"} "), 3);
	assert_int_equal(metric(ss, "drainwatch_notifications_total{sink="
	    "\"hook\",type=\"webhook\",outcome=\"delivered\"} "), 1);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

static void
test_delivery_retry_after_http_date(void **state)
{
	struct ydoc	 doc;
	struct sink_set	*ss;
	char		*dir = fx_tmpdir("deliv"), date[64];
	time_t		 t = time(NULL) + 2;
	struct tm	 tm;
	int64_t		 gap;

	(void)state;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	assert_int_equal(recv_start(&rv), 0);
	recv_script(&rv, 1, 503, date, 0);
	ss = webhook_set(&doc, dir, NULL, 0);
	emit_seq(ss, 0, ALERT_FIRING, 1);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 10000), 0);
	assert_int_equal(recv_count(&rv), 2);
	gap = rv.reqs[1].at_ms - rv.reqs[0].at_ms;
	/* The date has 1 s resolution: 1..2 s later, not backoff_min. */
	assert_true(gap >= 900 && gap <= 2600);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

/*
 * Crash test in unit form: a child process accepts notifications while
 * the receiver is down and is killed with SIGKILL; the parent reopens
 * the same state directory and must deliver all of them, in order.
 */
static void
test_delivery_outbox_survives_kill9(void **state)
{
	struct ydoc	 doc;
	struct sink_set	*ss;
	char		*dir = fx_tmpdir("deliv"), ident[32], c;
	long		 last[NIDS];
	int		 p[2], i, st, seen[21];
	pid_t		 pid;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	recv_down(&rv);			/* port known, nothing listens */
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		ss = webhook_set(&doc, dir, NULL, 0);
		for (i = 0; i < 20; i++)
			emit_seq(ss, i % NIDS, (i / NIDS) % 2 ?
			    ALERT_RESOLVED : ALERT_FIRING, (uint64_t)i + 1);
		(void)write(p[1], "x", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	usleep(200 * 1000);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	close(p[0]);

	assert_int_equal(recv_up(&rv), 0);
	ss = webhook_set(&doc, dir, NULL, 0);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 10000), 0);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < NIDS; i++)
		last[i] = 0;
	for (i = 0; i < rv.n; i++) {
		long	seq = body_seq(rv.reqs[i].body, ident, sizeof(ident));

		assert_true(seq >= 1 && seq <= 20);
		seen[seq]++;
		assert_true(seq > last[ident[2] - '0']);
		last[ident[2] - '0'] = seq;
	}
	for (i = 1; i <= 20; i++)
		assert_int_equal(seen[i], 1);
	sink_set_free(ss);
	ydoc_free(&doc);
	/* Everything delivered: a third start sends nothing. */
	ss = webhook_set(&doc, dir, NULL, 0);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 300), 0);
	usleep(100 * 1000);
	assert_int_equal(recv_count(&rv), 20);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

/* Graceful shutdown with the receiver down: the drain deadline passes,
 * the rest stays on disk and goes out after the restart. */
static void
test_delivery_drain_deadline_keeps_rest(void **state)
{
	struct ydoc	 doc;
	struct sink_set	*ss;
	char		*dir = fx_tmpdir("deliv");
	dw_ms		 t0;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	recv_down(&rv);
	ss = webhook_set(&doc, dir, NULL, 0);
	emit_seq(ss, 0, ALERT_FIRING, 1);
	emit_seq(ss, 0, ALERT_RESOLVED, 2);
	t0 = fx_wall_ms();
	assert_int_equal(sink_set_drain(ss, t0 + 400), 2);
	assert_true(fx_wall_ms() - t0 >= 390 && fx_wall_ms() - t0 < 1500);
	sink_set_free(ss);
	ydoc_free(&doc);
	assert_int_equal(recv_up(&rv), 0);
	ss = webhook_set(&doc, dir, NULL, 0);
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	assert_int_equal(rv.nok, 2);
	assert_int_equal(body_seq(rv.reqs[0].body, NULL, 0), 1);
	assert_int_equal(body_seq(rv.reqs[1].body, NULL, 0), 2);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

static void
test_delivery_dry_run_posts_nothing(void **state)
{
	struct ydoc	 doc;
	struct sink_set	*ss;
	char		*dir = fx_tmpdir("deliv"), *out = NULL, want[256];
	char		 path[] = "/tmp/dw-dry-XXXXXX";
	int		 fd, saved;
	FILE		*f;
	long		 len;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	fd = mkstemp(path);
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	ss = webhook_set(&doc, dir, NULL, 1);
	emit_seq(ss, 3, ALERT_FIRING, 9);
	sink_set_free(ss);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	out = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(out, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(path);
	snprintf(want, sizeof(want), "# dry-run: sink hook (webhook) would "
	    "POST to http://127.0.0.1:%u/*** with headers X-Test\n{"
	    "\"version\":\"4\",", rv.port);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "(seq 9)"));
	assert_null(strstr(out, "secret-token"));
	usleep(100 * 1000);
	assert_int_equal(recv_count(&rv), 0);
	/* Dry-run opens no outbox. */
	assert_int_equal(access(dir, F_OK), 0);
	{
		char	*ob = NULL;

		assert_true(asprintf(&ob, "%s/outbox", dir) > 0);
		assert_int_not_equal(access(ob, F_OK), 0);
		free(ob);
	}
	free(out);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Measurement (printed, with loose bounds so that it cannot flake):
 * latency from sink_set_emit() to the receiver's arrival time, one
 * alert at a time; and throughput of a burst of distinct alerts to a
 * fast local receiver. Both clocks are this process's CLOCK_MONOTONIC.
 */
static void
test_delivery_latency_and_throughput(void **state)
{
	struct ydoc	 doc;
	struct sink_set	*ss;
	char		*dir = fx_tmpdir("deliv");
	int64_t		 lat[300], t0, t1;
	int		 i, n = (int)DW_NELEM(lat), burst = 5000;

	(void)state;
	assert_int_equal(recv_start(&rv), 0);
	ss = webhook_set(&doc, dir, "    concurrency: 8\n", 0);
	for (i = 0; i < n; i++) {
		t0 = recv_now_us();
		emit_seq(ss, i % NIDS, (i / NIDS) % 2 ? ALERT_RESOLVED :
		    ALERT_FIRING, (uint64_t)i + 1);
		assert_int_equal(recv_wait_ok(&rv, i + 1, 5000), 0);
		lat[i] = rv.reqs[i].at_us - t0;
	}
	qsort(lat, (size_t)n, sizeof(lat[0]), cmp_i64);
	printf("latency emit->receiver over %d alerts: p50 %.3f ms, p99 %.3f "
	    "ms, max %.3f ms\n", n, lat[n / 2] / 1000.0,
	    lat[n * 99 / 100] / 1000.0, lat[n - 1] / 1000.0);
	assert_true(lat[n * 99 / 100] < 500 * 1000);
	/* The receiver counts a request before curl has read the answer:
	 * drain, or the last one would (rightly) be sent again. */
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 5000), 0);
	sink_set_free(ss);
	ydoc_free(&doc);

	ss = webhook_set(&doc, dir, "    concurrency: 8\n", 0);
	t0 = recv_now_ms();
	for (i = 0; i < burst; i++)
		emit_seq(ss, i % 1000, ALERT_FIRING, (uint64_t)i + 1);
	t1 = recv_now_ms();
	assert_int_equal(sink_set_drain(ss, fx_wall_ms() + 60000), 0);
	printf("throughput: %d alerts emitted in %lld ms (%.0f/s on the "
	    "pipeline thread), all delivered in %lld ms: %.0f notifications/s"
	    "\n", burst, (long long)(t1 - t0),
	    burst * 1000.0 / (double)(t1 - t0 > 0 ? t1 - t0 : 1),
	    (long long)(recv_now_ms() - t0),
	    burst * 1000.0 / (double)(recv_now_ms() - t0));
	assert_int_equal(rv.nok, n + burst);
	sink_set_free(ss);
	ydoc_free(&doc);
	recv_stop(&rv);
	fx_rm_rf(dir);
	free(dir);
}

static void
test_delivery_strcut(void **state)
{
	char	*s;

	(void)state;
	s = sink_strcut("hello", 10);
	assert_string_equal(s, "hello");
	free(s);
	s = sink_strcut("hello world", 8);
	assert_string_equal(s, "hello\xe2\x80\xa6");
	free(s);
	/* Never inside a UTF-8 sequence: "ééé" is 6 bytes; 5 hold "é…". */
	s = sink_strcut("\xc3\xa9\xc3\xa9\xc3\xa9", 5);
	assert_string_equal(s, "\xc3\xa9\xe2\x80\xa6");
	free(s);
	s = sink_strcut("a\xc3\xa9\xc3\xa9\xc3\xa9", 5);
	assert_string_equal(s, "a\xe2\x80\xa6");
	free(s);
	s = sink_strcut("\xc3\xa9\xc3\xa9\xc3\xa9", 6);
	assert_string_equal(s, "\xc3\xa9\xc3\xa9\xc3\xa9");
	free(s);
	s = sink_strcut(NULL, 4);
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delivery_outbox_survives_kill9),
		cmocka_unit_test(test_delivery_posts_in_order_and_drains),
		cmocka_unit_test(test_delivery_fault_down_then_429_then_up),
		cmocka_unit_test(test_delivery_no_retry_on_4xx),
		cmocka_unit_test(test_delivery_retries_5xx_and_timeouts),
		cmocka_unit_test(test_delivery_retry_after_http_date),
		cmocka_unit_test(test_delivery_drain_deadline_keeps_rest),
		cmocka_unit_test(test_delivery_dry_run_posts_nothing),
		cmocka_unit_test(test_delivery_strcut),
		cmocka_unit_test(test_delivery_latency_and_throughput),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
