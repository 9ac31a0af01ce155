/*
 * test_source_http.c - mirrors src/source/source_http.c: the sources.http
 * configuration, and the drain endpoint itself over real HTTP(S) on
 * 127.0.0.1 (an ephemeral port) driven with libcurl: auth, statuses,
 * duplicates, limits, metrics, TLS with a certificate made by openssl.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/ydoc.h"
#include "source/ingest.h"
#include "source/source_http.h"

/* TEST_LDFLAGS: -lcurl */

#define T1	"70 <174>1 2012-07-22T00:06:26+00:00 host erlang console - " \
		"Hi from erlang\n"
#define T2	"83 <40>1 2012-11-30T06:45:29+00:00 host app web.3 - State " \
		"changed from starting to up\n"
#define L10	"142 <172>1 2014-11-11T08:24:25+00:00 host heroku logplex - " \
		"Error L10 (output buffer overflow): 1 messages dropped " \
		"since 2014-11-07T23:29:45+00:00."
#define L10NEW	"166 <172>1 2022-04-13T19:42:45.121237+00:00 host heroku " \
		"logplex - Error L10 (output buffer overflow): drain " \
		"'d.68bc07b8-b306-4fa6-985f-48f8a45912c3' dropped 12 messages\n"

/* One running endpoint with its queue. */
struct fx {
	struct ydoc		 doc;
	struct http_conf	 hc;
	struct ingest		*q;
	struct metrics		*m;
	struct source_http	*sh;
	char			 base[128];	/* http://127.0.0.1:PORT */
	char			 lines[64 * 1024];
	size_t			 len;
	char			 app[64];
	int			 nbatches;
};

static void
on_batch(void *arg, struct dw_str app, const char *lines, size_t len)
{
	struct fx	*f = arg;

	assert_true(f->len + len < sizeof(f->lines));
	memcpy(f->lines + f->len, lines, len);
	f->len += len;
	f->lines[f->len] = '\0';
	snprintf(f->app, sizeof(f->app), "%.*s", (int)app.len, app.p);
	f->nbatches++;
}

static void
fx_drain(struct fx *f)
{
	f->len = 0;
	f->lines[0] = '\0';
	f->app[0] = '\0';
	f->nbatches = 0;
	ingest_drain_all(f->q, on_batch, f);
}

static int
fx_start(struct fx *f, const char *yaml)
{
	struct diag	dg;

	memset(f, 0, sizeof(*f));
	diag_init(&dg, stderr);
	assert_int_equal(ydoc_load_string(&f->doc, "test.yaml", yaml,
	    strlen(yaml), YDOC_ENV, &dg), 0);
	assert_int_equal(http_conf_load(&f->hc, f->doc.root, "test.yaml",
	    &dg), 0);
	f->q = ingest_new(f->hc.queue_bytes);
	f->m = metrics_new();
	assert_non_null(f->q);
	f->sh = source_http_start(&f->hc, f->q, f->m, NULL);
	if (f->sh == NULL)
		return -1;
	snprintf(f->base, sizeof(f->base), "%s://127.0.0.1:%u",
	    f->hc.tls_cert != NULL ? "https" : "http",
	    source_http_port(f->sh));
	return 0;
}

static void
fx_stop(struct fx *f)
{
	source_http_stop(f->sh);
	ingest_free(f->q);
	metrics_free(f->m);
	http_conf_free(&f->hc);
	ydoc_free(&f->doc);
}

/* A response as seen by curl. */
struct resp {
	long	 status;
	char	 headers[4096];
	size_t	 hlen;
	char	 body[256 * 1024];
	size_t	 blen;
};

static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct resp	*r = arg;
	size_t		 len = sz * n;

	if (r->hlen + len < sizeof(r->headers)) {
		memcpy(r->headers + r->hlen, p, len);
		r->hlen += len;
		r->headers[r->hlen] = '\0';
	}
	return len;
}

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct resp	*r = arg;
	size_t		 len = sz * n;

	if (r->blen + len < sizeof(r->body)) {
		memcpy(r->body + r->blen, p, len);
		r->blen += len;
		r->body[r->blen] = '\0';
	}
	return len;
}

