"""bytes -> FileFacts: what one file declares and imports.

Pure (no I/O besides the caller's bytes, no project context) so that it can be
cached by content and run in parallel. Uses the standard library's ``ast``: it is
several times faster than a concrete syntax tree, and nothing here needs to
write code back (only :mod:`modelreg.fix` does, with libcst).

Only statements are walked; expressions are converted on demand, with a depth
limit, so deeply nested code cannot exhaust the stack.
"""

from __future__ import annotations

import ast
import bisect
import io
import re
import tokenize
import warnings
from typing import Dict, List, Optional, Tuple

from .types import (
    DEAD,
    MAIN,
    MODULE,
    OTHER,
    TYPING,
    Assign,
    Call,
    ClassDef,
    DynamicImport,
    Expr,
    FileFacts,
    ImportStmt,
)

_NOQA_RE = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_MAX_DEPTH = 8

# Calls recorded as facts wherever they occur (the last attribute of the callee).
_INTERESTING_CALLS = frozenset({"create_all", "map_imperatively", "configure"})


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+", re.M)


def decode_encoding(data: bytes) -> str:
    """The encoding the interpreter reads a file with (its coding cookie, else UTF-8)."""
    return tokenize.detect_encoding(io.BytesIO(data).readline)[0]


def decode(data: bytes) -> str:
    """Decode Python source the way the interpreter does (BOM, coding cookie, UTF-8).

    Like CPython, bytes that are not UTF-8 are tolerated inside comments of a file without a coding
    cookie (an old latin-1 comment): they read as U+FFFD. Anywhere else they are an error."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        if _COOKIE.search(b"\n".join(data.split(b"\n", 2)[:2])):
            raise  # a cookie naming an unknown encoding
        encoding = "utf-8"  # the first lines are not UTF-8: see whether they are comments
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding not in ("utf-8", "utf-8-sig"):
            raise
        text = _comment_bytes_tolerated(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def _comment_bytes_tolerated(data: bytes) -> str:
    """The text of a UTF-8 file whose invalid bytes all sit in comments; else the UnicodeDecodeError."""
    text = data.decode("utf-8", "surrogateescape")
    bad = [i for i, c in enumerate(text) if "\udc80" <= c <= "\udcff"]
    safe = "".join("\ufffd" if "\udc80" <= c <= "\udcff" else c for c in text)
    comments: Dict[int, int] = {}  # line -> column where its comment starts
    try:
        for tok in tokenize.generate_tokens(io.StringIO(safe).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.start[1]
    except (tokenize.TokenError, SyntaxError):
        comments = {}
    for i in bad:
        line = text.count("\n", 0, i) + 1
        col = i - (text.rfind("\n", 0, i) + 1)
        if comments.get(line, col + 1) > col:
            data.decode("utf-8")  # raises the interpreter's error, at the first bad byte
    return safe


def index_source(data: bytes, fast: bool = True) -> FileFacts:
    """Build the facts of one file from its bytes. Never raises for bad input.

    ``fast`` parses a *skeleton* of the file (see :func:`skeleton`): function
    bodies and ordinary class-body statements are blanked out, line for line, so
    the facts are identical to those of a full parse at a fraction of the cost.
    When the skeleton cannot be built with certainty, or does not parse, the
    whole file is parsed.
    """
    try:
        text = decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return FileFacts(error=_decode_error(data, exc))
    if "\0" in text:  # Python refuses to import such a file; say where the byte is
        at = text.index("\0")
        line = text.count("\n", 0, at) + 1
        return FileFacts(error=(line, at - (text.rfind("\n", 0, at) + 1), "source contains a NUL byte"))
    if fast:
        skel = skeleton(text)
        if skel is not None:
            source, def_names = skel
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                pass  # parse the whole file below: its error (if any) is reported from there
            else:
                return _facts(text, tree, def_names)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except SyntaxError as exc:
        tree = _parse_newer_syntax(text, exc.msg or "")
        if tree is None:
            line = exc.lineno or 1
            col = (exc.offset or 1) - 1
            return FileFacts(error=(line, max(col, 0), f"syntax error: {exc.msg}"))
    except (ValueError, RecursionError, MemoryError) as exc:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, RecursionError):
            reason = "too deeply nested to parse (RecursionError)"
        return FileFacts(error=(_first_line_with(text, "\0") if "\0" in text else 1, 0, reason))
    return _facts(text, tree, ())


_LIBCST_MAX_NESTING = 100
_BRACKETS = re.compile(r"[()\[\]{}]")


def _max_nesting(text: str) -> int:
    depth = deepest = 0
    for m in _BRACKETS.finditer(text):
        depth += 1 if m.group() in "([{" else -1
        deepest = max(deepest, depth)
    return deepest


def _parse_newer_syntax(text: str, reason: str) -> Optional[ast.Module]:
    """The tree of a file that only a newer Python than this one parses (PEP 695 ``type`` aliases and
    type parameters, PEP 701 f-strings...), or None when it is a real syntax error.

    libcst's parser reads every syntax up to its release, whatever interpreter runs it; what this
    interpreter's ``ast`` cannot represent is rewritten into what it can, line for line (a ``type``
    alias becomes an assignment, type parameters go, an f-string becomes a plain string of as many
    lines), and facts never depend on what was rewritten."""
    if "nested" in reason or _max_nesting(text) > _LIBCST_MAX_NESTING:
        return None  # what the standard parser refuses for depth could crash libcst's native parser
    try:
        import libcst as cst

        module = cst.parse_module(text)
    except Exception:  # libcst's ParserSyntaxError, or anything it cannot take: a real error
        return None

    class Older(cst.CSTTransformer):
        def leave_TypeAlias(self, original, updated):
            return cst.Assign(targets=[cst.AssignTarget(updated.name)], value=cst.Name("None"))

        def leave_ClassDef(self, original, updated):
            return updated.with_changes(type_parameters=None) if updated.type_parameters else updated

        def leave_FunctionDef(self, original, updated):
            return updated.with_changes(type_parameters=None) if updated.type_parameters else updated

        def leave_FormattedString(self, original, updated):
            lines = module.code_for_node(original).count("\n")
            return cst.SimpleString('"""' + "\n" * lines + '"""' if lines else '""')

    try:
        source = module.visit(Older()).code
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except Exception:
        return None


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    return decorators[0].lineno if decorators else node.lineno


def _kept_functions(text: str, tree: ast.Module) -> set:
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


def _facts(text: str, tree: ast.Module, def_names=()) -> FileFacts:
    visitor = _Indexer(text)
    visitor.kept_functions = _kept_functions(text, tree)
    visitor.module_body = {id(n) for n in tree.body}
    try:
        visitor.visit_body(tree.body, MODULE)
    except RecursionError:
        return FileFacts(error=(1, 0, "too deeply nested to analyze (RecursionError)"))
    visitor.defined.update(def_names)
    visitor.functions.update(def_names)
    return FileFacts(
        imports=tuple(visitor.imports),
        classes=tuple(visitor.classes),
        assigns=tuple(visitor.assigns),
        calls=tuple(visitor.calls),
        dynamic_imports=tuple(visitor.dynamic),
        defined=tuple(sorted(visitor.defined)),
        all_names=visitor.all_names,
        has_getattr="__getattr__" in visitor.functions,
        called_functions=tuple(sorted(visitor.called_functions)),
        noqa=_noqa_lines(text),
        guarded=tuple(visitor.guarded),
        hidden_classes=tuple(visitor.hidden),
        returns=tuple(visitor.returns),
    )


_new = tuple.__new__  # a NamedTuple from a tuple, without its Python-level constructor (thousands per run)


# -- the skeleton: what a full parse would tell us, for a fraction of the parse ----------

_KEEP_IN_BODY = (
    "import", "create_all", "map_imperatively", "target_metadata", "declarative_base", "generate_base",
    "__tablename__", "__abstract__", "__table_args__", "__table__", "metadata",
)
_KEEP_IN_DEF = 6  # the first keys keep a whole function
_NESTED_CLASS = re.compile(r"\n[ ]+class\s")  # a class defined inside a function: kept, to be judged
# class-body statements that declare nothing on the table: methods, docstrings, `pass`, TYPE_CHECKING blocks
_HARMLESS = re.compile(r"(?:def\s|async\s|@|class\s|pass\b|\.\.\.|[rRbBuUfF]{0,2}['\"]|if\s+(?:\w+\.)*TYPE_CHECKING\s*:)")
DECLARES_MARK = "__modelreg_declares__"
_CONTINUATION = ("else", "elif", "except", "finally")
_WORD = re.compile(r"[A-Za-z_]\w*")
_DEF_RE = re.compile(r"(?:async\s+)?def\s+(\w+)")
_STRING_START = re.compile(r"[rRbBuUfF]{0,2}['\"]")


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


def _interesting(piece: str) -> bool:
    return any(k in piece for k in _KEEP_IN_BODY[:_KEEP_IN_DEF]) or _NESTED_CLASS.search(piece) is not None


# Line patterns start with the newline before the line (much faster than `^` in MULTILINE mode).
_TOP = re.compile(r"\n(?!(?:else|elif|except|finally)\b)[^ #)\]}\r\f\n]")  # a top-level statement starts
_CODE_BEFORE = re.compile(r"^\s*[^\s#]", re.M)  # a line with code
_BODY_LINE = re.compile(r"\n( *)([^ \r\n#])")  # (indent, first character) of a line with code


def skeleton(text: str):
    """(source, names of the functions blanked out), or None when unsure.

    What modelreg does not read is replaced by empty lines, so every position is
    that of the file: function definitions (unless they import or call something
    modelreg records; their names are returned), class-body statements other
    than the SQLAlchemy dunders and imports, module docstrings. A piece with an
    odd number of triple quotes means a split inside a string: give up. Syntax
    errors inside what is blanked are not seen: modelreg does not read those
    parts, and the interpreter or a linter reports them.
    """
    if "\\\n" in text or "\t" in text or "\f" in text or text.count("\r") != text.count("\r\n"):
        return None  # continuations, tabs, form feeds, lone CR line ends: take the safe path
    starts = [m.start() for m in _TOP.finditer("\n" + text)]  # ("\n" + text: offset m.start() + 1 - 1)
    if not starts:
        return None
    if starts[0] != 0 and _CODE_BEFORE.search(text, 0, starts[0]):
        return None  # the first statement is indented
    n = len(text)
    blanks: List[Tuple[int, int, str]] = []  # (start, end, replacement) of what is blanked, in order
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
    # Every blanked range must start and end between statements, not inside a string or a
    # bracket: the text before it and the range itself hold even triple quotes and balanced
    # brackets (a file that fails goes to the full parse).
    parts: List[str] = []
    pos = 0
    for a, b, replacement in blanks:
        if (a > pos and not _balanced_quotes(text[pos:a])) or not _balanced_quotes(text[a:b]):
            return None
        parts.append(text[pos:a])
        parts.append(replacement)
        pos = b
    parts.append(text[pos:])
    return "".join(parts), tuple(def_names)


def _blank_class_body(text: str, head: int, end: int):
    """[(start, end, replacement)] blanking the class-body statements modelreg does not read. None when unsure."""
    line_start = head
    while True:  # the header ends with the first line whose code ends with ":"
        nl = text.find("\n", line_start, end)
        line_end = nl if nl != -1 else end
        if text[line_start:line_end].split("#", 1)[0].rstrip().endswith(":"):
            break
        if nl == -1:
            return []  # no header end found (one-line class?): keep it all
        line_start = nl + 1
    body = line_end + 1
    if body >= end:
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
    # the statements modelreg reads (a SQLAlchemy dunder, an import...) are kept; every run of
    # statements between them is blanked as one range
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
    bounds = stmt_starts + [end]
    out = []
    previous = -1  # index of the last kept statement
    for k in sorted(kept) + [len(stmt_starts)]:
        if k > previous + 1:  # statements previous+1 .. k-1 are blanked
            a, b = bounds[previous + 1], bounds[k]
            blank = "\n" * text.count("\n", a, b)
            # whether the class declares anything (a column...) survives as one marker assignment
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
    """Whether the class-body statements first..stop-1 declare anything (see _declares_nothing).

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


