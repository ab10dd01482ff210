"""MR003 registry-not-loaded

## What it finds
Alembic's `env.py` sets `target_metadata` from a base, but none of its
module-level imports loads that base's registry. Also a module that calls
`Base.metadata.create_all(...)` without the registry being imported by that
module or by the function making the call. Reported at the `target_metadata`
line (or at the `create_all` call).

## Why it matters
Autogenerate compares the database with `target_metadata`; when the registry is
never imported, the metadata holds no (or only some) tables, and autogenerate
writes an empty migration - or one that drops your tables. `create_all()`
silently creates nothing.

## Example
```python
# alembic/env.py
from app.db.base_class import Base   # the base, but not app/db/base.py that imports the models
target_metadata = Base.metadata
```

## Fix
For env.py, `modelreg --fix` adds `import <registry>  # noqa: F401` right after
the statement that imports the base. Safe: importing the registry is what
env.py is meant to do. The `create_all()` case is not fixed automatically
(where to import is a design decision), and neither is an env.py whose registry
is another Alembic env.py: importing it would run that env.py's migrations
inside this one's run.
"""

from __future__ import annotations

from ..resolve.reach import reachable

CODE = "MR003"
NAME = "registry-not-loaded"
SUMMARY = "Registry is never imported where the metadata is used"
FIX_TITLE = "Import the registry"


def check(analysis):
    project = analysis.project
    envs = {env.module.path for env in project.alembic_envs()}
    for env in project.alembic_envs():
        reach = None
        for key, line in env.targets:
            regs = [r for r in analysis.registries if r.module is not None and project.governs(r, key, env.module.root)]
            if not regs or any(r.module.path == env.module.path or r.source in ("entry point", "Flask app") for r in regs):
                continue  # (an application entry point loads the models, then runs env.py)
            if any(r.module.path in envs for r in regs):
                # the registry is another env.py (a plugin's env.py next to the core one): importing it
                # would run the other migrations; each env.py loads its own tables
                continue
            reach = reachable(project, env.module) if reach is None else reach
            if any(r.module.path in reach for r in regs):
                continue
            reg = regs[0]
            info = project.bases.get(key)
            importable = reg.module.path not in {e.module.path for e in project.alembic_envs()} and not (
                reg.module.name == "env" or reg.module.name.endswith(".env")
            )
            yield analysis.diagnostic(
                CODE,
                f"env.py sets target_metadata from {info.name if info else key} but never imports its registry "
                f"{analysis.rel(reg.path)}: autogenerate will not see its tables; "
                + (
                    f"add `import {reg.module.name}`"
                    if importable
                    else "that registry is itself an Alembic env.py (importing it would run its migrations): "
                    "import the model modules here"
                ),
                env.module.path,
                line,
                0,
                len("target_metadata"),
                registry=reg.path,
                fixable=importable,
                fix=("env-import", env.import_lines.get(key), f"import {reg.module.name}") if importable else None,
            )
    used = {m.base for m in analysis.models}
    for module, call, key in project.create_all_calls():
        if key not in used:
            continue  # a metadata no model or table of the project lands on: no registry adds to it
        # Alembic's env.py as the registry cannot be imported by application code: nothing to ask for
        regs = [
            r for r in analysis.registries
            if r.module is not None and r.module.path not in envs and project.governs(r, key, module.root)
        ]
        if not regs or any(r.module.path == module.path for r in regs):
            continue
        loaded = reachable(project, module)
        if call.scope.startswith("def:"):
            loaded = loaded | _function_imports(project, module, call.scope)
        if any(r.module.path in loaded for r in regs):
            continue
        reg = regs[0]
        yield analysis.diagnostic(
            CODE,
            f"create_all() runs without the registry {analysis.rel(reg.path)} being imported here: "
            f"tables of unimported models are not created; import {reg.module.name} first",
            module.path,
            call.line,
            call.col,
            len("create_all"),
            registry=reg.path,
        )


def _function_imports(project, module, scope):
    """Modules loaded by the imports inside one function (and everything they load)."""
    from ..resolve.reach import executed_by

    out = set()
    for stmt in project.facts(module).imports:
        if stmt.scope == scope:
            for m in executed_by(project, module, stmt):
                out |= reachable(project, m)
    return out
