/*
 * explain.c - why an alert did or did not fire, see explain.h.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "alert/alert.h"
#include "core/ydoc.h"
#include "explain.h"
#include "match/match.h"
#include "match/prefilter.h"
#include "match/rules.h"
#include "pipeline.h"

/* Label filters one question may carry. */
#define EXPLAIN_FILTERS_MAX	16

struct out {
	char	*p;
	size_t	 n, len;
	int	 cut;
};

static void	oprintf(struct out *, const char *, ...) DW_PRINTF(2, 3);

static void
oprintf(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	w;

	if (o->cut)
		return;
	va_start(ap, fmt);
	w = vsnprintf(o->p + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= o->n - o->len) {
		o->cut = 1;
		o->len = o->n > 14 ? o->n - 14 : 0;
		snprintf(o->p + o->len, o->n - o->len, "(truncated)\n");
		o->len = strlen(o->p);
		return;
	}
	o->len += (size_t)w;
}

static const char *
ts_text(dw_ms t, char *buf, size_t n)
{
	if (t == DW_MS_NONE) {
		snprintf(buf, n, "-");
		return buf;
	}
	format_rfc3339(t, buf, n);
	return buf;
}

struct explain_ctx {
	struct out	*o;
	dw_ms		 now;
	int		 nfilters;
	char		*fk[EXPLAIN_FILTERS_MAX], *fv[EXPLAIN_FILTERS_MAX];
	int		 shown;
};

static void
explain_key(void *arg, const struct alert_key_view *v)
{
	struct explain_ctx	*c = arg;
	const struct rule	*r = v->rule;
	char			 t1[40], t2[40], d[32];
	int			 i, j;

	for (i = 0; i < c->nfilters; i++) {
		for (j = 0; j < v->nlabels; j++)
			if (strcmp(v->label_names[j], c->fk[i]) == 0 &&
			    strcmp(v->label_values[j], c->fv[i]) == 0)
				break;
		if (j == v->nlabels)
			return;
	}
	c->shown++;
	oprintf(c->o, "  key {");
	for (j = 0; j < v->nlabels; j++)
		oprintf(c->o, "%s%s=\"%s\"", j > 0 ? "," : "",
		    v->label_names[j], v->label_values[j]);
	oprintf(c->o, "}: %s", alert_state_name(v->state));
	if (v->state == AS_PENDING)
		oprintf(c->o, " since %s", ts_text(v->pending_since, t1,
		    sizeof(t1)));
	else if (v->state == AS_FIRING)
		oprintf(c->o, " since %s", ts_text(v->firing_since, t1,
		    sizeof(t1)));
	oprintf(c->o, "\n");
	if (r->absent > 0)
		oprintf(c->o, "    last match %s; absent after %s of silence\n",
		    ts_text(v->last_match, t1, sizeof(t1)),
		    (format_duration(r->absent, d, sizeof(d)), d));
	else {
		oprintf(c->o, "    window holds %g match(es)", v->count);
		if (!isnan(v->value))
			oprintf(c->o, ", %s %g", rule_agg_name(r->agg),
			    v->value);
		oprintf(c->o, "; oldest %s, newest %s; last match %s\n",
		    ts_text(v->oldest, t1, sizeof(t1)),
		    ts_text(v->newest, t2, sizeof(t2)),
		    ts_text(v->last_match, d, sizeof(d)));
	}
	oprintf(c->o, "    condition (%s %s) is %s now\n",
	    r->absent > 0 ? "silence >=" : rule_agg_name(r->agg),
	    r->absent > 0 ? (format_duration(r->absent, d, sizeof(d)), d) :
	    r->threshold_text, v->condition ? "true" : "false");
	if (v->next_change != DW_MS_NONE) {
		format_duration(v->next_change - c->now, d, sizeof(d));
		oprintf(c->o, "    next change at %s (in %s): %s\n",
		    ts_text(v->next_change, t1, sizeof(t1)), d, v->next_what);
	} else
		oprintf(c->o, "    next change: %s\n", v->next_what);
}

