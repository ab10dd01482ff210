"""What importing a module runs: its run-time imports (parents first), the modules its understood
dynamic imports load, and, transitively, everything importing a registry executes.

Python's rules, on the module graph (modelreg.imports): `import a.b.c` runs `a`, `a.b`, `a.b.c`;
`from a.b import c` runs `a`, `a.b` and the submodule `a.b.c` if there is one; imports inside
functions called at module level run too, `if TYPE_CHECKING:` blocks do not. Each module's direct
run list is memoized in the project's results (modelreg.state).
"""

from __future__ import annotations

from typing import FrozenSet, List, Set, Tuple

from ..types import MODULE, FileFacts, ImportStmt, Module


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
    found: List[Module] = []
    facts = project.facts(module)
    if facts.error is None:
        scopes = run_scopes(facts)
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
                for n in project.facts(pkg).all_names or ():
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
        elif d.kind == "literal":
            mod, _ = project.find_module(d.target[1], module)
            if mod is not None:
                mods.extend(project.parents(mod))
                mods.append(mod)
        else:
            unknown.append((d.line, d.col))
    return mods, unknown


def run_scopes(facts: FileFacts) -> FrozenSet[str]:
    """Scopes whose code runs on import: module level, plus functions called at module level."""
    return frozenset([MODULE] + ["def:" + f for f in facts.called_functions])


def reachable(project, start: Module) -> Set[str]:
    """Paths of every module that importing `start` runs (its parents, then its import closure)."""
    seen: Set[str] = set()
    stack = [start] + project.parents(start)
    while stack:
        mod = stack.pop()
        if mod.path in seen:
            continue
        seen.add(mod.path)
        stack.extend(m for m in project.runs(mod) if m.path not in seen)
    return seen
