"""The tables an Alembic env.py keeps out of autogenerate by name: its `include_name` /
`include_object` hooks (Alembic's documented way to leave tables alone).

A table named in a comparison that makes the hook `return False` - ``if name in ("a", "b"): return
False``, ``if type_ == "table" and name == "a": return False`` - is one autogenerate neither creates
nor drops, whatever the metadata holds: the env.py decided about it (ckan's core env.py leaves the
activity and tracking plugins' tables to those plugins).
"""

from __future__ import annotations

import ast
from typing import Set

# the hooks, and which positional parameter holds the object's name
HOOKS = {"include_name": 0, "include_object": 1}


def excluded_tables(node: ast.FunctionDef) -> Set[str]:
    """The literal table names the hook `node` returns False for."""
    params = node.args.posonlyargs + node.args.args
    index = HOOKS.get(node.name)
    if index is None or len(params) <= index:
        return set()
    name = params[index].arg
    found: Set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.If) and _returns_false(sub.body):
            found |= _compared_names(sub.test, name)
    return found


def _returns_false(body) -> bool:
    return any(
        isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Constant) and stmt.value.value is False
        for stmt in body
    )


def _compared_names(test: ast.AST, name: str) -> Set[str]:
    """String literals `name` is compared with (`==`, `in`) in the condition (through `and`/`or`)."""
    out: Set[str] = set()
    for sub in ast.walk(test):
        if not (isinstance(sub, ast.Compare) and isinstance(sub.left, ast.Name) and sub.left.id == name):
            continue
        for op, right in zip(sub.ops, sub.comparators):
            if isinstance(op, ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
                out.add(right.value)
            elif isinstance(op, ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
                out.update(e.value for e in right.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return out
