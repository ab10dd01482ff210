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
verified; `modelreg verify` checks it at runtime. When the start of the computed
name is literal (`import_module(f"app.plugins.{name}")`, `"app.plugins." + name`,
`import_module(f".{name}", package=__name__)`), the message names what it could
load (the modules so named and what they import) and the models among them that
are not registered; MR001 is still reported for the models outside (no path
modelreg follows loads them, and neither can this import). When nothing of the
name is known (a setting, an environment variable), it could load any module,
and MR001 is not reported for the registry's models.

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


def _loads(analysis, reg, paths) -> str:
    """The models of the registry's bases that are not registered and that one of `paths` defines."""
    names = sorted(
        f"{m.module.name}.{m.name}"
        for m in analysis.models
        if not m.abstract
        and m.module.path in paths
        and reg in analysis.governing(m)
        and not analysis.registers(reg, m)
    )
    if not names:
        return "none of its models that are not registered"
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return ", ".join(names[:5]) + more


def check(analysis):
    for reg in analysis.registries:
        if reg.bases == ():  # a module loaded by a registry: its registry speaks for it
            continue
        positions = analysis.opaque(reg)
        if not positions:
            continue
        path, line, col = positions[0]
        where = "" if path == reg.path else f" (through {analysis.rel(path)})"
        scope = analysis.could_load(reg)
        if scope is None:
            message = (
                f"registry {analysis.rel(reg.path)} imports modules by computed names{where}; nothing of the "
                "name is known, so it could load any module: its coverage cannot be verified statically "
                "(MR001 is not reported for its models)"
            )
        else:
            starts = " or ".join(f"`{s}*`" for s in scope[0])
            message = (
                f"registry {analysis.rel(reg.path)} imports modules by computed names{where}; it could load "
                f"the modules named {starts} and what they import, so their coverage cannot be verified "
                f"statically: MR001 is not reported for {_loads(analysis, reg, scope[1])}, and is for the "
                "models nothing else loads"
            )
        yield analysis.diagnostic(CODE, message, path, line, col, 1, registry=reg.path)
