/*
 * delivery.c - the delivery engine: one thread, libcurl multi, retries,
 * rate limits, coalescing, order per identity, outbox (see delivery.h).
 *
 * Threads: the pipeline thread calls netsink_emit(), which appends to
 * the outbox (one write, no flush) and to the channel's inbox under the
 * engine mutex, then wakes the engine with curl_multi_wakeup(). The
 * engine fdatasync()s the outboxes (group commit) before it posts.
 * Everything else about a channel (its queue, in-flight requests,
 * backoff, rate bucket, active alerts) belongs to the engine thread.
 * Counters are atomics, read by whoever renders metrics.
 * sink_set_drain() waits on a condition variable the engine signals
 * whenever a notification is done.
 *
 * Clocks: scheduling uses CLOCK_MONOTONIC (ms); only drain deadlines
 * are wall-clock, as the sink API defines them.
 */
#include <sys/queue.h>

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "sink/delivery.h"
#include "sink/outbox.h"
#include "sink/sink.h"

/* Summary and description are cut to these many bytes when queued;
 * every payload cuts them further to its own limits. */
#define SINK_SUMMARY_MAX_BYTES		2048
#define SINK_DESCRIPTION_MAX_BYTES	4096
/* Connect timeout: the request timeout, but never more than this. */
#define DELIVERY_CONNECT_TIMEOUT_MS	5000
/* Log a retryable failure of one sink at most this often. */
#define DELIVERY_LOG_INTERVAL_MS	10000
/* Longest URL we keep, in bytes (a Slack webhook is ~80). */
#define DELIVERY_URL_MAX_BYTES		2048
/* Default state directory when the configuration names none. */
#define DELIVERY_STATE_DIR_DEFAULT	"./state"

const char *const sink_req_class_names[REQ_CLASS_COUNT] = {
	"2xx", "4xx", "429", "5xx", "network", "timeout",
};

enum ns_mode { NS_LIVE = 0, NS_DRYRUN, NS_MUTED };

struct job {
	TAILQ_ENTRY(job)	 link;
	struct alert_event	*ev;
	uint64_t		 id;		/* outbox id; 0 = resend */
	uint64_t		 ihash;		/* of the identity */
	dw_ms			 enq_ms;	/* monotonic, when accepted */
	dw_ms			 next_ms;	/* monotonic, not before */
	int			 attempts;
	int			 inflight;
};
TAILQ_HEAD(jobq, job);

/* A firing alert delivered to a resend channel, until it resolves. */
struct active {
	struct job	*job;		/* its delivered notification */
	dw_ms		 last_ms;	/* last (re)post, monotonic */
};

struct req {
	TAILQ_ENTRY(req) link;
	CURL		*easy;
	struct dchan	*ch;
	struct job	*jobs[DELIVERY_BATCH_MAX];
	int		 njobs;
	char		*body;
	char		 resp[DELIVERY_RESP_MAX_BYTES];
	size_t		 resplen;
	char		 err[CURL_ERROR_SIZE];
	char		 retry_after[64];	/* raw header value */
};
TAILQ_HEAD(reqq, req);

/* Scratch set of identity hashes for one scheduling pass. */
#define IDSET_SLOTS	(2 * DELIVERY_SCAN_MAX)	/* power of two */
enum { ID_FREE = 0, ID_TAKEN, ID_BLOCKED };
struct idslot {
	uint64_t	key;
	uint32_t	gen;
	int		state;
};

struct dchan {
	struct sink		*sink;
	struct delivery		*dv;
	enum ns_mode		 mode;
	struct dchan_conf	 conf;
	struct dchan_spec	 spec;
	char			 url_redacted[256];
	struct curl_slist	*hdrs;
	char			*hdr_names;	/* for dry-run: "A, B" */
	struct outbox		*ob;

	/* Guarded by dv->mu. */
	struct jobq		 inbox;
	uint64_t		 npending;	/* accepted, not yet done */

	/* Engine thread only. */
	struct jobq		 queue;
	int			 nqueue;
	int			 inflight;
	double			 tokens;
	dw_ms			 tok_ms;
	dw_ms			 pause_until;
	dw_ms			 wake_ms;	/* next time worth a look */
	int			 fail_streak;
	struct active		*active;
	int			 nactive;
	dw_ms			 next_resend;
	struct idslot		*ids;
	uint32_t		 gen;
	struct log_limiter	 lim;

	/* Counters, read by other threads. */
	_Atomic uint64_t	 delivered, failed, expired, dropped;
	_Atomic uint64_t	 suppressed, dry_run, retries, coalesced;
	_Atomic uint64_t	 resent;
	_Atomic uint64_t	 requests[REQ_CLASS_COUNT];
	_Atomic uint64_t	 consecutive;
	_Atomic int		 healthy;
	_Atomic int64_t		 oldest_ms;	/* monotonic, 0 = none */
};

struct delivery {
	pthread_t	 th;
	int		 started;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* a notification was done */
	int		 stop;		/* guarded by mu */
	CURLM		*multi;
	struct reqq	 reqs;		/* in flight, engine thread */
	char		*state_dir;
	struct dchan	*chans[SINKS_MAX];
	int		 nchans;
	uint64_t	 rng;		/* engine thread only */
};

