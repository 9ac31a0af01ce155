/*
 * sink_fixture.h - helpers shared by the sink tests (header-only):
 * build alert events, build a sink set from YAML text, temporary state
 * directories, and JSON access shortcuts.
 */
#ifndef DW_TEST_SINK_FIXTURE_H
#define DW_TEST_SINK_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "alert/alert_event.h"
#include "core/ydoc.h"
#include "sink/sink.h"

/* 2024-05-01T10:00:00.000Z */
#define FX_T0	1714557600000LL

/* An event of rule{key="val"}; seq also goes into the summary. */
static __attribute__((unused)) struct alert_event *
fx_event(const char *rule, enum alert_status st, const char *key,
    const char *val, uint64_t seq)
{
	struct alert_event	 ev;
	char			 id[512], fp[17], sum[256];
	uint64_t		 h = 0xcbf29ce484222325ULL;
	const char		*p;

	memset(&ev, 0, sizeof(ev));
	snprintf(id, sizeof(id), "%s{%s=\"%s\"}", rule, key, val);
	for (p = id; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ULL;
	}
	snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)h);
	snprintf(sum, sizeof(sum), "%s for %s=%s (seq %llu)", rule, key, val,
	    (unsigned long long)seq);
	ev.status = st;
	ev.seq = seq;
	ev.rule = (char *)rule;
	ev.severity = (char *)"critical";
	ev.fingerprint = fp;
	ev.identity = id;
	ev.nlabels = 2;
	ev.labels[0].name = (char *)"alertname";
	ev.labels[0].value = (char *)rule;
	ev.labels[1].name = (char *)key;
	ev.labels[1].value = (char *)val;
	ev.summary = sum;
	ev.description = (char *)"PostgreSQL refused a connection.";
	ev.count = 3;
	ev.aggregate = (char *)"count";
	ev.threshold = (char *)">= 1";
	ev.window_ms = 5 * 60 * 1000;
	ev.starts_at = FX_T0;
	ev.at = st == ALERT_RESOLVED ? FX_T0 + 300000 : FX_T0;
	ev.ends_at = st == ALERT_RESOLVED ? FX_T0 + 300000 : 0;
	ev.matches_total = 3;
	ev.first_line = (char *)"2024-05-01 10:00:00 UTC [1] FATAL:  too many "
	    "connections for role \"u1\"";
	ev.last_line = ev.first_line;
	return alert_event_dup(&ev);
}

static __attribute__((unused)) int
fx_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static __attribute__((unused)) void
fx_rm_rf(const char *dir)
{
	if (dir != NULL)
		nftw(dir, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory under $TMPDIR (or /tmp); caller frees. */
static __attribute__((unused)) char *
fx_tmpdir(const char *tag)
{
	const char	*base = getenv("TMPDIR");
	char		*d = NULL;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (asprintf(&d, "%s/dw-%s-XXXXXX", base, tag) == -1)
		return NULL;
	if (mkdtemp(d) == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

/* Diagnostics of the last fx_set() call. */
static char	fx_diag[16384];

/*
 * Build a sink set from YAML holding optional top-level sinks: and
 * routes:. The document stays loaded in *doc (free it after the set).
 */
static __attribute__((unused)) struct sink_set *
fx_set(struct ydoc *doc, const char *yaml, const struct sink_set_conf *sc,
    struct diag *dg)
{
	struct sink_set	*ss = NULL;
	FILE		*f;

	memset(fx_diag, 0, sizeof(fx_diag));
	f = fmemopen(fx_diag, sizeof(fx_diag) - 1, "w");
	setvbuf(f, NULL, _IONBF, 0);
	diag_init(dg, f);
	if (ydoc_load_string(doc, "agent.yaml", yaml, strlen(yaml), YDOC_ENV,
	    dg) == 0)
		ss = sink_set_new(doc->root != NULL ? ynode_get(doc->root,
		    "sinks") : NULL, doc->root != NULL ? ynode_get(doc->root,
		    "routes") : NULL, "agent.yaml", sc, dg);
	fclose(f);
	dg->out = NULL;
	return ss;
}

static __attribute__((unused)) const cJSON *
fx_get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static __attribute__((unused)) const char *
fx_str(const cJSON *o, const char *key)
{
	const cJSON	*it = fx_get(o, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Wall clock ms, for drain deadlines. */
static __attribute__((unused)) dw_ms
fx_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (dw_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Redirect stdout into a temporary file until fx_capture_end(), which
 * returns what was written (caller frees). */
static int	fx_cap_fd = -1, fx_cap_saved = -1;
static char	fx_cap_path[64];

static __attribute__((unused)) void
fx_capture_start(void)
{
	snprintf(fx_cap_path, sizeof(fx_cap_path), "/tmp/dw-cap-XXXXXX");
	fx_cap_fd = mkstemp(fx_cap_path);
	fflush(stdout);
	fx_cap_saved = dup(1);
	dup2(fx_cap_fd, 1);
}

static __attribute__((unused)) char *
fx_capture_end(void)
{
	FILE	*f;
	long	 len;
	char	*out;

	fflush(stdout);
	dup2(fx_cap_saved, 1);
	close(fx_cap_saved);
	close(fx_cap_fd);
	f = fopen(fx_cap_path, "r");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	out = calloc(1, (size_t)len + 1);
	if (fread(out, 1, (size_t)len, f) != (size_t)len)
		out[0] = '\0';
	fclose(f);
	unlink(fx_cap_path);
	return out;
}

/* Is s an RFC 3339 UTC stamp as drainwatch writes it? */
static __attribute__((unused)) int
fx_is_rfc3339(const char *s)
{
	static const char	pat[] = "dddd-dd-ddTdd:dd:dd";
	size_t			i;

	if (s == NULL || strlen(s) < sizeof(pat))
		return 0;
	for (i = 0; i < sizeof(pat) - 1; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return 0;
	return s[strlen(s) - 1] == 'Z';
}

#endif /* DW_TEST_SINK_FIXTURE_H */
