/*
 * prefilter.c - Vectorscan prefilter ahead of PCRE2, see prefilter.h.
 *
 * Why anchors go: block scans see whole lines, while rules match the
 * message inside a line, so "^FATAL" must be looked for anywhere.
 * Dropping ^ $ \A \Z \z \G only widens what a pattern accepts, which a
 * prefilter may do; PCRE2 then confirms on the exact text.
 */
/* lint: load-time allocation */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hs.h>

#include "core/log.h"
#include "match/prefilter.h"
#include "match/rules.h"
#include "parse/parse.h"

/* Ids of the structure markers; rule ids are their rule indexes. */
#define PF_ID_PG_MARK		(RULES_MAX + 0)
#define PF_ID_CHUNK_MARK	(RULES_MAX + 1)
#define PF_ID_TAB_LINE		(RULES_MAX + 2)	/* a line starting with TAB */

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

/*
 * Compiling the database takes ~0.2 s for the shipped rules; a start-up
 * that only replays a file notices. Compiled databases are kept in a
 * cache directory ($DRAINWATCH_CACHE_DIR, else $XDG_CACHE_HOME or
 * ~/.cache, + /drainwatch; "off" disables it), named by a hash of every
 * expression, flag and id and of the Vectorscan version, so a changed
 * rule never reuses a stale database. At most PF_CACHE_FILES are kept.
 */
#define PF_CACHE_FILES	8

static int
pf_cache_dir(char *out, size_t n)
{
	const char	*d = getenv("DRAINWATCH_CACHE_DIR");
	const char	*x = getenv("XDG_CACHE_HOME");
	const char	*h = getenv("HOME");

	if (d != NULL && strcmp(d, "off") == 0)
		return -1;
	if (d != NULL && *d != '\0')
		snprintf(out, n, "%s", d);
	else if (x != NULL && *x != '\0')
		snprintf(out, n, "%s/drainwatch", x);
	else if (h != NULL && *h != '\0')
		snprintf(out, n, "%s/.cache/drainwatch", h);
	else
		return -1;
	return 0;
}

static uint64_t
pf_hash(const struct pf_build *b)
{
	const char	*v = hs_version();
	uint64_t	 h = dw_fnv1a(v, strlen(v) + 1, DW_FNV_OFFSET);
	unsigned	 i;

	for (i = 0; i < b->n; i++) {
		h = dw_fnv1a(b->exprs[i], strlen(b->exprs[i]) + 1, h);
		h = dw_fnv1a(&b->flags[i], sizeof(b->flags[i]), h);
		h = dw_fnv1a(&b->ids[i], sizeof(b->ids[i]), h);
	}
	return h;
}

/* Remove the oldest cached databases beyond PF_CACHE_FILES - 1. */
static void
pf_cache_prune(const char *dir)
{
	struct {
		char	name[256];
		time_t	mtime;
	}		 files[64];
	int		 n = 0, i, oldest;
	DIR		*d = opendir(dir);
	struct dirent	*de;
	char		 p[1300];
	struct stat	 st;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && n < (int)DW_NELEM(files)) {
		if (strncmp(de->d_name, "prefilter-", 10) != 0)
			continue;
		snprintf(p, sizeof(p), "%.1000s/%.255s", dir, de->d_name);
		if (stat(p, &st) == -1)
			continue;
		snprintf(files[n].name, sizeof(files[n].name), "%s",
		    de->d_name);
		files[n++].mtime = st.st_mtime;
	}
	closedir(d);
	while (n >= PF_CACHE_FILES) {
		for (oldest = 0, i = 1; i < n; i++)
			if (files[i].mtime < files[oldest].mtime)
				oldest = i;
		snprintf(p, sizeof(p), "%.1000s/%.255s", dir,
		    files[oldest].name);
		(void)unlink(p);
		files[oldest] = files[--n];
	}
}

static hs_database_t *
pf_cache_load(const char *path)
{
	hs_database_t	*db = NULL;
	FILE		*f = fopen(path, "rb");
	char		*buf = NULL;
	long		 len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
	    len < 256L * 1024 * 1024 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len)) != NULL &&
	    fread(buf, 1, (size_t)len, f) == (size_t)len &&
	    hs_deserialize_database(buf, (size_t)len, &db) != HS_SUCCESS)
		db = NULL;
	free(buf);
	fclose(f);
	return db;
}

/* Keep the newest PF_CACHE_FILES databases; write db as path. */
static void
pf_cache_store(const char *dir, const char *path, const hs_database_t *db)
{
	char	*bytes = NULL, tmp[1300];
	size_t	 len = 0;
	FILE	*f;

	char	parent[1024], *slash;

	/* The parent (e.g. ~/.cache) may not exist yet either. */
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent) {
		*slash = '\0';
		(void)mkdir(parent, 0700);
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return;
	pf_cache_prune(dir);
	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	f = fopen(tmp, "wb");
	if (f != NULL) {
		int	ok = fwrite(bytes, 1, len, f) == len;

		if (fclose(f) == 0 && ok)
			(void)rename(tmp, path);
		else
			(void)unlink(tmp);
	}
	free(bytes);
}

