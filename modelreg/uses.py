"""Where a module still reads the names one of its module-level import statements binds.

A stale import may only be removed when nothing reads what it binds (a literal `__all__` naming it is
edited by the fixer, not a read): not the module's own statements,
and not a function, class body or lambda that does not bind the name itself (one that does, such as a
function doing its own `from x import Name`, reads its local name, not the module's). Python's own
compiler pass, `symtable`, says which scope each name belongs to; nothing is run.
"""

from __future__ import annotations

import ast
import symtable
from typing import Dict, Iterable, List, Optional, Set


def remaining_uses(source: bytes, path: str, line: int, names: Iterable[str]) -> Optional[List[str]]:
    """Where the module reads each of `names` (bound by its module-level statement on `line`) that no
    other module-level statement binds, as "Name in f() (line 12)" / "Name at module level (line 3)";
    None when the source cannot be analyzed."""
    try:
        text = source.decode("utf-8-sig") if isinstance(source, bytes) else source
        tree = ast.parse(text)
        table = symtable.symtable(text, path, "exec")
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return None
    others = _bound_elsewhere(tree, line)
    out: List[str] = []
    for name in names:
        if name in others:
            continue
        out.extend(f"{name} {where}" for where in _readers(table, name, tree))
    return out


def _readers(table: symtable.SymbolTable, name: str, tree: ast.Module) -> Iterable[str]:
    """The scopes reading `name` as the module's global, module level first."""
    found: List[str] = []
    lines = _module_level_loads(tree, name)
    if lines:
        found.append(f"at module level (line {lines[0]})")
    stack = list(table.get_children())
    while stack:
        t = stack.pop(0)
        try:
            sym = t.lookup(name)
        except KeyError:
            sym = None
        if sym is not None and sym.is_referenced() and sym.is_global() and not sym.is_assigned() and not sym.is_imported():
            kind, scope = t.get_type(), t.get_name()
            if kind == "class":
                label = f"class {scope}"
            elif scope in ("listcomp", "setcomp", "dictcomp", "genexpr", "lambda"):
                label = "a lambda" if scope == "lambda" else "a comprehension"
            else:
                label = f"{scope}()"
            found.append(f"in {label} (line {t.get_lineno()})")
        stack.extend(t.get_children())
    return found


def _module_level_loads(tree: ast.Module, name: str) -> List[int]:
    """Lines where module-level code (outside functions, lambdas, class bodies, comprehensions) loads `name`."""
    lines: List[int] = []
    scoped = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for part in child.decorator_list + getattr(child, "bases", []) + [k.value for k in getattr(child, "keywords", [])]:
                    walk_expr(part)
                args = getattr(child, "args", None)
                if args is not None:
                    for d in args.defaults + [d for d in args.kw_defaults if d is not None]:
                        walk_expr(d)
                continue
            if isinstance(child, scoped):
                continue
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load) and child.id == name:
                lines.append(child.lineno)
            walk(child)

    def walk_expr(node: ast.AST) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id == name:
            lines.append(node.lineno)
        walk(node)

    walk(tree)
    return sorted(lines)


def _bound_elsewhere(tree: ast.Module, line: int) -> Set[str]:
    """Names bound at module level by a statement other than the one on `line` (imports, defs, classes,
    assignments, loops, with-targets), in any branch of the module's own code."""
    out: Set[str] = set()

    def visit(body) -> None:
        for node in body:
            if node.lineno == line and isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(node.name)
                continue
            if isinstance(node, ast.Import):
                out.update(a.asname or a.name.partition(".")[0] for a in node.names)
                continue
            if isinstance(node, ast.ImportFrom):
                out.update(a.asname or a.name for a in node.names if a.name != "*")
                continue
            bodies = [getattr(node, f, None) for f in ("body", "orelse", "finalbody", "handlers")]
            if not any(isinstance(b, list) for b in bodies):
                _stores(node, out)
                continue
            for part in (getattr(node, "target", None), *[i.optional_vars for i in getattr(node, "items", [])]):
                if part is not None:
                    _stores(part, out)
            for inner in bodies:
                if not isinstance(inner, list):
                    continue
                for h in inner:
                    if isinstance(h, ast.ExceptHandler):
                        if h.name:
                            out.add(h.name)
                        visit(h.body)
                visit([n for n in inner if isinstance(n, ast.stmt)])

    visit(tree.body)
    return out


def _stores(node: ast.AST, out: Set[str]) -> None:
    """Names a simple statement (or target) stores into, lambdas and comprehensions left out (their own scopes)."""
    if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
        out.add(node.id)
    for child in ast.iter_child_nodes(node):
        _stores(child, out)


def bound_by(names, is_from: bool) -> Dict[str, str]:
    """name each alias of an import statement binds -> the alias as written."""
    out: Dict[str, str] = {}
    for name, asname in names:
        if is_from:
            if name != "*":
                out[asname or name] = name
        else:
            out[asname or name.partition(".")[0]] = name
    return out


def enclosing(source: bytes, line: int) -> Optional[str]:
    """What holds the import statement on `line` when it is no top-level statement of the module
    ("global_init()", "class Holder", "an `if` block"); None when it is one (or cannot be found)."""
    try:
        tree = ast.parse(source.decode("utf-8-sig") if isinstance(source, bytes) else source)
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return None
    if any(node.lineno == line for node in tree.body):
        return None
    for node in tree.body:
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            holder = node
            for sub in ast.walk(node):
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub.lineno <= line <= (sub.end_lineno or sub.lineno):
                    holder = sub if sub.lineno >= holder.lineno else holder
            if isinstance(holder, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return f"{holder.name}()"
            if isinstance(holder, ast.ClassDef):
                return f"class {holder.name}"
            return f"an `{type(holder).__name__.lower()}` block"
    return None
