"""Stage 2, text -> skeleton: what a full parse would tell us, for a fraction of the parse.

What modelreg does not read is replaced by empty lines, so that every position in the
skeleton is that of the file: function definitions (unless they import or call
something modelreg records), class-body statements other than the SQLAlchemy dunders
and imports, module docstrings. Whenever the text could be cut inside a string or a
bracket, :func:`skeleton` says None and the whole file is parsed: the facts of a
skeleton are always those of the full parse (tests/test_index_skeleton.py).

Everything here reads text with string methods and regular expressions, never a parser.
"""

from __future__ import annotations

import ast
import bisect
import re
from typing import Dict, List, Optional, Set, Tuple

Blank = Tuple[int, int, str]  # (start, end, replacement) of a blanked range of the text

_KEEP_IN_BODY = (
    "import", "create_all", "map_imperatively", "target_metadata", "declarative_base", "generate_base",
    # a console script running Alembic (`command.upgrade(...)`), Pyramid's `config.scan()`, a Flask app
    # factory (`db.init_app(app)`, `Migrate(app, db)`): what they call and import loads the models
    "command", ".scan(", "init_app", "Migrate(", "entry_points",
    "__tablename__", "__abstract__", "__table_args__", "__table__", "metadata",
)
_KEEP_IN_DEF = 11  # the first keys keep a whole function
_NESTED_CLASS = re.compile(r"\n[ ]+class\s")  # a class defined inside a function: kept, to be judged
# class-body statements that declare nothing on the table: a def, a decorator, a nested class header,
# pass, ..., a string (a docstring), `if TYPE_CHECKING:`
_HARMLESS_STARTS = r"def\s|async\s|@|class\s|pass\b|\.\.\.|[rRbBuUfF]{0,2}['\"]|if\s+(?:\w+\.)*TYPE_CHECKING\s*:"
_HARMLESS = re.compile("(?:" + _HARMLESS_STARTS + ")")
# ... and those that may be blanked because they only bind or document: an assignment or annotation too
_BLANKABLE = re.compile(r"(?:[A-Za-z_]\w*\s*(?::|=(?!=))|" + _HARMLESS_STARTS + ")")
DECLARES_MARK = "__modelreg_declares__"
_DEF_RE = re.compile(r"(?:async\s+)?def\s+(\w+)")
_STRING_START = re.compile(r"[rRbBuUfF]{0,2}['\"]")

# Line patterns start with the newline before the line (much faster than `^` in MULTILINE mode).
_TOP = re.compile(r"\n(?!(?:else|elif|except|finally)\b)[^ #)\]}\r\f\n]")  # a top-level statement starts
_CODE_BEFORE = re.compile(r"^\s*[^\s#]", re.M)  # a line with code
_BODY_LINE = re.compile(r"\n( *)([^ \r\n#])")  # (indent, first character) of a line with code


def skeleton(text: str) -> Optional[Tuple[str, Tuple[str, ...]]]:
    """(source, names of the functions blanked out), or None when unsure.

    Syntax errors inside what is blanked are not seen: modelreg does not read those
    parts, and the interpreter or a linter reports them.
    """
    if "\\\n" in text or "\\\r\n" in text or "\t" in text or "\f" in text or text.count("\r") != text.count("\r\n"):
        return None  # continuations, tabs, form feeds, lone CR line ends: take the safe path
    starts = _top_level_starts(text)
    if starts is None:
        return None
    found = _top_level_blanks(text, starts)
    if found is None:
        return None
    blanks, def_names = found
    source = _blanked(text, blanks)
    return None if source is None else (source, def_names)


def _top_level_starts(text: str) -> Optional[List[int]]:
    """Offsets where the top-level statements start, or None when the first one is indented."""
    starts = [m.start() for m in _TOP.finditer("\n" + text)]  # ("\n" + text: offset m.start() + 1 - 1)
    if not starts:
        return None
    if starts[0] != 0 and _CODE_BEFORE.search(text, 0, starts[0]):
        return None  # the first statement is indented
    return starts


