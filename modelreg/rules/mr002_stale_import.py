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
Safe: `modelreg --fix` removes the statement - or only the stale name of a
multi-name import - with its attached directive comment (`# noinspection ...`)
and the blank separator line it brought. Other comments stay. The statement can
only fail at runtime.
"""

from __future__ import annotations

from ..resolve import stale_imports

CODE = "MR002"
NAME = "stale-registry-import"
SUMMARY = "Registry imports a project module or name that does not exist"
FIX_TITLE = "Remove the stale import"


def check(analysis):
    for reg in analysis.registries:
        if reg.module is None or analysis.project.facts(reg.module).error is not None:
            continue
        for stmt, index, reason in stale_imports(analysis.project, reg.module):
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
                fixable=True,
                fix=("remove", stmt.line, index),
            )