def _first_line_with(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


def _decode_error(data: bytes, exc: Exception) -> Tuple[int, int, str]:
    if isinstance(exc, UnicodeDecodeError):
        line = data.count(b"\n", 0, exc.start) + 1
        return (line, 0, f"cannot decode file: {exc.reason} (byte {data[exc.start]:#04x})")
    return (1, 0, f"cannot decode file: {exc}")


def _noqa_lines(text: str):
    if "noqa" not in text and "NOQA" not in text:
        return ()
    out = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if "#" not in line:
            continue
        m = _NOQA_RE.search(line)
        if m:
            codes = m.group("codes")
            out.append((lineno, tuple(c.upper() for c in re.split(r"[,\s]+", codes) if c) if codes else None))
        file_level = _file_noqa(line)
        if file_level is not False:
            out.append((0, file_level))
    return tuple(out)


_FILE_NOQA_RE = re.compile(
    r"^\s*#\s*modelreg:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?\s*$", re.IGNORECASE
)


def _file_noqa(line: str):
    """A file-level `# modelreg: noqa` (None: every code) or `# modelreg: noqa: MR001, MR005` (the
    codes), on a line of its own, recorded at line 0; False when the line is no such directive."""
    m = _FILE_NOQA_RE.match(line)
    if m is None:
        return False
    codes = m.group("codes")
    return tuple(c.upper() for c in re.split(r"[,\s]+", codes) if c) if codes else None


def dotted(node: ast.AST) -> Optional[str]:
    """'a.b.c' for a Name / Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def to_expr(node: Optional[ast.AST], depth: int = 0) -> Expr:
    if node is None or depth > _MAX_DEPTH:
        return OTHER
    name = dotted(node)
    if name is not None:
        return ("name", name)
    if isinstance(node, ast.Attribute):
        return ("attr", to_expr(node.value, depth + 1), node.attr)
    if isinstance(node, ast.Call):
        args = tuple(to_expr(a, depth + 2) for a in node.args[:4])
        kwargs = tuple((k.arg, to_expr(k.value, depth + 2)) for k in node.keywords if k.arg)
        return ("call", to_expr(node.func, depth + 1), args, kwargs)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return ("str", node.value)
        if node.value is None or isinstance(node.value, (bool, int, float)):
            return ("const", node.value)
        return OTHER
    if isinstance(node, (ast.List, ast.Tuple)):
        return ("list", tuple(to_expr(e, depth + 1) for e in node.elts[:64]))
    if isinstance(node, ast.Subscript):
        return ("sub", to_expr(node.value, depth + 1))
    if isinstance(node, ast.Dict):  # Alembic's multidb template: target_metadata = {"engine1": ..., ...}
        return ("dict", tuple(to_expr(v, depth + 1) for v in node.values[:64]))
    return OTHER


def _declares_nothing(stmt: ast.stmt) -> bool:
    """A class-body statement that adds nothing to the table: a method, a nested class, a docstring,
    `pass`, `...`, an `if TYPE_CHECKING:` block (annotations for type checkers only)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Pass)):
        return True
    if isinstance(stmt, ast.Expr):
        v = stmt.value
        return isinstance(v, ast.JoinedStr) or (
            isinstance(v, ast.Constant) and (isinstance(v.value, (str, bytes)) or v.value is Ellipsis)
        )
    if isinstance(stmt, ast.If):
        return not stmt.orelse and _is_type_checking(stmt.test)
    return False


