/*
 * window.h - sliding-window aggregates over event time (pipeline
 * stage 4).
 *
 * A window covers the last span_ms of event time as a ring of equal
 * buckets (span / WINDOW_BUCKETS, at least 1 s, never longer than the
 * span), plus one: a hit counts until it is at least span_ms old, and
 * leaves at most one bucket later. Adding a hit and reading count and
 * sum are O(1); min and max scan the ring (WINDOW_BUCKETS + 1). Time
 * only moves forward through window_advance(); hits older than the
 * window are refused.
 * The bucket arrays are one block allocated by window_init() and never
 * resized.
 */
#ifndef DW_WINDOW_H
#define DW_WINDOW_H

#include "dw.h"

/* Buckets per window: a window's edge is exact to span/60. */
#define WINDOW_BUCKETS		60
/* Shortest bucket when the span allows it, in ms. */
#define WINDOW_BUCKET_MIN_MS	1000

struct window_shape {
	dw_ms	span;		/* window length */
	dw_ms	bucket_ms;	/* bucket length */
	int	nbuckets;
	int	want_values;	/* keep sums */
	int	want_minmax;	/* keep per-bucket min and max */
};

struct window {
	int64_t		 head;		/* absolute index of newest bucket */
	int64_t		 oldest;	/* of the oldest bucket with hits;
					   INT64_MIN when empty */
	uint64_t	 count;		/* hits in the window */
	double		 sum;
	uint32_t	*counts;	/* [nbuckets] */
	double		*sums;		/* [nbuckets] or NULL */
	double		*mins;		/* [nbuckets] or NULL */
	double		*maxs;		/* [nbuckets] or NULL */
};

void	window_shape_init(struct window_shape *, dw_ms span, int want_values,
	    int want_minmax);
/* Bytes window_init() needs for one window of this shape. */
size_t	window_mem_size(const struct window_shape *);
/* Lay the window out in mem (window_mem_size bytes, caller owned). */
void	window_init(struct window *, const struct window_shape *, void *mem);
/* Move the newest bucket up to time now, expiring older buckets. */
void	window_advance(struct window *, const struct window_shape *, dw_ms now);
/* Add one hit at time ts (<= the advanced time). -1 if ts is older
 * than the window (not counted). */
int	window_add(struct window *, const struct window_shape *, dw_ms ts,
	    double value);
/* Recompute count, sum and oldest from the bucket arrays (after they
 * were filled from a saved state). */
void	window_recount(struct window *, const struct window_shape *);
double	window_min(const struct window *, const struct window_shape *);
double	window_max(const struct window *, const struct window_shape *);
/* Event time at which the oldest hit leaves the window; DW_MS_NONE if
 * the window is empty. */
dw_ms	window_next_expiry(const struct window *, const struct window_shape *);
/* Oldest and newest bucket start holding hits, DW_MS_NONE if empty. */
void	window_bounds(const struct window *, const struct window_shape *,
	    dw_ms *oldest, dw_ms *newest);

#endif /* DW_WINDOW_H */
