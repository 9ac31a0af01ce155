/*
 * source_http.c - the logplex drain endpoint, see source_http.h.
 *
 * Request life cycle (libmicrohttpd calls handler() once when the
 * headers are in, once per upload chunk, once at the end):
 *
 *   headers  overload? 503+close. GET /healthz, /metrics. Path known?
 *            POST? auth (401) and token allow-list (403) before a byte
 *            of the body is looked at; Content-Length > max_body: 413;
 *            Frame-Id seen: read and drop the body, then 200 with
 *            Content-Length: 0; Frame-Id in flight: 503; reserve the
 *            body's memory or 503.
 *   chunks   fed to the framer; each message becomes a line of the
 *            request's batch.
 *   end      no frame at all in a non-empty body: 400 (it can never
 *            succeed). Else push the batch (all or nothing): 200 with
 *            Content-Length: 0, or 503 + Retry-After when the queue is
 *            full.
 *
 * Status policy follows logplex (formats.md §1.4): any 4xx but 429
 * drops the frame for good, so 4xx only where a retry cannot help.
 * Logplex reads Content-Length and no chunked bodies: every response
 * here comes from a buffer, which MHD sends with Content-Length.
 *
 * Counters are plain uint64_t updated with relaxed atomics from the
 * worker threads; /metrics reads them the same way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/log.h"
#include "parse/parse_logplex.h"
#include "source/dedup.h"
#include "source/source_http.h"

/* Connections MHD itself accepts above max_connections, so that the
 * extra ones can still be answered 503 (logplex then retries) instead
 * of being reset. */
#define HTTP_CONN_HEADROOM		32
/* Per-connection memory pool, in bytes: holds the request line and
 * headers (MHD answers 431 beyond it) plus its read buffer. Logplex
 * sends ~300 bytes of headers; routers add ~1 KiB. */
#define HTTP_CONN_MEMORY_BYTES		(64 * 1024)
/* Longest Authorization header value accepted, in bytes. */
#define HTTP_AUTH_MAX_BYTES		1024
/* Largest PEM file read, in bytes. */
#define HTTP_PEM_MAX_BYTES		(1024 * 1024)
/* Seconds logplex is told to wait before retrying (Retry-After). */
#define HTTP_RETRY_AFTER_S		"1"
/* Bytes of an oversize chunked body read and thrown away before the
 * connection is cut (Content-Length bodies are refused up front). */
#define HTTP_DISCARD_MAX_BYTES		(4ULL * 1024 * 1024)
/* One warning per this interval per cause, in ms. */
#define HTTP_WARN_INTERVAL_MS		(60 * 1000)
#define HTTP_REALM			"drainwatch"
#define HTTP_CT_LOGPLEX			"application/logplex-1"
#define HTTP_CT_METRICS			"text/plain; version=0.0.4; " \
					"charset=utf-8"
/* The message logplex inserts when it dropped lines for this drain. */
#define L10_MARK			"Error L10 (output buffer overflow)"

#define CNT_ADD(x, n)	__atomic_add_fetch(&(x), (uint64_t)(n), \
			    __ATOMIC_RELAXED)
#define CNT_GET(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

#define HC(f)	offsetof(struct http_conf, f)

const struct conf_key http_conf_keys[] = {
	{ "enabled", CONF_STRING, HC(enabled), "true",
	  "true; false; auto: only with --listen or $PORT (so a piped "
	  "`heroku logs | drainwatch` still ends at EOF)" },
	{ "listen", CONF_STRING, HC(listen), HTTP_DEFAULT_LISTEN,
	  "HOST:PORT to listen on; overridden by --listen and by $PORT" },
	{ "paths", CONF_NODE, HC(paths_node), NULL,
	  "drain paths: a list of \"/path\" or {path, app}; default [/logs]" },
	{ "tls_cert", CONF_STRING, HC(tls_cert), NULL,
	  "PEM certificate chain file; with tls_key turns on HTTPS" },
	{ "tls_key", CONF_STRING, HC(tls_key), NULL,
	  "PEM private key file for tls_cert" },
	{ "tls_priorities", CONF_STRING, HC(tls_priorities),
	  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
	  "GnuTLS priority string (default: TLS 1.2 and 1.3 only)" },
	{ "username", CONF_STRING, HC(username), NULL,
	  "HTTP Basic user logplex must send (the drain URL's user)" },
	{ "password", CONF_STRING, HC(password), NULL,
	  "HTTP Basic password (the drain URL's password)" },
	{ "drain_tokens", CONF_NODE, HC(tokens_node), NULL,
	  "allow-list of Logplex-Drain-Token: a list of tokens or "
	  "{token, app}, or a map token: app" },
	{ "allow_unauthenticated", CONF_BOOL, HC(allow_unauthenticated),
	  "false", "allow a non-loopback listen address without credentials" },
	{ "metrics_auth", CONF_BOOL, HC(metrics_auth), "true",
	  "GET /metrics needs the same credentials as the drain" },
	{ "public_url", CONF_STRING, HC(public_url), NULL,
	  "https://host[:port] Heroku reaches this endpoint at (for the "
	  "printed drains:add command)" },
	{ "max_body", CONF_SIZE, HC(max_body), "1MiB",
	  "largest request body; larger ones are answered 413" },
	{ "max_connections", CONF_UINT, HC(max_connections), "256",
	  "connections served at once; more are answered 503" },
	{ "max_connections_per_ip", CONF_UINT, HC(max_connections_per_ip),
	  "64", "connections from one address (0 = no limit)" },
	{ "threads", CONF_UINT, HC(threads), "4",
	  "HTTP worker threads" },
	{ "request_timeout", CONF_DURATION, HC(request_timeout), "30s",
	  "longest a request (or an idle connection) may take" },
	{ "dedup_window", CONF_DURATION, HC(dedup_window), "10m",
	  "how long a Logplex-Frame-Id is remembered" },
	{ "dedup_entries", CONF_UINT, HC(dedup_entries), "100000",
	  "most Logplex-Frame-Ids remembered" },
	{ "queue_bytes", CONF_SIZE, HC(queue_bytes), "64MiB",
	  "bytes of lines queued for the pipeline (and, separately, of "
	  "bodies being received); beyond it requests get 503" },
};
const size_t http_conf_nkeys = DW_NELEM(http_conf_keys);

void
http_conf_init(struct http_conf *hc)
{
	memset(hc, 0, sizeof(*hc));
	conf_defaults(http_conf_keys, http_conf_nkeys, hc);
	(void)http_conf_set_listen(hc, hc->listen);
	hc->paths[0].path = strdup("/logs");
	hc->paths[0].app = strdup("");
	hc->npaths = 1;
}

void
http_conf_free(struct http_conf *hc)
{
	int	i;

	free(hc->enabled);
	free(hc->listen);
	free(hc->public_url);
	free(hc->tls_cert);
	free(hc->tls_key);
	free(hc->tls_priorities);
	free(hc->username);
	if (hc->password != NULL) {
		explicit_bzero(hc->password, strlen(hc->password));
		free(hc->password);
	}
	for (i = 0; i < hc->npaths; i++) {
		free(hc->paths[i].path);
		free(hc->paths[i].app);
	}
	for (i = 0; i < hc->ntokens; i++) {
		free(hc->tokens[i].token);
		free(hc->tokens[i].app);
	}
	free(hc->tokens);
	memset(hc, 0, sizeof(*hc));
}

/* A string of at most HTTP_FIELD_MAX_BYTES from a scalar node. */
static int
conf_field(const struct ynode *n, const char *file, struct diag *dg,
    const char *what, int may_be_empty, char **out)
{
	const char	*s;

	if (ynode_string(n, file, dg, &s) == -1)
		return -1;
	if (strlen(s) >= HTTP_FIELD_MAX_BYTES) {
		diag_error(dg, file, n->line, n->col, "%s is longer than %d "
		    "bytes", what, HTTP_FIELD_MAX_BYTES - 1);
		return -1;
	}
	if (!may_be_empty && *s == '\0') {
		diag_error(dg, file, n->line, n->col, "%s is empty", what);
		return -1;
	}
	*out = strdup(s);
	return *out == NULL ? -1 : 0;
}

/* paths: ["/logs", {path: /shop, app: shop}] */
static void
conf_paths(struct http_conf *hc, const struct ynode *seq, const char *file,
    struct diag *dg)
{
	const struct ynode	*it, *pn, *an;
	char			*path, *app;
	int			 i, j;

