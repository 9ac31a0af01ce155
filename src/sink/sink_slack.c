/*
 * sink_slack.c - Slack incoming webhooks (a network sink, delivered by
 * delivery.c).
 *
 * POST {"text": fallback, "blocks": [...]} to the webhook URL; Slack
 * answers 200 "ok" (https://api.slack.com/messaging/webhooks). One
 * alert makes one message: a title section (emoji, FIRING/RESOLVED,
 * rule, severity, summary), a fields section (severity, count or value
 * against the threshold and window, start or duration, labels), the
 * description, a sample log line in a code block (firing only) and a
 * context line with the alert identity. Firing and resolved look
 * different (emoji, wording, sample line or duration).
 *
 * Slack allows about one message per second per webhook and hides or
 * refuses bursts (https://api.slack.com/docs/rate-limits), so the sink
 * is rate limited (max_rate 1, burst 1) and what queues up meanwhile
 * goes out coalesced: one message listing up to SLACK_COALESCE_MAX
 * alerts compactly, never dropping any.
 *
 * Limits kept (https://api.slack.com/reference/block-kit/blocks):
 * section text <= 3000 characters, a field <= 2000, <= 50 blocks; and
 * well under the ~13.2k characters total past which Slack answers
 * msg_blocks_too_long (slackapi/bolt-js#2509). Sizes below count bytes,
 * which are never fewer than characters, so the limits hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink/delivery.h"
#include "sink/sink.h"

/* Bytes given to each part of a one-alert message. */
#define SLACK_TITLE_MAX_BYTES		300
#define SLACK_SUMMARY_MAX_BYTES		1000
#define SLACK_LABELS_MAX_BYTES		1200	/* a field: <= 2000 */
#define SLACK_DESC_MAX_BYTES		1000
#define SLACK_SAMPLE_MAX_BYTES		1000
#define SLACK_CONTEXT_MAX_BYTES		400
#define SLACK_FALLBACK_MAX_BYTES	300
/* Section text limit (Slack: 3000 characters). */
#define SLACK_SECTION_MAX_BYTES		3000
/* Alerts in one coalesced message, and the bytes their sections may
 * use together: 1 + 40 + 1 blocks <= 50, 9000 bytes << 13.2k. */
#define SLACK_COALESCE_MAX		40
#define SLACK_COALESCE_BUDGET_BYTES	9000
#define SLACK_COALESCE_ITEM_MAX_BYTES	700

struct slack_conf {
	struct dchan_conf	dc;
};

static const struct conf_key slack_keys[] = {
	DCHAN_CONF_KEYS(struct slack_conf, dc, "1", "1", "1"),
	DCHAN_BATCH_KEY(struct slack_conf, dc, "20",
	    "alerts one coalesced message may list (max 40)"),
};

/* A bounded text being built for one mrkdwn field. */
struct tb {
	char	buf[SLACK_SECTION_MAX_BYTES + 1];
	size_t	len;
	size_t	max;
};

static void
tb_init(struct tb *t, size_t max)
{
	t->len = 0;
	t->max = max < SLACK_SECTION_MAX_BYTES ? max : SLACK_SECTION_MAX_BYTES;
	t->buf[0] = '\0';
}

/* Append mrkdwn syntax as is, if it fits whole. */
static void
tb_raw(struct tb *t, const char *s)
{
	size_t	n = strlen(s);

	if (t->len + n > t->max)
		return;
	memcpy(t->buf + t->len, s, n + 1);
	t->len += n;
}

/*
 * The escaped form of the character at s: & < > become entities (Slack
 * requires it), in code backticks become quotes so they cannot close
 * the block, control characters (and line breaks unless multiline)
 * become spaces. Returns the bytes of input consumed (a whole UTF-8
 * sequence) and sets *rep, *n to what to write.
 */
static size_t
esc_one(const char *s, int code, int multiline, const char **rep, size_t *n)
{
	size_t	clen = 1;

	*rep = s;
	*n = 1;
	if (*s == '&')
		*rep = "&amp;";
	else if (*s == '<')
		*rep = "&lt;";
	else if (*s == '>')
		*rep = "&gt;";
	else if (*s == '`' && code)
		*rep = "'";
	else if (*s == '\n' && multiline)
		*rep = "\n";
	else if ((unsigned char)*s < 0x20)
		*rep = " ";
	else if ((unsigned char)*s >= 0xc0) {
		while (((unsigned char)s[clen] & 0xc0) == 0x80)
			clen++;
		*n = clen;
		return clen;
	}
	if (*rep != s)
		*n = strlen(*rep);
	return clen;
}

