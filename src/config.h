/*
 * config.h - agent.yaml: what runs, read into struct dw_config.
 *
 * Top-level keys: rules, sources, parsers, limits, alerts, sinks,
 * routes, log, state_dir. Each section is read through a conf_key table
 * (ydoc.h) so unknown keys, wrong types and bad durations or sizes are
 * located errors, all reported. ${VAR} and ${VAR:-default} are taken
 * from the environment. Sections owned by other modules (sources.http,
 * sinks, routes) are kept as nodes of the document, which the config
 * owns until config_free(). Load time only.
 */
#ifndef DW_CONFIG_H
#define DW_CONFIG_H

#include "core/diag.h"
#include "core/log.h"
#include "core/ydoc.h"
#include "parse/parse.h"

/* Rule file globs one config may list. */
#define CONFIG_RULE_PATHS_MAX	64

enum stdin_mode { STDIN_AUTO = 0, STDIN_ON, STDIN_OFF };

struct dw_config {
	char			*file;		/* "(built-in)" if none */
	struct ydoc		 doc;
	int			 nrule_paths;
	char			*rule_paths[CONFIG_RULE_PATHS_MAX];

	enum stdin_mode		 stdin_mode;
	const struct ynode	*http;		/* sources.http, or NULL */
	const struct ynode	*sinks;
	const struct ynode	*routes;

	struct pg_prefix	 pg_prefix;
	int			 has_pg_prefix;
	int			 tz_min;	/* for zone-less stamps */

	dw_ms			 lateness;
	int64_t			 keys_per_rule;
	int64_t			 multiline_slots;
	uint64_t		 multiline_max_bytes;
	dw_ms			 multiline_timeout;
	dw_ms			 repeat_interval;
	dw_ms			 shutdown_timeout;

	char			*state_dir;
	enum log_level		 log_level;
	enum log_format		 log_format;
};

struct pipeline_conf;

/* The pipeline settings the configuration makes (parsers, limits,
 * repeat interval); callbacks and mode are the caller's. The parse
 * settings point into c, which must outlive the pipeline. */
void	config_pipeline_conf(const struct dw_config *c, struct pipeline_conf *);

/* The configuration used when no file is given and none is found. */
extern const char config_builtin[];

/* Load path (NULL: ./agent.yaml, then /etc/drainwatch/agent.yaml, then
 * the built-in one). Returns the error count (0 = usable). */
int	config_load(struct dw_config *, const char *path, struct diag *);
void	config_free(struct dw_config *);
/* The path config_load() would pick for NULL. */
const char *config_default_path(void);

#endif /* DW_CONFIG_H */
