/*
 * parse_postgres.h - PostgreSQL server records inside any text (stage 2).
 *
 * A PostgreSQL record is `<log_line_prefix><LEVEL>:  <message>`. These
 * helpers find the LEVEL mark, read the prefix (a compiled
 * log_line_prefix, or heuristics for the common ones) and fill the
 * PostgreSQL fields of a log_record. They are used on whole stderr lines
 * and on the text of syslog / Heroku messages. Never allocate.
 */
#ifndef DW_PARSE_POSTGRES_H
#define DW_PARSE_POSTGRES_H

#include "parse/parse.h"

/* Bytes of text searched for the LEVEL mark: a prefix is never longer.
 * Heroku's format 2 prefix is ~350 bytes with 63-byte names. */
#define PG_PREFIX_SCAN_MAX_BYTES	1024

/* Fields a prefix can give; slices of the text. */
struct pg_fields {
	dw_ms		ts;		/* DW_MS_NONE if none */
	struct dw_str	pid, user, database, application, sqlstate;
};

/* How much evidence a prefix must show before text is taken as a
 * PostgreSQL record. */
enum pg_accept {
	PG_ACCEPT_PREFIX,	/* stderr / app text: the prefix must look like
				   one (time, pid, user=, user@db or empty) */
	PG_ACCEPT_ANY		/* chunk 1 of a `[seq-1]` record: any prefix */
};

/* Length of a "LEVEL:  " mark at p (0 = none there); *level = "LEVEL". */
size_t	pg_mark_at(const char *p, const char *end, struct dw_str *level);

/* First LEVEL mark in [p, min(end, p + PG_PREFIX_SCAN_MAX_BYTES)) that
 * starts a word; NULL if none. */
const char *pg_mark_find(const char *p, const char *end, struct dw_str *level);

/* Is [p, p+n) a SQLSTATE (five digits or upper-case letters)? */
int	pg_is_sqlstate(const char *p, size_t n);

/* Syslog severity of a PostgreSQL level; SEV_UNKNOWN for the parts of a
 * record (DETAIL, HINT, QUERY, CONTEXT, LOCATION, STATEMENT). */
int	pg_level_severity(struct dw_str level);

/* Is level one of DETAIL/HINT/QUERY/CONTEXT/LOCATION/STATEMENT? */
int	pg_level_is_part(struct dw_str level);

/*
 * Commit a found record: message starts at mark (up to end), pg_level,
 * severity (when the level has one), kind KIND_PG, the fields (empty
 * ones leave rec untouched; ts only when known) and the verbose-mode
 * SQLSTATE (`ERROR:  40P01: ...`) when no %e gave one.
 */
void	pg_commit(struct log_record *rec, const char *mark, const char *end,
	    struct dw_str level, const struct pg_fields *);

/*
 * Is text a PostgreSQL record? Tries conf's compiled log_line_prefix,
 * then the heuristics. On success fills rec via pg_commit() and returns
 * 0; otherwise returns -1 and leaves rec untouched.
 */
int	parse_postgres_text(struct log_record *rec, struct dw_str text,
	    const struct parse_conf *conf, enum pg_accept);

#endif /* DW_PARSE_POSTGRES_H */
