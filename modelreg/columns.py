"""Each model's table and columns, statically: what autogenerate would see in ``Base.metadata``.

The index blanks class bodies (its skeleton keeps only what registration needs),
so this module parses a model file on its own, once per file (the result is
plain data, cached like other facts), and resolves the classes' bases through
the project's resolver.

Per class body it reads ``x = Column(...)`` / ``mapped_column(...)`` (a string
first argument or ``name=`` is the column's name, else the attribute's), a
``Mapped[...]`` annotation without a value, ``deferred(Column(...))`` and
``column_property(Column(...))``, Flask-SQLAlchemy's ``db.Column``,
``__tablename__``, ``__table__ = Table(...)``, the ``schema`` of
``__table_args__``, and SQLModel fields (annotations, ``Field(...)`` with its
``sa_column``; ``Relationship`` and ``ClassVar`` excluded). Columns come from the
class, its mixins and abstract bases (the first class in the MRO defining a name
wins, as in Python; names a mapped parent provides stay on the parent's table);
a subclass without a table of its own (single-table inheritance) adds its
columns to its parent's table, one with a table (joined inheritance) has its own.

Anything else is *unknown*: a ``declared_attr`` function, a value computed by a
call modelreg does not know, a base class from another library, a
``__tablename__`` that is not a literal. A model whose table name is unknown is
left out; one whose columns are unknown has its table checked, not its columns.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .index import to_expr
from .migrations import _kw, _last_name, _string, blank_bodies, column_name, table_columns

_COLUMN_CALLS = frozenset({"Column", "mapped_column"})
_WRAPPING_CALLS = frozenset({"deferred", "column_property"})
_NOT_COLUMNS = frozenset(
    {
        "relationship", "Relationship", "backref", "association_proxy", "synonym", "query_expression",
        "hybrid_property", "hybrid_method", "dynamic_loader", "ConfigDict", "PrivateAttr",
    }
)
_NO_COLUMNS_EXT = ("sqlalchemy.", "typing.", "typing_extensions.", "flask_login.", "abc.", "sqlmodel.")

UNKNOWN = "?"

# an entry of a class body, as read: (attr, line, col, kind, column name, primary key, annotated, Mapped[...],
# ClassVar), kind: "column" | "field" | "relationship" | "literal" | "ann" | "none" | "unknown"; stored as
# (attr, line, col, entry_column(declarative), entry_column(SQLModel))


_TOP_LEVEL = re.compile(rb"^(class\s|[A-Za-z_][A-Za-z0-9_.]*\s*(:[^=]*)?=\s*[A-Za-z_][A-Za-z0-9_.]*Table\()", re.M)


def read_classes(source: bytes) -> Optional[tuple]:
    """The module-level classes and Core tables of a file: ((name, line, tablename, table, schema, entries),
    ...), ((line, table, columns, schema), ...)); None when the file does not parse.

    Only the top-level statements that may hold them are parsed (a class statement or a `Table(...)`
    assignment up to the next line at column 0): the rest of a model file (functions, imports) is
    not read. A piece that does not parse alone (it ends inside a string or a bracket) falls back
    to parsing the whole file."""
    statements = _pieces(source)
    if statements is None:
        try:
            statements = ast.parse(source).body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    classes = []
    tables = []
    top = {id(stmt) for stmt in statements}
    for stmt in _top_level(statements):
        if isinstance(stmt, ast.ClassDef):
            classes.append(_class(stmt) + (tuple(to_expr(b) for b in stmt.bases), id(stmt) not in top))
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Call):
            if _last_name(stmt.value.func) == "Table":
                tables.append((stmt.lineno,) + _table_call(stmt.value))
    return tuple(classes), tuple(tables)


def _pieces(source: bytes) -> Optional[list]:
    """The top-level statements starting with `class` or assigning a `...Table(` call, parsed alone; None
    when one of them does not parse alone, or the file holds something the cut cannot see (a BOM, a
    coding cookie, a class statement indented under `if`)."""
    if source.startswith(b"\xef\xbb\xbf") or b"coding" in source[:200] or b"\r" in source:
        return None
    starts = [m.start() for m in _TOP_LEVEL.finditer(source)]
    if re.search(rb"^[ \t]+class\s", source, re.M) and re.search(rb"^(if|try|with|for|while|async|match)\b", source, re.M):
        return None  # a class under a module-level block: parse the file
    out = []
    for start in starts:
        line = source.count(b"\n", 0, start) + 1
        end = _block_end(source, start)
        text = source[start:end]
        try:  # blank lines in front keep the line numbers (cheaper than moving every node)
            piece = ast.parse(b"\n" * (line - 1) + blank_bodies(text, methods=True))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            try:
                piece = ast.parse(b"\n" * (line - 1) + text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
        if len(piece.body) != 1:
            return None
        out.extend(piece.body)
    return out


_NEXT_TOP = re.compile(rb"\n(?=[^\s#])")


def _block_end(source: bytes, start: int) -> int:
    """The offset of the next line after `start` that begins at column 0 with code (not a comment or
    blank line) - or the end. Decorators of the next statement end the block too."""
    nl = source.find(b"\n", start)
    m = _NEXT_TOP.search(source, nl) if nl >= 0 else None
    return m.start() + 1 if m else len(source)


def _top_level(statements) -> list:
    """Module-level statements, including those under a module-level if/try/with (the index's scope)."""
    out = []
    for stmt in statements:
        out.append(stmt)
        if isinstance(stmt, (ast.If, ast.Try, ast.With)):
            for body in ("body", "orelse", "finalbody"):
                out.extend(_top_level(getattr(stmt, body, []) or []))
            for h in getattr(stmt, "handlers", []) or []:
                out.extend(_top_level(h.body))
    return out


def _table_call(call: ast.Call) -> tuple:
    """(name or None, columns or None, schema or UNKNOWN) of `Table("name", metadata, Column(...), ...)`."""
    name = _string(call.args[0]) if call.args else None
    rest = call.args[1:]
    if rest and not isinstance(rest[0], ast.Call):
        rest = rest[1:]  # the metadata (Flask-SQLAlchemy's `db.Table("name", *columns)` has none)
    cols = table_columns(rest)
    node = _kw(call, "schema")
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        schema = None
    else:
        schema = _string(node) or UNKNOWN
    return name, cols, schema


def _args_schema(node) -> Optional[str]:
    """The schema `__table_args__` sets: None (none), a name, or UNKNOWN."""
    if isinstance(node, ast.Tuple) and node.elts:
        last = node.elts[-1]
        return _args_schema(last) if isinstance(last, ast.Dict) else None
    if isinstance(node, ast.Dict):
        for k, v in zip(node.keys, node.values):
            if k is None:
                return UNKNOWN  # **spread
            if _string(k) == "schema":
                if isinstance(v, ast.Constant) and v.value is None:
                    return None
                return _string(v) or UNKNOWN
        return None
    return UNKNOWN


def _is_declared_attr(dec) -> bool:
    while isinstance(dec, ast.Call):
        dec = dec.func
    if isinstance(dec, ast.Attribute) and dec.attr in ("directive", "cascading"):
        dec = dec.value
    return _last_name(dec) == "declared_attr"


def _annotation(node) -> Tuple[bool, bool]:
    """(Mapped[...], ClassVar[...]) of an annotation (also as a string)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value.strip()
        head = text.split("[", 1)[0].rpartition(".")[2]
        return head == "Mapped", head == "ClassVar"
    head = node.value if isinstance(node, ast.Subscript) else node
    name = _last_name(head)
    return name == "Mapped", name == "ClassVar"


def _value_kind(node, attr: str) -> Tuple[str, Optional[str], Optional[bool]]:
    """(kind, column name, primary key) of a class-body value."""
    if isinstance(node, ast.Call):
        callee = _last_name(node.func)
        if callee in _COLUMN_CALLS:
            first = _string(node.args[0]) if node.args else None
            name = first or _string(_kw(node, "name"))
            if _kw(node, "name") is not None and name is None:
                return "unknown", None, None
            return "column", name or attr, _primary(node)
        if callee in _WRAPPING_CALLS:
            inner = node.args[0] if node.args else None
            if isinstance(inner, ast.Call) and _last_name(inner.func) in _COLUMN_CALLS:
                return _value_kind(inner, attr)
            return ("relationship", None, False) if callee == "column_property" and inner is not None else (
                "unknown", None, None
            )
        if callee in _NOT_COLUMNS:
            return "relationship", None, False
        if callee == "Field":
            return _field(node, attr)
        return "unknown", None, None
    if isinstance(node, ast.Constant) or (
        isinstance(node, (ast.Tuple, ast.List, ast.Dict, ast.Set))
        and all(isinstance(n, ast.Constant) for n in ast.walk(node) if isinstance(n, ast.expr) and n is not node)
    ):
        return "literal", None, False
    return "unknown", None, None


def _primary(call: ast.Call) -> Optional[bool]:
    node = _kw(call, "primary_key")
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    return None


def _field(call: ast.Call, attr: str) -> Tuple[str, Optional[str], Optional[bool]]:
    """SQLModel's `Field(...)`: the column is the attribute, or `sa_column`'s, or `sa_column_kwargs`' name."""
    if _kw(call, "alias") is not None:
        return "unknown", None, None
    sa_column = _kw(call, "sa_column")
    if sa_column is not None:
        name = column_name(sa_column)
        if name is None and isinstance(sa_column, ast.Call) and _last_name(sa_column.func) == "Column":
            if not (sa_column.args and isinstance(sa_column.args[0], ast.Constant)) and _kw(sa_column, "name") is None:
                name = attr  # `Column(String, ...)`: named after the field
        if name is None:
            return "unknown", None, None
        return "field", name, _primary(sa_column)
    kwargs = _kw(call, "sa_column_kwargs")
    if kwargs is not None:
        if not isinstance(kwargs, ast.Dict) or any(k is None for k in kwargs.keys):
            return "unknown", None, None
        for k, v in zip(kwargs.keys, kwargs.values):
            if _string(k) == "name":
                return ("field", _string(v), _primary(call)) if _string(v) else ("unknown", None, None)
    return "field", attr, _primary(call)


def _class(node: ast.ClassDef) -> tuple:
    tablename = None
    table = None
    schema = None
    entries = []
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            declared = any(_is_declared_attr(d) for d in stmt.decorator_list)
            if stmt.name == "__tablename__":
                tablename = UNKNOWN
            elif stmt.name == "__table_args__":
                schema = UNKNOWN
            elif not stmt.name.startswith("__"):
                kind = "unknown" if declared else "none"
                entries.append((stmt.name, stmt.lineno, stmt.col_offset, kind, None, False, False, False, False))
            continue
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                entries.append(("", stmt.lineno, stmt.col_offset, "unknown", None, None, False, False, False))
                continue
            target, value, ann = stmt.targets[0], stmt.value, None
        elif isinstance(stmt, ast.AnnAssign):
            if not isinstance(stmt.target, ast.Name):
                continue
            target, value, ann = stmt.target, stmt.value, stmt.annotation
        elif isinstance(stmt, (ast.Pass, ast.ClassDef)) or (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        ):
            continue
        else:  # a loop, a condition, an import in the class body: anything may come out of it
            entries.append(("", stmt.lineno, stmt.col_offset, "unknown", None, None, False, False, False))
            continue
        attr = target.id
        if attr == "__tablename__":
            tablename = _string(value) or UNKNOWN
            continue
        if attr == "__table__":
            table = _table_call(value) if isinstance(value, ast.Call) and _last_name(value.func) == "Table" else UNKNOWN
            continue
        if attr == "__table_args__":
            schema = _args_schema(value) or ""  # "": table args without a schema
            continue
        if attr.startswith("__") and attr.endswith("__"):
            continue
        mapped, classvar = _annotation(ann) if ann is not None else (False, False)
        if value is None:
            kind, name, pk = "ann", attr, False
        else:
            kind, name, pk = _value_kind(value, attr)
        entries.append((attr, target.lineno, target.col_offset, kind, name, pk, ann is not None, mapped, classvar))
    # each entry as stored: (attr, line, col, its column in a declarative class, in a SQLModel class)
    entries = [(e[0], e[1], e[2], entry_column(e, False), entry_column(e, True)) for e in entries]
    return (node.name, node.lineno, tablename, table, schema, tuple(entries))


# -- interpreting one entry --------------------------------------------------------------------


def entry_column(entry: tuple, sqlmodel: bool):
    """The column an entry maps to: (name, primary key), None (no column), or UNKNOWN."""
    attr, _, _, kind, name, pk, annotated, mapped, classvar = entry
    if classvar or kind == "none" or kind == "relationship":
        return None
    if kind == "unknown":
        return UNKNOWN
    if sqlmodel:
        if not annotated or attr.startswith("_"):
            return None if kind in ("literal", "ann") else UNKNOWN
        return (name, pk) if kind in ("column", "field") else (attr, False)
    if kind == "column":
        return name, pk
    if kind == "ann":
        return (attr, False) if mapped else None
    if kind == "literal":
        return None
    return UNKNOWN  # Field() outside SQLModel


# -- Flask-SQLAlchemy's automatic table names ----------------------------------------------------


def flask_tablename(name: str) -> Optional[str]:
    """The name Flask-SQLAlchemy gives a model without `__tablename__`, when its versions 2 and 3 agree."""
    v3 = re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower().lstrip("_")

    def join(m):
        word = m.group()
        return f"_{word[:-1]}_{word[-1]}".lower() if len(word) > 1 else "_" + word.lower()

    v2 = re.sub(r"([A-Z]+)(?=[a-z0-9])", join, name).lstrip("_")
    return v3 if v3 == v2 else None


@dataclass(frozen=True)
class ColumnAt:
    name: str
    path: str
    line: int
    col: int  # 0-based
    length: int


@dataclass(frozen=True)
class TableOf:
    """A table the models of a base put in its metadata, with the model that defines it."""

    schema: Optional[str]
    name: str
    model: object  # ModelInfo of the class (or Core table) that defines it
    columns: Optional[Tuple[ColumnAt, ...]]  # None: unknown


# -- resolving classes across modules --------------------------------------------------------------

_RESERVED = frozenset({"metadata", "registry", "type_annotation_map", "model_config"})
_SQLMODEL_BASE = "ext:sqlmodel.SQLModel"
_FLASK_HOW = "Flask-SQLAlchemy db.Model"


class ModelTables:
    """The tables (and their columns) the models of a project put in their bases' metadata.

    ``classes_of(path)`` gives :func:`read_classes` of a file (None: it does not parse)."""

    def __init__(self, project, classes_of):
        self.project = project
        self.classes_of = classes_of
        self._mro: Dict[tuple, object] = {}

    # classes are nodes ("class", Module, name); library bases are ("term",) (no columns)
    def _facts(self, node) -> Optional[tuple]:
        """The class's facts: the last module-level class of that name (what the name is bound to).
        Read from this module's own parse, not the index's facts: a run that took over the last
        run's results has not decoded those, and decoding two thousand of them costs more than the rest."""
        _, module, name = node
        found = self.classes_of(module.path)
        if found is None:
            return None
        best = None
        for cls in found[0]:
            if cls[0] == name and (best is None or not cls[7] or best[7]):
                best = cls
        return best

    def _parents(self, node) -> Optional[list]:
        project = self.project
        _, module, name = node
        facts = self._facts(node)
        if facts is None:
            return None
        out = []
        for expr in facts[6]:
            if expr == ("name", "object"):
                continue
            v = project.eval_expr(module, expr)
            if v is None:
                return None
            if v[0] == "class":
                out.append(("class", v[1], v[2]))
            elif v[0] == "base":
                info = project.bases.get(v[1])
                if info is None:
                    return None
                if info.how in (_FLASK_HOW, "registry().generate_base()") or v[1] == _SQLMODEL_BASE:
                    out.append(("term",))
                elif info.how == "declarative_base()" and self._plain_declarative_base(info):
                    out.append(("term",))
                else:
                    return None
            elif v[0] == "ext" and (v[1].startswith(_NO_COLUMNS_EXT) or v[1] == "builtins.object"):
                out.append(("term",))
            else:
                return None
        return out

    def _plain_declarative_base(self, info) -> bool:
        """`Base = declarative_base()` without `cls=` (which would give every model that class's columns)."""
        if info.module is None:
            return False
        name = info.name.rpartition(".")[2]
        for a in self.project.facts(info.module).assigns:
            if name in a.targets and a.value[0] == "call":
                return not any(k == "cls" for k, _ in a.value[3])
        return False

    def mro(self, node) -> Optional[list]:
        """The class nodes of a class's MRO (C3), itself first; None when a base is unknown."""
        key = (node[1].path, node[2])
        if key in self._mro:
            return self._mro[key]
        self._mro[key] = None  # cycle guard
        parents = self._parents(node)
        result = None
        if parents is not None:
            seqs = []
            ok = True
            for p in parents:
                if p[0] == "term":
                    continue
                m = self.mro(p)
                if m is None:
                    ok = False
                    break
                seqs.append(list(m))
            if ok:
                classes = [p for p in parents if p[0] == "class"]
                # one class parent (the common case): its MRO follows the class, as C3 would give
                result = [node] + seqs[0] if len(classes) == 1 else _c3(node, seqs + [classes])
        self._mro[key] = result
        return result

    def mapped(self, node) -> bool:
        return self.project.classify(node[1], node[2]).kind == "model"

    def contributed(self, node, sqlmodel: bool):
        """The columns a class puts in its table: [(name, pk, ColumnAt)], or None when unknown."""
        mro = self.mro(node)
        if mro is None:
            return None
        provided = set()  # classes whose attributes a mapped ancestor provides
        for k in mro[1:]:
            if self.mapped(k):
                provided.update(_node_key(n) for n in (self.mro(k) or [k]))
        seen = set()
        out = []
        for k in mro:
            facts = self._facts(k)
            if facts is None:
                return None
            own = _node_key(k) not in provided
            for entry in facts[5]:
                attr = entry[0]
                if attr == "":
                    if own:
                        return None
                    continue
                if attr in seen:
                    continue
                seen.add(attr)
                if not own or (not sqlmodel and attr in _RESERVED):
                    continue
                col = entry[4] if sqlmodel else entry[3]
                if col is None:
                    continue
                if col == UNKNOWN:
                    return None
                out.append((col[0], col[1], ColumnAt(col[0], k[1].path, entry[1], entry[2], len(attr))))
        return out

    def tables(self, models) -> Dict[str, List[TableOf]]:
        """base key -> the tables its models define (models whose table cannot be known are left out)."""
        by_key: Dict[tuple, dict] = {}  # (base, schema, name) -> {"model", "columns", "unknown"}
        order: List[tuple] = []
        sti: List[tuple] = []  # (model, node, parent node)
        for m in models:
            if m.abstract:
                continue
            if m.kind == "table":
                self._core(m, by_key, order)
            elif m.kind == "class":
                self._class_model(m, by_key, order, sti)
        tables_of_node = {}
        for key in order:
            t = by_key[key]
            tables_of_node.setdefault(t["node"], key)
        for m, node, ancestors in sti:
            key = next((tables_of_node[a] for a in ancestors if a in tables_of_node), None)
            if key is None:
                continue
            t = by_key[key]
            cols = self.contributed(node, False)
            if cols is None:
                t["unknown"] = True
            elif t["columns"] is not None:
                t["columns"].extend(c for _, _, c in cols)
        out: Dict[str, List[TableOf]] = {}
        for key in order:
            t = by_key[key]
            cols = None if t["unknown"] or t["columns"] is None else tuple(t["columns"])
            out.setdefault(key[0], []).append(TableOf(key[1], key[2], t["model"], cols))
        return out

    def _core(self, m, by_key, order) -> None:
        found = self.classes_of(m.module.path)
        if found is None:
            return
        for line, name, cols, schema in found[1]:
            if line == m.line and name == m.table and schema != UNKNOWN:
                columns = None if cols is None else [ColumnAt(c, m.module.path, m.line, m.col, len(m.name)) for c in cols]
                _add(by_key, order, (m.base, schema, name), m, ("core", m.module.path, m.line), columns)
                return

    def _class_model(self, m, by_key, order, sti) -> None:
        node = ("class", m.module, m.name)
        facts = self._facts(node)
        if facts is None:
            return
        info = self.project.bases.get(m.base)
        sqlmodel = m.base == _SQLMODEL_BASE
        flask = info is not None and info.how == _FLASK_HOW
        tablename, table, schema = facts[2:5]
        key_node = (m.module.path, m.name)
        if table is not None:
            if table == UNKNOWN or table[0] is None or table[2] == UNKNOWN:
                return
            name, cols, tschema = table
            columns = None if cols is None else [ColumnAt(c, m.module.path, m.line, m.col, len(m.name)) for c in cols]
            _add(by_key, order, (m.base, tschema, name), m, key_node, columns)
            return
        if tablename == UNKNOWN:
            return
        mro = self.mro(node)
        if tablename is None:
            if mro is None:
                return
            all_facts = [self._facts(k) for k in mro]
            if any(f is None for f in all_facts):
                return
            definer = next((k for k, f in zip(mro[1:], all_facts[1:]) if f[2:4] != (None, None)), None)
            parent = next((k for k in mro[1:] if self.mapped(k)), None)
            ancestors = [_node_key(k) for k in mro[1:] if self.mapped(k)]
            if definer is not None and not self.mapped(definer):
                return  # a mixin's __tablename__ (often a declared_attr): not known here
            if sqlmodel:
                tablename = m.name.lower()
            elif flask:
                tablename = flask_tablename(m.name)
                if tablename is None:
                    return
                if parent is not None:
                    cols = self.contributed(node, False)
                    if cols is None or any(pk is None for _, pk, _ in cols):
                        return
                    if not any(pk for _, pk, _ in cols):
                        sti.append((m, node, ancestors))
                        return
            elif parent is not None:
                sti.append((m, node, ancestors))
                return
            else:
                return
        if mro is not None:
            schema = next((f[4] for f in (self._facts(k) for k in mro) if f is not None and f[4] is not None), None)
        if schema == UNKNOWN:
            return
        cols = self.contributed(node, sqlmodel)
        columns = None if cols is None else [c for _, _, c in cols]
        _add(by_key, order, (m.base, schema or None, tablename), m, key_node, columns)


def _add(by_key, order, key, model, node, columns) -> None:
    if key in by_key:  # a second model on one table (extend_existing): its columns join the table's
        t = by_key[key]
        if columns is None:
            t["unknown"] = True
        elif t["columns"] is not None:
            t["columns"].extend(columns)
        return
    by_key[key] = {"model": model, "node": node, "columns": columns, "unknown": columns is None}
    order.append(key)


def _node_key(node) -> tuple:
    return (node[1].path, node[2])


def _c3(node, seqs: List[list]) -> Optional[list]:
    """C3 linearization of `node` over its parents' MROs and its parents' list."""
    out = [node]
    seqs = [list(s) for s in seqs if s]
    while seqs:
        tails = {}
        for s in seqs:
            for n in s[1:]:
                k = _node_key(n)
                tails[k] = tails.get(k, 0) + 1
        head = next((s[0] for s in seqs if _node_key(s[0]) not in tails), None)
        if head is None:
            return None  # no consistent order: Python would refuse the class too
        out.append(head)
        hk = _node_key(head)
        seqs = [[n for n in s if _node_key(n) != hk] for s in seqs]
        seqs = [s for s in seqs if s]
    return out
