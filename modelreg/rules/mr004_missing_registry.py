"""MR004 missing-registry

## What it finds
A base that has models but no registry module: either the configured
`registry = "path"` does not exist, or nothing governs the base at all (no
configured registry, no `__all_models.py`, no Alembic env.py targeting its
metadata, no `create_all()` on it). When Alembic's env.py takes the metadata
from the Flask app (Flask-Migrate), it is reported there: the app factory
decides what is loaded, and modelreg does not follow it; the message names the
module defining the base as a registry to configure, unless a line importing a
model there would run while a module is still part-way initialized (CTFd's
`CTFd/models/__init__.py` runs inside `CTFd.utils`): then it says not to.

## Why it matters
Without a registry nothing guarantees that every model module is imported
before `create_all()` or Alembic's autogenerate runs; tables go missing as soon
as one module is not imported by accident.

## Example
```toml
[tool.modelreg]
registry = "app/db/all_models.py"   # the file does not exist
```

## Fix
Safe: `modelreg --fix` creates the file: a short header docstring, then
`import pkg.mod  # noqa: F401` per model module, sorted
(`from pkg.mod import Cls  # noqa: F401` in class mode). Without config it is
created as `__all_models.py` beside the base's module. It only creates a new
file of imports.
"""

from __future__ import annotations

import os

from ..resolve.alembic_envs import flask_migrate_envs
from ..types import Registry

CODE = "MR004"
NAME = "missing-registry"
SUMMARY = "Models have no registry module"
FIX_TITLE = "Create the registry"


def _base_module(analysis, base: str):
    """The project module that defines the base (its key is `path::name`)."""
    return analysis.project.by_path.get(base.partition("::")[0])


def _where(analysis, models) -> str:
    """Which module to configure: the one defining the models' base, unless a line importing one of them
    there would read a name of a module still part-way initialized when it runs (then: not that one)."""
    module = _base_module(analysis, models[0].base)
    if module is None:
        return ""
    rel = analysis.rel(module.path)
    candidate = Registry(module.path, module, "config")
    for m in models:
        if m.module.path == module.path:
            continue
        blocked = analysis.startup_conflict(candidate, m.module)
        if blocked is not None:
            conflict = blocked[0]
            return (
                f", but not {rel}: it runs while {conflict.holder.module.name} is only part-way initialized, and "
                f"importing {m.module.name} there would run `from {conflict.holder.module.name} import "
                f"{conflict.name}` too early"
            )
    return f" (the models' base is defined in {rel}: `registry = \"{rel}\"` if it imports them)"


def check(analysis):
    for reg in analysis.registries:
        if reg.module is not None:
            continue
        models = analysis.missing_registry_models(reg.path)
        if not models:
            continue
        names = ", ".join(m.name for m in models[:3]) + (", ..." if len(models) > 3 else "")
        count = f"{len(models)} model{'s' if len(models) != 1 else ''} not registered ({names})"
        if os.path.lexists(reg.path):
            # something is there (a directory, a file that is not a configured registry): never overwrite it
            what = "a directory" if os.path.isdir(reg.path) else "not a registry modelreg may edit"
            hint = "" if reg.source == "config" else "; configure a registry for this base"
            yield analysis.diagnostic(
                CODE,
                f"registry {analysis.rel(reg.path)} is {what}{hint}: {count}",
                reg.path,
                1,
                0,
                1,
                registry=reg.path,
            )
            continue
        if reg.source == "config":
            yield analysis.diagnostic(
                CODE,
                f"configured registry {analysis.rel(reg.path)} does not exist: {count}",
                reg.path,
                1,
                0,
                1,
                registry=reg.path,
                fixable=True,
            )
            continue
        # nothing loads this base's metadata (no Alembic env.py targets it, no create_all() is called on
        # it): a registry created here would be imported by nothing, so it is not created automatically
        flask_envs = flask_migrate_envs(analysis.project)
        if flask_envs:
            yield analysis.diagnostic(
                CODE,
                f"{analysis.rel(flask_envs[0].path)} takes its metadata from the Flask app (Flask-Migrate's "
                "`current_app.extensions['migrate'].db`): which models it loads depends on the app factory, "
                f"which modelreg does not follow: {count}; configure the module that imports every model as "
                f"`registry` in [tool.modelreg]{_where(analysis, models)}",
                flask_envs[0].path,
                1,
                0,
                1,
                registry=reg.path,
            )
            continue
        yield analysis.diagnostic(
            CODE,
            f"no registry governs their base and nothing loads its metadata (no Alembic env.py targets it, "
            f"no create_all() is called on it): {count}; create a registry (e.g. {analysis.rel(reg.path)}), "
            "import it where the metadata is used, and configure it",
            reg.path,
            1,
            0,
            1,
            registry=reg.path,
        )
