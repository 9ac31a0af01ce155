/*
 * alert_event.c - one alert notification: copy, free, JSON both ways,
 * RFC 3339 time stamps (see alert_event.h).
 *
 * Cold path only: every function here allocates. The JSON form is the
 * console sink's output and the outbox's record format, so it must
 * round-trip: alert_event_from_json(alert_event_to_json(e)) equals e
 * (strings are repaired to valid UTF-8 on the way out, because log
 * lines may hold any bytes and JSON receivers reject invalid UTF-8).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/alert_event.h"
#include "core/ydoc.h"

/* Longest RFC 3339 stamp we write: "-292277026596-12-04T15:30:07.000Z"
 * cannot happen for real dates; 40 bytes holds any year up to 9999. */
#define RFC3339_MAX_BYTES	40

const char *
alert_status_name(enum alert_status st)
{
	return st == ALERT_RESOLVED ? "resolved" : "firing";
}

const char *
alert_event_label(const struct alert_event *ev, const char *name)
{
	int	i;

	for (i = 0; i < ev->nlabels; i++)
		if (ev->labels[i].name != NULL &&
		    strcmp(ev->labels[i].name, name) == 0)
			return ev->labels[i].value;
	return NULL;
}

void
alert_event_free(struct alert_event *ev)
{
	int	i;

	if (ev == NULL)
		return;
	free(ev->rule);
	free(ev->severity);
	free(ev->fingerprint);
	free(ev->identity);
	for (i = 0; i < ev->nlabels; i++) {
		free(ev->labels[i].name);
		free(ev->labels[i].value);
	}
	free(ev->summary);
	free(ev->description);
	free(ev->aggregate);
	free(ev->threshold);
	free(ev->first_line);
	free(ev->last_line);
	free(ev);
}

/* strdup that keeps NULL; sets *bad on allocation failure. */
static char *
dup_or_null(const char *s, int *bad)
{
	char	*d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*bad = 1;
	return d;
}

struct alert_event *
alert_event_dup(const struct alert_event *src)
{
	struct alert_event	*ev;
	int			 i, bad = 0;

	ev = calloc(1, sizeof(*ev));
	if (ev == NULL)
		return NULL;
	*ev = *src;
	ev->rule = dup_or_null(src->rule, &bad);
	ev->severity = dup_or_null(src->severity, &bad);
	ev->fingerprint = dup_or_null(src->fingerprint, &bad);
	ev->identity = dup_or_null(src->identity, &bad);
	ev->nlabels = 0;
	for (i = 0; i < src->nlabels && i < ALERT_LABELS_MAX; i++) {
		ev->labels[i].name = dup_or_null(src->labels[i].name, &bad);
		ev->labels[i].value = dup_or_null(src->labels[i].value, &bad);
		ev->nlabels = i + 1;
	}
	ev->summary = dup_or_null(src->summary, &bad);
	ev->description = dup_or_null(src->description, &bad);
	ev->aggregate = dup_or_null(src->aggregate, &bad);
	ev->threshold = dup_or_null(src->threshold, &bad);
	ev->first_line = dup_or_null(src->first_line, &bad);
	ev->last_line = dup_or_null(src->last_line, &bad);
	if (bad) {
		alert_event_free(ev);
		return NULL;
	}
	return ev;
}

/*
 * Length of the valid UTF-8 sequence at p (1..4), or 0 if the bytes at
 * p are not one (overlong forms, surrogates and code points above
 * U+10FFFF are invalid, RFC 3629 section 4).
 */
