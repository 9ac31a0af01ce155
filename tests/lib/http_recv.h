/*
 * http_recv.h - a scriptable HTTP receiver on 127.0.0.1 for the sink
 * tests (header-only; static functions, include it from one test file).
 *
 * It records every request (method, path, selected headers, body,
 * arrival time) and answers from a script: a queue of responses (status,
 * Retry-After, hang) used one per request, then the default response.
 * recv_down() closes the listening socket so connections are refused;
 * recv_up() listens again on the same port. Runs on libmicrohttpd with
 * one thread per connection so a hanging answer does not block others.
 */
#ifndef DW_TEST_HTTP_RECV_H
#define DW_TEST_HTTP_RECV_H

#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RECV_REQS_MAX		4096
#define RECV_SCRIPT_MAX		256
#define RECV_BODY_MAX_BYTES	(1024 * 1024)

struct recv_req {
	char		 method[16];
	char		 path[256];
	char		 ctype[128];
	char		 auth[256];
	char		 xtest[128];	/* X-Test header */
	char		 expect[64];	/* Expect header */
	char		*body;
	size_t		 len;
	int		 status;	/* what we answered */
	int64_t		 at_ms;		/* monotonic arrival */
	int64_t		 at_us;		/* the same, in microseconds */
};

struct recv_resp {
	int		 status;
	char		 retry_after[64];
	int		 hang_ms;	/* sleep this long before answering */
};

struct recv {
	struct MHD_Daemon	*d;
	uint16_t		 port;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct recv_req		 reqs[RECV_REQS_MAX];
	int			 n;
	int			 nok;		/* answered 2xx */
	struct recv_resp	 script[RECV_SCRIPT_MAX];
	int			 nscript, iscript;
	struct recv_resp	 dflt;
	const char		*ok_body;	/* body of 2xx answers */
	volatile int		 release;	/* end hangs at once */
};

struct recv_conn {
	char	*body;
	size_t	 len;
};

static __attribute__((unused)) int64_t
recv_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static __attribute__((unused)) int64_t
recv_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static __attribute__((unused)) void
recv_copy_hdr(struct MHD_Connection *c, const char *name, char *out,
    size_t n)
{
	const char	*v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
			    name);

	snprintf(out, n, "%s", v != NULL ? v : "");
}

static __attribute__((unused)) enum MHD_Result
recv_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct recv		*r = cls;
	struct recv_conn	*cc = *con_cls;
	struct recv_resp	 resp;
	struct recv_req		*rq = NULL;
	struct MHD_Response	*mr;
	enum MHD_Result		 ret;
	const char		*body;
	int64_t			 until;

	(void)version;
	if (cc == NULL) {
		cc = calloc(1, sizeof(*cc));
		*con_cls = cc;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (cc->len + *upload_size <= RECV_BODY_MAX_BYTES) {
			cc->body = realloc(cc->body, cc->len + *upload_size + 1);
			memcpy(cc->body + cc->len, upload, *upload_size);
			cc->len += *upload_size;
			cc->body[cc->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&r->mu);
	if (r->iscript < r->nscript)
		resp = r->script[r->iscript++];
	else
		resp = r->dflt;
	if (r->n < RECV_REQS_MAX) {
		rq = &r->reqs[r->n++];
		memset(rq, 0, sizeof(*rq));
		snprintf(rq->method, sizeof(rq->method), "%s", method);
		snprintf(rq->path, sizeof(rq->path), "%s", url);
		recv_copy_hdr(c, "Content-Type", rq->ctype, sizeof(rq->ctype));
		recv_copy_hdr(c, "Authorization", rq->auth, sizeof(rq->auth));
		recv_copy_hdr(c, "X-Test", rq->xtest, sizeof(rq->xtest));
		recv_copy_hdr(c, "Expect", rq->expect, sizeof(rq->expect));
		rq->body = cc->body != NULL ? cc->body : strdup("");
		rq->len = cc->len;
		cc->body = NULL;
		rq->status = resp.status;
		rq->at_us = recv_now_us();
		rq->at_ms = rq->at_us / 1000;
	}
	pthread_mutex_unlock(&r->mu);
	if (resp.hang_ms > 0) {
		until = recv_now_ms() + resp.hang_ms;
		while (!r->release && recv_now_ms() < until)
			usleep(5000);
	}
	body = resp.status >= 200 && resp.status < 300 ?
	    (r->ok_body != NULL ? r->ok_body : "ok") : "error_for_test";
	mr = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_PERSISTENT);
	if (resp.retry_after[0] != '\0')
		MHD_add_response_header(mr, "Retry-After", resp.retry_after);
	/* Count before answering: the client may see the answer (and the
	 * test go on) before this thread runs again. */
	pthread_mutex_lock(&r->mu);
	if (resp.status >= 200 && resp.status < 300)
		r->nok++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	ret = MHD_queue_response(c, (unsigned)resp.status, mr);
	MHD_destroy_response(mr);
	return ret;
}

static __attribute__((unused)) void
recv_done_cb(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode tc)
{
	struct recv_conn	*cc = *con_cls;

	(void)cls;
	(void)c;
	(void)tc;
	if (cc != NULL) {
		free(cc->body);
		free(cc);
		*con_cls = NULL;
	}
}

/* Listen on r->port (0: any free port, remembered in r->port). */
static __attribute__((unused)) int
recv_up(struct recv *r)
{
	const union MHD_DaemonInfo	*di;
	struct sockaddr_in		 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(r->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->release = 0;
	r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, r->port, NULL,
	    NULL, recv_handler, r, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_NOTIFY_COMPLETED, recv_done_cb, r,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	if (r->d == NULL)
		return -1;
	di = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
	if (di != NULL)
		r->port = di->port;
	return 0;
}

static __attribute__((unused)) int
recv_start(struct recv *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->dflt.status = 200;
	return recv_up(r);
}

/* Stop listening: new connections are refused. */
static __attribute__((unused)) void
recv_down(struct recv *r)
{
	if (r->d == NULL)
		return;
	r->release = 1;
	MHD_stop_daemon(r->d);
	r->d = NULL;
}

static __attribute__((unused)) void
recv_stop(struct recv *r)
{
	int	i;

	recv_down(r);
	for (i = 0; i < r->n; i++)
		free(r->reqs[i].body);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
}

/* Queue count answers of status (with Retry-After ra, may be NULL). */
static __attribute__((unused)) void
recv_script(struct recv *r, int count, int status, const char *ra,
    int hang_ms)
{
	int	i;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < count && r->nscript < RECV_SCRIPT_MAX; i++) {
		struct recv_resp	*s = &r->script[r->nscript++];

		memset(s, 0, sizeof(*s));
		s->status = status;
		snprintf(s->retry_after, sizeof(s->retry_after), "%s",
		    ra != NULL ? ra : "");
		s->hang_ms = hang_ms;
	}
	pthread_mutex_unlock(&r->mu);
}

/* Wait until at least nok requests were answered 2xx; 0 or -1. */
static __attribute__((unused)) int
recv_wait_ok(struct recv *r, int nok, int timeout_ms)
{
	int64_t	until = recv_now_ms() + timeout_ms;
	int	rc = 0;

	pthread_mutex_lock(&r->mu);
	while (r->nok < nok) {
		struct timespec	ts;

		if (recv_now_ms() >= until) {
			rc = -1;
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static __attribute__((unused)) int
recv_count(struct recv *r)
{
	int	n;

	pthread_mutex_lock(&r->mu);
	n = r->n;
	pthread_mutex_unlock(&r->mu);
	return n;
}

#endif /* DW_TEST_HTTP_RECV_H */
