"""MR005 duplicate-table

## What it finds
Two models (or Core tables) on one base with the same table name in the same
schema (`__table_args__ = {"schema": ...}`, `Table(..., schema=...)`), unless the
later one sets `extend_existing` in `__table_args__`. Reported at each later
definition, naming the table and the first definition.

## Why it matters
SQLAlchemy raises `InvalidRequestError: Table '...' is already defined for this
MetaData instance` as soon as both modules are imported - typically right after
the registry is completed.

## Example
```python
class User(Base):
    __tablename__ = "users"

class LegacyUser(Base):          # MR005
    __tablename__ = "users"
```

## Fix
None: rename one table, or set `__table_args__ = {"extend_existing": True}`
if redefining it is intended.
"""

from __future__ import annotations

CODE = "MR005"
NAME = "duplicate-table"
SUMMARY = "Two models define the same table on one base"
FIX_TITLE = None


def check(analysis):
    first = {}
    ordered = sorted(
        # an imperative mapping maps an existing Table: it does not define one
        (m for m in analysis.models if not m.abstract and m.table and m.kind != "imperative"),
        key=lambda m: (m.module.path, m.line),
    )
    for m in ordered:
        if m.extend_existing:  # redefines on purpose, wherever it comes in import order
            continue
        if not m.schema_known:  # `__table_args__` computed by a function: its schema cannot be compared
            continue
        key = (m.base, m.schema, m.table)  # `users` in schemas `sales` and `hr` are two tables
        if key not in first:
            first[key] = m
            continue
        f = first[key]
        name = f"{m.schema}.{m.table}" if m.schema else m.table
        yield analysis.diagnostic(
            CODE,
            f"table {name!r} is already defined by {f.name} ({analysis.rel(f.module.path)}:{f.line}) "
            f"on the same base: SQLAlchemy raises 'Table {name!r} is already defined'",
            m.module.path,
            m.line,
            m.col,
            len(m.name),
            model=f"{m.module.name}.{m.name}",
        )
