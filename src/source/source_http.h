/*
 * source_http.h - the Heroku logplex HTTP(S) drain endpoint (pipeline
 * stage 1), on libmicrohttpd.
 *
 * POST application/logplex-1 bodies to a configured path are framed by
 * octet counting (parse_logplex.h) while they stream in; their messages
 * become one all-or-nothing batch in the ingest queue (ingest.h), which
 * the pipeline thread drains. A request is answered 204 only once its
 * batch is queued, so logplex never loses a frame we did not take; it
 * is answered 4xx only when it can never succeed (auth, not logplex,
 * too large) and 503 when we are overloaded (logplex retries). Resent
 * frames are recognised by (Logplex-Drain-Token, Logplex-Frame-Id)
 * (dedup.h). GET /healthz and GET /metrics are served too.
 * Responses and their meaning for logplex: README.md ("Heroku drains").
 *
 * Threads: libmicrohttpd's thread pool calls the handlers; they share
 * only the ingest queue, the dedup set (each with a mutex) and atomic
 * counters. Memory is bounded: bodies in flight by queue_bytes, queued
 * batches by queue_bytes, connections by max_connections.
 */
#ifndef DW_SOURCE_HTTP_H
#define DW_SOURCE_HTTP_H

#include <stdint.h>

#include "core/diag.h"
#include "core/metrics.h"
#include "core/ydoc.h"
#include "dw.h"
#include "source/ingest.h"

/* Default listen address: loopback, so a fresh install is not open. */
#define HTTP_DEFAULT_LISTEN		"127.0.0.1:8080"
/* Largest max_body accepted, in bytes. Logplex batches are ~100 KB
 * (formats.md §1.5); 64 MiB is far beyond any real drain. */
#define HTTP_MAX_BODY_LIMIT		(64ULL * 1024 * 1024)
/* Drain paths and drain tokens one endpoint may serve. */
#define HTTP_PATHS_MAX			64
#define HTTP_TOKENS_MAX			4096
/* Longest path, app label, token, user name or password, in bytes. */
#define HTTP_FIELD_MAX_BYTES		256
/* Most HTTP worker threads (config key threads). */
#define HTTP_THREADS_MAX		64

struct http_path {
	char	*path;		/* exact match, e.g. "/logs" */
	char	*app;		/* label for its lines, "" = none */
};

struct http_token {
	char	*token;		/* "d.<uuid>" */
	char	*app;		/* label, "" = use the path's */
};

struct http_conf {
	/* Read by http_conf_keys (agent.yaml sources.http). */
	char			*enabled;	/* auto | true | false */
	char			*listen;	/* "HOST:PORT" */
	char			*public_url;	/* for the drains:add hint */
	char			*tls_cert;	/* PEM file */
	char			*tls_key;	/* PEM file */
	char			*tls_priorities; /* GnuTLS priority string */
	char			*username;
	char			*password;
	int			 allow_unauthenticated;
	int			 metrics_auth;
	uint64_t		 max_body;
	uint64_t		 max_connections;
	uint64_t		 max_connections_per_ip;
	uint64_t		 threads;
	dw_ms			 request_timeout;
	dw_ms			 dedup_window;
	uint64_t		 dedup_entries;
	uint64_t		 queue_bytes;
	const struct ynode	*paths_node;
	const struct ynode	*tokens_node;

	/* Derived by http_conf_load() / http_conf_set_listen(). */
	struct http_path	 paths[HTTP_PATHS_MAX];
	int			 npaths;
	struct http_token	*tokens;	/* ntokens entries */
	int			 ntokens;
	char			 host[HTTP_FIELD_MAX_BYTES];
	uint16_t		 port;
	int			 behind_router;	/* listen came from $PORT */
};

/* The keys of sources.http, for README and --help. */
extern const struct conf_key	http_conf_keys[];
extern const size_t		http_conf_nkeys;

/* Defaults only (no file): listen on HTTP_DEFAULT_LISTEN, path /logs. */
void	http_conf_init(struct http_conf *);
/*
 * Read the sources.http mapping (map may be NULL: defaults) into hc,
 * which must be zeroed or set up by http_conf_init(). Every
 * mistake is a located error through dg. Returns 0, or -1 when errors
 * were reported. The conf owns copies of all strings; map need not
 * outlive it.
 */
int	http_conf_load(struct http_conf *, const struct ynode *map,
	    const char *file, struct diag *);
/* Set the listen address from "HOST:PORT" ("[v6]:PORT" for IPv6). */
int	http_conf_set_listen(struct http_conf *, const char *hostport);
/*
 * Apply the command line and environment: --listen (cli, may be NULL)
 * wins; otherwise a non-empty $PORT (port_env) means we run as a
 * Heroku web dyno behind the router: listen on 0.0.0.0:$PORT, plain
 * HTTP (the router terminates TLS). -1 with a message through dg.
 */
int	http_conf_override(struct http_conf *, const char *cli,
	    const char *port_env, struct diag *);
/*
 * Final checks once the address is known: refuses a non-loopback
 * address without credentials unless allow_unauthenticated, a
 * certificate without a key, a user without a password. -1 with
 * messages through dg (file names the config file).
 */
int	http_conf_check(const struct http_conf *, const char *file,
	    struct diag *);
void	http_conf_free(struct http_conf *);

struct source_http;

/*
 * Operator endpoints (POST, behind the drain's credentials when it has
 * any): /-/reload and /-/explain. The callbacks run on HTTP threads and
 * must hand the work to the pipeline thread. Both answer text.
 */
struct http_admin {
	/* Reload; 0 done, -1 rejected; msg says what happened. */
	int	(*reload)(void *arg, char *msg, size_t n);
	/* Answer question (see explain.h); *answer is malloc'd. 0, or -1
	 * when the question names no rule or the agent did not answer. */
	int	(*explain)(void *arg, const char *question, char **answer);
	void	*arg;
};

/* Largest /-/explain question, in bytes. */
#define HTTP_ADMIN_BODY_MAX	8192

/*
 * Start listening and serving. conf, q (receives the batches) and m
 * (may be NULL: the other modules' metric sections) are borrowed and
 * must outlive the server; admin may be NULL (no operator endpoints).
 * The certificate and key files are read here. NULL on failure, logged
 * (bind error, unreadable certificate, http_conf_check() failing, ...).
 */
struct source_http	*source_http_start(const struct http_conf *,
			    struct ingest *q, struct metrics *m,
			    const struct http_admin *admin);
/* Stop accepting, finish or abort requests in flight, free. After it
 * returns no more batches are pushed; drain q with ingest_drain_all(). */
void			 source_http_stop(struct source_http *);
/* The port actually bound (useful with port 0). */
uint16_t		 source_http_port(const struct source_http *);
/* Log (log_info) the `heroku drains:add ...` command for each path;
 * the password is never printed. */
void			 source_http_log_drain_command(
			    const struct source_http *);
/* Render the endpoint's own counters (Prometheus text) into out;
 * *out is malloc'd. Also used by GET /metrics. */
int			 source_http_metrics(struct source_http *, char **out,
			    size_t *len);

#endif /* DW_SOURCE_HTTP_H */
