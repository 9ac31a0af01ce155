/*
 * diag.c - located diagnostics, see diag.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "core/diag.h"

void
diag_init(struct diag *dg, FILE *out)
{
	dg->out = out;
	dg->nerrors = 0;
	dg->nwarnings = 0;
}

static void
diag_vprint(struct diag *dg, const char *kind, const char *file, int line,
    int col, const char *fmt, va_list ap)
{
	if (dg->out == NULL)
		return;
	if (line > 0 && col > 0)
		fprintf(dg->out, "%s:%d:%d: %s", file, line, col, kind);
	else if (line > 0)
		fprintf(dg->out, "%s:%d: %s", file, line, kind);
	else
		fprintf(dg->out, "%s: %s", file, kind);
	vfprintf(dg->out, fmt, ap);
	fputc('\n', dg->out);
}

void
diag_error(struct diag *dg, const char *file, int line, int col,
    const char *fmt, ...)
{
	va_list	ap;

	dg->nerrors++;
	va_start(ap, fmt);
	diag_vprint(dg, "", file, line, col, fmt, ap);
	va_end(ap);
}

void
diag_warning(struct diag *dg, const char *file, int line, int col,
    const char *fmt, ...)
{
	va_list	ap;

	dg->nwarnings++;
	va_start(ap, fmt);
	diag_vprint(dg, "warning: ", file, line, col, fmt, ap);
	va_end(ap);
}

void
diag_errno(struct diag *dg, const char *file, const char *what)
{
	int	saved = errno;

	dg->nerrors++;
	if (dg->out != NULL)
		fprintf(dg->out, "%s: %s: %s\n", file, what, strerror(saved));
}
