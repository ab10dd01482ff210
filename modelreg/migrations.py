"""Alembic's migration history, read without running it: the revision graph and what each upgrade() builds.

Per revision file (pure, cacheable): ``revision``, ``down_revision`` (a tuple
for a merge), ``branch_labels``, ``depends_on`` and the operations of
``upgrade()`` - ``op.create_table`` (its columns and schema), ``drop_table``,
``rename_table``, ``add_column``, ``drop_column``, ``alter_column(...,
new_column_name=...)``, the same through ``with op.batch_alter_table(...) as
batch_op:``. Indexes, constraints, comments and ``bulk_insert`` change no table
or column and are skipped. Everything else (``op.execute``, a helper function,
a loop, a condition on the dialect, a table name that is not a literal) is an
*unknown* operation: it marks the tables it may touch as unknown - those named
in its SQL when it is ``op.execute`` of a literal, else every table.

Per history: the graph, its heads, and the schema at head (every revision
applied in dependency order, as ``alembic upgrade heads`` does): for each table
its columns, or unknown. A history that cannot be read for certain (a file that
does not parse, a revision id that is not a literal, a ``down_revision`` or
``depends_on`` naming no revision, one id defined twice, a cycle) is unknown as a
whole, and says why: each :class:`Problem` names the file, the line and the id
(MR013 reports them).

Operations are plain tuples (marshal-friendly, so they are cached):
    ("create_table", schema, table, columns or None, line)
    ("drop_table", schema, table, line)
    ("rename_table", schema, old, new, line)
    ("add_column", schema, table, column or None, line)
    ("drop_column", schema, table, column or None, line)
    ("rename_column", schema, table, old, new, line)
    ("unknown_table", schema, table, line)         one table unknown
    ("unknown", words or None, line)               tables named by words (None: every table) unknown
"""

from __future__ import annotations

import ast
import configparser
import os
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

Key = Tuple[Optional[str], str]  # (schema, table name)

# op.* and batch_op.* calls that change no table and no column name
_IGNORED_OPS = frozenset(
    {
        "create_index", "drop_index", "create_foreign_key", "create_unique_constraint", "create_primary_key",
        "create_check_constraint", "create_exclude_constraint", "drop_constraint", "create_table_comment",
        "drop_table_comment", "bulk_insert", "f", "get_bind", "get_context", "inline_literal",
        "implementation_for", "invoke",
    }
)
_CONSTRAINTS = frozenset(
    {"PrimaryKeyConstraint", "ForeignKeyConstraint", "UniqueConstraint", "CheckConstraint", "Index"}
)
_HEADER_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
# statements that change rows, never tables or columns (not SELECT: `SELECT ... INTO t` creates a table)
_DML = re.compile(r"\s*(UPDATE|INSERT|DELETE)\s", re.IGNORECASE)


class Unreadable(Exception):
    """A revision file whose graph facts are not literals."""


# -- one revision file ------------------------------------------------------------------------


def _unreadable(line: int, reason: str) -> tuple:
    return (None, (), (), (), (), (line, reason), ())


def read_revision(source: bytes) -> tuple:
    """(revision, down_revisions, branch_labels, depends_on, ops, error, lines) of a revision file's bytes.

    error is None or (line, reason); then the other fields are not to be trusted. lines: (name, line)
    of each header assignment (`revision`, `down_revision`, ...), for the diagnostics naming them."""
    tree = None
    if b"\r" not in source and b"coding" not in source[:200]:  # (cut by lines: plain files only)
        try:  # the same facts without parsing downgrade() and helper functions (their bodies are not read)
            tree = ast.parse(blank_bodies(source, methods=False))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
    try:
        if tree is None:
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return _unreadable(getattr(exc, "lineno", None) or 1, f"cannot parse: {exc.__class__.__name__}")
    header: Dict[str, object] = {}
    lines: Dict[str, int] = {}
    upgrade = None
    op_names = set()
    sa_names = set()
    try:
        for stmt in tree.body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                _bind_imports(stmt, op_names, sa_names)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    if isinstance(t, ast.Name) and t.id in _HEADER_NAMES and stmt.value is not None:
                        header[t.id] = _literal_ids(stmt.value, t.id)
                        lines[t.id] = stmt.lineno
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == "upgrade":
                upgrade = stmt
    except Unreadable as exc:
        return _unreadable(getattr(exc, "line", 1), str(exc))
    revision = header.get("revision")
    if not (isinstance(revision, tuple) and len(revision) == 1):
        return _unreadable(lines.get("revision", 1), "no literal `revision = '...'`")
    ops: List[tuple] = []
    if upgrade is None:
        ops.append(("unknown", None, 1))
    else:
        _Reader(op_names or {"op"}, sa_names, ops).block(upgrade.body)
    return (
        revision[0],
        header.get("down_revision", ()),
        header.get("branch_labels", ()),
        header.get("depends_on", ()),
        tuple(ops),
        None,
        tuple(sorted(lines.items())),
    )


