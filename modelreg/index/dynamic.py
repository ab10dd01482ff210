"""Imports made by running code -> DynamicImport facts.

``importlib.import_module("app.models")``, ``__import__``, ``exec("import ...")``, and the loops
that import a package's modules (``pkgutil.iter_modules``, a literal list of names).
"""

from __future__ import annotations

import ast
from typing import Optional, Tuple

from ..types import OTHER, DynamicImport, Expr
from .exprs import dotted, to_expr
from .state import Collected

_IMPORTERS = ("import_module", "__import__")


def dynamic_call(c: Collected, call: ast.Call, last: str, scope: str) -> None:
    """A call to exec/eval/import_module/__import__ (``last``: the callee's last name)."""
    if last in ("exec", "eval"):
        # `exec("import app.models")`: imports made by code in a string - unknown to a static reader
        if isinstance(call.func, ast.Name) and call.args:
            arg = call.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "import" in arg.value:
                c.dynamic.append(DynamicImport("unknown", ("str", arg.value), False, call.lineno, call.col_offset, scope))
        return
    arg = call.args[0] if call.args else None
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _literal_target(call, last, arg.value):
        c.dynamic.append(DynamicImport("literal", ("str", arg.value), False, call.lineno, call.col_offset, scope))
        return
    if call.lineno not in c.covered:
        prefix = _known_prefix(arg) if last == "import_module" else ""
        if prefix.startswith(".") and not _literal_target(call, last, prefix):
            prefix = ""  # a relative name against a package not known here
        c.dynamic.append(DynamicImport("unknown", to_expr(arg), False, call.lineno, call.col_offset, scope, prefix))


def _known_prefix(arg: Optional[ast.AST]) -> str:
    """The literal start of a computed module name (`f"app.plugins.{name}"`, `"app.plugins." + name`):
    every module the call can import has a name starting with it; "" when nothing is known."""
    while isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add):
        arg = arg.left
    if isinstance(arg, ast.JoinedStr) and arg.values:
        arg = arg.values[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    return ""


def _literal_target(call: ast.Call, last: str, name: str) -> bool:
    """Whether the literal names the module imported: always for __import__; for import_module, an
    absolute name, or a relative one against this very package (``package=__name__``)."""
    if last == "__import__":
        return True
    package = None
    if len(call.args) > 1:
        package = to_expr(call.args[1])
    for kw in call.keywords:
        if kw.arg == "package":
            package = to_expr(kw.value)
    return not name.startswith(".") or package in (("name", "__name__"), ("name", "__package__"))


def scan_call(c: Collected, call: ast.Call, scope: str) -> None:
    """``config.scan()`` (Pyramid, through venusian): imports every module of a package, recursively,
    except those ``ignore=`` names. The target is its package argument, or ``__path__`` (the package of
    the calling module); ``suffix`` holds the string ignores, comma-separated. Whether the receiver is
    a Pyramid Configurator is the resolver's question."""
    target: Expr = ("name", "__path__")
    if call.args:
        target = to_expr(call.args[0])
    ignores: Tuple[str, ...] = ()
    for kw in call.keywords:
        if kw.arg == "package":
            target = to_expr(kw.value)
        elif kw.arg == "ignore":
            items = kw.value.elts if isinstance(kw.value, (ast.List, ast.Tuple)) else [kw.value]
            ignores = tuple(e.value for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str))
    c.dynamic.append(DynamicImport("scan", target, True, call.lineno, call.col_offset, scope, ",".join(ignores)))


# importlib.metadata.entry_points(group=...), pkg_resources.iter_entry_points(...), stevedore's managers
ENTRY_POINT_LOADERS = frozenset({
    "entry_points", "iter_entry_points", "select", "ExtensionManager", "NamedExtensionManager",
    "EnabledExtensionManager", "DriverManager", "HookManager", "DispatchExtensionManager",
})


def entry_points_call(c: Collected, call: ast.Call, last: str, scope: str) -> None:
    """A lookup of the entry points of a group (plugins declared in the project's packaging metadata,
    loaded with `ep.load()`): kind "entry_points", the callee as ``target``, the group in ``suffix``.
    `entry_points().select(group=...)` records the inner `entry_points`. Whether the callee is
    importlib.metadata, pkg_resources or stevedore is the resolver's question."""
    func = call.func
    if last == "select":
        inner = func.value if isinstance(func, ast.Attribute) else None
        if not (isinstance(inner, ast.Call) and (dotted(inner.func) or "").rpartition(".")[2] == "entry_points"):
            return
        func = inner.func
    group = None
    for kw in call.keywords:
        if kw.arg in ("group", "namespace") and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
            group = kw.value.value
    if group is None and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        group = call.args[0].value
    if group is None:
        return  # `entry_points()`: every group; what is taken from it is not known here
    c.dynamic.append(DynamicImport("entry_points", to_expr(func), False, call.lineno, call.col_offset, scope, group))