def _returned_literal(func) -> Optional[str]:
    """`def __tablename__(cls): return "name"` (a declared_attr): the literal."""
    body = [s for s in func.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) == 1 and isinstance(body[0], ast.Return):
        v = body[0].value
        if isinstance(v, ast.Constant) and isinstance(v.value, str):
            return v.value
    return None


def _schema_keyword(call: ast.Call) -> Optional[str]:
    for kw in call.keywords:
        if kw.arg == "schema" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
            return kw.value.value
    return None


def _schema_literal(value: Optional[ast.AST]) -> bool:
    """Whether `__table_args__` shows its schema (or its absence): a dict, or a tuple ending with a dict
    or holding no dict at all. A call or a name computes it."""
    if isinstance(value, (ast.Tuple, ast.List)):
        return not value.elts or not isinstance(value.elts[-1], (ast.Call, ast.Name, ast.Attribute)) or all(
            isinstance(e, ast.Call) for e in value.elts
        )
    return isinstance(value, ast.Dict)


def _schema_of(value: Optional[ast.AST]) -> Optional[str]:
    """The schema named by `__table_args__`: a dict, or a tuple whose last item is a dict."""
    if isinstance(value, (ast.Tuple, ast.List)) and value.elts:
        value = value.elts[-1]
    if isinstance(value, ast.Dict):
        for k, v in zip(value.keys, value.values):
            if isinstance(k, ast.Constant) and k.value == "schema" and isinstance(v, ast.Constant):
                if isinstance(v.value, str):
                    return v.value
    return None


