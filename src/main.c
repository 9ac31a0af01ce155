/*
 * main.c - the command line: flags, subcommands, the event loop.
 * Wiring only: every stage lives in its own module.
 *
 *   drainwatch [run] [-c agent.yaml] [--listen HOST:PORT] [--dry-run]
 *   drainwatch check [-c agent.yaml]
 *   drainwatch test [RULE_FILE|DIR...]
 *   drainwatch replay [-c agent.yaml] [--send] FILE...
 *
 * The only mutable globals are the signal flags below.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert.h"
#include "config.h"
#include "core/diag.h"
#include "core/log.h"
#include "match/rules.h"
#include "pipeline.h"
#include "core/metrics.h"
#include "explain.h"
#include "ruletest.h"
#include "state.h"
#include "sink/sink.h"
#include "source/ingest.h"
#include "source/source_http.h"
#include "source/source_stdin.h"

/* How often the live loop wakes without input, in ms: timers, the
 * event clock, multi-line timeouts. */
#define LOOP_TICK_MS	200

/* Exit codes (documented in README.md and --help). */
#define EXIT_OK		0
#define EXIT_FAILED	1	/* check/test failed, alerts not delivered */
#define EXIT_USAGE	2	/* bad usage or configuration */

static volatile sig_atomic_t	 got_stop;
static volatile sig_atomic_t	 got_hup;

struct opts {
	const char	*config;
	const char	*listen;
	int		 dry_run;
	int		 send;
	int		 verbose;
	const char	*line;		/* explain --line */
	const char	*url;		/* explain --url */
	int		 nreplay;	/* explain --replay FILE... */
	char		*replay[64];
	int		 nargs;
	char		**args;
};

static void
usage(FILE *out)
{
	fprintf(out,
"usage: drainwatch [run] [-c agent.yaml] [--listen HOST:PORT] [--dry-run]\n"
"       drainwatch check [-c agent.yaml]\n"
"       drainwatch test [RULE_FILE|DIR...]\n"
"       drainwatch replay [-c agent.yaml] [--send] [--dry-run] FILE...\n"
"       drainwatch explain [-c agent.yaml] [--url URL | --replay FILE...]\n"
"                          RULE [LABEL=VALUE...]\n"
"       drainwatch explain [-c agent.yaml] --line 'LOG LINE'\n"
"\n"
"  run      run the agent: rules on stdin (when it is a pipe or file)\n"
"           and on the drain endpoint, alerts to the configured sinks\n"
"  check    load the configuration and every rule file, report every\n"
"           problem as file:line:col, print \"configuration OK\"\n"
"  test     run the tests written inside rule files\n"
"  replay   run the rules over saved logs in event time; print the alerts\n"
"           that would have fired as JSON lines, a summary on stderr\n"
"  explain  why an alert did or did not fire: a rule's windows and state\n"
"           per key, from the running agent (--url, default the configured\n"
"           listener; DRAINWATCH_USER/DRAINWATCH_PASSWORD) or a replay; or\n"
"           which rules a log line matches and what rejected it\n"
"\n"
"  -c, --config FILE   configuration (default ./agent.yaml, then\n"
"                      /etc/drainwatch/agent.yaml, then built-in)\n"
"  --listen HOST:PORT  drain endpoint address (overrides config, $PORT)\n"
"  --send              replay: deliver through the configured sinks\n"
"  --dry-run           print the payloads sinks would post, post nothing\n"
"  -v, --verbose       debug logging\n"
"  -h, --help          this text;  -V, --version  the version\n"
"\n"
"exit status: 0 ok; 1 check or test failed, or notifications could not\n"
"be delivered; 2 usage or configuration error\n");
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
}

