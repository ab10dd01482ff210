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
so instead of proposing one). Not offered either when the registry runs while
another module is only part-way initialized (a package `__init__.py` such as
CTFd's `CTFd/models/__init__.py`, run from `CTFd/__init__.py` -> `CTFd.utils`)
and importing the model's module there would read a name that module has not
bound yet (`ImportError: ... partially initialized module`): the message gives
that chain and the module at whose end a line would be safe, if there is one.
Every startup path counts: importing the registry itself, and each entry
script (`wsgi.py`, `manage.py`, a package's `__main__`, Alembic's env.py).

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


def _not_there(analysis, reg, target, conflict, safe) -> str:
    """Why no line in the registry can import `target`, and where one could."""
    holder = conflict.holder.module
    frames = conflict.startup.frames
    chain = " -> ".join([analysis.rel(frames[0].module.path)] + [f.module.name for f in frames[1:]] + [reg.module.name])
    via = " -> ".join(m.name for m in conflict.via)
    where = (
        f"a line at the end of {analysis.rel(safe.path)} would be safe"
        if safe is not None
        else "no module on that stack can import it safely; import it where the application loads it"
    )
    return (
        f"not fixable there: the registry runs while {holder.name} is only part-way initialized ({chain}), "
        f"and importing {target.name} would run `from {holder.name} import {conflict.name}` "
        f"({via}, {analysis.rel(conflict.via[-1].path)}:{conflict.line}) before {conflict.name} is bound; {where}"
    )


def _judged_by(analysis, governing):
    """(the registries that judge models of that list, or None when MR004 / MR006 / MR100 speak for all of
    them; the paths that their imports by computed name can load, for which MR006 speaks)."""
    regs = [r for r in governing if r.module is not None]
    if not regs:  # MR004 speaks for these
        return None, set()
    if any(_unparsable(analysis, r) for r in regs):  # MR100 speaks for these
        return None, set()
    computed: set = set()
    for r in regs:
        if analysis.opaque(r):
            scope = analysis.could_load(r)
            if scope is None:  # it can load any module: MR006 speaks for these
                return None, set()
            computed |= scope[1]
    return regs, computed


def check(analysis):
    verdicts = {}  # id of a governing-registry list -> (registries to judge by, or None: others speak; what
    for model in analysis.models:  # their imports by computed name can load, or None)
        if model.abstract:
            continue
        governing = analysis.governing(model)  # one list per (base, import root): cached
        verdict = verdicts.get(id(governing))
        if verdict is None:
            verdict = verdicts[id(governing)] = _judged_by(analysis, governing)
        regs, computed = verdict
        if regs is None:
            continue
        if model.module.path in computed:
            continue  # an import by computed name can load it: MR006 names it
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
        blocked = analysis.startup_conflict(reg, model.module) if fixable else None
        if blocked is not None:
            fixable = False
            how = _not_there(analysis, reg, model.module, *blocked)
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