static int
pf_compile(struct pf_build *b, hs_database_t **db, int *bad_index,
    char *err, size_t errlen)
{
	hs_compile_error_t	*ce = NULL;
	char			 dir[1024], path[1100];
	int			 cache;

	*bad_index = -1;
	cache = pf_cache_dir(dir, sizeof(dir)) == 0;
	if (cache) {
		snprintf(path, sizeof(path), "%s/prefilter-%016llx.hsdb", dir,
		    (unsigned long long)pf_hash(b));
		*db = pf_cache_load(path);
		if (*db != NULL)
			return 0;
	}
	if (hs_compile_multi((const char *const *)b->exprs, b->flags, b->ids,
	    b->n, HS_MODE_BLOCK, NULL, db, &ce) == HS_SUCCESS) {
		if (cache)
			pf_cache_store(dir, path, *db);
		return 0;
	}
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
	b.exprs = calloc((size_t)rs->n + 3, sizeof(char *));
	b.flags = calloc((size_t)rs->n + 3, sizeof(unsigned));
	b.ids = calloc((size_t)rs->n + 3, sizeof(unsigned));
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
	b.exprs[b.n] = strdup("\\n\\t");
	b.ids[b.n++] = PF_ID_TAB_LINE;
	if (b.exprs[b.n - 1] == NULL || b.exprs[b.n - 2] == NULL ||
	    b.exprs[b.n - 3] == NULL)
		goto out;
	/* Drop the patterns Vectorscan refuses, one at a time. */
	while (pf_compile(&b, &pf->db, &bad, err, sizeof(err)) == -1) {
		struct rule	*r;

		if (bad < 0 || b.ids[bad] >= (unsigned)rs->n) {
			diag_error(dg, "prefilter", 0, 0, "Vectorscan: %s",
			    err);
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
	const char	*buf;
	size_t		 len;
	uint32_t	*starts;
	size_t		 n, max;
	size_t		 all_from;
	size_t		 cur_ls, cur_le;	/* the line of the last hit */
	int		 sorted;
};

/*
 * One hit: record the start of the line holding its last byte, once
 * per line. Prefilter patterns may report a hit at every offset of a
 * long match, so the last line is cached; hits need not come in order.
 */
static int
block_hit(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *arg)
{
	struct block_ctx	*c = arg;
	size_t			 last = to > 0 ? (size_t)to - 1 : 0, ls, le;
	const char		*nl;

	(void)id;
	(void)from;
	(void)flags;
	if (last >= c->len)
		last = c->len - 1;
	if (last >= c->cur_ls && last <= c->cur_le)
		return 0;
	nl = last > 0 ? memrchr(c->buf, '\n', last) : NULL;
	ls = nl != NULL ? (size_t)(nl - c->buf) + 1 : 0;
	nl = memchr(c->buf + last, '\n', c->len - last);
	le = nl != NULL ? (size_t)(nl - c->buf) : c->len;
	c->cur_ls = ls;
	c->cur_le = le;
	if (c->n >= c->max) {
		if (ls < c->all_from)
			c->all_from = ls;
		return 0;
	}
	if (c->n > 0 && c->starts[c->n - 1] > (uint32_t)ls)
		c->sorted = 0;
	c->starts[c->n++] = (uint32_t)ls;
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
    uint32_t *starts, size_t max, size_t *all_from)
{
	struct block_ctx	c = { buf, len, starts, 0, max, len, 1, 0, 1 };
	size_t			i, o;

	if (pf->nunfiltered > 0 || len == 0) {
		*all_from = 0;
		return 0;
	}
	c.cur_ls = 1;			/* empty cache: ls > le */
	c.cur_le = 0;
	if (buf[0] == '\t') {		/* the TAB marker needs a LF before */
		const char	*nl = memchr(buf, '\n', len);

		starts[c.n++] = 0;
		c.cur_ls = 0;
		c.cur_le = nl != NULL ? (size_t)(nl - buf) : len;
	}
	(void)hs_scan(pf->db, buf, (unsigned)len, 0, pf->scratch, block_hit,
	    &c);
	if (!c.sorted) {
		qsort(starts, c.n, sizeof(*starts), cmp_u32);
		for (i = 1, o = 1; i < c.n; i++)
			if (starts[i] != starts[o - 1])
				starts[o++] = starts[i];
		c.n = c.n > 0 ? o : 0;
	}
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
