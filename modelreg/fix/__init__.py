"""Fixes: edit a registry with libcst, in its own style, and write it back safely.

The fixer is a pipeline, one module per stage, plain data between them (types.py):

- translate.py: a registry's bytes and facts -> :class:`RegistrySource` (its statements, its names);
- planner.py: the fixable diagnostics -> one :class:`RegistryPlan` per file (what to add and remove, why;
  needs.py: what importing a model module reads of the registry first);
- apply.py: the plan carried out with libcst on a draft (draft.py) -> the new bytes; placement.py says
  where an import goes and how it looks, removal.py removes keeping the author's comments,
  dunder_all.py and commas.py edit name lists; nodes.py answers small questions about libcst nodes;
- safety.py: the parse check, the project root, the atomic write and the project lock.

``plan()`` runs the first three for every file with fixable diagnostics and returns one
:class:`FileFix` per changed file; ``write()`` writes one. Only registries (and, for MR003, Alembic's
env.py) are ever edited, and every byte the fix does not mean to change is kept.
"""

from __future__ import annotations

import os
from typing import Callable, List, Sequence, Tuple

from .. import style as style_mod
from ..types import Diagnostic, Registry
from . import apply as apply_stage
from . import planner, translate
from .apply import NEW_REGISTRY_HEADER
from .safety import TOO_DEEP, FixError, check_parses, inside, project_lock, write
from .types import FileFix

__all__ = ["NEW_REGISTRY_HEADER", "FileFix", "FixError", "inside", "plan", "project_lock", "read_file", "write"]


def read_file(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def plan(
    analysis, diagnostics: Sequence[Diagnostic], read: Callable[[str], bytes] = read_file
) -> Tuple[List[FileFix], List[Tuple[str, str]]]:
    """(fixes, errors): one FileFix per registry with fixable diagnostics; errors as (path, message).

    ``read`` gives a file's current bytes (the language server passes unsaved buffers)."""
    registries, envs = planner.requests(analysis, diagnostics)
    by_path = {r.path: r for r in analysis.registries}
    jobs = [
        (request.path, lambda request=request: _fix_registry(analysis, by_path[request.path], request, read))
        for request in registries
        if request.path in by_path
    ]
    jobs += [(request.path, lambda request=request: _fix_env(analysis, request, read)) for request in envs]
    fixes: List[FileFix] = []
    errors: List[Tuple[str, str]] = []
    for path, job in jobs:
        try:
            fx = job()
        except FixError as exc:
            errors.append((path, str(exc)))
            continue
        except (RecursionError, MemoryError):  # libcst recursing through a deeply nested expression
            errors.append((path, TOO_DEEP))
            continue
        if fx.changed:
            fixes.append(fx)
    return fixes, errors


def _fix_registry(analysis, reg: Registry, request: planner.RegistryRequest, read) -> FileFix:
    """translate -> plan -> apply for one registry (or its creation when it does not exist yet)."""
    project = analysis.project
    if reg.module is None or not os.path.exists(reg.path):
        if os.path.lexists(reg.path):
            raise FixError("a file or directory is already there and is not a registry modelreg can edit; nothing written")
        todo = planner.plan_registry(analysis, reg, request, None, style_mod.ToolSettings())
        new = apply_stage.new_registry(todo)
        check_parses(reg.path, new)
        return FileFix(reg.path, None, new, added=[a.statement for a in todo.additions], fixed=todo.fixed)
    old = read(reg.path)
    source = translate.read_registry(reg.path, old, project, reg.module, project.facts(reg.module).imports)
    settings = style_mod.tool_settings(project.config.root)
    todo = planner.plan_registry(analysis, reg, request, source, settings)
    done = apply_stage.apply_plan(source, todo, settings)
    return _checked(reg.path, old, done, todo.fixed)


def _fix_env(analysis, request: planner.EnvRequest, read) -> FileFix:
    """MR003: import the registry in Alembic's env.py right after the base's import."""
    project = analysis.project
    old = read(request.path)
    module = project.by_path[request.path]
    source = translate.read_registry(request.path, old, project, module, project.facts(module).imports)
    todo = planner.plan_env(request)
    return _checked(request.path, old, apply_stage.apply_plan(source, todo), todo.fixed)


def _checked(path: str, old: bytes, done, fixed: int) -> FileFix:
    """The fix of an existing file, once its new text is known to parse."""
    if done.new != old:
        check_parses(path, done.new)
    return FileFix(path, old, done.new, added=list(done.added), removed=list(done.removed), fixed=fixed)