static dw_ms
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (dw_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Everything a running agent or replay holds. */
struct agent {
	struct dw_config	 cfg;
	struct rules		*rules;
	struct sink_set		*sinks;
	struct pipeline		*pl;
	int			 replay;
	int			 print_json;	/* replay prints JSON itself */
	struct parse_conf	 pconf;
	struct explain_box	*explain;	/* questions from HTTP */
};

static void
agent_on_alert(void *arg, const struct alert_event *ev)
{
	struct agent	*a = arg;

	if (a->print_json) {
		cJSON	*j = alert_event_to_json(ev);
		char	*s = j != NULL ? cJSON_PrintUnformatted(j) : NULL;

		if (s != NULL) {
			fputs(s, stdout);
			fputc('\n', stdout);
			fflush(stdout);
		}
		free(s);
		cJSON_Delete(j);
	}
	if (a->sinks != NULL)
		sink_set_emit(a->sinks, ev);
}

static void
agent_feed(void *arg, const char *lines, size_t len)
{
	struct agent	*a = arg;

	pipeline_feed(a->pl, lines, len, DW_STR_NULL,
	    a->replay ? DW_MS_NONE : wall_ms());
}

/* What an agent is loaded for. */
enum agent_mode { MODE_RUN, MODE_REPLAY, MODE_CHECK };

static void
sink_conf_for(const struct dw_config *cfg, const struct opts *o,
    enum agent_mode mode, struct sink_set_conf *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->dry_run = o->dry_run;
	sc->send = mode == MODE_RUN || (mode == MODE_REPLAY && o->send);
	sc->skip_console = mode == MODE_REPLAY;
	sc->state_dir = cfg->state_dir;
}

/* Load config, rules and sinks. Returns the number of errors. */
static int
agent_load(struct agent *a, const struct opts *o, enum agent_mode mode,
    struct diag *dg)
{
	int	replay = mode != MODE_RUN;

	struct sink_set_conf	sc;
	struct pipeline_conf	pc;

	memset(a, 0, sizeof(*a));
	a->replay = replay;
	config_load(&a->cfg, o->config, dg);
	if (dg->nerrors > 0)
		return dg->nerrors;
	log_init(stderr, o->verbose ? LOG_LVL_DEBUG : a->cfg.log_level,
	    a->cfg.log_format);
	a->rules = rules_new();
	if (a->rules == NULL)
		return ++dg->nerrors;
	rules_load_paths(a->rules, (const char *const *)a->cfg.rule_paths,
	    a->cfg.nrule_paths, dg);
	if (dg->nerrors == 0 && rules_finish(a->rules, dg) == -1)
		return dg->nerrors > 0 ? dg->nerrors : ++dg->nerrors;
	sink_conf_for(&a->cfg, o, mode, &sc);
	a->sinks = sink_set_new(a->cfg.sinks, a->cfg.routes, a->cfg.file, &sc,
	    dg);
	if (a->sinks == NULL && dg->nerrors == 0)
		dg->nerrors++;
	if (dg->nerrors > 0)
		return dg->nerrors;
	config_pipeline_conf(&a->cfg, &pc);
	a->pconf = pc.parse;
	pc.replay = replay;
	pc.on_alert = agent_on_alert;
	pc.on_alert_arg = a;
	a->pl = pipeline_new(a->rules, &pc);
	if (a->pl == NULL)
		return ++dg->nerrors;
	return 0;
}

static void
agent_free(struct agent *a)
{
	pipeline_free(a->pl);
	sink_set_free(a->sinks);
	rules_free(a->rules);
	config_free(&a->cfg);
}

/* Deliver what is pending within the shutdown deadline. */
static int
agent_drain(struct agent *a)
{
	int	left;

	if (a->sinks == NULL)
		return 0;
	left = sink_set_drain(a->sinks, wall_ms() + a->cfg.shutdown_timeout);
	if (left > 0)
		log_warnx("%d notification(s) not delivered before the "
		    "shutdown deadline; kept in the outbox", left);
	return left;
}

static int	http_wanted(const struct agent *, const struct opts *);
static void	http_load(struct http_conf *, const struct agent *,
		    const struct opts *, struct diag *);

static int
cmd_check(const struct opts *o)
{
	struct agent	a;
	struct diag	dg;
	int		nfiles = 0;

	diag_init(&dg, stderr);
	agent_load(&a, o, MODE_CHECK, &dg);
	if (dg.nerrors == 0 && http_wanted(&a, o)) {
		struct http_conf	hc;

		http_load(&hc, &a, o, &dg);
		http_conf_free(&hc);
	}
	if (dg.nerrors > 0) {
		fprintf(stderr, "drainwatch: %d error%s, configuration not "
		    "usable\n", dg.nerrors, dg.nerrors == 1 ? "" : "s");
		agent_free(&a);
		return EXIT_FAILED;
	}
	for (int i = 0; i < a.rules->n; i++)
		if (i == 0 || strcmp(a.rules->v[i]->file,
		    a.rules->v[i - 1]->file) != 0)
			nfiles++;
	printf("configuration OK: %s, %d rule%s from %d file%s, %d sink%s\n",
	    a.cfg.file, a.rules->n, a.rules->n == 1 ? "" : "s", nfiles,
	    nfiles == 1 ? "" : "s", sink_set_count(a.sinks),
	    sink_set_count(a.sinks) == 1 ? "" : "s");
	agent_free(&a);
	return EXIT_OK;
}

static int
cmd_test(const struct opts *o)
{
	struct dw_config	cfg;
	struct ruletest_totals	tot = { 0, 0, 0 };
	struct diag		dg;
	const char *const	*paths;
	int			npaths, i, rc = EXIT_OK;

	diag_init(&dg, stderr);
	config_load(&cfg, o->config, &dg);
	if (dg.nerrors > 0) {
		config_free(&cfg);
		return EXIT_USAGE;
	}
	if (o->nargs > 0) {
		paths = (const char *const *)o->args;
		npaths = o->nargs;
	} else {
		paths = (const char *const *)cfg.rule_paths;
		npaths = cfg.nrule_paths;
	}
	for (i = 0; i < npaths; i++) {
		char		 pat[4096];
		glob_t		 g;
		size_t		 k;

		rules_path_glob(paths[i], pat, sizeof(pat));
		if (glob(pat, 0, NULL, &g) != 0) {
			if (o->nargs > 0) {
				fprintf(stderr, "FAIL %s: no such rule file\n",
				    paths[i]);
				tot.failed++;
			}
			continue;
		}
		for (k = 0; k < g.gl_pathc; k++)
			if (ruletest_run_file(g.gl_pathv[k], &cfg, stdout,
			    &tot) == -1)
				tot.failed++;
		globfree(&g);
	}
	printf("%d passed, %d failed\n", tot.passed, tot.failed);
	if (tot.failed > 0)
		rc = EXIT_FAILED;
	config_free(&cfg);
	return rc;
}

static void
print_summary(struct agent *a, double secs)
{
	const struct pipeline_stats	*st = pipeline_stats(a->pl);
	const struct alert_stats	*as = alert_engine_stats(
	    pipeline_alerts(a->pl));
	int				 i;

	fprintf(stderr, "%-40s %10s %8s %8s\n", "rule", "matches", "fired",
	    "resolved");
	for (i = 0; i < a->rules->n; i++) {
		const struct rule	*r = a->rules->v[i];

		if (r->matches == 0 && r->alerts_fired == 0)
			continue;
		fprintf(stderr, "%-40s %10llu %8llu %8llu\n", r->name,
		    (unsigned long long)r->matches,
		    (unsigned long long)r->alerts_fired,
		    (unsigned long long)r->alerts_resolved);
	}
	fprintf(stderr, "%llu lines (%llu parsed, %llu records), %.1f MB in "
	    "%.3f s: %.0f lines/s, %.1f MB/s; %llu alerts fired, %llu "
	    "resolved, %llu still firing; %llu late, %llu truncated\n",
	    (unsigned long long)st->lines,
	    (unsigned long long)st->candidates,
	    (unsigned long long)st->records, (double)st->bytes / 1e6, secs,
	    secs > 0 ? (double)st->lines / secs : 0,
	    secs > 0 ? (double)st->bytes / 1e6 / secs : 0,
	    (unsigned long long)as->fired, (unsigned long long)as->resolved,
	    (unsigned long long)as->firing,
	    (unsigned long long)(st->late_dropped + as->late),
	    (unsigned long long)st->lines_truncated);
}

/* Pages of a mapped log handed over at a time; released behind. */
#define REPLAY_CHUNK_BYTES	(16 * 1024 * 1024)

/*
 * Feed a mapped file in chunks that end at a LF, dropping each chunk's
 * pages once it is done, so memory stays flat whatever the file size.
 */
static void
replay_mapped(struct agent *a, const char *map, size_t size)
{
	size_t	off = 0, page = (size_t)sysconf(_SC_PAGESIZE), done = 0;

	(void)madvise((void *)(uintptr_t)map, size, MADV_SEQUENTIAL);
	while (off < size) {
		size_t		 n = size - off;
		const char	*nl;

		if (n > REPLAY_CHUNK_BYTES) {
			nl = memrchr(map + off, '\n', REPLAY_CHUNK_BYTES);
			n = nl != NULL ? (size_t)(nl - (map + off)) + 1 :
			    REPLAY_CHUNK_BYTES;
			if (nl == NULL) {
				/* a line longer than a chunk: up to its end */
				nl = memchr(map + off + n, '\n',
				    size - off - n);
				n = nl != NULL ?
				    (size_t)(nl - (map + off)) + 1 : size - off;
			}
		}
		agent_feed(a, map + off, n);
		off += n;
		/* Records point into at most the current chunk: the pages
		 * before it can go. */
		if (off - done > 2 * REPLAY_CHUNK_BYTES) {
			size_t	upto = (off - REPLAY_CHUNK_BYTES) / page * page;

			(void)madvise((void *)(uintptr_t)(map + done),
			    upto - done, MADV_DONTNEED);
			done = upto;
		}
	}
}

/*
 * Feed one saved log ("-" = stdin) through the agent's pipeline. A
 * regular file is mapped and handed over whole (no copy); a pipe is
 * read in blocks. Each file is its own stream: no record spans two.
 */
static int
replay_file(struct agent *a, const char *path)
{
	struct source_fd	*src;
	struct stat		 st;
	void			*map;
	ssize_t			 n;
	int			 fd, rc = 0;

	fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
	if (fd == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
		    fd, 0);
		if (map != MAP_FAILED) {
			replay_mapped(a, map, (size_t)st.st_size);
			munmap(map, (size_t)st.st_size);
			goto done;
		}
	}
	src = source_fd_new(fd, SOURCE_FD_BUF_BYTES);
	if (src == NULL)
		fatalx("out of memory");
	while ((n = source_fd_read(src, agent_feed, a)) != 0) {
		if (n < 0 && errno != EINTR) {
			log_warn("%s", path);
			rc = -1;
			break;
		}
	}
	source_fd_free(src);
done:
	if (fd != 0)
		close(fd);
	pipeline_finish(a->pl);
	return rc;
}