def _is_type_checking(test: ast.AST) -> bool:
    """`if TYPE_CHECKING:` (also `typing.TYPE_CHECKING`): a block for type checkers only."""
    return _when(test, ()) == _TYPE_CHECKER_ONLY


_MODELISH_MARKERS = ("__tablename__", "__table__", "Mapped[", "mapped_column(", "Column(", "relationship(")

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _catches_import_error(node: Optional[ast.AST]) -> bool:
    """Whether an ``except`` clause catches a failed import (bare, ImportError, a tuple holding it...)."""
    if node is None:
        return True
    if isinstance(node, ast.Tuple):
        return any(_catches_import_error(e) for e in node.elts)
    name = dotted(node)
    return name is not None and name.rpartition(".")[2] in _IMPORT_ERRORS


# What an `if`/`while` test says about when its body runs (None: depends on the run).
_ALWAYS, _NEVER, _TYPE_CHECKER_ONLY, _RUNTIME_ONLY = "always", "never", "type checker only", "runtime only"
# Python 3 versions as sys.version_info compares them: a test with one answer for both is decided
_PY3_EXTREMES = ((3, 0, 0, "alpha", 0), (3, 999, 999, "final", 999))


def _when(test: ast.AST, type_checking_names) -> Optional[str]:
    """Whether a test is constant at runtime: a literal (`False`, `0`, `None`, `True`), TYPE_CHECKING
    (also under an alias: `from typing import TYPE_CHECKING as TC`), `not` of those, and comparisons of
    `sys.version_info` that every Python 3 answers alike (`sys.version_info < (3,)`, `[0] == 2`, `.major < 3`)."""
    if isinstance(test, ast.Constant):
        return _ALWAYS if test.value else _NEVER
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _when(test.operand, type_checking_names)
        flipped = {_ALWAYS: _NEVER, _NEVER: _ALWAYS, _TYPE_CHECKER_ONLY: _RUNTIME_ONLY, _RUNTIME_ONLY: _TYPE_CHECKER_ONLY}
        return flipped.get(inner)
    name = dotted(test)
    if name is not None and (name.rpartition(".")[2] == "TYPE_CHECKING" or name in type_checking_names):
        return _TYPE_CHECKER_ONLY
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        answers = {_compare_version(test, v) for v in _PY3_EXTREMES}
        if answers == {True}:
            return _ALWAYS
        if answers == {False}:
            return _NEVER
    return None


def _compare_version(test: ast.Compare, version: tuple) -> Optional[bool]:
    import operator

    ops = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne}
    op = ops.get(type(test.ops[0]))
    left, right = _version_value(test.left, version), _version_value(test.comparators[0], version)
    if op is None or left is None or right is None:
        return None
    literal = (ast.Constant, ast.Tuple)
    if isinstance(test.left, literal) == isinstance(test.comparators[0], literal):
        return None  # not one side sys.version_info and the other a literal
    try:
        return bool(op(left, right))
    except TypeError:
        return None


def _version_value(node: ast.AST, version: tuple):
    """`sys.version_info` (or `version_info`) as `version`, `[i]` and `.major`/`.minor` of it, or a literal."""
    name = dotted(node)
    if name is not None and name.rpartition(".")[2] == "version_info":
        return version
    if name is not None and name.rpartition(".")[0].rpartition(".")[2] == "version_info":
        index = {"major": 0, "minor": 1, "micro": 2}.get(name.rpartition(".")[2])
        return version[index] if index is not None else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int:
        inner = dotted(node.value)
        if inner is not None and inner.rpartition(".")[2] == "version_info" and 0 <= node.slice.value < 5:
            return version[node.slice.value]
        return None
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) and type(e.value) is int for e in node.elts):
        return tuple(e.value for e in node.elts)
    return None


def asname_of_type_checking(node: ast.ImportFrom) -> Optional[str]:
    """`from typing import TYPE_CHECKING as TC` (or typing_extensions): "TC"."""
    if node.module in ("typing", "typing_extensions"):
        for alias in node.names:
            if alias.name == "TYPE_CHECKING" and alias.asname:
                return alias.asname
    return None


def _is_main_guard(test: ast.AST) -> bool:
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        sides = [test.left, test.comparators[0]]
        names = [dotted(s) for s in sides]
        consts = [s.value for s in sides if isinstance(s, ast.Constant)]
        return "__name__" in names and "__main__" in consts
    return False


