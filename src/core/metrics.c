/*
 * metrics.c - published metric sections and process figures, see
 * metrics.h.
 *
 * A publish copies the text into a fresh allocation and swaps it in
 * under the mutex (the old copy is freed outside it), so a scrape only
 * ever holds the lock for one memcpy per section. Process figures come
 * from getrusage(), getrlimit() and /proc (Linux), the same families
 * the Prometheus client libraries export.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/metrics.h"

/* Room for the process_* families, in bytes. */
#define METRICS_PROCESS_MAX_BYTES	2048
/* Longest /proc file read here, in bytes (/proc/self/stat is ~300). */
#define METRICS_PROC_READ_MAX_BYTES	4096

struct section {
	char	 name[METRICS_NAME_MAX];
	char	*text;
	size_t	 len;
};

struct metrics {
	pthread_mutex_t	mu;
	struct section	sec[METRICS_SECTIONS_MAX];
	int		nsec;
	uint64_t	refused;
};

void
metrics_buf_init(struct metrics_buf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->truncated = 0;
	if (cap > 0)
		mem[0] = '\0';
}

/* Cut back to the last complete line and stop appending. */
static void
buf_overflow(struct metrics_buf *b)
{
	b->truncated = 1;
	while (b->len > 0 && b->p[b->len - 1] != '\n')
		b->len--;
	if (b->cap > 0)
		b->p[b->len] = '\0';
}

void
metrics_buf_printf(struct metrics_buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (b->truncated || b->cap == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		buf_overflow(b);
		return;
	}
	b->len += (size_t)n;
}

