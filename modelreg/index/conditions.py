"""When a block runs: what an ``if``/``while`` test or a ``try``'s handlers say about their bodies.

Pure functions of ast nodes; the statement walk (:mod:`.walk`) turns their answers into scopes
(MODULE, TYPING, MAIN, DEAD in modelreg/types.py).
"""

from __future__ import annotations

import ast
import operator
from typing import Optional

from .exprs import dotted

# What an `if`/`while` test says about when its body runs (None: depends on the run).
ALWAYS, NEVER, TYPE_CHECKER_ONLY, RUNTIME_ONLY = "always", "never", "type checker only", "runtime only"
_FLIPPED = {ALWAYS: NEVER, NEVER: ALWAYS, TYPE_CHECKER_ONLY: RUNTIME_ONLY, RUNTIME_ONLY: TYPE_CHECKER_ONLY}
# Python 3 versions as sys.version_info compares them: a test with one answer for both is decided
_PY3_EXTREMES = ((3, 0, 0, "alpha", 0), (3, 999, 999, "final", 999))
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def when(test: ast.AST, type_checking_names) -> Optional[str]:
    """Whether a test is constant at runtime: a literal (`False`, `0`, `None`, `True`), TYPE_CHECKING
    (also under an alias: `from typing import TYPE_CHECKING as TC`), `not` of those, and comparisons of
    `sys.version_info` that every Python 3 answers alike (`sys.version_info < (3,)`, `[0] == 2`, `.major < 3`)."""
    if isinstance(test, ast.Constant):
        return ALWAYS if test.value else NEVER
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _FLIPPED.get(when(test.operand, type_checking_names))
    name = dotted(test)
    if name is not None and (name.rpartition(".")[2] == "TYPE_CHECKING" or name in type_checking_names):
        return TYPE_CHECKER_ONLY
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        answers = {_compare_version(test, v) for v in _PY3_EXTREMES}
        if answers == {True}:
            return ALWAYS
        if answers == {False}:
            return NEVER
    return None


def is_type_checking(test: ast.AST) -> bool:
    """`if TYPE_CHECKING:` (also `typing.TYPE_CHECKING`): a block for type checkers only."""
    return when(test, ()) == TYPE_CHECKER_ONLY


def is_main_guard(test: ast.AST) -> bool:
    """`if __name__ == "__main__":` (either way round)."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        sides = [test.left, test.comparators[0]]
        names = [dotted(s) for s in sides]
        consts = [s.value for s in sides if isinstance(s, ast.Constant)]
        return "__name__" in names and "__main__" in consts
    return False


def catches_import_error(node: Optional[ast.AST]) -> bool:
    """Whether an ``except`` clause catches a failed import (bare, ImportError, a tuple holding it...)."""
    if node is None:
        return True
    if isinstance(node, ast.Tuple):
        return any(catches_import_error(e) for e in node.elts)
    name = dotted(node)
    return name is not None and name.rpartition(".")[2] in _IMPORT_ERRORS


def asname_of_type_checking(node: ast.ImportFrom) -> Optional[str]:
    """`from typing import TYPE_CHECKING as TC` (or typing_extensions): "TC"."""
    if node.module in ("typing", "typing_extensions"):
        for alias in node.names:
            if alias.name == "TYPE_CHECKING" and alias.asname:
                return alias.asname
    return None


_OPS = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


def _compare_version(test: ast.Compare, version: tuple) -> Optional[bool]:
    op = _OPS.get(type(test.ops[0]))
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
