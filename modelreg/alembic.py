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
            try:
                problems = _problems(directives, project, mode)
            except Exception as exc:  # one line through Alembic's own error path, never a traceback
                from .config import ConfigError

                what = str(exc) if isinstance(exc, ConfigError) else f"internal error: {type(exc).__name__}: {exc}"
                problems = [what]
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


# What fixes the problems the guard finds in the revision itself (the check's own findings say theirs)
_STEPS = {
    "MR010": "add `op.create_table(...)` for it to this revision (a new revision)",
    "MR012": "restore the model to the metadata (register it: `modelreg --fix` when MR001 names it) and "
    "autogenerate again; or, if the table is to go, delete the model first",
}


def _problems(directives, project: Optional[str], mode: str = "error") -> List[str]:
    """The problems the revision would carry, each `CODE where: what; fix: step`, as the project's
    configuration lets them through (select, ignore, per-file-ignores, `# noqa`), as the check does."""
    import modelreg

    from .rules import BY_CODE

    root = _project_root(project)
    report = modelreg.check([root])
    unregistered = [d for d in report.diagnostics if d.code in ("MR001", "MR003", "MR004")]
    problems = []
    for d in unregistered:
        where = os.path.relpath(d.path, report.root)
        title = BY_CODE[d.code].FIX_TITLE.lower()
        step = f"`modelreg --fix` ({title})" if d.fixable else f"{title} by hand (`modelreg --fix` cannot here)"
        problems.append(f"{d.code} {where}:{d.line}: {d.message}; fix: {step}")
    problems.extend(_dropped_models(report, directives))
    problems.extend(_forgotten_tables(report, directives, {d.model for d in unregistered}))
    if problems:
        n = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        if mode == "error":
            problems.insert(0, f"refusing to write this revision ({n}):")
        else:
            problems.insert(0, f"writing this revision anyway (mode=\"warn\"), but it has {n}:")
        if any(d.fixable for d in unregistered):
            problems.append(f"run `modelreg --fix {root}` and autogenerate again")
        else:
            problems.append("each line says its fix; then autogenerate again")
    return problems


def _dropped_models(report, directives) -> List[str]:
    """The tables the revision would drop while their model exists in code: MR012 once written,
    reported at the model unless the configuration silences MR012 there."""
    if report.analysis is None:
        return []
    from .runner import reported
    from .types import Diagnostic

    tables = _model_tables(report)
    out = []
    for op in _drop_table_ops(directives):
        m = tables.get(_table_key(op.table_name, getattr(op, "schema", None)))
        if m is None:
            continue
        dotted = f"{m.module.name}.{m.name}"
        d = Diagnostic("MR012", "", m.module.path, m.line, m.col, m.line, m.col + len(m.name), model=dotted)
        if not reported(report.analysis, d):
            continue
        where = os.path.relpath(m.module.path, report.root)
        out.append(
            f"MR012 {where}:{m.line}: the revision would drop table {op.table_name!r}, but its model {dotted} "
            "exists in code: it is only missing from the metadata because it was not imported; "
            f"fix: {_STEPS['MR012']}"
        )
    return out


def _ops(directives) -> List:
    """Every operation of the revision's upgrade: one UpgradeOps per database in the multidb template
    (`upgrade_ops_list`; `upgrade_ops` raises there), one otherwise."""
    out = []
    for script in directives:
        upgrade_ops_list = getattr(script, "upgrade_ops_list", None)
        if upgrade_ops_list is None:
            upgrade_ops_list = [script.upgrade_ops]
        for upgrade_ops in upgrade_ops_list:
            out.extend(getattr(upgrade_ops, "ops", []))
    return out


def _drop_table_ops(directives) -> List:
    """Every DropTableOp of the revision (of every database in the multidb template)."""
    from alembic.operations import ops

    return [op for op in _ops(directives) if isinstance(op, ops.DropTableOp)]


def _table_key(table: str, schema: Optional[str] = None) -> str:
    return table.lower()


def _model_tables(report) -> dict:
    """table name (lower case) -> model, for every non-abstract model of the project: its
    `__tablename__`, or the name its library generates (SQLModel: the class name in lower case;
    Flask-SQLAlchemy: the class name in snake case, by Flask-SQLAlchemy's own function when it is
    installed here, which it is when the project uses it)."""
    bases = report.analysis.project.bases if report.analysis is not None else {}
    tables = {}
    for m in report.models:
        if m.abstract:
            continue
        names = [m.table] if m.table else _generated_names(m, bases.get(m.base))
        for name in names:
            tables.setdefault(_table_key(name), m)
    return tables


def _generated_names(model, base) -> List[str]:
    how = getattr(base, "how", "") or ""
    if how.startswith("SQLModel"):
        return [model.name.lower()]
    if how.startswith("Flask-SQLAlchemy"):
        try:
            from flask_sqlalchemy.model import camel_to_snake_case
        except ImportError:  # (Flask-SQLAlchemy 2.x: its own rule, close to this one)
            import re

            snake = re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", model.name)
            return [snake.lower().lstrip("_")]
        return [camel_to_snake_case(model.name)]
    return []


def _forgotten_tables(report, directives, unregistered) -> List[str]:
    """Tables of models that no migration of the history creates (MR010) and this revision does not
    create either - typically because the database already has them (made by `create_all()` or by
    hand), so autogenerate writes nothing for them, and a fresh database upgraded to head lacks them.
    Models MR001 reports are left to that message."""
    from alembic.operations import ops

    from .migration_check import compare

    if report.analysis is None:
        return []
    created = {(op.schema, op.table_name) for op in _ops(directives) if isinstance(op, ops.CreateTableOp)}
    # what MR010 reports (the configuration let through): its select, ignore, per-file-ignores, `# noqa`
    reported = {d.model for d in report.diagnostics if d.code == "MR010"}
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
            if checked.created_at_startup(t):
                continue  # the application's own create_all() makes it when it is missing (MR010 too)
            if f"{m.module.name}.{m.name}" not in reported:
                continue
            if schema.state(key) == "absent" and key not in schema.gone and key not in created:
                where = os.path.relpath(m.module.path, report.root)
                out.append(
                    f"MR010 {where}:{m.line}: table {t.name!r} (model {m.module.name}.{m.name}) is created by no "
                    "migration, and this revision does not create it either (the database has it already?): a "
                    f"database upgraded from scratch would lack it; fix: {_STEPS['MR010']}"
                )
    return out


# -- helpers for durable migrations ----------------------------------------------------


def _inspector(helper: str):
    import sqlalchemy as sa
    from alembic import context, op

    if context.is_offline_mode():
        from alembic.util import CommandError

        raise CommandError(
            f"modelreg.alembic.{helper}() asks the database, and offline mode (`--sql`) has none: write the "
            "migration without it for SQL scripts, or run it online"
        )
    return sa.inspect(op.get_bind())


def table_exists(table: str, schema: Optional[str] = None) -> bool:
    """Inside a migration: whether `table` exists, through Alembic's own connection."""
    return _inspector("table_exists").has_table(table, schema=schema)


def table_has_column(table: str, column: str, schema: Optional[str] = None) -> bool:
    """Inside a migration: whether `table` exists and has `column`, through Alembic's own connection."""
    insp = _inspector("table_has_column")
    if not insp.has_table(table, schema=schema):
        return False
    return any(c["name"] == column for c in insp.get_columns(table, schema=schema))
