"""Assignments and expression statements -> Assign facts, the names they bind, and the module-level
calls of the file's own functions (``called_functions``)."""

from __future__ import annotations

import ast

from ..types import MODULE, Assign
from .calls import scan_expr
from .exprs import to_expr
from .state import Collected


def bind_targets(c: Collected, target: ast.AST) -> None:
    if isinstance(target, ast.Name):
        c.defined.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            bind_targets(c, elt)
    elif isinstance(target, ast.Starred):
        bind_targets(c, target.value)


def visit_assign(c: Collected, node, scope: str, top: bool) -> None:
    """`x = value`, `x: T = value`."""
    raw_targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    value = node.value
    if top:
        for t in raw_targets:
            bind_targets(c, t)
        names = tuple(t.id for t in raw_targets if isinstance(t, ast.Name))
        if names and value is not None:
            c.assigns.append(Assign(names, to_expr(value), node.lineno, node.col_offset, scope))
        for t in raw_targets:
            _unpacked(c, node, t, value, scope)
            if "__all__" in names and isinstance(value, (ast.List, ast.Tuple)):
                items = [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                if len(items) == len(value.elts):
                    c.all_names = tuple(items)
            elif "__all__" in names and scope == MODULE and _lists_own_folder(value):
                c.all_from_folder = True
        _walrus(c, value, scope)
        if isinstance(value, ast.Call) and scope == MODULE and isinstance(value.func, ast.Name):
            c.called_functions.add(value.func.id)  # `target_metadata = get_metadata()` runs it
    _function_call(c, value, scope)
    if value is not None and any(isinstance(t, ast.Name) for t in raw_targets) and _from_file(c, value):
        c.file_names.update(t.id for t in raw_targets if isinstance(t, ast.Name))
    scan_expr(c, value, scope)


_LISTINGS = frozenset({"glob", "rglob", "iterdir", "listdir", "scandir", "iter_modules"})


def _lists_own_folder(value) -> bool:
    """`tuple(p.stem for p in Path(__file__).parent.glob("*.py"))`, `[m.name for m in
    pkgutil.iter_modules(__path__)]`: names computed from a listing of the module's own folder."""
    own = listing = False
    for sub in ast.walk(value):
        if isinstance(sub, ast.Name) and sub.id in ("__file__", "__path__"):
            own = True
        elif isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            listing = listing or name in _LISTINGS
    return own and listing


def _from_file(c: Collected, value) -> bool:
    """An expression made from `__file__` (or a name bound from it): a path in the module's own folder."""
    return any(isinstance(sub, ast.Name) and sub.id in c.file_names for sub in ast.walk(value))


def _unpacked(c: Collected, node, target, value, scope: str) -> None:
    """`Base, meta = declarative_base(), MetaData()`: one binding per item."""
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)):
        if len(target.elts) == len(value.elts):
            for te, ve in zip(target.elts, value.elts):
                if isinstance(te, ast.Name):
                    c.assigns.append(Assign((te.id,), to_expr(ve), node.lineno, node.col_offset, scope))


def visit_expr_stmt(c: Collected, node: ast.Expr, scope: str, top: bool) -> None:
    """A statement that is an expression: `create_all(...)`, `setup()`, `(Base := declarative_base())`."""
    value = node.value
    if top:
        _walrus(c, value, scope)
    if isinstance(value, ast.Call) and scope == MODULE and isinstance(value.func, ast.Name):
        c.called_functions.add(value.func.id)
    _function_call(c, value, scope)
    scan_expr(c, value, scope)


def _function_call(c: Collected, value, scope: str) -> None:
    """`import_models()` or `command.upgrade(cfg, "head")` as a statement (or a value) in a function."""
    if isinstance(value, ast.Await):
        value = value.value
    if c.in_kept and not c.outer and isinstance(value, ast.Call) and scope.startswith("def:"):
        func = to_expr(value.func)
        if func[0] == "name":
            c.function_calls.append((scope, func))


def _walrus(c: Collected, value, scope: str) -> None:
    """`(Base := declarative_base())` at module level binds Base."""
    if value is None or not c.walrus_in_text:
        return
    for sub in ast.walk(value):
        if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
            c.defined.add(sub.target.id)
            c.assigns.append(Assign((sub.target.id,), to_expr(sub.value), sub.lineno, sub.col_offset, scope))
