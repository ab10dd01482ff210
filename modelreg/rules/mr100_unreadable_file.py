"""MR100 unreadable-file

## What it finds
A Python file modelreg cannot read or parse: a syntax error, bytes that are not
valid in the file's encoding, a permission error.

## Why it matters
modelreg cannot see the models or imports of such a file, so its verdicts about
them may be incomplete. Every other file is still checked.

## Example
```python
class Audit(SqlAlchemyBase)   # missing colon
```

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
