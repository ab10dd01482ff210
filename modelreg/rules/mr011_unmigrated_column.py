"""MR011 unmigrated-column

## What it finds
A column of a model whose table the Alembic history creates, but that no
migration adds to it (or that a migration drops or renames away). Columns are
read statically: `Column(...)` / `mapped_column(...)` (a string first argument
or `name=` names the column), `Mapped[...]` annotations, mixins and abstract
bases, `__table__ = Table(...)`, SQLModel fields. A model whose columns cannot be
known (a `declared_attr` column, a base from another library) is not checked,
nor a table an unreadable operation may have touched.

## Why it matters
A column added to a model without a migration (the course's "more database
changes" chapter, forgotten) fails at the first query that selects the model:
`no such column` / `column ... does not exist`, in production, not in tests
that build their tables with `create_all()`.

## Example
```python
class User(SqlAlchemyBase):
    __tablename__ = "users"
    id = sa.Column(sa.Integer, primary_key=True)
    nickname = sa.Column(sa.String)        # MR011: no migration adds users.nickname
```
Use instead: `alembic revision --autogenerate -m "add users.nickname"` and commit it.

## Fix
None automatic: the fix title names `alembic revision --autogenerate -m "..."`.
Reported at the column's attribute.
"""

from __future__ import annotations


CODE = "MR011"
NAME = "unmigrated-column"
SUMMARY = "No migration adds a column of a model"
FIX_TITLE = 'Run `alembic revision --autogenerate -m "..."`'
FIXABLE = False


def check(analysis):
    from ..migration_check import checked_tables, revision_hint

    for checked, schema, t, key in checked_tables(analysis):
        cols = schema.state(key)
        if t.columns is None or not isinstance(cols, frozenset):
            continue
        m = t.model
        for c in t.columns:
            if c.name in cols:
                continue
            gone = schema.dropped_columns.get((key, c.name))
            if gone:
                what = f"is dropped or renamed by {analysis.rel(gone[0])}:{gone[1]}, but the model still has it"
            else:
                what = f"is added by no migration of {analysis.rel(checked.history.script_dir)}"
            yield analysis.diagnostic(
                CODE,
                f"column {t.name}.{c.name} (model {m.name}) {what}; run "
                f"`{revision_hint('add ' + t.name + '.' + c.name)}` and commit the revision",
                c.path,
                c.line,
                c.col,
                c.length,
                model=f"{m.module.name}.{m.name}",
            )
