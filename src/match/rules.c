/*
 * rules.c - load rule files and compile them, see rules.h.
 *
 * Load time only. Every rule key is read through one table; every
 * problem is reported with its location and loading goes on, so one
 * `drainwatch check` lists all mistakes of all files.
 */
/* lint: load-time allocation */
#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "match/prefilter.h"
#include "match/rules.h"

static const char *const field_names[RF_COUNT] = {
	[RF_SOURCE] = "source", [RF_PROCESS] = "process", [RF_HOST] = "host",
	[RF_APP] = "app", [RF_FORMAT] = "format", [RF_KIND] = "kind",
	[RF_LEVEL] = "level", [RF_SQLSTATE] = "sqlstate", [RF_USER] = "user",
	[RF_DATABASE] = "database", [RF_PID] = "pid",
	[RF_APPLICATION] = "application", [RF_ATTACHMENT] = "attachment",
};

static const char *const agg_names[] = { "count", "sum", "min", "max", "avg" };
static const char *const op_names[] = { ">", ">=", "<", "<=", "==", "!=" };
static const char *const severities[] = { "critical", "error", "warning",
    "info" };

const char *
rec_field_name(enum rec_field f)
{
	return f < RF_COUNT ? field_names[f] : "?";
}

int
rec_field_lookup(const char *name, enum rec_field *out)
{
	int	i;

	for (i = 0; i < RF_COUNT; i++)
		if (strcmp(field_names[i], name) == 0) {
			*out = (enum rec_field)i;
			return 0;
		}
	if (strcmp(name, "dyno") == 0) {
		*out = RF_PROCESS;
		return 0;
	}
	return -1;
}

struct dw_str
rec_field_get(const struct log_record *rec, enum rec_field f)
{
	switch (f) {
	case RF_SOURCE:
		return rec->source;
	case RF_PROCESS:
		return rec->process;
	case RF_HOST:
		return rec->host;
	case RF_APP:
		return rec->app;
	case RF_FORMAT:
		return dw_str_cstr(rec_format_name(rec->format));
	case RF_KIND:
		switch (rec->kind) {
		case KIND_PG:
		case KIND_PG_CHUNK:
		case KIND_PG_CONT:
			return DW_STR_LIT("pg");
		case KIND_METRICS:
			return DW_STR_LIT("metrics");
		case KIND_TEXT:
		default:
			return DW_STR_LIT("text");
		}
	case RF_LEVEL:
		return rec->pg_level;
	case RF_SQLSTATE:
		return rec->sqlstate;
	case RF_USER:
		return rec->pg_user;
	case RF_DATABASE:
		return rec->pg_database;
	case RF_PID:
		return rec->pg_pid;
	case RF_APPLICATION:
		return rec->pg_application;
	case RF_ATTACHMENT:
		return rec->attachment;
	case RF_COUNT:
		break;
	}
	return DW_STR_NULL;
}

const char *
rule_agg_name(enum rule_agg a)
{
	return agg_names[a];
}

const char *
rule_op_name(enum rule_op op)
{
	return op_names[op];
}

int
rule_op_eval(enum rule_op op, double l, double r)
{
	switch (op) {
	case OP_GT:
		return l > r;
	case OP_GE:
		return l >= r;
	case OP_LT:
		return l < r;
	case OP_LE:
		return l <= r;
	case OP_EQ:
		return l == r;
	case OP_NE:
		return l != r;
	}
	return 0;
}