_METHOD_HEADER = re.compile(rb"^([ \t]+)(?:async[ \t]+)?def[ \t][^\n]*:[ \t]*(?:#[^\n]*)?$")
_FUNCTION_HEADER = re.compile(rb"^()(?:async[ \t]+)?def[ \t]+(?!upgrade\b)[^\n]*:[ \t]*(?:#[^\n]*)?$")


def blank_bodies(text: bytes, methods: bool) -> bytes:
    """`text` with the body of each function whose header is one line replaced by `pass`, keeping the
    line count: methods of a class statement (`methods`), or a revision file's module-level functions
    other than upgrade() (downgrade() is often as long). Only names and decorators of those are read.
    A string opening or closing in a body leaves the text as it is; a body line less indented than
    its def (inside a bracket) makes the result fail to parse, and the caller parses the text as it is."""
    header = _METHOD_HEADER if methods else _FUNCTION_HEADER
    lines = text.split(b"\n")
    i = 0
    n = len(lines)
    while i < n:
        m = header.match(lines[i])
        if m is None:
            i += 1
            continue
        indent = len(m.group(1).expandtabs())
        j = i + 1
        first = None
        while j < n:
            body = lines[j]
            stripped = body.strip()
            if stripped and len(body) - len(body.lstrip()) <= indent and not stripped.startswith(b"#"):
                break
            if stripped and first is None:
                first = j
            if (body.count(b'"""') + body.count(b"'''")) % 2:
                return text  # a string opens or ends here: blanking could change what the rest means
            lines[j] = b""
            j += 1
        if first is not None:
            lines[first] = b" " * (indent + 4) + b"pass"
        i = j
    return b"\n".join(lines)


def _bind_imports(stmt, op_names: set, sa_names: set) -> None:
    if isinstance(stmt, ast.ImportFrom):
        mod = stmt.module or ""
        for alias in stmt.names:
            bound = alias.asname or alias.name
            if mod == "alembic" and alias.name == "op":
                op_names.add(bound)
            elif mod.split(".")[0] == "sqlalchemy":
                sa_names.add(bound)
    else:
        for alias in stmt.names:
            if alias.name.split(".")[0] == "sqlalchemy":
                sa_names.add(alias.asname or alias.name.split(".")[0])


def _literal_ids(node, name: str) -> tuple:
    """`"abc"`, `None`, `("a", "b")`, `["a"]` -> a tuple of ids; anything else is unreadable."""
    if isinstance(node, ast.Constant) and node.value is None:
        return ()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, (ast.Tuple, ast.List)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return tuple(e.value for e in node.elts)
    exc = Unreadable(f"`{name}` is not a literal")
    exc.line = node.lineno
    raise exc


def _string(node) -> Optional[str]:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _last_name(func) -> Optional[str]:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _kw(call: ast.Call, name: str):
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


_MISSING = object()


def _schema(call: ast.Call):
    """The literal `schema=` of a call: None when absent or None; _MISSING when not a literal."""
    node = _kw(call, "schema")
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return None
    s = _string(node)
    return s if s is not None else _MISSING


def column_name(node) -> Optional[str]:
    """`sa.Column("name", ...)` -> "name"; None when it is not a Column with a literal name."""
    if not (isinstance(node, ast.Call) and _last_name(node.func) == "Column"):
        return None
    if node.args:
        return _string(node.args[0])
    return _string(_kw(node, "name"))


def table_columns(args) -> Optional[Tuple[str, ...]]:
    """The column names among `Table(...)` / `op.create_table(...)` arguments; None when one cannot be read."""
    names = []
    for arg in args:
        if isinstance(arg, ast.Call) and _last_name(arg.func) in _CONSTRAINTS:
            continue
        name = column_name(arg)
        if name is None:
            return None
        names.append(name)
    return tuple(names)