def _literal_bool(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _mentions_extend_existing(node: Optional[ast.AST]) -> bool:
    if node is None:
        return False
    for sub in ast.walk(node):
        if isinstance(sub, ast.keyword) and sub.arg == "extend_existing" and _literal_bool(sub.value):
            return True
        if isinstance(sub, ast.Dict):
            for k, v in zip(sub.keys, sub.values):
                if isinstance(k, ast.Constant) and k.value == "extend_existing" and _literal_bool(v):
                    return True
    return False


class _Indexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self._ascii = text.isascii()  # byte columns are character columns
        self._lines: Optional[List[str]] = None
        self.imports: List[ImportStmt] = []
        self.classes: List[ClassDef] = []
        self.assigns: List[Assign] = []
        self.calls: List[Call] = []
        self.dynamic: List[DynamicImport] = []
        self.defined: set = set()
        self.functions: set = set()
        self.called_functions: set = set()
        self.all_names: Optional[Tuple[str, ...]] = None
        self._covered: set = set()  # lines of import_module calls inside an understood loop
        self.guarded: List[int] = []  # lines of imports under `try:` ... `except ImportError:`
        self._guard = 0  # depth of such `try:` bodies around the statement being visited
        self.type_checking_names: set = set()  # `from typing import TYPE_CHECKING as TC`: TC
        self._walrus_in_text = ":=" in text  # (once: asked for every assignment)
        self.hidden: List[ClassDef] = []
        self.returns: List[Tuple[str, Expr]] = []
        self.kept_functions: set = set()
        self.module_body: set = set()
        self._outer = ""  # the class whose body is being visited
        # expressions only need walking when the text can contain what we look for
        self._scan_calls = (
            any(k in text for k in _INTERESTING_CALLS)
            or "import_module" in text
            or "__import__" in text
            or (("exec(" in text or "eval(" in text) and "import" in text)
        )

    @property
    def lines(self) -> List[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    # -- statements -----------------------------------------------------------

    def visit_body(self, body, scope: str, top: bool = True) -> None:
        for stmt in body:
            self.visit_stmt(stmt, scope, top)

    def visit_stmt(self, node: ast.stmt, scope: str, top: bool) -> None:
        if isinstance(node, ast.Import):
            self._import(node, scope, top)
        elif isinstance(node, ast.ImportFrom):
            self._import(node, scope, top)
        elif isinstance(node, ast.ClassDef):
            if top:
                self.defined.add(node.name)
                self._class(node, scope)
            else:
                self.hidden.append(self._class_def(node, scope if scope.startswith("def:") else "class:" + self._outer))
            # class bodies run at import time: their imports count
            outer, self._outer = self._outer, node.name
            self.visit_body(node.body, scope, top=False)
            self._outer = outer
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if top:
                self.defined.add(node.name)
                self.functions.add(node.name)
            if top and scope == MODULE and node.body and isinstance(node.body[-1], ast.Return):
                if node.body[-1].value is not None and (
                    id(node) not in self.module_body or node.lineno in self.kept_functions
                ):
                    self.returns.append((node.name, to_expr(node.body[-1].value)))
            # code in a function body runs when it is called, not on import
            fscope = scope if scope.startswith("def:") else "def:" + node.name
            self.visit_body(node.body, fscope, top=False)
        elif isinstance(node, ast.If):
            when = _when(node.test, self.type_checking_names)
            if when is not None:  # code that never runs (or only for a type checker) counts for nothing
                body, orelse = scope, scope
                if when == _NEVER:
                    body = DEAD
                elif when == _ALWAYS:
                    orelse = DEAD
                elif when == _TYPE_CHECKER_ONLY:
                    body = TYPING if scope == MODULE else scope
                else:
                    orelse = TYPING if scope == MODULE else scope
                self.visit_body(node.body, body, top)
                self.visit_body(node.orelse, orelse, top)
            elif _is_main_guard(node.test):
                self.visit_body(node.body, MAIN if scope == MODULE else scope, top)
                self.visit_body(node.orelse, scope, top)
            else:
                self._scan_expr(node.test, scope)
                self.visit_body(node.body, scope, top)
                self.visit_body(node.orelse, scope, top)
        elif isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            guard = any(_catches_import_error(h.type) for h in node.handlers)
            self._guard += guard
            try:
                self.visit_body(node.body, scope, top)
            finally:
                self._guard -= guard
            for handler in node.handlers:
                if top and handler.name:
                    self.defined.add(handler.name)
                self.visit_body(handler.body, scope, top)
            self.visit_body(node.orelse, scope, top)
            self.visit_body(node.finalbody, scope, top)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            if top:
                self._bind_targets(node.target)
            self._loop(node, scope)
            self.visit_body(node.body, scope, top)
            self.visit_body(node.orelse, scope, top)
        elif isinstance(node, ast.While):
            self.visit_body(node.body, DEAD if _when(node.test, ()) == _NEVER else scope, top)
            self.visit_body(node.orelse, scope, top)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if top and item.optional_vars is not None:
                    self._bind_targets(item.optional_vars)
                self._scan_expr(item.context_expr, scope)
            self.visit_body(node.body, scope, top)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            self._assign(node, scope, top)
        elif isinstance(node, ast.AugAssign):
            if top and isinstance(node.target, ast.Name):
                self.defined.add(node.target.id)
        elif isinstance(node, ast.Expr):
            self._expr_stmt(node, scope, top)
        elif isinstance(node, ast.Return):
            self._scan_expr(node.value, scope)
        elif hasattr(ast, "Match") and isinstance(node, ast.Match):
            for case in node.cases:
                self.visit_body(case.body, scope, top)

    def _import(self, node, scope: str, top: bool) -> None:
        if self._guard:
            self.guarded.append(node.lineno)
        is_from = type(node) is ast.ImportFrom
        aliases = node.names
        names = tuple([(a.name, a.asname) for a in aliases])
        if self._ascii and aliases and hasattr(aliases[0], "lineno"):  # byte columns are character columns
            positions = tuple([(a.lineno, a.col_offset) for a in aliases])
        else:
            positions = tuple([self._alias_pos(node, a) for a in aliases])
        if top:
            defined = self.defined
            for name, asname in names:
                if name != "*":
                    defined.add(asname or (name if is_from else name.partition(".")[0]))
        if is_from and asname_of_type_checking(node) is not None:
            self.type_checking_names.add(asname_of_type_checking(node))
        line = node.lineno
        end_line = node.end_lineno or line
        # positional, without the keyword-argument NamedTuple constructor (thousands per run)
        self.imports.append(
            _new(
                ImportStmt,
                (
                    is_from,
                    (node.module or "") if is_from else "",
                    (node.level or 0) if is_from else 0,
                    names,
                    line,
                    self._char_col(line, node.col_offset),
                    end_line,
                    self._char_col(end_line, node.end_col_offset or 0),
                    scope,
                    positions,
                ),
            )
        )

    def _alias_pos(self, node, alias) -> Tuple[int, int]:
        if hasattr(alias, "lineno"):  # Python 3.10+
            return (alias.lineno, self._char_col(alias.lineno, alias.col_offset))
        return (node.lineno, self._char_col(node.lineno, node.col_offset))

    def _char_col(self, line: int, byte_col: int) -> int:
        """ast columns are UTF-8 byte offsets; diagnostics use characters."""
        if self._ascii:
            return byte_col
        try:
            text = self.lines[line - 1]
        except IndexError:
            return byte_col
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def _class(self, node: ast.ClassDef, scope: str) -> None:
        self.classes.append(self._class_def(node, scope))

    def _class_def(self, node: ast.ClassDef, scope: str) -> ClassDef:
        abstract = False
        tablename = None
        extend = False
        declares = False
        schema = None
        schema_known = True
        metadata = None
        for stmt in node.body:
            if not _declares_nothing(stmt):
                declares = True
            targets = []
            value = None
            if isinstance(stmt, ast.Assign):
                targets = [t for t in stmt.targets if isinstance(t, ast.Name)]
                value = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                targets = [stmt.target]
                value = stmt.value
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == "__tablename__":
                tablename = _returned_literal(stmt) or tablename  # a declared_attr returning a literal
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == "__table_args__":
                schema_known = False  # computed (indico's `auto_table_args(cls, schema=...)`)
            for t in targets:
                if t.id == "__abstract__":
                    abstract = _literal_bool(value)
                elif t.id == "__tablename__":
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        tablename = value.value
                elif t.id == "__table_args__":
                    extend = _mentions_extend_existing(value)
                    schema = _schema_of(value) or schema
                    schema_known = _schema_literal(value)
                elif t.id == "__table__":
                    # `__table__ = Table("name", metadata, ..., schema="s")`
                    if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Constant):
                        if isinstance(value.args[0].value, str):
                            tablename = value.args[0].value
                            schema = _schema_keyword(value) or schema
                elif t.id == "metadata" and value is not None:
                    metadata = to_expr(value)
        line = node.lineno
        col = self._name_col(line, node.col_offset, node.name)
        return ClassDef(
            node.name,
            line,
            col,
            tuple(to_expr(b) for b in node.bases),
            tuple((k.arg, to_expr(k.value)) for k in node.keywords if k.arg),
            tuple(to_expr(d) for d in node.decorator_list),
            abstract,
            tablename,
            extend,
            scope,
            declares,
            schema,
            metadata,
            schema_known,
            tablename is not None or self._modelish_body(line, node.col_offset),
        )

    def _modelish_body(self, line: int, indent: int) -> bool:
        """Whether the class body starting below `line` spells what mapped classes spell. Read from the
        text: the fast path blanks class bodies out of the tree."""
        lines = self.lines
        for i in range(line, len(lines)):
            text = lines[i]
            stripped = text.lstrip()
            if stripped and stripped[0] not in "#)]}" and len(text) - len(stripped) <= indent:
                return False  # the next statement at the class's own level: the body is over
            if any(marker in text for marker in _MODELISH_MARKERS):
                return True
        return False

    def _name_col(self, line: int, byte_col: int, name: str) -> int:
        """Column of the class name: the first occurrence after the `class` keyword."""
        col = self._char_col(line, byte_col)
        try:
            text = self.lines[line - 1]
        except IndexError:
            return col
        found = text.find(name, col + 5)
        return found if found >= 0 else col

    def _bind_targets(self, target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.defined.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._bind_targets(elt)
        elif isinstance(target, ast.Starred):
            self._bind_targets(target.value)

    def _assign(self, node, scope: str, top: bool) -> None:
        if isinstance(node, ast.Assign):
            raw_targets = node.targets
        else:
            raw_targets = [node.target]
        value = node.value
        if top:
            for t in raw_targets:
                self._bind_targets(t)
            names = tuple(t.id for t in raw_targets if isinstance(t, ast.Name))
            if names and value is not None:
                self.assigns.append(Assign(names, to_expr(value), node.lineno, node.col_offset, scope))
            for t in raw_targets:  # `Base, meta = declarative_base(), MetaData()`: one binding per item
                if isinstance(t, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)):
                    if len(t.elts) == len(value.elts):
                        for te, ve in zip(t.elts, value.elts):
                            if isinstance(te, ast.Name):
                                self.assigns.append(Assign((te.id,), to_expr(ve), node.lineno, node.col_offset, scope))
                if "__all__" in names and isinstance(value, (ast.List, ast.Tuple)):
                    items = [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                    if len(items) == len(value.elts):
                        self.all_names = tuple(items)
            self._walrus(value, scope)
            if isinstance(value, ast.Call) and scope == MODULE and isinstance(value.func, ast.Name):
                self.called_functions.add(value.func.id)  # `target_metadata = get_metadata()` runs it
        self._scan_expr(value, scope)

    def _walrus(self, value, scope: str) -> None:
        """`(Base := declarative_base())` at module level binds Base."""
        if value is None or not self._walrus_in_text:
            return
        for sub in ast.walk(value):
            if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                self.defined.add(sub.target.id)
                self.assigns.append(Assign((sub.target.id,), to_expr(sub.value), sub.lineno, sub.col_offset, scope))

    def _expr_stmt(self, node: ast.Expr, scope: str, top: bool) -> None:
        value = node.value
        if top:
            self._walrus(value, scope)
        if isinstance(value, ast.Call) and scope == MODULE and isinstance(value.func, ast.Name):
            self.called_functions.add(value.func.id)
        self._scan_expr(value, scope)

    # -- expressions of interest ------------------------------------------------

    def _scan_expr(self, node: Optional[ast.AST], scope: str) -> None:
        """Find create_all / map_imperatively / dynamic imports inside an expression."""
        if node is None or not self._scan_calls:
            return
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                self._call(sub, scope)

    def _call(self, call: ast.Call, scope: str) -> None:
        func = call.func
        last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if last in _INTERESTING_CALLS:
            kwargs = ()
            if last == "configure":  # only Alembic's context.configure(target_metadata=...) matters
                kwargs = tuple((k.arg, to_expr(k.value)) for k in call.keywords if k.arg == "target_metadata")
                if not kwargs:
                    return
            self.calls.append(
                Call(to_expr(func), tuple(to_expr(a) for a in call.args[:4]), call.lineno, call.col_offset, scope, kwargs)
            )
        elif last in ("exec", "eval") and isinstance(func, ast.Name) and call.args:
            # `exec("import app.models")`: imports made by code in a string - unknown to a static reader
            arg = call.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "import" in arg.value:
                self.dynamic.append(DynamicImport("unknown", ("str", arg.value), False, call.lineno, call.col_offset, scope))
        elif last == "import_module" or last == "__import__":
            arg = call.args[0] if call.args else None
            if last == "__import__" and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                self.dynamic.append(DynamicImport("literal", ("str", arg.value), False, call.lineno, call.col_offset, scope))
                return
            if last == "import_module" and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                package = None
                if len(call.args) > 1:
                    package = to_expr(call.args[1])
                for kw in call.keywords:
                    if kw.arg == "package":
                        package = to_expr(kw.value)
                if not arg.value.startswith(".") or package in (("name", "__name__"), ("name", "__package__")):
                    self.dynamic.append(DynamicImport("literal", ("str", arg.value), False, call.lineno, call.col_offset, scope))
                    return
            if call.lineno not in self._covered:
                self.dynamic.append(DynamicImport("unknown", to_expr(arg), False, call.lineno, call.col_offset, scope))

    def _literal_loop(self, node, scope: str) -> None:
        """``for name in ["app.a", "app.b"]: importlib.import_module(name)`` (or f"app.{name}.models"):
        one literal import per item."""
        items = node.iter.elts
        if not isinstance(node.target, ast.Name) or not items:
            return
        if not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in items):
            return
        for stmt in node.body:
            for sub in ast.walk(stmt):
                if not isinstance(sub, ast.Call) or not sub.args or sub.keywords:
                    continue
                if (dotted(sub.func) or "").rpartition(".")[2] not in ("import_module", "__import__"):
                    continue
                around = _loop_name(sub.args[0], node.target.id)
                if around is None:
                    continue
                for e in items:
                    name = around[0] + e.value + around[1]
                    self.dynamic.append(DynamicImport("literal", ("str", name), False, sub.lineno, sub.col_offset, scope))
                self._covered.add(sub.lineno)

    def _loop(self, node, scope: str) -> None:
        """``for ... in pkgutil.iter_modules(pkg.__path__): importlib.import_module(...)``."""
        it = node.iter
        if isinstance(it, (ast.List, ast.Tuple)):
            self._literal_loop(node, scope)
            return
        if not isinstance(it, ast.Call):
            return
        fname = dotted(it.func) or ""
        last = fname.rpartition(".")[2]
        if last not in ("iter_modules", "walk_packages"):
            return
        if not any(
            isinstance(sub, ast.Call)
            and (dotted(sub.func) or "").rpartition(".")[2] in ("import_module", "__import__")
            for stmt in node.body
            for sub in ast.walk(stmt)
        ):
            return
        target: Expr = OTHER
        if it.args:
            arg = it.args[0]
            if isinstance(arg, (ast.List, ast.Tuple)) and len(arg.elts) == 1:
                arg = arg.elts[0]
            name = dotted(arg)
            if name == "__path__":
                target = ("name", "__path__")
            elif name and name.endswith(".__path__"):
                target = ("name", name[: -len(".__path__")])
            elif any(isinstance(s, ast.Name) and s.id == "__file__" for s in ast.walk(arg)):
                target = ("name", "__path__")  # the directory of this very module
        self.dynamic.append(
            DynamicImport(
                "package", target, last == "walk_packages", node.lineno, node.col_offset, scope, _loop_suffix(node)
            )
        )
        # the import_module calls inside the loop are what this fact describes
        self._covered |= {sub.lineno for stmt in node.body for sub in ast.walk(stmt) if isinstance(sub, ast.Call)}


def _loop_name(arg, var: str) -> Optional[Tuple[str, str]]:
    """(prefix, suffix) when `arg` is the loop variable, or an f-string around it: f"app.{name}.models"."""
    if isinstance(arg, ast.Name) and arg.id == var:
        return "", ""
    if not isinstance(arg, ast.JoinedStr):
        return None
    parts = arg.values
    at = [i for i, p in enumerate(parts) if isinstance(p, ast.FormattedValue)]
    if len(at) != 1:
        return None
    fv = parts[at[0]]
    if not (isinstance(fv.value, ast.Name) and fv.value.id == var and fv.conversion == -1 and fv.format_spec is None):
        return None
    if not all(isinstance(p, ast.Constant) and isinstance(p.value, str) for i, p in enumerate(parts) if i != at[0]):
        return None
    return "".join(p.value for p in parts[: at[0]]), "".join(p.value for p in parts[at[0] + 1:])


def _loop_suffix(node) -> str:
    """`import_module(f"plugins.{name}.models")` in the loop body: ".models" (what follows the loop's name)."""
    for stmt in node.body:
        for sub in ast.walk(stmt):
            if not (isinstance(sub, ast.Call) and (dotted(sub.func) or "").rpartition(".")[2] == "import_module"):
                continue
            arg = sub.args[0] if sub.args else None
            if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[-1], ast.Constant):
                tail = arg.values[-1].value
                if isinstance(tail, str) and tail.startswith(".") and isinstance(arg.values[-2], ast.FormattedValue):
                    return tail
            if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add) and isinstance(arg.right, ast.Constant):
                tail = arg.right.value
                if isinstance(tail, str) and tail.startswith("."):
                    return tail
    return ""


