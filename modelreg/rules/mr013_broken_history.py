"""MR013 broken-migration-history

## What it finds
An Alembic history that Alembic itself cannot load, or that loads other than it
reads: a `down_revision` or `depends_on` naming a revision that no file of the
version directories defines, two revision files with the same `revision` id, a
cycle among the revisions, or a revision file modelreg cannot read (it does not
parse, or its `revision` / `down_revision` is not a literal). One diagnostic
per problem, at the file and line that say it.

## When it applies
To every history of an Alembic `env.py` modelreg follows (its version
directories hold at least one revision file), including an `env.py` that
filters autogenerate. While a history is broken MR010-MR012 cannot know what it
builds and stay silent for it: this finding is what tells you.

## Why it matters
`alembic upgrade`, `alembic history` and `alembic revision --autogenerate` fail
on a revision that names a missing parent ("Revision a1 referenced from a1 -> b2
is not present") or on a cycle, so the next deploy cannot migrate. Two files
with the same id are worse: Alembic warns and silently keeps only one of them,
so the other migration never runs. This happens when a revision file is deleted
or not committed, or when two branches each copy a revision.

## Example
```python
# alembic/versions/b2_add_audit.py
revision = "b2"
down_revision = "a1"    # MR013: down_revision 'a1' names no revision of alembic
```
Use instead: restore the missing revision file (or commit it), or point
`down_revision` at the revision that really precedes this one; for a duplicate,
give one of the two files a new id (`alembic revision` makes one) and chain it.

## Fix
None automatic: which revision was meant is a decision about your database's
history. The fix title names `alembic history`, which must run without error.
"""

from __future__ import annotations


CODE = "MR013"
NAME = "broken-migration-history"
SUMMARY = "An Alembic revision graph names a missing revision, repeats an id, or has a cycle"
FIX_TITLE = "Repair the revision graph until `alembic history` runs"
FIXABLE = False


def message(problem, history_dir: str, rel) -> str:
    """The diagnostic's text for one problem of a history (`rel` makes a path relative)."""
    off = "; MR010-MR012 are off for this history until it is repaired"
    if problem.kind == "unreadable":
        return f"cannot read this revision file ({problem.detail}){off}"
    if problem.kind == "duplicate":
        return f"revision {problem.rid!r} is also defined by {rel(problem.other)}: Alembic keeps only one of them{off}"
    if problem.kind == "missing":
        what = "revision" if problem.detail == "down_revision" else "revision or branch label"
        return f"{problem.detail} {problem.rid!r} names no {what} of {history_dir}{off}"
    return f"the revisions {problem.detail} form a cycle{off}"


def check(analysis):
    from ..migration_check import compare

    for checked in compare(analysis):
        where = analysis.rel(checked.history.script_dir)
        for problem in checked.history.problems:
            yield analysis.diagnostic(
                CODE, message(problem, where, analysis.rel), problem.path, problem.line, 0, len(_named(problem))
            )


def _named(problem) -> str:
    """The assignment a problem is reported at (its name is underlined); "" for a whole file."""
    return {"duplicate": "revision", "missing": problem.detail, "cycle": "down_revision"}.get(problem.kind, "")