def _top_level_blanks(text: str, starts: List[int]) -> Optional[Tuple[List[Blank], Tuple[str, ...]]]:
    """(what is blanked, in order; the names of the functions blanked), or None when unsure."""
    n = len(text)
    blanks: List[Blank] = []
    def_names: List[str] = []
    i = 0
    while i < len(starts):
        j = i
        while text.startswith("@", starts[j]) and j + 1 < len(starts):
            j += 1  # decorators belong to the def/class below them
        begin, head = starts[i], starts[j]
        end = starts[j + 1] if j + 1 < len(starts) else n
        i = j + 1
        m = _DEF_RE.match(text, head)
        if m:
            piece = text[begin:end]
            if not _interesting(piece):
                def_names.append(m.group(1))
                blanks.append((begin, end, "\n" * piece.count("\n")))
        elif begin == head and _STRING_START.match(text, head):
            blanks.append((begin, end, "\n" * text.count("\n", begin, end)))
        elif text.startswith("class ", head):
            blanked = _blank_class_body(text, head, end)
            if blanked is None:
                return None
            blanks.extend(blanked)
    return blanks, tuple(def_names)


def _blanked(text: str, blanks: List[Blank]) -> Optional[str]:
    """The text with its blanks applied, or None when one could cut a string or a bracket.

    Every blanked range must start and end between statements: the text before it and the range
    itself hold even triple quotes and balanced brackets (a file that fails goes to the full parse)."""
    parts: List[str] = []
    pos = 0
    for a, b, replacement in blanks:
        if (a > pos and not _balanced_quotes(text[pos:a])) or not _balanced_quotes(text[a:b]):
            return None
        parts.append(text[pos:a])
        parts.append(replacement)
        pos = b
    parts.append(text[pos:])
    return "".join(parts)


def _balanced_quotes(piece: str) -> bool:
    """Even triple quotes and balanced brackets: the piece is not cut inside a string or a bracket.

    A piece that fails (a column-0 line inside a multi-line call or string, or merely
    brackets or quotes inside strings and comments) sends the file to the full parse."""
    return (
        piece.count('"""') % 2 == 0
        and piece.count("\'\'\'") % 2 == 0
        and piece.count("(") == piece.count(")")
        and piece.count("[") == piece.count("]")
        and piece.count("{") == piece.count("}")
    )


_ALEMBIC_HOOKS = ("def include_name(", "def include_object(")


def _interesting(piece: str) -> bool:
    """Whether a function must be kept whole: it imports or calls what modelreg records, or defines a class."""
    return (
        any(k in piece for k in _KEEP_IN_BODY[:_KEEP_IN_DEF])
        or _NESTED_CLASS.search(piece) is not None
        or piece.startswith(_ALEMBIC_HOOKS)  # what an env.py's include_name/include_object leave out
    )


# -- class bodies ---------------------------------------------------------------------------


def _blank_class_body(text: str, head: int, end: int) -> Optional[List[Blank]]:
    """The blanks of the class-body statements modelreg does not read. None when unsure."""
    body = _body_start(text, head, end)
    if body is None or body >= end:
        return []
    first = _BODY_LINE.search(text, body - 1, end)  # (text[body - 1] is the header's newline)
    if first is None:
        return []
    indent = len(first.group(1))
    if indent == 0:
        return []
    starts_at, left_of = _body_patterns(indent)
    if left_of.search(text, body - 1, end):
        return None  # a line with code left of the body, not closing a bracket: unsure
    stmt_starts = [m.start() + 1 for m in starts_at.finditer(text, body - 1, end)]
    if not stmt_starts:
        return []
    kept = _kept_statements(text, body, end, stmt_starts)
    # what runs at import beyond bindings (`setup()`, `if X: print()`, `try:`...) is kept: the calls
    # in it are facts (called_functions)
    runs = [k for k, at in enumerate(stmt_starts) if not _BLANKABLE.match(text, at + indent)]
    kept.update(_statements(text, body, stmt_starts, runs) if runs else ())
    for k in sorted(kept):  # a kept def's or nested class's decorators are kept with it
        j = k - 1
        while j >= 0 and j not in kept and text.startswith("@", stmt_starts[j] + indent):
            kept.add(j)
            j -= 1
    return _blank_runs(text, stmt_starts + [end], kept, indent)


def _statements(text: str, body: int, stmt_starts: List[int], candidates: List[int]) -> List[int]:
    """The candidates (indexes into ``stmt_starts``) that begin a statement: a line at the body's indent
    inside a string (a docstring's paragraph) or inside brackets is none. Quotes and brackets are
    counted once, from the body's start, up to each candidate in turn."""
    out = []
    pos = body
    dq = sq = parens = squares = braces = 0
    for k in candidates:
        at = stmt_starts[k]
        piece = text[pos:at]
        pos = at
        dq += piece.count('"""')
        sq += piece.count("\'\'\'")
        parens += piece.count("(") - piece.count(")")
        squares += piece.count("[") - piece.count("]")
        braces += piece.count("{") - piece.count("}")
        if dq % 2 == 0 and sq % 2 == 0 and parens == 0 and squares == 0 and braces == 0:
            out.append(k)
    return out