/*
 * Send one request. method NULL = POST body; userpw "user:pass" or
 * NULL; hdrs a NULL-terminated list of extra headers. Returns status.
 */
static long
http(struct fx *f, const char *method, const char *path, const char *userpw,
    const char *body, size_t blen, const char *const *hdrs,
    const char *cafile, struct resp *r)
{
	CURL			*c;
	struct curl_slist	*hl = NULL;
	char			 url[256];
	CURLcode		 rc;

	memset(r, 0, sizeof(*r));
	c = curl_easy_init();
	assert_non_null(c);
	snprintf(url, sizeof(url), "%s%s", f->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (userpw != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, userpw);
	}
	if (cafile != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
	if (method == NULL) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)blen);
		hl = curl_slist_append(hl, "Content-Type: "
		    "application/logplex-1");
		hl = curl_slist_append(hl, "Expect:");
	} else
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	for (; hdrs != NULL && *hdrs != NULL; hdrs++)
		hl = curl_slist_append(hl, *hdrs);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		r->status = -1;
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return r->status;
}

static long
post(struct fx *f, const char *path, const char *userpw, const char *body,
    const char *const *hdrs, struct resp *r)
{
	return http(f, NULL, path, userpw, body, strlen(body), hdrs, NULL, r);
}

/* Value of a metric line "name value" in the /metrics text. */
static long long
metric(struct fx *f, const char *series)
{
	struct resp	*r = malloc(sizeof(*r));
	const char	*p;
	size_t		 n = strlen(series);
	long long	 v = -1;

	assert_int_equal(http(f, "GET", "/metrics", "alice:s3cret", NULL, 0,
	    NULL, NULL, r), 200);
	for (p = r->body; (p = strstr(p, series)) != NULL; p += n) {
		if ((p == r->body || p[-1] == '\n') && p[n] == ' ') {
			v = strtoll(p + n + 1, NULL, 10);
			break;
		}
	}
	free(r);
	return v;
}

#define BASIC_YAML \
	"listen: 127.0.0.1:0\n" \
	"username: alice\n" \
	"password: s3cret\n" \
	"max_body: 4KiB\n" \
	"queue_bytes: 64KiB\n" \
	"threads: 2\n" \
	"paths:\n" \
	"  - /logs\n" \
	"  - {path: /shop, app: shop}\n"

static const char *const frame_hdrs[] = {
	"Logplex-Msg-Count: 2",
	"Logplex-Frame-Id: 09C557EAFCFB6CF2740EE62F62971098",
	"Logplex-Drain-Token: d.fc6b856b-3332-4546-93de-7d0ee272c3bd",
	"User-Agent: Logplex/v49",
	NULL
};

