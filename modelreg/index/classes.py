"""Class statements -> ClassDef facts: bases, keywords, decorators and the SQLAlchemy dunders of the body.

The fast path blanks most of a class body (see :mod:`.skeleton`): what is read here is what the
skeleton keeps, and what it blanks is read from the text (:func:`_modelish_body`) or from its marker.
"""

from __future__ import annotations

import ast
from typing import Optional

from ..types import ClassDef
from .conditions import is_type_checking
from .exprs import to_expr
from .state import Collected, char_col, lines_of

_MODELISH_MARKERS = ("__tablename__", "__table__", "Mapped[", "mapped_column(", "Column(", "relationship(")
_NESTED_HEADERS = ("def ", "async def ", "class ")
_DECLARED_TABLE = ("def __tablename__", "def __table__", "async def __tablename__")


class _Dunders:
    """What a class body says about its table, statement by statement."""

    __slots__ = ("abstract", "tablename", "extend", "declares", "schema", "schema_known", "metadata")

    def __init__(self) -> None:
        self.abstract = False
        self.tablename: Optional[str] = None
        self.extend = False
        self.declares = False
        self.schema: Optional[str] = None
        self.schema_known = True
        self.metadata = None


def class_def(c: Collected, node: ast.ClassDef, scope: str) -> ClassDef:
    d = _read_body(node.body)
    line = node.lineno
    return ClassDef(
        node.name,
        line,
        _name_col(c, line, node.col_offset, node.name),
        tuple(to_expr(b) for b in node.bases),
        tuple((k.arg, to_expr(k.value)) for k in node.keywords if k.arg),
        tuple(to_expr(dec) for dec in node.decorator_list),
        d.abstract,
        d.tablename,
        d.extend,
        scope,
        d.declares,
        d.schema,
        d.metadata,
        d.schema_known,
        d.tablename is not None or _modelish_body(c, line, node.col_offset),
    )


def _read_body(body) -> _Dunders:
    d = _Dunders()
    for stmt in body:
        if not _declares_nothing(stmt):
            d.declares = True
        if isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                if isinstance(t, ast.Name):
                    _assigned(d, t.id, stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            _assigned(d, stmt.target.id, stmt.value)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == "__tablename__":
            d.tablename = _returned_literal(stmt) or d.tablename  # a declared_attr returning a literal
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == "__table_args__":
            d.schema_known = False  # computed (indico's `auto_table_args(cls, schema=...)`)
    return d


def _assigned(d: _Dunders, name: str, value: Optional[ast.AST]) -> None:
    """`name = value` in the class body."""
    if name == "__abstract__":
        d.abstract = _literal_bool(value)
    elif name == "__tablename__":
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            d.tablename = value.value
    elif name == "__table_args__":
        d.extend = _mentions_extend_existing(value)
        d.schema = _schema_of(value) or d.schema
        d.schema_known = _schema_literal(value)
    elif name == "__table__":
        # `__table__ = Table("name", metadata, ..., schema="s")`
        if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Constant):
            if isinstance(value.args[0].value, str):
                d.tablename = value.args[0].value
                d.schema = _schema_keyword(value) or d.schema
    elif name == "metadata" and value is not None:
        d.metadata = to_expr(value)


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
        return not stmt.orelse and is_type_checking(stmt.test)
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


def _modelish_body(c: Collected, line: int, indent: int) -> bool:
    """Whether the class body starting below `line` spells what mapped classes spell, in its own
    statements: a method's body that reads `Other.__table__` or builds a `relationship(...)` says
    nothing about the class (flask-restx resources, Flask-SQLAlchemy model classes, plugins, test
    cases, nova's `@mock.patch('...Tag.__table__.insert')`). Of a method or nested class only a
    `def __tablename__` / `def __table__` header counts (`@declared_attr`). Read from the text: the fast path blanks class bodies out of the tree."""
    lines = lines_of(c)
    nested = -1  # inside a method or nested class whose header sits at this indent: skip its body
    for i in range(line, len(lines)):
        text = lines[i]
        stripped = text.lstrip()
        if not stripped or stripped[0] == "#":
            continue
        depth = len(text) - len(stripped)
        if stripped[0] not in ")]}" and depth <= indent:
            return False  # the next statement at the class's own level: the body is over
        if nested >= 0:
            if depth > nested:
                continue
            nested = -1
        if stripped.startswith(_NESTED_HEADERS) or stripped[0] == "@":  # a method, its decorators, a nested class
            nested = depth
            if stripped.startswith(_DECLARED_TABLE):  # `@declared_attr` + `def __tablename__(cls)`
                return True
            continue
        if any(marker in text for marker in _MODELISH_MARKERS):
            return True
    return False


def _name_col(c: Collected, line: int, byte_col: int, name: str) -> int:
    """Column of the class name: the first occurrence after the `class` keyword."""
    col = char_col(c, line, byte_col)
    try:
        text = lines_of(c)[line - 1]
    except IndexError:
        return col
    found = text.find(name, col + 5)
    return found if found >= 0 else col
