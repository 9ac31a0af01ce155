/*
 * parse.h - the record model and the per-line parsers (pipeline stage 2).
 *
 * A log line is turned into a struct log_record whose fields are
 * slices of the line itself: parsing never copies and never allocates.
 * parse_line() detects the format of one physical line (RFC 5424 /
 * logplex syslog, RFC 3164, `heroku logs` CLI, PostgreSQL stderr with
 * a log_line_prefix, PgBouncer, gunicorn, plain text) and then
 * classifies the message (Heroku Postgres `[COLOR] [seq-chunk]` chunks,
 * `sample#` metrics, PostgreSQL severities). Multi-line records are
 * put back together afterwards by assemble.h.
 *
 * Formats and their sources: ../shared/reference/formats.md §1-§3.
 */
#ifndef DW_PARSE_H
#define DW_PARSE_H

#include "dw.h"

enum rec_format {
	REC_PLAIN = 0,		/* nothing recognised: message = line */
	REC_RFC5424,		/* <PRI>1 TS HOST APP PROCID MSGID [SD] MSG */
	REC_LOGPLEX,		/* RFC 5424 without STRUCTURED-DATA (drains) */
	REC_RFC3164,		/* <PRI>Mmm dd hh:mm:ss host tag[pid]: msg */
	REC_HEROKU_CLI,		/* TS app[web.1]: msg  (heroku logs) */
	REC_POSTGRES,		/* PostgreSQL stderr: prefix SEVERITY:  msg */
	REC_PGBOUNCER,		/* TS [pid] LEVEL msg */
	REC_GUNICORN,		/* [TS] [pid] [LEVEL] msg */
	REC_FORMAT_COUNT
};

/* What the message turned out to be, independent of the transport. */
enum rec_kind {
	KIND_TEXT = 0,		/* an ordinary message */
	KIND_PG,		/* a PostgreSQL server record (any transport) */
	KIND_PG_CHUNK,		/* Heroku/syslog `[seq-N]` chunk N > 1 that
				   carries no prefix: continues a PG record */
	KIND_PG_CONT,		/* a TAB-started physical line: continues the
				   previous PostgreSQL stderr record */
	KIND_METRICS		/* logfmt `sample#key=value` line */
};

/* Syslog severities (RFC 5424 §6.2.1); PostgreSQL and PgBouncer levels
 * are mapped onto them (FATAL and PANIC are crit/emerg). */
enum rec_severity {
	SEV_UNKNOWN = -1,
	SEV_EMERG = 0, SEV_ALERT, SEV_CRIT, SEV_ERR, SEV_WARNING,
	SEV_NOTICE, SEV_INFO, SEV_DEBUG
};

/*
 * One record. Every dw_str is a slice of the line given to parse_line()
 * (or, after assemble, of the assembler's own buffer). Missing fields
 * have .len == 0.
 */
struct log_record {
	dw_ms		 ts;		/* event time, DW_MS_NONE if unknown */
	enum rec_format	 format;
	enum rec_kind	 kind;
	int		 severity;	/* enum rec_severity */
	struct dw_str	 line;		/* the whole record, raw */
	struct dw_str	 message;	/* what follows the transport header */
	struct dw_str	 host;		/* syslog HOSTNAME (drains: "host") */
	struct dw_str	 source;	/* APP-NAME: "app", "heroku", tag */
	struct dw_str	 process;	/* PROCID: "web.1", "postgres.42" */
	struct dw_str	 app;		/* app label given by the source (drain
					   token / path mapping); set by caller */

	/* PostgreSQL, when kind is KIND_PG / KIND_PG_CHUNK */
	struct dw_str	 pg_level;	/* "FATAL", "LOG", "DETAIL", ... */
	struct dw_str	 sqlstate;	/* "53300" (Heroku prefix, %e) */
	struct dw_str	 pg_pid;	/* %p */
	struct dw_str	 pg_user;	/* %u */
	struct dw_str	 pg_database;	/* %d */
	struct dw_str	 pg_application;/* %a */
	struct dw_str	 attachment;	/* Heroku "[YELLOW]" without brackets */
	int64_t		 chunk_seq;	/* `[seq-chunk]`, -1 when absent */
	int		 chunk_nr;	/* 1-based, 0 when absent */
};

