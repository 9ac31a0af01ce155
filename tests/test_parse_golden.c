/*
 * test_parse_golden.c - fixtures/parse/<case>.in -> .expect (parse_line
 * and assemble, stage 2/2b).
 *
 * Each line of <case>.in is parsed with parse_line() and described in a
 * stable text form, then all lines are pushed through an assembler and
 * the records it emits are described too. The text must equal
 * <case>.expect byte for byte. An optional <case>.prefix holds a
 * log_line_prefix for the case. Settings: default_tz_min 0, RFC 3164
 * year reference 2024-06-01T00:00:00Z.
 *
 * Regenerate after a deliberate change, then REVIEW the diff by hand:
 *   DW_GOLDEN_UPDATE=1 build/tests/test_parse_golden
 * DW_FIXTURES_DIR overrides the directory (default fixtures/parse).
 *
 * Also here: the invariant the pipeline's prefilter relies on (parse.h
 * PARSE_PG_MARK_RE): every fixture line parsed as KIND_PG/KIND_PG_CHUNK
 * contains a marker, every KIND_PG_CONT line starts with a TAB.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcre2.h>

#include "parse/assemble.h"
#include "parse/parse.h"

#define GOLDEN_YEAR_REF_MS	1717200000000LL	/* 2024-06-01T00:00:00Z */
#define GOLDEN_CASES_MAX	64
#define GOLDEN_NAME_MAX		256

static const char *
fixtures_dir(void)
{
	const char	*d = getenv("DW_FIXTURES_DIR");

	return d != NULL ? d : "fixtures/parse";
}

/* dir/name.ext into buf; fails the test when it does not fit. */
static void
case_path(char *buf, size_t size, const char *dir, const char *name,
    const char *ext)
{
	int	n = snprintf(buf, size, "%s/%s.%s", dir, name, ext);

	assert_true(n > 0 && (size_t)n < size);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp = fopen(path, "rb");
	char	*buf = NULL;
	long	 n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc((size_t)n + 1);
	if (buf == NULL)
		goto out;
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	*len = (size_t)n;
out:
	fclose(fp);
	return buf;
}