static dw_ms
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (dw_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

dw_ms
delivery_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (dw_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
sink_strcut(const char *s, size_t max)
{
	size_t	len, cut;
	char	*out;

	if (s == NULL)
		s = "";
	len = strlen(s);
	if (len <= max || max < 4)
		return strndup(s, len <= max ? len : max);
	cut = max - 3;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	out = malloc(cut + 4);
	if (out == NULL)
		return NULL;
	memcpy(out, s, cut);
	memcpy(out + cut, "\xe2\x80\xa6", 4);	/* "…" and NUL */
	return out;
}

/* FNV-1a, 64 bit. */
static uint64_t
hash_str(const char *s)
{
	return dw_fnv1a(s, s != NULL ? strlen(s) : 0, DW_FNV_OFFSET);
}

static const char *
ev_identity(const struct alert_event *ev)
{
	if (ev->identity != NULL)
		return ev->identity;
	return ev->fingerprint != NULL ? ev->fingerprint : "";
}

/* xorshift64*, for jitter only. */
static uint64_t
rng_next(struct delivery *dv)
{
	dv->rng ^= dv->rng >> 12;
	dv->rng ^= dv->rng << 25;
	dv->rng ^= dv->rng >> 27;
	return dv->rng * 0x2545f4914f6cdd1dULL;
}

/*
 * Delay before attempt k+1 after k failures: min(max, min * 2^(k-1)),
 * then "equal jitter": half of it fixed, half random, so a fleet of
 * agents does not retry in lockstep.
 */
static dw_ms
backoff_ms(struct dchan *ch, int k)
{
	dw_ms	d = ch->conf.backoff_min_ms;
	int	i;

	for (i = 1; i < k && d < ch->conf.backoff_max_ms; i++)
		d *= 2;
	if (d > ch->conf.backoff_max_ms)
		d = ch->conf.backoff_max_ms;
	if (d < 2)
		return d;
	return d / 2 + (dw_ms)(rng_next(ch->dv) % (uint64_t)(d / 2 + 1));
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	alert_event_free(j->ev);
	free(j);
}

/*
 * Copy an event the way it will be stored: long strings cut, all of it
 * round-tripped through JSON (which also repairs invalid UTF-8). The
 * copy goes to *out and its JSON text to *text; the queue then holds
 * exactly what a restart would read back from the outbox.
 */
static int
prepare_event(const struct alert_event *src, struct alert_event **out,
    char **text)
{
	struct alert_event	*tmp;
	cJSON			*js = NULL;
	char			*cut[4];
	int			 rc = -1, i;

	*out = NULL;
	*text = NULL;
	tmp = alert_event_dup(src);
	if (tmp == NULL)
		return -1;
	cut[0] = sink_strcut(tmp->first_line, SINK_SAMPLE_MAX_BYTES);
	cut[1] = sink_strcut(tmp->last_line, SINK_SAMPLE_MAX_BYTES);
	cut[2] = sink_strcut(tmp->summary, SINK_SUMMARY_MAX_BYTES);
	cut[3] = sink_strcut(tmp->description, SINK_DESCRIPTION_MAX_BYTES);
	if (tmp->first_line != NULL) {
		free(tmp->first_line);
		tmp->first_line = cut[0];
		cut[0] = NULL;
	}
	if (tmp->last_line != NULL) {
		free(tmp->last_line);
		tmp->last_line = cut[1];
		cut[1] = NULL;
	}
	if (tmp->summary != NULL) {
		free(tmp->summary);
		tmp->summary = cut[2];
		cut[2] = NULL;
	}
	if (tmp->description != NULL) {
		free(tmp->description);
		tmp->description = cut[3];
		cut[3] = NULL;
	}
	for (i = 0; i < 4; i++)
		free(cut[i]);
	js = alert_event_to_json(tmp);
	if (js == NULL)
		goto out;
	*text = cJSON_PrintUnformatted(js);
	*out = alert_event_from_json(js);
	if (*text == NULL || *out == NULL) {
		free(*text);
		alert_event_free(*out);
		*text = NULL;
		*out = NULL;
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(js);
	alert_event_free(tmp);
	return rc;
}

/* Pending (accepted, not done) count changed: wake drain waiters. */
static void
pending_sub(struct dchan *ch, uint64_t n)
{
	pthread_mutex_lock(&ch->dv->mu);
	ch->npending -= n;
	pthread_cond_broadcast(&ch->dv->cv);
	pthread_mutex_unlock(&ch->dv->mu);
}

static void
update_oldest(struct dchan *ch)
{
	struct job	*j = TAILQ_FIRST(&ch->queue);

	while (j != NULL && j->id == 0)
		j = TAILQ_NEXT(j, link);
	atomic_store(&ch->oldest_ms, j != NULL ? j->enq_ms : 0);
}

/* ---- Active alerts (resend channels) ---- */

static int
active_find(struct dchan *ch, const struct alert_event *ev)
{
	const char	*id = ev_identity(ev);
	int		 i;

	for (i = 0; i < ch->nactive; i++)
		if (strcmp(ev_identity(ch->active[i].job->ev), id) == 0)
			return i;
	return -1;
}

static void
active_remove(struct dchan *ch, int i)
{
	struct job	*old = ch->active[i].job;

	if (old->id != 0 && ch->ob != NULL)
		(void)outbox_done(ch->ob, old->id);
	job_free(old);
	ch->active[i] = ch->active[--ch->nactive];
}

/*
 * A notification j of a resend channel was delivered: a firing one
 * becomes (or replaces) its identity's active record, kept pending in
 * the outbox; a resolved one ends it. Returns 1 if j was kept.
 */
static int
active_update(struct dchan *ch, struct job *j, dw_ms now)
{
	int	i = active_find(ch, j->ev);

	if (j->id == 0) {		/* a resend */
		if (i >= 0)
			ch->active[i].last_ms = now;
		return 0;
	}
	if (j->ev->status == ALERT_RESOLVED) {
		if (i >= 0)
			active_remove(ch, i);
		return 0;
	}
	if (i >= 0) {
		active_remove(ch, i);
		i = -1;
	}
	if (ch->nactive == OUTBOX_PENDING_MAX)
		return 0;		/* cannot track: plain delivery */
	ch->active[ch->nactive].job = j;
	ch->active[ch->nactive].last_ms = now;
	ch->nactive++;
	return 1;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Queue a re-post of every active alert not posted for resend_ms and
 * with nothing of its identity already queued. */
static void
resend_tick(struct dchan *ch, dw_ms now)
{
	uint64_t	*queued = NULL;
	struct job	*j;
	int		 i, n = 0;

	if (ch->spec.resend_ms <= 0 || ch->nactive == 0 ||
	    now < ch->next_resend)
		return;
	ch->next_resend = now + ch->spec.resend_ms / 4 + 1;
	if (ch->nqueue > 0) {
		queued = calloc((size_t)ch->nqueue, sizeof(*queued));
		if (queued == NULL)
			return;
		TAILQ_FOREACH(j, &ch->queue, link)
			if (n < ch->nqueue)
				queued[n++] = j->ihash;
		qsort(queued, (size_t)n, sizeof(*queued), cmp_u64);
	}
	for (i = 0; i < ch->nactive; i++) {
		struct active	*a = &ch->active[i];
		struct job	*r;

		if (now - a->last_ms < ch->spec.resend_ms)
			continue;
		if (n > 0 && bsearch(&a->job->ihash, queued, (size_t)n,
		    sizeof(*queued), cmp_u64) != NULL)
			continue;
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			break;
		r->ev = alert_event_dup(a->job->ev);
		if (r->ev == NULL) {
			free(r);
			break;
		}
		r->ihash = a->job->ihash;
		r->enq_ms = r->next_ms = now;
		a->last_ms = now;
		TAILQ_INSERT_TAIL(&ch->queue, r, link);
		ch->nqueue++;
	}
	free(queued);
}

/* ---- Finishing notifications ---- */

enum job_end { END_DELIVERED, END_FAILED, END_EXPIRED };

/* j left the queue for good: outbox, counters, drain waiters. */
static void
job_end(struct dchan *ch, struct job *j, enum job_end how, dw_ms now)
{
	int	kept = 0;

	TAILQ_REMOVE(&ch->queue, j, link);
	ch->nqueue--;
	if (j->id == 0) {		/* resend: not in the outbox */
		if (how == END_DELIVERED) {
			atomic_fetch_add(&ch->resent, 1);
			(void)active_update(ch, j, now);
		}
		job_free(j);
		return;
	}
	switch (how) {
	case END_DELIVERED:
		atomic_fetch_add(&ch->delivered, 1);
		if (ch->spec.resend_ms > 0)
			kept = active_update(ch, j, now);
		break;
	case END_FAILED:
		atomic_fetch_add(&ch->failed, 1);
		break;
	case END_EXPIRED:
		atomic_fetch_add(&ch->expired, 1);
		break;
	}
	if (!kept) {
		if (ch->ob != NULL)
			(void)outbox_done(ch->ob, j->id);
		job_free(j);
	}
	pending_sub(ch, 1);
}

/* ---- Requests ---- */

static size_t
resp_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct req	*r = arg;
	size_t		 n = size * nmemb, room;

	room = sizeof(r->resp) - 1 - r->resplen;
	if (room > 0) {
		memcpy(r->resp + r->resplen, p, n < room ? n : room);
		r->resplen += n < room ? n : room;
		r->resp[r->resplen] = '\0';
	}
	return n;
}

static void
req_free(struct req *r)
{
	if (r == NULL)
		return;
	if (r->easy != NULL) {
		TAILQ_REMOVE(&r->ch->dv->reqs, r, link);
		curl_multi_remove_handle(r->ch->dv->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	free(r->body);
	free(r);
}

/* Keep the Retry-After value (libcurl's curl_easy_header() needs 7.83;
 * this works everywhere). A new status line starts a new response. */
static size_t
hdr_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct req	*r = arg;
	size_t		 n = size * nmemb, vlen;
	static const char name[] = "retry-after:";

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0)
		r->retry_after[0] = '\0';
	else if (n > sizeof(name) - 1 &&
	    strncasecmp(p, name, sizeof(name) - 1) == 0) {
		p += sizeof(name) - 1;
		vlen = n - (sizeof(name) - 1);
		while (vlen > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			vlen--;
		}
		while (vlen > 0 && (p[vlen - 1] == '\r' ||
		    p[vlen - 1] == '\n' || p[vlen - 1] == ' '))
			vlen--;
		if (vlen >= sizeof(r->retry_after))
			vlen = sizeof(r->retry_after) - 1;
		memcpy(r->retry_after, p, vlen);
		r->retry_after[vlen] = '\0';
	}
	return n;
}

static int
req_start(struct dchan *ch, struct job **jobs, int n, char *body)
{
	struct req	*r;
	long		 tmo = (long)ch->conf.timeout_ms;
	int		 i;

	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		free(body);
		return -1;
	}
	r->ch = ch;
	r->body = body;
	r->easy = curl_easy_init();
	if (r->easy == NULL) {
		req_free(r);
		return -1;
	}
	curl_easy_setopt(r->easy, CURLOPT_URL, ch->conf.url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(r->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(r->body));
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, ch->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "drainwatch/" DW_VERSION);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    tmo < DELIVERY_CONNECT_TIMEOUT_MS ? tmo :
	    (long)DELIVERY_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, resp_write);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, hdr_write);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->err);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	if (curl_multi_add_handle(ch->dv->multi, r->easy) != CURLM_OK) {
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		req_free(r);
		return -1;
	}
	TAILQ_INSERT_TAIL(&ch->dv->reqs, r, link);
	for (i = 0; i < n; i++) {
		r->jobs[i] = jobs[i];
		jobs[i]->inflight = 1;
		if (jobs[i]->attempts++ > 0)
			atomic_fetch_add(&ch->retries, 1);
	}
	if (n > 1)
		atomic_fetch_add(&ch->coalesced, (uint64_t)n);
	r->njobs = n;
	ch->inflight++;
	return 0;
}