static void
test_source_http_conf(void **state)
{
	struct ydoc		 doc;
	struct http_conf	 hc;
	struct diag		 dg;
	char			*out = NULL;
	size_t			 outlen = 0;
	FILE			*mem;
	const char		*y;

	(void)state;
	http_conf_init(&hc);
	assert_string_equal(hc.listen, HTTP_DEFAULT_LISTEN);
	assert_string_equal(hc.host, "127.0.0.1");
	assert_int_equal(hc.port, 8080);
	assert_int_equal(hc.npaths, 1);
	assert_string_equal(hc.paths[0].path, "/logs");
	assert_int_equal(hc.max_body, 1024 * 1024);
	diag_init(&dg, stderr);
	assert_int_equal(http_conf_check(&hc, "x", &dg), 0);
	/* $PORT: a Heroku web dyno, behind the router. */
	assert_int_equal(http_conf_override(&hc, NULL, "5000", &dg), 0);
	assert_string_equal(hc.host, "0.0.0.0");
	assert_int_equal(hc.port, 5000);
	assert_true(hc.behind_router);
	/* ... which without credentials is refused. */
	assert_int_equal(http_conf_check(&hc, "x", &dg), -1);
	hc.allow_unauthenticated = 1;
	assert_int_equal(http_conf_check(&hc, "x", &dg), 0);
	/* --listen wins over $PORT. */
	assert_int_equal(http_conf_override(&hc, "[::1]:9000", "5000", &dg),
	    0);
	assert_string_equal(hc.host, "::1");
	assert_int_equal(hc.port, 9000);
	assert_false(hc.behind_router);
	assert_int_equal(http_conf_set_listen(&hc, "nocolon"), -1);
	assert_int_equal(http_conf_set_listen(&hc, "h:99999"), -1);
	assert_int_equal(http_conf_set_listen(&hc, "::1:80"), -1);
	assert_int_equal(http_conf_set_listen(&hc, ":8443"), 0);
	assert_string_equal(hc.host, "0.0.0.0");
	http_conf_free(&hc);

	/* A full mapping, tokens in both spellings. */
	y = "listen: localhost:7000\n"
	    "paths: [/a, {path: /b, app: bee}]\n"
	    "drain_tokens: {d.one: app1, d.two: ''}\n"
	    "max_body: 2MiB\nrequest_timeout: 5s\n";
	diag_init(&dg, stderr);
	assert_int_equal(ydoc_load_string(&doc, "a.yaml", y, strlen(y), 0,
	    &dg), 0);
	assert_int_equal(http_conf_load(&hc, doc.root, "a.yaml", &dg), 0);
	ydoc_free(&doc);
	assert_int_equal(hc.npaths, 2);
	assert_string_equal(hc.paths[1].app, "bee");
	assert_int_equal(hc.ntokens, 2);
	assert_string_equal(hc.tokens[0].token, "d.one");
	assert_string_equal(hc.tokens[0].app, "app1");
	assert_int_equal(hc.max_body, 2 * 1024 * 1024);
	assert_int_equal(hc.request_timeout, 5000);
	assert_int_equal(http_conf_check(&hc, "a.yaml", &dg), 0);
	http_conf_free(&hc);

	/* Every mistake, located. */
	y = "listen: 127.0.0.1\n"
	    "paths: [logs, {path: /x, ap: y}]\n"
	    "drain_tokens: [d.a, {app: z}]\n"
	    "max_bodyy: 1\n"
	    "username: bob\n";
	mem = open_memstream(&out, &outlen);
	diag_init(&dg, mem);
	assert_int_equal(ydoc_load_string(&doc, "b.yaml", y, strlen(y), 0,
	    &dg), 0);
	assert_int_equal(http_conf_load(&hc, doc.root, "b.yaml", &dg), -1);
	assert_int_equal(http_conf_check(&hc, "b.yaml", &dg), -1);
	fclose(mem);
	assert_non_null(strstr(out, "b.yaml:1:9: bad listen address"));
	assert_non_null(strstr(out, "b.yaml:2:9: path \"logs\" must start "
	    "with /"));
	assert_non_null(strstr(out, "unknown key \"ap\""));
	assert_non_null(strstr(out, "token missing"));
	assert_non_null(strstr(out, "b.yaml:4:1: unknown key \"max_bodyy\""));
	assert_non_null(strstr(out, "password empty"));
	ydoc_free(&doc);
	http_conf_free(&hc);
	free(out);
}

static void
test_source_http_auth(void **state)
{
	struct fx	*f = malloc(sizeof(*f));
	struct resp	*r = malloc(sizeof(*r));

	(void)state;
	assert_int_equal(fx_start(f, BASIC_YAML), 0);
	assert_int_equal(post(f, "/logs", NULL, T1 T2, frame_hdrs, r), 401);
	assert_non_null(strcasestr(r->headers, "WWW-Authenticate: Basic "
	    "realm=\"drainwatch\""));
	assert_int_equal(post(f, "/logs", "alice:wrong", T1 T2, frame_hdrs,
	    r), 401);
	assert_int_equal(post(f, "/logs", "alice:s3cret!", T1 T2, frame_hdrs,
	    r), 401);
	assert_int_equal(post(f, "/logs", "alice:s3cre", T1 T2, frame_hdrs,
	    r), 401);
	assert_int_equal(post(f, "/logs", "bob:s3cret", T1 T2, frame_hdrs, r),
	    401);
	fx_drain(f);
	assert_int_equal(f->nbatches, 0);	/* nothing processed */
	/* The frame refused for auth is not marked seen. */
	assert_int_equal(post(f, "/logs", "alice:s3cret", T1 T2, frame_hdrs,
	    r), 200);
	assert_int_equal(r->blen, 0);
	assert_null(strcasestr(r->headers, "chunked"));
	fx_drain(f);
	assert_int_equal(f->nbatches, 1);
	assert_string_equal(f->lines,
	    "<174>1 2012-07-22T00:06:26+00:00 host erlang console - Hi from "
	    "erlang\n<40>1 2012-11-30T06:45:29+00:00 host app web.3 - State "
	    "changed from starting to up\n");
	assert_string_equal(f->app, "");
	assert_int_equal(metric(f, "drainwatch_http_auth_failures_total"
	    "{reason=\"missing\"}"), 1);
	assert_int_equal(metric(f, "drainwatch_http_auth_failures_total"
	    "{reason=\"bad_credentials\"}"), 4);
	assert_int_equal(metric(f, "drainwatch_http_requests_total"
	    "{code=\"401\"}"), 5);
	/* /metrics itself needs the credentials; /healthz does not. */
	assert_int_equal(http(f, "GET", "/metrics", NULL, NULL, 0, NULL, NULL,
	    r), 401);
	assert_int_equal(http(f, "GET", "/healthz", NULL, NULL, 0, NULL, NULL,
	    r), 200);
	assert_string_equal(r->body, "ok\n");
	fx_stop(f);
	free(f);
	free(r);
}

