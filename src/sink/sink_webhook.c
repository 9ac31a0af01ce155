/*
 * sink_webhook.c - generic JSON webhook in Prometheus Alertmanager's
 * webhook format, version "4" (a network sink, delivered by
 * delivery.c), so receivers written for Alertmanager work unchanged.
 *
 * Spec: prometheus/alertmanager docs/configuration.md <webhook_config>:
 *   {"version":"4","groupKey":...,"truncatedAlerts":0,"status":...,
 *    "receiver":...,"groupLabels":{},"commonLabels":{},
 *    "commonAnnotations":{},"externalURL":...,"alerts":[{"status":...,
 *    "labels":{},"annotations":{},"startsAt":...,"endsAt":...,
 *    "generatorURL":...,"fingerprint":...}]}
 * Each notification is one group holding one alert: the group is the
 * alert identity (groupLabels = the alert's labels, groupKey
 * "{}:{k=\"v\",...}"), so a receiver that keys on groupKey never mixes
 * two identities. Firing alerts carry endsAt "0001-01-01T00:00:00Z",
 * as Alertmanager sends them. Annotations hold summary and
 * description plus drainwatch's figures (count, value, threshold,
 * window, sample line) as strings. Custom headers (e.g. Authorization)
 * come from `headers:`.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink/delivery.h"
#include "sink/sink.h"

/* Longest annotation text we send (sample lines, description). */
#define WEBHOOK_ANNOTATION_MAX_BYTES	1024
/* Go's zero time, which Alertmanager sends as endsAt while firing. */
#define WEBHOOK_ZERO_TIME		"0001-01-01T00:00:00Z"

struct webhook_conf {
	struct dchan_conf	 dc;
	char			*receiver;
	char			*external_url;
	char			*generator_url;
};

static const struct conf_key webhook_keys[] = {
	DCHAN_CONF_KEYS(struct webhook_conf, dc, "0", "1", "4"),
	{ "headers", CONF_NODE, offsetof(struct webhook_conf, dc.headers),
	    NULL, "extra HTTP headers, {Name: value} (values may be ${VAR})" },
	{ "receiver", CONF_STRING, offsetof(struct webhook_conf, receiver),
	    NULL, "\"receiver\" field (default: the sink's name)" },
	{ "external_url", CONF_STRING,
	    offsetof(struct webhook_conf, external_url), "",
	    "\"externalURL\" field" },
	{ "generator_url", CONF_STRING,
	    offsetof(struct webhook_conf, generator_url), "",
	    "each alert's \"generatorURL\"" },
};

static void
webhook_free(void *arg)
{
	struct webhook_conf	*c = arg;

	if (c == NULL)
		return;
	free(c->dc.url);
	free(c->receiver);
	free(c->external_url);
	free(c->generator_url);
	free(c);
}

static cJSON *
labels_obj(const struct alert_event *ev)
{
	cJSON	*o = cJSON_CreateObject();
	int	 i;

	for (i = 0; o != NULL && i < ev->nlabels; i++)
		cJSON_AddStringToObject(o, ev->labels[i].name,
		    ev->labels[i].value != NULL ? ev->labels[i].value : "");
	if (o != NULL && alert_event_label(ev, "alertname") == NULL &&
	    ev->rule != NULL)
		cJSON_AddStringToObject(o, "alertname", ev->rule);
	return o;
}

static void
add_cut(cJSON *o, const char *key, const char *s)
{
	char	*c;

	if (s == NULL || s[0] == '\0')
		return;
	c = sink_strcut(s, WEBHOOK_ANNOTATION_MAX_BYTES);
	if (c != NULL)
		cJSON_AddStringToObject(o, key, c);
	free(c);
}

static cJSON *
annotations_obj(const struct alert_event *ev)
{
	cJSON	*o = cJSON_CreateObject();
	char	 num[64], win[32];

	if (o == NULL)
		return NULL;
	add_cut(o, "summary", ev->summary);
	add_cut(o, "description", ev->description);
	snprintf(num, sizeof(num), "%.15g", ev->count);
	cJSON_AddStringToObject(o, "count", num);
	if (ev->has_value) {
		snprintf(num, sizeof(num), "%.15g", ev->value);
		cJSON_AddStringToObject(o, "value", num);
		add_cut(o, "aggregate", ev->aggregate);
	}
	add_cut(o, "threshold", ev->threshold);
	format_duration(ev->window_ms, win, sizeof(win));
	cJSON_AddStringToObject(o, "window", win);
	add_cut(o, "first_line", ev->first_line);
	add_cut(o, "last_line", ev->last_line);
	return o;
}