/*
 * Append user text, escaped, using at most limit bytes and leaving
 * reserve bytes of the field for what follows. Text that does not fit
 * is cut (never inside an entity or a UTF-8 sequence) and ends in "…".
 */
static void
tb_esc(struct tb *t, const char *s, size_t limit, size_t reserve, int code,
    int multiline)
{
	const char	*p, *rep;
	size_t		 room, full = 0, cap, n;

	if (s == NULL || t->len + reserve >= t->max)
		return;
	room = t->max - t->len - reserve;
	if (limit < room)
		room = limit;
	for (p = s; *p != '\0';) {
		p += esc_one(p, code, multiline, &rep, &n);
		full += n;
	}
	cap = full <= room ? room : room >= 3 ? room - 3 : 0;
	for (p = s; *p != '\0';) {
		size_t	c = esc_one(p, code, multiline, &rep, &n);

		if (n > cap)
			break;
		memcpy(t->buf + t->len, rep, n);
		t->len += n;
		cap -= n;
		p += c;
	}
	if (full > room && room >= 3) {
		memcpy(t->buf + t->len, "\xe2\x80\xa6", 3);
		t->len += 3;
	}
	t->buf[t->len] = '\0';
}

static void tb_fmt(struct tb *t, const char *fmt, ...) DW_PRINTF(2, 3);

static void
tb_fmt(struct tb *t, const char *fmt, ...)
{
	char	tmp[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	tb_esc(t, tmp, sizeof(tmp), 0, 0, 1);
}

static const char *
emoji(const struct alert_event *ev)
{
	const char	*sev = ev->severity != NULL ? ev->severity : "";

	if (ev->status == ALERT_RESOLVED)
		return ":white_check_mark:";
	if (strcmp(sev, "critical") == 0)
		return ":rotating_light:";
	if (strcmp(sev, "error") == 0)
		return ":red_circle:";
	if (strcmp(sev, "warning") == 0)
		return ":warning:";
	return ":information_source:";
}

static const char *
status_word(const struct alert_event *ev)
{
	if (ev->status == ALERT_RESOLVED)
		return "RESOLVED";
	return ev->reminder ? "STILL FIRING" : "FIRING";
}

/* "3 matches in 5m (threshold >= 1)" or "max 2350 in 5m (...)". */
static void
measure_text(struct tb *t, const struct alert_event *ev)
{
	char	win[32];

	format_duration(ev->window_ms, win, sizeof(win));
	if (ev->has_value)
		tb_fmt(t, "%s %.15g in %s", ev->aggregate != NULL ?
		    ev->aggregate : "value", ev->value, win);
	else
		tb_fmt(t, "%.15g match%s in %s", ev->count,
		    ev->count == 1 ? "" : "es", win);
	if (ev->threshold != NULL && ev->threshold[0] != '\0') {
		tb_raw(t, " (threshold ");
		tb_esc(t, ev->threshold, 100, 1, 0, 0);
		tb_raw(t, ")");
	}
}

/* "`role=u1` `db=main`", alertname left out (it is the rule). */
static void
labels_text(struct tb *t, const struct alert_event *ev, size_t limit)
{
	size_t	end = t->len + limit;
	int	i, n = 0;

	for (i = 0; i < ev->nlabels; i++) {
		char	kv[512];

		if (strcmp(ev->labels[i].name, "alertname") == 0)
			continue;
		if (t->len + 8 > end) {
			tb_raw(t, "…");
			break;
		}
		snprintf(kv, sizeof(kv), "%s=%s", ev->labels[i].name,
		    ev->labels[i].value != NULL ? ev->labels[i].value : "");
		tb_raw(t, n++ > 0 ? " `" : "`");
		tb_esc(t, kv, end - t->len > 2 ? end - t->len - 2 : 0, 1, 1, 0);
		tb_raw(t, "`");
	}
	if (n == 0)
		tb_raw(t, "none");
}

static cJSON *
mrkdwn(const char *text)
{
	cJSON	*o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "type", "mrkdwn");
	cJSON_AddStringToObject(o, "text", text);
	return o;
}

static void
add_section(cJSON *blocks, const char *text)
{
	cJSON	*b = cJSON_CreateObject();

	if (b == NULL)
		return;
	cJSON_AddStringToObject(b, "type", "section");
	cJSON_AddItemToObject(b, "text", mrkdwn(text));
	cJSON_AddItemToArray(blocks, b);
}

/* Title line: ":rotating_light: *FIRING: pg_conn* (critical)". */
static void
title_text(struct tb *t, const struct alert_event *ev)
{
	tb_raw(t, emoji(ev));
	tb_raw(t, " *");
	tb_raw(t, status_word(ev));
	tb_raw(t, ": ");
	tb_esc(t, ev->rule, SLACK_TITLE_MAX_BYTES - 60, 40, 0, 0);
	tb_raw(t, "* (");
	tb_esc(t, ev->severity != NULL ? ev->severity : "unknown", 20, 2, 0,
	    0);
	tb_raw(t, ")");
}

