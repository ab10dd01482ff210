"""Plan: which imports to add to a registry, which to remove, and why - as plain data.

Everything here is decided with the project (its module graph, the registry's style, what each model
module reads of the registry); nothing here touches libcst. Where a statement goes in the file, and
how it is laid out, is the apply stage's business.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple

from .. import style as style_mod
from ..types import Diagnostic, ModelInfo, Module, Registry
from ..uses import remaining_uses
from .needs import needs as needs_of
from .nodes import nameable
from .types import Addition, Insertion, Join, RegistryPlan, RegistrySource, Removal


@dataclass(frozen=True)
class RegistryRequest:
    """The fixable diagnostics of one registry: models to register, stale imports to remove
    (line, alias number or -1, the diagnostic's message)."""

    path: str
    models: Tuple[ModelInfo, ...]
    removals: Tuple[Tuple[int, int, str], ...]
    count: int  # diagnostics


@dataclass(frozen=True)
class EnvRequest:
    """MR003 in one Alembic env.py: (kind, line of the base's import, `import <registry>`) fixes."""

    path: str
    items: Tuple[tuple, ...]


def requests(analysis, diagnostics: Sequence[Diagnostic]) -> Tuple[List[RegistryRequest], List[EnvRequest]]:
    """The fixable diagnostics grouped per file, registries and env.py files each sorted by path."""
    models: Dict[str, List[ModelInfo]] = {}
    removals: Dict[str, list] = {}
    counts: Dict[str, int] = {}
    env_fixes: Dict[str, list] = {}
    models_by_key = {f"{m.module.name}.{m.name}": m for m in analysis.models}
    for d in diagnostics:
        if not d.fixable or d.registry is None:
            continue
        if d.code == "MR003":
            if d.fix:
                env_fixes.setdefault(d.path, []).append(d.fix)
            continue
        counts[d.registry] = counts.get(d.registry, 0) + 1
        wanted, stale = models.setdefault(d.registry, []), removals.setdefault(d.registry, [])
        if d.code in ("MR001", "MR004") and d.model:
            if d.model in models_by_key:
                wanted.append(models_by_key[d.model])
        elif d.code == "MR004":
            wanted.extend(analysis.missing_registry_models(d.registry))
        elif d.code == "MR002" and d.fix:
            stale.append((d.fix[1], d.fix[2], d.message))
    registries = [RegistryRequest(p, tuple(models[p]), tuple(removals[p]), counts[p]) for p in sorted(counts)]
    envs = [EnvRequest(path, tuple(items)) for path, items in sorted(env_fixes.items())]
    return registries, envs


# -- a registry ------------------------------------------------------------------------


def plan_registry(
    analysis, reg: Registry, request: RegistryRequest, source: Optional[RegistrySource], settings: style_mod.ToolSettings
) -> RegistryPlan:
    """What to change in `reg` (`source` None: the registry does not exist yet, it is created);
    `settings`: the project's formatter and linter settings (style.tool_settings)."""
    project = analysis.project
    styled = _styled(analysis, reg, request.models)
    if source is None:
        return RegistryPlan(reg.path, additions=tuple(styled), fixed=request.count)
    removals, kept = _removals(source, request.removals)
    additions = tuple(_placed(project, reg.module, a, source) for a in styled)
    linted = _linted(settings, reg.module.path)
    return RegistryPlan(reg.path, removals, kept, additions, linted=linted, fixed=request.count - len(kept))


def _styled(analysis, reg: Registry, models: Sequence[ModelInfo]) -> List[Addition]:
    """One addition per model module (per class with `require = "class"`), in the registry's style."""
    mode = analysis.require
    project = analysis.project
    st = style_mod.detect(project, reg.module, mode)
    grouped: Dict[str, List[ModelInfo]] = {}
    for m in models:
        grouped.setdefault(m.module.path, []).append(m)
    out = []
    for ms in grouped.values():
        target = ms[0].module
        classes = tuple(sorted({m.name for m in ms}))
        for group in [(c,) for c in classes] if mode == "class" else [classes]:
            statement = style_mod.safe_statement(project, st, reg.module, target, list(group))
            why = tuple(f"{target.name}.{c}" for c in group)
            out.append(Addition(target, group, statement, why, nameable(target.name)))
    return out


def _placed(project, registry: Module, a: Addition, source: RegistrySource) -> Addition:
    """The addition with what its placement depends on: what importing the target reads of the
    registry first, whether Python finds the target through each form, which name lists it can join."""
    target = a.target
    needs, cycle = needs_of(project, registry, target)
    importable = project.find_module(target.name, registry)[0] == target
    if not a.nameable:
        return replace(a, needs=needs, cycle=cycle, importable=importable)
    resolves = style_mod.resolves(project, registry, target, a.statement)
    joins = tuple(_joins(project, registry, target, a.classes, source))
    return replace(a, needs=needs, cycle=cycle, resolves=resolves, importable=importable, joins=joins)


def _joins(project, registry: Module, target: Module, classes: Tuple[str, ...], source: RegistrySource):
    """The registry's `from X import a, b` lists that provide the target: a list of modules the module
    itself, a list of classes every one of its classes."""
    leaf = target.name.rpartition(".")[2]
    for s in source.statements:
        if not s.is_list:
            continue
        names_module = project.imported_value(registry, s.fact, s.fact.names[0][0])
        if names_module is not None and names_module[0] == "module":
            if project.imported_value(registry, s.fact, leaf) == ("module", target):
                yield Join(s.line, (leaf,))
        else:
            provided = [c for c in classes if project.imported_value(registry, s.fact, c) == ("class", target, c)]
            if set(provided) == set(classes):
                yield Join(s.line, tuple(provided))


def _linted(settings: style_mod.ToolSettings, path: str) -> bool:
    """Whether a linter would delete an unused import here: in a project running ruff (F401 selected)
    or flake8, and in Alembic's env.py (linted with the application code)."""
    return settings.unused_import_linter or os.path.basename(path) == "env.py"


def _removals(source: RegistrySource, wanted) -> Tuple[Tuple[Removal, ...], Tuple[Removal, ...]]:
    """(removals, kept): stale imports to remove, last first, and those that must stay because the file
    reads a name only they bind (removing one would turn the ImportError into a NameError)."""
    aliases = {s.line: (list(s.aliases) if s.aliases is not None else None) for s in source.statements if s.is_import}
    gone = set()
    removals, kept = [], []
    for line, index, why in sorted(wanted, reverse=True):
        if line not in aliases or line in gone:
            continue  # no import starts on that line (any more)
        names = aliases[line]
        if names is not None:
            lost = [names[index]] if index >= 0 and len(names) > 1 else list(names)
            if remaining_uses(source.source, source.path, line, lost) != []:
                kept.append(Removal(line, index, f"kept: the file reads a name only it binds ({why})"))
                continue
        if index >= 0 and names is not None and len(names) > 1:
            names.pop(index)
            removals.append(Removal(line, index, why))
        else:
            gone.add(line)
            removals.append(Removal(line, -1, why))
    return tuple(removals), tuple(kept)


# -- env.py (MR003) ------------------------------------------------------------------------


def plan_env(request: EnvRequest) -> RegistryPlan:
    """MR003: import the registry in Alembic's env.py right after the base's import."""
    insertions = tuple(
        Insertion(line, statement, "# noqa: F401") for _, line, statement in request.items if not _runs_migrations(statement)
    )
    return RegistryPlan(request.path, insertions=insertions, fixed=len(request.items))


def _runs_migrations(statement: str) -> bool:
    """`import <...>.env`: the registry to load is itself an Alembic env.py (importing another env.py
    would run its migrations inside this one's run)."""
    return statement.rpartition(".")[2] == "env" or statement == "import env"