static void
test_source_http_paths_and_statuses(void **state)
{
	struct fx	*f = malloc(sizeof(*f));
	struct resp	*r = malloc(sizeof(*r));
	char		 big[5000];
	const char	*count_hdrs[] = { "Logplex-Msg-Count: 3",
	    "Logplex-Frame-Id: B1", NULL };

	(void)state;
	assert_int_equal(fx_start(f, BASIC_YAML), 0);
	/* The path names the app. */
	assert_int_equal(post(f, "/shop", "alice:s3cret", T1, NULL, r), 200);
	fx_drain(f);
	assert_string_equal(f->app, "shop");
	assert_int_equal(post(f, "/nope", "alice:s3cret", T1, NULL, r), 404);
	assert_int_equal(http(f, "GET", "/logs", "alice:s3cret", NULL, 0,
	    NULL, NULL, r), 405);
	assert_non_null(strcasestr(r->headers, "Allow: POST"));
	/* Over max_body (4 KiB): 413, and the server keeps serving. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(post(f, "/logs", "alice:s3cret", big, NULL, r), 413);
	/* Not logplex at all: 400 (it can never succeed). */
	assert_int_equal(post(f, "/logs", "alice:s3cret", "hello=world", NULL,
	    r), 400);
	assert_int_equal(post(f, "/logs", "alice:s3cret",
	    "<134>1 2023-06-05T19:27:18+00:00 host app x - no count\n", NULL,
	    r), 400);
	fx_drain(f);
	assert_int_equal(f->nbatches, 0);
	/* One bad frame and a wrong Msg-Count never cost the good ones. */
	assert_int_equal(post(f, "/logs", "alice:s3cret",
	    T1 "x13 garbage\n" T2, frame_hdrs, r), 200);
	fx_drain(f);
	assert_non_null(strstr(f->lines, "Hi from erlang\n<40>1"));
	/* One here, one in each 400 body above. */
	assert_int_equal(metric(f, "drainwatch_http_frame_errors_total"
	    "{cause=\"bad_length\"}"), 3);
	assert_int_equal(metric(f, "drainwatch_http_msg_count_mismatch_total"),
	    0);
	assert_int_equal(post(f, "/logs", "alice:s3cret", T1, count_hdrs, r),
	    200);
	fx_drain(f);
	assert_int_equal(f->nbatches, 1);
	assert_int_equal(metric(f, "drainwatch_http_msg_count_mismatch_total"),
	    1);
	assert_int_equal(metric(f, "drainwatch_http_requests_total"
	    "{code=\"413\"}"), 1);
	assert_int_equal(metric(f, "drainwatch_http_requests_total"
	    "{code=\"400\"}"), 2);
	assert_int_equal(metric(f, "drainwatch_http_requests_total"
	    "{code=\"404\"}"), 1);
	/* Empty body: nothing to do, nothing to refuse. */
	assert_int_equal(post(f, "/logs", "alice:s3cret", "", NULL, r), 200);
	/* Still alive. */
	assert_int_equal(post(f, "/logs", "alice:s3cret", T2, NULL, r), 200);
	fx_drain(f);
	assert_int_equal(f->nbatches, 1);
	fx_stop(f);
	free(f);
	free(r);
}