# -- loops that import ------------------------------------------------------------------------


def visit_loop(c: Collected, node, scope: str) -> None:
    """``for ... in pkgutil.iter_modules(pkg.__path__): importlib.import_module(...)``."""
    it = node.iter
    if isinstance(it, (ast.List, ast.Tuple)):
        _literal_loop(c, node, scope)
        return
    if not isinstance(it, ast.Call):
        return
    while isinstance(it.func, ast.Name) and it.func.id in ("sorted", "list", "tuple", "reversed") and len(it.args) == 1 \
            and isinstance(it.args[0], ast.Call):
        it = it.args[0]  # `sorted(folder.rglob("*.py"))`: the same files
    last = it.func.attr if isinstance(it.func, ast.Attribute) else (dotted(it.func) or "").rpartition(".")[2]
    if last in _LISTINGS:
        _files_loop(c, node, it, scope, last)
        return
    if last not in ("iter_modules", "walk_packages"):
        return
    if not any(_is_importer(sub) for stmt in node.body for sub in ast.walk(stmt)):
        return
    c.dynamic.append(
        DynamicImport(
            "package", _package_of(it), last == "walk_packages", node.lineno, node.col_offset, scope, _loop_suffix(node)
        )
    )
    # the import_module calls inside the loop are what this fact describes
    c.covered |= {sub.lineno for stmt in node.body for sub in ast.walk(stmt) if isinstance(sub, ast.Call)}


_LISTINGS = ("glob", "rglob", "iterdir", "listdir", "walk")
_PATH_HELPERS = frozenset({"Path", "PurePath", "pathlib", "os"})


def _files_loop(c: Collected, node, it: ast.Call, scope: str, last: str) -> None:
    """``for path in (here / folder).rglob("*.py"): import_module("app." + ...)``: a loop over the files of
    a folder that imports a module by a name built from each. The folder is this module's directory joined
    with the names its expression uses (`here / "plugins"`, or an enclosing loop's variable over
    `PLUGIN_DIRS`): recorded as a list of those parts; the pattern in ``suffix``."""
    importers = [
        sub for stmt in node.body for sub in ast.walk(stmt)
        if _is_importer(sub) and sub.args and not isinstance(sub.args[0], ast.Constant)
    ]
    if not importers:
        return
    if isinstance(it.func, ast.Attribute) and last in ("glob", "rglob", "iterdir"):
        folder = it.func.value
        pattern = it.args[0] if it.args else None
    else:  # os.listdir(folder), os.walk(folder)
        folder = it.args[0] if it.args else None
        pattern = None
        if last == "walk" and (dotted(it.func) or "") not in ("os.walk", "walk"):
            return
    if folder is None or (pattern is not None and not (isinstance(pattern, ast.Constant) and isinstance(pattern.value, str))):
        return
    loops = dict(c.loops)
    parts = []
    for sub in ast.walk(folder):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            parts.append(("str", sub.value))
        elif isinstance(sub, ast.Name) and sub.id in loops:
            parts.append(loops[sub.id])
        elif isinstance(sub, ast.Name) and sub.id not in c.file_names and sub.id not in _PATH_HELPERS:
            parts.append(OTHER)  # a folder from an argument, a setting: not this module's own
    pattern_text = pattern.value if pattern is not None else "*"
    recursive = last in ("rglob", "walk") or "**" in pattern_text
    filters = _name_filters(node, importers)
    suffix = "\n".join([pattern_text] + filters)
    c.dynamic.append(DynamicImport("files", ("list", tuple(parts)), recursive, node.lineno, node.col_offset, scope, suffix))
    c.covered |= {sub.lineno for sub in importers}


def _name_filters(node, importers) -> list:
    """The literal filters on the file names guarding the loop's imports, as fnmatch patterns of the file
    name, "+" kept / "-" left out: `if name.endswith(".py") and not name.startswith("_"):` around the
    import, or `if name.startswith("_"): continue` before it. `name` is the loop's item, or its
    `.name`/`.stem`. Another test is not evaluated: every file counts, as before filters were read."""
    lines = {sub.lineno for sub in importers}
    out: list = []
    for sub in ast.walk(node):
        if not isinstance(sub, ast.If) or sub is node:
            continue
        guards = any(getattr(x, "lineno", 0) in lines for stmt in sub.body for x in ast.walk(stmt))
        skips = len(sub.body) == 1 and isinstance(sub.body[0], ast.Continue) and not sub.orelse
        if guards and not sub.orelse:
            found = _literal_tests(sub.test, False)
        elif skips:
            found = _literal_tests(sub.test, True)
            if found is not None and len(found) > 1:
                found = None  # `if a and b: continue` skips what matches both: not a pattern per test
        else:
            continue
        if found is not None:  # another test (`name != "__init__.py"`): not evaluated, every file counts
            out.extend(found)
    return out


