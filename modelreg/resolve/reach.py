"""What importing a module runs: its run-time imports (parents first), the modules its understood
dynamic imports load, and, transitively, everything importing a registry executes.

Python's rules, on the module graph (modelreg.imports): `import a.b.c` runs `a`, `a.b`, `a.b.c`;
`from a.b import c` runs `a`, `a.b` and the submodule `a.b.c` if there is one; imports inside
functions called at module level run too, `if TYPE_CHECKING:` blocks do not. Each module's direct
run list is memoized in the project's results (modelreg.state).
"""

from __future__ import annotations

import fnmatch
import os
from typing import FrozenSet, List, Optional, Set, Tuple

from ..types import MODULE, FileFacts, ImportStmt, Module
from .declared import modules_of
from .evaluate import star_names

CALL_DEPTH = 8  # calls followed from a module-level call or an entry point (a bounded walk)


def runs(project, module: Module) -> List[Module]:
    """The project modules importing `module` runs directly: its run-time imports (and what they
    run first), and the modules its understood dynamic imports load."""
    state = project.state
    path = module.path
    state.reads(path)
    found = state.deps.get(path)
    if found is None:
        found = state.deps[path] = state.computing(path, lambda: _runs(project, module))
    return found


def _runs(project, module: Module) -> List[Module]:
    facts = project.facts(module)
    if facts.error is not None:
        return []
    scopes = run_scopes(facts)
    found = scoped_runs(project, module, facts, scopes)
    # functions of other modules called at import time (`app = create_app()`) run their imports too
    calls = [("name", f) for f in facts.called_functions]  # (the module's own ones are in `scopes`)
    calls += [callee for scope, callee in facts.function_calls if scope in scopes]
    found.extend(calls_run(project, module, calls, {(module.path, s) for s in scopes}, 1))
    return found


def entry_runs(project, module: Module, function: str) -> List[Module]:
    """The project modules calling `function` of `module` runs (its imports, and those of the functions it
    calls, in any module, to CALL_DEPTH calls deep): a console script's `main`, a Flask app factory."""
    return calls_run(project, module, [("name", function)], set(), 0)


def entry_unknowns(project, module: Module, function: str) -> List[Tuple[str, int, int]]:
    """(path, line, col) of the imports by computed name that calling `function` runs and modelreg
    cannot follow (in the functions it calls; what their modules run on import is `reachable`'s)."""
    seen: Set[Tuple[str, str]] = set()
    calls_run(project, module, [("name", function)], seen, 0)
    scopes: dict = {}
    for path, scope in seen:
        scopes.setdefault(path, set()).add(scope)
    out = []
    for path, found in sorted(scopes.items()):
        mod = project.by_path[path]
        facts = project.facts(mod)
        if facts.dynamic_imports:
            out.extend((path, line, col) for line, col in dynamic_targets(project, mod, facts, frozenset(found))[1])
    return out


def calls_run(project, module: Module, callees, seen: Set[Tuple[str, str]], depth: int) -> List[Module]:
    """What the calls `callees` (expressions of `module`) run, each followed to the function it names."""
    found: List[Module] = []
    if depth > CALL_DEPTH:
        return found
    for callee in callees:
        target = function_of(project, module, callee)
        if target is None:
            continue
        mod, name = target
        facts = project.facts(mod)
        scopes = local_closure(facts, [name]) - {s for p, s in seen if p == mod.path}
        if not scopes or facts.error is not None:
            continue
        seen |= {(mod.path, s) for s in scopes}
        found.extend(project.parents(mod))
        found.append(mod)
        found.extend(scoped_runs(project, mod, facts, scopes))
        inner = [c for scope, c in facts.function_calls if scope in scopes]
        found.extend(calls_run(project, mod, inner, seen, depth + 1))
    return found


def function_of(project, module: Module, callee) -> Optional[Tuple[Module, str]]:
    """(module, name) of the project function a callee expression names: a function of `module`, or one
    imported from another project module (`from shop import create_app`, `manage.import_models`)."""
    if callee[0] != "name":
        return None
    dotted = callee[1]
    for _ in range(CALL_DEPTH):  # re-exports followed a few hops
        head, _, last = dotted.rpartition(".")
        if head:
            value = project.eval_name(module, head)
            if value is None or value[0] != "module":
                return None
            module, dotted = value[1], last
            continue
        facts = project.facts(module)
        found = project.evaluator.module_bindings(module).get(dotted)
        if found is None:
            return (module, dotted) if _is_function(facts, dotted) else None
        binding = found[1]
        if binding[0] != "from":
            return None
        _, source, _ = project.from_source(module, binding[1])
        if source is None:
            return None
        module, dotted = source, binding[2]
    return None


def _is_function(facts: FileFacts, name: str) -> bool:
    """Whether the module defines a function `name` whose body modelreg reads (it imports or calls)."""
    scope = "def:" + name
    return any(s.scope == scope for s in facts.imports) or any(s == scope for s, _ in facts.function_calls)