/* Retry-After as a delay in ms (delta-seconds or HTTP-date, RFC 9110
 * section 10.2.3), or -1 if absent or unparsable. */
static dw_ms
retry_after_ms(const char *v)
{
	dw_ms	d = 0;
	time_t	t;

	if (*v == '\0')
		return -1;
	if (*v >= '0' && *v <= '9') {
		for (; *v >= '0' && *v <= '9'; v++) {
			d = d * 10 + (*v - '0');
			if (d > DELIVERY_RETRY_AFTER_MAX_MS / 1000)
				return DELIVERY_RETRY_AFTER_MAX_MS;
		}
		return d * 1000;
	}
	t = curl_getdate(v, NULL);
	if (t == -1)
		return -1;
	d = (dw_ms)t * 1000 - delivery_now_ms();
	if (d < 0)
		d = 0;
	if (d > DELIVERY_RETRY_AFTER_MAX_MS)
		d = DELIVERY_RETRY_AFTER_MAX_MS;
	return d;
}

/* Printable, one-line copy of a response body for the log. */
static void
resp_clean(const char *in, char *out, size_t n)
{
	size_t	o = 0;

	for (; *in != '\0' && o + 1 < n && o < 200; in++)
		out[o++] = (unsigned char)*in < 0x20 ? ' ' : *in;
	out[o] = '\0';
}