/* groupKey of a group made of this alert's labels, in Alertmanager's
 * "{route matchers}:{group labels}" shape, values quoted. */
static char *
group_key(const cJSON *labels)
{
	const cJSON	*it;
	char		*s, *t, *q;
	int		 first = 1;

	s = strdup("{}:{");
	cJSON_ArrayForEach(it, labels) {
		if (s == NULL)
			return NULL;
		q = cJSON_PrintUnformatted(it);
		if (q == NULL || asprintf(&t, "%s%s%s=%s", s, first ? "" : ",",
		    it->string, q) == -1) {
			free(q);
			free(s);
			return NULL;
		}
		free(q);
		free(s);
		s = t;
		first = 0;
	}
	if (s == NULL || asprintf(&t, "%s}", s) == -1)
		t = NULL;
	free(s);
	return t;
}

static char *
webhook_format(void *arg, struct alert_event *const *evs, int n, int *used,
    dw_ms now)
{
	struct webhook_conf		*c = arg;
	const struct alert_event	*ev = evs[0];
	const char			*st = alert_status_name(ev->status);
	cJSON				*root, *alerts, *a, *labels;
	char				*gk = NULL, *out = NULL, ts[40];

	*used = 1;
	root = cJSON_CreateObject();
	labels = labels_obj(ev);
	gk = group_key(labels);
	cJSON_Delete(labels);
	if (root == NULL || gk == NULL)
		goto out;
	cJSON_AddStringToObject(root, "version", "4");
	cJSON_AddStringToObject(root, "groupKey", gk);
	cJSON_AddNumberToObject(root, "truncatedAlerts", 0);
	cJSON_AddStringToObject(root, "status", st);
	cJSON_AddStringToObject(root, "receiver", c->receiver);
	cJSON_AddItemToObject(root, "groupLabels", labels_obj(ev));
	cJSON_AddItemToObject(root, "commonLabels", labels_obj(ev));
	cJSON_AddItemToObject(root, "commonAnnotations", annotations_obj(ev));
	cJSON_AddStringToObject(root, "externalURL", c->external_url);
	alerts = cJSON_AddArrayToObject(root, "alerts");
	a = cJSON_CreateObject();
	if (alerts == NULL || a == NULL) {
		cJSON_Delete(a);
		goto out;
	}
	cJSON_AddItemToArray(alerts, a);
	cJSON_AddStringToObject(a, "status", st);
	cJSON_AddItemToObject(a, "labels", labels_obj(ev));
	cJSON_AddItemToObject(a, "annotations", annotations_obj(ev));
	format_rfc3339(ev->starts_at != 0 ? ev->starts_at : ev->at, ts,
	    sizeof(ts));
	cJSON_AddStringToObject(a, "startsAt", ts);
	if (ev->status == ALERT_RESOLVED) {
		format_rfc3339(ev->ends_at != 0 ? ev->ends_at : ev->at, ts,
		    sizeof(ts));
		cJSON_AddStringToObject(a, "endsAt", ts);
	} else
		cJSON_AddStringToObject(a, "endsAt", WEBHOOK_ZERO_TIME);
	cJSON_AddStringToObject(a, "generatorURL", c->generator_url);
	cJSON_AddStringToObject(a, "fingerprint", ev->fingerprint != NULL ?
	    ev->fingerprint : "");
	out = cJSON_PrintUnformatted(root);
out:
	free(gk);
	cJSON_Delete(root);
	return out;
}

static int
webhook_open(struct sink *s, const struct ynode *map, const char *file,
    struct diag *dg)
{
	struct webhook_conf	*c;
	struct dchan_spec	 spec;
	struct dchan_conf	 dc;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -1;
	conf_defaults(webhook_keys, DW_NELEM(webhook_keys), c);
	if (conf_apply(webhook_keys, DW_NELEM(webhook_keys), map, c, file,
	    dg) > 0) {
		webhook_free(c);
		return -1;
	}
	if (c->receiver == NULL && (c->receiver = strdup(s->name)) == NULL) {
		webhook_free(c);
		return -1;
	}
	dc = c->dc;
	c->dc.url = NULL;
	memset(&spec, 0, sizeof(spec));
	spec.type = "webhook";
	spec.format = webhook_format;
	spec.arg = c;
	spec.free_arg = webhook_free;
	spec.content_type = "application/json";
	return netsink_open(s, map, &dc, &spec, file, dg);
}

const struct sink_ops sink_webhook_ops = {
	.type	= "webhook",
	.open	= webhook_open,
	.emit	= netsink_emit,
	.drain	= netsink_drain,
	.close	= netsink_close,
};