static int
cmd_replay(const struct opts *o)
{
	struct agent	 a;
	struct diag	 dg;
	struct timespec	 t0, t1;
	int		 i, rc = EXIT_OK;

	if (o->nargs == 0) {
		fprintf(stderr, "drainwatch replay: which log files? "
		    "(\"-\" for stdin)\n");
		return EXIT_USAGE;
	}
	diag_init(&dg, stderr);
	if (agent_load(&a, o, MODE_REPLAY, &dg) > 0) {
		agent_free(&a);
		return EXIT_USAGE;
	}
	a.print_json = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < o->nargs; i++)
		if (replay_file(&a, o->args[i]) == -1)
			rc = EXIT_USAGE;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_summary(&a, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (o->send) {
		if (agent_drain(&a) > 0)
			rc = EXIT_FAILED;
		sink_set_report(a.sinks, stderr);
	}
	agent_free(&a);
	return rc;
}

/* Results of the last reload, for POST /-/reload (read by HTTP threads). */
static volatile sig_atomic_t	 reload_done;	/* bumped after each */
static volatile sig_atomic_t	 reload_failed;	/* 1: last one rejected */

/*
 * SIGHUP: re-read agent.yaml and every rule file. A configuration with
 * errors is rejected (errors logged) and the running one stays. Rules
 * whose definition did not change keep their windows and alerts;
 * removed or changed rules resolve their firing alerts. Changed sinks
 * and routes are checked, then replace the running ones. The listener,
 * parsers and limits are read at start only.
 */