static void
req_done(struct req *r, CURLcode cc)
{
	struct dchan	*ch = r->ch;
	dw_ms		 now = mono_ms(), ra = -1, delay;
	long		 code = 0;
	int		 i, retry, cls;
	char		 why[512], body[256];

	if (cc == CURLE_OK)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		cls = REQ_TIMEOUT;
	else if (cc != CURLE_OK)
		cls = REQ_NETWORK;
	else if (code >= 200 && code < 300)
		cls = REQ_2XX;
	else if (code == 429)
		cls = REQ_429;
	else if (code >= 500)
		cls = REQ_5XX;
	else
		cls = REQ_4XX;
	atomic_fetch_add(&ch->requests[cls], 1);
	ch->inflight--;
	for (i = 0; i < r->njobs; i++)
		r->jobs[i]->inflight = 0;

	if (cls == REQ_2XX) {
		if (ch->fail_streak > 0)
			log_info("sink %s: delivering again after %d failed "
			    "attempt(s)", ch->sink->name, ch->fail_streak);
		ch->fail_streak = 0;
		atomic_store(&ch->consecutive, 0);
		atomic_store(&ch->healthy, 1);
		for (i = 0; i < r->njobs; i++)
			job_end(ch, r->jobs[i], END_DELIVERED, now);
		goto out;
	}
	resp_clean(r->resp, body, sizeof(body));
	if (cc != CURLE_OK)
		snprintf(why, sizeof(why), "%s", r->err[0] != '\0' ? r->err :
		    curl_easy_strerror(cc));
	else
		snprintf(why, sizeof(why), "HTTP %ld%s%s", code,
		    body[0] != '\0' ? ": " : "", body);
	retry = cls != REQ_4XX || code == 408;
	if (!retry) {
		atomic_store(&ch->healthy, 0);
		log_warnx("sink %s: %s; %d notification(s) dropped, not "
		    "retried (check the sink's url and configuration)",
		    ch->sink->name, why, r->njobs);
		for (i = 0; i < r->njobs; i++)
			job_end(ch, r->jobs[i], END_FAILED, now);
		goto out;
	}
	ch->fail_streak++;
	atomic_fetch_add(&ch->consecutive, 1);
	if (cc == CURLE_OK && (code == 429 || code == 503))
		ra = retry_after_ms(r->retry_after);
	delay = ra >= 0 ? ra : backoff_ms(ch, ch->fail_streak);
	if (ch->pause_until < now + delay)
		ch->pause_until = now + delay;
	log_ratelimited(&ch->lim, now, DELIVERY_LOG_INTERVAL_MS,
	    "sink %s: %s; retrying in %lldms (%s)", ch->sink->name, why,
	    (long long)delay, ra >= 0 ? "Retry-After" : "backoff");
	for (i = 0; i < r->njobs; i++) {
		struct job	*j = r->jobs[i];

		if (j->id == 0 && now - j->enq_ms >= ch->spec.resend_ms) {
			/* A stale resend: the next one replaces it. */
			job_end(ch, j, END_FAILED, now);
			continue;
		}
		if (j->id != 0 && now - j->enq_ms >= ch->conf.retry_for_ms) {
			log_warnx("sink %s: giving up a %s notification of %s "
			    "after %d attempt(s) over %s", ch->sink->name,
			    alert_status_name(j->ev->status),
			    ev_identity(j->ev), j->attempts, "retry_for");
			job_end(ch, j, END_EXPIRED, now);
			continue;
		}
		/* Normally a job waits as long as the channel does, so that
		 * everything is ready again together (and batches stay
		 * whole). A job that failed more often than the channel's
		 * current streak keeps failing while others succeed (a
		 * payload the receiver chokes on): it backs off on its own. */
		if (ra < 0 && j->attempts > ch->fail_streak)
			j->next_ms = now + backoff_ms(ch, j->attempts);
		else
			j->next_ms = now + delay;
	}
out:
	update_oldest(ch);
	req_free(r);
}

/* ---- Scheduling ---- */

static int
idset_get(struct dchan *ch, uint64_t key, struct idslot **slot)
{
	uint32_t	i = (uint32_t)(key ^ (key >> 32)) & (IDSET_SLOTS - 1);
	int		n;

	for (n = 0; n < IDSET_SLOTS; n++, i = (i + 1) & (IDSET_SLOTS - 1)) {
		struct idslot	*s = &ch->ids[i];

		if (s->gen != ch->gen) {
			s->gen = ch->gen;
			s->key = key;
			s->state = ID_FREE;
			*slot = s;
			return ID_FREE;
		}
		if (s->key == key) {
			*slot = s;
			return s->state;
		}
	}
	*slot = NULL;			/* cannot happen: scan is bounded */
	return ID_BLOCKED;
}

