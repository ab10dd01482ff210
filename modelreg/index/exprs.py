"""ast expressions -> Expr (modelreg/types.py): the plain, hashable shape facts record values in.

Converted on demand, with a depth limit, so deeply nested code cannot exhaust the stack.
"""

from __future__ import annotations

import ast
from typing import Optional

from ..types import OTHER, Expr

_MAX_DEPTH = 8


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