static const char *
skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int
rule_parse_cmp(const char *s, enum rule_op defop, enum rule_op *op,
    double *value)
{
	char	*end;
	double	 a, b;
	int	 i, found = -1;

	s = skip_spaces(s);
	for (i = 0; i < (int)DW_NELEM(op_names); i++) {
		size_t	l = strlen(op_names[i]);

		if (strncmp(s, op_names[i], l) == 0 &&
		    (found < 0 || l > strlen(op_names[found])))
			found = i;
	}
	if (found >= 0) {
		*op = (enum rule_op)found;
		s += strlen(op_names[found]);
	} else
		*op = defop;
	s = skip_spaces(s);
	a = strtod(s, &end);
	if (end == s)
		return -1;
	s = skip_spaces(end);
	if (*s == '*' || *s == '/') {
		char	opc = *s;

		s = skip_spaces(s + 1);
		b = strtod(s, &end);
		if (end == s || (opc == '/' && b == 0))
			return -1;
		a = opc == '*' ? a * b : a / b;
		s = skip_spaces(end);
	}
	if (*s != '\0')
		return -1;
	*value = a;
	return 0;
}

struct rules *
rules_new(void)
{
	return calloc(1, sizeof(struct rules));
}

static void
rule_free(struct rule *r)
{
	int	i, j;

	if (r == NULL)
		return;
	free(r->name);
	free(r->description);
	free(r->file);
	free(r->pattern);
	if (r->md != NULL)
		pcre2_match_data_free(r->md);
	if (r->code != NULL)
		pcre2_code_free(r->code);
	for (i = 0; i < r->nfilters; i++)
		for (j = 0; j < r->filters[i].nalts; j++)
			free(r->filters[i].alts[j]);
	for (i = 0; i < r->ngroup; i++)
		free(r->group[i].name);
	for (i = 0; i < r->nstatic; i++) {
		free(r->statics[i].name);
		free(r->statics[i].value);
	}
	free(r->value_name);
	free(r->severity);
	tmpl_free(&r->summary);
	tmpl_free(&r->alert_description);
	free(r);
}

void
rules_free(struct rules *rs)
{
	int	i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++)
		rule_free(rs->v[i]);
	prefilter_free(rs->pf);
	free(rs);
}

struct rule *
rules_find(const struct rules *rs, const char *name)
{
	int	i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i]->name, name) == 0)
			return rs->v[i];
	return NULL;
}

/* What a rule mapping may hold; read with conf_apply(). */
struct rule_conf {
	char			*name;
	char			*description;
	char			*pattern;
	char			*match;
	int			 caseless;
	const struct ynode	*where;
	const struct ynode	*labels;
	const struct ynode	*group_by;
	dw_ms			 window;
	char			*value;
	char			*condition;
	char			*aggregate;
	const struct ynode	*threshold;
	dw_ms			 for_ms;
	const struct ynode	*repeat;
	char			*severity;
	char			*summary;
	char			*alert_description;
	dw_ms			 absent;
};

#define RC(f)	offsetof(struct rule_conf, f)
static const struct conf_key rule_keys[] = {
	{ "name", CONF_STRING, RC(name), NULL, "rule identity" },
	{ "description", CONF_STRING, RC(description), "", "what it catches" },
	{ "pattern", CONF_STRING, RC(pattern), NULL, "PCRE2 pattern" },
	{ "match", CONF_STRING, RC(match), "message", "message or line" },
	{ "case_insensitive", CONF_BOOL, RC(caseless), "false", "caseless" },
	{ "where", CONF_NODE, RC(where), NULL, "filters on record fields" },
	{ "labels", CONF_NODE, RC(labels), NULL, "static labels" },
	{ "group_by", CONF_NODE, RC(group_by), NULL, "labels that split" },
	{ "window", CONF_DURATION, RC(window), "5m", "sliding window" },
	{ "value", CONF_STRING, RC(value), NULL, "numeric capture" },
	{ "condition", CONF_STRING, RC(condition), NULL, "per-match test" },
	{ "aggregate", CONF_STRING, RC(aggregate), "count", "aggregation" },
	{ "threshold", CONF_NODE, RC(threshold), NULL, "alert condition" },
	{ "for", CONF_DURATION, RC(for_ms), "0s", "pending time" },
	{ "repeat", CONF_NODE, RC(repeat), NULL, "re-notify interval" },
	{ "severity", CONF_STRING, RC(severity), "warning", "severity" },
	{ "summary", CONF_STRING, RC(summary), NULL, "summary template" },
	{ "alert_description", CONF_STRING, RC(alert_description), NULL,
	    "description template" },
	{ "absent", CONF_DURATION, RC(absent), "0s", "silence that fires" },
};
#undef RC

