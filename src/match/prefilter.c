/*
 * prefilter.c - Vectorscan prefilter ahead of PCRE2, see prefilter.h.
 *
 * Why anchors go: block scans see whole lines, while rules match the
 * message inside a line, so "^FATAL" must be looked for anywhere.
 * Dropping ^ $ \A \Z \z \G only widens what a pattern accepts, which a
 * prefilter may do; PCRE2 then confirms on the exact text.
 */
#include <stdlib.h>
#include <string.h>

#include <hs.h>

#include "core/log.h"
#include "match/prefilter.h"
#include "match/rules.h"
#include "parse/parse.h"

/* Ids of the structure markers; rule ids are their rule indexes. */
#define PF_ID_PG_MARK		(RULES_MAX + 0)
#define PF_ID_CHUNK_MARK	(RULES_MAX + 1)

struct prefilter {
	hs_database_t	*db;
	hs_scratch_t	*scratch;
	int		 nrules;
	uint32_t	 epoch;
	uint32_t	 mark[RULES_MAX];	/* == epoch: already listed */
	int		*unfiltered;		/* rules always candidates */
	int		 nunfiltered;
};

int
prefilter_strip_anchors(const char *p, char *out, size_t n)
{
	size_t	o = 0;
	int	in_class = 0, in_quote = 0;

#define PUT(c)	do { if (o + 1 >= n) return -1; out[o++] = (c); } while (0)
	while (*p != '\0') {
		if (in_quote) {
			if (p[0] == '\\' && p[1] == 'E') {
				in_quote = 0;
				PUT(*p++);
				PUT(*p++);
				continue;
			}
			PUT(*p++);
			continue;
		}
		if (p[0] == '\\' && p[1] != '\0') {
			if (!in_class && strchr("AZzG", p[1]) != NULL) {
				p += 2;
				continue;
			}
			if (p[1] == 'Q')
				in_quote = 1;
			PUT(*p++);
			PUT(*p++);
			continue;
		}
		if (in_class) {
			if (*p == ']')
				in_class = 0;
			PUT(*p++);
			continue;
		}
		if (*p == '[') {
			in_class = 1;
			PUT(*p++);
			if (*p == '^')
				PUT(*p++);
			if (*p == ']')		/* literal ] first in class */
				PUT(*p++);
			continue;
		}
		if (*p == '^' || *p == '$') {
			p++;
			continue;
		}
		PUT(*p++);
	}
	out[o] = '\0';
	return 0;
#undef PUT
}

struct pf_build {
	char		**exprs;
	unsigned	*flags;
	unsigned	*ids;
	unsigned	 n;
};

static int
pf_compile(struct pf_build *b, hs_database_t **db, int *bad_index,
    char *err, size_t errlen)
{
	hs_compile_error_t	*ce = NULL;

	*bad_index = -1;
	if (hs_compile_multi((const char *const *)b->exprs, b->flags, b->ids,
	    b->n, HS_MODE_BLOCK, NULL, db, &ce) == HS_SUCCESS)
		return 0;
	snprintf(err, errlen, "%s", ce != NULL && ce->message != NULL ?
	    ce->message : "compile error");
	if (ce != NULL) {
		*bad_index = ce->expression;
		hs_free_compile_error(ce);
	}
	return -1;
}

