"""What importing a module needs of the registry that imports it.

A model module doing `from app.db.all_models import Base` reads `Base` from the registry while the
registry runs: the import that registers it must come after the statement binding `Base`. And a
module that imports the registry runs it part-way (a cycle): only `import a.b.c` leaves that alone.
"""

from __future__ import annotations

from typing import FrozenSet, List, Optional, Set, Tuple

from ..resolve import Project
from ..resolve.reach import run_scopes
from ..types import Module


def needs(project: Project, registry: Module, target: Module) -> Tuple[Optional[FrozenSet[str]], bool]:
    """(names of the registry that importing `target` uses before it is done - None: any of them -,
    whether importing `target` runs the registry while `target` itself is only part-way run).

    Follows what `target` runs (directly or through the modules it imports), never through the
    registry itself; a module doing `from <registry> import X` needs X bound first."""
    names: Set[str] = set()
    everything = reached = False
    seen: Set[str] = {registry.path}
    stack = [target]
    while stack:
        mod = stack.pop()
        if mod.path in seen:
            continue
        seen.add(mod.path)
        found, any_name, reaches = _reads_of(project, registry, mod)
        names.update(found)
        everything = everything or any_name
        reached = reached or reaches
        for m in project.runs(mod):
            if m.path == registry.path:
                reached = True
            elif m.path not in seen:
                stack.append(m)
    cycle = reached and registry not in project.parents(target) and registry != target
    return (None if everything else frozenset(names)), cycle


def _reads_of(project: Project, registry: Module, mod: Module) -> Tuple[List[str], bool, bool]:
    """(the registry's names `mod`'s imports read, whether they may read any, whether they reach it)."""
    names: List[str] = []
    everything = reached = False
    facts = project.facts(mod)
    scopes = run_scopes(facts)
    for stmt in facts.imports:
        if stmt.scope not in scopes:
            continue
        if not stmt.is_from:
            if any(n == registry.name or (a is None and n.startswith(registry.name + ".")) for n, a in stmt.names):
                reached = everything = True
            continue
        name, pkg, _ = project.from_source(mod, stmt)
        if pkg == registry:
            reached = True
            everything = everything or any(n == "*" for n, _ in stmt.names)
            names.extend(n for n, _ in stmt.names if n != "*")
        elif name is not None and any(project.find_module(f"{name}.{n}", mod)[0] == registry for n, _ in stmt.names):
            reached = everything = True  # `from pkg import registry`: any attribute
    return names, everything, reached
