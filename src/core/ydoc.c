/*
 * ydoc.c - YAML documents as located node trees, typed readers and
 * table-driven mappings, see ydoc.h.
 *
 * Load time only: every node, string and array is allocated here and
 * released by ydoc_free(). Aliases and anchors are refused (a config
 * file is small; clarity beats reuse), as are multiple documents.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/ydoc.h"

struct ybuild {
	struct ydoc	*doc;
	const char	*file;
	struct diag	*dg;
	int		 flags;
	int		 failed;
};

static struct ynode *
ynode_new(struct ybuild *b, enum ynode_type type, const yaml_mark_t *mark)
{
	struct ynode	*n;

	if (b->doc->nnodes >= YDOC_NODES_MAX) {
		diag_error(b->dg, b->file, (int)mark->line + 1,
		    (int)mark->column + 1, "too many nodes (limit %d)",
		    YDOC_NODES_MAX);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	b->doc->nnodes++;
	n->type = type;
	n->line = (int)mark->line + 1;
	n->col = (int)mark->column + 1;
	return n;
}

static void
ynode_free(struct ynode *n)
{
	int	i;

	if (n == NULL)
		return;
	free(n->str);
	for (i = 0; i < n->nitems; i++)
		ynode_free(n->items[i]);
	free(n->items);
	for (i = 0; i < n->npairs; i++) {
		ynode_free(n->pairs[i].key);
		ynode_free(n->pairs[i].value);
	}
	free(n->pairs);
	free(n);
}

/* Append text to a growing buffer; -1 on overflow of YDOC_FILE_MAX_BYTES. */
static int
sbuf_append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
	char	*nb;
	size_t	 ncap;

	if (*len + n + 1 > YDOC_FILE_MAX_BYTES)
		return -1;
	if (*len + n + 1 > *cap) {
		ncap = *cap == 0 ? 64 : *cap;
		while (ncap < *len + n + 1)
			ncap *= 2;
		nb = realloc(*buf, ncap);
		if (nb == NULL)
			return -1;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

/*
 * Substitute ${VAR} and ${VAR:-default} from the environment. Returns
 * a new string, or NULL with a located error.
 */
static char *
ydoc_substitute(struct ybuild *b, const char *in, size_t inlen, int line,
    int col, size_t *outlen)
{
	char		*out = NULL;
	size_t		 len = 0, cap = 0, i = 0;

	if (sbuf_append(&out, &len, &cap, "", 0) == -1)
		goto fail;
	while (i < inlen) {
		const char	*close, *name, *def = NULL, *val;
		size_t		 namelen, deflen = 0;

		if (in[i] != '$' || i + 1 >= inlen || in[i + 1] != '{') {
			if (sbuf_append(&out, &len, &cap, in + i, 1) == -1)
				goto fail;
			i++;
			continue;
		}
		close = memchr(in + i + 2, '}', inlen - i - 2);
		if (close == NULL) {
			diag_error(b->dg, b->file, line, col,
			    "unterminated \"${\" in value (write ${NAME} or "
			    "${NAME:-default})");
			goto fail;
		}
		name = in + i + 2;
		namelen = (size_t)(close - name);
		for (size_t k = 0; k + 1 < namelen; k++) {
			if (name[k] == ':' && name[k + 1] == '-') {
				def = name + k + 2;
				deflen = namelen - k - 2;
				namelen = k;
				break;
			}
		}
		if (namelen == 0 || namelen > 128) {
			diag_error(b->dg, b->file, line, col,
			    "bad variable name in \"${...}\"");
			goto fail;
		}
		for (size_t k = 0; k < namelen; k++) {
			if (!isalnum((unsigned char)name[k]) &&
			    name[k] != '_') {
				diag_error(b->dg, b->file, line, col,
				    "bad variable name \"%.*s\" in \"${...}\"",
				    (int)namelen, name);
				goto fail;
			}
		}
		{
			char	vname[129];

			memcpy(vname, name, namelen);
			vname[namelen] = '\0';
			val = getenv(vname);
		}
		if (val != NULL && *val != '\0') {
			if (sbuf_append(&out, &len, &cap, val,
			    strlen(val)) == -1)
				goto fail;
		} else if (def != NULL) {
			if (sbuf_append(&out, &len, &cap, def, deflen) == -1)
				goto fail;
		}
		i = (size_t)(close - in) + 1;
	}
	*outlen = len;
	return out;
fail:
	free(out);
	return NULL;
}

static struct ynode *ybuild_node(struct ybuild *, yaml_parser_t *,
    yaml_event_t *, int depth);

static int
ynode_push_item(struct ynode *seq, struct ynode *item)
{
	struct ynode	**ni;

	ni = realloc(seq->items, sizeof(*ni) * (size_t)(seq->nitems + 1));
	if (ni == NULL)
		return -1;
	seq->items = ni;
	seq->items[seq->nitems++] = item;
	return 0;
}

static int
ynode_push_pair(struct ynode *map, struct ynode *k, struct ynode *v)
{
	struct ypair	*np;

	np = realloc(map->pairs, sizeof(*np) * (size_t)(map->npairs + 1));
	if (np == NULL)
		return -1;
	map->pairs = np;
	map->pairs[map->npairs].key = k;
	map->pairs[map->npairs].value = v;
	map->npairs++;
	return 0;
}

static int
ybuild_next(struct ybuild *b, yaml_parser_t *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(p, ev)) {
		diag_error(b->dg, b->file, (int)p->problem_mark.line + 1,
		    (int)p->problem_mark.column + 1, "YAML syntax: %s%s%s",
		    p->problem != NULL ? p->problem : "error",
		    p->context != NULL ? " " : "",
		    p->context != NULL ? p->context : "");
		b->failed = 1;
		return -1;
	}
	return 0;
}