static void
one_alert(cJSON *root, cJSON *blocks, const struct alert_event *ev)
{
	struct tb	*t;
	cJSON		*b, *fields;
	char		 ts[40], dur[32];

	t = malloc(sizeof(*t));
	if (t == NULL)
		return;
	tb_init(t, SLACK_FALLBACK_MAX_BYTES);
	tb_fmt(t, "[%s] %s (%s)", status_word(ev), ev->rule != NULL ?
	    ev->rule : "", ev->severity != NULL ? ev->severity : "unknown");
	if (ev->summary != NULL && ev->summary[0] != '\0') {
		tb_raw(t, ": ");
		tb_esc(t, ev->summary, SLACK_FALLBACK_MAX_BYTES, 0, 0, 0);
	}
	cJSON_AddStringToObject(root, "text", t->buf);

	tb_init(t, SLACK_SECTION_MAX_BYTES);
	title_text(t, ev);
	if (ev->summary != NULL && ev->summary[0] != '\0') {
		tb_raw(t, "\n");
		tb_esc(t, ev->summary, SLACK_SUMMARY_MAX_BYTES, 0, 0, 1);
	}
	add_section(blocks, t->buf);

	b = cJSON_CreateObject();
	fields = cJSON_CreateArray();
	if (b != NULL && fields != NULL) {
		cJSON_AddStringToObject(b, "type", "section");
		tb_init(t, SLACK_SECTION_MAX_BYTES);
		tb_raw(t, ev->has_value ? "*Value*\n" : "*Count*\n");
		measure_text(t, ev);
		cJSON_AddItemToArray(fields, mrkdwn(t->buf));
		tb_init(t, SLACK_SECTION_MAX_BYTES);
		if (ev->status == ALERT_RESOLVED) {
			tb_raw(t, "*Resolved after*\n");
			format_duration(ev->ends_at > ev->starts_at ?
			    ev->ends_at - ev->starts_at : 0, dur, sizeof(dur));
			tb_raw(t, dur);
		} else {
			tb_raw(t, "*Firing since*\n");
			format_rfc3339(ev->starts_at != 0 ? ev->starts_at :
			    ev->at, ts, sizeof(ts));
			tb_raw(t, ts);
		}
		cJSON_AddItemToArray(fields, mrkdwn(t->buf));
		tb_init(t, SLACK_SECTION_MAX_BYTES);
		tb_raw(t, "*Severity*\n");
		tb_esc(t, ev->severity != NULL ? ev->severity : "unknown", 40,
		    0, 0, 0);
		cJSON_AddItemToArray(fields, mrkdwn(t->buf));
		tb_init(t, SLACK_SECTION_MAX_BYTES);
		tb_raw(t, "*Labels*\n");
		labels_text(t, ev, SLACK_LABELS_MAX_BYTES);
		cJSON_AddItemToArray(fields, mrkdwn(t->buf));
		cJSON_AddItemToObject(b, "fields", fields);
		cJSON_AddItemToArray(blocks, b);
	} else {
		cJSON_Delete(b);
		cJSON_Delete(fields);
	}

	if (ev->description != NULL && ev->description[0] != '\0' &&
	    (ev->summary == NULL ||
	    strcmp(ev->description, ev->summary) != 0)) {
		tb_init(t, SLACK_SECTION_MAX_BYTES);
		tb_esc(t, ev->description, SLACK_DESC_MAX_BYTES, 0, 0, 1);
		add_section(blocks, t->buf);
	}
	if (ev->status == ALERT_FIRING && ev->last_line != NULL &&
	    ev->last_line[0] != '\0') {
		tb_init(t, SLACK_SECTION_MAX_BYTES);
		tb_raw(t, "*Latest matching line*\n```");
		tb_esc(t, ev->last_line, SLACK_SAMPLE_MAX_BYTES, 3, 1, 0);
		tb_raw(t, "```");
		add_section(blocks, t->buf);
	}

	tb_init(t, SLACK_CONTEXT_MAX_BYTES);
	format_rfc3339(ev->at, ts, sizeof(ts));
	tb_raw(t, "drainwatch · ");
	tb_esc(t, ev->identity != NULL ? ev->identity : ev->fingerprint,
	    SLACK_CONTEXT_MAX_BYTES - 80, 40, 0, 0);
	tb_raw(t, " · ");
	tb_raw(t, ts);
	b = cJSON_CreateObject();
	fields = cJSON_CreateArray();
	if (b != NULL && fields != NULL) {
		cJSON_AddStringToObject(b, "type", "context");
		cJSON_AddItemToArray(fields, mrkdwn(t->buf));
		cJSON_AddItemToObject(b, "elements", fields);
		cJSON_AddItemToArray(blocks, b);
	} else {
		cJSON_Delete(b);
		cJSON_Delete(fields);
	}
	free(t);
}

