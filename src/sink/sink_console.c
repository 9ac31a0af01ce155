/*
 * sink_console.c - the console sink: every alert event on stdout, at
 * once, on the pipeline thread.
 *
 * format: json writes one JSON object per line (alert_event_to_json(),
 * the same object the outbox stores); text writes one readable line;
 * auto (the default) picks text when stdout is a terminal, else JSON,
 * so `drainwatch | jq` just works. Nothing is ever pending, so the
 * console has no drain. Allocates only while formatting an event.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "sink/delivery.h"
#include "sink/sink.h"

/* Longest text-form line, in bytes; longer summaries are cut. */
#define CONSOLE_LINE_MAX_BYTES	4096

struct console_conf {
	char	*format;
};

static const struct conf_key console_keys[] = {
	{ "format", CONF_STRING, offsetof(struct console_conf, format),
	    "auto", "auto (text on a terminal, else JSON), json or text" },
};

struct console {
	int	json;
	int	color;
	FILE	*out;
};

static int
console_open(struct sink *s, const struct ynode *map, const char *file,
    struct diag *dg)
{
	struct console_conf	 c = { NULL };
	struct console		*con = NULL;
	const struct ynode	*fn;
	int			 rc = -1, tty = isatty(STDOUT_FILENO);

	conf_defaults(console_keys, DW_NELEM(console_keys), &c);
	if (conf_apply(console_keys, DW_NELEM(console_keys), map, &c, file,
	    dg) > 0)
		goto out;
	con = calloc(1, sizeof(*con));
	if (con == NULL)
		goto out;
	if (strcmp(c.format, "json") == 0)
		con->json = 1;
	else if (strcmp(c.format, "text") == 0)
		con->json = 0;
	else if (strcmp(c.format, "auto") == 0)
		con->json = !tty;
	else {
		fn = ynode_get(map, "format");
		diag_error(dg, file, fn != NULL ? fn->line : map->line,
		    fn != NULL ? fn->col : map->col, "unknown console format "
		    "\"%s\" (expected: auto, json, text)", c.format);
		goto out;
	}
	con->color = tty && !con->json && getenv("NO_COLOR") == NULL;
	con->out = stdout;
	s->impl = con;
	con = NULL;
	rc = 0;
out:
	free(c.format);
	free(con);
	return rc;
}

/* Append s to line at *o, with control characters as spaces. */
static void
put(char *line, size_t *o, const char *s)
{
	for (; s != NULL && *s != '\0' && *o + 1 < CONSOLE_LINE_MAX_BYTES;
	    s++)
		line[(*o)++] = (unsigned char)*s < 0x20 ? ' ' : *s;
	line[*o] = '\0';
}

static void putf(char *line, size_t *o, const char *fmt, ...) DW_PRINTF(3, 4);

static void
putf(char *line, size_t *o, const char *fmt, ...)
{
	char	tmp[CONSOLE_LINE_MAX_BYTES];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(line, o, tmp);
}

/*
 * 2024-05-01T10:00:03.000Z FIRING   critical pg_conn{role="u1"}
 *   count 3 >= 1 in 5m: Postgres refused 3 connection(s) ...
 * on one line; RESOLVED lines say how long the alert fired.
 */
static int
console_text(struct console *con, const struct alert_event *ev)
{
	char	line[CONSOLE_LINE_MAX_BYTES], ts[40], dur[32];
	size_t	o = 0;
	int	i, n;

	line[0] = '\0';
	format_rfc3339(ev->at, ts, sizeof(ts));
	put(line, &o, ts);
	if (ev->status == ALERT_FIRING)
		putf(line, &o, " %s%-8s%s", con->color ? "\033[1;31m" : "",
		    ev->reminder ? "FIRING*" : "FIRING",
		    con->color ? "\033[0m" : "");
	else
		putf(line, &o, " %s%-8s%s", con->color ? "\033[1;32m" : "",
		    "RESOLVED", con->color ? "\033[0m" : "");
	putf(line, &o, " %s ", ev->severity != NULL ? ev->severity : "-");
	put(line, &o, ev->rule);
	for (i = 0, n = 0; i < ev->nlabels; i++) {
		if (strcmp(ev->labels[i].name, "alertname") == 0)
			continue;
		putf(line, &o, "%s%s=\"", n++ == 0 ? "{" : ",",
		    ev->labels[i].name);
		put(line, &o, ev->labels[i].value);
		put(line, &o, "\"");
	}
	if (n > 0)
		put(line, &o, "}");
	format_duration(ev->window_ms, dur, sizeof(dur));
	if (ev->has_value)
		putf(line, &o, " %s %.15g %s in %s", ev->aggregate != NULL ?
		    ev->aggregate : "value", ev->value,
		    ev->threshold != NULL ? ev->threshold : "", dur);
	else
		putf(line, &o, " count %.15g %s in %s", ev->count,
		    ev->threshold != NULL ? ev->threshold : "", dur);
	if (ev->status == ALERT_RESOLVED && ev->starts_at != 0 &&
	    ev->ends_at >= ev->starts_at) {
		format_duration(ev->ends_at - ev->starts_at, dur, sizeof(dur));
		putf(line, &o, " after %s", dur);
	}
	if (ev->summary != NULL && ev->summary[0] != '\0') {
		put(line, &o, ": ");
		put(line, &o, ev->summary);
	}
	if (fprintf(con->out, "%s\n", line) < 0)
		return -1;
	return fflush(con->out) == 0 ? 0 : -1;
}

static int
console_emit(struct sink *s, const struct alert_event *ev)
{
	struct console	*con = s->impl;
	cJSON		*js;
	char		*text;
	int		 rc;

	if (!con->json)
		return console_text(con, ev);
	js = alert_event_to_json(ev);
	text = js != NULL ? cJSON_PrintUnformatted(js) : NULL;
	rc = text != NULL && fprintf(con->out, "%s\n", text) > 0 &&
	    fflush(con->out) == 0 ? 0 : -1;
	free(text);
	cJSON_Delete(js);
	return rc;
}

static void
console_close(struct sink *s)
{
	free(s->impl);
	s->impl = NULL;
}

const struct sink_ops sink_console_ops = {
	.type	= "console",
	.open	= console_open,
	.emit	= console_emit,
	.drain	= NULL,
	.close	= console_close,
};
