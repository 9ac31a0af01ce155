/*
 * syslog_capture.c - LD_PRELOAD shim for the test harness: turns syslog(3)
 * calls of the process into lines of a file instead of sending them to
 * /dev/log, so that PostgreSQL's own syslog writer (elog.c write_syslog:
 * "[seq-chunk] text", split at newlines and 900 bytes) can be captured
 * byte for byte on a machine without a syslog daemon, without touching the
 * machine's /dev/log.
 *
 * The file is $DW_SYSLOG_CAPTURE; one line per syslog() call:
 *	<unix seconds>.<microseconds> TAB <pid> TAB <PRI> TAB <message> LF
 * where PRI = facility (from openlog) | level, as in RFC 5424. PostgreSQL
 * never passes a newline to syslog() when syslog_split_messages is on (the
 * default), so a message is one line; any LF is written as the two
 * characters "\n" all the same.
 *
 * Build: cc -shared -fPIC -O2 -o syslog_capture.so syslog_capture.c
 * Test-harness code only; not part of drainwatch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#define CAPTURE_LINE_MAX	8192	/* bytes; PostgreSQL sends <= ~920 */

static int cap_facility = LOG_USER;

void	openlog(const char *, int, int);
void	closelog(void);
void	syslog(int, const char *, ...);
void	vsyslog(int, const char *, va_list);
void	__syslog_chk(int, int, const char *, ...);
void	__vsyslog_chk(int, int, const char *, va_list);

void
openlog(const char *ident, int option, int facility)
{
	(void)ident;
	(void)option;
	if (facility != 0)
		cap_facility = facility & LOG_FACMASK;
}

void
closelog(void)
{
}

static void
cap_write(int pri, const char *fmt, va_list ap)
{
	char msg[CAPTURE_LINE_MAX], line[CAPTURE_LINE_MAX * 2 + 64];
	const char *path, *p;
	struct timeval tv;
	size_t n;
	int fd, len, saved;

	saved = errno;
	path = getenv("DW_SYSLOG_CAPTURE");
	if (path == NULL || *path == '\0')
		goto out;
	if ((pri & LOG_FACMASK) == 0)
		pri |= cap_facility;
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (len < 0)
		goto out;
	gettimeofday(&tv, NULL);
	len = snprintf(line, sizeof(line), "%lld.%06ld\t%ld\t%d\t",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(), pri);
	if (len < 0)
		goto out;
	n = (size_t)len;
	for (p = msg; *p != '\0' && n < sizeof(line) - 3; p++) {
		if (*p == '\n') {
			line[n++] = '\\';
			line[n++] = 'n';
		} else
			line[n++] = *p;
	}
	line[n++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	/* One write per message: O_APPEND keeps concurrent backends apart. */
	(void)write(fd, line, n);
	close(fd);
out:
	errno = saved;
}

void
vsyslog(int pri, const char *fmt, va_list ap)
{
	cap_write(pri, fmt, ap);
}

void
syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cap_write(pri, fmt, ap);
	va_end(ap);
}

void
__vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	cap_write(pri, fmt, ap);
}

void
__syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	cap_write(pri, fmt, ap);
	va_end(ap);
}