struct prefilter *
prefilter_build(struct rules *rs, struct diag *dg)
{
	struct prefilter	*pf = NULL;
	struct pf_build		 b = { NULL, NULL, NULL, 0 };
	char			 err[512];
	unsigned		 i;
	int			 bad, ok = 0;

	pf = calloc(1, sizeof(*pf));
	if (pf == NULL)
		goto out;
	pf->nrules = rs->n;
	pf->unfiltered = calloc((size_t)rs->n + 1, sizeof(int));
	b.exprs = calloc((size_t)rs->n + 2, sizeof(char *));
	b.flags = calloc((size_t)rs->n + 2, sizeof(unsigned));
	b.ids = calloc((size_t)rs->n + 2, sizeof(unsigned));
	if (pf->unfiltered == NULL || b.exprs == NULL || b.flags == NULL ||
	    b.ids == NULL)
		goto out;
	for (i = 0; i < (unsigned)rs->n; i++) {
		struct rule	*r = rs->v[i];
		size_t		 len = strlen(r->pattern) + 1;

		r->prefiltered = 0;
		b.exprs[b.n] = malloc(len);
		if (b.exprs[b.n] == NULL)
			goto out;
		if (prefilter_strip_anchors(r->pattern, b.exprs[b.n], len)
		    == -1) {
			free(b.exprs[b.n]);
			b.exprs[b.n] = NULL;
			continue;
		}
		b.flags[b.n] = HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY |
		    (r->caseless ? HS_FLAG_CASELESS : 0);
		b.ids[b.n] = i;
		b.n++;
	}
	b.exprs[b.n] = strdup(PARSE_PG_MARK_RE);
	b.ids[b.n++] = PF_ID_PG_MARK;
	b.exprs[b.n] = strdup(PARSE_CHUNK_MARK_RE);
	b.ids[b.n++] = PF_ID_CHUNK_MARK;
	if (b.exprs[b.n - 1] == NULL || b.exprs[b.n - 2] == NULL)
		goto out;
	/* Drop the patterns Vectorscan refuses, one at a time. */
	while (pf_compile(&b, &pf->db, &bad, err, sizeof(err)) == -1) {
		struct rule	*r;

		if (bad < 0 || b.ids[bad] >= (unsigned)rs->n) {
			diag_error(dg, "prefilter", 0, 0, "Vectorscan: %s", err);
			goto out;
		}
		r = rs->v[b.ids[bad]];
		diag_warning(dg, r->file, r->line, 1, "rule \"%s\": pattern "
		    "cannot be prefiltered by Vectorscan (%s); every record "
		    "will be checked with PCRE2, which is slower", r->name,
		    err);
		free(b.exprs[bad]);
		memmove(b.exprs + bad, b.exprs + bad + 1,
		    (b.n - (unsigned)bad - 1) * sizeof(char *));
		memmove(b.flags + bad, b.flags + bad + 1,
		    (b.n - (unsigned)bad - 1) * sizeof(unsigned));
		memmove(b.ids + bad, b.ids + bad + 1,
		    (b.n - (unsigned)bad - 1) * sizeof(unsigned));
		b.n--;
	}
	for (i = 0; i < b.n; i++)
		if (b.ids[i] < (unsigned)rs->n)
			rs->v[b.ids[i]]->prefiltered = 1;
	for (i = 0; i < (unsigned)rs->n; i++)
		if (!rs->v[i]->prefiltered)
			pf->unfiltered[pf->nunfiltered++] = (int)i;
	if (hs_alloc_scratch(pf->db, &pf->scratch) != HS_SUCCESS) {
		diag_error(dg, "prefilter", 0, 0, "Vectorscan scratch "
		    "allocation failed");
		goto out;
	}
	ok = 1;
out:
	for (i = 0; i < b.n; i++)
		free(b.exprs[i]);
	free(b.exprs);
	free(b.flags);
	free(b.ids);
	if (!ok) {
		prefilter_free(pf);
		return NULL;
	}
	return pf;
}

void
prefilter_free(struct prefilter *pf)
{
	if (pf == NULL)
		return;
	if (pf->scratch != NULL)
		hs_free_scratch(pf->scratch);
	if (pf->db != NULL)
		hs_free_database(pf->db);
	free(pf->unfiltered);
	free(pf);
}

struct block_ctx {
	uint32_t	*ends;
	size_t		 n, max;
	size_t		 all_from;
	int		 sorted;
};

static int
block_hit(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *arg)
{
	struct block_ctx	*c = arg;

	(void)id;
	(void)from;
	(void)flags;
	if (c->n > 0 && c->ends[c->n - 1] == (uint32_t)to)
		return 0;
	if (c->n >= c->max) {
		c->all_from = (size_t)to;
		return 1;			/* stop scanning */
	}
	if (c->n > 0 && c->ends[c->n - 1] > (uint32_t)to)
		c->sorted = 0;
	c->ends[c->n++] = (uint32_t)to;
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

size_t
prefilter_scan_block(struct prefilter *pf, const char *buf, size_t len,
    uint32_t *ends, size_t max, size_t *all_from)
{
	struct block_ctx	c = { ends, 0, max, len, 1 };

	if (pf->nunfiltered > 0) {
		*all_from = 0;
		return 0;
	}
	if (len > 0)
		(void)hs_scan(pf->db, buf, (unsigned)len, 0, pf->scratch,
		    block_hit, &c);
	if (!c.sorted)
		qsort(ends, c.n, sizeof(*ends), cmp_u32);
	*all_from = c.all_from;
	return c.n;
}

struct text_ctx {
	struct prefilter	*pf;
	int			*cands;
	int			 n;
};

static int
text_hit(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *arg)
{
	struct text_ctx		*c = arg;

	(void)from;
	(void)to;
	(void)flags;
	if (id >= (unsigned)c->pf->nrules || c->pf->mark[id] == c->pf->epoch)
		return 0;
	c->pf->mark[id] = c->pf->epoch;
	c->cands[c->n++] = (int)id;
	return 0;
}

int
prefilter_scan_text(struct prefilter *pf, const char *p, size_t len,
    int *cands, int ncands)
{
	struct text_ctx	c = { pf, cands, ncands };
	int		i;

	if (ncands == 0 && ++pf->epoch == 0) {
		memset(pf->mark, 0, sizeof(pf->mark));
		pf->epoch = 1;
	}
	(void)hs_scan(pf->db, len > 0 ? p : "", (unsigned)len, 0, pf->scratch,
	    text_hit, &c);
	for (i = 0; i < pf->nunfiltered; i++) {
		int	id = pf->unfiltered[i];

		if (pf->mark[id] != pf->epoch) {
			pf->mark[id] = pf->epoch;
			cands[c.n++] = id;
		}
	}
	return c.n;
}