static void
test_source_http_dedup(void **state)
{
	struct fx	*f = malloc(sizeof(*f));
	struct resp	*r = malloc(sizeof(*r));
	const char	*h1[] = { "Logplex-Frame-Id: AAAA",
	    "Logplex-Drain-Token: d.x", "Logplex-Msg-Count: 1", NULL };
	const char	*h2[] = { "Logplex-Frame-Id: AAAA",
	    "Logplex-Drain-Token: d.y", "Logplex-Msg-Count: 1", NULL };

	(void)state;
	assert_int_equal(fx_start(f, BASIC_YAML), 0);
	assert_int_equal(post(f, "/logs", "alice:s3cret", T1, h1, r), 200);
	/* The retry (even with an L10 prepended) is acknowledged, dropped. */
	assert_int_equal(post(f, "/logs", "alice:s3cret", L10 T1, h1, r),
	    200);
	fx_drain(f);
	assert_int_equal(f->nbatches, 1);
	assert_null(strstr(f->lines, "L10"));
	/* Same Frame-Id from another drain is another frame. */
	assert_int_equal(post(f, "/logs", "alice:s3cret", T1, h2, r), 200);
	/* Private Spaces: no headers, never deduplicated. */
	assert_int_equal(post(f, "/logs", "alice:s3cret", T2, NULL, r), 200);
	assert_int_equal(post(f, "/logs", "alice:s3cret", T2, NULL, r), 200);
	fx_drain(f);
	assert_int_equal(f->nbatches, 3);
	assert_int_equal(metric(f, "drainwatch_http_duplicate_frames_total"),
	    1);
	assert_int_equal(metric(f, "drainwatch_http_untracked_requests_total"),
	    2);
	assert_int_equal(metric(f, "drainwatch_http_lines_total"), 4);
	fx_stop(f);
	free(f);
	free(r);
}

/* A full queue answers 503 + Retry-After; the same frame is taken on
 * retry once there is room (it was not marked seen). */
static void
test_source_http_queue_full(void **state)
{
	struct fx	*f = malloc(sizeof(*f));
	struct resp	*r = malloc(sizeof(*r));
	char		 body[4000], id[64];
	const char	*h[] = { id, NULL };
	size_t		 o = 0;
	int		 i, ok = 0;

	(void)state;
	assert_int_equal(fx_start(f, BASIC_YAML), 0);
	while (o + sizeof(T1) < sizeof(body)) {
		memcpy(body + o, T1, sizeof(T1) - 1);
		o += sizeof(T1) - 1;
	}
	body[o] = '\0';
	/* Each batch takes a 4 KiB buffer of the 64 KiB queue. */
	for (i = 0; i < 20; i++) {
		snprintf(id, sizeof(id), "Logplex-Frame-Id: F%d", i);
		if (post(f, "/logs", "alice:s3cret", body, h, r) != 200)
			break;
		ok++;
	}
	assert_true(ok >= 8 && ok < 20);
	assert_int_equal(r->status, 503);
	assert_non_null(strcasestr(r->headers, "Retry-After: 1"));
	assert_int_equal(metric(f, "drainwatch_http_rejected_total"
	    "{reason=\"queue_full\"}"), 1);
	fx_drain(f);
	assert_int_equal(f->nbatches, ok);
	/* Retry of the refused frame: taken now. */
	assert_int_equal(post(f, "/logs", "alice:s3cret", body, h, r), 200);
	assert_int_equal(post(f, "/logs", "alice:s3cret", body, h, r), 200);
	fx_drain(f);
	assert_int_equal(f->nbatches, 1);
	fx_stop(f);
	free(f);
	free(r);
}