/* Next space-separated word of *p (NUL-terminated in place), or NULL. */
static char *
next_word(char **p)
{
	char	*w = *p + strspn(*p, " \t\n");
	char	*e;

	if (*w == '\0')
		return NULL;
	e = w + strcspn(w, " \t\n");
	*p = *e != '\0' ? e + 1 : e;
	*e = '\0';
	return w;
}

static int
explain_rule(struct pipeline *pl, char *q, struct out *o)
{
	struct rules		*rs = pipeline_rules(pl);
	struct explain_ctx	 c;
	const struct rule	*r;
	char			*tok, *cur = q, t[40], w[32], f[32];
	int			 i;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.now = pipeline_now(pl);
	tok = next_word(&cur);
	r = tok != NULL ? rules_find(rs, tok) : NULL;
	if (r == NULL) {
		oprintf(o, "no rule \"%s\"; rules:", tok != NULL ? tok : "");
		for (i = 0; i < rs->n; i++)
			oprintf(o, " %s", rs->v[i]->name);
		oprintf(o, "\n");
		return -1;
	}
	while ((tok = next_word(&cur)) != NULL) {
		char	*eq = strchr(tok, '=');

		if (eq == NULL || c.nfilters >= EXPLAIN_FILTERS_MAX) {
			oprintf(o, "label filters look like role=u1 (at most "
			    "%d)\n", EXPLAIN_FILTERS_MAX);
			return -1;
		}
		*eq = '\0';
		c.fk[c.nfilters] = tok;
		c.fv[c.nfilters++] = eq + 1;
	}
	format_duration(r->window, w, sizeof(w));
	format_duration(r->for_ms, f, sizeof(f));
	oprintf(o, "rule %s (%s:%d), severity %s\n", r->name, r->file,
	    r->line, r->severity);
	oprintf(o, "  pattern '%s'%s%s\n", r->pattern, r->match_line ?
	    " on the raw line" : " on the message", r->prefiltered ? "" :
	    " (not prefiltered: every record is checked)");
	for (i = 0; i < r->nfilters; i++) {
		oprintf(o, "  where %s:", rec_field_name(r->filters[i].field));
		for (int k = 0; k < r->filters[i].nalts; k++)
			oprintf(o, " %s%s", r->filters[i].negate[k] ? "!" : "",
			    r->filters[i].alts[k]);
		oprintf(o, "\n");
	}
	if (r->has_condition)
		oprintf(o, "  counts only matches with %s %s %g\n",
		    r->value_name, rule_op_name(r->cond_op), r->cond_value);
	oprintf(o, "  alert when %s over %s %s, held for %s\n",
	    rule_agg_name(r->agg), w, r->threshold_text, f);
	oprintf(o, "  %llu match(es) counted so far, %llu alert(s) fired; "
	    "clock (event time) %s\n", (unsigned long long)r->matches,
	    (unsigned long long)r->alerts_fired,
	    ts_text(c.now, t, sizeof(t)));
	alert_foreach_key(pipeline_alerts(pl), r, explain_key, &c);
	if (c.shown == 0)
		oprintf(o, "  no key%s: nothing in the window. If you expected "
		    "a match, ask about a line: explain --line 'TEXT'\n",
		    c.nfilters > 0 ? " with those labels" : "");
	return 0;
}

static void
field_list(struct out *o, const struct log_record *rec)
{
	static const enum rec_field show[] = { RF_SOURCE, RF_PROCESS, RF_HOST,
	    RF_APP, RF_FORMAT, RF_KIND, RF_LEVEL, RF_SQLSTATE, RF_USER,
	    RF_DATABASE, RF_PID, RF_ATTACHMENT };
	size_t	i;

	for (i = 0; i < DW_NELEM(show); i++) {
		struct dw_str	v = rec_field_get(rec, show[i]);

		if (v.len > 0)
			oprintf(o, " %s=%.*s", rec_field_name(show[i]),
			    (int)v.len, v.p);
	}
}