static void
refill(struct dchan *ch, dw_ms now)
{
	if (ch->conf.max_rate <= 0)
		return;
	ch->tokens += (double)(now - ch->tok_ms) * ch->conf.max_rate / 1000.0;
	if (ch->tokens > (double)ch->conf.burst)
		ch->tokens = (double)ch->conf.burst;
	ch->tok_ms = now;
}

static void
wake_at(struct dchan *ch, dw_ms t)
{
	if (ch->wake_ms == 0 || t < ch->wake_ms)
		ch->wake_ms = t;
}

/* Start as many requests as order, backoff, rate and concurrency let. */
static void
schedule(struct dchan *ch, dw_ms now)
{
	struct job		*batch[DELIVERY_BATCH_MAX];
	struct alert_event	*evs[DELIVERY_BATCH_MAX];
	struct job		*j;
	struct idslot		*slot;
	int			 n, used, scanned, i, st, limit;
	char			*body;

	ch->wake_ms = 0;
	if (ch->nqueue == 0)
		return;
	if (now < ch->pause_until) {
		wake_at(ch, ch->pause_until);
		return;
	}
	while (ch->inflight < ch->conf.concurrency) {
		refill(ch, now);
		if (ch->conf.max_rate > 0 && ch->tokens < 1.0) {
			wake_at(ch, now + (dw_ms)((1.0 - ch->tokens) * 1000.0 /
			    ch->conf.max_rate) + 1);
			return;
		}
		/* A rate-limited sink coalesces only what the limit holds
		 * back: while it has tokens to spare, one event per
		 * request (each gets its full message). */
		limit = (int)ch->conf.batch_max;
		if (ch->conf.max_rate > 0 && ch->tokens >= 2.0)
			limit = 1;
		ch->gen++;
		n = scanned = 0;
		TAILQ_FOREACH(j, &ch->queue, link) {
			if (++scanned > DELIVERY_SCAN_MAX)
				break;
			st = idset_get(ch, j->ihash, &slot);
			if (slot == NULL || st == ID_BLOCKED)
				continue;
			if (j->inflight || j->next_ms > now ||
			    (st == ID_TAKEN && !ch->spec.same_identity_batch)) {
				if (!j->inflight && j->next_ms > now)
					wake_at(ch, j->next_ms);
				slot->state = ID_BLOCKED;
				continue;
			}
			slot->state = ID_TAKEN;
			batch[n++] = j;
			if (n == limit)
				break;
		}
		if (n == 0)
			return;
		for (i = 0; i < n; i++)
			evs[i] = batch[i]->ev;
		used = 1;
		body = ch->spec.format(ch->spec.arg, evs, n, &used,
		    delivery_now_ms());
		if (body == NULL) {
			log_warnx("sink %s: cannot format a notification of %s;"
			    " dropped", ch->sink->name, ev_identity(evs[0]));
			job_end(ch, batch[0], END_FAILED, now);
			continue;
		}
		if (used < 1 || used > n)
			used = n;
		if (req_start(ch, batch, used, body) == -1) {
			wake_at(ch, now + DELIVERY_TICK_MS);
			return;
		}
		if (ch->conf.max_rate > 0)
			ch->tokens -= 1.0;
	}
}

/* ---- The engine thread ---- */

static void *
engine_main(void *arg)
{
	struct delivery	*dv = arg;
	sigset_t	 set;
	int		 i, running, progress = 1;

	/* libcurl runs with CURLOPT_NOSIGNAL: a peer closing a socket
	 * must not kill the process with SIGPIPE. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		CURLMsg	*msg;
		dw_ms	 now, wake;
		long	 ctmo = -1;
		int	 left, stop;

		pthread_mutex_lock(&dv->mu);
		stop = dv->stop;
		for (i = 0; i < dv->nchans; i++) {
			struct dchan	*ch = dv->chans[i];
			struct job	*j;

			while ((j = TAILQ_FIRST(&ch->inbox)) != NULL) {
				TAILQ_REMOVE(&ch->inbox, j, link);
				TAILQ_INSERT_TAIL(&ch->queue, j, link);
				ch->nqueue++;
			}
		}
		pthread_mutex_unlock(&dv->mu);
		if (stop)
			break;
		/* Group commit: what the pipeline appended is made durable
		 * before any of it is posted. */
		for (i = 0; i < dv->nchans; i++)
			if (dv->chans[i]->ob != NULL)
				(void)outbox_sync(dv->chans[i]->ob);
		now = mono_ms();
		for (i = 0; i < dv->nchans; i++) {
			resend_tick(dv->chans[i], now);
			update_oldest(dv->chans[i]);
			schedule(dv->chans[i], now);
		}
		curl_multi_perform(dv->multi, &running);
		progress = 0;
		while ((msg = curl_multi_info_read(dv->multi, &left)) != NULL) {
			struct req	*r = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&r);
			req_done(r, msg->data.result);
			progress = 1;
		}
		if (progress)
			continue;	/* completions may unblock others */
		wake = DELIVERY_TICK_MS;
		now = mono_ms();
		for (i = 0; i < dv->nchans; i++) {
			struct dchan	*ch = dv->chans[i];

			if (ch->wake_ms != 0 && ch->wake_ms - now < wake)
				wake = ch->wake_ms - now;
			if (ch->nactive > 0 && ch->next_resend != 0 &&
			    ch->next_resend - now < wake)
				wake = ch->next_resend - now;
		}
		curl_multi_timeout(dv->multi, &ctmo);
		if (ctmo >= 0 && ctmo < wake)
			wake = ctmo;
		if (wake < 0)
			wake = 0;
		curl_multi_poll(dv->multi, NULL, 0, (int)wake, NULL);
	}
	return NULL;
}