static void
rule_conf_free(struct rule_conf *c)
{
	free(c->name);
	free(c->description);
	free(c->pattern);
	free(c->match);
	free(c->value);
	free(c->condition);
	free(c->aggregate);
	free(c->severity);
	free(c->summary);
	free(c->alert_description);
}

static int
valid_rule_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return 0;
	return 1;
}

/* Location of a key's value inside a rule mapping, for errors. */
static const struct ynode *
at(const struct ynode *map, const char *key)
{
	const struct ynode	*v = ynode_get(map, key);

	return v != NULL ? v : map;
}

static int
rule_compile_pattern(struct rule *r, const struct rule_conf *c,
    const struct ynode *map, const char *file, struct diag *dg)
{
	int			 errcode, n;
	PCRE2_SIZE		 erroff;
	PCRE2_UCHAR		 msg[256];
	uint32_t		 opts = 0;
	const struct ynode	*pn = at(map, "pattern");

	if (r->caseless)
		opts |= PCRE2_CASELESS;
	r->code = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED,
	    opts, &errcode, &erroff, NULL);
	if (r->code == NULL) {
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		diag_error(dg, file, pn->line, pn->col, "pattern does not "
		    "compile at offset %zu: %s", (size_t)erroff, msg);
		n = (int)strcspn(r->pattern, "()[]{}\\");
		if (r->pattern[n] != 0)
			diag_error(dg, file, pn->line, pn->col,
			    "hint: in YAML, single-quote patterns ('...') so "
			    "backslashes reach PCRE2 unchanged; escape literal "
			    "( [ { with a backslash");
		return -1;
	}
	r->jit = pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE) == 0;
	r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
	return r->md == NULL ? -1 : 0;
}

/* Group number of a named capture, or -1. */
static int
rule_capture(const struct rule *r, const char *name)
{
	int	n = pcre2_substring_number_from_name(r->code,
	    (PCRE2_SPTR)name);

	return n > 0 ? n : -1;
}

static int
rule_add_group(struct rule *r, const char *name, int capture,
    enum rec_field field)
{
	int	i;

	for (i = 0; i < r->ngroup; i++)
		if (strcmp(r->group[i].name, name) == 0)
			return 0;
	if (r->ngroup >= ALERT_LABELS_MAX - 1)
		return -1;
	r->group[r->ngroup].name = strdup(name);
	if (r->group[r->ngroup].name == NULL)
		return -1;
	r->group[r->ngroup].capture = capture;
	r->group[r->ngroup].field = field;
	r->ngroup++;
	return 0;
}

static int
rule_read_groups(struct rule *r, const struct rule_conf *c, const char *file,
    struct diag *dg)
{
	uint32_t	 count = 0, esize = 0;
	PCRE2_SPTR	 table = NULL;
	uint32_t	 i;
	int		 k;

