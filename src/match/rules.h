/*
 * rules.h - rule files (YAML) compiled into matchers (pipeline stage 3).
 *
 * rules_load_*() read rule files, report every mistake as
 * file:line:col and compile each pattern once with PCRE2 JIT, plus one
 * Vectorscan prefilter database for all of them (prefilter.h). All
 * memory of a rule set is allocated here, at load time; matching a
 * record (match.h) only reads it and reuses each rule's match data.
 * The syntax is documented in README.md ("Rules").
 */
#ifndef DW_RULES_H
#define DW_RULES_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "alert/alert_event.h"
#include "core/diag.h"
#include "core/ydoc.h"
#include "dw.h"
#include "match/template.h"
#include "parse/parse.h"

/* Rules one agent may load, over all files. */
#define RULES_MAX		1024
/* Filters (where:) per rule, and alternatives per filter. */
#define RULE_FILTERS_MAX	16
#define RULE_FILTER_ALTS_MAX	16
/* Bytes one label value keeps; longer values are cut. */
#define LABEL_VALUE_MAX		256

/* Record fields usable in where:, group_by and templates. */
enum rec_field {
	RF_SOURCE, RF_PROCESS, RF_HOST, RF_APP, RF_FORMAT, RF_KIND, RF_LEVEL,
	RF_SQLSTATE, RF_USER, RF_DATABASE, RF_PID, RF_APPLICATION,
	RF_ATTACHMENT, RF_COUNT
};

enum rule_agg { AGG_COUNT = 0, AGG_SUM, AGG_MIN, AGG_MAX, AGG_AVG };
enum rule_op { OP_GT = 0, OP_GE, OP_LT, OP_LE, OP_EQ, OP_NE };

struct rule_filter {
	enum rec_field	 field;
	int		 nalts;
	char		*alts[RULE_FILTER_ALTS_MAX];	/* globs */
	int		 negate[RULE_FILTER_ALTS_MAX];
};

/* Where one group label's value comes from. */
struct rule_label {
	char		*name;
	int		 capture;	/* PCRE2 group number, or -1 */
	enum rec_field	 field;		/* when capture < 0 */
};

struct rule {
	/* identity and documentation */
	char		*name;
	char		*description;
	char		*file;
	int		 line;
	int		 index;		/* position in the rule set */
	uint64_t	 def_hash;	/* of its YAML definition: a reload
					   keeps the state of unchanged rules */

	/* matching */
	char		*pattern;
	int		 match_line;	/* pattern against the raw line */
	int		 caseless;
	pcre2_code	*code;
	pcre2_match_data *md;		/* reused; pipeline thread only */
	int		 jit;		/* JIT compiled */
	int		 prefiltered;	/* has a Vectorscan prefilter */
	int		 nfilters;
	struct rule_filter filters[RULE_FILTERS_MAX];

	/* labels and grouping */
	int		 ngroup;
	struct rule_label group[ALERT_LABELS_MAX];
	int		 nstatic;
	struct alert_label statics[ALERT_LABELS_MAX];

	/* value, condition, aggregation */
	int		 value_capture;	/* group number, -1 = none */
	char		*value_name;
	int		 has_condition;
	enum rule_op	 cond_op;
	double		 cond_value;
	enum rule_agg	 agg;
	enum rule_op	 thr_op;
	double		 thr_value;
	char		 threshold_text[64];

	/* time */
	dw_ms		 window;
	dw_ms		 for_ms;
	dw_ms		 repeat;	/* -1 = agent default */
	dw_ms		 absent;	/* >0: fire when a key is silent this
					   long (dead man's switch) */

	/* presentation */
	char		*severity;
	struct tmpl	 summary;
	struct tmpl	 alert_description;

	/* counters, pipeline thread */
	uint64_t	 matches;
	uint64_t	 rejected_condition;
	uint64_t	 alerts_fired;
	uint64_t	 alerts_resolved;
};

struct prefilter;

struct rules {
	int		 n;
	struct rule	*v[RULES_MAX];
	struct prefilter *pf;
	int		 any_match_line;	/* some rule uses match: line */
	int		 nunfiltered;		/* rules without a prefilter */
};

struct rules	*rules_new(void);
void		 rules_free(struct rules *);
/* Load one file; every error goes to dg. Returns the error count. */
int		 rules_load_file(struct rules *, const char *path,
		    struct diag *);
/* Load an already parsed rule file document (tests: key "rules"). */
int		 rules_load_doc(struct rules *, const struct ydoc *,
		    struct diag *);
/* Expand globs/directories (*.yaml) and load each file in order. */
int		 rules_load_paths(struct rules *, const char *const *paths,
		    int npaths, struct diag *);
/* The glob a rule path stands for: a directory means all its .yaml. */
void		 rules_path_glob(const char *path, char *out, size_t n);
/* After loading: build the prefilter. Returns -1 on failure. */
int		 rules_finish(struct rules *, struct diag *);
struct rule	*rules_find(const struct rules *, const char *name);

const char	*rec_field_name(enum rec_field);
int		 rec_field_lookup(const char *name, enum rec_field *);
/* Field value of a record as a slice (format/kind are static names). */
struct dw_str	 rec_field_get(const struct log_record *, enum rec_field);
const char	*rule_agg_name(enum rule_agg);
const char	*rule_op_name(enum rule_op);
int		 rule_op_eval(enum rule_op, double lhs, double rhs);
/* Parse "OP NUMBER" or "NUMBER [*|/ NUMBER]" (default op given). */
int		 rule_parse_cmp(const char *, enum rule_op defop,
		    enum rule_op *, double *);

#endif /* DW_RULES_H */
