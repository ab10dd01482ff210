"""Calls inside expressions -> Call facts (create_all, map_imperatively, Alembic's configure) and,
through :mod:`.dynamic`, DynamicImport facts (import_module, __import__, exec/eval of an import)."""

from __future__ import annotations

import ast
from typing import Optional

from ..types import Call
from .dynamic import ENTRY_POINT_LOADERS, dynamic_call, entry_points_call, scan_call
from .exprs import to_expr
from .state import INTERESTING_CALLS, Collected


def scan_expr(c: Collected, node: Optional[ast.AST], scope: str) -> None:
    """Find create_all / map_imperatively / dynamic imports inside an expression."""
    if node is None or not c.scan_calls:
        return
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            _call(c, sub, scope)


def _call(c: Collected, call: ast.Call, scope: str) -> None:
    func = call.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if last in INTERESTING_CALLS:
        kwargs = ()
        if last == "configure":  # only Alembic's context.configure(target_metadata=...) matters
            kwargs = tuple((k.arg, to_expr(k.value)) for k in call.keywords if k.arg == "target_metadata")
            if not kwargs:
                return
        c.calls.append(
            Call(to_expr(func), tuple(to_expr(a) for a in call.args[:4]), call.lineno, call.col_offset, scope, kwargs)
        )
    elif last in ("exec", "eval", "import_module", "__import__"):
        dynamic_call(c, call, last, scope)
    elif last == "scan" and isinstance(func, ast.Attribute):
        scan_call(c, call, scope)
    elif last in ENTRY_POINT_LOADERS:
        entry_points_call(c, call, last, scope)