/* Build the node that starts with *ev (consumed here). */
static struct ynode *
ybuild_node(struct ybuild *b, yaml_parser_t *p, yaml_event_t *ev, int depth)
{
	struct ynode	*n = NULL, *k = NULL, *v = NULL;
	yaml_event_t	 sub;

	if (depth > YDOC_DEPTH_MAX) {
		diag_error(b->dg, b->file, (int)ev->start_mark.line + 1,
		    (int)ev->start_mark.column + 1,
		    "nesting deeper than %d levels", YDOC_DEPTH_MAX);
		b->failed = 1;
		yaml_event_delete(ev);
		return NULL;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		diag_error(b->dg, b->file, (int)ev->start_mark.line + 1,
		    (int)ev->start_mark.column + 1,
		    "YAML aliases (*name) are not supported; repeat the value");
		b->failed = 1;
		yaml_event_delete(ev);
		return NULL;
	case YAML_SCALAR_EVENT:
		n = ynode_new(b, YN_SCALAR, &ev->start_mark);
		if (n == NULL)
			break;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (b->flags & YDOC_ENV)
			n->str = ydoc_substitute(b,
			    (const char *)ev->data.scalar.value,
			    ev->data.scalar.length, n->line, n->col, &n->len);
		else {
			n->str = strndup((const char *)ev->data.scalar.value,
			    ev->data.scalar.length);
			n->len = ev->data.scalar.length;
		}
		if (n->str == NULL) {
			b->failed = 1;
			ynode_free(n);
			n = NULL;
		}
		break;
	case YAML_SEQUENCE_START_EVENT:
		n = ynode_new(b, YN_SEQ, &ev->start_mark);
		if (n == NULL)
			break;
		for (;;) {
			if (ybuild_next(b, p, &sub) == -1)
				goto bad;
			if (sub.type == YAML_SEQUENCE_END_EVENT) {
				yaml_event_delete(&sub);
				break;
			}
			v = ybuild_node(b, p, &sub, depth + 1);
			if (v == NULL || ynode_push_item(n, v) == -1)
				goto bad;
			v = NULL;
		}
		break;
	case YAML_MAPPING_START_EVENT:
		n = ynode_new(b, YN_MAP, &ev->start_mark);
		if (n == NULL)
			break;
		for (;;) {
			if (ybuild_next(b, p, &sub) == -1)
				goto bad;
			if (sub.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&sub);
				break;
			}
			k = ybuild_node(b, p, &sub, depth + 1);
			if (k == NULL)
				goto bad;
			if (k->type != YN_SCALAR) {
				diag_error(b->dg, b->file, k->line, k->col,
				    "mapping keys must be plain strings");
				goto bad;
			}
			for (int i = 0; i < n->npairs; i++) {
				if (strcmp(n->pairs[i].key->str, k->str) == 0) {
					diag_error(b->dg, b->file, k->line,
					    k->col, "duplicate key \"%s\" (first "
					    "at line %d)", k->str,
					    n->pairs[i].key->line);
					b->failed = 1;
				}
			}
			if (ybuild_next(b, p, &sub) == -1)
				goto bad;
			v = ybuild_node(b, p, &sub, depth + 1);
			if (v == NULL || ynode_push_pair(n, k, v) == -1)
				goto bad;
			k = v = NULL;
		}
		break;
	default:
		diag_error(b->dg, b->file, (int)ev->start_mark.line + 1,
		    (int)ev->start_mark.column + 1, "unexpected YAML event");
		b->failed = 1;
		break;
	}
	yaml_event_delete(ev);
	return n;
