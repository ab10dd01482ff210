"""MR004 missing-registry

## What it finds
A base that has models but no registry module: either the configured
`registry = "path"` does not exist, or no `__all_models.py` (or configured
registry) governs the base at all.

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

CODE = "MR004"
NAME = "missing-registry"
SUMMARY = "Models have no registry module"
FIX_TITLE = "Create the registry"


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
        why = "configured registry" if reg.source == "config" else "no registry governs their base; expected registry"
        yield analysis.diagnostic(
            CODE,
            f"{why} {analysis.rel(reg.path)} does not exist: {len(models)} model"
            f"{'s' if len(models) != 1 else ''} not registered ({names})",
            reg.path,
            1,
            0,
            1,
            registry=reg.path,
            fixable=True,
        )
