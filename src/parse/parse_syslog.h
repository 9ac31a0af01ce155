/*
 * parse_syslog.h - syslog line formats (pipeline stage 2).
 *
 * RFC 5424 with and without STRUCTURED-DATA (Heroku logplex drains omit
 * it entirely) and RFC 3164, with or without the <PRI> (syslog files
 * such as /var/log/postgresql via rsyslog). Fields are slices of the
 * line; nothing allocates.
 */
#ifndef DW_PARSE_SYSLOG_H
#define DW_PARSE_SYSLOG_H

#include "parse/parse.h"

/*
 * line starts with '<' and a digit. Fills the transport fields of rec
 * (format, severity from PRI, ts, host, source, process, message) and
 * returns PARSE_OK, or the reason the header is broken (rec then holds
 * whatever was read; the caller resets it to plain).
 */
enum parse_rc	parse_syslog(struct log_record *rec, struct dw_str line,
		    const struct parse_conf *conf);

/* "Mmm dd hh:mm:ss HOST TAG[PID]: MSG" without <PRI>: 0 and rec filled
 * (format REC_RFC3164), or -1 with rec untouched. */
int		parse_syslog_bsd(struct log_record *rec, struct dw_str line,
		    const struct parse_conf *conf);

#endif /* DW_PARSE_SYSLOG_H */