struct delivery *
delivery_new(const char *state_dir)
{
	struct delivery	*dv;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	dv = calloc(1, sizeof(*dv));
	if (dv == NULL) {
		curl_global_cleanup();
		return NULL;
	}
	pthread_mutex_init(&dv->mu, NULL);
	pthread_cond_init(&dv->cv, NULL);
	TAILQ_INIT(&dv->reqs);
	dv->state_dir = strdup(state_dir != NULL ? state_dir :
	    DELIVERY_STATE_DIR_DEFAULT);
	dv->multi = curl_multi_init();
	dv->rng = (uint64_t)delivery_now_ms() ^ ((uint64_t)getpid() << 32) ^
	    (uint64_t)(uintptr_t)dv;
	if (dv->rng == 0)
		dv->rng = 1;
	if (dv->state_dir == NULL || dv->multi == NULL) {
		delivery_free(dv);
		return NULL;
	}
	return dv;
}

int
delivery_start(struct delivery *dv)
{
	if (dv == NULL || dv->started || dv->nchans == 0)
		return 0;
	if (pthread_create(&dv->th, NULL, engine_main, dv) != 0) {
		log_warn("cannot start the delivery thread");
		return -1;
	}
	dv->started = 1;
	return 0;
}

static void
chan_free(struct dchan *ch)
{
	struct job	*j;
	int		 i;

	if (ch == NULL)
		return;
	while ((j = TAILQ_FIRST(&ch->inbox)) != NULL) {
		TAILQ_REMOVE(&ch->inbox, j, link);
		job_free(j);
	}
	while ((j = TAILQ_FIRST(&ch->queue)) != NULL) {
		TAILQ_REMOVE(&ch->queue, j, link);
		job_free(j);
	}
	for (i = 0; i < ch->nactive; i++)
		job_free(ch->active[i].job);
	free(ch->active);
	free(ch->ids);
	outbox_close(ch->ob);
	curl_slist_free_all(ch->hdrs);
	free(ch->hdr_names);
	free(ch->conf.url);
	if (ch->spec.free_arg != NULL)
		ch->spec.free_arg(ch->spec.arg);
	free(ch);
}

void
delivery_free(struct delivery *dv)
{
	struct req	*r;
	int		 i;

	if (dv == NULL)
		return;
	if (dv->started) {
		pthread_mutex_lock(&dv->mu);
		dv->stop = 1;
		pthread_mutex_unlock(&dv->mu);
		curl_multi_wakeup(dv->multi);
		pthread_join(dv->th, NULL);
	}
	/* Abandon requests still in flight (their notifications stay in
	 * the outbox and are posted again after a restart). */
	while ((r = TAILQ_FIRST(&dv->reqs)) != NULL)
		req_free(r);
	for (i = 0; i < dv->nchans; i++)
		dv->chans[i]->dv = NULL;
	curl_multi_cleanup(dv->multi);
	pthread_cond_destroy(&dv->cv);
	pthread_mutex_destroy(&dv->mu);
	free(dv->state_dir);
	free(dv);
	curl_global_cleanup();
}

/* ---- Network sink glue ---- */

static int
is_token_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* headers: {Name: value}; RFC 9110 field names, no CR/LF in values. */
static int
build_headers(struct dchan *ch, const char *file, struct diag *dg)
{
	const struct ynode	*m = ch->conf.headers;
	char			 line[DELIVERY_URL_MAX_BYTES + 256];
	size_t			 nlen = 0;
	int			 i, has_ct = 0, before = dg->nerrors;

	ch->hdr_names = calloc(1, 1);
	if (ch->hdr_names == NULL)
		return -1;
	if (m != NULL && ynode_expect(m, YN_MAP, file, dg, "headers") == -1)
		return -1;
	if (m != NULL && m->npairs > DELIVERY_HEADERS_MAX) {
		diag_error(dg, file, m->line, m->col, "too many headers (at "
		    "most %d)", DELIVERY_HEADERS_MAX);
		return -1;
	}
	for (i = 0; m != NULL && i < m->npairs; i++) {
		const struct ynode	*k = m->pairs[i].key;
		const struct ynode	*v = m->pairs[i].value;
		const char		*val, *p;
		char			*names;
		struct curl_slist	*nl;

		for (p = k->str; *p != '\0' && is_token_char(*p); p++)
			;
		if (*p != '\0' || k->len == 0) {
			diag_error(dg, file, k->line, k->col, "bad header "
			    "name \"%s\" (letters, digits and -)", k->str);
			continue;
		}
		if (ynode_string(v, file, dg, &val) == -1)
			continue;
		if (strpbrk(val, "\r\n") != NULL) {
			diag_error(dg, file, v->line, v->col, "header value "
			    "must not contain a line break");
			continue;
		}
		if (strlen(val) + k->len + 3 > sizeof(line)) {
			diag_error(dg, file, v->line, v->col, "header value "
			    "too long");
			continue;
		}
		if (strcasecmp(k->str, "Content-Type") == 0)
			has_ct = 1;
		snprintf(line, sizeof(line), "%s: %s", k->str, val);
		nl = curl_slist_append(ch->hdrs, line);
		if (nl == NULL)
			return -1;
		ch->hdrs = nl;
		if (asprintf(&names, "%s%s%s", ch->hdr_names,
		    nlen > 0 ? ", " : "", k->str) == -1)
			return -1;
		free(ch->hdr_names);
		ch->hdr_names = names;
		nlen = strlen(names);
	}
	if (!has_ct) {
		snprintf(line, sizeof(line), "Content-Type: %s",
		    ch->spec.content_type != NULL ? ch->spec.content_type :
		    "application/json");
		if ((ch->hdrs = curl_slist_append(ch->hdrs, line)) == NULL)
			return -1;
	}
	/* No "Expect: 100-continue" round trip for bodies over 1 KiB. */
	if ((ch->hdrs = curl_slist_append(ch->hdrs, "Expect:")) == NULL)
		return -1;
	return dg->nerrors > before ? -1 : 0;
}

struct recover_ctx {
	struct dchan	*ch;
	int		 bad;
};

