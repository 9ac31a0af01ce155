/*
 * config.c - read agent.yaml, see config.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "pipeline.h"

const char config_builtin[] =
    "# built-in configuration: shipped rules, stdin, console sink\n"
    "rules: [\"rules/*.yaml\", \"/usr/local/share/drainwatch/rules/*.yaml\","
    " \"/usr/share/drainwatch/rules/*.yaml\"]\n";

struct top_conf {
	const struct ynode	*rules;
	const struct ynode	*sources;
	const struct ynode	*parsers;
	const struct ynode	*limits;
	const struct ynode	*alerts;
	const struct ynode	*sinks;
	const struct ynode	*routes;
	const struct ynode	*log;
	char			*state_dir;
};

#define TC(f)	offsetof(struct top_conf, f)
static const struct conf_key top_keys[] = {
	{ "rules", CONF_NODE, TC(rules), NULL, "rule file globs" },
	{ "sources", CONF_NODE, TC(sources), NULL, "stdin and http" },
	{ "parsers", CONF_NODE, TC(parsers), NULL, "parser options" },
	{ "limits", CONF_NODE, TC(limits), NULL, "state bounds" },
	{ "alerts", CONF_NODE, TC(alerts), NULL, "alert options" },
	{ "sinks", CONF_NODE, TC(sinks), NULL, "alert destinations" },
	{ "routes", CONF_NODE, TC(routes), NULL, "which sinks get what" },
	{ "log", CONF_NODE, TC(log), NULL, "drainwatch's own log" },
	{ "state_dir", CONF_STRING, TC(state_dir), "",
	    "outbox and alert state directory (default: "
	    "$XDG_STATE_HOME/drainwatch or ~/.local/state/drainwatch)" },
};
#undef TC

struct sources_conf {
	char			*stdin_mode;
	const struct ynode	*http;
};

#define SC(f)	offsetof(struct sources_conf, f)
static const struct conf_key source_keys[] = {
	{ "stdin", CONF_STRING, SC(stdin_mode), "auto",
	    "auto (when stdin is a pipe or file), true, false" },
	{ "http", CONF_NODE, SC(http), NULL, "the drain endpoint" },
};
#undef SC

struct parsers_conf {
	const struct ynode	*postgres;
	char			*timezone;
};

#define PC(f)	offsetof(struct parsers_conf, f)
static const struct conf_key parser_keys[] = {
	{ "postgres", CONF_NODE, PC(postgres), NULL, "PostgreSQL options" },
	{ "timezone", CONF_STRING, PC(timezone), "UTC",
	    "zone of timestamps without one: UTC or +hh:mm" },
};
#undef PC

struct pg_conf {
	char	*log_line_prefix;
};

static const struct conf_key pg_keys[] = {
	{ "log_line_prefix", CONF_STRING, offsetof(struct pg_conf,
	    log_line_prefix), NULL, "the server's log_line_prefix" },
};

#define DC(f)	offsetof(struct dw_config, f)
static const struct conf_key limit_keys[] = {
	{ "lateness", CONF_DURATION, DC(lateness), "30s",
	    "how late (event time) a record may arrive and still count" },
	{ "keys_per_rule", CONF_INT, DC(keys_per_rule), "10000",
	    "distinct group keys one rule tracks" },
	{ "multiline_slots", CONF_INT, DC(multiline_slots), "64",
	    "multi-line records assembled at once" },
	{ "multiline_max_bytes", CONF_SIZE, DC(multiline_max_bytes), "64KiB",
	    "longest multi-line record" },
	{ "multiline_timeout", CONF_DURATION, DC(multiline_timeout), "2s",
	    "wait for the rest of a multi-line record" },
	{ "shutdown_timeout", CONF_DURATION, DC(shutdown_timeout), "10s",
	    "time to deliver pending notifications at exit" },
};

static const struct conf_key alert_keys[] = {
	{ "repeat_interval", CONF_DURATION, DC(repeat_interval), "4h",
	    "re-notify firing alerts this often (0s = never)" },
};
#undef DC

struct log_conf {
	char	*level;
	char	*format;
};

static const struct conf_key log_keys[] = {
	{ "level", CONF_STRING, offsetof(struct log_conf, level), "info",
	    "error, warn, info, debug" },
	{ "format", CONF_STRING, offsetof(struct log_conf, format), "logfmt",
	    "logfmt or json" },
};

const char *
config_default_path(void)
{
	if (access("agent.yaml", R_OK) == 0)
		return "agent.yaml";
	if (access("/etc/drainwatch/agent.yaml", R_OK) == 0)
		return "/etc/drainwatch/agent.yaml";
	return NULL;
}

static int
parse_tz(const char *s, int *min)
{
	int	sign, h, m;

	if (strcmp(s, "UTC") == 0 || strcmp(s, "GMT") == 0 ||
	    strcmp(s, "Z") == 0) {
		*min = 0;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':')
		return -1;
	sign = s[0] == '-' ? -1 : 1;
	h = (s[1] - '0') * 10 + (s[2] - '0');
	m = (s[4] - '0') * 10 + (s[5] - '0');
	if (h < 0 || h > 14 || m < 0 || m > 59)
		return -1;
	*min = sign * (h * 60 + m);
	return 0;
}

static void
config_read_rules(struct dw_config *c, const struct ynode *n, struct diag *dg)
{
	int	i;

	if (n == NULL) {
		c->rule_paths[c->nrule_paths++] = strdup("rules/*.yaml");
		return;
	}
	if (n->type == YN_SCALAR) {
		c->rule_paths[c->nrule_paths++] = strdup(n->str);
		return;
	}
	if (ynode_expect(n, YN_SEQ, c->file, dg, "rules") == -1)
		return;
	for (i = 0; i < n->nitems; i++) {
		const char	*s;

		if (ynode_string(n->items[i], c->file, dg, &s) == -1)
			continue;
		if (c->nrule_paths >= CONFIG_RULE_PATHS_MAX) {
			diag_error(dg, c->file, n->items[i]->line,
			    n->items[i]->col, "too many rule paths (limit %d)",
			    CONFIG_RULE_PATHS_MAX);
			break;
		}
		c->rule_paths[c->nrule_paths++] = strdup(s);
	}
}

static void
config_read_sections(struct dw_config *c, const struct top_conf *t,
    struct diag *dg)
{
	struct sources_conf	sc;
	struct parsers_conf	pc;
	struct pg_conf		pg;
	struct log_conf		lc;
	const struct ynode	*n;

	memset(&sc, 0, sizeof(sc));
	conf_defaults(source_keys, DW_NELEM(source_keys), &sc);
	conf_apply(source_keys, DW_NELEM(source_keys), t->sources, &sc,
	    c->file, dg);
	if (strcmp(sc.stdin_mode, "auto") == 0)
		c->stdin_mode = STDIN_AUTO;
	else if (strcmp(sc.stdin_mode, "true") == 0)
		c->stdin_mode = STDIN_ON;
	else if (strcmp(sc.stdin_mode, "false") == 0)
		c->stdin_mode = STDIN_OFF;
	else {
		n = ynode_get(t->sources, "stdin");
		diag_error(dg, c->file, n->line, n->col, "sources.stdin must be "
		    "auto, true or false");
	}
	c->http = sc.http;
	free(sc.stdin_mode);

	memset(&pc, 0, sizeof(pc));
	conf_defaults(parser_keys, DW_NELEM(parser_keys), &pc);
	conf_apply(parser_keys, DW_NELEM(parser_keys), t->parsers, &pc,
	    c->file, dg);
	if (parse_tz(pc.timezone, &c->tz_min) == -1) {
		n = ynode_get(t->parsers, "timezone");
		diag_error(dg, c->file, n != NULL ? n->line : 0,
		    n != NULL ? n->col : 0, "parsers.timezone must be UTC or "
		    "+hh:mm / -hh:mm, not \"%s\"", pc.timezone);
	}
	free(pc.timezone);
	memset(&pg, 0, sizeof(pg));
	conf_apply(pg_keys, DW_NELEM(pg_keys), pc.postgres, &pg, c->file, dg);
	if (pg.log_line_prefix != NULL) {
		const char	*err = NULL;

		if (pg_prefix_compile(&c->pg_prefix, pg.log_line_prefix, &err)
		    == -1) {
			n = ynode_get(pc.postgres, "log_line_prefix");
			diag_error(dg, c->file, n->line, n->col,
			    "log_line_prefix: %s", err != NULL ? err : "bad");
		} else
			c->has_pg_prefix = 1;
		free(pg.log_line_prefix);
	}

	conf_defaults(limit_keys, DW_NELEM(limit_keys), c);
	conf_apply(limit_keys, DW_NELEM(limit_keys), t->limits, c, c->file, dg);
	if (c->keys_per_rule < 1 || c->keys_per_rule > 10000000 ||
	    c->multiline_slots < 1 || c->multiline_slots > 4096) {
		n = t->limits != NULL ? t->limits : c->doc.root;
		diag_error(dg, c->file, n != NULL ? n->line : 0,
		    n != NULL ? n->col : 0, "limits: keys_per_rule must be "
		    "1..10000000 and multiline_slots 1..4096");
	}
	conf_defaults(alert_keys, DW_NELEM(alert_keys), c);
	conf_apply(alert_keys, DW_NELEM(alert_keys), t->alerts, c, c->file,
	    dg);

	memset(&lc, 0, sizeof(lc));
	conf_defaults(log_keys, DW_NELEM(log_keys), &lc);
	conf_apply(log_keys, DW_NELEM(log_keys), t->log, &lc, c->file, dg);
	if (log_parse_level(lc.level, &c->log_level) == -1) {
		n = ynode_get(t->log, "level");
		diag_error(dg, c->file, n->line, n->col, "log.level must be "
		    "error, warn, info or debug");
	}
	if (strcmp(lc.format, "json") == 0)
		c->log_format = LOG_FMT_JSON;
	else if (strcmp(lc.format, "logfmt") == 0)
		c->log_format = LOG_FMT_LOGFMT;
	else {
		n = ynode_get(t->log, "format");
		diag_error(dg, c->file, n->line, n->col, "log.format must be "
		    "logfmt or json");
	}
	free(lc.level);
	free(lc.format);
}

int
config_load(struct dw_config *c, const char *path, struct diag *dg)
{
	struct top_conf	t;
	int		before = dg->nerrors, rc;

	memset(c, 0, sizeof(*c));
	if (path == NULL)
		path = config_default_path();
	if (path != NULL) {
		c->file = strdup(path);
		rc = ydoc_load_file(&c->doc, path, YDOC_ENV, dg);
	} else {
		c->file = strdup("(built-in)");
		rc = ydoc_load_string(&c->doc, c->file, config_builtin,
		    strlen(config_builtin), YDOC_ENV, dg);
	}
	if (rc == -1)
		return dg->nerrors - before;
	free(c->file);
	c->file = strdup(c->doc.file);
	memset(&t, 0, sizeof(t));
	conf_defaults(top_keys, DW_NELEM(top_keys), &t);
	if (c->doc.root != NULL)
		conf_apply(top_keys, DW_NELEM(top_keys), c->doc.root, &t,
		    c->file, dg);
	config_read_rules(c, t.rules, dg);
	config_read_sections(c, &t, dg);
	c->sinks = t.sinks;
	c->routes = t.routes;
	c->state_dir = t.state_dir;
	if (c->state_dir != NULL && c->state_dir[0] == '\0') {
		/* Not the working directory: a piped run must not litter it. */
		const char	*x = getenv("XDG_STATE_HOME");
		const char	*h = getenv("HOME");
		char		 buf[4096];

		if (x != NULL && x[0] == '/')
			snprintf(buf, sizeof(buf), "%s/drainwatch", x);
		else if (h != NULL && h[0] != '\0')
			snprintf(buf, sizeof(buf), "%s/.local/state/drainwatch",
			    h);
		else
			snprintf(buf, sizeof(buf), "state");
		free(c->state_dir);
		c->state_dir = strdup(buf);
	}
	return dg->nerrors - before;
}

void
config_free(struct dw_config *c)
{
	int	i;

	for (i = 0; i < c->nrule_paths; i++)
		free(c->rule_paths[i]);
	free(c->state_dir);
	free(c->file);
	ydoc_free(&c->doc);
	memset(c, 0, sizeof(*c));
}

void
config_pipeline_conf(const struct dw_config *c, struct pipeline_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->parse.pg_prefix = c->has_pg_prefix ? &c->pg_prefix : NULL;
	pc->parse.default_tz_min = c->tz_min;
	pc->assemble_slots = (int)c->multiline_slots;
	pc->assemble_max_bytes = c->multiline_max_bytes;
	pc->assemble_timeout = c->multiline_timeout;
	pc->lateness = c->lateness;
	pc->keys_per_rule = (int)c->keys_per_rule;
	pc->repeat_interval = c->repeat_interval;
}
