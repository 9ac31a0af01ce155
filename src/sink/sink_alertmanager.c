/*
 * sink_alertmanager.c - push alerts into a Prometheus Alertmanager (a
 * network sink, delivered by delivery.c), so teams that run one route,
 * silence and inhibit drainwatch's alerts there.
 *
 * POST <url>/api/v2/alerts with a JSON array of
 *   {"labels":{...},"annotations":{...},"startsAt":...,"endsAt":...,
 *    "generatorURL":...}
 * (prometheus/alertmanager api/v2/openapi.yaml postAlerts; 200 on
 * success). Alertmanager expects clients to re-send firing alerts at
 * regular intervals until they resolve (docs/clients.md); the engine
 * does that every resend_interval (delivery.c, spec.resend_ms) and each
 * firing alert carries endsAt = now + 4 x resend_interval, as
 * Prometheus does, so an alert whose sender died expires on its own.
 * A resolution is sent with endsAt = when it resolved. The alert's
 * severity is added as a label (unless it has one), as Alertmanager
 * routing trees usually match on it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink/delivery.h"
#include "sink/sink.h"

#define AM_ALERTS_PATH			"/api/v2/alerts"
/* Longest annotation text we send. */
#define AM_ANNOTATION_MAX_BYTES		1024
/* endsAt of a firing alert = now + this many resend intervals. */
#define AM_ENDS_AT_RESENDS		4

struct am_conf {
	struct dchan_conf	 dc;
	dw_ms			 resend_ms;
	char			*generator_url;
};

static const struct conf_key am_keys[] = {
	DCHAN_CONF_KEYS(struct am_conf, dc, "0", "1", "2"),
	DCHAN_BATCH_KEY(struct am_conf, dc, "64",
	    "alerts one POST may carry (max 64)"),
	{ "headers", CONF_NODE, offsetof(struct am_conf, dc.headers), NULL,
	    "extra HTTP headers, {Name: value} (values may be ${VAR})" },
	{ "resend_interval", CONF_DURATION, offsetof(struct am_conf,
	    resend_ms), "1m", "re-send firing alerts this often" },
	{ "generator_url", CONF_STRING, offsetof(struct am_conf,
	    generator_url), "", "each alert's generatorURL" },
};

static void
am_free(void *arg)
{
	struct am_conf	*c = arg;

	if (c == NULL)
		return;
	free(c->dc.url);
	free(c->generator_url);
	free(c);
}

static void
add_cut(cJSON *o, const char *key, const char *s)
{
	char	*c;

	if (s == NULL || s[0] == '\0')
		return;
	c = sink_strcut(s, AM_ANNOTATION_MAX_BYTES);
	if (c != NULL)
		cJSON_AddStringToObject(o, key, c);
	free(c);
}

static cJSON *
am_alert(const struct am_conf *c, const struct alert_event *ev, dw_ms now)
{
	cJSON	*a, *labels, *ann;
	char	 ts[40], num[64], win[32];
	int	 i;

	a = cJSON_CreateObject();
	if (a == NULL)
		return NULL;
	labels = cJSON_AddObjectToObject(a, "labels");
	ann = cJSON_AddObjectToObject(a, "annotations");
	if (labels == NULL || ann == NULL) {
		cJSON_Delete(a);
		return NULL;
	}
	for (i = 0; i < ev->nlabels; i++)
		cJSON_AddStringToObject(labels, ev->labels[i].name,
		    ev->labels[i].value != NULL ? ev->labels[i].value : "");
	if (alert_event_label(ev, "alertname") == NULL && ev->rule != NULL)
		cJSON_AddStringToObject(labels, "alertname", ev->rule);
	if (alert_event_label(ev, "severity") == NULL && ev->severity != NULL)
		cJSON_AddStringToObject(labels, "severity", ev->severity);
	add_cut(ann, "summary", ev->summary);
	add_cut(ann, "description", ev->description);
	snprintf(num, sizeof(num), "%.15g", ev->has_value ? ev->value :
	    ev->count);
	cJSON_AddStringToObject(ann, ev->has_value ? "value" : "count", num);
	add_cut(ann, "threshold", ev->threshold);
	format_duration(ev->window_ms, win, sizeof(win));
	cJSON_AddStringToObject(ann, "window", win);
	add_cut(ann, "last_line", ev->last_line);
	format_rfc3339(ev->starts_at != 0 ? ev->starts_at : ev->at, ts,
	    sizeof(ts));
	cJSON_AddStringToObject(a, "startsAt", ts);
	if (ev->status == ALERT_RESOLVED)
		format_rfc3339(ev->ends_at != 0 ? ev->ends_at : ev->at, ts,
		    sizeof(ts));
	else
		format_rfc3339(now + AM_ENDS_AT_RESENDS * c->resend_ms, ts,
		    sizeof(ts));
	cJSON_AddStringToObject(a, "endsAt", ts);
	if (c->generator_url != NULL && c->generator_url[0] != '\0')
		cJSON_AddStringToObject(a, "generatorURL", c->generator_url);
	return a;
}

static char *
am_format(void *arg, struct alert_event *const *evs, int n, int *used,
    dw_ms now)
{
	struct am_conf	*c = arg;
	cJSON		*arr, *a;
	char		*out = NULL;
	int		 i;

	arr = cJSON_CreateArray();
	if (arr == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		a = am_alert(c, evs[i], now);
		if (a == NULL)
			break;
		cJSON_AddItemToArray(arr, a);
	}
	*used = i;
	if (i > 0)
		out = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	return out;
}

static int
am_open(struct sink *s, const struct ynode *map, const char *file,
    struct diag *dg)
{
	struct am_conf		*c;
	struct dchan_spec	 spec;
	struct dchan_conf	 dc;
	size_t			 len;
	char			*url;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -1;
	conf_defaults(am_keys, DW_NELEM(am_keys), c);
	if (conf_apply(am_keys, DW_NELEM(am_keys), map, c, file, dg) > 0)
		goto fail;
	if (c->resend_ms < 1000) {
		const struct ynode	*rn = ynode_get(map, "resend_interval");

		diag_error(dg, file, rn != NULL ? rn->line : map->line,
		    rn != NULL ? rn->col : map->col, "resend_interval must be "
		    "at least 1s");
		goto fail;
	}
	/* url is the Alertmanager's base URL; add the API path. */
	if (c->dc.url != NULL && c->dc.url[0] != '\0') {
		len = strlen(c->dc.url);
		while (len > 0 && c->dc.url[len - 1] == '/')
			c->dc.url[--len] = '\0';
		if (len < sizeof(AM_ALERTS_PATH) - 1 || strcmp(c->dc.url + len -
		    (sizeof(AM_ALERTS_PATH) - 1), AM_ALERTS_PATH) != 0) {
			if (asprintf(&url, "%s%s", c->dc.url, AM_ALERTS_PATH) ==
			    -1)
				goto fail;
			free(c->dc.url);
			c->dc.url = url;
		}
	}
	dc = c->dc;
	c->dc.url = NULL;
	memset(&spec, 0, sizeof(spec));
	spec.type = "alertmanager";
	spec.format = am_format;
	spec.arg = c;
	spec.free_arg = am_free;
	spec.resend_ms = c->resend_ms;
	spec.content_type = "application/json";
	return netsink_open(s, map, &dc, &spec, file, dg);
fail:
	am_free(c);
	return -1;
}

const struct sink_ops sink_alertmanager_ops = {
	.type	= "alertmanager",
	.open	= am_open,
	.emit	= netsink_emit,
	.drain	= netsink_drain,
	.close	= netsink_close,
};
