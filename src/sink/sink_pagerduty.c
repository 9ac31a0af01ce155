/*
 * sink_pagerduty.c - PagerDuty Events API v2 (a network sink, delivered
 * by delivery.c).
 *
 * A firing alert (and every reminder) is a "trigger", its resolution a
 * "resolve", both with the same dedup_key, derived from the alert
 * identity (rule + group labels) so that one identity is one PagerDuty
 * incident and two identities never merge. Spec: PagerDuty/developer-
 * docs docs/events-API-v2 (02-Trigger-Events.md, 03-Resolve-Events.md,
 * 01-Overview.md): routing_key, event_action and, on trigger,
 * payload.summary (<= 1024 characters), payload.source and
 * payload.severity (critical|error|warning|info) are required;
 * dedup_key <= 255 characters; the whole event <= 512 KB. PagerDuty
 * answers 202; 400 is final, 429 and 5xx are retried (delivery.c).
 * The default rate (2/s, burst 10) stays under its ~120 events/minute
 * per integration key.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sink/delivery.h"
#include "sink/sink.h"

#define PD_EVENTS_URL		"https://events.pagerduty.com/v2/enqueue"
/* Limits from the Events API v2 documentation. */
#define PD_DEDUP_KEY_MAX_BYTES	255
#define PD_SUMMARY_MAX_BYTES	1024
/* Longest source/component/group/class value we send. */
#define PD_FIELD_MAX_BYTES	255
/* Sample lines in custom_details: each cut to this (SINK_SAMPLE_MAX_BYTES
 * already bounds them; the event stays far below 512 KB). */
#define PD_LINE_MAX_BYTES	1024
/* Fingerprint suffix of a cut dedup_key: "~" + 16 hex digits. */
#define PD_FP_SUFFIX_BYTES	17

struct pd_conf {
	struct dchan_conf	 dc;
	char			*routing_key;
	char			*source;
	char			*component;
	char			*group;
	char			*client;
	char			*client_url;
};

static const struct conf_key pd_keys[] = {
	DCHAN_CONF_KEYS(struct pd_conf, dc, "2", "10", "2"),
	{ "routing_key", CONF_STRING, offsetof(struct pd_conf, routing_key),
	    NULL, "integration key, 32 characters (use ${VAR}: a secret)" },
	{ "source", CONF_STRING, offsetof(struct pd_conf, source), NULL,
	    "payload.source (default: this host's name)" },
	{ "component", CONF_STRING, offsetof(struct pd_conf, component), NULL,
	    "payload.component, or {{label}} to take it from a label" },
	{ "group", CONF_STRING, offsetof(struct pd_conf, group), NULL,
	    "payload.group, or {{label}}" },
	{ "client", CONF_STRING, offsetof(struct pd_conf, client),
	    "drainwatch", "client shown in PagerDuty" },
	{ "client_url", CONF_STRING, offsetof(struct pd_conf, client_url),
	    NULL, "client_url shown in PagerDuty" },
};

struct pd {
	struct pd_conf	c;
	int		redact;		/* dry-run: hide the routing key */
};

static void
pd_free(void *arg)
{
	struct pd	*pd = arg;

	if (pd == NULL)
		return;
	free(pd->c.dc.url);
	free(pd->c.routing_key);
	free(pd->c.source);
	free(pd->c.component);
	free(pd->c.group);
	free(pd->c.client);
	free(pd->c.client_url);
	free(pd);
}

/*
 * The identity itself when it fits (readable in PagerDuty), else its
 * cut prefix plus "~" and the 16-hex fingerprint, so distinct
 * identities keep distinct keys.
 */
static char *
dedup_key(const struct alert_event *ev)
{
	const char	*id = ev->identity != NULL ? ev->identity :
			    ev->fingerprint;
	size_t		 cut;
	char		*out;

	if (id == NULL)
		id = "";
	if (strlen(id) <= PD_DEDUP_KEY_MAX_BYTES)
		return strdup(id);
	cut = PD_DEDUP_KEY_MAX_BYTES - PD_FP_SUFFIX_BYTES;
	while (cut > 0 && ((unsigned char)id[cut] & 0xc0) == 0x80)
		cut--;
	if (asprintf(&out, "%.*s~%.16s", (int)cut, id,
	    ev->fingerprint != NULL ? ev->fingerprint : "0000000000000000")
	    == -1)
		return NULL;
	return out;
}