void
metrics_buf_family(struct metrics_buf *b, const char *name, const char *type,
    const char *help)
{
	metrics_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

void
metrics_buf_counter(struct metrics_buf *b, const char *name,
    const char *type, const char *help, uint64_t v)
{
	metrics_buf_family(b, name, type, help);
	metrics_buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

void
metrics_buf_label(struct metrics_buf *b, const char *s, size_t len)
{
	size_t	i;
	char	c;

	for (i = 0; i < len && !b->truncated; i++) {
		c = s[i];
		if (b->len + 3 > b->cap) {
			buf_overflow(b);
			return;
		}
		if (c == '\\' || c == '"') {
			b->p[b->len++] = '\\';
			b->p[b->len++] = c;
		} else if (c == '\n') {
			b->p[b->len++] = '\\';
			b->p[b->len++] = 'n';
		} else
			b->p[b->len++] = c;
		b->p[b->len] = '\0';
	}
}

struct metrics *
metrics_new(void)
{
	struct metrics	*m;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	pthread_mutex_init(&m->mu, NULL);
	return m;
}

void
metrics_free(struct metrics *m)
{
	int	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nsec; i++)
		free(m->sec[i].text);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

int
metrics_publish(struct metrics *m, const char *section, const char *text,
    size_t len)
{
	char	*copy = NULL, *old = NULL;
	int	 i, rc = -1;

	if (len > METRICS_SECTION_MAX_BYTES ||
	    strlen(section) >= METRICS_NAME_MAX)
		goto refused;
	copy = malloc(len + 1);
	if (copy == NULL)
		goto refused;
	memcpy(copy, text, len);
	copy[len] = '\0';
	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->nsec; i++)
		if (strcmp(m->sec[i].name, section) == 0)
			break;
	if (i == m->nsec) {
		if (m->nsec == METRICS_SECTIONS_MAX) {
			m->refused++;
			pthread_mutex_unlock(&m->mu);
			free(copy);
			return -1;
		}
		memcpy(m->sec[i].name, section, strlen(section) + 1);
		m->nsec++;
	}
	old = m->sec[i].text;
	m->sec[i].text = copy;
	m->sec[i].len = len;
	pthread_mutex_unlock(&m->mu);
	free(old);
	return 0;
refused:
	pthread_mutex_lock(&m->mu);
	m->refused++;
	pthread_mutex_unlock(&m->mu);
	free(copy);
	return rc;
}

/* Read a small /proc file into buf (NUL-terminated); bytes or -1. */
static ssize_t
proc_read(const char *path, char *buf, size_t n)
{
	ssize_t	r, got = 0;
	int	fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((size_t)got < n - 1) {
		r = read(fd, buf + got, n - 1 - (size_t)got);
		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

/* Cursor step: skip spaces, read an unsigned decimal. */
static int
cur_u64(const char **pp, const char *end, uint64_t *out)
{
	const char	*p = *pp;
	uint64_t	 v = 0;

	while (p < end && *p == ' ')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	while (p < end && *p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	*pp = p;
	*out = v;
	return 0;
}

/* Skip n space-separated fields. */
static void
cur_skip_fields(const char **pp, const char *end, int n)
{
	const char	*p = *pp;

	while (n-- > 0) {
		while (p < end && *p == ' ')
			p++;
		while (p < end && *p != ' ')
			p++;
	}
	*pp = p;
}

/* Process start, seconds since the epoch: starttime (field 22 of
 * /proc/self/stat, in clock ticks since boot) + btime of /proc/stat. */
static int
process_start_time(double *out)
{
	char		 buf[METRICS_PROC_READ_MAX_BYTES];
	const char	*p, *end, *q;
	uint64_t	 ticks, btime;
	ssize_t		 n;
	long		 hz = sysconf(_SC_CLK_TCK);

	n = proc_read("/proc/self/stat", buf, sizeof(buf));
	if (n <= 0 || hz <= 0)
		return -1;
	end = buf + n;
	p = strrchr(buf, ')');		/* comm may hold spaces */
	if (p == NULL)
		return -1;
	p++;
	/* After ')': field 3 (state) ... field 22 (starttime). */
	cur_skip_fields(&p, end, 19);
	if (cur_u64(&p, end, &ticks) == -1)
		return -1;
	n = proc_read("/proc/stat", buf, sizeof(buf));
	if (n <= 0)
		return -1;
	end = buf + n;
	q = memmem(buf, (size_t)n, "\nbtime ", 7);
	if (q == NULL)
		return -1;
	q += 7;
	if (cur_u64(&q, end, &btime) == -1)
		return -1;
	*out = (double)btime + (double)ticks / (double)hz;
	return 0;
}

void
metrics_process(struct metrics_buf *b)
{
	char		 buf[256];
	const char	*p, *end;
	struct rusage	 ru;
	struct rlimit	 rl;
	uint64_t	 vsz, rss;
	long		 page = sysconf(_SC_PAGESIZE);
	ssize_t		 n;
	DIR		*dir;
	struct dirent	*de;
	long		 nfd = 0;
	double		 start;

	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		metrics_buf_family(b, "process_cpu_seconds_total", "counter",
		    "Total user and system CPU time spent in seconds.");
		metrics_buf_printf(b, "process_cpu_seconds_total %.3f\n",
		    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	}
	n = proc_read("/proc/self/statm", buf, sizeof(buf));
	p = buf;
	end = buf + (n > 0 ? n : 0);
	if (n > 0 && page > 0 && cur_u64(&p, end, &vsz) == 0 &&
	    cur_u64(&p, end, &rss) == 0) {
		metrics_buf_family(b, "process_virtual_memory_bytes", "gauge",
		    "Virtual memory size in bytes.");
		metrics_buf_printf(b, "process_virtual_memory_bytes %llu\n",
		    (unsigned long long)(vsz * (uint64_t)page));
		metrics_buf_family(b, "process_resident_memory_bytes", "gauge",
		    "Resident memory size in bytes.");
		metrics_buf_printf(b, "process_resident_memory_bytes %llu\n",
		    (unsigned long long)(rss * (uint64_t)page));
	}
	dir = opendir("/proc/self/fd");
	if (dir != NULL) {
		for (;;) {
			de = readdir(dir);
			if (de == NULL)
				break;
			if (de->d_name[0] != '.')
				nfd++;
		}
		closedir(dir);
		metrics_buf_family(b, "process_open_fds", "gauge",
		    "Number of open file descriptors.");
		/* minus the one opendir() itself held */
		metrics_buf_printf(b, "process_open_fds %ld\n",
		    nfd > 0 ? nfd - 1 : 0);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		metrics_buf_family(b, "process_max_fds", "gauge",
		    "Maximum number of open file descriptors.");
		metrics_buf_printf(b, "process_max_fds %llu\n",
		    (unsigned long long)rl.rlim_cur);
	}
	if (process_start_time(&start) == 0) {
		metrics_buf_family(b, "process_start_time_seconds", "gauge",
		    "Start time of the process since unix epoch in seconds.");
		metrics_buf_printf(b, "process_start_time_seconds %.2f\n",
		    start);
	}
}

int
metrics_render(struct metrics *m, const char *own, size_t ownlen,
    char **out, size_t *len)
{
	char			 procmem[METRICS_PROCESS_MAX_BYTES];
	char			 selfmem[256];
	struct metrics_buf	 proc, self;
	char			*p;
	size_t			 total, o = 0;
	int			 i;

	*out = NULL;
	*len = 0;
	metrics_buf_init(&proc, procmem, sizeof(procmem));
	metrics_process(&proc);
	metrics_buf_init(&self, selfmem, sizeof(selfmem));

	pthread_mutex_lock(&m->mu);
	metrics_buf_family(&self, "drainwatch_metrics_publish_refused_total",
	    "counter", "Metric sections refused (too large or too many).");
	metrics_buf_printf(&self, "drainwatch_metrics_publish_refused_total "
	    "%llu\n", (unsigned long long)m->refused);
	total = proc.len + self.len + (own != NULL ? ownlen : 0);
	for (i = 0; i < m->nsec; i++)
		total += m->sec[i].len + 1;
	p = malloc(total + 1);
	if (p == NULL) {
		pthread_mutex_unlock(&m->mu);
		return -1;
	}
	for (i = 0; i < m->nsec; i++) {
		memcpy(p + o, m->sec[i].text, m->sec[i].len);
		o += m->sec[i].len;
		if (o > 0 && p[o - 1] != '\n')
			p[o++] = '\n';
	}
	pthread_mutex_unlock(&m->mu);
	if (own != NULL && ownlen > 0) {
		memcpy(p + o, own, ownlen);
		o += ownlen;
	}
	memcpy(p + o, self.p, self.len);
	o += self.len;
	memcpy(p + o, proc.p, proc.len);
	o += proc.len;
	p[o] = '\0';
	*out = p;
	*len = o;
	return 0;
}