static void
agent_reload(struct agent *a, const struct opts *o)
{
	struct dw_config	 nc, oldcfg;
	struct diag		 dg;
	struct sink_set_conf	 sc;
	struct sink_set		*ns;
	struct rules		*nr = NULL, *old;
	int			 i, kept = 0, removed = 0, sinks_changed = 0;

	log_info("reload: reading %s", a->cfg.file);
	diag_init(&dg, stderr);
	config_load(&nc, o->config, &dg);
	if (dg.nerrors == 0) {
		nr = rules_new();
		if (nr == NULL)
			dg.nerrors++;
		else {
			rules_load_paths(nr, (const char *const *)nc.rule_paths,
			    nc.nrule_paths, &dg);
			if (dg.nerrors == 0 && rules_finish(nr, &dg) == -1 &&
			    dg.nerrors == 0)
				dg.nerrors++;
		}
	}
	if (dg.nerrors == 0 &&
	    (ynode_hash(nc.sinks) != ynode_hash(a->cfg.sinks) ||
	    ynode_hash(nc.routes) != ynode_hash(a->cfg.routes))) {
		/* Check the new sinks and routes without starting them. */
		sinks_changed = 1;
		sink_conf_for(&nc, o, MODE_CHECK, &sc);
		ns = sink_set_new(nc.sinks, nc.routes, nc.file, &sc, &dg);
		if (ns == NULL && dg.nerrors == 0)
			dg.nerrors++;
		sink_set_free(ns);
	}
	if (dg.nerrors > 0 || pipeline_reload(a->pl, nr) == -1) {
		log_warnx("reload rejected: %d error(s) (listed above); the "
		    "running configuration stays", dg.nerrors);
		rules_free(nr);
		config_free(&nc);
		reload_failed = 1;
		reload_done++;
		return;
	}
	old = a->rules;
	for (i = 0; i < old->n; i++) {
		struct rule	*r = rules_find(nr, old->v[i]->name);

		if (r != NULL && r->def_hash == old->v[i]->def_hash)
			kept++;
		else if (r == NULL)
			removed++;
	}
	a->rules = nr;
	rules_free(old);
	log_info("reload: %d rules loaded: %d unchanged (state kept), %d new "
	    "or changed, %d removed", nr->n, kept, nr->n - kept, removed);
	if (sinks_changed) {
		/*
		 * New sinks: the old set hands what it has not delivered to
		 * its outbox on disk (same state_dir, same sink names: the new
		 * set takes it over), then the new set starts.
		 */
		(void)sink_set_drain(a->sinks, wall_ms() + 2000);
		sink_set_free(a->sinks);
		a->sinks = NULL;
		sink_conf_for(&nc, o, MODE_RUN, &sc);
		diag_init(&dg, stderr);
		ns = sink_set_new(nc.sinks, nc.routes, nc.file, &sc, &dg);
		if (ns != NULL) {
			a->sinks = ns;
			/* The sinks may keep pointers into the document: the
			 * new configuration becomes the agent's. Parser,
			 * listener and limits settings still need a restart. */
			oldcfg = a->cfg;
			a->cfg = nc;
			memcpy(&a->cfg.pg_prefix, &oldcfg.pg_prefix,
			    sizeof(a->cfg.pg_prefix));
			a->cfg.has_pg_prefix = oldcfg.has_pg_prefix;
			config_free(&oldcfg);
			log_info("reload: sinks and routes replaced (%d sinks)",
			    sink_set_count(a->sinks));
		} else {
			log_warnx("reload: the new sinks did not start; "
			    "keeping the previous ones");
			sink_conf_for(&a->cfg, o, MODE_RUN, &sc);
			a->sinks = sink_set_new(a->cfg.sinks, a->cfg.routes,
			    a->cfg.file, &sc, &dg);
			if (a->sinks == NULL)
				fatalx("reload: cannot restart any sink");
			config_free(&nc);
		}
	} else
		config_free(&nc);
	reload_failed = 0;
	reload_done++;
}