# -- the textual prefilter ---------------------------------------------------------------
#
# A file that no registry imports matters only if it can define a model. Every
# model-ish object starts from a SQLAlchemy-family construct (a *trigger* word),
# and every class, alias or import that derives from one spells the name of
# another model-ish binding (a *token*). So a file whose triggers are absent and
# whose tokens meet no known model-ish name cannot define a model, and is not
# parsed. The resolver grows the set of names until nothing new is found.

_TRIGGERS = (b"sqlalchemy", b"sqlmodel", b"create_all", b"__tablename__")
# every byte that cannot be part of an identifier becomes a space: words = identifiers (and numbers)
_WORD_TABLE = bytes(c if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c == 95 or c >= 128) else 32 for c in range(256))

# Library names a model-ish value can be spelled with when a project module re-exports them
# (`from app.compat import SQLModel`): part of the prefilter's vocabulary from the start.
LIBRARY_NAMES = frozenset(
    {
        "SQLModel", "DeclarativeBase", "DeclarativeBaseNoMeta", "declarative_base", "as_declarative",
        "registry", "MetaData", "Table", "SQLAlchemy", "mapped_as_dataclass", "map_imperatively", "generate_base",
    }
)


LIBRARY_WORDS = frozenset(n.encode() for n in LIBRARY_NAMES)


