/*
 * metrics.h - the text served at GET /metrics (Prometheus text
 * exposition format 0.0.4).
 *
 * Each thread that owns counters (pipeline, delivery, ...) renders its
 * own section from time to time and publishes it here; the section is
 * copied under a mutex, so no thread ever reads another's counters.
 * metrics_render() concatenates the sections in the order they were
 * first published, plus the caller's own text (the HTTP server's live
 * counters) and the standard process_* figures read from /proc.
 * A section's metric names must be unique to it (use a prefix such as
 * drainwatch_pipeline_), since each family may appear only once.
 *
 * Bounded: METRICS_SECTIONS_MAX sections of METRICS_SECTION_MAX_BYTES;
 * a publish beyond either is refused and counted. Thread-safe.
 */
#ifndef DW_METRICS_H
#define DW_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "dw.h"

/* Distinct sections (one per publishing module). */
#define METRICS_SECTIONS_MAX		16
/* Longest section, in bytes: ~1000 series of ~60 bytes. */
#define METRICS_SECTION_MAX_BYTES	(64 * 1024)
/* Longest section name, in bytes. */
#define METRICS_NAME_MAX		32

struct metrics;

/*
 * A bounded text builder for rendering a section. Overflow is sticky:
 * later appends are dropped and truncated is set (the section is then
 * still valid text up to the last complete line).
 */
struct metrics_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 truncated;
};

void	metrics_buf_init(struct metrics_buf *, char *mem, size_t cap);
void	metrics_buf_printf(struct metrics_buf *, const char *, ...)
	    DW_PRINTF(2, 3);
/* "# HELP name help\n# TYPE name type\n". */
void	metrics_buf_family(struct metrics_buf *, const char *name,
	    const char *type, const char *help);
/* A family with one unlabelled sample: "name v". */
void	metrics_buf_counter(struct metrics_buf *, const char *name,
	    const char *type, const char *help, uint64_t v);
/* Append s as a label value: \ " and LF escaped (no quotes added). */
void	metrics_buf_label(struct metrics_buf *, const char *s, size_t len);

struct metrics	*metrics_new(void);
void		 metrics_free(struct metrics *);

/* Replace section's text with a copy of text. -1 (and counted in
 * drainwatch_metrics_publish_refused_total) when len exceeds
 * METRICS_SECTION_MAX_BYTES or the table of sections is full. */
int	metrics_publish(struct metrics *, const char *section,
	    const char *text, size_t len);

/*
 * Render everything: the published sections, then own (may be NULL),
 * then process figures. *out is malloc'd (caller frees), *len its
 * length; -1 on allocation failure.
 */
int	metrics_render(struct metrics *, const char *own, size_t ownlen,
	    char **out, size_t *len);

/* Append the process_* families (resident memory, CPU seconds, open
 * fds, max fds, start time, virtual memory) read from /proc/self. */
void	metrics_process(struct metrics_buf *);

#endif /* DW_METRICS_H */