static void
test_source_http_l10_and_metrics(void **state)
{
	struct fx	*f = malloc(sizeof(*f));
	struct resp	*r = malloc(sizeof(*r));
	const char	*fams[] = {
		"# TYPE drainwatch_http_requests_total counter",
		"# TYPE drainwatch_http_frames_total counter",
		"# TYPE drainwatch_http_lines_total counter",
		"# TYPE drainwatch_http_body_bytes_total counter",
		"# TYPE drainwatch_http_frame_errors_total counter",
		"# TYPE drainwatch_http_duplicate_frames_total counter",
		"# TYPE drainwatch_http_auth_failures_total counter",
		"# TYPE drainwatch_http_upstream_dropped_lines_total counter",
		"# TYPE drainwatch_ingest_queue_bytes gauge",
		"# TYPE drainwatch_ingest_queue_batches gauge",
		"# TYPE process_resident_memory_bytes gauge",
		"# TYPE process_cpu_seconds_total counter",
		"# TYPE process_open_fds gauge",
		"# TYPE process_start_time_seconds gauge",
		"# TYPE drainwatch_pipeline_lines_total counter",
	};
	const char	*sect =
	    "# HELP drainwatch_pipeline_lines_total Lines.\n"
	    "# TYPE drainwatch_pipeline_lines_total counter\n"
	    "drainwatch_pipeline_lines_total 42\n";
	size_t		 i;

	(void)state;
	assert_int_equal(fx_start(f, BASIC_YAML), 0);
	assert_int_equal(metrics_publish(f->m, "pipeline", sect, strlen(sect)),
	    0);
	assert_int_equal(post(f, "/logs", "alice:s3cret", L10 T2 L10NEW, NULL,
	    r), 200);
	fx_drain(f);
	/* L10 lines still reach the pipeline, for rules. */
	assert_non_null(strstr(f->lines, "Error L10 (output buffer overflow)"
	    ": 1 messages dropped since 2014-11-07T23:29:45+00:00.\n<40>1"));
	assert_int_equal(metric(f, "drainwatch_http_l10_messages_total"), 2);
	assert_int_equal(metric(f,
	    "drainwatch_http_upstream_dropped_lines_total"), 13);
	assert_int_equal(metric(f, "drainwatch_http_frames_total"), 3);
	assert_int_equal(metric(f, "drainwatch_http_body_bytes_total"),
	    (long long)strlen(L10 T2 L10NEW));
	assert_int_equal(metric(f, "drainwatch_pipeline_lines_total"), 42);
	assert_true(metric(f, "process_resident_memory_bytes") > 1000000);
	assert_true(metric(f, "process_open_fds") > 3);
	assert_int_equal(http(f, "GET", "/metrics", "alice:s3cret", NULL, 0,
	    NULL, NULL, r), 200);
	assert_non_null(strcasestr(r->headers, "Content-Type: text/plain; "
	    "version=0.0.4"));
	for (i = 0; i < DW_NELEM(fams); i++)
		if (strstr(r->body, fams[i]) == NULL)
			fail_msg("missing %s", fams[i]);
	/* Every non-comment line is "name[{labels}] value". */
	{
		char	*line, *save = NULL;

		for (line = strtok_r(r->body, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			char	*sp;

			if (line[0] == '#')
				continue;
			sp = strrchr(line, ' ');
			assert_non_null(sp);
			assert_true(sp[1] >= '0' && sp[1] <= '9');
		}
	}
	fx_stop(f);
	free(f);
	free(r);
}

static void
test_source_http_tokens(void **state)
{
	struct fx	*f = malloc(sizeof(*f));
	struct resp	*r = malloc(sizeof(*r));
	const char	*ok[] = { "Logplex-Drain-Token: d.allowed", NULL };
	const char	*mapped[] = { "Logplex-Drain-Token: d.mapped", NULL };
	const char	*bad[] = { "Logplex-Drain-Token: d.allowe", NULL };

	(void)state;
	assert_int_equal(fx_start(f, BASIC_YAML
	    "drain_tokens:\n"
	    "  - d.allowed\n"
	    "  - {token: d.mapped, app: mapped-app}\n"), 0);
	assert_int_equal(post(f, "/shop", "alice:s3cret", T1, ok, r), 200);
	fx_drain(f);
	assert_string_equal(f->app, "shop");
	assert_int_equal(post(f, "/shop", "alice:s3cret", T1, mapped, r), 200);
	fx_drain(f);
	assert_string_equal(f->app, "mapped-app");
	assert_int_equal(post(f, "/logs", "alice:s3cret", T1, bad, r), 403);
	assert_int_equal(post(f, "/logs", "alice:s3cret", T1, NULL, r), 403);
	fx_drain(f);
	assert_int_equal(f->nbatches, 0);
	assert_int_equal(metric(f, "drainwatch_http_auth_failures_total"
	    "{reason=\"token\"}"), 2);
	fx_stop(f);
	free(f);
	free(r);
}

/* The drains:add hint names the user, never the password. */
static void
test_source_http_drain_command(void **state)
{
	struct fx	*f = malloc(sizeof(*f));
	char		*out = NULL, want[256];
	size_t		 outlen = 0;
	FILE		*mem;

	(void)state;
	assert_int_equal(fx_start(f, BASIC_YAML), 0);
	mem = open_memstream(&out, &outlen);
	log_init(mem, LOG_LVL_INFO, LOG_FMT_LOGFMT);
	source_http_log_drain_command(f->sh);
	fflush(mem);
	log_init(stderr, LOG_LVL_INFO, LOG_FMT_LOGFMT);
	fclose(mem);
	snprintf(want, sizeof(want), "heroku drains:add http://alice:PASSWORD@"
	    "127.0.0.1:%u/logs -a APP", source_http_port(f->sh));
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "heroku drains:add http://alice:PASSWORD@"
	    "127.0.0.1:%u/shop -a shop", source_http_port(f->sh));
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "s3cret"));
	free(out);
	fx_stop(f);
	free(f);
}