static const char *
pd_severity(const char *s)
{
	static const char *const ok[] = { "critical", "error", "warning",
	    "info" };
	size_t	i;

	for (i = 0; s != NULL && i < DW_NELEM(ok); i++)
		if (strcmp(s, ok[i]) == 0)
			return ok[i];
	return "error";			/* unknown: page, but not critical */
}

/* A configured value, or "{{label}}" taken from the alert's labels. */
static const char *
field_value(const char *conf, const struct alert_event *ev)
{
	size_t	n;
	char	name[128];

	if (conf == NULL)
		return NULL;
	n = strlen(conf);
	if (n > 4 && n - 4 < sizeof(name) && strncmp(conf, "{{", 2) == 0 &&
	    strcmp(conf + n - 2, "}}") == 0) {
		memcpy(name, conf + 2, n - 4);
		name[n - 4] = '\0';
		return alert_event_label(ev, name);
	}
	return conf;
}

static void
add_cut(cJSON *o, const char *key, const char *s, size_t max)
{
	char	*c;

	if (s == NULL)
		return;
	c = sink_strcut(s, max);
	if (c != NULL)
		cJSON_AddStringToObject(o, key, c);
	free(c);
}

/* "Postgres refused 3 connection(s) for role u1 in 5m", or a stand-in
 * made of the rule and its count when the rule has no summary. */
static char *
summary_text(const struct alert_event *ev)
{
	char	win[32], *s = NULL;

	if (ev->summary != NULL && ev->summary[0] != '\0')
		return sink_strcut(ev->summary, PD_SUMMARY_MAX_BYTES);
	format_duration(ev->window_ms, win, sizeof(win));
	if (asprintf(&s, "%s: %.15g match(es) in %s", ev->rule, ev->count,
	    win) == -1)
		return NULL;
	return s;
}

static char *
pd_format(void *arg, struct alert_event *const *evs, int n, int *used,
    dw_ms now)
{
	struct pd			*pd = arg;
	const struct alert_event	*ev = evs[0];
	cJSON				*root, *payload, *cd, *lab;
	char				*key = NULL, *sum = NULL, *out = NULL;
	char				 ts[40], win[32], host[256];
	const char			*v;
	int				 i;

	*used = 1;
	root = cJSON_CreateObject();
	key = dedup_key(ev);
	if (root == NULL || key == NULL)
		goto out;
	cJSON_AddStringToObject(root, "routing_key", pd->redact ? "***" :
	    pd->c.routing_key);
	cJSON_AddStringToObject(root, "event_action",
	    ev->status == ALERT_RESOLVED ? "resolve" : "trigger");
	cJSON_AddStringToObject(root, "dedup_key", key);
	if (ev->status == ALERT_RESOLVED)
		goto print;		/* resolve needs nothing more */
	if (pd->c.client != NULL && pd->c.client[0] != '\0')
		add_cut(root, "client", pd->c.client, PD_FIELD_MAX_BYTES);
	if (pd->c.client_url != NULL && pd->c.client_url[0] != '\0')
		cJSON_AddStringToObject(root, "client_url", pd->c.client_url);
	payload = cJSON_AddObjectToObject(root, "payload");
	sum = summary_text(ev);
	if (payload == NULL || sum == NULL)
		goto out;
	cJSON_AddStringToObject(payload, "summary", sum);
	v = pd->c.source;
	if (v == NULL || v[0] == '\0') {
		if (gethostname(host, sizeof(host)) == -1)
			snprintf(host, sizeof(host), "drainwatch");
		host[sizeof(host) - 1] = '\0';
		v = host;
	}
	add_cut(payload, "source", v, PD_FIELD_MAX_BYTES);
	cJSON_AddStringToObject(payload, "severity",
	    pd_severity(ev->severity));
	format_rfc3339(ev->at != 0 ? ev->at : now, ts, sizeof(ts));
	cJSON_AddStringToObject(payload, "timestamp", ts);
	v = field_value(pd->c.component, ev);
	if (v != NULL && v[0] != '\0')
		add_cut(payload, "component", v, PD_FIELD_MAX_BYTES);
	v = field_value(pd->c.group, ev);
	if (v != NULL && v[0] != '\0')
		add_cut(payload, "group", v, PD_FIELD_MAX_BYTES);
	add_cut(payload, "class", ev->rule, PD_FIELD_MAX_BYTES);
	cd = cJSON_AddObjectToObject(payload, "custom_details");
	if (cd == NULL)
		goto out;
	cJSON_AddStringToObject(cd, "rule", ev->rule);
	lab = cJSON_AddObjectToObject(cd, "labels");
	for (i = 0; lab != NULL && i < ev->nlabels; i++)
		cJSON_AddStringToObject(lab, ev->labels[i].name,
		    ev->labels[i].value != NULL ? ev->labels[i].value : "");
	if (ev->description != NULL && ev->description[0] != '\0')
		cJSON_AddStringToObject(cd, "description", ev->description);
	cJSON_AddNumberToObject(cd, "count", ev->count);
	if (ev->has_value) {
		cJSON_AddNumberToObject(cd, "value", ev->value);
		if (ev->aggregate != NULL)
			cJSON_AddStringToObject(cd, "aggregate", ev->aggregate);
	}
	if (ev->threshold != NULL)
		cJSON_AddStringToObject(cd, "threshold", ev->threshold);
	format_duration(ev->window_ms, win, sizeof(win));
	cJSON_AddStringToObject(cd, "window", win);
	format_rfc3339(ev->starts_at != 0 ? ev->starts_at : ev->at, ts,
	    sizeof(ts));
	cJSON_AddStringToObject(cd, "firing_since", ts);
	cJSON_AddNumberToObject(cd, "matches_total",
	    (double)ev->matches_total);
	add_cut(cd, "first_line", ev->first_line, PD_LINE_MAX_BYTES);
	add_cut(cd, "last_line", ev->last_line, PD_LINE_MAX_BYTES);
	if (ev->reminder)
		cJSON_AddBoolToObject(cd, "reminder", 1);
	if (ev->fingerprint != NULL)
		cJSON_AddStringToObject(cd, "fingerprint", ev->fingerprint);
print:
	out = cJSON_PrintUnformatted(root);
out:
	free(key);
	free(sum);
	cJSON_Delete(root);
	return out;
}