def local_closure(facts: FileFacts, names) -> Set[str]:
    """The scopes `def:f` of the module's functions `names` and of the functions of the module they call
    in turn (a call graph inside one file)."""
    calls: dict = {}
    for scope, callee in facts.function_calls:
        if callee[0] == "name" and "." not in callee[1]:
            calls.setdefault(scope, set()).add("def:" + callee[1])
    out: Set[str] = set()
    stack = ["def:" + n for n in names]
    while stack:
        scope = stack.pop()
        if scope in out:
            continue
        out.add(scope)
        stack.extend(calls.get(scope, ()))
    return out


def scoped_runs(project, module: Module, facts: FileFacts, scopes) -> List[Module]:
    """The project modules the imports (and understood dynamic imports) of `scopes` of a module run."""
    found: List[Module] = []
    tops = project.all_tops
    for stmt in facts.imports:
        if stmt.scope not in scopes:
            continue
        if stmt.is_from:
            if not stmt.level and stmt.module.partition(".")[0] not in tops:
                continue  # `from typing import Optional`: nothing of the project runs
        elif all(n.partition(".")[0] not in tops or not project.is_project_name(n, module) for n, _ in stmt.names):
            continue  # `import datetime`, `import sqlalchemy as sa`
        found.extend(executed_by(project, module, stmt))
    if facts.dynamic_imports:
        found.extend(dynamic_targets(project, module, facts, scopes)[0])
    return found


def executed_by(project, module: Module, stmt: ImportStmt) -> List[Module]:
    """Modules a single import statement runs, parents first."""
    out: List[Module] = []
    if not stmt.is_from:
        for name, _ in stmt.names:
            parts = name.split(".")
            for i in range(len(parts), 0, -1):  # the part that exists still runs
                mod, _ = project.find_module(".".join(parts[:i]), module)
                if mod is not None:
                    out.extend(project.parents(mod))
                    out.append(mod)
                    break
        return out
    target, pkg, _ = project.from_source(module, stmt)
    if pkg is not None:
        out.extend(project.parents(pkg))
        out.append(pkg)
    elif target is None:
        return out
    else:  # `from app.models.gone import X`: Python runs the packages above the missing module first
        parts = target.split(".")
        for i in range(len(parts) - 1, 0, -1):
            mod, _ = project.find_module(".".join(parts[:i]), module)
            if mod is not None:
                out.extend(project.parents(mod))
                out.append(mod)
                break
    for name, _ in stmt.names:
        if name == "*":
            if pkg is not None:
                for n in star_names(project, pkg) or ():
                    sub = project.child(pkg, n)
                    if sub is not None:
                        out.append(sub)
            continue
        sub, _ = project.find_module(target + "." + name, module)
        if sub is not None:
            out.extend(m for m in project.parents(sub) if m not in out)
            out.append(sub)
    return out


def dynamic_targets(project, module: Module, facts: FileFacts, scopes: FrozenSet[str]):
    """(modules imported by understood dynamic imports, positions of the ones not understood)."""
    mods: List[Module] = []
    unknown: List[Tuple[int, int]] = []
    for d in facts.dynamic_imports:
        if d.scope not in scopes:
            continue
        if d.kind == "package":
            if d.target == ("name", "__path__"):
                pkg = module if module.is_package else project.by_root.get(module.root, {}).get(module.package)
            else:
                v = project.eval_expr(module, d.target) if d.target[0] != "other" else None
                pkg = v[1] if v and v[0] == "module" else None
            if pkg is None:
                unknown.append((d.line, d.col))
                continue
            for sub in project.submodules(pkg, d.recursive):
                if d.suffix:  # import_module(f"plugins.{name}.models"): the suffix module of each one
                    if not sub.is_package:
                        continue
                    sub, _ = project.find_module(sub.name + d.suffix, module)
                    if sub is None:
                        continue
                mods.extend(project.parents(sub))
                mods.append(sub)
        elif d.kind == "files":
            found = _listed_modules(project, module, d)
            if found is None:
                unknown.append((d.line, d.col))
            else:
                mods.extend(found)
        elif d.kind == "entry_points":
            mods.extend(_plugins(project, module, d))
        elif d.kind == "scan":
            if not any(stmt.module.partition(".")[0] == "pyramid" for stmt in facts.imports if stmt.is_from) and not any(
                n.partition(".")[0] == "pyramid" for stmt in facts.imports if not stmt.is_from for n, _ in stmt.names
            ):
                continue  # `.scan()` of something else than a Pyramid Configurator: no import
            mods.extend(_scanned(project, module, d, unknown))
        elif d.kind == "literal":
            mod, _ = project.find_module(d.target[1], module)
            if mod is not None:
                mods.extend(project.parents(mod))
                mods.append(mod)
        else:
            unknown.append((d.line, d.col))
    return mods, unknown