static void
put_esc(FILE *out, struct dw_str s)
{
	size_t		i;
	unsigned char	ch;

	fputc('"', out);
	for (i = 0; i < s.len; i++) {
		ch = (unsigned char)s.p[i];
		if (ch == '\\' || ch == '"')
			fprintf(out, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", out);
		else if (ch == '\t')
			fputs("\\t", out);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void
put_field(FILE *out, const char *name, struct dw_str s)
{
	if (s.len == 0)
		return;
	fprintf(out, " %s=", name);
	put_esc(out, s);
}

/* Epoch ms as "YYYY-MM-DDThh:mm:ss.mmmZ" (civil_from_days, Hinnant). */
static void
put_ts(FILE *out, dw_ms ms)
{
	int64_t		days, z, era, y, rem;
	unsigned	doe, yoe, doy, mp, d, m;

	if (ms == DW_MS_NONE) {
		fputs(" ts=none", out);
		return;
	}
	days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	rem = ms - days * 86400000;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	fprintf(out, " ts=%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
	    (long long)(y + (m <= 2)), m, d, (long long)(rem / 3600000),
	    (long long)(rem / 60000 % 60), (long long)(rem / 1000 % 60),
	    (long long)(rem % 1000));
}

static const char *
kind_name(enum rec_kind k)
{
	switch (k) {
	case KIND_TEXT:
		return "text";
	case KIND_PG:
		return "pg";
	case KIND_PG_CHUNK:
		return "pg_chunk";
	case KIND_PG_CONT:
		return "pg_cont";
	case KIND_METRICS:
		return "metrics";
	}
	return "?";
}

static const char *
sev_name(int sev)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };

	return sev >= 0 && sev <= 7 ? names[sev] : "unknown";
}

static void
describe(FILE *out, const struct log_record *r)
{
	fprintf(out, " format=%s kind=%s sev=%s", rec_format_name(r->format),
	    kind_name(r->kind), sev_name(r->severity));
	put_ts(out, r->ts);
	if (r->host.len > 0 || r->source.len > 0 || r->process.len > 0 ||
	    r->attachment.len > 0 || r->chunk_seq >= 0 ||
	    r->pg_level.len > 0 || r->sqlstate.len > 0 || r->pg_pid.len > 0 ||
	    r->pg_user.len > 0 || r->pg_database.len > 0 ||
	    r->pg_application.len > 0)
		fputs("\n   ", out);
	put_field(out, "host", r->host);
	put_field(out, "source", r->source);
	put_field(out, "process", r->process);
	put_field(out, "attachment", r->attachment);
	if (r->chunk_seq >= 0)
		fprintf(out, " chunk=%lld-%d", (long long)r->chunk_seq,
		    r->chunk_nr);
	put_field(out, "level", r->pg_level);
	put_field(out, "sqlstate", r->sqlstate);
	put_field(out, "pid", r->pg_pid);
	put_field(out, "user", r->pg_user);
	put_field(out, "db", r->pg_database);
	put_field(out, "appname", r->pg_application);
	fputs("\n    msg=", out);
	put_esc(out, r->message);
	fputc('\n', out);
}

struct golden_run {
	FILE	*out;
	int	 nrec;
};

static void
on_record(void *arg, const struct log_record *r)
{
	struct golden_run	*g = arg;
	size_t			 i, nl = 1;

	for (i = 0; i < r->line.len; i++)
		nl += r->line.p[i] == '\n';
	fprintf(g->out, "R%d lines=%zu bytes=%zu", ++g->nrec, nl, r->line.len);
	describe(g->out, r);
}

/* Run one case; returns the malloc'd description. */
static char *
run_case(const char *dir, const char *name, size_t *outlen)
{
	char			 path[GOLDEN_NAME_MAX * 2];
	char			*in, *pfx, *desc = NULL;
	size_t			 inlen, pfxlen, n;
	const char		*p, *end, *nl, *err;
	struct pg_prefix	 pp;
	struct parse_conf	 conf;
	struct log_record	 rec;
	struct assembler	*as;
	struct golden_run	 g;
	enum parse_rc		 rc;
	int			 lineno = 0;

	memset(&conf, 0, sizeof(conf));
	conf.year_ref_ms = GOLDEN_YEAR_REF_MS;
	case_path(path, sizeof(path), dir, name, "prefix");
	pfx = slurp(path, &pfxlen);
	if (pfx != NULL) {
		while (pfxlen > 0 && (pfx[pfxlen - 1] == '\n' ||
		    pfx[pfxlen - 1] == '\r'))
			pfx[--pfxlen] = '\0';
		assert_int_equal(pg_prefix_compile(&pp, pfx, &err), 0);
		conf.pg_prefix = &pp;
	}
	case_path(path, sizeof(path), dir, name, "in");
	in = slurp(path, &inlen);
	assert_non_null(in);
	as = assemble_new(NULL);
	assert_non_null(as);
	g.out = open_memstream(&desc, outlen);
	g.nrec = 0;
	assert_non_null(g.out);
	if (pfx != NULL)
		fprintf(g.out, "# log_line_prefix '%s'\n", pfx);
	fputs("## lines\n", g.out);
	for (p = in, end = in + inlen; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		rc = parse_line(&rec, dw_str_make(p, n), &conf);
		fprintf(g.out, "L%d rc=%s", ++lineno, parse_rc_name(rc));
		describe(g.out, &rec);
	}
	fputs("## records\n", g.out);
	lineno = 0;
	for (p = in; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		(void)parse_line(&rec, dw_str_make(p, n), &conf);
		assemble_push(as, &rec, ++lineno, on_record, &g);
	}
	assemble_flush(as, on_record, &g);
	fclose(g.out);
	assemble_free(as);
	free(in);
	free(pfx);
	return desc;
}

static int
case_names(const char *dir, char names[][GOLDEN_NAME_MAX], int max)
{
	DIR		*d = opendir(dir);
	struct dirent	*de;
	size_t		 l;
	int		 n = 0, i, j;
	char		 tmp[GOLDEN_NAME_MAX];

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && n < max) {
		l = strlen(de->d_name);
		if (l < 4 || l >= GOLDEN_NAME_MAX ||
		    strcmp(de->d_name + l - 3, ".in") != 0)
			continue;
		memcpy(names[n], de->d_name, l - 3);
		names[n][l - 3] = '\0';
		n++;
	}
	closedir(d);
	for (i = 1; i < n; i++)		/* insertion sort: stable order */
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			memcpy(tmp, names[j], sizeof(tmp));
			memcpy(names[j], names[j - 1], sizeof(tmp));
			memcpy(names[j - 1], tmp, sizeof(tmp));
		}
	return n;
}

/* Print the first differing line of got vs want. */
static void
report_diff(const char *name, const char *got, size_t glen,
    const char *want, size_t wlen)
{
	size_t	i = 0, ls = 0, line = 1, ge, we;

	while (i < glen && i < wlen && got[i] == want[i]) {
		if (got[i] == '\n') {
			line++;
			ls = i + 1;
		}
		i++;
	}
	for (ge = ls; ge < glen && got[ge] != '\n'; ge++)
		;
	for (we = ls; we < wlen && want[we] != '\n'; we++)
		;
	fprintf(stderr, "%s.expect:%zu: differs\n  want: %.*s\n  got:  %.*s\n",
	    name, line, (int)(we - ls), want + ls, (int)(ge - ls), got + ls);
}