static int
recover_one(void *arg, uint64_t id, const char *json, size_t len)
{
	struct recover_ctx	*rc = arg;
	struct dchan		*ch = rc->ch;
	struct job		*j;
	cJSON			*js;

	js = cJSON_ParseWithLength(json, len);
	j = calloc(1, sizeof(*j));
	if (j != NULL && js != NULL)
		j->ev = alert_event_from_json(js);
	cJSON_Delete(js);
	if (j == NULL || j->ev == NULL) {
		free(j);
		(void)outbox_done(ch->ob, id);
		rc->bad++;
		return 0;
	}
	j->id = id;
	j->ihash = hash_str(ev_identity(j->ev));
	j->enq_ms = j->next_ms = mono_ms();
	TAILQ_INSERT_TAIL(&ch->queue, j, link);
	ch->nqueue++;
	ch->npending++;
	return 0;
}

static int
chan_live(struct dchan *ch, struct diag *dg)
{
	struct delivery		*dv = ch->sink->dlv;
	struct recover_ctx	 rc = { ch, 0 };
	char			*dir = NULL;

	if (dv == NULL || dv->nchans == SINKS_MAX) {
		diag_error(dg, ch->sink->name, 0, 0, "no delivery engine");
		return -1;
	}
	ch->dv = dv;
	ch->ids = calloc(IDSET_SLOTS, sizeof(*ch->ids));
	if (ch->spec.resend_ms > 0)
		ch->active = calloc(OUTBOX_PENDING_MAX, sizeof(*ch->active));
	if (ch->ids == NULL || (ch->spec.resend_ms > 0 && ch->active == NULL) ||
	    asprintf(&dir, "%s/outbox", dv->state_dir) == -1) {
		diag_errno(dg, ch->sink->name, "out of memory");
		return -1;
	}
	ch->ob = outbox_open(dir, ch->sink->name, dg);
	free(dir);
	if (ch->ob == NULL)
		return -1;
	if (outbox_replay(ch->ob, recover_one, &rc) == -1) {
		diag_errno(dg, outbox_path(ch->ob), "cannot read");
		return -1;
	}
	if (ch->nqueue > 0)
		log_info("sink %s: %d notification(s) from the outbox will be "
		    "delivered%s", ch->sink->name, ch->nqueue,
		    rc.bad > 0 ? " (some unreadable ones were dropped)" : "");
	atomic_fetch_add(&ch->failed, (uint64_t)rc.bad);
	dv->chans[dv->nchans++] = ch;
	return 0;
}

int
netsink_open(struct sink *s, const struct ynode *map, struct dchan_conf *dc,
    const struct dchan_spec *spec, const char *file, struct diag *dg)
{
	struct dchan		*ch;
	const struct ynode	*un = map != NULL ? ynode_get(map, "url") :
				    NULL;
	int			 line = un != NULL ? un->line : 0;
	int			 col = un != NULL ? un->col : 0;
	int			 before = dg->nerrors;

	ch = calloc(1, sizeof(*ch));
	if (ch == NULL) {
		if (spec->free_arg != NULL)
			spec->free_arg(spec->arg);
		free(dc->url);
		return -1;
	}
	ch->sink = s;
	ch->conf = *dc;
	ch->spec = *spec;
	dc->url = NULL;
	TAILQ_INIT(&ch->inbox);
	TAILQ_INIT(&ch->queue);
	atomic_store(&ch->healthy, 1);
	s->impl = ch;
	if (ch->conf.url == NULL || ch->conf.url[0] == '\0') {
		if (ch->conf.optional)
			return 1;
		diag_error(dg, file, line > 0 ? line : map != NULL ? map->line :
		    0, line > 0 ? col : map != NULL ? map->col : 0,
		    "sink \"%s\": url is empty (set its environment variable, "
		    "or add optional: true to skip the sink when it is unset)",
		    s->name);
		return -1;
	}
	if (strncmp(ch->conf.url, "http://", 7) != 0 &&
	    strncmp(ch->conf.url, "https://", 8) != 0)
		diag_error(dg, file, line, col, "sink \"%s\": url must start "
		    "with http:// or https://", s->name);
	else if (strlen(ch->conf.url) > DELIVERY_URL_MAX_BYTES)
		diag_error(dg, file, line, col, "sink \"%s\": url longer than "
		    "%d bytes", s->name, DELIVERY_URL_MAX_BYTES);
	log_redact_url(ch->conf.url, ch->url_redacted,
	    sizeof(ch->url_redacted));
	if (ch->conf.timeout_ms <= 0)
		diag_error(dg, file, map->line, map->col, "sink \"%s\": timeout"
		    " must be positive", s->name);
	if (ch->conf.max_rate < 0)
		diag_error(dg, file, map->line, map->col, "sink \"%s\": "
		    "max_rate must be >= 0", s->name);
	if (ch->conf.burst < 1)
		ch->conf.burst = 1;
	if (ch->conf.batch_max == 0)
		ch->conf.batch_max = 1;		/* the type has no such key */
	if (ch->conf.concurrency < 1 ||
	    ch->conf.concurrency > DELIVERY_CONCURRENCY_MAX)
		diag_error(dg, file, map->line, map->col, "sink \"%s\": "
		    "concurrency must be 1..%d", s->name,
		    DELIVERY_CONCURRENCY_MAX);
	if (ch->conf.batch_max < 1 || ch->conf.batch_max > DELIVERY_BATCH_MAX)
		diag_error(dg, file, map->line, map->col, "sink \"%s\": "
		    "batch_max must be 1..%d", s->name, DELIVERY_BATCH_MAX);
	if (ch->conf.backoff_min_ms < 1 ||
	    ch->conf.backoff_max_ms < ch->conf.backoff_min_ms)
		diag_error(dg, file, map->line, map->col, "sink \"%s\": need "
		    "0 < backoff_min <= backoff_max", s->name);
	if (build_headers(ch, file, dg) == -1 && dg->nerrors == before)
		diag_errno(dg, file, "out of memory");
	if (dg->nerrors > before)
		return -1;
	ch->tokens = (double)ch->conf.burst;
	ch->tok_ms = mono_ms();
	if (s->conf != NULL && s->conf->dry_run)
		ch->mode = NS_DRYRUN;
	else if (s->conf != NULL && !s->conf->send)
		ch->mode = NS_MUTED;
	else
		ch->mode = NS_LIVE;
	if (ch->mode == NS_LIVE && chan_live(ch, dg) == -1)
		return -1;
	return 0;
}