	if (ynode_expect(seq, YN_SEQ, file, dg, "paths") == -1)
		return;
	for (i = 0; i < hc->npaths; i++) {
		free(hc->paths[i].path);
		free(hc->paths[i].app);
	}
	hc->npaths = 0;
	if (seq->nitems == 0)
		diag_error(dg, file, seq->line, seq->col, "paths is empty "
		    "(remove it for the default [/logs])");
	for (i = 0; i < seq->nitems; i++) {
		it = seq->items[i];
		pn = it;
		an = NULL;
		if (it->type == YN_MAP) {
			for (j = 0; j < it->npairs; j++) {
				const char *k = it->pairs[j].key->str;

				if (strcmp(k, "path") != 0 &&
				    strcmp(k, "app") != 0)
					diag_error(dg, file,
					    it->pairs[j].key->line,
					    it->pairs[j].key->col,
					    "unknown key \"%s\" (expected: "
					    "path, app)", k);
			}
			pn = ynode_get(it, "path");
			an = ynode_get(it, "app");
			if (pn == NULL) {
				diag_error(dg, file, it->line, it->col,
				    "path missing (write {path: /logs, "
				    "app: NAME})");
				continue;
			}
		}
		path = app = NULL;
		if (conf_field(pn, file, dg, "path", 0, &path) == -1 ||
		    (an != NULL && conf_field(an, file, dg, "app", 1,
		    &app) == -1)) {
			free(path);
			continue;
		}
		if (path[0] != '/')
			diag_error(dg, file, pn->line, pn->col, "path \"%s\" "
			    "must start with /", path);
		for (j = 0; j < hc->npaths; j++)
			if (strcmp(hc->paths[j].path, path) == 0)
				diag_error(dg, file, pn->line, pn->col,
				    "path \"%s\" listed twice", path);
		if (strcmp(path, "/healthz") == 0 ||
		    strcmp(path, "/metrics") == 0)
			diag_error(dg, file, pn->line, pn->col, "path \"%s\" "
			    "is reserved", path);
		if (hc->npaths == HTTP_PATHS_MAX) {
			diag_error(dg, file, pn->line, pn->col, "more than %d "
			    "paths", HTTP_PATHS_MAX);
			free(path);
			free(app);
			return;
		}
		if (app == NULL)
			app = strdup("");
		hc->paths[hc->npaths].path = path;
		hc->paths[hc->npaths].app = app;
		hc->npaths++;
	}
}

static int
conf_add_token(struct http_conf *hc, const struct ynode *tn,
    const struct ynode *an, const char *file, struct diag *dg)
{
	char	*tok = NULL, *app = NULL;
	int	 i;

	if (hc->ntokens == HTTP_TOKENS_MAX) {
		diag_error(dg, file, tn->line, tn->col, "more than %d drain "
		    "tokens", HTTP_TOKENS_MAX);
		return -1;
	}
	if (conf_field(tn, file, dg, "drain token", 0, &tok) == -1)
		return -1;
	if (an != NULL && conf_field(an, file, dg, "app", 1, &app) == -1) {
		free(tok);
		return -1;
	}
	for (i = 0; i < hc->ntokens; i++)
		if (strcmp(hc->tokens[i].token, tok) == 0)
			diag_error(dg, file, tn->line, tn->col, "drain token "
			    "listed twice");
	if (app == NULL)
		app = strdup("");
	hc->tokens[hc->ntokens].token = tok;
	hc->tokens[hc->ntokens].app = app;
	hc->ntokens++;
	return 0;
}

/* drain_tokens: [d.1, {token: d.2, app: shop}] or {d.1: shop, d.2: ""} */
static void
conf_tokens(struct http_conf *hc, const struct ynode *n, const char *file,
    struct diag *dg)
{
	const struct ynode	*it;
	int			 i, j, count;

	if (n->type == YN_SCALAR) {
		diag_error(dg, file, n->line, n->col, "drain_tokens must be a "
		    "list of tokens or a map token: app");
		return;
	}
	count = n->type == YN_SEQ ? n->nitems : n->npairs;
	if (count > HTTP_TOKENS_MAX)
		count = HTTP_TOKENS_MAX + 1;	/* conf_add_token reports */
	hc->tokens = calloc((size_t)count + 1, sizeof(*hc->tokens));
	if (hc->tokens == NULL) {
		diag_error(dg, file, n->line, n->col, "out of memory");
		return;
	}
	if (n->type == YN_MAP) {
		for (i = 0; i < n->npairs && i < count; i++)
			if (conf_add_token(hc, n->pairs[i].key,
			    n->pairs[i].value, file, dg) == -1 &&
			    hc->ntokens == HTTP_TOKENS_MAX)
				return;
		return;
	}
	for (i = 0; i < n->nitems && i < count; i++) {
		it = n->items[i];
		if (it->type != YN_MAP) {
			if (conf_add_token(hc, it, NULL, file, dg) == -1 &&
			    hc->ntokens == HTTP_TOKENS_MAX)
				return;
			continue;
		}
		for (j = 0; j < it->npairs; j++) {
			const char *k = it->pairs[j].key->str;

			if (strcmp(k, "token") != 0 && strcmp(k, "app") != 0)
				diag_error(dg, file, it->pairs[j].key->line,
				    it->pairs[j].key->col, "unknown key "
				    "\"%s\" (expected: token, app)", k);
		}
		if (ynode_get(it, "token") == NULL) {
			diag_error(dg, file, it->line, it->col, "token missing "
			    "(write {token: d.UUID, app: NAME})");
			continue;
		}
		if (conf_add_token(hc, ynode_get(it, "token"),
		    ynode_get(it, "app"), file, dg) == -1 &&
		    hc->ntokens == HTTP_TOKENS_MAX)
			return;
	}
}

/* Locate the key node of name in map for error messages. */
static const struct ynode *
conf_key_node(const struct ynode *map, const char *name)
{
	int	i;

	if (map == NULL || map->type != YN_MAP)
		return NULL;
	for (i = 0; i < map->npairs; i++)
		if (strcmp(map->pairs[i].key->str, name) == 0)
			return map->pairs[i].value;
	return NULL;
}

static void conf_error_at(struct diag *, const char *,
    const struct ynode *, const char *, const char *, ...) DW_PRINTF(5, 6);

/* A located error at the value of key in map (or unlocated). */
static void
conf_error_at(struct diag *dg, const char *file, const struct ynode *map,
    const char *key, const char *fmt, ...)
{
	const struct ynode	*n = conf_key_node(map, key);
	char			 msg[512];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(dg, file, n != NULL ? n->line : 0, n != NULL ? n->col : 0,
	    "%s", msg);
}

static void
empty_to_null(char **s)
{
	if (*s != NULL && (*s)[0] == '\0') {
		free(*s);
		*s = NULL;
	}
}

int
http_conf_load(struct http_conf *hc, const struct ynode *map,
    const char *file, struct diag *dg)
{
	int	before = dg->nerrors;

	http_conf_free(hc);		/* initialised or zeroed: no leak */
	http_conf_init(hc);
	if (map == NULL)
		return 0;
	conf_apply(http_conf_keys, http_conf_nkeys, map, hc, file, dg);
	/* ${VAR:-} left empty means "not set" for optional strings. */
	empty_to_null(&hc->tls_cert);
	empty_to_null(&hc->tls_key);
	empty_to_null(&hc->username);
	empty_to_null(&hc->password);
	empty_to_null(&hc->public_url);
	if (hc->listen != NULL && hc->listen[0] == '\0') {
		free(hc->listen);
		hc->listen = strdup(HTTP_DEFAULT_LISTEN);
	}
	if (strcmp(hc->enabled, "true") != 0 &&
	    strcmp(hc->enabled, "false") != 0 &&
	    strcmp(hc->enabled, "auto") != 0)
		conf_error_at(dg, file, map, "enabled", "enabled must be true, "
		    "false or auto, not \"%s\"", hc->enabled);
	if (hc->paths_node != NULL)
		conf_paths(hc, hc->paths_node, file, dg);
	if (hc->tokens_node != NULL)
		conf_tokens(hc, hc->tokens_node, file, dg);
	hc->paths_node = NULL;		/* the document may go away */
	hc->tokens_node = NULL;
	if (hc->listen == NULL || http_conf_set_listen(hc, hc->listen) == -1)
		conf_error_at(dg, file, map, "listen", "bad listen address "
		    "\"%s\" (write HOST:PORT, e.g. 0.0.0.0:8443 or "
		    "[::]:8443)", hc->listen != NULL ? hc->listen : "");
	if (hc->max_body < 1024 || hc->max_body > HTTP_MAX_BODY_LIMIT)
		conf_error_at(dg, file, map, "max_body", "max_body must be "
		    "between 1KiB and 64MiB");
	if (hc->queue_bytes < 2 * hc->max_body)
		conf_error_at(dg, file, map, "queue_bytes", "queue_bytes must "
		    "be at least twice max_body");
	if (hc->max_connections < 1 || hc->max_connections > 100000)
		conf_error_at(dg, file, map, "max_connections",
		    "max_connections must be between 1 and 100000");
	if (hc->threads < 1 || hc->threads > HTTP_THREADS_MAX)
		conf_error_at(dg, file, map, "threads", "threads must be "
		    "between 1 and 64");
	if (hc->request_timeout < 1000)
		conf_error_at(dg, file, map, "request_timeout",
		    "request_timeout must be at least 1s");
	if (hc->dedup_window <= 0)
		conf_error_at(dg, file, map, "dedup_window",
		    "dedup_window must be positive");
	if (hc->dedup_entries < 1 || hc->dedup_entries > DEDUP_ENTRIES_MAX)
		conf_error_at(dg, file, map, "dedup_entries",
		    "dedup_entries must be between 1 and 16777216");
	return dg->nerrors > before ? -1 : 0;
}