static int
explain_line(struct pipeline *pl, const struct parse_conf *pc,
    const char *text, struct out *o)
{
	struct rules		*rs = pipeline_rules(pl);
	struct log_record	 rec;
	struct match_result	 res;
	enum parse_rc		 prc;
	int			*cands, ncand, i, j, nmatch = 0;
	char			 t[40];

	cands = calloc(RULES_MAX, sizeof(int));
	if (cands == NULL)
		return -1;
	prc = parse_line(&rec, dw_str_cstr(text), pc);
	oprintf(o, "parsed as %s%s%s:", rec_format_name(rec.format),
	    prc != PARSE_OK ? ", broken: " : "",
	    prc != PARSE_OK ? parse_rc_name(prc) : "");
	field_list(o, &rec);
	oprintf(o, " time=%s\n  message: %.*s\n", ts_text(rec.ts, t,
	    sizeof(t)), (int)rec.message.len, rec.message.p);
	if (rec.kind == KIND_PG_CHUNK || rec.kind == KIND_PG_CONT)
		oprintf(o, "  (a continuation: in a stream it is joined to the "
		    "record before it, which is what rules see)\n");
	ncand = prefilter_scan_text(rs->pf, rec.line.p, rec.line.len, cands,
	    0);
	for (i = 0; i < rs->n; i++) {
		struct rule	*r = rs->v[i];
		enum match_rc	 mrc;

		for (j = 0; j < ncand && cands[j] != i; j++)
			;
		oprintf(o, "rule %s: ", r->name);
		if (j == ncand) {
			oprintf(o, "no: the prefilter found no possible "
			    "match\n");
			continue;
		}
		mrc = match_rule(r, &rec, &res);
		switch (mrc) {
		case MATCH_FILTERED: {
			const struct rule_filter *f =
			    &r->filters[res.failed_filter];
			struct dw_str v = rec_field_get(&rec, f->field);

			oprintf(o, "no: where %s rejects %s=\"%.*s\"\n",
			    rec_field_name(f->field), rec_field_name(f->field),
			    (int)v.len, v.p);
			break;
		}
		case MATCH_NO:
			oprintf(o, "no: the pattern does not match the %s\n",
			    r->match_line ? "line" : "message");
			break;
		case MATCH_NO_VALUE:
			oprintf(o, "no: matched, but %s is not a number\n",
			    r->value_name);
			break;
		case MATCH_CONDITION:
			oprintf(o, "no: matched, but the condition %s %s %g is "
			    "false for %g\n", r->value_name,
			    rule_op_name(r->cond_op), r->cond_value, res.value);
			break;
		case MATCH_YES:
			nmatch++;
			oprintf(o, "MATCH");
			for (j = 0; j < r->ngroup; j++)
				oprintf(o, "%s%s=\"%.*s\"", j == 0 ? " " : ",",
				    r->group[j].name, (int)res.values[j].len,
				    res.values[j].p);
			if (r->value_capture >= 0)
				oprintf(o, " value %g", res.value);
			oprintf(o, " (alert when %s over the window %s)\n",
			    rule_agg_name(r->agg), r->threshold_text);
			break;
		}
	}
	oprintf(o, "%d rule(s) match\n", nmatch);
	free(cands);
	return 0;
}

int
explain_answer(struct pipeline *pl, const struct parse_conf *pc,
    const char *question, char *buf, size_t n)
{
	struct out	o = { buf, n, 0, 0 };
	char		*q;
	int		 rc;

	if (n == 0)
		return -1;
	buf[0] = '\0';
	if (strncmp(question, "--line ", 7) == 0)
		return explain_line(pl, pc, question + 7, &o);
	q = strdup(question);
	if (q == NULL)
		return -1;
	rc = explain_rule(pl, q, &o);
	free(q);
	return rc;
}

struct explain_box {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	char		*question;	/* set by the asker */
	char		*answer;	/* set by the pipeline thread */
	int		 busy;
};

struct explain_box *
explain_box_new(void)
{
	struct explain_box	*b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	return b;
}