static int
emit_dry_run(struct dchan *ch, const struct alert_event *ev)
{
	struct alert_event	*prep = NULL;
	char			*text = NULL, *body = NULL;
	int			 used = 1, rc = -1;

	if (prepare_event(ev, &prep, &text) == -1)
		goto out;
	body = ch->spec.format(ch->spec.arg, &prep, 1, &used,
	    delivery_now_ms());
	if (body == NULL)
		goto out;
	printf("# dry-run: sink %s (%s) would POST to %s%s%s\n%s\n",
	    ch->sink->name, ch->spec.type, ch->url_redacted,
	    ch->hdr_names[0] != '\0' ? " with headers " : "", ch->hdr_names,
	    body);
	fflush(stdout);
	atomic_fetch_add(&ch->dry_run, 1);
	rc = 0;
out:
	free(text);
	free(body);
	alert_event_free(prep);
	return rc;
}

int
netsink_emit(struct sink *s, const struct alert_event *ev)
{
	struct dchan		*ch = s->impl;
	struct job		*j = NULL;
	char			*text = NULL;
	static struct log_limiter lim;	/* pipeline thread only */
	int			 rc = -1;

	if (ch->mode == NS_MUTED) {
		atomic_fetch_add(&ch->suppressed, 1);
		return 0;
	}
	if (ch->mode == NS_DRYRUN)
		return emit_dry_run(ch, ev);
	j = calloc(1, sizeof(*j));
	if (j == NULL || prepare_event(ev, &j->ev, &text) == -1)
		goto out;
	if (outbox_append(ch->ob, text, strlen(text), &j->id) == -1) {
		log_ratelimited(&lim, delivery_now_ms(),
		    DELIVERY_LOG_INTERVAL_MS, "sink %s: notification "
		    "dropped: outbox %s: %s", s->name,
		    errno == ENOSPC ? "full" : "write failed", strerror(errno));
		goto out;
	}
	j->ihash = hash_str(ev_identity(j->ev));
	j->enq_ms = j->next_ms = mono_ms();
	pthread_mutex_lock(&ch->dv->mu);
	TAILQ_INSERT_TAIL(&ch->inbox, j, link);
	ch->npending++;
	pthread_mutex_unlock(&ch->dv->mu);
	curl_multi_wakeup(ch->dv->multi);
	j = NULL;
	rc = 0;
out:
	if (rc == -1)
		atomic_fetch_add(&ch->dropped, 1);
	free(text);
	job_free(j);
	return rc;
}

int
netsink_drain(struct sink *s, dw_ms deadline)
{
	struct dchan	*ch = s->impl;
	int		 left;

	if (ch == NULL || ch->mode != NS_LIVE || ch->dv == NULL)
		return 0;
	pthread_mutex_lock(&ch->dv->mu);
	while (ch->npending > 0 && ch->dv->started) {
		struct timespec	ts;
		dw_ms		now = delivery_now_ms(), until;

		if (now >= deadline)
			break;
		until = deadline - now > 100 ? now + 100 : deadline;
		ts.tv_sec = (time_t)(until / 1000);
		ts.tv_nsec = (long)(until % 1000) * 1000000;
		pthread_cond_timedwait(&ch->dv->cv, &ch->dv->mu, &ts);
	}
	left = (int)ch->npending;
	pthread_mutex_unlock(&ch->dv->mu);
	return left;
}

void
netsink_close(struct sink *s)
{
	struct dchan	*ch = s->impl;

	if (ch == NULL)
		return;
	/* A live channel belongs to the engine, which must be stopped
	 * (delivery_free) first; sink.c does that. */
	chan_free(ch);
	s->impl = NULL;
}

void
netsink_stats(const struct sink *s, struct sink_stats *st)
{
	struct dchan	*ch = s->impl;
	dw_ms		 oldest;
	int		 i;

	memset(st, 0, sizeof(*st));
	st->network = 1;
	st->healthy = 1;
	if (ch == NULL)
		return;
	st->delivered = atomic_load(&ch->delivered);
	st->failed = atomic_load(&ch->failed);
	st->expired = atomic_load(&ch->expired);
	st->dropped = atomic_load(&ch->dropped);
	st->suppressed = atomic_load(&ch->suppressed);
	st->dry_run = atomic_load(&ch->dry_run);
	st->retries = atomic_load(&ch->retries);
	st->coalesced = atomic_load(&ch->coalesced);
	st->resent = atomic_load(&ch->resent);
	for (i = 0; i < REQ_CLASS_COUNT; i++)
		st->requests[i] = atomic_load(&ch->requests[i]);
	st->healthy = atomic_load(&ch->healthy);
	st->consecutive_failures = atomic_load(&ch->consecutive);
	if (ch->mode == NS_LIVE && ch->dv != NULL) {
		pthread_mutex_lock(&ch->dv->mu);
		st->pending = ch->npending;
		pthread_mutex_unlock(&ch->dv->mu);
		oldest = atomic_load(&ch->oldest_ms);
		if (st->pending > 0 && oldest != 0)
			st->oldest_age_s = (double)(mono_ms() - oldest) /
			    1000.0;
		st->outbox_bytes = ch->ob != NULL ? outbox_bytes(ch->ob) : 0;
	}
}
