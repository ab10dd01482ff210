"""`--verbose`: why each model is or is not registered - the import chain from its registry to the
model's module, or where that chain breaks. Reads the resolved project; changes nothing."""

from __future__ import annotations

from collections import deque
from typing import Dict, Iterator, List, Optional

from .types import ModelInfo, Module


def import_chain(project, start: Module, target: str) -> Optional[List[Module]]:
    """The shortest chain of module-level imports by which importing ``start`` runs the module at
    path ``target`` (``[start, ..., target]``), or None. A package's ``__init__`` runs before its
    modules: a parent package counts as run by the module below it."""
    previous: Dict[str, Optional[Module]] = {start.path: None}
    queue = deque([start])
    for parent in project.parents(start):
        if parent.path not in previous:
            previous[parent.path] = start
            queue.append(parent)
    while queue:
        mod = queue.popleft()
        if mod.path == target:
            chain = [mod]
            while previous[chain[-1].path] is not None:
                chain.append(previous[chain[-1].path])
            return list(reversed(chain))
        for nxt in project.runs(mod):
            if nxt.path not in previous:
                previous[nxt.path] = mod
                queue.append(nxt)
    return None


def importers(project, target: str) -> List[Module]:
    """The project modules whose module-level imports run the module at path ``target``."""
    return [m for m in project.modules if m.path != target and any(r.path == target for r in project.runs(m))]


def explain(analysis, model: ModelInfo) -> str:
    """One line: the model, then its verdict and the reason."""
    project = analysis.project
    who = f"{model.module.name}.{model.name}"
    if model.abstract:
        return f"{who}: abstract, not a table: nothing to register"
    governing = analysis.governing(model)
    if not governing:
        base = project.bases.get(model.base)
        return f"{who}: no registry governs its base {base.name if base else model.base} (MR004)"
    parts = []
    for reg in governing:
        where = f"{analysis.rel(reg.path)} ({reg.source})"
        if reg.module is None:
            parts.append(f"{where} does not exist")
            continue
        chain = import_chain(project, reg.module, model.module.path)
        registered = analysis.registers(reg, model)
        verdict = "registered by" if registered else "NOT registered by"
        if chain is not None:
            path = " -> ".join(m.name for m in chain)
            how = f"importing it runs {path}"
            if analysis.require != "reachable" and not registered:
                how += f", but require = {analysis.require!r} wants a statement of the registry's own"
        else:
            callers = importers(project, model.module.path)
            if callers:
                names = ", ".join(m.name for m in callers[:5]) + (", ..." if len(callers) > 5 else "")
                how = f"the chain breaks: {model.module.name} is imported by {names}, which importing it never runs"
            else:
                how = f"the chain breaks: no module of the project imports {model.module.name}"
        if analysis.opaque(reg):
            how += "; it also imports by computed names modelreg cannot follow (MR006)"
        parts.append(f"{verdict} {where}: {how}")
    return f"{who}: " + "; ".join(parts)


def explain_all(analysis, scopes=()) -> Iterator[str]:
    from .runner import under

    for model in sorted(analysis.models, key=lambda m: (m.module.path, m.line)):
        if scopes and not under(model.module.path, scopes):
            continue
        yield explain(analysis, model)
