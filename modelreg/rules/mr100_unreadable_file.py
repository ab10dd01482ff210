"""MR100 unreadable-file

## What it finds
A file modelreg needs to read that cannot be read or parsed (syntax error,
invalid encoding, permission denied), reported at the line of the error with the
parser's or the OS's reason. modelreg needs a file when it may define a model
(a class header, a class decorator, a module-level statement or an `as` alias
names a base, a model, a `db`, a `registry()` or a `MetaData()`, or a module-level
statement uses SQLAlchemy or SQLModel), when it is a registry or Alembic's
`env.py`, or when a registry imports it (directly or not). A file whose brackets
do not balance is read when it names one of these anywhere.

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
Syntax errors in files that cannot define or register a model. The fast path
reads imports, class headers, module-level statements and the SQLAlchemy
dunders, and skips function bodies and ordinary class-body statements; before it
reports a model as unregistered, it parses that model's file completely: a
syntax error anywhere in it is MR100 at its line, and no MR001 (registering a
module Python cannot import would break the registry).
`modelreg.check(paths, full=True)` parses every file completely and reports
every error.

## Not reported
Bytes that are not UTF-8 inside the comments of a file without a coding cookie:
CPython imports such a file. Anywhere else they are MR100.

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