def scan(data: bytes, triggers: Tuple[bytes, ...] = ()) -> Tuple[bool, bytes]:
    """(has a trigger word, every word of the file as one space-separated bytes string).

    Triggers: the SQLAlchemy-family package names (every base, registry, MetaData
    or Table starts from an import of one), ``create_all`` (MR003), configured
    base names, and the library names every run's model-ish names start from
    (LIBRARY_NAMES, as whole words). Words: every identifier in the file - the
    prefilter asks whether one of them is a model-ish name, so nothing spelled
    anywhere can escape it.
    """
    if not data.isascii():
        data = _as_identifiers(data)
    if (
        b"sqlalchemy" in data or b"sqlmodel" in data or b"create_all" in data or b"__tablename__" in data
    ):  # _TRIGGERS, spelled out: hot
        return True, b""
    for t in triggers:
        if t in data:
            return True, b""
    words = set(data.translate(_WORD_TABLE).split())
    if not LIBRARY_WORDS.isdisjoint(words):
        return True, b""  # a candidate under any names (they start with these): parsed up front too
    return False, b" ".join(words)


def _as_identifiers(data: bytes) -> bytes:
    """Non-ASCII source as the interpreter reads its identifiers: decoded by its coding cookie (a
    latin-1 `Café` is the UTF-8 `Café` of the names), NFKC-normalized (`𝐁ase` is `Base`), in UTF-8.
    Undecodable bytes stay as they are (the file is MR100 anyway)."""
    import unicodedata

    try:
        text = decode(data)
    except (SyntaxError, UnicodeError, LookupError):
        return data
    return unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass")