static int
pd_open(struct sink *s, const struct ynode *map, const char *file,
    struct diag *dg)
{
	struct pd		*pd;
	struct dchan_spec	 spec;
	struct dchan_conf	 dc;
	const struct ynode	*kn;
	int			 rc;

	pd = calloc(1, sizeof(*pd));
	if (pd == NULL)
		return -1;
	conf_defaults(pd_keys, DW_NELEM(pd_keys), &pd->c);
	if (conf_apply(pd_keys, DW_NELEM(pd_keys), map, &pd->c, file, dg) > 0)
		goto fail;
	if (pd->c.dc.url == NULL || pd->c.dc.url[0] == '\0') {
		free(pd->c.dc.url);
		pd->c.dc.url = strdup(PD_EVENTS_URL);
		if (pd->c.dc.url == NULL)
			goto fail;
	}
	if (pd->c.routing_key == NULL || pd->c.routing_key[0] == '\0') {
		if (pd->c.dc.optional) {
			pd_free(pd);
			return 1;
		}
		kn = ynode_get(map, "routing_key");
		diag_error(dg, file, kn != NULL ? kn->line : map->line,
		    kn != NULL ? kn->col : map->col, "sink \"%s\": routing_key "
		    "is empty (set PAGERDUTY_ROUTING_KEY, or add optional: "
		    "true to skip the sink when it is unset)", s->name);
		goto fail;
	}
	if (strlen(pd->c.routing_key) != 32) {
		kn = ynode_get(map, "routing_key");
		diag_warning(dg, file, kn->line, kn->col, "sink \"%s\": a "
		    "PagerDuty integration key has 32 characters, this one "
		    "has %zu", s->name, strlen(pd->c.routing_key));
	}
	pd->redact = s->conf != NULL && s->conf->dry_run;
	dc = pd->c.dc;
	pd->c.dc.url = NULL;		/* netsink_open takes it */
	memset(&spec, 0, sizeof(spec));
	spec.type = "pagerduty";
	spec.format = pd_format;
	spec.arg = pd;
	spec.free_arg = pd_free;
	spec.content_type = "application/json";
	rc = netsink_open(s, map, &dc, &spec, file, dg);
	return rc;
fail:
	pd_free(pd);
	return -1;
}

const struct sink_ops sink_pagerduty_ops = {
	.type	= "pagerduty",
	.open	= pd_open,
	.emit	= netsink_emit,
	.drain	= netsink_drain,
	.close	= netsink_close,
};
