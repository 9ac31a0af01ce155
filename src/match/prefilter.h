/*
 * prefilter.h - the Vectorscan multi-pattern prefilter (pipeline
 * stage 3a): rejects most lines before anything parses them.
 *
 * Every rule pattern is compiled with HS_FLAG_PREFILTER (a superset
 * matcher: no false negatives) with its anchors dropped, into one
 * database together with the PostgreSQL structure markers of parse.h.
 * prefilter_scan_block() scans a whole block of lines at once and
 * reports where something hit; prefilter_scan_text() tells which rules
 * may match one record's text. Patterns Vectorscan cannot compile are
 * left unfiltered (checked on every record) and reported once as a
 * warning. Built at load time; scans allocate nothing.
 */
#ifndef DW_PREFILTER_H
#define DW_PREFILTER_H

#include "core/diag.h"
#include "dw.h"

struct rules;
struct prefilter;

/* Hit lines one block scan records; past this the rest of the block
 * is treated as all-hit (correct, only slower). */
#define PREFILTER_HITS_MAX	(1 << 16)

struct prefilter	*prefilter_build(struct rules *, struct diag *);
void			 prefilter_free(struct prefilter *);

/*
 * Scan buf (whole lines) and store, in starts, the offset of the first
 * byte of every line that something hit or that starts with a TAB,
 * ascending and each once. Returns the number stored; *all_from is the
 * offset from which every line must be treated as hit (len when the
 * list did not overflow).
 */
size_t			 prefilter_scan_block(struct prefilter *,
			    const char *buf, size_t len, uint32_t *starts,
			    size_t max, size_t *all_from);

/*
 * Scan one record's text; adds to cands (which holds ncands already,
 * from an earlier scan of the same record, or 0 to start afresh) the
 * indexes of the rules that may match it, each at most once, and
 * returns the new count.
 */
int			 prefilter_scan_text(struct prefilter *,
			    const char *p, size_t len, int *cands,
			    int ncands);

/* Pattern as given to Vectorscan (anchors removed), for tests. */
int			 prefilter_strip_anchors(const char *pattern,
			    char *out, size_t n);

#endif /* DW_PREFILTER_H */
