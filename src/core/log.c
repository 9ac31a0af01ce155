/*
 * log.c - drainwatch's own log lines, see log.h.
 *
 * Written with one fprintf per line under a mutex, so lines from the
 * HTTP and delivery threads never interleave.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

static FILE		*log_out;
static enum log_level	 log_level = LOG_LVL_INFO;
static enum log_format	 log_format = LOG_FMT_LOGFMT;
static pthread_mutex_t	 log_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
log_init(FILE *out, enum log_level lvl, enum log_format fmt)
{
	log_out = out;
	log_level = lvl;
	log_format = fmt;
}

void
log_set_level(enum log_level lvl)
{
	log_level = lvl;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_parse_level(const char *s, enum log_level *lvl)
{
	size_t	i;

	for (i = 0; i < DW_NELEM(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*lvl = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Quote msg for logfmt or JSON into out. */
static void
log_quote(char *out, size_t n, const char *msg)
{
	size_t	o = 0;

	if (n < 3)
		return;
	out[o++] = '"';
	for (; *msg != '\0' && o + 3 < n; msg++) {
		unsigned char	c = (unsigned char)*msg;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20) {
			out[o++] = ' ';
		} else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
}

static void
log_vwrite(enum log_level lvl, const char *fmt, va_list ap, int with_errno,
    int saved_errno)
{
	char		 msg[2048], quoted[4200], ts[40];
	struct timespec	 now;
	struct tm	 tm;
	size_t		 len;
	FILE		*out = log_out != NULL ? log_out : stderr;

	if (lvl > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s",
		    strerror(saved_errno));
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	len = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + len, sizeof(ts) - len, ".%03ldZ", now.tv_nsec / 1000000);
	log_quote(quoted, sizeof(quoted), msg);
	pthread_mutex_lock(&log_mu);
	if (log_format == LOG_FMT_JSON)
		fprintf(out, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":%s}\n",
		    ts, level_names[lvl], quoted);
	else
		fprintf(out, "ts=%s level=%s msg=%s\n", ts, level_names[lvl],
		    quoted);
	fflush(out);
	pthread_mutex_unlock(&log_mu);
}

#define LOG_FN(name, lvl, with_errno)				\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	ap;						\
	int	saved = errno;					\
								\
	va_start(ap, fmt);					\
	log_vwrite(lvl, fmt, ap, with_errno, saved);		\
	va_end(ap);						\
}

LOG_FN(log_warn, LOG_LVL_WARN, 1)
LOG_FN(log_warnx, LOG_LVL_WARN, 0)
LOG_FN(log_error, LOG_LVL_ERROR, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_debug, LOG_LVL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, fmt, ap, 1, saved);
	va_end(ap);
	exit(2);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, fmt, ap, 0, 0);
	va_end(ap);
	exit(2);
}

void
log_ratelimited(struct log_limiter *lim, dw_ms now, dw_ms interval_ms,
    const char *fmt, ...)
{
	va_list	ap;
	char	msg[1024];
	int	saved = errno;

	if (lim->last_ms != 0 && now - lim->last_ms < interval_ms) {
		lim->suppressed++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (lim->suppressed > 0)
		log_warnx("%s (%llu similar suppressed)", msg,
		    (unsigned long long)lim->suppressed);
	else
		log_warnx("%s", msg);
	errno = saved;
	lim->last_ms = now;
	lim->suppressed = 0;
}

void
log_redact_url(const char *url, char *out, size_t n)
{
	const char	*scheme_end, *host, *host_end;
	size_t		 len;

	if (n == 0)
		return;
	scheme_end = strstr(url, "://");
	if (scheme_end == NULL) {
		snprintf(out, n, "***");
		return;
	}
	host = scheme_end + 3;
	host_end = host + strcspn(host, "/?#");
	/* Drop userinfo: everything up to the last '@' in the authority. */
	for (const char *p = host; p < host_end; p++)
		if (*p == '@')
			host = p + 1;
	len = (size_t)(scheme_end + 3 - url);
	snprintf(out, n, "%.*s%.*s%s", (int)len, url, (int)(host_end - host),
	    host, *host_end != '\0' ? "/***" : "");
}
