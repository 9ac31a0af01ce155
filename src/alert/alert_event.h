/*
 * alert_event.h - one alert notification: an alert of one identity
 * (rule + group labels) firing, re-notifying, or resolved.
 *
 * Produced by the alert stage (cold path: only transitions allocate),
 * handed to every routed sink. An event owns all its strings; sinks
 * that keep an event beyond the call copy it with alert_event_dup() or
 * serialise it with alert_event_to_json(), which is also the console
 * sink's output format and the outbox's record format:
 *
 *   {"status":"firing","rule":"pg_too_many_connections",
 *    "fingerprint":"9f2c61d0a3b4e5f6",
 *    "identity":"pg_too_many_connections{role=\"u1\"}","severity":"critical",
 *    "labels":{"role":"u1"},"annotations":{"summary":"...",
 *    "description":"..."},"count":3,"value":null,"aggregate":"count",
 *    "threshold":">= 1","window":"5m","starts_at":"...Z","ends_at":null,
 *    "at":"...Z","matches_total":3,"first_line":"...","last_line":"...",
 *    "reminder":false,"seq":1}
 */
#ifndef DW_ALERT_EVENT_H
#define DW_ALERT_EVENT_H

#include <cJSON.h>

#include "dw.h"

/* Labels an alert identity may carry (group labels + static labels). */
#define ALERT_LABELS_MAX	32

enum alert_status { ALERT_FIRING = 0, ALERT_RESOLVED };

struct alert_label {
	char	*name;
	char	*value;
};

struct alert_event {
	enum alert_status	 status;
	int			 reminder;	/* repeat of a firing alert */
	uint64_t		 seq;		/* per-process notification id */
	char			*rule;
	char			*severity;	/* critical|error|warning|info */
	char			*fingerprint;	/* 16 hex digits, stable */
	char			*identity;	/* rule{k="v",...}, stable */
	int			 nlabels;	/* sorted by name; first
						   label is alertname=rule */
	struct alert_label	 labels[ALERT_LABELS_MAX];
	char			*summary;
	char			*description;
	double			 count;		/* matches in the window */
	double			 value;		/* aggregate, if has_value */
	int			 has_value;
	char			*aggregate;	/* count|sum|min|max|avg */
	char			*threshold;	/* ">= 1", "> 2000" */
	dw_ms			 window_ms;
	dw_ms			 starts_at;	/* when it started firing */
	dw_ms			 ends_at;	/* resolved: when; firing: 0 */
	dw_ms			 at;		/* event time of this event */
	uint64_t		 matches_total;	/* since pending began */
	char			*first_line;	/* first match of the episode */
	char			*last_line;	/* latest match */
};

const char		*alert_status_name(enum alert_status);
/* Label value by name, or NULL. */
const char		*alert_event_label(const struct alert_event *,
			    const char *name);
struct alert_event	*alert_event_dup(const struct alert_event *);
void			 alert_event_free(struct alert_event *);
/* The JSON object above; caller owns it (cJSON_Delete). */
cJSON			*alert_event_to_json(const struct alert_event *);
/* Inverse of alert_event_to_json (outbox replay); NULL if malformed. */
struct alert_event	*alert_event_from_json(const cJSON *);
/* RFC 3339 UTC with milliseconds: "2024-05-01T10:00:00.000Z". */
void			 format_rfc3339(dw_ms, char *out, size_t n);

#endif /* DW_ALERT_EVENT_H */