/* Several alerts that queued up behind the rate limit: one compact
 * section each, as many as fit the budget. Returns how many. */
static int
many_alerts(cJSON *root, cJSON *blocks, struct alert_event *const *evs,
    int n)
{
	struct tb	*t;
	cJSON		*head;
	size_t		 budget = SLACK_COALESCE_BUDGET_BYTES;
	int		 i, nfiring = 0, nresolved = 0;
	char		 line[200];

	t = malloc(sizeof(*t));
	head = cJSON_CreateObject();
	if (t == NULL || head == NULL) {
		free(t);
		cJSON_Delete(head);
		return 0;
	}
	/* The summary section goes first; fill it in at the end. */
	cJSON_AddItemToArray(blocks, head);
	if (n > SLACK_COALESCE_MAX)
		n = SLACK_COALESCE_MAX;
	for (i = 0; i < n; i++) {
		const struct alert_event	*ev = evs[i];

		tb_init(t, SLACK_COALESCE_ITEM_MAX_BYTES);
		title_text(t, ev);
		tb_raw(t, " ");
		labels_text(t, ev, 200);
		if (ev->summary != NULL && ev->summary[0] != '\0') {
			tb_raw(t, "\n");
			tb_esc(t, ev->summary, 350, 0, 0, 0);
		}
		tb_raw(t, "\n");
		measure_text(t, ev);
		if (i > 0 && t->len > budget)
			break;
		budget -= t->len < budget ? t->len : budget;
		add_section(blocks, t->buf);
		if (ev->status == ALERT_FIRING)
			nfiring++;
		else
			nresolved++;
	}
	snprintf(line, sizeof(line), "%d alert notifications: %d firing, %d "
	    "resolved", i, nfiring, nresolved);
	cJSON_AddStringToObject(root, "text", line);
	cJSON_AddStringToObject(head, "type", "section");
	snprintf(line, sizeof(line), "*%d alert notifications* (%d firing, "
	    "%d resolved), sent together to stay within Slack's rate limit",
	    i, nfiring, nresolved);
	cJSON_AddItemToObject(head, "text", mrkdwn(line));
	free(t);
	return i;
}

static char *
slack_format(void *arg, struct alert_event *const *evs, int n, int *used,
    dw_ms now)
{
	cJSON	*root, *blocks;
	char	*out = NULL;

	root = cJSON_CreateObject();
	if (root == NULL)
		return NULL;
	/* "text" first: receivers and people reading dry-run see it
	 * first; blocks follow. */
	blocks = cJSON_CreateArray();
	if (blocks == NULL)
		goto out;
	if (n == 1) {
		one_alert(root, blocks, evs[0]);
		*used = 1;
	} else {
		*used = many_alerts(root, blocks, evs, n);
		if (*used == 0)
			goto out;
	}
	cJSON_AddItemToObject(root, "blocks", blocks);
	blocks = NULL;
	out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(blocks);
	cJSON_Delete(root);
	return out;
}

static int
slack_open(struct sink *s, const struct ynode *map, const char *file,
    struct diag *dg)
{
	struct slack_conf	c;
	struct dchan_spec	spec;
	const struct ynode	*bn;

	memset(&c, 0, sizeof(c));
	conf_defaults(slack_keys, DW_NELEM(slack_keys), &c);
	if (conf_apply(slack_keys, DW_NELEM(slack_keys), map, &c, file,
	    dg) > 0) {
		free(c.dc.url);
		return -1;
	}
	if (c.dc.batch_max > SLACK_COALESCE_MAX) {
		bn = ynode_get(map, "batch_max");
		diag_error(dg, file, bn->line, bn->col, "batch_max: a Slack "
		    "message lists at most %d alerts", SLACK_COALESCE_MAX);
		free(c.dc.url);
		return -1;
	}
	memset(&spec, 0, sizeof(spec));
	spec.type = "slack";
	spec.format = slack_format;
	spec.same_identity_batch = 1;
	spec.content_type = "application/json; charset=utf-8";
	return netsink_open(s, map, &c.dc, &spec, file, dg);
}

const struct sink_ops sink_slack_ops = {
	.type	= "slack",
	.open	= slack_open,
	.emit	= netsink_emit,
	.drain	= netsink_drain,
	.close	= netsink_close,
};