def _listed_modules(project, module: Module, d) -> Optional[List[Module]]:
    """The project modules a loop over the files of a folder imports (see index.dynamic._files_loop): the
    folder is the module's own directory joined with the names of its expression; None when one of them
    is not a known string (a path from configuration, an argument)."""
    folders: List[List[str]] = [[]]
    for part in d.target[1]:
        value = project.eval_expr(module, part)
        names = _strings(value)
        if names is None:
            return None
        folders = [f + [n] for f in folders for n in names]
    here = os.path.dirname(module.path)
    pattern, *filters = d.suffix.split("\n")
    out: List[Module] = []
    for parts in folders:
        folder = os.path.normpath(os.path.join(here, *parts))
        for mod in project.modules:
            where, name = os.path.split(mod.path)
            inside = where == folder or (d.recursive and where.startswith(folder + os.sep))
            if inside and fnmatch.fnmatch(name, pattern.rpartition("/")[2] or "*") and _kept(name, filters):
                out.extend(project.parents(mod))
                out.append(mod)
    return out


def _kept(name: str, filters: List[str]) -> bool:
    """Whether a file name passes the loop's literal filters ("+pattern" kept, "-pattern" left out)."""
    return all(fnmatch.fnmatchcase(name, f[1:]) == (f[0] == "+") for f in filters)


def _strings(value) -> Optional[List[str]]:
    if value is None:
        return None
    if value[0] == "str":
        return [value[1]]
    if value[0] == "list" and all(v is not None and v[0] == "str" for v in value[1]):
        return [v[1] for v in value[1]]
    return None


_ENTRY_POINT_LIBRARIES = ("importlib.metadata.", "importlib_metadata.", "pkg_resources.", "stevedore.")


def _plugins(project, module: Module, d) -> List[Module]:
    """The project modules an entry-point lookup of group `d.suffix` loads: those the project declares in
    that group (pyproject.toml, setup.cfg, setup.py); nothing for a callee of another library."""
    callee = project.eval_in_scope(module, d.target, d.scope)
    if callee is None or callee[0] != "ext" or not callee[1].startswith(_ENTRY_POINT_LIBRARIES):
        return []
    out: List[Module] = []
    for name, _ in modules_of(project.config.root, d.suffix):
        mod, _ = project.find_module(name, module)
        if mod is not None:
            out.extend(project.parents(mod))
            out.append(mod)
    return out


def _scanned(project, module: Module, d, unknown: List[Tuple[int, int]]) -> List[Module]:
    """The modules Pyramid's `config.scan()` imports (venusian): the package (the caller's by default)
    and every module below it whose name does not start with an `ignore=` name (`.name`: relative to the
    package) - venusian's own test, a plain prefix."""
    if d.target == ("name", "__path__"):
        pkg = module if module.is_package else project.by_root.get(module.root, {}).get(module.package)
    elif d.target[0] == "str":
        pkg, _ = project.find_module(d.target[1], module)
    else:
        v = project.eval_expr(module, d.target) if d.target[0] != "other" else None
        pkg = v[1] if v and v[0] == "module" else None
    if pkg is None:
        unknown.append((d.line, d.col))
        return []
    ignores = tuple(pkg.name + i if i.startswith(".") else i for i in d.suffix.split(",") if i)
    mods = project.parents(pkg) + [pkg]
    return mods + [m for m in project.submodules(pkg, True) if not m.name.startswith(ignores)]


def run_scopes(facts: FileFacts) -> FrozenSet[str]:
    """Scopes whose code runs on import: module level, plus functions called at module level and the
    functions of the module those call in turn."""
    if not facts.called_functions:
        return frozenset([MODULE])
    return frozenset([MODULE, *local_closure(facts, facts.called_functions)])


def reachable(project, start: Module, entry: Optional[str] = None) -> Set[str]:
    """Paths of every module that importing `start` runs (its parents, then its import closure), and
    then calling its function `entry` (a console script's `main`, an app factory), when given."""
    seen: Set[str] = set()
    stack = [start] + project.parents(start)
    if entry is not None:
        stack += entry_runs(project, start, entry)
    while stack:
        mod = stack.pop()
        if mod.path in seen:
            continue
        seen.add(mod.path)
        stack.extend(m for m in project.runs(mod) if m.path not in seen)
    return seen


def computed_name_start(module: Module, facts: FileFacts, line: int, col: int) -> Optional[str]:
    """The absolute start of the names the import by computed name at (line, col) can import
    (`f"app.plugins.{name}"`: "app.plugins."; `f".{name}"` against the calling package), None when
    nothing of its name is known (a name from a setting, an argument, `exec`) or no such import is there."""
    for d in facts.dynamic_imports:
        if d.kind != "unknown" or (d.line, d.col) != (line, col) or not d.suffix:
            continue
        start = d.suffix
        if not start.startswith("."):
            return start
        level = len(start) - len(start.lstrip("."))
        base = module.package.split(".") if module.package else []
        if level - 1 > len(base):
            return None  # beyond the top-level package: Python raises
        base = base[: len(base) - (level - 1)]
        return ".".join(base + [start[level:]]) if base else None
    return None


def could_load(project, start: str) -> Set[str]:
    """Paths of the project modules an import of a name starting with `start` can run: the modules so
    named (in any import root), their parents and what they import."""
    found: Set[str] = set()
    for names in project.by_root.values():
        for name, mod in names.items():
            if name.startswith(start) and mod.path not in found:
                found |= reachable(project, mod)
    return found