void
explain_box_free(struct explain_box *b)
{
	if (b == NULL)
		return;
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	free(b->question);
	free(b->answer);
	free(b);
}

int
explain_box_ask(struct explain_box *b, const char *question, char **answer,
    dw_ms timeout_ms)
{
	struct timespec	dl;
	int		rc = -1;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&b->mu);
	if (b->busy)
		goto out;
	b->busy = 1;
	b->question = strdup(question);
	while (b->answer == NULL && b->question != NULL)
		if (pthread_cond_timedwait(&b->cv, &b->mu, &dl) != 0)
			break;
	*answer = b->answer;
	rc = b->answer != NULL ? 0 : -1;
	b->answer = NULL;
	free(b->question);
	b->question = NULL;
	b->busy = 0;
out:
	pthread_mutex_unlock(&b->mu);
	return rc;
}

void
explain_box_serve(struct explain_box *b, struct pipeline *pl,
    const struct parse_conf *pc)
{
	char	*q = NULL, *buf;

	pthread_mutex_lock(&b->mu);
	if (b->question != NULL && b->answer == NULL)
		q = strdup(b->question);
	pthread_mutex_unlock(&b->mu);
	if (q == NULL)
		return;
	buf = malloc(EXPLAIN_ANSWER_MAX);
	if (buf != NULL)
		explain_answer(pl, pc, q, buf, EXPLAIN_ANSWER_MAX);
	free(q);
	pthread_mutex_lock(&b->mu);
	if (b->question != NULL && b->answer == NULL && buf != NULL) {
		b->answer = buf;
		buf = NULL;
		pthread_cond_signal(&b->cv);
	}
	pthread_mutex_unlock(&b->mu);
	free(buf);
}

/* A reply body, bounded by EXPLAIN_ANSWER_MAX. */
struct growbuf {
	char	*p;
	size_t	 len;
};

static size_t
curl_collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct growbuf	*g = arg;
	size_t		 n = size * nmemb;
	char		*np;

	if (g->len + n > EXPLAIN_ANSWER_MAX)
		return 0;
	np = realloc(g->p, g->len + n + 1);
	if (np == NULL)
		return 0;
	memcpy(np + g->len, data, n);
	g->p = np;
	g->len += n;
	g->p[g->len] = '\0';
	return n;
}

int
explain_remote(const char *base, const char *question, FILE *out)
{
	CURL		*c;
	struct growbuf	 g = { NULL, 0 };
	const char	*user = getenv("DRAINWATCH_USER");
	const char	*pass = getenv("DRAINWATCH_PASSWORD");
	char		 url[1024], userpwd[512];
	long		 code = 0;
	CURLcode	 cc;
	int		 rc = -1;

	if (base != NULL)
		snprintf(url, sizeof(url), "%s/-/explain", base);
	else if (getenv("DRAINWATCH_URL") != NULL)
		snprintf(url, sizeof(url), "%s/-/explain",
		    getenv("DRAINWATCH_URL"));
	else
		snprintf(url, sizeof(url), "http://127.0.0.1:%s/-/explain",
		    getenv("PORT") != NULL ? getenv("PORT") : "8080");
	c = curl_easy_init();
	if (c == NULL)
		return -1;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, question);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (getenv("DRAINWATCH_CACERT") != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO,
		    getenv("DRAINWATCH_CACERT"));
	if (user != NULL && pass != NULL) {
		snprintf(userpwd, sizeof(userpwd), "%s:%s", user, pass);
		curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (cc != CURLE_OK)
		fprintf(stderr, "drainwatch explain: cannot reach the agent at "
		    "%s: %s (is it running with a drain endpoint? --url)\n",
		    url, curl_easy_strerror(cc));
	else if (code == 401)
		fprintf(stderr, "drainwatch explain: 401: set DRAINWATCH_USER "
		    "and DRAINWATCH_PASSWORD\n");
	else {
		if (g.p != NULL)
			fputs(g.p, out);
		rc = code == 200 ? 0 : -1;
	}
	free(g.p);
	curl_easy_cleanup(c);
	return rc;
}