/* Why a line could not be parsed the way its first bytes promised.
 * The record is still filled (as REC_PLAIN) so no data is lost; the
 * reason is counted by the caller. */
enum parse_rc {
	PARSE_OK = 0,
	PARSE_TRUNCATED,	/* line ended inside a header field */
	PARSE_BAD_PRI,		/* "<N>" missing digits or N > 191 */
	PARSE_BAD_VERSION,	/* RFC 5424 VERSION not 1 */
	PARSE_BAD_TIME,		/* timestamp present but not parseable */
	PARSE_BAD_SD,		/* malformed STRUCTURED-DATA */
	PARSE_RC_COUNT
};

/* Human name of a parse_rc, for metrics and warnings ("bad_pri"). */
const char	*parse_rc_name(enum parse_rc);
/* Name of a format ("rfc5424", "heroku_cli", ...). */
const char	*rec_format_name(enum rec_format);

/*
 * A configured PostgreSQL log_line_prefix (e.g. "%m [%p] %q%u@%d "),
 * compiled once. When none is configured, parse_line() recognises the
 * default '%m [%p] ' and the common packaged prefixes by heuristics.
 */
#define PG_PREFIX_TOKENS_MAX	32

struct pg_prefix {
	int	ntokens;
	struct {
		char		 esc;	/* 0 = literal, else the %-letter */
		char		 lit[16];
		unsigned char	 litlen;
	} tok[PG_PREFIX_TOKENS_MAX];
};

/* Compile a log_line_prefix; -1 with *errmsg set on an unknown escape
 * or too many tokens. */
int		 pg_prefix_compile(struct pg_prefix *, const char *spec,
		    const char **errmsg);

struct parse_conf {
	const struct pg_prefix	*pg_prefix;	/* NULL = heuristics */
	int			 default_tz_min; /* offset for zone-less
						   stamps, minutes east */
	dw_ms			 year_ref_ms;	/* RFC 3164 stamps carry no
						   year: the latest year not
						   putting the stamp over 31
						   days after this time is
						   used; 0 = the wall clock */
};

/*
 * Parse one physical line (without its trailing LF or CR LF). Fills
 * *rec entirely; never allocates, never reads outside line. Returns
 * PARSE_OK or the reason the promised format was broken (the record
 * then holds what could be read, message = rest of line).
 */
enum parse_rc	 parse_line(struct log_record *rec, struct dw_str line,
		    const struct parse_conf *conf);

/*
 * Parse only the message of a record whose transport header was read
 * elsewhere (e.g. a logplex frame): classifies Heroku Postgres chunks,
 * PostgreSQL stderr, metrics. Used by parse_line() itself.
 */
void		 parse_message(struct log_record *rec,
		    const struct parse_conf *conf);

/* Parse a timestamp at the start of s in any format parse_line knows
 * (RFC 3339 with 0-9 fraction digits and offset; "YYYY-MM-DD hh:mm:ss[.f]
 * [ZONE]"). Returns bytes consumed, 0 if none; *ms set on success. */
size_t		 parse_timestamp(struct dw_str s, dw_ms *ms,
		    int default_tz_min);

/*
 * The pipeline skips lines that no rule's prefilter hits, without
 * parsing them. That is only sound if every line parse_line() would
 * classify as part of a multi-line PostgreSQL record contains one of
 * these markers (or starts with a TAB). The parsers guarantee it.
 * PostgreSQL labels DEBUG1..DEBUG5 all as "DEBUG" (elog.c
 * error_severity()), hence the optional digit.
 */
#define PARSE_PG_MARK_RE \
	"(?:DEBUG[1-5]?|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC|DETAIL|HINT|" \
	"QUERY|CONTEXT|LOCATION|STATEMENT):  "
#define PARSE_CHUNK_MARK_RE	"\\[[0-9]+-[0-9]+\\]"

/* Value of a logfmt key in a metrics message ("sample#active-connections"),
 * or DW_STR_NULL. */
struct dw_str	 parse_logfmt_get(struct dw_str msg, const char *key);

#endif /* DW_PARSE_H */