/* POST /-/reload, on an HTTP thread: the same path as SIGHUP. */
static int
admin_reload(void *arg, char *msg, size_t n)
{
	sig_atomic_t	before = reload_done;
	int		i;

	(void)arg;
	kill(getpid(), SIGHUP);
	for (i = 0; i < 500 && reload_done == before; i++)
		usleep(20000);
	if (reload_done == before) {
		snprintf(msg, n, "reload requested; no answer within 10 s\n");
		return -1;
	}
	snprintf(msg, n, reload_failed ? "reload rejected: the configuration "
	    "has errors (see the agent's log); the running one stays\n" :
	    "reloaded\n");
	return reload_failed ? -1 : 0;
}

/* POST /-/explain, on an HTTP thread: the pipeline thread answers. */
static int
admin_explain(void *arg, const char *question, char **answer)
{
	struct agent	*a = arg;

	*answer = NULL;
	if (explain_box_ask(a->explain, question, answer, 5000) == -1)
		return -1;
	return strncmp(*answer, "no rule", 7) == 0 ? -1 : 0;
}

static int
stdin_wanted(enum stdin_mode m)
{
	struct stat	st;

	if (m == STDIN_OFF)
		return 0;
	if (m == STDIN_ON)
		return 1;
	if (isatty(0) || fstat(0, &st) == -1)
		return 0;
	return S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) ||
	    S_ISSOCK(st.st_mode);
}

