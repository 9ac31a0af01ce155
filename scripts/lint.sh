#!/bin/sh
# lint.sh - `make lint`: style checked by machine (STYLE.md 3.18).
#
# format  Every .c and .h file in src/ and every tests/*.c is run
#         through clang-format with the repository's .clang-format
#         (style(9) KNF as far as clang-format 14 can express it) and
#         compared with the original, statement by statement:
#         - runs of blanks inside a line are collapsed first: KNF aligns
#           names, comments and backslashes to TAB stops, which
#           clang-format cannot produce;
#         - continuation lines are joined to the line they continue:
#           KNF fills a line greedily and indents every continuation by
#           4 spaces, clang-format picks other break points and indents
#           nested parentheses deeper; both are fine by style(9);
#         - the bodies of multi-line #defines are not compared.
#         What is checked: indentation of statements, brace placement,
#         return type on its own line, case/label placement, spacing
#         between tokens, one statement per line, blank lines; plus,
#         on the original text, lines over 80 columns (tabs at 8) and
#         trailing blanks.
#         LINT_STRICT=1 instead reports the literal verdict of
#         `clang-format --dry-run -Werror` on the same files.
# banned  sprintf vsprintf strcpy strcat strtok strtok_r atoi atol atoll
#         gets sscanf anywhere in src/ (outside comments and literals).
# alloc   malloc calloc realloc reallocarray strdup strndup in the hot-
#         path folders src/parse and src/match, except in
#         src/parse/assemble.c and on lines carrying the comment
#         `/* lint: load-time allocation */`. The same comment on a line
#         of its own exempts the whole file (a loader such as rules.c).
#
# Prints `file:line: kind: what` per finding and a summary line; exits
# 1 if there is any finding, 2 if a tool is missing.
cd "$(dirname "$0")/.." || exit 2

for tool in clang-format python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "lint: $tool not installed (apt-get install $tool)" >&2
		exit 2
	fi
done

