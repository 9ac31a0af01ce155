/*
 * parse_heroku.h - Heroku line and message formats (pipeline stage 2).
 *
 * `heroku logs` CLI lines, Heroku Postgres `[COLOR] [seq-chunk]` server
 * log chunks with Heroku's log_line_prefix variants (also PostgreSQL's
 * own syslog `[seq-chunk]` chunks), and `sample#` metrics lines.
 * parse_logfmt_get() is declared in parse.h. Nothing allocates.
 */
#ifndef DW_PARSE_HEROKU_H
#define DW_PARSE_HEROKU_H

#include "parse/parse.h"

/*
 * `TS [HOST ]SOURCE[PROCESS]:? MSG` with an RFC 3339 TS. Fills format,
 * ts, host, source, process and message and returns 0, or returns -1
 * and leaves rec untouched.
 */
int	parse_heroku_cli(struct log_record *rec, struct dw_str line,
	    const struct parse_conf *conf);

/*
 * rec->message is `[ATTACHMENT] [seq-chunk] text` or `[seq-chunk] text`:
 * set attachment, chunk_seq, chunk_nr, kind, the PostgreSQL fields and
 * narrow message (to the LEVEL mark, or the chunk text). Returns 0, or
 * -1 with rec untouched when the message is no chunk.
 */
int	parse_heroku_chunk(struct log_record *rec,
	    const struct parse_conf *conf);

/* rec->message is a `source=... sample#k=v` metrics line: set kind
 * KIND_METRICS and return 0; else -1. */
int	parse_heroku_metrics(struct log_record *rec);

#endif /* DW_PARSE_HEROKU_H */