def _literal_tests(test, negate: bool) -> "Optional[list]":
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and not negate:
        parts = [_literal_tests(v, False) for v in test.values]
        return None if any(p is None for p in parts) else [x for p in parts for x in p]
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _literal_tests(test.operand, not negate)
    if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and len(test.args) == 1):
        return None
    arg, how = test.args[0], test.func.attr
    if how not in ("startswith", "endswith") or not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        return None
    subject = test.func.value
    stem = isinstance(subject, ast.Attribute) and subject.attr == "stem"
    if not (isinstance(subject, ast.Name) or (isinstance(subject, ast.Attribute) and subject.attr in ("name", "stem"))):
        return None
    text = arg.value.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]")
    pattern = text + "*" if how == "startswith" else ("*" + text + ".py" if stem else "*" + text)
    return [("-" if negate else "+") + pattern]


def _is_importer(sub: ast.AST) -> bool:
    return isinstance(sub, ast.Call) and (dotted(sub.func) or "").rpartition(".")[2] in _IMPORTERS


def _package_of(it: ast.Call) -> Expr:
    """The package whose modules ``iter_modules(...)``/``walk_packages(...)`` lists."""
    if not it.args:
        return OTHER
    arg = it.args[0]
    if isinstance(arg, (ast.List, ast.Tuple)) and len(arg.elts) == 1:
        arg = arg.elts[0]
    name = dotted(arg)
    if name == "__path__":
        return ("name", "__path__")
    if name and name.endswith(".__path__"):
        return ("name", name[: -len(".__path__")])
    if any(isinstance(s, ast.Name) and s.id == "__file__" for s in ast.walk(arg)):
        return ("name", "__path__")  # the directory of this very module
    return OTHER


def _literal_loop(c: Collected, node, scope: str) -> None:
    """``for name in ["app.a", "app.b"]: importlib.import_module(name)`` (or f"app.{name}.models"):
    one literal import per item."""
    items = node.iter.elts
    if not isinstance(node.target, ast.Name) or not items:
        return
    if not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in items):
        return
    for stmt in node.body:
        for sub in ast.walk(stmt):
            if not isinstance(sub, ast.Call) or not sub.args or sub.keywords or not _is_importer(sub):
                continue
            around = _loop_name(sub.args[0], node.target.id)
            if around is None:
                continue
            for e in items:
                name = around[0] + e.value + around[1]
                c.dynamic.append(DynamicImport("literal", ("str", name), False, sub.lineno, sub.col_offset, scope))
            c.covered.add(sub.lineno)


def _loop_name(arg, var: str) -> Optional[Tuple[str, str]]:
    """(prefix, suffix) when `arg` is the loop variable, or an f-string around it: f"app.{name}.models"."""
    if isinstance(arg, ast.Name) and arg.id == var:
        return "", ""
    if not isinstance(arg, ast.JoinedStr):
        return None
    parts = arg.values
    at = [i for i, p in enumerate(parts) if isinstance(p, ast.FormattedValue)]
    if len(at) != 1:
        return None
    fv = parts[at[0]]
    if not (isinstance(fv.value, ast.Name) and fv.value.id == var and fv.conversion == -1 and fv.format_spec is None):
        return None
    if not all(isinstance(p, ast.Constant) and isinstance(p.value, str) for i, p in enumerate(parts) if i != at[0]):
        return None
    return "".join(p.value for p in parts[: at[0]]), "".join(p.value for p in parts[at[0] + 1:])


def _loop_suffix(node) -> str:
    """`import_module(f"plugins.{name}.models")` in the loop body: ".models" (what follows the loop's name)."""
    for stmt in node.body:
        for sub in ast.walk(stmt):
            if not (isinstance(sub, ast.Call) and (dotted(sub.func) or "").rpartition(".")[2] == "import_module"):
                continue
            arg = sub.args[0] if sub.args else None
            if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[-1], ast.Constant):
                tail = arg.values[-1].value
                if isinstance(tail, str) and tail.startswith(".") and isinstance(arg.values[-2], ast.FormattedValue):
                    return tail
            if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add) and isinstance(arg.right, ast.Constant):
                tail = arg.right.value
                if isinstance(tail, str) and tail.startswith("."):
                    return tail
    return ""