# -- facts as plain data (for the cache and for worker processes) -------------------------


def facts_to_data(f: FileFacts) -> tuple:
    return (
        tuple(map(tuple, f.imports)),
        tuple(map(tuple, f.classes)),
        tuple(map(tuple, f.assigns)),
        tuple(map(tuple, f.calls)),
        tuple(map(tuple, f.dynamic_imports)),
        f.defined,
        f.all_names,
        f.has_getattr,
        f.called_functions,
        f.noqa,
        f.error,
        f.guarded,
        tuple(map(tuple, f.hidden_classes)),
        f.returns,
    )


def facts_from_data(d: tuple) -> FileFacts:
    imports, classes, assigns, calls, dynamic, defined, all_names, has_getattr, called, noqa, error, guarded, hidden, returns = d
    for rows, cls in (
        (imports, ImportStmt), (classes, ClassDef), (assigns, Assign), (calls, Call), (dynamic, DynamicImport),
        (hidden, ClassDef),
    ):
        for row in rows:
            if type(row) is not tuple or len(row) != len(cls._fields):
                raise ValueError("not the facts modelreg writes")
    return FileFacts(
        imports=tuple([_new(ImportStmt, r) for r in imports]),
        classes=tuple([_new(ClassDef, r) for r in classes]),
        assigns=tuple([_new(Assign, r) for r in assigns]),
        calls=tuple([_new(Call, r) for r in calls]),
        dynamic_imports=tuple([_new(DynamicImport, r) for r in dynamic]),
        defined=defined,
        all_names=all_names,
        has_getattr=has_getattr,
        called_functions=called,
        noqa=noqa,
        error=error,
        guarded=guarded,
        hidden_classes=tuple([_new(ClassDef, r) for r in hidden]),
        returns=returns,
    )