static void
test_parse_golden_cases(void **state)
{
	static char	 names[GOLDEN_CASES_MAX][GOLDEN_NAME_MAX];
	const char	*dir = fixtures_dir();
	char		 path[GOLDEN_NAME_MAX * 2];
	char		*got, *want;
	size_t		 glen, wlen;
	int		 n, i, bad = 0, update;
	FILE		*fp;

	(void)state;
	update = getenv("DW_GOLDEN_UPDATE") != NULL;
	n = case_names(dir, names, GOLDEN_CASES_MAX);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		got = run_case(dir, names[i], &glen);
		case_path(path, sizeof(path), dir, names[i], "expect");
		if (update) {
			fp = fopen(path, "wb");
			assert_non_null(fp);
			assert_int_equal(fwrite(got, 1, glen, fp), glen);
			fclose(fp);
			fprintf(stderr, "wrote %s\n", path);
			free(got);
			continue;
		}
		want = slurp(path, &wlen);
		if (want == NULL) {
			fprintf(stderr, "%s: missing (DW_GOLDEN_UPDATE=1 "
			    "writes it)\n", path);
			bad++;
		} else if (wlen != glen || memcmp(got, want, glen) != 0) {
			report_diff(names[i], got, glen, want, wlen);
			bad++;
		}
		free(want);
		free(got);
	}
	assert_int_equal(bad, 0);
}

/* Every fixture line: KIND_PG/KIND_PG_CHUNK lines hold a PostgreSQL or
 * chunk marker, KIND_PG_CONT lines start with a TAB. */
static void
test_parse_golden_marker_invariant(void **state)
{
	static char		 names[GOLDEN_CASES_MAX][GOLDEN_NAME_MAX];
	const char		*dir = fixtures_dir(), *p, *end, *nl, *err;
	char			 path[GOLDEN_NAME_MAX * 2], *in, *pfx;
	size_t			 inlen, pfxlen, n, erroff;
	int			 ncase, i, ec, checked = 0, pg = 0, rc;
	pcre2_code		*re;
	pcre2_match_data	*md;
	struct log_record	 rec;
	struct parse_conf	 conf;
	struct pg_prefix	 pp;

	(void)state;
	re = pcre2_compile((PCRE2_SPTR)"(?:" PARSE_PG_MARK_RE ")|(?:"
	    PARSE_CHUNK_MARK_RE ")", PCRE2_ZERO_TERMINATED, 0, &ec, &erroff,
	    NULL);
	assert_non_null(re);
	md = pcre2_match_data_create_from_pattern(re, NULL);
	ncase = case_names(dir, names, GOLDEN_CASES_MAX);
	assert_true(ncase > 0);
	for (i = 0; i < ncase; i++) {
		memset(&conf, 0, sizeof(conf));
		conf.year_ref_ms = GOLDEN_YEAR_REF_MS;
		case_path(path, sizeof(path), dir, names[i], "prefix");
		pfx = slurp(path, &pfxlen);
		if (pfx != NULL) {
			while (pfxlen > 0 && pfx[pfxlen - 1] == '\n')
				pfx[--pfxlen] = '\0';
			assert_int_equal(pg_prefix_compile(&pp, pfx, &err), 0);
			conf.pg_prefix = &pp;
		}
		case_path(path, sizeof(path), dir, names[i], "in");
		in = slurp(path, &inlen);
		assert_non_null(in);
		for (p = in, end = in + inlen; p < end; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL)
				nl = end;
			n = (size_t)(nl - p);
			(void)parse_line(&rec, dw_str_make(p, n), &conf);
			checked++;
			if (rec.kind == KIND_PG_CONT) {
				assert_true(n > 0 && p[0] == '\t');
			} else if (rec.kind == KIND_PG ||
			    rec.kind == KIND_PG_CHUNK) {
				pg++;
				rc = pcre2_match(re, (PCRE2_SPTR)p, n, 0, 0, md,
				    NULL);
				if (rc < 0)
					fprintf(stderr, "%s:%.*s\n", names[i],
					    (int)n, p);
				assert_true(rc >= 0);
			}
		}
		free(in);
		free(pfx);
	}
	assert_true(checked > 100 && pg > 50);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_parse_golden_cases),
		cmocka_unit_test(test_parse_golden_marker_invariant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
