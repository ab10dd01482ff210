"""MR008 metadata-mismatch

## What it finds
An Alembic env.py whose `target_metadata` is the MetaData of an abstract
Flask-SQLAlchemy `db.Model` subclass that declares `metadata = MetaData(...)` in
its body, while the models under that class land on another MetaData.
Flask-SQLAlchemy 3.0 and later give every model class that does not set
`metadata` itself the metadata of its bind key (`db.metadata` without a
`__bind_key__`), whatever an abstract class above it declares. Reported once per
env.py target, at the `target_metadata` line; the message names the models, the
metadata they land on and the versions the rule holds for. Flask-SQLAlchemy 2.x
gave no class a metadata of its own: there the models landed on the abstract
class's MetaData, and this is not a mismatch.

## Why it matters
The env.py targets a MetaData that none (or only some) of the models land on:
autogenerate compares the database with a MetaData that lacks their tables and
writes a migration that drops every one of them.

## Example
```python
# app/db.py
db = SQLAlchemy()

class Base(db.Model):
    __abstract__ = True
    metadata = MetaData(naming_convention=NAMING)

# app/user.py
class User(Base): ...   # lands on db.metadata, not Base.metadata

# migrations/env.py
target_metadata = Base.metadata
```
Use instead: `target_metadata = db.metadata`, and give the naming convention to
`SQLAlchemy(metadata=MetaData(naming_convention=NAMING))`.

## Fix
None: which MetaData the application means is a decision; the message says
where the models land.
"""

from __future__ import annotations

from ..resolve.landing import VERSIONS, flask_mismatches

CODE = "MR008"
NAME = "metadata-mismatch"
SUMMARY = "env.py targets a MetaData the models do not land on"
FIX_TITLE = None


def _names(models) -> str:
    names = sorted(m.name for m in models)
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return ", ".join(names[:5]) + more


def check(analysis):
    for found in flask_mismatches(analysis.project, analysis.models):
        how = "only some" if found.kept else "none"
        yield analysis.diagnostic(
            CODE,
            f"env.py targets a MetaData that {how} of the models land on: {found.target}.metadata is the "
            f"abstract class's own, but {VERSIONS} gives each model that does not set `metadata` itself the "
            f"metadata of its bind key, so {_names(found.elsewhere)} land on {found.lands_on}; autogenerate "
            f"would drop their tables; target {found.lands_on} instead",
            found.env.path,
            found.line,
            0,
            len("target_metadata"),
            registry=found.env.path,
        )