/* Parse a port number 0..65535 from all of s. */
static int
parse_port(const char *s, uint16_t *port)
{
	unsigned long	v = 0;
	const char	*p;

	if (*s == '\0')
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || p - s >= 5)
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
http_conf_set_listen(struct http_conf *hc, const char *hostport)
{
	const char	*colon, *h;
	size_t		 hlen;
	uint16_t	 port;
	char		*dup;

	if (hostport == NULL)
		return -1;
	if (hostport[0] == '[') {
		colon = strstr(hostport, "]:");
		if (colon == NULL)
			return -1;
		h = hostport + 1;
		hlen = (size_t)(colon - h);
		colon++;
	} else {
		colon = strrchr(hostport, ':');
		if (colon == NULL)
			return -1;
		h = hostport;
		hlen = (size_t)(colon - h);
		if (memchr(h, ':', hlen) != NULL)	/* bare IPv6 */
			return -1;
	}
	if (hlen >= sizeof(hc->host) || parse_port(colon + 1, &port) == -1)
		return -1;
	if (hostport != hc->listen) {
		dup = strdup(hostport);
		if (dup == NULL)
			return -1;
		free(hc->listen);
		hc->listen = dup;
		/* hostport may have pointed into the old string: reparse */
		return http_conf_set_listen(hc, hc->listen);
	}
	if (hlen == 0) {
		memcpy(hc->host, "0.0.0.0", 8);
	} else {
		memcpy(hc->host, h, hlen);
		hc->host[hlen] = '\0';
	}
	hc->port = port;
	return 0;
}

int
http_conf_override(struct http_conf *hc, const char *cli,
    const char *port_env, struct diag *dg)
{
	char	buf[64];
	uint16_t port;

	if (cli != NULL) {
		if (http_conf_set_listen(hc, cli) == -1) {
			diag_error(dg, "--listen", 0, 0, "bad address \"%s\" "
			    "(write HOST:PORT, e.g. 127.0.0.1:8080)", cli);
			return -1;
		}
		hc->behind_router = 0;
		return 0;
	}
	if (port_env == NULL || *port_env == '\0')
		return 0;
	if (parse_port(port_env, &port) == -1) {
		diag_error(dg, "$PORT", 0, 0, "not a port number: \"%s\"",
		    port_env);
		return -1;
	}
	snprintf(buf, sizeof(buf), "0.0.0.0:%u", port);
	if (http_conf_set_listen(hc, buf) == -1)
		return -1;
	hc->behind_router = 1;
	return 0;
}

/* Is host a loopback address (or a name resolving only to one)? */
static int
host_is_loopback(const char *host)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	int		 loop = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			const struct sockaddr_in *s4 =
			    (const struct sockaddr_in *)ai->ai_addr;

			if ((ntohl(s4->sin_addr.s_addr) >> 24) != 127)
				loop = 0;
		} else if (ai->ai_family == AF_INET6) {
			const struct sockaddr_in6 *s6 =
			    (const struct sockaddr_in6 *)ai->ai_addr;

			if (!IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
				loop = 0;
		} else
			loop = 0;
	}
	freeaddrinfo(res);
	return loop;
}

static int
has_credentials(const struct http_conf *hc)
{
	return hc->username != NULL && hc->username[0] != '\0';
}

int
http_conf_check(const struct http_conf *hc, const char *file,
    struct diag *dg)
{
	int	before = dg->nerrors;
	int	have_user = has_credentials(hc);
	int	have_pass = hc->password != NULL && hc->password[0] != '\0';