static size_t
utf8_seq_len(const unsigned char *p, const unsigned char *end)
{
	size_t		n, i;
	uint32_t	cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/*
 * NULL if s is valid UTF-8 (use it as is), else a copy with every
 * invalid byte replaced by U+FFFD. *bad is set if allocation failed.
 */
static char *
utf8_repaired(const char *s, int *bad)
{
	const unsigned char	*p = (const unsigned char *)s, *end;
	char			*out;
	size_t			 o = 0, n, len = strlen(s);

	end = p + len;
	while (p < end && (n = utf8_seq_len(p, end)) != 0)
		p += n;
	if (p == end)
		return NULL;
	out = malloc(len * 3 + 1);	/* worst case: every byte invalid */
	if (out == NULL) {
		*bad = 1;
		return NULL;
	}
	for (p = (const unsigned char *)s; p < end;) {
		n = utf8_seq_len(p, end);
		if (n == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		} else {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		}
	}
	out[o] = '\0';
	return out;
}

/* Add s (repaired to valid UTF-8) as key, or null if s is NULL. */
static void
json_add_str(cJSON *obj, const char *key, const char *s, int *bad)
{
	char	*fixed;

	if (s == NULL) {
		if (cJSON_AddNullToObject(obj, key) == NULL)
			*bad = 1;
		return;
	}
	fixed = utf8_repaired(s, bad);
	if (cJSON_AddStringToObject(obj, key, fixed != NULL ? fixed : s) ==
	    NULL)
		*bad = 1;
	free(fixed);
}

static void
json_add_time(cJSON *obj, const char *key, dw_ms t, int *bad)
{
	char	buf[RFC3339_MAX_BYTES];

	if (t == 0 || t == DW_MS_NONE) {
		if (cJSON_AddNullToObject(obj, key) == NULL)
			*bad = 1;
		return;
	}
	format_rfc3339(t, buf, sizeof(buf));
	if (cJSON_AddStringToObject(obj, key, buf) == NULL)
		*bad = 1;
}

/* "5m", "1h30m", "250ms": format_duration() when it reads back exactly,
 * else plain milliseconds, so the outbox round-trip is lossless. */
static void
window_text(dw_ms ms, char *out, size_t n)
{
	dw_ms	back;

	format_duration(ms, out, n);
	if (parse_duration_ms(out, &back) == 0 && back == ms)
		return;
	snprintf(out, n, "%lldms", (long long)ms);
}

cJSON *
alert_event_to_json(const struct alert_event *ev)
{
	cJSON	*o = NULL, *labels, *ann;
	char	 win[64];
	int	 i, bad = 0;

	o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	if (cJSON_AddStringToObject(o, "status",
	    alert_status_name(ev->status)) == NULL)
		bad = 1;
	json_add_str(o, "rule", ev->rule, &bad);
	json_add_str(o, "fingerprint", ev->fingerprint, &bad);
	json_add_str(o, "identity", ev->identity, &bad);
	json_add_str(o, "severity", ev->severity, &bad);
	labels = cJSON_AddObjectToObject(o, "labels");
	if (labels == NULL)
		bad = 1;
	for (i = 0; labels != NULL && i < ev->nlabels; i++)
		if (ev->labels[i].name != NULL)
			json_add_str(labels, ev->labels[i].name,
			    ev->labels[i].value != NULL ?
			    ev->labels[i].value : "", &bad);
	ann = cJSON_AddObjectToObject(o, "annotations");
	if (ann == NULL)
		bad = 1;
	else {
		json_add_str(ann, "summary", ev->summary, &bad);
		json_add_str(ann, "description", ev->description, &bad);
	}
	if (cJSON_AddNumberToObject(o, "count", ev->count) == NULL)
		bad = 1;
	if (ev->has_value && isfinite(ev->value)) {
		if (cJSON_AddNumberToObject(o, "value", ev->value) == NULL)
			bad = 1;
	} else if (cJSON_AddNullToObject(o, "value") == NULL)
		bad = 1;
	json_add_str(o, "aggregate", ev->aggregate, &bad);
	json_add_str(o, "threshold", ev->threshold, &bad);
	window_text(ev->window_ms, win, sizeof(win));
	if (cJSON_AddStringToObject(o, "window", win) == NULL)
		bad = 1;
	json_add_time(o, "starts_at", ev->starts_at, &bad);
	json_add_time(o, "ends_at", ev->ends_at, &bad);
	json_add_time(o, "at", ev->at, &bad);
	if (cJSON_AddNumberToObject(o, "matches_total",
	    (double)ev->matches_total) == NULL)
		bad = 1;
	json_add_str(o, "first_line", ev->first_line, &bad);
	json_add_str(o, "last_line", ev->last_line, &bad);
	if (cJSON_AddBoolToObject(o, "reminder", ev->reminder != 0) == NULL)
		bad = 1;
	if (cJSON_AddNumberToObject(o, "seq", (double)ev->seq) == NULL)
		bad = 1;
	if (bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* ndig decimal digits at *p into *v, advancing *p; 0 or -1. */
static int
cur_digits(const char **p, const char *end, int ndig, int *v)
{
	int	i, x = 0;

	if (end - *p < ndig)
		return -1;
	for (i = 0; i < ndig; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += ndig;
	*v = x;
	return 0;
}

static int
cur_char(const char **p, const char *end, char ch)
{
	if (*p >= end || **p != ch)
		return -1;
	(*p)++;
	return 0;
}

/*
 * Parse "YYYY-MM-DDTHH:MM:SS[.fff...](Z|+hh:mm|-hh:mm)" (RFC 3339
 * section 5.6) into epoch ms. Fractions beyond ms are dropped.
 */
static int
parse_rfc3339(const char *s, dw_ms *out)
{
	const char	*p = s, *end = s + strlen(s);
	struct tm	 tm;
	int		 y, mo, d, h, mi, sec, ms = 0, sign, oh, om, digits;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	if (cur_digits(&p, end, 4, &y) || cur_char(&p, end, '-') ||
	    cur_digits(&p, end, 2, &mo) || cur_char(&p, end, '-') ||
	    cur_digits(&p, end, 2, &d) ||
	    (cur_char(&p, end, 'T') && cur_char(&p, end, 't') &&
	    cur_char(&p, end, ' ')) ||
	    cur_digits(&p, end, 2, &h) || cur_char(&p, end, ':') ||
	    cur_digits(&p, end, 2, &mi) || cur_char(&p, end, ':') ||
	    cur_digits(&p, end, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	if (cur_char(&p, end, '.') == 0) {
		for (digits = 0; p < end && *p >= '0' && *p <= '9'; p++) {
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
			digits++;
		}
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	sign = 0;
	if (cur_char(&p, end, 'Z') == 0 || cur_char(&p, end, 'z') == 0)
		sign = 0;
	else if (cur_char(&p, end, '+') == 0)
		sign = 1;
	else if (cur_char(&p, end, '-') == 0)
		sign = -1;
	else
		return -1;
	oh = om = 0;
	if (sign != 0 && (cur_digits(&p, end, 2, &oh) ||
	    cur_char(&p, end, ':') || cur_digits(&p, end, 2, &om)))
		return -1;
	if (p != end)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = (dw_ms)t * 1000 + ms - (dw_ms)sign * (oh * 3600 + om * 60) *
	    1000;
	return 0;
}

void
format_rfc3339(dw_ms t, char *out, size_t n)
{
	struct tm	tm;
	time_t		secs;
	dw_ms		ms;
	size_t		len;

	if (n == 0)
		return;
	secs = (time_t)(t / 1000);
	ms = t % 1000;
	if (ms < 0) {			/* floor for times before 1970 */
		ms += 1000;
		secs--;
	}
	if (gmtime_r(&secs, &tm) == NULL) {
		snprintf(out, n, "1970-01-01T00:00:00.000Z");
		return;
	}
	len = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	if (len == 0) {
		out[0] = '\0';
		return;
	}
	snprintf(out + len, n - len, ".%03dZ", (int)ms);
}

/* String member or NULL (absent, null or another type). */
static char *
json_get_str(const cJSON *o, const char *key, int *bad)
{
	const cJSON	*it = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return NULL;
	return dup_or_null(it->valuestring, bad);
}

static double
json_get_num(const cJSON *o, const char *key, double def)
{
	const cJSON	*it = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(it) ? it->valuedouble : def;
}

/* RFC 3339 member into *t (0 when null/absent); -1 if unparsable. */
static int
json_get_time(const cJSON *o, const char *key, dw_ms *t)
{
	const cJSON	*it = cJSON_GetObjectItemCaseSensitive(o, key);

	*t = 0;
	if (it == NULL || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsString(it) || parse_rfc3339(it->valuestring, t) == -1)
		return -1;
	return 0;
}

struct alert_event *
alert_event_from_json(const cJSON *o)
{
	struct alert_event	*ev = NULL;
	const cJSON		*it, *lab, *ann;
	int			 bad = 0;

	if (!cJSON_IsObject(o))
		return NULL;
	ev = calloc(1, sizeof(*ev));
	if (ev == NULL)
		return NULL;
	it = cJSON_GetObjectItemCaseSensitive(o, "status");
	if (!cJSON_IsString(it))
		goto fail;
	if (strcmp(it->valuestring, "firing") == 0)
		ev->status = ALERT_FIRING;
	else if (strcmp(it->valuestring, "resolved") == 0)
		ev->status = ALERT_RESOLVED;
	else
		goto fail;
	ev->rule = json_get_str(o, "rule", &bad);
	ev->fingerprint = json_get_str(o, "fingerprint", &bad);
	ev->identity = json_get_str(o, "identity", &bad);
	ev->severity = json_get_str(o, "severity", &bad);
	if (ev->rule == NULL || ev->fingerprint == NULL)
		goto fail;
	lab = cJSON_GetObjectItemCaseSensitive(o, "labels");
	if (lab != NULL && !cJSON_IsObject(lab))
		goto fail;
	cJSON_ArrayForEach(it, lab) {
		if (ev->nlabels == ALERT_LABELS_MAX || !cJSON_IsString(it))
			goto fail;
		ev->labels[ev->nlabels].name = dup_or_null(it->string, &bad);
		ev->labels[ev->nlabels].value = dup_or_null(it->valuestring,
		    &bad);
		ev->nlabels++;
	}
	ann = cJSON_GetObjectItemCaseSensitive(o, "annotations");
	if (cJSON_IsObject(ann)) {
		ev->summary = json_get_str(ann, "summary", &bad);
		ev->description = json_get_str(ann, "description", &bad);
	}
	ev->count = json_get_num(o, "count", 0);
	it = cJSON_GetObjectItemCaseSensitive(o, "value");
	if (cJSON_IsNumber(it)) {
		ev->has_value = 1;
		ev->value = it->valuedouble;
	}
	ev->aggregate = json_get_str(o, "aggregate", &bad);
	ev->threshold = json_get_str(o, "threshold", &bad);
	it = cJSON_GetObjectItemCaseSensitive(o, "window");
	if (cJSON_IsString(it) &&
	    parse_duration_ms(it->valuestring, &ev->window_ms) == -1)
		goto fail;
	if (json_get_time(o, "starts_at", &ev->starts_at) == -1 ||
	    json_get_time(o, "ends_at", &ev->ends_at) == -1 ||
	    json_get_time(o, "at", &ev->at) == -1)
		goto fail;
	ev->matches_total = (uint64_t)json_get_num(o, "matches_total", 0);
	ev->first_line = json_get_str(o, "first_line", &bad);
	ev->last_line = json_get_str(o, "last_line", &bad);
	ev->reminder = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
	    "reminder"));
	ev->seq = (uint64_t)json_get_num(o, "seq", 0);
	if (bad)
		goto fail;
	return ev;
fail:
	alert_event_free(ev);
	return NULL;
}
