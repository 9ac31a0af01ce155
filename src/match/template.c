/*
 * template.c - rule summary/description templates, see template.h.
 */
/* lint: load-time allocation */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/template.h"

static const char *const builtin_names[TB_COUNT_OF] = {
	[TB_COUNT] = "count",
	[TB_VALUE] = "value",
	[TB_AGGREGATE] = "aggregate",
	[TB_THRESHOLD] = "threshold",
	[TB_WINDOW] = "window",
	[TB_RULE] = "rule",
	[TB_SEVERITY] = "severity",
	[TB_SINCE] = "since",
	[TB_TOTAL] = "total",
	[TB_FIRST_LINE] = "first_line",
	[TB_LAST_LINE] = "last_line",
};

static int
tmpl_add(struct tmpl *t, int type, size_t off, size_t len, int index)
{
	if (t->nparts >= TMPL_PARTS_MAX)
		return -1;
	t->parts[t->nparts].type = type;
	t->parts[t->nparts].off = off;
	t->parts[t->nparts].len = len;
	t->parts[t->nparts].index = index;
	t->nparts++;
	return 0;
}

int
tmpl_compile(struct tmpl *t, const char *src, const char *const *label_names,
    int nlabels, char *err, size_t errlen, size_t *erroff)
{
	size_t	i = 0, text_start = 0, len;

	memset(t, 0, sizeof(*t));
	t->src = strdup(src);
	if (t->src == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	len = strlen(src);
	*erroff = 0;
	while (i < len) {
		const char	*close;
		size_t		 a, b;
		int		 builtin = 0, idx = -1, k;

		if (src[i] != '{' || i + 1 >= len || src[i + 1] != '{') {
			i++;
			continue;
		}
		close = strstr(src + i + 2, "}}");
		if (close == NULL) {
			*erroff = i;
			snprintf(err, errlen, "\"{{\" without \"}}\"");
			goto fail;
		}
		if (i > text_start &&
		    tmpl_add(t, TP_TEXT, text_start, i - text_start, 0) == -1)
			goto toolong;
		a = i + 2;
		b = (size_t)(close - src);
		while (a < b && src[a] == ' ')
			a++;
		while (b > a && src[b - 1] == ' ')
			b--;
		if (a < b && src[a] == '$') {
			builtin = 1;
			a++;
		}
		for (k = 0; !builtin && k < nlabels; k++)
			if (strlen(label_names[k]) == b - a &&
			    memcmp(label_names[k], src + a, b - a) == 0)
				idx = k;
		for (k = 0; builtin && k < TB_COUNT_OF; k++)
			if (strlen(builtin_names[k]) == b - a &&
			    memcmp(builtin_names[k], src + a, b - a) == 0)
				idx = k;
		if (idx < 0) {
			*erroff = i;
			if (builtin)
				snprintf(err, errlen, "unknown builtin "
				    "\"$%.*s\" (known: $count, $value, "
				    "$aggregate, $threshold, $window, $rule, "
				    "$severity, $since, $total, $first_line, "
				    "$last_line)", (int)(b - a), src + a);
			else
				snprintf(err, errlen, "unknown label \"%.*s\" "
				    "(labels: the rule's group_by and static "
				    "labels; builtins start with $)",
				    (int)(b - a), src + a);
			goto fail;
		}
		if (tmpl_add(t, builtin ? TP_BUILTIN : TP_LABEL, 0, 0, idx) ==
		    -1)
			goto toolong;
		i = (size_t)(close - src) + 2;
		text_start = i;
	}
	if (len > text_start &&
	    tmpl_add(t, TP_TEXT, text_start, len - text_start, 0) == -1)
		goto toolong;
	return 0;
toolong:
	snprintf(err, errlen, "template has more than %d parts",
	    TMPL_PARTS_MAX);
fail:
	tmpl_free(t);
	return -1;
}

void
tmpl_free(struct tmpl *t)
{
	free(t->src);
	t->src = NULL;
	t->nparts = 0;
}

void
tmpl_render(const struct tmpl *t, const struct tmpl_ctx *ctx, char *out,
    size_t n)
{
	size_t	o = 0;
	int	i;

	if (n == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < t->nparts; i++) {
		const struct tmpl_part	*p = &t->parts[i];
		const char		*s = NULL;
		size_t			 len;

		switch (p->type) {
		case TP_TEXT:
			s = t->src + p->off;
			len = p->len;
			break;
		case TP_LABEL:
			s = p->index < ctx->nlabels ?
			    ctx->label_values[p->index] : NULL;
			len = s != NULL ? strlen(s) : 0;
			break;
		case TP_BUILTIN:
		default:
			s = ctx->builtin[p->index];
			len = s != NULL ? strlen(s) : 0;
			break;
		}
		if (s == NULL)
			continue;
		if (o + len >= n) {
			len = n - 1 - o;
			memcpy(out + o, s, len);
			o += len;
			if (n >= 4)
				memcpy(out + n - 4, "...", 3);
			out[n - 1] = '\0';
			return;
		}
		memcpy(out + o, s, len);
		o += len;
	}
	out[o] = '\0';
}