files=$( (find src -name '*.[ch]'; ls tests/*.c 2>/dev/null) |
    LC_ALL=C sort)

if [ -n "${LINT_STRICT:-}" ]; then
	# shellcheck disable=SC2086
	clang-format --style=file --dry-run -Werror $files 2>&1 |
	    sed -n 's/^\([^:]*:[0-9]*\):[0-9]*: error: code should be clang-formatted.*/\1: format: (strict) differs from clang-format/p' |
	    sort -t: -k1,1 -k2,2n >"${TMPDIR:-/tmp}/dwlint.$$"
	cat "${TMPDIR:-/tmp}/dwlint.$$"
	n=$(wc -l <"${TMPDIR:-/tmp}/dwlint.$$")
	rm -f "${TMPDIR:-/tmp}/dwlint.$$"
	# shellcheck disable=SC2086
	echo "lint: $n format finding(s) (strict clang-format)" \
	    "in $(echo $files | wc -w) files"
	[ "$n" = 0 ]
	exit
fi

# shellcheck disable=SC2086
exec python3 - $files <<'EOF'
import concurrent.futures, difflib, os, re, shutil, subprocess, sys, tempfile

COLUMNS = 80
TAB = 8
BANNED = re.compile(r'\b(sprintf|vsprintf|strcpy|strcat|strtok|strtok_r|'
    r'atoi|atol|atoll|gets|sscanf)\s*\(')
ALLOC = re.compile(r'\b(malloc|calloc|realloc|reallocarray|strdup|'
    r'strndup)\s*\(')
MARK = '/* lint: load-time allocation */'
HOT = ('src/parse/', 'src/match/')
HOT_OK = ('src/parse/assemble.c',)
# A line ending in one of these is continued by the next one.
CONT_END = re.compile(r'(,|\(|\[|=|&&|\|\||[-+*/%<>|&^?!~]|"|:)$')
LABEL = re.compile(r'^(case\b.*|default\s*|[A-Za-z_]\w*\s*):$')
WS = re.compile(r'(?<=\S)\s+')
NOWS = re.compile(r'\s+')
# `__attribute__((...))` or `DW_PRINTF(2, 3);` after a prototype's `)`.
ATTR = re.compile(r'^(__attribute__|__dead\b|[A-Z][A-Z0-9_]*\()')
# A brace that opens an enum body, an initialiser list or a compound
# literal `= (struct x){`.
LIST_OPEN = re.compile(r'(\benum\b[^;{]*|=\s*(\([^()]*\)\s*)?)\{')
MACRO = re.compile(r'#\s*define\s+\w+(\([^)]*\))?')

def code_only(text):
    """Blank comments and the inside of literals; keep newlines."""
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

def logical(text):
    """[first line, last line, key] per statement: the key is the
    indentation and the statement's text without any blanks, so that
    only structure (line breaks between statements, indentation) is
    compared; spacing inside lines is compared by spacing_findings()."""
    raw = text.split('\n')
    code = code_only(text).split('\n')
    out, depth, prev, in_macro, in_list = [], 0, ';', False, False
    for no, (r, c) in enumerate(zip(raw, code), 1):
        s = r.strip()
        if in_macro:
            in_macro = r.rstrip().endswith('\\')
            if out:
                out[-1][1] = no
            continue
        if s.startswith('#'):
            in_macro = r.rstrip().endswith('\\')
            m = MACRO.match(s)	# macro bodies are not compared
            out.append([no, no, NOWS.sub('', m.group(0) if m else s)])
            prev = ';'
            continue
        cs = c.strip()
        cont = out and s != '' and (depth > 0 or (CONT_END.search(prev)
            is not None and LABEL.match(prev) is None) or
            (prev.endswith(')') and ATTR.match(cs) is not None))
        if cont:
            out[-1][1] = no
            out[-1][2] += NOWS.sub('', s)
        else:
            lead = r[:len(r) - len(r.lstrip())]
            out.append([no, no, lead + NOWS.sub('', s)])
        # Parentheses, brackets and the braces of enum bodies and
        # initialisers hold one statement across lines.
        if depth == 0 and LIST_OPEN.search(cs):
            in_list = True
        depth += cs.count('(') + cs.count('[') - cs.count(')') - \
            cs.count(']')
        if in_list:
            depth += cs.count('{') - cs.count('}')
        depth = max(depth, 0)
        if depth == 0:
            in_list = False
        if cs != '':
            prev = cs
    return out

def clang_format(path, text, style):
    return subprocess.run(['clang-format', '--style=' + style,
        '--assume-filename=' + path], input=text, capture_output=True,
        text=True, check=True).stdout

def structure_findings(path, text, fmt):
    a, b = logical(text), logical(fmt)
    fraw = fmt.split('\n')
    found = []
    sm = difflib.SequenceMatcher(None, [x[2] for x in a], [x[2] for x in b],
        autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == 'equal':
            continue
        line = a[i1][0] if i1 < len(a) else (a[-1][1] if a else 1)
        if j1 < j2:
            want = fraw[b[j1][0] - 1:b[j2 - 1][1]]
        else:
            want = ['(nothing: remove these lines)']
        if len(want) > 6:
            want = want[:6] + ['\t...']
        found.append((line, 'format: clang-format would write:\n' +
            '\n'.join('\t| ' + w for w in want)))
    return found

def spacing_findings(path, text, fmt0):
    """fmt0 keeps the author's line breaks (ColumnLimit: 0); compare the
    spacing between tokens of lines whose tokens are the same, with
    alignment runs (two or more blanks, or tabs) counted as one blank
    and the indentation of continuation lines ignored."""
    a, b = text.split('\n'), fmt0.split('\n')
    ka = [NOWS.sub('', x) for x in a]
    kb = [NOWS.sub('', x) for x in b]
    found = []
    sm = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op != 'equal':
            continue
        for i, j in zip(range(i1, i2), range(j1, j2)):
            if a[i].lstrip().startswith('#'):
                continue
            if WS.sub(' ', a[i].strip()) != WS.sub(' ', b[j].strip()):
                found.append((i + 1, 'format: spacing, clang-format would '
                    'write:\n\t| ' + b[j]))
    return found

def format_findings(path, text, style0):
    try:
        fmt = clang_format(path, text, 'file')
        fmt0 = clang_format(path, text, 'file:' + style0)
    except subprocess.CalledProcessError as e:
        return [(1, 'format: clang-format failed: %s' % e.stderr.strip())]
    found = structure_findings(path, text, fmt)
    found += spacing_findings(path, text, fmt0)
    for no, r in enumerate(text.split('\n'), 1):
        width = len(r.expandtabs(TAB))
        if width > COLUMNS:
            found.append((no, 'format: %d columns (%d max)' %
                (width, COLUMNS)))
        if r != r.rstrip():
            found.append((no, 'format: trailing blanks'))
    return found

def call_findings(path, text):
    found = []
    if not path.startswith('src/'):
        return found
    raw = text.split('\n')
    whole_file_ok = any(l.strip() == MARK for l in raw)
    for no, line in enumerate(code_only(text).split('\n'), 1):
        for m in BANNED.finditer(line):
            found.append((no, 'banned: %s() (STYLE.md 3.13: use a cursor, '
                'snprintf or a bounded copy)' % m.group(1)))
        if (path.startswith(HOT) and path not in HOT_OK and
                not whole_file_ok and MARK not in raw[no - 1]):
            for m in ALLOC.finditer(line):
                found.append((no, 'alloc: %s() in the hot-path folder %s '
                    '(STYLE.md 3.10: allocate at load time, or mark the '
                    'line %s)' % (m.group(1), path.split('/')[1], MARK)))
    return found

# The same style with the author's line breaks kept, for spacing.
tmpdir = tempfile.mkdtemp(prefix='dwlint.')
style0 = os.path.join(tmpdir, '.clang-format')
with open('.clang-format') as f, open(style0, 'w') as g:
    g.write(re.sub(r'(?m)^ColumnLimit:.*$', 'ColumnLimit: 0', f.read()))

def check(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    return sorted(format_findings(path, text, style0) +
        call_findings(path, text), key=lambda x: x[0])

counts = {'format': 0, 'banned': 0, 'alloc': 0}
with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
    results = list(pool.map(check, sys.argv[1:]))
for path, found in zip(sys.argv[1:], results):
    for no, what in found:
        print('%s:%d: %s' % (path, no, what))
        counts[what.split(':')[0]] += 1
shutil.rmtree(tmpdir, ignore_errors=True)
print('lint: %d format, %d banned-call, %d hot-path allocation finding(s) '
    'in %d files' % (counts['format'], counts['banned'], counts['alloc'],
    len(sys.argv) - 1))
sys.exit(1 if sum(counts.values()) else 0)
EOF
