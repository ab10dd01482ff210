"""MR012 dropped-model-table

## What it finds
A migration history whose last word on a table is `op.drop_table` or
`op.rename_table` (directly or in a batch) while a model still defines that
table. Reported at the model, naming the revision file and line.

## Why it matters
The typical origin is autogenerate run while the model was not imported (an
incomplete registry): Alembic saw a table in the database and no model, and
wrote a `drop_table`. Deployed, it deletes the table and its data, and the app
fails at the model's first query. A rename whose model kept the old
`__tablename__` fails the same way.

## Example
```python
# alembic/versions/9c1d_cleanup.py
def upgrade():
    op.drop_table("auditing")          # but class Audit: __tablename__ = "auditing" still exists
```
Use instead: remove the `drop_table` from the unreleased revision (or, once
released, add a revision that creates the table again), and register the model
so autogenerate sees it.

## Fix
None automatic: edit the revision, or run `alembic revision --autogenerate -m "..."`
once the model is registered.
"""

from __future__ import annotations


CODE = "MR012"
NAME = "dropped-model-table"
SUMMARY = "The migration history drops or renames a table whose model exists"
FIX_TITLE = 'Run `alembic revision --autogenerate -m "..."`'
FIXABLE = False


def check(analysis):
    from ..migration_check import checked_tables, revision_hint, table_label

    for _, schema, t, key in checked_tables(analysis):
        gone = schema.gone.get(key)
        if gone is None or schema.state(key) != "absent":
            continue
        m = t.model
        did = "drops it" if gone.kind == "drop" else f"renames it to {gone.new_name!r}"
        yield analysis.diagnostic(
            CODE,
            f"{table_label(t)} is not in the schema the migrations build: {analysis.rel(gone.path)}:{gone.line} "
            f"{did}, but the model still exists; remove that operation "
            f"or run `{revision_hint('create ' + t.name)}`",
            m.module.path,
            m.line,
            m.col,
            len(m.name),
            model=f"{m.module.name}.{m.name}",
        )
