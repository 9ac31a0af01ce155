/*
 * explain.h - `drainwatch explain`: why an alert did or did not fire.
 *
 * Two questions, answered as plain text:
 *  - a rule (and optionally label=value filters): per group key, what the
 *    window holds (count, value, oldest and newest match), the threshold,
 *    the state (inactive, pending since, firing since) and when and how
 *    it will next change;
 *  - a log line: for every rule, whether the prefilter passed it, which
 *    where: filter rejected it, whether the pattern matched, the
 *    condition, and the labels it would get.
 * A running agent answers them for its live state: the HTTP thread asks
 * through an explain_box and the pipeline thread, which owns the state,
 * answers between two blocks of input. Not on the hot path.
 */
#ifndef DW_EXPLAIN_H
#define DW_EXPLAIN_H

#include <stdio.h>

#include "dw.h"
#include "parse/parse.h"

struct pipeline;
struct rules;

/* Longest answer, in bytes; longer ones end with a "(truncated)" line. */
#define EXPLAIN_ANSWER_MAX	(256 * 1024)

/*
 * Answer a question into buf (NUL-terminated): "RULE [k=v ...]" or
 * "--line TEXT". Returns 0, or -1 when the question is malformed or
 * names no rule (the answer then says why).
 */
int	explain_answer(struct pipeline *, const struct parse_conf *,
	    const char *question, char *buf, size_t n);

/*
 * Ask a running agent (its listener at base, e.g. "http://127.0.0.1:8080";
 * NULL: $DRAINWATCH_URL, else 127.0.0.1 on $PORT or 8080) with
 * POST /-/explain, credentials from DRAINWATCH_USER/DRAINWATCH_PASSWORD,
 * and print the answer to out. 0, or -1 (reason on stderr).
 */
int	explain_remote(const char *base, const char *question, FILE *out);

struct explain_box;

struct explain_box	*explain_box_new(void);
void			 explain_box_free(struct explain_box *);
/*
 * Any thread: ask and wait up to timeout_ms for the answer (malloc'd,
 * caller frees). Returns 0, -1 on timeout or when another question is
 * being answered.
 */
int	explain_box_ask(struct explain_box *, const char *question,
	    char **answer, dw_ms timeout_ms);
/* Pipeline thread: answer the waiting question, if there is one. */
void	explain_box_serve(struct explain_box *, struct pipeline *,
	    const struct parse_conf *);

#endif /* DW_EXPLAIN_H */