/* Raw TCP connection to the endpoint. */
static int
raw_connect(struct fx *f)
{
	struct sockaddr_in	sa;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(source_http_port(f->sh));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Too many connections: 503 (logplex retries); a silent client is cut
 * off after request_timeout. */
static void
test_source_http_limits(void **state)
{
	struct fx	*f = malloc(sizeof(*f));
	struct resp	*r = malloc(sizeof(*r));
	struct timeval	 tv = { 4, 0 };
	int		 fds[3], i;
	char		 buf[256];
	const char	*part = "POST /logs HTTP/1.1\r\nHost: x\r\n"
	    "Authorization: Basic YWxpY2U6czNjcmV0\r\n"
	    "Content-Length: 70\r\n\r\n70 <174>1";
	ssize_t		 n;

	(void)state;
	assert_int_equal(fx_start(f, BASIC_YAML "max_connections: 2\n"
	    "request_timeout: 1s\n"), 0);
	for (i = 0; i < 3; i++)
		fds[i] = raw_connect(f);
	usleep(200 * 1000);
	assert_int_equal(post(f, "/logs", "alice:s3cret", T1, NULL, r), 503);
	assert_non_null(strcasestr(r->headers, "Retry-After: 1"));
	for (i = 1; i < 3; i++)
		close(fds[i]);
	usleep(200 * 1000);
	assert_int_equal(metric(f, "drainwatch_http_rejected_total"
	    "{reason=\"overload\"}"), 1);
	/* A half-sent request, then silence: closed without a reply. */
	assert_true(write(fds[0], part, strlen(part)) > 0);
	setsockopt(fds[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = read(fds[0], buf, sizeof(buf));
	assert_true(n <= 0);
	close(fds[0]);
	usleep(200 * 1000);
	assert_int_equal(post(f, "/logs", "alice:s3cret", T1, NULL, r), 200);
	fx_drain(f);
	/* The half-sent request did not leak into the queue. */
	assert_int_equal(f->nbatches, 1);
	fx_stop(f);
	free(f);
	free(r);
}

/* Bodies being received are bounded too: each reserves its size (and
 * its frame buffer) from queue_bytes, so slow uploads cannot take all
 * memory; the one that does not fit gets 503. */
static void
test_source_http_inflight_budget(void **state)
{
	struct fx	*f = malloc(sizeof(*f));
	struct resp	*r = malloc(sizeof(*r));
	int		 fds[10], i;
	const char	*hdr = "POST /logs HTTP/1.1\r\nHost: x\r\n"
	    "Authorization: Basic YWxpY2U6czNjcmV0\r\n"
	    "Content-Length: 4000\r\n\r\n70 <174>1";

	(void)state;
	assert_int_equal(fx_start(f, BASIC_YAML), 0);
	/* 8 x (4000 + 4000) fit in 64 KiB; the ninth and tenth do not. */
	for (i = 0; i < 10; i++) {
		fds[i] = raw_connect(f);
		assert_true(write(fds[i], hdr, strlen(hdr)) > 0);
	}
	usleep(300 * 1000);
	/* 1536 bytes are left: a 73-byte body (146 reserved) fits, one
	 * of 1460 bytes (2920) does not. */
	assert_int_equal(post(f, "/logs", "alice:s3cret", T1, NULL, r), 200);
	assert_int_equal(post(f, "/logs", "alice:s3cret", T1 T1 T1 T1 T1
	    T1 T1 T1 T1 T1 T1 T1 T1 T1 T1 T1 T1 T1 T1 T1, NULL, r), 503);
	assert_non_null(strcasestr(r->headers, "Retry-After: 1"));
	assert_int_equal(metric(f, "drainwatch_http_rejected_total"
	    "{reason=\"memory\"}"), 3);
	assert_true(metric(f, "drainwatch_http_inflight_bytes") >= 8 * 8000);
	for (i = 0; i < 10; i++)
		close(fds[i]);
	usleep(300 * 1000);
	assert_int_equal(metric(f, "drainwatch_http_inflight_bytes"), 0);
	assert_int_equal(post(f, "/logs", "alice:s3cret", T1 T1 T1 T1 T1
	    T1 T1 T1 T1 T1 T1 T1 T1 T1 T1 T1 T1 T1 T1 T1, NULL, r), 200);
	fx_stop(f);
	free(f);
	free(r);
}

static void
test_source_http_tls(void **state)
{
	char		 dir[] = "/tmp/dw-tls-XXXXXX", cmd[1024], yaml[1024];
	char		 ca[512];
	struct fx	*f;
	struct resp	*r;

	(void)state;
	if (system("command -v openssl >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 -nodes "
	    "-keyout %s/key.pem -out %s/cert.pem -days 1 -subj "
	    "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
	    ">/dev/null 2>&1", dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(yaml, sizeof(yaml), BASIC_YAML "tls_cert: %s/cert.pem\n"
	    "tls_key: %s/key.pem\n", dir, dir);
	snprintf(ca, sizeof(ca), "%s/cert.pem", dir);
	f = malloc(sizeof(*f));
	r = malloc(sizeof(*r));
	assert_int_equal(fx_start(f, yaml), 0);
	assert_int_equal(http(f, NULL, "/logs", "alice:s3cret", T1 T2,
	    strlen(T1 T2), frame_hdrs, ca, r), 200);
	fx_drain(f);
	assert_int_equal(f->nbatches, 1);
	assert_non_null(strstr(f->lines, "Hi from erlang\n"));
	assert_int_equal(http(f, NULL, "/logs", NULL, T1, strlen(T1), NULL,
	    ca, r), 401);
	fx_stop(f);
	/* A missing key file: refuses to start. */
	snprintf(yaml, sizeof(yaml), BASIC_YAML "tls_cert: %s/cert.pem\n"
	    "tls_key: %s/nope.pem\n", dir, dir);
	assert_int_equal(fx_start(f, yaml), -1);
	ingest_free(f->q);
	metrics_free(f->m);
	http_conf_free(&f->hc);
	ydoc_free(&f->doc);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_http_conf),
		cmocka_unit_test(test_source_http_auth),
		cmocka_unit_test(test_source_http_paths_and_statuses),
		cmocka_unit_test(test_source_http_dedup),
		cmocka_unit_test(test_source_http_queue_full),
		cmocka_unit_test(test_source_http_l10_and_metrics),
		cmocka_unit_test(test_source_http_tokens),
		cmocka_unit_test(test_source_http_drain_command),
		cmocka_unit_test(test_source_http_limits),
		cmocka_unit_test(test_source_http_inflight_budget),
		cmocka_unit_test(test_source_http_tls),
	};
	int	rc;

	log_init(stderr, LOG_LVL_INFO, LOG_FMT_LOGFMT);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