bad:
	b->failed = 1;
	ynode_free(k);
	ynode_free(v);
	ynode_free(n);
	yaml_event_delete(ev);
	return NULL;
}

static int
ydoc_parse(struct ydoc *doc, yaml_parser_t *p, int flags, struct diag *dg)
{
	struct ybuild	 b = { doc, doc->file, dg, flags, 0 };
	yaml_event_t	 ev;
	int		 ndocs = 0, nerr = dg->nerrors;

	for (;;) {
		if (ybuild_next(&b, p, &ev) == -1)
			break;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_STREAM_START_EVENT ||
		    ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			if (++ndocs > 1) {
				diag_error(dg, doc->file,
				    (int)ev.start_mark.line + 1,
				    (int)ev.start_mark.column + 1,
				    "only one YAML document per file");
				b.failed = 1;
				yaml_event_delete(&ev);
				break;
			}
			yaml_event_delete(&ev);
			continue;
		}
		doc->root = ybuild_node(&b, p, &ev, 0);
		if (doc->root == NULL)
			break;
	}
	if (b.failed || dg->nerrors > nerr) {
		ynode_free(doc->root);
		doc->root = NULL;
		return -1;
	}
	return 0;
}

int
ydoc_load_string(struct ydoc *doc, const char *name, const char *text,
    size_t len, int flags, struct diag *dg)
{
	yaml_parser_t	 p;
	int		 rc = -1;

	memset(doc, 0, sizeof(*doc));
	doc->file = strdup(name);
	if (doc->file == NULL)
		return -1;
	if (!yaml_parser_initialize(&p)) {
		diag_error(dg, name, 0, 0, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	rc = ydoc_parse(doc, &p, flags, dg);
	yaml_parser_delete(&p);
	return rc;
}

int
ydoc_load_file(struct ydoc *doc, const char *path, int flags, struct diag *dg)
{
	FILE		*fp = NULL;
	char		*text = NULL;
	size_t		 len = 0, cap = 0, n;
	char		 chunk[8192];
	const char	*name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	int		 rc = -1;

	memset(doc, 0, sizeof(*doc));
	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (fp == NULL) {
		diag_errno(dg, path, "cannot open");
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (sbuf_append(&text, &len, &cap, chunk, n) == -1) {
			diag_error(dg, name, 0, 0, "file larger than %d bytes",
			    YDOC_FILE_MAX_BYTES);
			goto out;
		}
	}
	if (ferror(fp)) {
		diag_errno(dg, path, "read error");
		goto out;
	}
	rc = ydoc_load_string(doc, name, text != NULL ? text : "", len, flags,
	    dg);
out:
	if (fp != NULL && fp != stdin)
		fclose(fp);
	free(text);
	return rc;
}

void
ydoc_free(struct ydoc *doc)
{
	ynode_free(doc->root);
	free(doc->file);
	memset(doc, 0, sizeof(*doc));
}

static uint64_t
ynode_hash_from(const struct ynode *n, uint64_t h)
{
	unsigned char	type = (unsigned char)n->type;
	int		i;

	h = dw_fnv1a(&type, 1, h);
	if (n->type == YN_SCALAR)
		h = dw_fnv1a(n->str, n->len + 1, h);	/* with its NUL */
	for (i = 0; i < n->nitems; i++)
		h = ynode_hash_from(n->items[i], h);
	for (i = 0; i < n->npairs; i++) {
		h = ynode_hash_from(n->pairs[i].key, h);
		h = ynode_hash_from(n->pairs[i].value, h);
	}
	return h;
}

uint64_t
ynode_hash(const struct ynode *n)
{
	return n == NULL ? 0 : ynode_hash_from(n, DW_FNV_OFFSET);
}

struct ynode *
ynode_get(const struct ynode *map, const char *key)
{
	int	i;

	if (map == NULL || map->type != YN_MAP)
		return NULL;
	for (i = 0; i < map->npairs; i++)
		if (strcmp(map->pairs[i].key->str, key) == 0)
			return map->pairs[i].value;
	return NULL;
}

const char *
ynode_type_name(enum ynode_type t)
{
	switch (t) {
	case YN_SCALAR:
		return "a scalar";
	case YN_SEQ:
		return "a list";
	case YN_MAP:
		return "a mapping";
	}
	return "?";
}

int
ynode_expect(const struct ynode *n, enum ynode_type t, const char *file,
    struct diag *dg, const char *what)
{
	if (n->type == t)
		return 0;
	diag_error(dg, file, n->line, n->col, "%s must be %s, not %s", what,
	    ynode_type_name(t), ynode_type_name(n->type));
	return -1;
}

int
ynode_string(const struct ynode *n, const char *file, struct diag *dg,
    const char **out)
{
	if (ynode_expect(n, YN_SCALAR, file, dg, "value") == -1)
		return -1;
	*out = n->str;
	return 0;
}

int
ynode_int(const struct ynode *n, const char *file, struct diag *dg,
    int64_t min, int64_t max, int64_t *out)
{
	char		*end;
	long long	 v;

	if (ynode_expect(n, YN_SCALAR, file, dg, "value") == -1)
		return -1;
	errno = 0;
	v = strtoll(n->str, &end, 10);
	if (n->len == 0 || *end != '\0' || errno != 0) {
		diag_error(dg, file, n->line, n->col,
		    "expected an integer, got \"%s\"", n->str);
		return -1;
	}
	if (v < min || v > max) {
		diag_error(dg, file, n->line, n->col,
		    "%lld is out of range (%lld..%lld)", v, (long long)min,
		    (long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int
ynode_number(const struct ynode *n, const char *file, struct diag *dg,
    double *out)
{
	char	*end;
	double	 v;

	if (ynode_expect(n, YN_SCALAR, file, dg, "value") == -1)
		return -1;
	errno = 0;
	v = strtod(n->str, &end);
	if (n->len == 0 || *end != '\0' || errno != 0 || !isfinite(v)) {
		diag_error(dg, file, n->line, n->col,
		    "expected a number, got \"%s\"", n->str);
		return -1;
	}
	*out = v;
	return 0;
}

int
ynode_bool(const struct ynode *n, const char *file, struct diag *dg, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "True",
	    "TRUE" };
	static const char *const no[] = { "false", "no", "off", "False",
	    "FALSE", "" };
	size_t	i;

	if (ynode_expect(n, YN_SCALAR, file, dg, "value") == -1)
		return -1;
	for (i = 0; i < DW_NELEM(yes); i++)
		if (strcmp(n->str, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (i = 0; i < DW_NELEM(no); i++)
		if (strcmp(n->str, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	diag_error(dg, file, n->line, n->col,
	    "expected true or false, got \"%s\"", n->str);
	return -1;
}

int
parse_duration_ms(const char *s, dw_ms *out)
{
	static const struct {
		const char	*unit;
		dw_ms		 ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 },
	};
	dw_ms	total = 0;
	int	parts = 0;

	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	while (*s != '\0') {
		char		*end;
		double		 v;
		size_t		 i, best = DW_NELEM(units);

		if (!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		v = strtod(s, &end);
		if (errno != 0 || end == s)
			return -1;
		for (i = 0; i < DW_NELEM(units); i++) {
			size_t	ul = strlen(units[i].unit);

			if (strncmp(end, units[i].unit, ul) == 0 &&
			    (best == DW_NELEM(units) ||
			    ul > strlen(units[best].unit)))
				best = i;
		}
		if (best == DW_NELEM(units))
			return -1;
		if (v * (double)units[best].ms > 1e15)
			return -1;
		total += (dw_ms)llround(v * (double)units[best].ms);
		s = end + strlen(units[best].unit);
		parts++;
	}
	if (parts == 0)
		return -1;
	*out = total;
	return 0;
}

int
parse_size_bytes(const char *s, uint64_t *out)
{
	static const struct {
		const char	*unit;
		uint64_t	 mult;
	} units[] = {
		{ "", 1 }, { "B", 1 }, { "kB", 1000 }, { "KB", 1000 },
		{ "KiB", 1024 }, { "MB", 1000000 }, { "MiB", 1024 * 1024 },
		{ "GB", 1000000000ULL }, { "GiB", 1024ULL * 1024 * 1024 },
	};
	char		*end;
	double		 v;
	size_t		 i;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s)
		return -1;
	for (i = 0; i < DW_NELEM(units); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			if (v * (double)units[i].mult > 1e18)
				return -1;
			*out = (uint64_t)llround(v * (double)units[i].mult);
			return 0;
		}
	}
	return -1;
}

void
format_duration(dw_ms ms, char *out, size_t n)
{
	size_t	o = 0;
	dw_ms	d, h, m, s;

	if (ms <= 0) {
		snprintf(out, n, "0s");
		return;
	}
	if (ms % 1000 != 0 && ms < 60000) {
		if (ms < 1000)
			snprintf(out, n, "%lldms", (long long)ms);
		else
			snprintf(out, n, "%.3gs", (double)ms / 1000.0);
		return;
	}
	d = ms / 86400000;
	h = ms / 3600000 % 24;
	m = ms / 60000 % 60;
	s = ms / 1000 % 60;
	out[0] = '\0';
#define PART(v, u)							\
	if ((v) > 0 && o < n)						\
		o += (size_t)snprintf(out + o, n - o, "%lld" u, (long long)(v))
	PART(d, "d");
	PART(h, "h");
	PART(m, "m");
	PART(s, "s");
#undef PART
}

int
ynode_duration(const struct ynode *n, const char *file, struct diag *dg,
    dw_ms *out)
{
	if (ynode_expect(n, YN_SCALAR, file, dg, "duration") == -1)
		return -1;
	if (parse_duration_ms(n->str, out) == -1) {
		diag_error(dg, file, n->line, n->col, "bad duration \"%s\" "
		    "(write e.g. 500ms, 30s, 5m, 2h, 1d)", n->str);
		return -1;
	}
	return 0;
}

int
ynode_size(const struct ynode *n, const char *file, struct diag *dg,
    uint64_t *out)
{
	if (ynode_expect(n, YN_SCALAR, file, dg, "size") == -1)
		return -1;
	if (parse_size_bytes(n->str, out) == -1) {
		diag_error(dg, file, n->line, n->col, "bad size \"%s\" "
		    "(write e.g. 4096, 64KiB, 1MiB, 10MB)", n->str);
		return -1;
	}
	return 0;
}

/* Parse text as a value of type t into target+offset; 0 or -1. */
static int
conf_set_text(enum conf_type t, const char *text, void *field)
{
	char	*end;

	switch (t) {
	case CONF_STRING: {
		char	*dup = strdup(text);

		if (dup == NULL)
			return -1;
		free(*(char **)field);
		*(char **)field = dup;
		return 0;
	}
	case CONF_INT:
		errno = 0;
		*(int64_t *)field = strtoll(text, &end, 10);
		return errno != 0 || *end != '\0' ? -1 : 0;
	case CONF_UINT:
		errno = 0;
		if (*text == '-')
			return -1;
		*(uint64_t *)field = strtoull(text, &end, 10);
		return errno != 0 || *end != '\0' ? -1 : 0;
	case CONF_NUMBER:
		*(double *)field = strtod(text, &end);
		return *end != '\0' ? -1 : 0;
	case CONF_BOOL:
		*(int *)field = strcmp(text, "true") == 0;
		return 0;
	case CONF_DURATION:
		return parse_duration_ms(text, (dw_ms *)field);
	case CONF_SIZE:
		return parse_size_bytes(text, (uint64_t *)field);
	case CONF_NODE:
		*(const struct ynode **)field = NULL;
		return 0;
	}
	return -1;
}

void
conf_defaults(const struct conf_key *keys, size_t n, void *target)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		void	*field = (char *)target + keys[i].offset;

		if (keys[i].def != NULL)
			(void)conf_set_text(keys[i].type, keys[i].def, field);
		else if (keys[i].type == CONF_NODE)
			*(const struct ynode **)field = NULL;
	}
}

static void
conf_unknown_key(const struct conf_key *keys, size_t n,
    const struct ynode *k, const char *file, struct diag *dg)
{
	char	expected[1024];
	size_t	i, o = 0;

	expected[0] = '\0';
	for (i = 0; i < n && o < sizeof(expected); i++)
		o += (size_t)snprintf(expected + o, sizeof(expected) - o,
		    "%s%s", i > 0 ? ", " : "", keys[i].name);
	diag_error(dg, file, k->line, k->col, "unknown key \"%s\" (expected: "
	    "%s)", k->str, expected);
}

int
conf_apply(const struct conf_key *keys, size_t n, const struct ynode *map,
    void *target, const char *file, struct diag *dg)
{
	int	i, before = dg->nerrors;
	size_t	j;

	if (map == NULL)
		return 0;
	if (ynode_expect(map, YN_MAP, file, dg, "this section") == -1)
		return 1;
	for (i = 0; i < map->npairs; i++) {
		const struct ynode	*k = map->pairs[i].key;
		const struct ynode	*v = map->pairs[i].value;
		void			*field;

		for (j = 0; j < n; j++)
			if (strcmp(keys[j].name, k->str) == 0)
				break;
		if (j == n) {
			conf_unknown_key(keys, n, k, file, dg);
			continue;
		}
		field = (char *)target + keys[j].offset;
		switch (keys[j].type) {
		case CONF_STRING: {
			const char	*s;

			if (ynode_string(v, file, dg, &s) == 0)
				(void)conf_set_text(CONF_STRING, s, field);
			break;
		}
		case CONF_INT:
			(void)ynode_int(v, file, dg, INT64_MIN, INT64_MAX,
			    (int64_t *)field);
			break;
		case CONF_UINT: {
			int64_t	iv;

			if (ynode_int(v, file, dg, 0, INT64_MAX, &iv) == 0)
				*(uint64_t *)field = (uint64_t)iv;
			break;
		}
		case CONF_NUMBER:
			(void)ynode_number(v, file, dg, (double *)field);
			break;
		case CONF_BOOL:
			(void)ynode_bool(v, file, dg, (int *)field);
			break;
		case CONF_DURATION:
			(void)ynode_duration(v, file, dg, (dw_ms *)field);
			break;
		case CONF_SIZE:
			(void)ynode_size(v, file, dg, (uint64_t *)field);
			break;
		case CONF_NODE:
			*(const struct ynode **)field = v;
			break;
		}
	}
	return dg->nerrors - before;
}