	if (c->group_by != NULL) {
		if (ynode_expect(c->group_by, YN_SEQ, file, dg, "group_by") ==
		    -1)
			return -1;
		for (k = 0; k < c->group_by->nitems; k++) {
			const struct ynode	*it = c->group_by->items[k];
			enum rec_field		 f = RF_COUNT;
			int			 cap;

			if (ynode_expect(it, YN_SCALAR, file, dg,
			    "a group_by entry") == -1)
				continue;
			cap = rule_capture(r, it->str);
			if (cap < 0 && rec_field_lookup(it->str, &f) == -1) {
				diag_error(dg, file, it->line, it->col,
				    "group_by \"%s\" is neither a named capture "
				    "of the pattern nor a record field (fields: "
				    "source, process, host, app, format, kind, "
				    "level, sqlstate, user, database, pid, "
				    "application, attachment)", it->str);
				continue;
			}
			if (rule_add_group(r, it->str, cap, f) == -1) {
				diag_error(dg, file, it->line, it->col,
				    "too many group_by labels (limit %d)",
				    ALERT_LABELS_MAX - 1);
				return -1;
			}
		}
		return 0;
	}
	/* Default: every named capture except the value capture. */
	pcre2_pattern_info(r->code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(r->code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
	pcre2_pattern_info(r->code, PCRE2_INFO_NAMETABLE, &table);
	for (i = 0; i < count; i++) {
		PCRE2_SPTR	 e = table + i * esize;
		int		 num = (e[0] << 8) | e[1];
		const char	*name = (const char *)e + 2;

		if (r->value_name != NULL && strcmp(name, r->value_name) == 0)
			continue;
		if (rule_add_group(r, name, num, RF_COUNT) == -1) {
			diag_error(dg, file, r->line, 1,
			    "too many named captures (limit %d)",
			    ALERT_LABELS_MAX - 1);
			return -1;
		}
	}
	return 0;
}

static int
rule_read_where(struct rule *r, const struct ynode *where, const char *file,
    struct diag *dg)
{
	int	i, k;

	if (where == NULL)
		return 0;
	if (ynode_expect(where, YN_MAP, file, dg, "where") == -1)
		return -1;
	for (i = 0; i < where->npairs; i++) {
		const struct ynode	*k0 = where->pairs[i].key;
		const struct ynode	*v = where->pairs[i].value;
		struct rule_filter	*f;

		if (r->nfilters >= RULE_FILTERS_MAX) {
			diag_error(dg, file, k0->line, k0->col,
			    "too many filters (limit %d)", RULE_FILTERS_MAX);
			return -1;
		}
		f = &r->filters[r->nfilters];
		if (rec_field_lookup(k0->str, &f->field) == -1) {
			diag_error(dg, file, k0->line, k0->col, "unknown record "
			    "field \"%s\" in where (fields: source, process, "
			    "host, app, format, kind, level, sqlstate, user, "
			    "database, pid, application, attachment)",
			    k0->str);
			continue;
		}
		if (v->type == YN_MAP) {
			diag_error(dg, file, v->line, v->col, "where.%s must be "
			    "a glob or a list of globs", k0->str);
			continue;
		}
		for (k = 0; k < (v->type == YN_SEQ ? v->nitems : 1); k++) {
			const struct ynode	*it = v->type == YN_SEQ ?
			    v->items[k] : v;
			const char		*g;

			if (ynode_expect(it, YN_SCALAR, file, dg,
			    "a where alternative") == -1)
				continue;
			if (f->nalts >= RULE_FILTER_ALTS_MAX) {
				diag_error(dg, file, it->line, it->col,
				    "too many alternatives (limit %d)",
				    RULE_FILTER_ALTS_MAX);
				break;
			}
			g = it->str;
			f->negate[f->nalts] = g[0] == '!';
			f->alts[f->nalts] = strdup(g + (g[0] == '!'));
			if (f->alts[f->nalts] == NULL)
				return -1;
			f->nalts++;
		}
		r->nfilters++;
	}
	return 0;
}

static int
rule_read_statics(struct rule *r, const struct ynode *labels,
    const char *file, struct diag *dg)
{
	int	i;

	if (labels == NULL)
		return 0;
	if (ynode_expect(labels, YN_MAP, file, dg, "labels") == -1)
		return -1;
	for (i = 0; i < labels->npairs; i++) {
		const struct ynode	*k = labels->pairs[i].key;
		const char		*v;

		if (ynode_string(labels->pairs[i].value, file, dg, &v) == -1)
			continue;
		if (r->nstatic + r->ngroup >= ALERT_LABELS_MAX - 1) {
			diag_error(dg, file, k->line, k->col,
			    "too many labels (limit %d)", ALERT_LABELS_MAX - 1);
			return -1;
		}
		r->statics[r->nstatic].name = strdup(k->str);
		r->statics[r->nstatic].value = strdup(v);
		if (r->statics[r->nstatic].name == NULL ||
		    r->statics[r->nstatic].value == NULL)
			return -1;
		r->nstatic++;
	}
	return 0;
}

static void
rule_compile_template(struct rule *r, struct tmpl *t, const char *src,
    const struct ynode *where, const char *file, struct diag *dg)
{
	const char	*names[ALERT_LABELS_MAX * 2];
	char		 err[256];
	size_t		 erroff;
	int		 i, n = 0;

	for (i = 0; i < r->ngroup; i++)
		names[n++] = r->group[i].name;
	for (i = 0; i < r->nstatic; i++)
		names[n++] = r->statics[i].name;
	if (tmpl_compile(t, src, names, n, err, sizeof(err), &erroff) == -1)
		diag_error(dg, file, where->line, where->col + (int)erroff +
		    (where->plain ? 0 : 1), "template: %s", err);
}

static int
rule_read_value(struct rule *r, struct rule_conf *c, const struct ynode *map,
    const char *file, struct diag *dg)
{
	int	i;

	if (c->condition != NULL) {
		const char		*s = c->condition;
		const struct ynode	*cn = at(map, "condition");
		size_t			 nl;
		char			 name[64];

		s = skip_spaces(s);
		nl = 0;
		while (isalnum((unsigned char)s[nl]) || s[nl] == '_')
			nl++;
		if (nl == 0 || nl >= sizeof(name) ||
		    rule_parse_cmp(s + nl, OP_GT, &r->cond_op, &r->cond_value)
		    == -1 || (s[nl] != ' ' && s[nl] != '>' && s[nl] != '<' &&
		    s[nl] != '=' && s[nl] != '!')) {
			diag_error(dg, file, cn->line, cn->col, "condition "
			    "must look like \"duration_ms > 2000\" (a named "
			    "capture, one of > >= < <= == !=, a number)");
			return -1;
		}
		memcpy(name, s, nl);
		name[nl] = '\0';
		if (c->value == NULL) {
			c->value = strdup(name);
			if (c->value == NULL)
				return -1;
		} else if (strcmp(c->value, name) != 0) {
			diag_error(dg, file, cn->line, cn->col, "condition "
			    "tests \"%s\" but value is \"%s\"", name, c->value);
			return -1;
		}
		r->has_condition = 1;
	}
	if (c->value != NULL) {
		r->value_name = strdup(c->value);
		if (r->value_name == NULL)
			return -1;
		r->value_capture = rule_capture(r, c->value);
		if (r->value_capture < 0) {
			const struct ynode *vn = ynode_get(map, "value") != NULL ?
			    at(map, "value") : at(map, "condition");

			diag_error(dg, file, vn->line, vn->col, "value \"%s\" is "
			    "not a named capture of the pattern (write "
			    "(?<%s>[0-9.]+) in it)", c->value, c->value);
			return -1;
		}
	}
	for (i = 0; i < (int)DW_NELEM(agg_names); i++)
		if (strcmp(c->aggregate, agg_names[i]) == 0)
			break;
	if (i == (int)DW_NELEM(agg_names)) {
		const struct ynode	*an = at(map, "aggregate");

		diag_error(dg, file, an->line, an->col, "aggregate must be "
		    "count, sum, min, max or avg, not \"%s\"", c->aggregate);
		return -1;
	}
	r->agg = (enum rule_agg)i;
	if (r->agg != AGG_COUNT && r->value_capture < 0) {
		const struct ynode	*an = at(map, "aggregate");

		diag_error(dg, file, an->line, an->col, "aggregate %s needs a "
		    "value (value: <named capture>)", c->aggregate);
		return -1;
	}
	return 0;
}

static int
rule_read_threshold(struct rule *r, const struct rule_conf *c,
    const char *file, struct diag *dg)
{
	const char	*s = "1";

	if (c->threshold != NULL) {
		if (ynode_string(c->threshold, file, dg, &s) == -1)
			return -1;
	}
	if (rule_parse_cmp(s, OP_GE, &r->thr_op, &r->thr_value) == -1) {
		diag_error(dg, file, c->threshold->line, c->threshold->col,
		    "threshold must be a number (meaning >= N) or \"OP N\" "
		    "with OP one of > >= < <= == != (N may be A * B)");
		return -1;
	}
	snprintf(r->threshold_text, sizeof(r->threshold_text), "%s %g",
	    rule_op_name(r->thr_op), r->thr_value);
	return 0;
}

static void
rule_load_one(struct rules *rs, const struct ynode *map, const char *file,
    struct diag *dg)
{
	struct rule_conf	 c;
	struct rule		*r = NULL;
	int			 before = dg->nerrors, i;

	if (ynode_expect(map, YN_MAP, file, dg, "a rule") == -1)
		return;
	memset(&c, 0, sizeof(c));
	conf_defaults(rule_keys, DW_NELEM(rule_keys), &c);
	conf_apply(rule_keys, DW_NELEM(rule_keys), map, &c, file, dg);
	if (c.name == NULL) {
		diag_error(dg, file, map->line, map->col, "rule has no name");
		goto out;
	}
	if (!valid_rule_name(c.name)) {
		const struct ynode	*nn = at(map, "name");

		diag_error(dg, file, nn->line, nn->col, "rule name \"%s\" may "
		    "only use a-z 0-9 _ - .", c.name);
	}
	if (rules_find(rs, c.name) != NULL) {
		const struct ynode	*nn = at(map, "name");
		const struct rule	*o = rules_find(rs, c.name);

		diag_error(dg, file, nn->line, nn->col, "duplicate rule name "
		    "\"%s\" (first defined at %s:%d)", c.name, o->file,
		    o->line);
		goto out;
	}
	if (c.pattern == NULL) {
		diag_error(dg, file, map->line, map->col, "rule \"%s\" has no "
		    "pattern", c.name);
		goto out;
	}
	if (rs->n >= RULES_MAX) {
		diag_error(dg, file, map->line, map->col, "too many rules "
		    "(limit %d)", RULES_MAX);
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		goto out;
	r->name = c.name;
	c.name = NULL;
	r->description = c.description;
	c.description = NULL;
	r->file = strdup(file);
	r->line = map->line;
	r->def_hash = ynode_hash(map);
	r->pattern = c.pattern;
	c.pattern = NULL;
	r->caseless = c.caseless;
	r->value_capture = -1;
	r->window = c.window;
	r->for_ms = c.for_ms;
	r->absent = c.absent;
	r->repeat = -1;
	if (strcmp(c.match, "line") == 0)
		r->match_line = 1;
	else if (strcmp(c.match, "message") != 0) {
		const struct ynode	*mn = at(map, "match");

		diag_error(dg, file, mn->line, mn->col, "match must be "
		    "\"message\" or \"line\", not \"%s\"", c.match);
	}
	if (r->window <= 0) {
		const struct ynode	*wn = at(map, "window");

		diag_error(dg, file, wn->line, wn->col, "window must be "
		    "longer than 0s");
	}
	if (c.repeat != NULL && ynode_duration(c.repeat, file, dg,
	    &r->repeat) == -1)
		r->repeat = -1;
	for (i = 0; i < (int)DW_NELEM(severities); i++)
		if (strcmp(c.severity, severities[i]) == 0)
			break;
	if (i == (int)DW_NELEM(severities)) {
		const struct ynode	*sn = at(map, "severity");

		diag_error(dg, file, sn->line, sn->col, "severity must be "
		    "critical, error, warning or info, not \"%s\"",
		    c.severity);
	}
	r->severity = c.severity;
	c.severity = NULL;
	if (rule_compile_pattern(r, &c, map, file, dg) == -1)
		goto out;
	(void)rule_read_value(r, &c, map, file, dg);
	(void)rule_read_threshold(r, &c, file, dg);
	(void)rule_read_where(r, c.where, file, dg);
	(void)rule_read_groups(r, &c, file, dg);
	(void)rule_read_statics(r, c.labels, file, dg);
	rule_compile_template(r, &r->summary, c.summary != NULL ? c.summary :
	    "{{$rule}}: {{$count}} match(es) in {{$window}}",
	    c.summary != NULL ? at(map, "summary") : map, file, dg);
	rule_compile_template(r, &r->alert_description,
	    c.alert_description != NULL ? c.alert_description :
	    r->description, c.alert_description != NULL ?
	    at(map, "alert_description") : at(map, "description"), file, dg);
	if (dg->nerrors > before)
		goto out;
	r->index = rs->n;
	rs->v[rs->n++] = r;
	if (r->match_line)
		rs->any_match_line = 1;
	r = NULL;
out:
	rule_free(r);
	rule_conf_free(&c);
}

int
rules_load_doc(struct rules *rs, const struct ydoc *doc, struct diag *dg)
{
	const struct ynode	*root = doc->root, *list;
	int			 before = dg->nerrors, i;

	if (root == NULL)
		return 0;
	if (ynode_expect(root, YN_MAP, doc->file, dg, "a rule file") == -1)
		return dg->nerrors - before;
	for (i = 0; i < root->npairs; i++) {
		const struct ynode	*k = root->pairs[i].key;

		if (strcmp(k->str, "rules") != 0 &&
		    strcmp(k->str, "tests") != 0)
			diag_error(dg, doc->file, k->line, k->col, "unknown key "
			    "\"%s\" (expected: rules, tests)", k->str);
	}
	list = ynode_get(root, "rules");
	if (list == NULL)
		return dg->nerrors - before;
	if (ynode_expect(list, YN_SEQ, doc->file, dg, "rules") == -1)
		return dg->nerrors - before;
	for (i = 0; i < list->nitems; i++)
		rule_load_one(rs, list->items[i], doc->file, dg);
	return dg->nerrors - before;
}

int
rules_load_file(struct rules *rs, const char *path, struct diag *dg)
{
	struct ydoc	doc;
	int		n;

	if (ydoc_load_file(&doc, path, YDOC_ENV, dg) == -1) {
		ydoc_free(&doc);
		return 1;
	}
	n = rules_load_doc(rs, &doc, dg);
	ydoc_free(&doc);
	return n;
}

void
rules_path_glob(const char *path, char *out, size_t n)
{
	struct stat	st;
	size_t		len = strlen(path);

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		while (len > 1 && path[len - 1] == '/')
			len--;
		snprintf(out, n, "%.*s/*.yaml", (int)len, path);
	} else
		snprintf(out, n, "%s", path);
}

int
rules_load_paths(struct rules *rs, const char *const *paths, int npaths,
    struct diag *dg)
{
	int	i, before = dg->nerrors;
	size_t	k;

	for (i = 0; i < npaths; i++) {
		char		 pat[4096];
		glob_t		 g;
		int		 grc;

		rules_path_glob(paths[i], pat, sizeof(pat));
		grc = glob(pat, 0, NULL, &g);
		if (grc == GLOB_NOMATCH) {
			if (strpbrk(pat, "*?[") == NULL)
				diag_errno(dg, paths[i], "cannot open");
			else
				diag_warning(dg, paths[i], 0, 0,
				    "no rule file matches");
			continue;
		}
		if (grc != 0) {
			diag_error(dg, paths[i], 0, 0, "bad glob");
			continue;
		}
		for (k = 0; k < g.gl_pathc; k++)
			rules_load_file(rs, g.gl_pathv[k], dg);
		globfree(&g);
	}
	return dg->nerrors - before;
}

int
rules_finish(struct rules *rs, struct diag *dg)
{
	int	i;

	prefilter_free(rs->pf);
	rs->pf = prefilter_build(rs, dg);
	if (rs->pf == NULL)
		return -1;
	rs->nunfiltered = 0;
	for (i = 0; i < rs->n; i++)
		if (!rs->v[i]->prefiltered)
			rs->nunfiltered++;
	return 0;
}
