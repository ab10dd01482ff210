"""MR002 stale-registry-import

## What it finds
A registry import of a module or name of your own project that does not exist
(the model file was deleted, renamed or moved).

## Why it matters
Importing the registry raises `ImportError` (`ModuleNotFoundError`): the app,
`create_all()` and Alembic's `env.py` all fail to start. Third-party imports are
never reported: modelreg cannot see them and leaves them to your test suite.

## Example
```python
# pypi_org/data/__all_models.py
import pypi_org.data.downloads   # downloads.py was deleted
```

## Fix
`modelreg --fix` removes the statement (or only the stale name of a multi-name
import) together with the comment line attached to it. Safe: the statement can
only fail at runtime. Not offered when the registry itself uses a name the
statement binds (`ADMIN_MODELS = [Alpha, Gone]`): removing the import would
turn the ImportError into a NameError; fix the registry by hand.
"""

from __future__ import annotations

from ..resolve.coverage import stale_imports

CODE = "MR002"
NAME = "stale-registry-import"
SUMMARY = "Registry imports a project module or name that does not exist"
FIX_TITLE = "Remove the stale import"


def _names_read(facts) -> set:
    """Names the registry's module-level statements read (assignments, calls, class headers)."""
    out: set = set()

    def walk(expr) -> None:
        if not isinstance(expr, tuple):
            return
        if len(expr) == 2 and expr[0] == "name" and isinstance(expr[1], str):
            out.add(expr[1].partition(".")[0])
            return
        for part in expr:
            walk(part)

    for a in facts.assigns:
        walk(a.value)
    for c in facts.calls:
        walk(c.func)
        for arg in c.args:
            walk(arg)
    for cls in facts.classes:
        for e in cls.bases + cls.decorators:
            walk(e)
    return out


def _bound(stmt, index: int):
    names = [stmt.names[index]] if index >= 0 else list(stmt.names)
    if stmt.is_from:
        return {asname or name for name, asname in names if name != "*"}
    return {asname or name.partition(".")[0] for name, asname in names}


def check(analysis):
    for reg in analysis.registries:
        if reg.module is None or analysis.project.facts(reg.module).error is not None:
            continue
        facts = analysis.project.facts(reg.module)
        read = None
        for stmt, index, reason in stale_imports(analysis.project, reg.module):
            if read is None:
                read = _names_read(facts)
            others = {
                asname or name.partition(".")[0]
                for s in facts.imports
                if s is not stmt and not s.is_from
                for name, asname in s.names
            }
            used = (_bound(stmt, index) & read) - others
            if index >= 0 and stmt.name_pos:
                line, col = stmt.name_pos[index]
                length = len(stmt.names[index][0])
                what = stmt.names[index][0]
            else:
                line, col = stmt.line, stmt.col
                length = (stmt.end_col - stmt.col) if stmt.end_line == stmt.line else 1
                what = "." * stmt.level + stmt.module
            yield analysis.diagnostic(
                CODE,
                f"stale registry import `{what}`: {reason} (ImportError at runtime)",
                reg.path,
                line,
                col,
                length,
                registry=reg.path,
                fixable=not used,
                fix=None if used else ("remove", stmt.line, index),
            )
