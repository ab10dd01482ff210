"""Stage 4, ast.Module -> FileFacts: the statement walk, and the scope each statement runs in.

Only statements are walked (expressions are converted on demand, see :mod:`.exprs`). Each kind
of statement has one visitor, found by its type in ``_VISITORS``; the visitors of what a file
declares live by what they collect (imports, classes, assigns, calls, dynamic), the ones here
decide scopes: a function body runs when called (``def:name``), a class body at import, an
``if TYPE_CHECKING:`` body never at runtime (TYPING), an ``if __name__ == "__main__":`` body
only as a script (MAIN), an ``if False:`` body never (DEAD).

``top``: whether the statement runs in the module's own namespace (its names are bound there).
"""

from __future__ import annotations

import ast
from typing import Iterable

from ..types import DEAD, MAIN, MODULE, TYPING, FileFacts
from .assigns import bind_targets, visit_assign, visit_expr_stmt
from .calls import scan_expr
from .classes import class_def
from .conditions import ALWAYS, NEVER, TYPE_CHECKER_ONLY, catches_import_error, is_main_guard, when
from .dynamic import visit_loop
from .filters import HOOKS, excluded_tables
from .exprs import to_expr
from .imports import visit_import
from .skeleton import kept_functions
from .state import Collected, to_facts


def collect(text: str, tree: ast.Module, def_names: Iterable[str] = ()) -> FileFacts:
    """The facts of a file, from its text and its tree (of the file or of its skeleton, whose
    blanked functions are ``def_names``)."""
    c = Collected(text)
    c.kept_functions = kept_functions(text, tree)
    c.module_body = {id(n) for n in tree.body}
    try:
        visit_body(c, tree.body, MODULE, True)
    except RecursionError:
        return FileFacts(error=(1, 0, "too deeply nested to analyze (RecursionError)"))
    c.defined.update(def_names)
    c.functions.update(def_names)
    return to_facts(c)


def visit_body(c: Collected, body, scope: str, top: bool) -> None:
    get = _VISITORS.get
    for stmt in body:
        visit = get(type(stmt))
        if visit is not None:
            visit(c, stmt, scope, top)


def _class(c: Collected, node: ast.ClassDef, scope: str, top: bool) -> None:
    if top:
        c.defined.add(node.name)
        c.classes.append(class_def(c, node, scope))
    else:
        c.hidden.append(class_def(c, node, scope if scope.startswith("def:") else "class:" + c.outer))
    # class bodies run at import time: their imports count
    outer, c.outer = c.outer, node.name
    visit_body(c, node.body, scope, False)
    c.outer = outer


def _function(c: Collected, node, scope: str, top: bool) -> None:
    if top:
        c.defined.add(node.name)
        c.functions.add(node.name)
        if scope == MODULE and node.name in HOOKS:  # (the skeleton keeps these whole)
            c.excluded_tables |= excluded_tables(node)
        if scope == MODULE and node.body and isinstance(node.body[-1], ast.Return):
            if node.body[-1].value is not None and (id(node) not in c.module_body or node.lineno in c.kept_functions):
                c.returns.append((node.name, to_expr(node.body[-1].value)))
    # code in a function body runs when it is called, not on import; the calls it makes are facts only
    # where the skeleton keeps the function whole (a full parse and a skeleton give the same facts)
    kept = c.in_kept
    if kept is None:  # the outermost function: kept whole unless the skeleton blanks it
        c.in_kept = not c.outer and (id(node) not in c.module_body or node.lineno in c.kept_functions)
    try:
        visit_body(c, node.body, scope if scope.startswith("def:") else "def:" + node.name, False)
    finally:
        c.in_kept = kept


def _if(c: Collected, node: ast.If, scope: str, top: bool) -> None:
    runs = when(node.test, c.type_checking_names)
    if runs is not None:  # code that never runs (or only for a type checker) counts for nothing
        body, orelse = scope, scope
        if runs == NEVER:
            body = DEAD
        elif runs == ALWAYS:
            orelse = DEAD
        elif runs == TYPE_CHECKER_ONLY:
            body = TYPING if scope == MODULE else scope
        else:
            orelse = TYPING if scope == MODULE else scope
        visit_body(c, node.body, body, top)
        visit_body(c, node.orelse, orelse, top)
    elif is_main_guard(node.test):
        visit_body(c, node.body, MAIN if scope == MODULE else scope, top)
        visit_body(c, node.orelse, scope, top)
    else:
        scan_expr(c, node.test, scope)
        visit_body(c, node.body, scope, top)
        visit_body(c, node.orelse, scope, top)


def _try(c: Collected, node, scope: str, top: bool) -> None:
    guard = any(catches_import_error(h.type) for h in node.handlers)
    c.guard += guard
    try:
        visit_body(c, node.body, scope, top)
    finally:
        c.guard -= guard
    for handler in node.handlers:
        if top and handler.name:
            c.defined.add(handler.name)
        visit_body(c, handler.body, scope, top)
    visit_body(c, node.orelse, scope, top)
    visit_body(c, node.finalbody, scope, top)


def _for(c: Collected, node, scope: str, top: bool) -> None:
    if top:
        bind_targets(c, node.target)
    visit_loop(c, node, scope)
    scan_expr(c, node.iter, scope)  # `for ep in entry_points(group=...)`
    c.loops.append((node.target.id if isinstance(node.target, ast.Name) else "", to_expr(node.iter)))
    try:
        visit_body(c, node.body, scope, top)
    finally:
        c.loops.pop()
    visit_body(c, node.orelse, scope, top)


def _while(c: Collected, node: ast.While, scope: str, top: bool) -> None:
    visit_body(c, node.body, DEAD if when(node.test, ()) == NEVER else scope, top)
    visit_body(c, node.orelse, scope, top)


def _with(c: Collected, node, scope: str, top: bool) -> None:
    for item in node.items:
        if top and item.optional_vars is not None:
            bind_targets(c, item.optional_vars)
        scan_expr(c, item.context_expr, scope)
    visit_body(c, node.body, scope, top)


def _aug_assign(c: Collected, node: ast.AugAssign, scope: str, top: bool) -> None:
    if top and isinstance(node.target, ast.Name):
        c.defined.add(node.target.id)


def _return(c: Collected, node: ast.Return, scope: str, top: bool) -> None:
    scan_expr(c, node.value, scope)


def _match(c: Collected, node, scope: str, top: bool) -> None:
    for case in node.cases:
        visit_body(c, case.body, scope, top)


# Statements not listed (pass, del, global, raise...) bind and record nothing.
_VISITORS = {
    ast.Import: visit_import,
    ast.ImportFrom: visit_import,
    ast.ClassDef: _class,
    ast.FunctionDef: _function,
    ast.AsyncFunctionDef: _function,
    ast.If: _if,
    ast.Try: _try,
    ast.For: _for,
    ast.AsyncFor: _for,
    ast.While: _while,
    ast.With: _with,
    ast.AsyncWith: _with,
    ast.Assign: visit_assign,
    ast.AnnAssign: visit_assign,
    ast.AugAssign: _aug_assign,
    ast.Expr: visit_expr_stmt,
    ast.Return: _return,
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _VISITORS[ast.TryStar] = _try
if hasattr(ast, "Match"):  # Python 3.10+
    _VISITORS[ast.Match] = _match
