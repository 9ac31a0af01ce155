/*
 * template.h - `summary` and `description` templates of rules
 * (pipeline stage 5, cold path).
 *
 * "{{role}}" is a label of the alert; "{{$count}}", "{{$value}}",
 * "{{$window}}", ... are the builtins listed in tmpl_builtin. A template
 * is compiled once when rules load: unknown names are located errors.
 * Rendering happens only when an alert changes state; it writes into a
 * caller buffer and truncates (with "...") rather than allocate.
 */
#ifndef DW_TEMPLATE_H
#define DW_TEMPLATE_H

#include "dw.h"

/* Pieces one template may have. */
#define TMPL_PARTS_MAX	64

enum tmpl_builtin {
	TB_COUNT, TB_VALUE, TB_AGGREGATE, TB_THRESHOLD, TB_WINDOW, TB_RULE,
	TB_SEVERITY, TB_SINCE, TB_TOTAL, TB_FIRST_LINE, TB_LAST_LINE,
	TB_COUNT_OF
};

struct tmpl_part {
	enum { TP_TEXT, TP_LABEL, TP_BUILTIN }	 type;
	size_t					 off, len; /* TP_TEXT */
	int					 index;    /* label or
							      builtin */
};

struct tmpl {
	char		*src;
	int		 nparts;
	struct tmpl_part parts[TMPL_PARTS_MAX];
};

/* What a rendering can refer to. */
struct tmpl_ctx {
	int		 nlabels;
	const char	*const *label_values;	/* by label index */
	const char	*builtin[TB_COUNT_OF];	/* preformatted text */
};

/*
 * Compile src. label_names are the names {{name}} may use. Returns 0,
 * or -1 with a message in err (e.g. unknown label "rol", at offset 12).
 * Takes a copy of src.
 */
int	tmpl_compile(struct tmpl *, const char *src, const char *const *
	    label_names, int nlabels, char *err, size_t errlen,
	    size_t *erroff);
void	tmpl_free(struct tmpl *);
/* Render into out (NUL-terminated, truncated with "..."). */
void	tmpl_render(const struct tmpl *, const struct tmpl_ctx *, char *out,
	    size_t n);

#endif /* DW_TEMPLATE_H */
