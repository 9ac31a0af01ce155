/*
 * window.c - bucketed sliding windows, see window.h.
 */
#include <math.h>
#include <string.h>

#include "window/window.h"

static int64_t
bucket_of(const struct window_shape *s, dw_ms t)
{
	/* Floor division, correct for times before the epoch too. */
	return t >= 0 ? t / s->bucket_ms : -((-t + s->bucket_ms - 1) /
	    s->bucket_ms);
}

void
window_shape_init(struct window_shape *s, dw_ms span, int want_values,
    int want_minmax)
{
	dw_ms	b = span / WINDOW_BUCKETS;

	if (b < WINDOW_BUCKET_MIN_MS)
		b = WINDOW_BUCKET_MIN_MS;
	if (b > span)
		b = span;
	if (b <= 0)
		b = 1;
	s->span = span;
	s->bucket_ms = b;
	/* One bucket more than the span needs: a match stays counted until
	 * it is at least span old (a window never undercounts; it may hold
	 * a match up to one bucket longer). */
	s->nbuckets = (int)((span + b - 1) / b) + 1;
	s->want_values = want_values || want_minmax;
	s->want_minmax = want_minmax;
}

size_t
window_mem_size(const struct window_shape *s)
{
	size_t	n = (size_t)s->nbuckets;
	size_t	sz = n * sizeof(double) * ((s->want_values ? 1 : 0) +
	    (s->want_minmax ? 2 : 0));

	return sz + n * sizeof(uint32_t);
}

void
window_init(struct window *w, const struct window_shape *s, void *mem)
{
	size_t	n = (size_t)s->nbuckets;
	char	*p = mem;

	memset(mem, 0, window_mem_size(s));
	w->head = INT64_MIN;
	w->oldest = INT64_MIN;
	w->count = 0;
	w->sum = 0;
	w->sums = w->mins = w->maxs = NULL;
	if (s->want_values) {
		w->sums = (double *)(void *)p;
		p += n * sizeof(double);
	}
	if (s->want_minmax) {
		w->mins = (double *)(void *)p;
		p += n * sizeof(double);
		w->maxs = (double *)(void *)p;
		p += n * sizeof(double);
	}
	w->counts = (uint32_t *)(void *)p;
}

static void
bucket_clear(struct window *w, size_t i)
{
	w->count -= w->counts[i];
	w->counts[i] = 0;
	if (w->sums != NULL) {
		w->sum -= w->sums[i];
		w->sums[i] = 0;
	}
}

void
window_advance(struct window *w, const struct window_shape *s, dw_ms now)
{
	int64_t	cur = bucket_of(s, now);
	size_t	n = (size_t)s->nbuckets;

	if (w->head == INT64_MIN) {
		w->head = cur;
		return;
	}
	if (cur <= w->head)
		return;
	if (cur - w->head >= (int64_t)n) {
		memset(w->counts, 0, n * sizeof(*w->counts));
		if (w->sums != NULL)
			memset(w->sums, 0, n * sizeof(*w->sums));
		w->count = 0;
		w->sum = 0;
		w->head = cur;
		w->oldest = INT64_MIN;
		return;
	}
	while (w->head < cur) {
		w->head++;
		bucket_clear(w, (size_t)(w->head % (int64_t)n));
	}
	if (w->count == 0) {
		w->sum = 0;		/* no drift from float rounding */
		w->oldest = INT64_MIN;
	} else if (w->oldest <= cur - (int64_t)n) {
		/* The oldest bucket left: the next one with hits is it. */
		int64_t	b = cur - (int64_t)n + 1;

		while (w->counts[((b % (int64_t)n) + (int64_t)n) %
		    (int64_t)n] == 0)
			b++;
		w->oldest = b;
	}
}

int
window_add(struct window *w, const struct window_shape *s, dw_ms ts,
    double value)
{
	int64_t	b = bucket_of(s, ts);
	size_t	n = (size_t)s->nbuckets, i;

	if (w->head == INT64_MIN || b > w->head)
		window_advance(w, s, ts);
	if (b <= w->head - (int64_t)n)
		return -1;
	i = (size_t)(((b % (int64_t)n) + (int64_t)n) % (int64_t)n);
	if (w->mins != NULL && (w->counts[i] == 0 || value < w->mins[i]))
		w->mins[i] = value;
	if (w->maxs != NULL && (w->counts[i] == 0 || value > w->maxs[i]))
		w->maxs[i] = value;
	w->counts[i]++;
	w->count++;
	if (w->oldest == INT64_MIN || b < w->oldest)
		w->oldest = b;
	if (w->sums != NULL) {
		w->sums[i] += value;
		w->sum += value;
	}
	return 0;
}

void
window_recount(struct window *w, const struct window_shape *s)
{
	int64_t	n = s->nbuckets, b;

	w->count = 0;
	w->sum = 0;
	w->oldest = INT64_MIN;
	if (w->head == INT64_MIN)
		return;
	for (b = w->head - n + 1; b <= w->head; b++) {
		size_t	i = (size_t)(((b % n) + n) % n);

		if (w->counts[i] == 0)
			continue;
		if (w->oldest == INT64_MIN)
			w->oldest = b;
		w->count += w->counts[i];
		if (w->sums != NULL)
			w->sum += w->sums[i];
	}
}

static double
window_extreme(const struct window *w, const struct window_shape *s,
    const double *v, int want_max)
{
	double	best = NAN;
	int	i;

	if (v == NULL)
		return NAN;
	for (i = 0; i < s->nbuckets; i++) {
		if (w->counts[i] == 0)
			continue;
		if (isnan(best) || (want_max ? v[i] > best : v[i] < best))
			best = v[i];
	}
	return best;
}

double
window_min(const struct window *w, const struct window_shape *s)
{
	return window_extreme(w, s, w->mins, 0);
}

double
window_max(const struct window *w, const struct window_shape *s)
{
	return window_extreme(w, s, w->maxs, 1);
}

void
window_bounds(const struct window *w, const struct window_shape *s,
    dw_ms *oldest, dw_ms *newest)
{
	int64_t	n = s->nbuckets, b;

	*oldest = *newest = DW_MS_NONE;
	if (w->count == 0 || w->head == INT64_MIN)
		return;
	for (b = w->head - n + 1; b <= w->head; b++) {
		if (w->counts[((b % n) + n) % n] == 0)
			continue;
		if (*oldest == DW_MS_NONE)
			*oldest = b * s->bucket_ms;
		*newest = b * s->bucket_ms;
	}
}

dw_ms
window_next_expiry(const struct window *w, const struct window_shape *s)
{
	if (w->count == 0 || w->oldest == INT64_MIN)
		return DW_MS_NONE;
	/* Bucket b leaves when the newest bucket becomes b + nbuckets. */
	return (w->oldest + (dw_ms)s->nbuckets) * s->bucket_ms;
}
