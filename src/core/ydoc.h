/*
 * ydoc.h - a YAML document as a tree of located nodes, plus typed,
 * table-driven readers that report errors as file:line:col.
 *
 * Built from libyaml events once, at load time (never on the hot path).
 * Every node knows its 1-based line and column, so every consumer can
 * point at the exact place of a mistake. Scalars may have ${VAR} and
 * ${VAR:-default} substituted from the environment while loading.
 * The tree owns all its memory; ydoc_free() releases it.
 */
#ifndef DW_YDOC_H
#define DW_YDOC_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "dw.h"

/* Bounds on what a configuration or rule file may hold. */
#define YDOC_DEPTH_MAX		32		/* nesting levels */
#define YDOC_NODES_MAX		200000		/* nodes per file */
#define YDOC_FILE_MAX_BYTES	(16 * 1024 * 1024)

enum ynode_type { YN_SCALAR = 0, YN_SEQ, YN_MAP };

struct ynode;

struct ypair {
	struct ynode	*key;		/* always a scalar */
	struct ynode	*value;
};

struct ynode {
	enum ynode_type	 type;
	int		 line, col;	/* 1-based */
	char		*str;		/* scalars: NUL-terminated value */
	size_t		 len;
	int		 plain;		/* scalar was unquoted */
	struct ynode	**items;	/* sequence items */
	int		 nitems;
	struct ypair	*pairs;		/* mapping entries, in file order */
	int		 npairs;
};

struct ydoc {
	char		*file;		/* name used in diagnostics */
	struct ynode	*root;		/* NULL for an empty document */
	int		 nnodes;
};

#define YDOC_ENV	0x1		/* substitute ${VAR} in scalars */

/* Load a file (path "-" = stdin, named "<stdin>"). On error reports
 * through dg and returns -1; the doc is then empty but safe to free. */
int	ydoc_load_file(struct ydoc *, const char *path, int flags,
	    struct diag *);
int	ydoc_load_string(struct ydoc *, const char *name, const char *text,
	    size_t len, int flags, struct diag *);
void	ydoc_free(struct ydoc *);

/* Hash of a node tree (types, keys, values in order); NULL hashes too.
 * Equal trees hash equal: a reload tells changed sections by it. */
uint64_t	 ynode_hash(const struct ynode *);

/* Value of key in a mapping, or NULL. */
struct ynode	*ynode_get(const struct ynode *map, const char *key);
const char	*ynode_type_name(enum ynode_type);

/* Typed readers: -1 and a located error when the node has another type
 * or an unparsable value. */
int	ynode_string(const struct ynode *, const char *file, struct diag *,
	    const char **out);
int	ynode_int(const struct ynode *, const char *file, struct diag *,
	    int64_t min, int64_t max, int64_t *out);
int	ynode_number(const struct ynode *, const char *file, struct diag *,
	    double *out);
int	ynode_bool(const struct ynode *, const char *file, struct diag *,
	    int *out);
/* "250ms", "60s", "5m", "2h", "1d"; a bare 0 is allowed. */
int	ynode_duration(const struct ynode *, const char *file, struct diag *,
	    dw_ms *out);
/* "512", "64KiB", "1MiB", "2GiB", "10kB", "5MB" -> bytes. */
int	ynode_size(const struct ynode *, const char *file, struct diag *,
	    uint64_t *out);
/* Node must be a mapping / sequence; error otherwise. */
int	ynode_expect(const struct ynode *, enum ynode_type, const char *file,
	    struct diag *, const char *what);

/* Plain parsers behind the readers (also used for CLI flags). */
int	parse_duration_ms(const char *, dw_ms *);
int	parse_size_bytes(const char *, uint64_t *);
/* Format a duration compactly: 90000 -> "1m30s", 0 -> "0s". */
void	format_duration(dw_ms, char *out, size_t n);

/*
 * Table-driven mappings: each known key of a mapping is one row, which
 * drives parsing, defaults, the "expected: ..." list in unknown-key
 * errors and the reference tables in README.md.
 */
enum conf_type {
	CONF_STRING,	/* char * (strdup'ed; caller frees) */
	CONF_INT,	/* int64_t */
	CONF_UINT,	/* uint64_t, >= 0 */
	CONF_NUMBER,	/* double */
	CONF_BOOL,	/* int */
	CONF_DURATION,	/* dw_ms */
	CONF_SIZE,	/* uint64_t bytes */
	CONF_NODE,	/* const struct ynode *, handled by the caller */
};

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 offset;	/* into the target struct */
	const char	*def;		/* default as text, NULL = none */
	const char	*help;		/* one line, for README and --help */
};

/* Apply defaults of every row to target. */
void	conf_defaults(const struct conf_key *, size_t n, void *target);
/* Read map into target by the table; unknown keys, wrong types and bad
 * values are located errors (all of them). Returns the error count. */
int	conf_apply(const struct conf_key *, size_t n, const struct ynode *map,
	    void *target, const char *file, struct diag *);

#endif /* DW_YDOC_H */
