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
only fail at runtime. Not offered when the registry still reads a name the
statement binds, at module level or in a function or class body that does not
bind it itself (`ADMIN_MODELS = [Alpha, Gone]`, `def load(): return Gone()`):
removing the import would turn the ImportError into a NameError; the message
lists those uses, fix the registry by hand. Not offered either for an import
that is no top-level statement (in a function, a class body, an `if` or `with`
block): remove it there by hand.
"""

from __future__ import annotations

from typing import Optional

from ..resolve.coverage import stale_imports
from ..uses import bound_by, enclosing, remaining_uses

CODE = "MR002"
NAME = "stale-registry-import"
SUMMARY = "Registry imports a project module or name that does not exist"
FIX_TITLE = "Remove the stale import"


def _bound(stmt, index: int):
    names = [stmt.names[index]] if index >= 0 else list(stmt.names)
    return list(bound_by(names, stmt.is_from))


def _not_removable(analysis, reg, stmt, index: int) -> Optional[str]:
    """Why --fix cannot remove the stale import (None: it can): it is no top-level statement (a function
    or class body, an `if` block), or the registry still reads a name only it binds."""
    data = analysis.read(reg.path)
    holder = enclosing(data, stmt.line) if data is not None else None
    if holder is not None:
        return f"not fixable: it is inside {holder}, remove it there by hand"
    found = remaining_uses(data, reg.path, stmt.line, _bound(stmt, index)) if data is not None else None
    if found is None:
        return "not fixable: modelreg cannot tell where the registry reads what it binds"
    if found:
        shown = ", ".join(found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
        return f"not fixable: the registry still reads what it binds ({shown}); removing it would be a NameError there"
    return None


def check(analysis):
    for reg in analysis.registries:
        if reg.module is None or analysis.project.facts(reg.module).error is not None:
            continue
        for stmt, index, reason in stale_imports(analysis.project, reg.module):
            refused = _not_removable(analysis, reg, stmt, index)
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
                f"stale registry import `{what}`: {reason} (ImportError at runtime)" + (f"; {refused}" if refused else ""),
                reg.path,
                line,
                col,
                length,
                registry=reg.path,
                fixable=refused is None,
                fix=None if refused else ("remove", stmt.line, index),
            )
