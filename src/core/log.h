/*
 * log.h - drainwatch's own log (not the logs it reads).
 *
 * One line per event on stderr, logfmt (default) or JSON, with a level.
 * log_warn() appends ": strerror(errno)", log_warnx() does not. fatal()
 * and fatalx() are for start-up and impossible states only. Messages
 * must never contain secrets; callers redact URLs with log_redact_url().
 * log_ratelimited() lets a noisy cause (bad log data) speak at most
 * once per interval and reports how many were suppressed.
 */
#ifndef DW_LOG_H
#define DW_LOG_H

#include <stdio.h>

#include "dw.h"

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
enum log_format { LOG_FMT_LOGFMT = 0, LOG_FMT_JSON };

void	log_init(FILE *out, enum log_level, enum log_format);
void	log_set_level(enum log_level);
enum log_level	log_get_level(void);
int	log_parse_level(const char *, enum log_level *);

void	log_warn(const char *, ...) DW_PRINTF(1, 2);
void	log_warnx(const char *, ...) DW_PRINTF(1, 2);
void	log_error(const char *, ...) DW_PRINTF(1, 2);
void	log_info(const char *, ...) DW_PRINTF(1, 2);
void	log_debug(const char *, ...) DW_PRINTF(1, 2);
__dead void	fatal(const char *, ...) DW_PRINTF(1, 2);
__dead void	fatalx(const char *, ...) DW_PRINTF(1, 2);

/* A rate-limited warning: one line per interval_ms per limiter, with the
 * number suppressed since the last one. Not thread-safe: one owner. */
struct log_limiter {
	dw_ms		last_ms;
	uint64_t	suppressed;
};
void	log_ratelimited(struct log_limiter *, dw_ms now, dw_ms interval_ms,
	    const char *, ...) DW_PRINTF(4, 5);

/* Copy url into out (size n) with userinfo, path and query replaced so
 * that no secret remains: "https://hooks.slack.com/..." (path hidden). */
void	log_redact_url(const char *url, char *out, size_t n);

#endif /* DW_LOG_H */
