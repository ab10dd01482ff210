"""Alembic integration: a guard against empty or destructive autogenerate, and migration helpers.

This module runs inside Alembic (which has already imported your env.py and
models); it is the only part of modelreg besides ``modelreg verify`` that is
meant to run next to project code. The guard itself still checks statically.

In env.py::

    import modelreg.alembic
    context.configure(..., process_revision_directives=modelreg.alembic.guard())
"""

from __future__ import annotations

import os
import sys
from typing import Callable, List, Optional


def guard(mode: str = "error", then: Optional[Callable] = None, project: Optional[str] = None) -> Callable:
    """A ``process_revision_directives`` callable that refuses unsafe autogenerate revisions.

    Only while autogenerating, it runs modelreg's static check for the project and
    refuses the revision (Alembic's ``CommandError``: ``FAILED: ...``, non-zero
    exit, no revision file) when a model is not registered, or when the revision
    would drop a table whose model exists in code. ``mode="warn"`` prints the
    same findings and lets the revision through. ``then`` is an existing
    ``process_revision_directives`` to run afterwards. ``project`` is the
    project root (default: found from alembic.ini's directory).
    """
    if mode not in ("error", "warn"):
        raise ValueError("modelreg.alembic.guard(mode=...) must be 'error' or 'warn'")

    def process_revision_directives(context, revision, directives):
        if _autogenerating():
            problems = _problems(directives, project)
            if problems:
                text = "modelreg: " + "\n  ".join(problems)
                if mode == "error":
                    from alembic.util import CommandError

                    raise CommandError(text)
                sys.stderr.write("WARNING " + text + "\n")
        if then is not None:
            then(context, revision, directives)

    return process_revision_directives


def _autogenerating() -> bool:
    from alembic import context

    try:
        cmd_opts = context.config.cmd_opts
    except Exception:  # no command line (programmatic use): trust the caller
        return True
    return bool(getattr(cmd_opts, "autogenerate", False)) if cmd_opts is not None else True


def _project_root(project: Optional[str]) -> str:
    if project:
        return project
    from alembic import context

    ini = getattr(context.config, "config_file_name", None)
    return os.path.dirname(os.path.abspath(ini)) if ini else os.getcwd()


def _problems(directives, project: Optional[str]) -> List[str]:
    from alembic.operations import ops

    import modelreg

    root = _project_root(project)
    report = modelreg.check([root])
    unregistered = [d for d in report.diagnostics if d.code in ("MR001", "MR003", "MR004")]
    problems = []
    for d in unregistered:
        where = os.path.relpath(d.path, report.root)
        problems.append(f"{d.code} {where}:{d.line}: {d.message}")
    tables = {}
    for m in report.models:
        if m.table and not m.abstract:
            tables.setdefault(m.table, f"{m.module.name}.{m.name}")
    for script in directives:
        for op in getattr(script.upgrade_ops, "ops", []):
            if isinstance(op, ops.DropTableOp) and op.table_name in tables:
                problems.append(
                    f"the revision would drop table {op.table_name!r}, but its model {tables[op.table_name]} "
                    "exists in code: it is only missing from the metadata because it was not imported"
                )
    problems.extend(_forgotten_tables(report, directives, {d.model for d in unregistered}))
    if problems:
        header = f"refusing to write this revision ({len(problems)} problem{'s' if len(problems) != 1 else ''}):"
        problems.insert(0, header)
        problems.append(f"run `modelreg --fix {root}` and autogenerate again")
    return problems


def _forgotten_tables(report, directives, unregistered) -> List[str]:
    """Tables of models that no migration of the history creates (MR010) and this revision does not
    create either - typically because the database already has them (made by `create_all()` or by
    hand), so autogenerate writes nothing for them, and a fresh database upgraded to head lacks them.
    Models MR001 reports are left to that message."""
    from alembic.operations import ops

    from .migration_check import compare

    if report.analysis is None:
        return []
    created = set()
    for script in directives:
        for op in getattr(script.upgrade_ops, "ops", []):
            if isinstance(op, ops.CreateTableOp):
                created.add((op.schema, op.table_name))
    out = []
    for checked in compare(report.analysis):
        schema = checked.schema
        if schema is None:
            continue
        for t in checked.tables:
            key = (t.schema, t.name)
            m = t.model
            if f"{m.module.name}.{m.name}" in unregistered:
                continue  # not in the metadata yet: the registry is the problem, said above
            if schema.state(key) == "absent" and key not in schema.gone and key not in created:
                out.append(
                    f"table {t.name!r} (model {m.module.name}.{m.name}) is created by no migration, and this "
                    "revision does not create it either (the database has it already?): a database upgraded "
                    "from scratch would lack it; add `op.create_table(...)` for it to this revision"
                )
    return out


# -- helpers for durable migrations ----------------------------------------------------


def _inspector():
    import sqlalchemy as sa
    from alembic import op

    return sa.inspect(op.get_bind())


def table_exists(table: str, schema: Optional[str] = None) -> bool:
    """Inside a migration: whether `table` exists, through Alembic's own connection."""
    return _inspector().has_table(table, schema=schema)


def table_has_column(table: str, column: str, schema: Optional[str] = None) -> bool:
    """Inside a migration: whether `table` exists and has `column`, through Alembic's own connection."""
    insp = _inspector()
    if not insp.has_table(table, schema=schema):
        return False
    return any(c["name"] == column for c in insp.get_columns(table, schema=schema))
