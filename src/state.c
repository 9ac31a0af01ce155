/*
 * state.c - alert state across restarts, see state.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "core/log.h"
#include "pipeline.h"
#include "state.h"

/* A saved event clock further ahead of the wall clock than this (ms)
 * is not trusted. */
#define STATE_FUTURE_MAX_MS	(10 * 60 * 1000)

void
state_load(struct pipeline *pl, const char *dir, dw_ms wall_now)
{
	char	 path[4096], *text = NULL;
	FILE	*f;
	long	 len;
	cJSON	*root;
	const cJSON *clock;
	int	 n, skipped = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
	    len < STATE_FILE_MAX_BYTES && fseek(f, 0, SEEK_SET) == 0 &&
	    (text = malloc((size_t)len + 1)) != NULL &&
	    fread(text, 1, (size_t)len, f) == (size_t)len) {
		text[len] = '\0';
		root = cJSON_Parse(text);
		clock = cJSON_GetObjectItemCaseSensitive(root, "clock");
		if (cJSON_IsNumber(clock) && clock->valuedouble >
		    (double)(wall_now + STATE_FUTURE_MAX_MS)) {
			/* Saved by a replay-like run of future-dated logs:
			 * its clock would make every live line late. */
			log_warnx("%s: saved event clock is in the future; "
			    "alert state ignored", path);
			cJSON_Delete(root);
			root = NULL;
			n = 0;
		} else
			n = root != NULL ? pipeline_restore(pl, root,
			    &skipped) : -1;
		if (n < 0)
			log_warnx("%s: unreadable alert state, starting afresh",
			    path);
		else if (n > 0 || skipped > 0)
			log_info("restored %d alert key(s) from %s (%d of "
			    "changed or removed rules dropped)", n, path,
			    skipped);
		cJSON_Delete(root);
	}
	free(text);
	fclose(f);
}

void
state_save(struct pipeline *pl, const char *dir, dw_ms wall_now)
{
	char	 path[4096], tmp[4200], *text;
	cJSON	*root;
	FILE	*f;
	int	 ok = 0;

	root = pipeline_snapshot(pl, wall_now);
	text = root != NULL ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	if (text == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f != NULL) {
		ok = fputs(text, f) >= 0 && fflush(f) == 0 &&
		    fsync(fileno(f)) == 0;
		ok = fclose(f) == 0 && ok;
	}
	if (!ok || rename(tmp, path) == -1)
		log_warn("cannot save alert state to %s", path);
	free(text);
}

int
state_dir_make(const char *dir)
{
	char	p[4096], *s;

	snprintf(p, sizeof(p), "%s", dir);
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		(void)mkdir(p, 0700);
		*s = '/';
	}
	if (mkdir(p, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}