	if (have_user && !have_pass)
		diag_error(dg, file, 0, 0, "sources.http: username set but "
		    "password empty (is DRAINWATCH_PASSWORD exported?)");
	if (!have_user && have_pass)
		diag_error(dg, file, 0, 0, "sources.http: password set but "
		    "username empty (is DRAINWATCH_USER exported?)");
	if (have_user && strchr(hc->username, ':') != NULL)
		diag_error(dg, file, 0, 0, "sources.http: username must not "
		    "contain ':' (HTTP Basic auth)");
	if ((hc->tls_cert == NULL) != (hc->tls_key == NULL))
		diag_error(dg, file, 0, 0, "sources.http: tls_cert and "
		    "tls_key go together");
	if (!have_user && !hc->allow_unauthenticated &&
	    !host_is_loopback(hc->host))
		diag_error(dg, file, 0, 0, "sources.http: refusing to listen "
		    "on %s without credentials: set username and password "
		    "(DRAINWATCH_USER, DRAINWATCH_PASSWORD), or "
		    "allow_unauthenticated: true", hc->listen);
	return dg->nerrors > before ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* The server                                                          */

/* Status codes counted one by one; others go to "other". */
static const unsigned int counted_status[] = {
	200, 400, 401, 403, 404, 405, 413, 422, 429, 500, 503
};
#define NSTATUS		(DW_NELEM(counted_status) + 1)

enum reject {
	REJ_QUEUE_FULL = 0,	/* ingest queue full: 503 */
	REJ_OVERLOAD,		/* too many connections: 503 */
	REJ_MEMORY,		/* in-flight body budget: 503 */
	REJ_BUSY,		/* same frame in flight: 503 */
	REJ_TOO_LARGE,		/* body > max_body: 413 */
	REJ_TIMEOUT,		/* request took too long: closed */
	REJ_NOT_LOGPLEX,	/* no frame in the body: 400 */
	REJ_COUNT
};
static const char *const reject_names[REJ_COUNT] = {
	"queue_full", "overload", "memory", "busy", "body_too_large",
	"timeout", "not_logplex"
};

enum authfail {
	AUTH_MISSING = 0,	/* no or malformed Authorization */
	AUTH_BAD,		/* wrong user or password */
	AUTH_TOKEN,		/* drain token not in the allow-list */
	AUTH_COUNT
};
static const char *const auth_names[AUTH_COUNT] = {
	"missing", "bad_credentials", "token"
};

/* Causes of a warning, each rate-limited on its own. */
enum warn_cause {
	W_MHD = 0, W_AUTH, W_TOKEN, W_TOO_LARGE, W_NOT_LOGPLEX, W_QUEUE_FULL,
	W_MEMORY, W_TIMEOUT, W_COUNT
};

struct http_counters {
	uint64_t	status[NSTATUS];
	uint64_t	body_bytes;
	uint64_t	frames;
	uint64_t	lines;
	uint64_t	line_bytes;
	uint64_t	frame_errors[LOGPLEX_ERR_COUNT];
	uint64_t	skipped_bytes;
	uint64_t	separators;
	uint64_t	newlines_replaced;
	uint64_t	empty_messages;
	uint64_t	duplicates;
	uint64_t	auth_failures[AUTH_COUNT];
	uint64_t	rejected[REJ_COUNT];
	uint64_t	msg_count_mismatch;
	uint64_t	content_type_other;
	uint64_t	l10_messages;
	uint64_t	l10_dropped;
	uint64_t	untracked;	/* no Frame-Id: not deduplicated */
	uint64_t	connections;	/* open now */
	uint64_t	connections_total;
	uint64_t	inflight_bytes;	/* reserved by requests now */
};

struct source_http {
	struct MHD_Daemon	*d;
	const struct http_conf	*conf;
	struct ingest		*q;
	struct metrics		*m;
	int			 own_metrics;
	struct dedup		*dd;
	char			*cred;		/* "user:pass" */
	size_t			 credlen;
	char			*cert_pem, *key_pem;
	size_t			 key_len;
	uint16_t		 port;
	struct http_counters	 c;
	pthread_mutex_t		 warn_mu;
	struct log_limiter	 warn_lim[W_COUNT];
	struct MHD_Response	*r_ok, *r_accepted, *r_400, *r_401, *r_403,
				*r_404, *r_405, *r_413, *r_503, *r_503_close;
	struct http_admin	 admin;
	int			 has_admin;
};

/* One request to a drain path; lives from headers to completion. */
struct req {
	struct source_http	*sh;
	struct logplex_framer	 fr;
	char			*framebuf;
	struct ingest_batch	 batch;
	struct dw_str		 app;
	dw_ms			 start;
	uint64_t		 reserved;	/* of inflight_bytes */
	uint64_t		 received;
	int64_t			 msg_count;	/* header, -1 if none */
	uint64_t		 dd_key;
	int			 dd_reserved;	/* commit or abort due */
	int			 discard;	/* duplicate: drop body */
	int			 too_large;	/* chunked body > max */
	int			 oom;
	uint64_t		 l10_messages, l10_dropped;
	int			 admin;		/* 1 reload, 2 explain */
	char			*abody;		/* admin request body */
	size_t			 alen;
};

static dw_ms
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (dw_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static dw_ms
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (dw_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Warn at most once per HTTP_WARN_INTERVAL_MS per cause. */
static void
http_warn(struct source_http *sh, enum warn_cause w, const char *what)
{
	pthread_mutex_lock(&sh->warn_mu);
	log_ratelimited(&sh->warn_lim[w], wall_ms(), HTTP_WARN_INTERVAL_MS,
	    "http: %s", what);
	pthread_mutex_unlock(&sh->warn_mu);
}

static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct source_http	*sh = cls;
	char			 msg[256];
	size_t			 n;

	memcpy(msg, "libmicrohttpd: ", 15);
	vsnprintf(msg + 15, sizeof(msg) - 15, fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	http_warn(sh, W_MHD, msg);
}

/* Constant-time equality: time depends only on the expected length. */
static int
ct_equal(const char *got, size_t glen, const char *want, size_t wlen)
{
	unsigned char	diff = glen != wlen;
	size_t		i;

	for (i = 0; i < wlen; i++)
		diff |= (unsigned char)(want[i] ^ (i < glen ? got[i] : 0));
	return diff == 0;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode standard base64 (padding optional) into out; length or -1. */
static ssize_t
b64_decode(const char *in, size_t len, char *out, size_t outcap)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	int		bits = 0, v;

	while (len > 0 && in[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++) {
		v = b64_value((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outcap)
				return -1;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	return (ssize_t)o;
}

/* 0 if the request carries our Basic credentials. */
static int
check_basic(struct source_http *sh, struct MHD_Connection *c)
{
	const char	*v;
	char		 dec[HTTP_AUTH_MAX_BYTES];
	size_t		 vlen;
	ssize_t		 n;
	int		 ok;

	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (v == NULL || strncasecmp(v, "Basic ", 6) != 0) {
		CNT_ADD(sh->c.auth_failures[AUTH_MISSING], 1);
		return -1;
	}
	v += 6;
	while (*v == ' ')
		v++;
	vlen = strlen(v);
	while (vlen > 0 && v[vlen - 1] == ' ')
		vlen--;
	n = vlen > HTTP_AUTH_MAX_BYTES ? -1 :
	    b64_decode(v, vlen, dec, sizeof(dec));
	if (n < 0) {
		CNT_ADD(sh->c.auth_failures[AUTH_MISSING], 1);
		return -1;
	}
	ok = ct_equal(dec, (size_t)n, sh->cred, sh->credlen);
	explicit_bzero(dec, sizeof(dec));
	if (!ok) {
		CNT_ADD(sh->c.auth_failures[AUTH_BAD], 1);
		return -1;
	}
	return 0;
}

/* Allow-list lookup; *app set when the token maps to one. 0 = allowed. */
static int
check_token(struct source_http *sh, const char *tok, struct dw_str *app)
{
	const struct http_conf	*hc = sh->conf;
	size_t			 tlen = tok != NULL ? strlen(tok) : 0;
	int			 i, found = -1;

	if (hc->ntokens == 0)
		return 0;
	/* Compare against every entry so the time says nothing. */
	for (i = 0; i < hc->ntokens; i++)
		if (ct_equal(tok != NULL ? tok : "", tlen,
		    hc->tokens[i].token, strlen(hc->tokens[i].token)) &&
		    found < 0)
			found = i;
	if (found < 0) {
		CNT_ADD(sh->c.auth_failures[AUTH_TOKEN], 1);
		return -1;
	}
	if (hc->tokens[found].app[0] != '\0')
		*app = dw_str_cstr(hc->tokens[found].app);
	return 0;
}

static void
count_status(struct source_http *sh, unsigned int status)
{
	size_t	i;

	for (i = 0; i < DW_NELEM(counted_status); i++)
		if (counted_status[i] == status)
			break;
	CNT_ADD(sh->c.status[i], 1);
}

static enum MHD_Result
reply(struct source_http *sh, struct MHD_Connection *c, unsigned int status,
    struct MHD_Response *r)
{
	count_status(sh, status);
	return MHD_queue_response(c, status, r);
}

/* Parse a decimal header value; -1 if absent or malformed. */
static int64_t
header_uint(struct MHD_Connection *c, const char *name)
{
	const char	*v, *p;
	int64_t		 n = 0;

	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
	if (v == NULL)
		return -1;
	while (*v == ' ')
		v++;
	for (p = v; *p >= '0' && *p <= '9'; p++) {
		if (n > (INT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*p - '0');
	}
	while (*p == ' ')
		p++;
	if (p == v || *p != '\0')
		return -1;
	return n;
}

/* Number of messages an L10 line says were dropped, 0 if not given.
 * "...: 1 messages dropped since ..." (open-source logplex) or
 * "...: drain 'd.x' dropped 12 messages ..." (Heroku today). */
static uint64_t
l10_count(const char *p, size_t len)
{
	const char	*m, *end = p + len, *q;
	uint64_t	 v = 0;

	m = memmem(p, len, " messages dropped", 17);
	if (m != NULL) {
		q = m;
		while (q > p && q[-1] >= '0' && q[-1] <= '9')
			q--;
		for (; q < m && v < UINT64_MAX / 10; q++)
			v = v * 10 + (uint64_t)(*q - '0');
		return v;
	}
	m = memmem(p, len, "dropped ", 8);
	if (m == NULL)
		return 0;
	for (q = m + 8; q < end && *q >= '0' && *q <= '9' &&
	    v < UINT64_MAX / 10; q++)
		v = v * 10 + (uint64_t)(*q - '0');
	return v;
}

/* Framer callback: one logplex message -> one line of the batch. */
static void
on_message(void *arg, const char *msg, size_t len, unsigned flags)
{
	struct req	*r = arg;

	(void)flags;		/* counted by the framer's own stats */
	if (memmem(msg, len, L10_MARK, sizeof(L10_MARK) - 1) != NULL) {
		r->l10_messages++;
		r->l10_dropped += l10_count(msg, len);
	}
	if (ingest_batch_add(&r->batch, msg, len) == -1)
		r->oom = 1;
}

/* Give back the request's share of the in-flight budget. */
static void
req_release(struct req *r)
{
	if (r->reserved > 0) {
		__atomic_sub_fetch(&r->sh->c.inflight_bytes, r->reserved,
		    __ATOMIC_RELAXED);
		r->reserved = 0;
	}
}

static int
req_reserve(struct source_http *sh, struct req *r, uint64_t n)
{
	uint64_t	now;

	now = __atomic_add_fetch(&sh->c.inflight_bytes, n, __ATOMIC_RELAXED);
	if (now > sh->conf->queue_bytes) {
		__atomic_sub_fetch(&sh->c.inflight_bytes, n, __ATOMIC_RELAXED);
		return -1;
	}
	r->reserved = n;
	return 0;
}

static void req_forget(struct req *);

static void
req_free(struct req *r)
{
	if (r == NULL)
		return;
	req_forget(r);		/* cut off before its end: not taken */
	req_release(r);
	ingest_batch_fini(&r->batch);
	free(r->framebuf);
	free(r->abody);
	free(r);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	req_free(*con_cls);
	*con_cls = NULL;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct source_http	*sh = cls;

	(void)c;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		CNT_ADD(sh->c.connections, 1);
		CNT_ADD(sh->c.connections_total, 1);
	} else
		__atomic_sub_fetch(&sh->c.connections, 1, __ATOMIC_RELAXED);
}

static enum MHD_Result
serve_metrics(struct source_http *sh, struct MHD_Connection *c)
{
	struct MHD_Response	*resp;
	char			*own = NULL, *all = NULL;
	size_t			 ownlen, alllen;
	enum MHD_Result		 ret;

	if (source_http_metrics(sh, &own, &ownlen) == -1 ||
	    metrics_render(sh->m, own, ownlen, &all, &alllen) == -1) {
		free(own);
		return MHD_NO;
	}
	free(own);
	resp = MHD_create_response_from_buffer(alllen, all,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(all);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    HTTP_CT_METRICS);
	ret = reply(sh, c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static const struct http_path *
find_path(const struct http_conf *hc, const char *url)
{
	int	i;

	for (i = 0; i < hc->npaths; i++)
		if (strcmp(hc->paths[i].path, url) == 0)
			return &hc->paths[i];
	return NULL;
}

/* A text answer with its status. */
static enum MHD_Result
reply_text(struct source_http *sh, struct MHD_Connection *c,
    unsigned int status, char *text)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;

	resp = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	ret = reply(sh, c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* POST /-/reload, /-/explain: authenticate, then collect the body. */
static enum MHD_Result
begin_admin(struct source_http *sh, struct MHD_Connection *c,
    const char *url, const char *method, void **con_cls)
{
	struct req	*r;
	int		 which;

	if (strcmp(url, "/-/reload") == 0)
		which = 1;
	else if (strcmp(url, "/-/explain") == 0)
		which = 2;
	else
		return reply(sh, c, MHD_HTTP_NOT_FOUND, sh->r_404);
	if (!sh->has_admin)
		return reply(sh, c, MHD_HTTP_NOT_FOUND, sh->r_404);
	if (has_credentials(sh->conf) && check_basic(sh, c) == -1)
		return reply(sh, c, MHD_HTTP_UNAUTHORIZED, sh->r_401);
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
		return reply(sh, c, MHD_HTTP_METHOD_NOT_ALLOWED, sh->r_405);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MHD_NO;
	r->sh = sh;
	r->admin = which;
	r->start = mono_ms();
	*con_cls = r;
	return MHD_YES;
}

static enum MHD_Result
end_admin(struct source_http *sh, struct MHD_Connection *c, struct req *r)
{
	char	*answer = NULL, msg[512];
	int	 rc;

	if (r->too_large)
		return reply(sh, c, MHD_HTTP_CONTENT_TOO_LARGE, sh->r_413);
	if (r->admin == 1) {
		rc = sh->admin.reload(sh->admin.arg, msg, sizeof(msg));
		answer = strdup(msg);
		if (answer == NULL)
			return MHD_NO;
		return reply_text(sh, c, rc == 0 ? MHD_HTTP_OK :
		    MHD_HTTP_UNPROCESSABLE_CONTENT, answer);
	}
	rc = sh->admin.explain(sh->admin.arg, r->abody != NULL ? r->abody : "",
	    &answer);
	if (answer == NULL) {
		answer = strdup("the agent did not answer in time\n");
		if (answer == NULL)
			return MHD_NO;
		return reply_text(sh, c, MHD_HTTP_SERVICE_UNAVAILABLE, answer);
	}
	return reply_text(sh, c, rc == 0 ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND,
	    answer);
}

/* Append admin body bytes, bounded by HTTP_ADMIN_BODY_MAX. */
static void
admin_body(struct req *r, const char *data, size_t n)
{
	char	*nb;

	if (r->too_large || r->alen + n > HTTP_ADMIN_BODY_MAX) {
		r->too_large = 1;
		return;
	}
	nb = realloc(r->abody, r->alen + n + 1);
	if (nb == NULL) {
		r->too_large = 1;
		return;
	}
	memcpy(nb + r->alen, data, n);
	r->alen += n;
	nb[r->alen] = '\0';
	r->abody = nb;
}

/* First call for a request: decide everything the headers allow. */
static enum MHD_Result
begin_request(struct source_http *sh, struct MHD_Connection *c,
    const char *url, const char *method, void **con_cls)
{
	const struct http_conf	*hc = sh->conf;
	const struct http_path	*hp;
	const char		*tok, *fid, *ct;
	struct dw_str		 app;
	struct req		*r;
	int64_t			 clen;
	uint64_t		 want;
	size_t			 fbsize;
	enum dedup_rc		 drc;

	if (CNT_GET(sh->c.connections) > hc->max_connections) {
		CNT_ADD(sh->c.rejected[REJ_OVERLOAD], 1);
		return reply(sh, c, MHD_HTTP_SERVICE_UNAVAILABLE,
		    sh->r_503_close);
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0) {
		if (strcmp(url, "/healthz") == 0)
			return reply(sh, c, MHD_HTTP_OK, sh->r_ok);
		if (strcmp(url, "/metrics") == 0) {
			if (has_credentials(hc) && hc->metrics_auth &&
			    check_basic(sh, c) == -1)
				return reply(sh, c, MHD_HTTP_UNAUTHORIZED,
				    sh->r_401);
			return serve_metrics(sh, c);
		}
	}
	if (strncmp(url, "/-/", 3) == 0)
		return begin_admin(sh, c, url, method, con_cls);
	hp = find_path(hc, url);
	if (hp == NULL)
		return reply(sh, c, MHD_HTTP_NOT_FOUND, sh->r_404);
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
		return reply(sh, c, MHD_HTTP_METHOD_NOT_ALLOWED, sh->r_405);

	/* Nothing of a request that fails auth is looked at. */
	if (has_credentials(hc) && check_basic(sh, c) == -1) {
		http_warn(sh, W_AUTH, "rejected request: bad or missing "
		    "credentials (401)");
		return reply(sh, c, MHD_HTTP_UNAUTHORIZED, sh->r_401);
	}
	app = dw_str_cstr(hp->app);
	tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Logplex-Drain-Token");
	if (check_token(sh, tok, &app) == -1) {
		http_warn(sh, W_TOKEN, "rejected request: drain token not "
		    "in drain_tokens (403)");
		return reply(sh, c, MHD_HTTP_FORBIDDEN, sh->r_403);
	}
	ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct == NULL || strncasecmp(ct, HTTP_CT_LOGPLEX,
	    sizeof(HTTP_CT_LOGPLEX) - 1) != 0)
		CNT_ADD(sh->c.content_type_other, 1);
	clen = header_uint(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen > 0 && (uint64_t)clen > hc->max_body) {
		CNT_ADD(sh->c.rejected[REJ_TOO_LARGE], 1);
		http_warn(sh, W_TOO_LARGE, "rejected request: body larger "
		    "than max_body (413)");
		return reply(sh, c, MHD_HTTP_CONTENT_TOO_LARGE, sh->r_413);
	}

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MHD_NO;
	r->sh = sh;
	r->app = app;
	r->start = mono_ms();
	r->msg_count = header_uint(c, "Logplex-Msg-Count");
	ingest_batch_init(&r->batch, (size_t)hc->max_body);

	fid = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Logplex-Frame-Id");
	drc = dedup_begin(sh->dd, dw_str_cstr(tok), dw_str_cstr(fid),
	    r->start, &r->dd_key);
	switch (drc) {
	case DEDUP_SEEN:
		CNT_ADD(sh->c.duplicates, 1);
		r->discard = 1;		/* read and drop the body, then 200 */
		*con_cls = r;
		return MHD_YES;
	case DEDUP_BUSY:
		CNT_ADD(sh->c.rejected[REJ_BUSY], 1);
		free(r);
		return reply(sh, c, MHD_HTTP_SERVICE_UNAVAILABLE, sh->r_503);
	case DEDUP_NEW:
		r->dd_reserved = 1;
		break;
	case DEDUP_UNTRACKED:
		CNT_ADD(sh->c.untracked, 1);
		break;
	}

	/* Reserve what this body can cost: its lines plus the frame
	 * buffer. Without Content-Length assume the worst. */
	want = clen >= 0 ? (uint64_t)clen : hc->max_body;
	fbsize = want < LOGPLEX_FRAME_MAX_BYTES ? (size_t)want :
	    LOGPLEX_FRAME_MAX_BYTES;
	if (fbsize == 0)
		fbsize = 1;
	if (req_reserve(sh, r, want + fbsize) == 0)
		r->framebuf = malloc(fbsize);
	if (r->framebuf == NULL) {
		CNT_ADD(sh->c.rejected[REJ_MEMORY], 1);
		http_warn(sh, W_MEMORY, "rejected request: too many bodies "
		    "in flight for queue_bytes (503)");
		req_free(r);
		return reply(sh, c, MHD_HTTP_SERVICE_UNAVAILABLE, sh->r_503);
	}
	logplex_framer_init(&r->fr, r->framebuf, fbsize, on_message, r);
	*con_cls = r;
	return MHD_YES;
}

/* Fold the framer's and batch's counts into the server's. */
static void
req_account(struct source_http *sh, struct req *r)
{
	const struct logplex_stats	*st = &r->fr.st;
	int				 i;

	CNT_ADD(sh->c.frames, st->frames);
	for (i = 0; i < LOGPLEX_ERR_COUNT; i++)
		if (st->errors[i] > 0)
			CNT_ADD(sh->c.frame_errors[i], st->errors[i]);
	CNT_ADD(sh->c.skipped_bytes, st->skipped_bytes);
	CNT_ADD(sh->c.separators, st->separators);
	CNT_ADD(sh->c.newlines_replaced, r->batch.nreplaced);
	CNT_ADD(sh->c.empty_messages, r->batch.nempty);
	CNT_ADD(sh->c.l10_messages, r->l10_messages);
	CNT_ADD(sh->c.l10_dropped, r->l10_dropped);
}

/* The frame was not taken: a retry must find it processable at once,
 * not only once the connection is done with this request. */
static void
req_forget(struct req *r)
{
	if (r->dd_reserved) {
		dedup_abort(r->sh->dd, r->dd_key);
		r->dd_reserved = 0;
	}
}

/* Last call: the whole body is in. */
static enum MHD_Result
end_request(struct source_http *sh, struct MHD_Connection *c, struct req *r)
{
	uint64_t	nlines, nbytes;

	if (r->discard)
		return reply(sh, c, MHD_HTTP_OK, sh->r_accepted);
	if (r->too_large) {
		req_forget(r);
		CNT_ADD(sh->c.rejected[REJ_TOO_LARGE], 1);
		return reply(sh, c, MHD_HTTP_CONTENT_TOO_LARGE, sh->r_413);
	}
	logplex_framer_finish(&r->fr);
	req_account(sh, r);
	if (r->oom) {
		req_forget(r);
		CNT_ADD(sh->c.rejected[REJ_MEMORY], 1);
		return reply(sh, c, MHD_HTTP_SERVICE_UNAVAILABLE, sh->r_503);
	}
	if (r->fr.st.frames == 0 && r->received > 0) {
		req_forget(r);
		CNT_ADD(sh->c.rejected[REJ_NOT_LOGPLEX], 1);
		http_warn(sh, W_NOT_LOGPLEX, "rejected request: body holds "
		    "no logplex frame (400)");
		return reply(sh, c, MHD_HTTP_BAD_REQUEST, sh->r_400);
	}
	if (r->msg_count >= 0 && (uint64_t)r->msg_count != r->fr.st.frames)
		CNT_ADD(sh->c.msg_count_mismatch, 1);
	nlines = r->batch.nlines;
	nbytes = r->batch.len;
	if (ingest_push(sh->q, &r->batch, r->app) == -1) {
		req_forget(r);
		CNT_ADD(sh->c.rejected[REJ_QUEUE_FULL], 1);
		http_warn(sh, W_QUEUE_FULL, "rejected request: ingest "
		    "queue full, logplex will retry (503)");
		return reply(sh, c, MHD_HTTP_SERVICE_UNAVAILABLE, sh->r_503);
	}
	req_release(r);		/* the lines are the queue's now */
	if (r->dd_reserved) {
		dedup_commit(sh->dd, r->dd_key, mono_ms());
		r->dd_reserved = 0;
	}
	CNT_ADD(sh->c.lines, nlines);
	CNT_ADD(sh->c.line_bytes, nbytes);
	return reply(sh, c, MHD_HTTP_OK, sh->r_accepted);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct source_http	*sh = cls;
	struct req		*r = *con_cls;
	size_t			 n = *upload_data_size;

	(void)version;
	if (r == NULL)
		return begin_request(sh, c, url, method, con_cls);
	if (r->admin) {
		if (n == 0)
			return end_admin(sh, c, r);
		admin_body(r, upload_data, n);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (n == 0)
		return end_request(sh, c, r);
	*upload_data_size = 0;
	CNT_ADD(sh->c.body_bytes, n);
	r->received += n;
	if (mono_ms() - r->start > sh->conf->request_timeout) {
		CNT_ADD(sh->c.rejected[REJ_TIMEOUT], 1);
		http_warn(sh, W_TIMEOUT, "request took longer than "
		    "request_timeout: connection closed");
		return MHD_NO;
	}
	if (r->received > sh->conf->max_body) {
		/* Only a chunked body gets here (Content-Length was checked):
		 * drop it and answer 413 at its end, up to a point. */
		r->too_large = 1;
		if (r->received > sh->conf->max_body + HTTP_DISCARD_MAX_BYTES) {
			CNT_ADD(sh->c.rejected[REJ_TOO_LARGE], 1);
			return MHD_NO;
		}
		return MHD_YES;
	}
	if (r->discard || r->too_large)
		return MHD_YES;
	logplex_framer_feed(&r->fr, upload_data, n);
	return MHD_YES;
}

/* Read a whole PEM file into a NUL-terminated heap string. */
static char *
read_pem(const char *path, size_t *lenp)
{
	struct stat	 st;
	char		*buf = NULL;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_warn("http: cannot open %s", path);
		return NULL;
	}
	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    st.st_size > HTTP_PEM_MAX_BYTES) {
		log_warnx("http: %s: empty, unreadable or larger than 1 MiB",
		    path);
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		goto fail;
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			log_warn("http: cannot read %s", path);
			goto fail;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	*lenp = got;
	return buf;
fail:
	if (buf != NULL) {
		explicit_bzero(buf, (size_t)st.st_size);
		free(buf);
	}
	close(fd);
	return NULL;
}

static struct MHD_Response *
static_response(const char *body, const char *h1, const char *v1,
    const char *h2, const char *v2)
{
	struct MHD_Response	*r;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return NULL;
	if (body[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    "text/plain; charset=utf-8");
	if (h1 != NULL)
		MHD_add_response_header(r, h1, v1);
	if (h2 != NULL)
		MHD_add_response_header(r, h2, v2);
	return r;
}

static void
destroy_responses(struct source_http *sh)
{
	struct MHD_Response	**all[] = { &sh->r_ok, &sh->r_accepted, &sh->r_400,
	    &sh->r_401, &sh->r_403, &sh->r_404, &sh->r_405, &sh->r_413,
	    &sh->r_503, &sh->r_503_close };
	size_t			  i;

	for (i = 0; i < DW_NELEM(all); i++) {
		if (*all[i] != NULL)
			MHD_destroy_response(*all[i]);
		*all[i] = NULL;
	}
}

static int
make_responses(struct source_http *sh)
{
	sh->r_ok = static_response("ok\n", NULL, NULL, NULL, NULL);
	sh->r_accepted = static_response("", NULL, NULL, NULL, NULL);
	sh->r_400 = static_response("not an application/logplex-1 body\n",
	    NULL, NULL, NULL, NULL);
	sh->r_401 = static_response("unauthorized\n",
	    MHD_HTTP_HEADER_WWW_AUTHENTICATE,
	    "Basic realm=\"" HTTP_REALM "\", charset=\"UTF-8\"", NULL, NULL);
	sh->r_403 = static_response("drain token not allowed\n", NULL, NULL,
	    NULL, NULL);
	sh->r_404 = static_response("not found\n", NULL, NULL, NULL, NULL);
	sh->r_405 = static_response("method not allowed\n",
	    MHD_HTTP_HEADER_ALLOW, "POST", NULL, NULL);
	sh->r_413 = static_response("body too large\n", NULL, NULL, NULL,
	    NULL);
	sh->r_503 = static_response("busy, retry\n",
	    MHD_HTTP_HEADER_RETRY_AFTER, HTTP_RETRY_AFTER_S, NULL, NULL);
	sh->r_503_close = static_response("busy, retry\n",
	    MHD_HTTP_HEADER_RETRY_AFTER, HTTP_RETRY_AFTER_S,
	    MHD_HTTP_HEADER_CONNECTION, "close");
	return sh->r_ok == NULL || sh->r_accepted == NULL || sh->r_400 == NULL ||
	    sh->r_401 == NULL || sh->r_403 == NULL || sh->r_404 == NULL ||
	    sh->r_405 == NULL || sh->r_413 == NULL || sh->r_503 == NULL ||
	    sh->r_503_close == NULL ? -1 : 0;
}

/* Resolve conf->host:port into ss. */
static int
resolve_listen(const struct http_conf *hc, struct sockaddr_storage *ss,
    socklen_t *sslen)
{
	struct addrinfo	 hints, *res = NULL;
	char		 port[8];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", hc->port);
	rc = getaddrinfo(hc->host, port, &hints, &res);
	if (rc != 0) {
		log_warnx("http: cannot resolve listen address %s: %s",
		    hc->host, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

struct source_http *
source_http_start(const struct http_conf *hc, struct ingest *q,
    struct metrics *m, const struct http_admin *admin)
{
	struct source_http		*sh;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen;
	struct diag			 dg;
	const union MHD_DaemonInfo	*info;
	struct sockaddr_storage		 bound;
	socklen_t			 blen = sizeof(bound);
	struct MHD_OptionItem		 opts[16];
	unsigned int			 flags, timeout_s;
	size_t				 ulen, plen;
	int				 no = 0;

	diag_init(&dg, stderr);
	if (http_conf_check(hc, "sources.http", &dg) == -1)
		return NULL;
	sh = calloc(1, sizeof(*sh));
	if (sh == NULL)
		return NULL;
	sh->conf = hc;
	sh->q = q;
	if (admin != NULL) {
		sh->admin = *admin;
		sh->has_admin = 1;
	}
	pthread_mutex_init(&sh->warn_mu, NULL);
	if (m == NULL) {
		m = metrics_new();
		if (m == NULL)
			goto fail;
		sh->own_metrics = 1;
	}
	sh->m = m;
	sh->dd = dedup_new(hc->dedup_entries, hc->dedup_window);
	if (sh->dd == NULL || make_responses(sh) == -1)
		goto fail;
	if (has_credentials(hc)) {
		ulen = strlen(hc->username);
		plen = strlen(hc->password);
		sh->credlen = ulen + 1 + plen;
		sh->cred = malloc(sh->credlen + 1);
		if (sh->cred == NULL)
			goto fail;
		memcpy(sh->cred, hc->username, ulen);
		sh->cred[ulen] = ':';
		memcpy(sh->cred + ulen + 1, hc->password, plen + 1);
	}
	if (resolve_listen(hc, &ss, &sslen) == -1)
		goto fail;

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	else
		flags |= MHD_USE_POLL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	timeout_s = (unsigned int)((hc->request_timeout + 999) / 1000);
	/* The logger first, so MHD never prints on its own. */
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER,
	    (intptr_t)mhd_logger, sh };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &ss };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE,
	    (intptr_t)hc->threads, NULL };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
	    (intptr_t)(hc->max_connections + HTTP_CONN_HEADROOM), NULL };
	opts[no++] = (struct MHD_OptionItem){
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (intptr_t)hc->max_connections_per_ip, NULL };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
	    (intptr_t)timeout_s, NULL };
	opts[no++] = (struct MHD_OptionItem){
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (intptr_t)HTTP_CONN_MEMORY_BYTES, NULL };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
	    (intptr_t)on_completed, sh };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
	    (intptr_t)on_connection, sh };
	if (hc->tls_cert != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			log_warnx("http: this libmicrohttpd has no TLS "
			    "support");
			goto fail;
		}
		sh->cert_pem = read_pem(hc->tls_cert, &plen);
		sh->key_pem = read_pem(hc->tls_key, &sh->key_len);
		if (sh->cert_pem == NULL || sh->key_pem == NULL)
			goto fail;
		flags |= MHD_USE_TLS;
		opts[no++] = (struct MHD_OptionItem){
		    MHD_OPTION_HTTPS_MEM_CERT, 0, sh->cert_pem };
		opts[no++] = (struct MHD_OptionItem){
		    MHD_OPTION_HTTPS_MEM_KEY, 0, sh->key_pem };
		opts[no++] = (struct MHD_OptionItem){
		    MHD_OPTION_HTTPS_PRIORITIES, 0, hc->tls_priorities };
	}
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	sh->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, sh,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (sh->d == NULL) {
		log_warnx("http: cannot listen on %s (address in use, no "
		    "permission, or a bad certificate/key?)", hc->listen);
		goto fail;
	}
	info = MHD_get_daemon_info(sh->d, MHD_DAEMON_INFO_LISTEN_FD);
	if (info != NULL && getsockname(info->listen_fd,
	    (struct sockaddr *)&bound, &blen) == 0) {
		if (bound.ss_family == AF_INET)
			sh->port = ntohs(((struct sockaddr_in *)&bound)->
			    sin_port);
		else if (bound.ss_family == AF_INET6)
			sh->port = ntohs(((struct sockaddr_in6 *)&bound)->
			    sin6_port);
	}
	if (sh->port == 0)
		sh->port = hc->port;
	log_info("http: listening on %s port %u (%s%s)", hc->host, sh->port,
	    hc->tls_cert != NULL ? "https" : "http",
	    has_credentials(hc) ? ", basic auth" : ", NO authentication");
	return sh;
fail:
	source_http_stop(sh);
	return NULL;
}

void
source_http_stop(struct source_http *sh)
{
	if (sh == NULL)
		return;
	if (sh->d != NULL)
		MHD_stop_daemon(sh->d);
	destroy_responses(sh);
	dedup_free(sh->dd);
	if (sh->own_metrics)
		metrics_free(sh->m);
	if (sh->cred != NULL) {
		explicit_bzero(sh->cred, sh->credlen);
		free(sh->cred);
	}
	if (sh->key_pem != NULL) {
		explicit_bzero(sh->key_pem, sh->key_len);
		free(sh->key_pem);
	}
	free(sh->cert_pem);
	pthread_mutex_destroy(&sh->warn_mu);
	free(sh);
}

uint16_t
source_http_port(const struct source_http *sh)
{
	return sh->port;
}

void
source_http_log_drain_command(const struct source_http *sh)
{
	const struct http_conf	*hc = sh->conf;
	char			 base[512], cred[HTTP_FIELD_MAX_BYTES + 16];
	const char		*hint = "";
	int			 i, any_host;

	any_host = strcmp(hc->host, "0.0.0.0") == 0 ||
	    strcmp(hc->host, "::") == 0;
	if (hc->public_url != NULL && hc->public_url[0] != '\0') {
		size_t	n = strlen(hc->public_url);
		const char *u = hc->public_url;

		while (n > 0 && u[n - 1] == '/')
			n--;
		/* public_url is scheme://host[:port]: put the user in. */
		if (memcmp(u, "https://", 8) == 0)
			snprintf(base, sizeof(base), "https://%%s%.*s",
			    (int)(n - 8), u + 8);
		else if (memcmp(u, "http://", 7) == 0)
			snprintf(base, sizeof(base), "http://%%s%.*s",
			    (int)(n - 7), u + 7);
		else
			snprintf(base, sizeof(base), "%%s%.*s", (int)n, u);
	} else if (hc->behind_router) {
		snprintf(base, sizeof(base),
		    "https://%%sYOUR-APP.herokuapp.com");
		hint = " (replace YOUR-APP with this app's name)";
	} else {
		const char	*scheme = hc->tls_cert != NULL ? "https" :
		    "http";
		const char	*host = any_host ? "HOST" : hc->host;
		int		 v6 = strchr(host, ':') != NULL;

		if ((sh->port == 443 && hc->tls_cert != NULL) ||
		    (sh->port == 80 && hc->tls_cert == NULL))
			snprintf(base, sizeof(base), "%s://%%s%s%s%s", scheme,
			    v6 ? "[" : "", host, v6 ? "]" : "");
		else
			snprintf(base, sizeof(base), "%s://%%s%s%s%s:%u",
			    scheme, v6 ? "[" : "", host, v6 ? "]" : "",
			    sh->port);
		if (any_host)
			hint = " (replace HOST with this machine's public "
			    "name)";
		if (hc->tls_cert == NULL && !any_host)
			hint = " (plain HTTP: put a TLS-terminating proxy in "
			    "front, or set tls_cert/tls_key)";
	}
	/* Never the password: the literal placeholder PASSWORD. */
	if (has_credentials(hc))
		snprintf(cred, sizeof(cred), "%s:PASSWORD@", hc->username);
	else
		cred[0] = '\0';
	for (i = 0; i < hc->npaths; i++) {
		char	url[1024];
		const char *app = hc->paths[i].app[0] != '\0' ?
		    hc->paths[i].app : "APP";

		/* base holds exactly one %s, for cred. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(url, sizeof(url), base, cred);
#pragma GCC diagnostic pop
		log_info("http: add the drain with: heroku drains:add "
		    "%s%s -a %s%s", url, hc->paths[i].path, app, hint);
	}
}

int
source_http_metrics(struct source_http *sh, char **out, size_t *len)
{
	struct metrics_buf	 b;
	struct ingest_stats	 is;
	struct dedup_stats	 ds;
	char			*mem;
	size_t			 i;
	const size_t		 cap = 16 * 1024;

	*out = NULL;
	*len = 0;
	mem = malloc(cap);
	if (mem == NULL)
		return -1;
	metrics_buf_init(&b, mem, cap);
	ingest_stats(sh->q, &is);
	dedup_stats(sh->dd, &ds);

	metrics_buf_family(&b, "drainwatch_http_requests_total", "counter",
	    "HTTP requests answered, by status code.");
	for (i = 0; i < NSTATUS; i++) {
		if (i < DW_NELEM(counted_status))
			metrics_buf_printf(&b, "drainwatch_http_requests_total"
			    "{code=\"%u\"} %llu\n", counted_status[i],
			    (unsigned long long)CNT_GET(sh->c.status[i]));
		else
			metrics_buf_printf(&b, "drainwatch_http_requests_total"
			    "{code=\"other\"} %llu\n",
			    (unsigned long long)CNT_GET(sh->c.status[i]));
	}
	metrics_buf_counter(&b, "drainwatch_http_body_bytes_total", "counter",
	    "Request body bytes received on drain paths.",
	    CNT_GET(sh->c.body_bytes));
	metrics_buf_counter(&b, "drainwatch_http_frames_total", "counter",
	    "Logplex frames decoded (RFC 6587 octet counting).",
	    CNT_GET(sh->c.frames));
	metrics_buf_counter(&b, "drainwatch_http_lines_total", "counter",
	    "Lines handed to the pipeline queue.", CNT_GET(sh->c.lines));
	metrics_buf_counter(&b, "drainwatch_http_line_bytes_total", "counter",
	    "Bytes of lines handed to the pipeline queue.",
	    CNT_GET(sh->c.line_bytes));
	metrics_buf_family(&b, "drainwatch_http_frame_errors_total", "counter",
	    "Logplex framing errors, by cause.");
	for (i = 0; i < LOGPLEX_ERR_COUNT; i++)
		metrics_buf_printf(&b, "drainwatch_http_frame_errors_total"
		    "{cause=\"%s\"} %llu\n",
		    logplex_err_name((enum logplex_err)i),
		    (unsigned long long)CNT_GET(sh->c.frame_errors[i]));
	metrics_buf_counter(&b, "drainwatch_http_skipped_bytes_total", "counter",
	    "Body bytes thrown away while resynchronising after a bad "
	    "frame.", CNT_GET(sh->c.skipped_bytes));
	metrics_buf_counter(&b, "drainwatch_http_newlines_replaced_total", "counter",
	    "LF or CR inside a message replaced by a space.",
	    CNT_GET(sh->c.newlines_replaced));
	metrics_buf_counter(&b, "drainwatch_http_empty_messages_total", "counter",
	    "Empty logplex messages skipped.", CNT_GET(sh->c.empty_messages));
	metrics_buf_counter(&b, "drainwatch_http_duplicate_frames_total", "counter",
	    "Requests whose Logplex-Frame-Id was already taken in "
	    "(acknowledged, not processed).", CNT_GET(sh->c.duplicates));
	metrics_buf_counter(&b, "drainwatch_http_untracked_requests_total", "counter",
	    "Requests without Logplex-Frame-Id (not deduplicated).",
	    CNT_GET(sh->c.untracked));
	metrics_buf_family(&b, "drainwatch_http_auth_failures_total",
	    "counter", "Requests refused by authentication, by reason.");
	for (i = 0; i < AUTH_COUNT; i++)
		metrics_buf_printf(&b, "drainwatch_http_auth_failures_total"
		    "{reason=\"%s\"} %llu\n", auth_names[i],
		    (unsigned long long)CNT_GET(sh->c.auth_failures[i]));
	metrics_buf_family(&b, "drainwatch_http_rejected_total", "counter",
	    "Requests not taken in, by reason.");
	for (i = 0; i < REJ_COUNT; i++)
		metrics_buf_printf(&b, "drainwatch_http_rejected_total"
		    "{reason=\"%s\"} %llu\n", reject_names[i],
		    (unsigned long long)CNT_GET(sh->c.rejected[i]));
	metrics_buf_counter(&b, "drainwatch_http_msg_count_mismatch_total", "counter",
	    "Requests whose Logplex-Msg-Count differed from the frames "
	    "found (the frames were kept).",
	    CNT_GET(sh->c.msg_count_mismatch));
	metrics_buf_counter(&b, "drainwatch_http_content_type_other_total", "counter",
	    "Drain requests without Content-Type application/logplex-1.",
	    CNT_GET(sh->c.content_type_other));
	metrics_buf_counter(&b, "drainwatch_http_l10_messages_total", "counter",
	    "Logplex 'Error L10 (output buffer overflow)' messages seen.",
	    CNT_GET(sh->c.l10_messages));
	metrics_buf_counter(&b, "drainwatch_http_upstream_dropped_lines_total",
	    "counter", "Lines logplex reports it dropped before sending "
	    "(sum over L10 messages).", CNT_GET(sh->c.l10_dropped));
	metrics_buf_counter(&b, "drainwatch_http_connections", "gauge",
	    "Open HTTP connections.", CNT_GET(sh->c.connections));
	metrics_buf_counter(&b, "drainwatch_http_connections_total", "counter",
	    "HTTP connections accepted.", CNT_GET(sh->c.connections_total));
	metrics_buf_counter(&b, "drainwatch_http_inflight_bytes", "gauge",
	    "Memory reserved by request bodies being received.",
	    CNT_GET(sh->c.inflight_bytes));
	metrics_buf_counter(&b, "drainwatch_ingest_queue_bytes", "gauge",
	    "Bytes waiting in the queue to the pipeline.", is.queued_bytes);
	metrics_buf_counter(&b, "drainwatch_ingest_queue_batches", "gauge",
	    "Batches waiting in the queue to the pipeline.",
	    is.queued_batches);
	metrics_buf_counter(&b, "drainwatch_ingest_queue_capacity_bytes", "gauge",
	    "Capacity of the queue to the pipeline.", is.capacity_bytes);
	metrics_buf_counter(&b, "drainwatch_ingest_queue_peak_bytes", "gauge",
	    "Highest queue fill seen.", is.peak_bytes);
	metrics_buf_counter(&b, "drainwatch_ingest_rejected_lines_total", "counter",
	    "Lines of batches refused because the queue was full.",
	    is.rejected_lines);
	metrics_buf_counter(&b, "drainwatch_dedup_entries", "gauge",
	    "Frame ids remembered.", ds.entries);
	metrics_buf_counter(&b, "drainwatch_dedup_expired_total", "counter",
	    "Frame ids forgotten after dedup_window.", ds.expired);
	metrics_buf_counter(&b, "drainwatch_dedup_evicted_total", "counter",
	    "Frame ids forgotten early because dedup_entries was reached.",
	    ds.evicted);
	if (b.truncated)
		log_warnx("http: metrics text truncated at %zu bytes", cap);
	*out = mem;
	*len = b.len;
	return 0;
}
