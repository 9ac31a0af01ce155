#!/bin/sh
# lint.sh - `make lint`: style checked by machine (STYLE.md 3.18).
#
# 1. format: every .c file in src/ and tests/ is run through
#    clang-format with the repository's .clang-format (style(9) KNF as
#    far as clang-format goes) and compared with the file after runs of
#    blanks inside a line are collapsed: KNF aligns names, comments and
#    backslashes to tab stops, which clang-format cannot produce, so
#    only that alignment is left to the author. Indentation, line
#    breaks, 80 columns, brace and return-type placement and spacing
#    between tokens are checked. Headers (src/**/*.h) are checked for
#    80 columns only: their tab-aligned prototype lists are KNF that
#    clang-format would re-wrap. LINT_STRICT=1 instead runs the literal
#    `clang-format --dry-run -Werror` on all of them.
# 2. banned: sprintf vsprintf strcpy strcat strtok(_r) atoi atol atoll
#    gets sscanf anywhere in src/ (outside comments and strings).
# 3. hot-path allocation: malloc calloc realloc reallocarray strdup
#    strndup in src/parse and src/match, except in src/parse/assemble.c
#    and on lines marked `/* lint: load-time allocation */`. The same
#    marker on a line of its own exempts the whole file (a loader).
#
# Prints `file:line: what` per finding and a summary; exit 1 if any.
cd "$(dirname "$0")/.." || exit 2

if ! command -v clang-format >/dev/null 2>&1; then
	echo "lint: clang-format not installed" \
	    "(apt-get install clang-format)" >&2
	exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "lint: python3 not installed" >&2
	exit 2
fi

cfiles=$( (find src -name '*.c'; ls tests/*.c 2>/dev/null) | LC_ALL=C sort)
hfiles=$(find src -name '*.h' | LC_ALL=C sort)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dwlint.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
nformat=0

if [ -n "${LINT_STRICT:-}" ]; then
	# shellcheck disable=SC2086
	clang-format --style=file --dry-run -Werror $cfiles $hfiles \
	    >"$tmp/strict" 2>&1
	grep 'error: code should be clang-formatted' "$tmp/strict" |
	    sed 's/: error: code should be clang-formatted.*/: format (strict)/'
	nformat=$(grep -c 'error: code should be clang-formatted' \
	    "$tmp/strict")
else
	# Collapse blank runs after the first non-blank, drop trailing
	# blanks; leading indentation is kept and compared.
	norm() {
		sed -e 's/\([^[:space:]]\)[[:space:]][[:space:]]*/\1 /g' \
		    -e 's/[[:space:]]*$//'
	}
	for f in $cfiles; do
		norm <"$f" >"$tmp/a"
		clang-format --style=file "$f" | norm >"$tmp/b"
		# One finding per differing hunk: where, and what
		# clang-format would write instead.
		diff -U0 "$tmp/a" "$tmp/b" | awk -v f="$f" '
		/^@@/ {
			split($2, o, ",")
			line = substr(o[1], 2)
			if (n++ > 0)
				printf "\n"
			printf "%s:%d: format: clang-format would write:", f,
			    line == 0 ? 1 : line
			next
		}
		/^\+/ && !/^\+\+\+/ {
			printf "\n\t| %s", substr($0, 2)
		}
		END { if (n > 0) printf "\n" }' >"$tmp/hunks"
		cat "$tmp/hunks"
		nformat=$((nformat + $(grep -c ': format:' "$tmp/hunks")))
	done
	for f in $hfiles; do
		expand -t8 "$f" | awk -v f="$f" 'length($0) > 80 {
			printf "%s:%d: format: %d columns (80 max)\n", f, NR,
			    length($0) }' >"$tmp/cols"
		cat "$tmp/cols"
		nformat=$((nformat + $(wc -l <"$tmp/cols")))
	done
fi

# Banned calls and hot-path allocation, on code with comments and
# string/char literals blanked out (line numbers kept).
# shellcheck disable=SC2086
python3 - $cfiles $hfiles >"$tmp/calls" <<'EOF'
import re, sys

BANNED = re.compile(r'\b(sprintf|vsprintf|strcpy|strcat|strtok|strtok_r|'
    r'atoi|atol|atoll|gets|sscanf)\s*\(')
ALLOC = re.compile(r'\b(malloc|calloc|realloc|reallocarray|strdup|'
    r'strndup)\s*\(')
MARK = '/* lint: load-time allocation */'
HOT = ('src/parse/', 'src/match/')
HOT_OK = ('src/parse/assemble.c',)

def code_only(text):
    """Blank comments and literals, keep newlines."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c and text[j] != '\n':
                j += 2 if text[j] == '\\' else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r'[^\n]', ' ', text[i + 1:j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return ''.join(out)

for path in sys.argv[1:]:
    if not path.startswith('src/'):
        continue
    with open(path, encoding='utf-8', errors='replace') as f:
        raw = f.read()
    rawlines = raw.split('\n')
    whole_file_ok = any(l.strip() == MARK for l in rawlines)
    for no, line in enumerate(code_only(raw).split('\n'), 1):
        for m in BANNED.finditer(line):
            print('%s:%d: banned: %s() (STYLE.md 3.13: use a cursor, '
                'snprintf or strlcpy-style bounded copies)'
                % (path, no, m.group(1)))
        if (path.startswith(HOT) and path not in HOT_OK and
                not whole_file_ok and MARK not in rawlines[no - 1]):
            for m in ALLOC.finditer(line):
                print('%s:%d: hot-path allocation: %s() in %s '
                    '(STYLE.md 3.10: allocate at load time, or mark the '
                    'line %s)' % (path, no, m.group(1),
                    path.split('/')[1], MARK))
EOF
cat "$tmp/calls"
nbanned=$(grep -c ': banned:' "$tmp/calls")
nalloc=$(grep -c ': hot-path allocation:' "$tmp/calls")
nfiles=$(echo $cfiles $hfiles | wc -w)

total=$((nformat + nbanned + nalloc))
echo "lint: $nformat format, $nbanned banned-call, $nalloc hot-path" \
    "allocation finding(s) in $nfiles files${LINT_STRICT:+ (strict)}"
[ "$total" = 0 ]