/*
 * The drain endpoint runs with --listen; else by sources.http.enabled:
 * true (the default when the section exists), false, or auto (only when
 * $PORT is set, as on a Heroku dyno); with no section, when $PORT is set.
 */
static int
http_wanted(const struct agent *a, const struct opts *o)
{
	const struct ynode	*en = ynode_get(a->cfg.http, "enabled");
	int			 port = getenv("PORT") != NULL &&
	    getenv("PORT")[0] != '\0';

	if (o->listen != NULL)
		return 1;
	if (a->cfg.http == NULL)
		return port;
	if (en == NULL || en->type != YN_SCALAR || strcmp(en->str, "true") == 0)
		return 1;
	if (strcmp(en->str, "auto") == 0)
		return port;
	return 0;
}

/* Read sources.http plus --listen and $PORT; errors to dg. */
static void
http_load(struct http_conf *hc, const struct agent *a, const struct opts *o,
    struct diag *dg)
{
	http_conf_init(hc);
	if (a->cfg.http != NULL)
		http_conf_load(hc, a->cfg.http, a->cfg.file, dg);
	http_conf_override(hc, o->listen, getenv("PORT"), dg);
	http_conf_check(hc, a->cfg.file, dg);
}

static void
agent_feed_app(void *arg, struct dw_str app, const char *lines, size_t len)
{
	struct agent	*a = arg;

	pipeline_feed(a->pl, lines, len, app, wall_ms());
}

/* Publish this thread's metrics sections (pipeline, sinks). */
static void
publish_metrics(struct agent *a, struct metrics *m, char *buf, size_t n)
{
	size_t	len;

	if (m == NULL)
		return;
	len = pipeline_metrics(a->pl, buf, n);
	metrics_publish(m, "pipeline", buf, len);
	len = sink_set_metrics(a->sinks, buf, n);
	metrics_publish(m, "sinks", buf, len);
}

