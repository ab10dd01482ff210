"""MR100 unreadable-file

## What it finds
A file modelreg needs to read that cannot be read or parsed (syntax error,
invalid encoding, permission denied), reported at the line of the error with the
parser's or the OS's reason. modelreg needs a file when it may define a model
(it mentions SQLAlchemy, SQLModel or a name bound to a base, model, `db`,
`registry()` or `MetaData()`), when it is a registry or Alembic's `env.py`, or
when a registry imports it (directly or not).

## Why it matters
Its models and imports are invisible to modelreg; the rest of the project is
still checked. While a registry (or a module it runs) cannot be parsed, MR001 is
held back for its models rather than guessed.

## Example
```python
class Audit(SqlAlchemyBase)   # missing colon
```
`audit.py:8:28: MR100 cannot analyze file: syntax error: expected ':'`

## Not necessarily reported
Syntax errors in files that cannot define or register a model, and inside
function bodies and ordinary class-body statements (a column definition) of the
files it reads: modelreg reads imports, class headers, module-level statements
and the SQLAlchemy dunders (`__tablename__`, `__abstract__`, `__table_args__`),
and leaves the rest to your linter and interpreter.
`modelreg.check(paths, full=True)` parses every file completely and reports
those too.

## Fix
None: fix the file.
"""

from __future__ import annotations

CODE = "MR100"
NAME = "unreadable-file"
SUMMARY = "File cannot be read or parsed"
FIX_TITLE = None


def check(analysis):
    for path, (line, col, reason) in analysis.errors():
        yield analysis.diagnostic(CODE, f"cannot analyze file: {reason}", path, line, col, 1)
