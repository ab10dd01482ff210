"""MR006 unverifiable-registry

## What it finds
A registry that imports modules through names computed at runtime
(`importlib.import_module(name)`, `__import__`) or through code in a string
(`exec("import app.models")`), other than the loaders modelreg evaluates (a loop
over `pkgutil.iter_modules(pkg.__path__)` / `walk_packages`, or over the files of
the module's own folder, `config.scan()`, entry points the project declares) - in
the registry itself, in a module it runs (in `reachable` mode), or in a function
the application's entry point calls.

## Why it matters
modelreg cannot tell statically which models such a registry loads. Rather than
report every model as unregistered, it says once that coverage cannot be
verified; `modelreg verify` checks it at runtime.

## Example
```python
for name in os.environ["MODEL_MODULES"].split(","):
    importlib.import_module(name)
```

## Fix
None: rewrite the registry with plain imports, or with the `pkgutil` loop.
"""

from __future__ import annotations

CODE = "MR006"
NAME = "unverifiable-registry"
SUMMARY = "Registry coverage cannot be verified statically"
FIX_TITLE = None


def check(analysis):
    for reg in analysis.registries:
        if reg.bases == ():  # a module loaded by a registry: its registry speaks for it
            continue
        positions = analysis.opaque(reg)
        if positions:
            path, line, col = positions[0]
            where = "" if path == reg.path else f" (through {analysis.rel(path)})"
            yield analysis.diagnostic(
                CODE,
                f"registry {analysis.rel(reg.path)} imports modules by computed names{where}; "
                "its coverage cannot be verified statically (MR001 is not reported for its models)",
                path,
                line,
                col,
                1,
                registry=reg.path,
            )
