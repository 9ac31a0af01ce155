/*
 * diag.h - located diagnostics for configuration and rule files.
 *
 * Loaders report every problem they find as "file:line:col: message"
 * (1-based) and keep going, so one `drainwatch check` lists them all;
 * the caller refuses to start when nerrors > 0. Output goes to a FILE
 * (stderr, or a memstream in tests). Never used on the hot path.
 */
#ifndef DW_DIAG_H
#define DW_DIAG_H

#include <stdio.h>

#include "dw.h"

struct diag {
	FILE	*out;
	int	 nerrors;
	int	 nwarnings;
};

void	diag_init(struct diag *, FILE *out);
void	diag_error(struct diag *, const char *file, int line, int col,
	    const char *fmt, ...) DW_PRINTF(5, 6);
void	diag_warning(struct diag *, const char *file, int line, int col,
	    const char *fmt, ...) DW_PRINTF(5, 6);
/* "file: message: strerror(errno)" */
void	diag_errno(struct diag *, const char *file, const char *what);

#endif /* DW_DIAG_H */
