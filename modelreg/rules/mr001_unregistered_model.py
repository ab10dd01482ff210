"""MR001 unregistered-model

## What it finds
A model class, Core table or imperative mapping whose defining module is not
registered by the registry that governs its declarative base (or metadata).
Reported at the class name; the message names the model, the registry and the
statement that would register it.

## Why it matters
SQLAlchemy only knows a table once the module defining its model has been
imported. When the registry forgets it, `Base.metadata` lacks the table:
`create_all()` silently skips it, and `alembic revision --autogenerate` writes
an empty migration - or, when the table already exists in the database, one
that drops it.

## Example
```python
# pypi_org/data/audit.py
class Audit(SqlAlchemyBase):
    __tablename__ = "auditing"

# pypi_org/data/__all_models.py: no line imports pypi_org.data.audit
```
Use instead: add `import pypi_org.data.audit` (in the registry's own style) to
`pypi_org/data/__all_models.py`.

## Fix
Safe: `modelreg --fix` adds that statement to the registry, in the registry's
own style (docs: "Fixing"). It only adds an import of a module of your own
project that defines a model. Not offered when no statement in the registry can
import the module under the name modelreg found for it (the message then says
so instead of proposing one).

Not reported for a model defined in a test module (`tests/`, `test_*.py`, `conftest.py`) when the
registry is application code: a test's own model is not the registry's to load. Not reported either
for a model whose table an Alembic env.py targeting its base leaves out by name (`include_name` or
`include_object` returning False for `name in ("activity", ...)` / `name == "activity"`): autogenerate
neither creates nor drops that table, whatever the registry imports (ckan leaves its plugins' tables
to the plugins' own migrations this way).
"""

from __future__ import annotations

from .. import style
from ..resolve.registries import is_test_path

CODE = "MR001"
NAME = "unregistered-model"
SUMMARY = "Model is not registered by its registry"
FIX_TITLE = "Import its module in the registry"


def _unparsable(analysis, reg) -> bool:
    """The registry, or (in reachable mode) a module it runs, cannot be parsed: MR100 speaks for it.

    Its imports are unknown, so every verdict about its models would be a guess.
    """
    project = analysis.project
    paths = analysis.reach(reg) if analysis.require == "reachable" else {reg.path}
    return any(project.error_of(project.by_path[p]) is not None for p in paths if p in project.by_path)


def check(analysis):
    verdicts = {}  # id of a governing-registry list -> the registries to judge by (None: others speak)
    for model in analysis.models:
        if model.abstract:
            continue
        governing = analysis.governing(model)  # one list per (base, import root): cached
        regs = verdicts.get(id(governing), ())
        if regs == ():
            regs = [r for r in governing if r.module is not None]
            if not regs or any(analysis.opaque(r) for r in regs):  # MR004 / MR006 speak for these
                regs = None
            elif any(_unparsable(analysis, r) for r in regs):  # MR100 speaks for these
                regs = None
            verdicts[id(governing)] = regs
        if regs is None:
            continue
        if any(analysis.registers(r, model) for r in regs):
            continue
        if analysis.left_out_by_env(model):
            continue  # the env.py leaves this table out of autogenerate by name (ckan's plugin tables)
        if analysis.full_parse_error(model.module) is not None:
            continue  # Python cannot import its file: MR100 says so, and registering it would break the registry
        if is_test_path(analysis.rel(model.module.path)) and not any(is_test_path(analysis.rel(r.path)) for r in regs):
            continue  # a model a test defines on the application's base is not the registry's to load
        reg = regs[0]
        stmt = analysis.suggestion(reg, model)
        fixable = style.resolves(analysis.project, reg.module, model.module, stmt)
        how = f"add `{stmt}`" if fixable else f"no statement in it can import {model.module.name} by that name"
        what = {
            "class": f"model {model.name}",
            "table": f"table {model.table!r}",
            "imperative": f"imperative mapping of {model.name}",
        }[model.kind]
        yield analysis.diagnostic(
            CODE,
            f"{what} ({model.module.name}) is not registered: {analysis.rel(reg.path)} does not import it; "
            f"{how}",
            model.module.path,
            model.line,
            model.col,
            len(model.name),
            model=f"{model.module.name}.{model.name}",
            registry=reg.path,
            fixable=fixable,
        )