class _Reader:
    """The operations of a block of upgrade()."""

    def __init__(self, op_names: set, sa_names: set, out: List[tuple]):
        self.op_names = op_names
        self.sa_names = sa_names
        self.out = out
        self.binds: set = set()  # names bound to `op.get_bind()`

    def block(self, body, batch=None) -> None:
        for stmt in body:
            self.statement(stmt, batch)

    def unknown(self, stmt, words=None) -> None:
        self.out.append(("unknown", words, stmt.lineno))

    def statement(self, stmt, batch) -> None:
        if isinstance(stmt, ast.Pass):
            return
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            return  # a docstring or a stray literal
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            return self.call(stmt.value, stmt, batch)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            is_bind = isinstance(stmt.value, ast.Call) and self._is_op(stmt.value.func, "get_bind")
            for t in targets:
                if isinstance(t, ast.Name):
                    (self.binds.add if is_bind else self.binds.discard)(t.id)
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and self._op_call(stmt.value, batch):
            return self.call(stmt.value, stmt, batch)  # `t = op.create_table(...)` (then bulk_insert(t, ...))
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and self.harmless(stmt.value):
            return  # `bind = op.get_bind()`, `t = sa.table("t", sa.column("x"))`
        if isinstance(stmt, ast.With) and len(stmt.items) == 1:
            item = stmt.items[0]
            ctx = item.context_expr
            if (
                isinstance(ctx, ast.Call)
                and self._is_op(ctx.func, "batch_alter_table")
                and isinstance(item.optional_vars, (ast.Name, type(None)))
            ):
                table = _string(ctx.args[0]) if ctx.args else _string(_kw(ctx, "table_name"))
                schema = _schema(ctx)
                if table is None or schema is _MISSING:
                    return self.unknown(stmt)
                var = item.optional_vars.id if item.optional_vars is not None else None
                return self.block(stmt.body, (var, schema, table))
        self.unknown(stmt)

    def _is_op(self, func, name: Optional[str] = None) -> bool:
        return (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in self.op_names
            and (name is None or func.attr == name)
        )

    def _op_call(self, call: ast.Call, batch) -> bool:
        f = call.func
        return self._is_op(f) or (
            batch is not None and isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == batch[0]
        )

    def harmless(self, node) -> bool:
        """An expression that runs no DDL: literals, and calls of SQLAlchemy constructors or op.get_bind()."""
        if node is None:
            return True
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                f = sub.func
                root = f
                while isinstance(root, ast.Attribute):
                    root = root.value
                if self._is_op(f) and f.attr in ("get_bind", "f", "inline_literal", "get_context"):
                    continue
                if isinstance(root, ast.Name) and root.id in self.sa_names:
                    continue
                return False
            elif isinstance(sub, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
                return False
        return True

    def call(self, call: ast.Call, stmt, batch) -> None:
        f = call.func
        if batch is not None and isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == batch[0]:
            return self.batch_call(call, stmt, batch)
        if isinstance(f, ast.Attribute) and f.attr == "execute" and self._is_bind(f.value):
            words = self.sql_words(call)  # `op.get_bind().execute(...)`: like op.execute
            return None if words == () else self.unknown(stmt, words)
        if not self._is_op(f):
            return self.unknown(stmt)
        name = f.attr
        line = stmt.lineno
        if name in _IGNORED_OPS:
            return
        if name == "execute":
            words = self.sql_words(call)
            return None if words == () else self.unknown(stmt, words)
        schema = _schema(call)
        if schema is _MISSING:
            return self.unknown(stmt)
        args = call.args
        if name == "create_table":
            table = _string(args[0]) if args else None
            if table is None:
                return self.unknown(stmt)
            self.out.append(("create_table", schema, table, table_columns(args[1:]), line))
        elif name == "drop_table":
            table = _string(args[0]) if args else _string(_kw(call, "table_name"))
            if table is None:
                return self.unknown(stmt)
            self.out.append(("drop_table", schema, table, line))
        elif name == "rename_table":
            old = _string(args[0]) if len(args) > 0 else _string(_kw(call, "old_table_name"))
            new = _string(args[1]) if len(args) > 1 else _string(_kw(call, "new_table_name"))
            if old is None or new is None:
                return self.unknown(stmt)
            self.out.append(("rename_table", schema, old, new, line))
        elif name in ("add_column", "drop_column", "alter_column"):
            table = _string(args[0]) if args else _string(_kw(call, "table_name"))
            if table is None:
                return self.unknown(stmt)
            self.column_op(name, schema, table, args[1:], call, line)
        else:
            self.unknown(stmt)

    def _is_bind(self, node) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.binds
        return isinstance(node, ast.Call) and self._is_op(node.func, "get_bind")

    def batch_call(self, call: ast.Call, stmt, batch) -> None:
        _, schema, table = batch
        name = call.func.attr
        if name in _IGNORED_OPS:
            return
        if name in ("add_column", "drop_column", "alter_column"):
            return self.column_op(name, schema, table, call.args, call, stmt.lineno)
        self.out.append(("unknown_table", schema, table, stmt.lineno))

    def column_op(self, name: str, schema, table: str, args, call: ast.Call, line: int) -> None:
        if name == "add_column":
            col = args[0] if args else _kw(call, "column")
            self.out.append(("add_column", schema, table, column_name(col), line))
            return
        col = _string(args[0]) if args else _string(_kw(call, "column_name"))
        if name == "drop_column":
            self.out.append(("drop_column", schema, table, col, line))
            return
        new = _kw(call, "new_column_name")
        if new is None or (isinstance(new, ast.Constant) and new.value is None):
            return  # a type, nullability or default change: the names stay
        new_name = _string(new)
        if col is None or new_name is None:
            self.out.append(("unknown_table", schema, table, line))
        else:
            self.out.append(("rename_column", schema, table, col, new_name, line))

    def sql_words(self, call: ast.Call) -> Optional[Tuple[str, ...]]:
        """The words of `op.execute("...")` / `op.execute(sa.text("..."))`; None when the SQL is not a literal."""
        if len(call.args) != 1:
            return None
        arg = call.args[0]
        if isinstance(arg, ast.Call) and _last_name(arg.func) == "text" and len(arg.args) == 1:
            arg = arg.args[0]
        sql = _string(arg)
        if sql is None:
            return None
        if all(_DML.match(part) for part in sql.split(";") if part.strip()):
            return ()  # rows only (UPDATE / INSERT / DELETE): no table or column changes
        return tuple(sorted({w.lower() for w in _WORD.findall(sql)}))


# -- where the histories are -----------------------------------------------------------------


def _ini_options(ini_path: str) -> Dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini_path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return {}
    if not parser.has_section("alembic"):
        return {}
    return {k: v for k, v in parser.items("alembic")}


def _split_locations(value: str, separator: Optional[str]) -> List[str]:
    seps = {"os": os.pathsep, ":": ":", "colon": ":", ";": ";", "semicolon": ";", "space": " ", "newline": "\n"}
    if separator is None:  # Alembic's legacy splitting: spaces and commas
        return [p for p in re.split(r"[,\s]+", value) if p]
    sep = seps.get(separator.strip(), separator.strip() or " ")
    return [p.strip() for p in value.split(sep) if p.strip()]


def version_dirs(script_dir: str, root: str) -> Tuple[List[str], bool]:
    """(the directories Alembic reads revision files from for this script directory, recursive?).

    `version_locations` (and `recursive_version_locations`) of the project's alembic.ini when its
    `script_location` is this directory, else `<script_dir>/versions`."""
    ini = os.path.join(root, "alembic.ini")
    opts = _ini_options(ini) if os.path.isfile(ini) else {}
    loc = opts.get("script_location")
    here = os.path.dirname(ini)
    if loc:
        loc = loc.replace("%(here)s", here).strip()
        if ":" in loc and not os.path.isabs(loc):
            pkg, _, sub = loc.partition(":")
            loc = os.path.join(here, *pkg.split("."), sub)
        loc = os.path.normpath(os.path.join(here, loc))
    recursive = opts.get("recursive_version_locations", "false").strip().lower() in ("true", "1", "yes", "on")
    if loc == os.path.normpath(script_dir) and opts.get("version_locations"):
        dirs = [
            os.path.normpath(os.path.join(here, p.replace("%(here)s", here)))
            for p in _split_locations(opts["version_locations"], opts.get("version_path_separator"))
        ]
        return dirs, recursive
    return [os.path.join(script_dir, "versions")], recursive


def revision_files(dirs: Iterable[str], recursive: bool) -> List[str]:
    """The revision files Alembic would load: `*.py` directly in each directory (or below, when recursive),
    except `__init__.py` and editor lock files."""
    out = []
    for d in dirs:
        if not os.path.isdir(d):
            continue
        for dirpath, dirnames, filenames in os.walk(d):
            dirnames[:] = sorted(n for n in dirnames if n != "__pycache__") if recursive else []
            for name in sorted(filenames):
                if name.endswith(".py") and not name.startswith((".#", "__init__")):
                    out.append(os.path.join(dirpath, name))
    return out


# -- the history ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    id: str
    path: str
    down: Tuple[str, ...]
    labels: Tuple[str, ...]
    depends: Tuple[str, ...]
    ops: Tuple[tuple, ...]


@dataclass(frozen=True)
class Gone:
    """Why a table is not there at head: the history dropped it, or renamed it away."""

    kind: str  # "drop" | "rename"
    path: str
    line: int
    new_name: Optional[str] = None


@dataclass
class Schema:
    """What the history builds at head: per table its columns (None: unknown)."""

    tables: Dict[Key, Optional[FrozenSet[str]]] = field(default_factory=dict)
    wild: bool = False  # an unknown operation may have created any table
    gone: Dict[Key, Gone] = field(default_factory=dict)
    dropped_columns: Dict[Tuple[Key, str], Tuple[str, int]] = field(default_factory=dict)
    sql_words: set = field(default_factory=set)  # words of literal SQL: tables it may have created
    _names: Optional[set] = field(default=None, repr=False, compare=False)

    def state(self, key: Key):
        """A frozenset of column names, "unknown", or "absent" (to be asked once the schema is built)."""
        if key in self.tables:
            cols = self.tables[key]
            return "unknown" if cols is None else cols
        if self._names is None:
            self._names = {k[1] for k in self.tables}
        if self.wild or key[1] in self._names or key[1].lower() in self.sql_words:
            return "unknown"  # created by an unknown operation (or SQL naming it), or the same name in another schema
        return "absent"


@dataclass(frozen=True)
class Problem:
    """Why a history cannot be read for certain, at the file and line that say so.

    kind: "unreadable" (reason in `detail`), "duplicate" (`rid` is also defined by `other`),
    "missing" (`detail` - down_revision or depends_on - names `rid`, which no file defines),
    "cycle" (`detail`: the ids of the cycle, in order, joined by " -> ")."""

    kind: str
    path: str
    line: int
    rid: str = ""
    detail: str = ""
    other: str = ""


@dataclass(frozen=True)
class History:
    script_dir: str
    revisions: Tuple[Revision, ...]  # in the order they are applied
    heads: Tuple[str, ...]
    problems: Tuple[Problem, ...] = ()  # the history cannot be read for certain: its schema is unknown

    def schema(self) -> Optional[Schema]:
        if self.problems:
            return None
        s = Schema()
        for rev in self.revisions:
            for op in rev.ops:
                _apply(s, op, rev.path)
        return s


def _apply(s: Schema, op: tuple, path: str) -> None:
    kind = op[0]
    tables = s.tables
    if kind == "create_table":
        _, schema, table, cols, line = op
        key = (schema, table)
        tables[key] = frozenset(cols) if cols is not None else None
        s.gone.pop(key, None)
    elif kind == "drop_table":
        key = (op[1], op[2])
        tables.pop(key, None)
        s.gone[key] = Gone("drop", path, op[3])
    elif kind == "rename_table":
        _, schema, old, new, line = op
        old_key, new_key = (schema, old), (schema, new)
        if old_key in tables:
            tables[new_key] = tables.pop(old_key)
        else:
            tables[new_key] = None
        s.gone[old_key] = Gone("rename", path, line, new)
        s.gone.pop(new_key, None)
    elif kind in ("add_column", "drop_column", "rename_column"):
        key = (op[1], op[2])
        cols = tables.get(key)
        if cols is None:  # unknown, or a table the history never created: unknown from here on
            tables[key] = None
            return
        if kind == "add_column":
            tables[key] = cols | {op[3]} if op[3] is not None else None
        elif kind == "drop_column":
            if op[3] is None:
                tables[key] = None
            else:
                tables[key] = cols - {op[3]}
                s.dropped_columns[(key, op[3])] = (path, op[4])
        else:
            tables[key] = (cols - {op[3]}) | {op[4]}
            s.dropped_columns[(key, op[3])] = (path, op[5])
    elif kind == "unknown_table":
        tables[(op[1], op[2])] = None
    elif kind == "unknown":
        words = op[1]
        if words is None:
            for key in tables:
                tables[key] = None
            s.wild = True
            s.gone.clear()
            return
        wordset = set(words)
        s.sql_words |= wordset
        for key in list(tables):
            if key[1].lower() in wordset:
                tables[key] = None
        for key in list(s.gone):
            if key[1].lower() in wordset:
                del s.gone[key]
                tables[key] = None  # raw SQL may have created it again


def build_history(script_dir: str, files: Dict[str, tuple]) -> History:
    """The history of one script directory from its revision files' facts (path -> read_revision()).

    Every problem is found, not only the first: a file that cannot be read, an id defined twice, then
    (when every file could be read: an unreadable one may define the id) a `down_revision` or
    `depends_on` naming no revision or branch label, and a cycle."""
    revs: Dict[str, Revision] = {}
    lines: Dict[str, Dict[str, int]] = {}
    problems: List[Problem] = []
    for path in sorted(files):
        rid, down, labels, depends, ops, error, header_lines = files[path]
        if error is not None:
            problems.append(Problem("unreadable", path, error[0], detail=error[1]))
            continue
        here = dict(header_lines)
        if rid in revs:
            problems.append(Problem("duplicate", path, here.get("revision", 1), rid, other=revs[rid].path))
            continue
        revs[rid] = Revision(rid, path, tuple(down), tuple(labels), tuple(depends), tuple(ops))
        lines[rid] = here
    if problems:
        return History(script_dir, (), (), tuple(problems))
    labels = {label: r.id for r in revs.values() for label in r.labels}
    parents: Dict[str, List[str]] = {}
    for r in revs.values():
        ps = []
        for name, ids in (("down_revision", r.down), ("depends_on", r.depends)):
            for d in ids:
                target = d if d in revs else labels.get(d) if name == "depends_on" else None
                if target is None:
                    problems.append(Problem("missing", r.path, lines[r.id].get(name, 1), d, name))
                else:
                    ps.append(target)
        parents[r.id] = ps
    if problems:
        return History(script_dir, (), (), tuple(problems))
    referenced = {d for r in revs.values() for d in r.down}
    heads = tuple(sorted(rid for rid in revs if rid not in referenced))
    order = _topological(revs, parents)
    if order is None:
        cycle = _a_cycle(revs, parents, set(revs) - set(_topological(revs, parents, partial=True)))
        first = revs[cycle[0]]
        problem = Problem("cycle", first.path, lines[first.id].get("down_revision", 1), first.id, " -> ".join(cycle))
        return History(script_dir, (), heads, (problem,))
    return History(script_dir, tuple(revs[rid] for rid in order), heads)


def _a_cycle(revs: Dict[str, Revision], parents: Dict[str, List[str]], left: set) -> List[str]:
    """One cycle among the revisions a topological order could not place, as ids, closed on its first:
    follow parents (each left revision has one left) until an id repeats."""
    rid = min(left, key=lambda r: revs[r].path)
    seen: List[str] = []
    while rid not in seen:
        seen.append(rid)
        rid = min((p for p in parents[rid] if p in left), key=lambda r: revs[r].path)
    cycle = seen[seen.index(rid):]
    start = min(range(len(cycle)), key=lambda i: revs[cycle[i]].path)
    cycle = cycle[start:] + cycle[:start]
    return cycle + [cycle[0]]


def _topological(revs: Dict[str, Revision], parents: Dict[str, List[str]], partial: bool = False) -> Optional[List[str]]:
    """The ids in the order `alembic upgrade heads` applies them; None on a cycle (`partial`: the ids
    placed before the cycle stopped the order)."""
    children: Dict[str, List[str]] = {rid: [] for rid in revs}
    pending = {rid: len(set(ps)) for rid, ps in parents.items()}
    for rid, ps in parents.items():
        for p in set(ps):
            children[p].append(rid)
    ready = sorted((rid for rid, n in pending.items() if n == 0), key=lambda r: revs[r].path, reverse=True)
    out = []
    while ready:
        rid = ready.pop()
        out.append(rid)
        for c in children[rid]:
            pending[c] -= 1
            if pending[c] == 0:
                ready.append(c)
                ready.sort(key=lambda r: revs[r].path, reverse=True)
    return out if partial or len(out) == len(revs) else None