static int
cmd_run(const struct opts *o)
{
	struct agent		 a;
	struct diag		 dg;
	struct http_conf	 hc;
	struct source_fd	*in = NULL;
	struct ingest		*q = NULL;
	struct metrics		*m = NULL;
	struct source_http	*http = NULL;
	struct http_admin	 admin;
	struct sigaction	 sa;
	char			*mbuf = NULL;
	dw_ms			 last_publish = 0, last_save = 0;
	uint64_t		 saved_version = 0, saved_seq = 0;
	int			 rc = EXIT_OK, have_http;

	diag_init(&dg, stderr);
	memset(&hc, 0, sizeof(hc));
	agent_load(&a, o, MODE_RUN, &dg);
	have_http = dg.nerrors == 0 && http_wanted(&a, o);
	if (have_http)
		http_load(&hc, &a, o, &dg);
	if (dg.nerrors > 0) {
		fprintf(stderr, "drainwatch: %d error%s, not starting\n",
		    dg.nerrors, dg.nerrors == 1 ? "" : "s");
		rc = EXIT_USAGE;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (stdin_wanted(a.cfg.stdin_mode)) {
		in = source_fd_new(0, SOURCE_FD_BUF_BYTES);
		if (in == NULL)
			fatalx("out of memory");
	}
	if (state_dir_make(a.cfg.state_dir) == -1)
		log_warn("state directory %s", a.cfg.state_dir);
	state_load(a.pl, a.cfg.state_dir, wall_ms());
	saved_version = pipeline_state_version(a.pl);
	if (have_http) {
		m = metrics_new();
		q = ingest_new(hc.queue_bytes);
		mbuf = malloc(METRICS_SECTION_MAX_BYTES);
		if (m == NULL || q == NULL || mbuf == NULL)
			fatalx("out of memory");
		publish_metrics(&a, m, mbuf, METRICS_SECTION_MAX_BYTES);
		a.explain = explain_box_new();
		if (a.explain == NULL)
			fatalx("out of memory");
		admin.reload = admin_reload;
		admin.explain = admin_explain;
		admin.arg = &a;
		http = source_http_start(&hc, q, m, &admin);
		if (http == NULL) {
			rc = EXIT_USAGE;
			goto out;
		}
	}
	log_info("drainwatch %s started: config %s, %d rules, %d sinks, "
	    "stdin %s, drain endpoint %s", DW_VERSION, a.cfg.file, a.rules->n,
	    sink_set_count(a.sinks), in != NULL ? "on" : "off",
	    http != NULL ? "on" : "off");
	if (http != NULL)
		source_http_log_drain_command(http);
	if (in == NULL && http == NULL) {
		log_warnx("no source to read: stdin is not a pipe or file and "
		    "no drain endpoint is configured (try: heroku logs --tail "
		    "| drainwatch, or --listen 127.0.0.1:8080)");
		rc = EXIT_USAGE;
		goto out;
	}
	while (!got_stop) {
		struct pollfd	pfd[2];
		int		n, nfd = 0, in_i = -1, q_i = -1;
		dw_ms		now;

		if (got_hup) {
			got_hup = 0;
			agent_reload(&a, o);
		}

		if (in != NULL) {
			pfd[nfd].fd = 0;
			pfd[nfd].events = POLLIN;
			in_i = nfd++;
		}
		if (q != NULL) {
			pfd[nfd].fd = ingest_fd(q);
			pfd[nfd].events = POLLIN;
			q_i = nfd++;
		}
		n = poll(pfd, (nfds_t)nfd, LOOP_TICK_MS);
		if (n > 0 && q_i >= 0 && pfd[q_i].revents != 0)
			ingest_drain(q, 0, agent_feed_app, &a);
		if (n > 0 && in_i >= 0 && pfd[in_i].revents != 0) {
			ssize_t	r = source_fd_read(in, agent_feed, &a);

			if (r == 0 || (r < 0 && errno != EINTR &&
			    errno != EAGAIN)) {
				if (r < 0)
					log_warn("stdin");
				pipeline_finish(a.pl);
				source_fd_free(in);
				in = NULL;
				if (http == NULL)
					break;		/* EOF: done */
			}
		}
		now = wall_ms();
		pipeline_tick(a.pl, now);
		if (a.explain != NULL)
			explain_box_serve(a.explain, a.pl, &a.pconf);
		if (m != NULL && now - last_publish >= 1000) {
			publish_metrics(&a, m, mbuf, METRICS_SECTION_MAX_BYTES);
			last_publish = now;
		}
		/* Save alert state at once after a notification, else at
		 * most once a second while windows of alerts change. */
		if (pipeline_state_version(a.pl) != saved_version &&
		    (alert_engine_stats(pipeline_alerts(a.pl))->seq !=
		    saved_seq || now - last_save >= 1000)) {
			state_save(a.pl, a.cfg.state_dir, wall_ms());
			saved_version = pipeline_state_version(a.pl);
			saved_seq = alert_engine_stats(
			    pipeline_alerts(a.pl))->seq;
			last_save = now;
		}
	}
	if (http != NULL) {
		/* Stop accepting, then process what was acknowledged. */
		source_http_stop(http);
		http = NULL;
		ingest_drain_all(q, agent_feed_app, &a);
	}
	pipeline_finish(a.pl);
	state_save(a.pl, a.cfg.state_dir, wall_ms());
	log_info("stopping: %llu lines, %llu alerts fired",
	    (unsigned long long)pipeline_stats(a.pl)->lines,
	    (unsigned long long)alert_engine_stats(
	    pipeline_alerts(a.pl))->fired);
	if (agent_drain(&a) > 0)
		rc = EXIT_FAILED;
out:
	source_http_stop(http);
	explain_box_free(a.explain);
	a.explain = NULL;
	ingest_free(q);
	metrics_free(m);
	free(mbuf);
	source_fd_free(in);
	if (have_http)
		http_conf_free(&hc);
	agent_free(&a);
	return rc;
}

/* Feed files through a replay pipeline (no output), for explain. */
static int
replay_quietly(struct agent *a, char **files, int n)
{
	int	i, rc = 0;

	for (i = 0; i < n; i++)
		if (replay_file(a, files[i]) == -1)
			rc = -1;
	return rc;
}

static int
cmd_explain(const struct opts *o)
{
	struct agent	 a;
	struct diag	 dg;
	char		 question[8192], *answer = NULL;
	size_t		 len = 0;
	int		 i, rc;

	if (o->line != NULL)
		snprintf(question, sizeof(question), "--line %s", o->line);
	else if (o->nargs > 0) {
		for (i = 0; i < o->nargs && len < sizeof(question); i++)
			len += (size_t)snprintf(question + len,
			    sizeof(question) - len, "%s%s", i > 0 ? " " : "",
			    o->args[i]);
	} else {
		fprintf(stderr, "drainwatch explain: which rule? (or --line "
		    "'LOG LINE')\n");
		return EXIT_USAGE;
	}
	if (o->line == NULL && o->nreplay == 0)
		return explain_remote(o->url, question, stdout) == 0 ? EXIT_OK :
		    EXIT_FAILED;
	diag_init(&dg, stderr);
	if (agent_load(&a, o, MODE_REPLAY, &dg) > 0) {
		agent_free(&a);
		return EXIT_USAGE;
	}
	if (o->nreplay > 0 && replay_quietly(&a, (char **)o->replay,
	    o->nreplay) == -1) {
		agent_free(&a);
		return EXIT_USAGE;
	}
	answer = malloc(EXPLAIN_ANSWER_MAX);
	if (answer == NULL)
		fatalx("out of memory");
	rc = explain_answer(a.pl, &a.pconf, question, answer,
	    EXPLAIN_ANSWER_MAX) == 0 ? EXIT_OK : EXIT_FAILED;
	fputs(answer, stdout);
	free(answer);
	agent_free(&a);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "send", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "line", required_argument, NULL, 'L' },
		{ "url", required_argument, NULL, 'u' },
		{ "replay", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts	 o;
	const char	*cmd = "run";
	int		 ch;

	memset(&o, 0, sizeof(o));
	if (argc > 1 && argv[1][0] != '-') {
		cmd = argv[1];
		argv++;
		argc--;
	}
	while ((ch = getopt_long(argc, argv, "c:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config = optarg;
			break;
		case 'l':
			o.listen = optarg;
			break;
		case 'n':
			o.dry_run = 1;
			break;
		case 's':
			o.send = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'L':
			o.line = optarg;
			break;
		case 'u':
			o.url = optarg;
			break;
		case 'r':
			if (o.nreplay >= (int)DW_NELEM(o.replay)) {
				fprintf(stderr, "drainwatch: too many --replay "
				    "files\n");
				return EXIT_USAGE;
			}
			o.replay[o.nreplay++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("drainwatch %s\n", DW_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	o.nargs = argc - optind;
	o.args = argv + optind;
	log_init(stderr, o.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO,
	    LOG_FMT_LOGFMT);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(&o);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(&o);
	if (strcmp(cmd, "test") == 0)
		return cmd_test(&o);
	if (strcmp(cmd, "replay") == 0)
		return cmd_replay(&o);
	if (strcmp(cmd, "explain") == 0)
		return cmd_explain(&o);
	fprintf(stderr, "drainwatch: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