def _body_start(text: str, head: int, end: int) -> Optional[int]:
    """Offset of the line after the class header (which ends with the first line whose code ends
    with ":"), or None when there is no such line (a one-line class: kept whole)."""
    line_start = head
    while True:
        nl = text.find("\n", line_start, end)
        line_end = nl if nl != -1 else end
        if text[line_start:line_end].split("#", 1)[0].rstrip().endswith(":"):
            return line_end + 1
        if nl == -1:
            return None
        line_start = nl + 1


def _kept_statements(text: str, body: int, end: int, stmt_starts: List[int]) -> Set[int]:
    """Indexes of the statements modelreg reads (a SQLAlchemy dunder, an import, a nested class...)."""
    kept = set()
    for key in _KEEP_IN_BODY:
        at = text.find(key, body, end)
        while at != -1:
            kept.add(bisect.bisect_right(stmt_starts, at) - 1)
            at = text.find(key, at + len(key), end)
    kept.discard(-1)  # (a key before the first statement: in a comment line)
    for m in _NESTED_CLASS.finditer(text, body - 1, end):  # nested classes are judged (cannot verify when model-like)
        kept.add(bisect.bisect_right(stmt_starts, m.start() + 1) - 1)
    kept.discard(-1)
    return kept


def _blank_runs(text: str, bounds: List[int], kept: Set[int], indent: int) -> List[Blank]:
    """One blank per run of statements between the kept ones (``bounds``: the statements' starts,
    then the body's end). Whether a run declares anything (a column...) survives as one marker
    assignment; a body left with nothing at all gets a ``pass``."""
    out = []
    count = len(bounds) - 1
    previous = -1  # index of the last kept statement
    for k in sorted(kept) + [count]:
        if k > previous + 1:  # statements previous+1 .. k-1 are blanked
            a, b = bounds[previous + 1], bounds[k]
            blank = "\n" * text.count("\n", a, b)
            if _declares(text, bounds, previous + 1, k, indent):
                blank = " " * indent + DECLARES_MARK + " = 0" + blank
            out.append((a, b, blank))
        previous = k
    if not kept:
        a, b, blank = out[0]
        if not blank.startswith(" "):
            out[0] = (a, b, " " * indent + "pass" + blank)
    return out


def _declares(text: str, bounds: List[int], first: int, stop: int, indent: int) -> bool:
    """Whether the class-body statements first..stop-1 declare anything (see classes._declares_nothing).

    A line at the body's indent inside a string or brackets is not a statement: a start
    counts only when the text since the last one has even triple quotes and balanced brackets."""
    last = bounds[first]
    for i in range(first, stop):
        at = bounds[i]
        if i > first and not _balanced_quotes(text[last:at]):
            continue
        last = at
        if not _HARMLESS.match(text, at + indent):
            return True
    return False


_BODY_PATTERNS: Dict[int, tuple] = {}


def _body_patterns(indent: int):
    """(a statement starts at this indent, a line with code starts left of it) for class bodies."""
    found = _BODY_PATTERNS.get(indent)
    if found is None:
        found = _BODY_PATTERNS[indent] = (
            re.compile(r"\n {%d}(?=[^ \r\n#)\]}])" % indent),
            re.compile(r"\n {0,%d}(?=[^ \r\n#)\]}])" % (indent - 1)),
        )
    return found


# -- what the skeleton kept, as the tree shows it --------------------------------------------


def kept_functions(text: str, tree: ast.Module) -> Set[int]:
    """Lines of the module-level functions the skeleton keeps whole (see _interesting): only their
    `return` is recorded, so that a skeleton parse and a full parse give the same facts."""
    body = tree.body
    if not any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in body):
        return set()
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    kept = set()
    for i, node in enumerate(body):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        start = offsets[_first_line(node) - 1]
        end = offsets[min(_first_line(body[i + 1]) - 1, len(offsets) - 1)] if i + 1 < len(body) else len(text)
        if _interesting(text[start:end]):
            kept.add(node.lineno)
    return kept


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    return decorators[0].lineno if decorators else node.lineno
