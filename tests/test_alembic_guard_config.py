"""The Alembic guard speaks like the check (issue 25, point 3), with real Alembic and SQLite: it honours
`select`, `ignore`, `per-file-ignores` and `# noqa`, and each problem it names says the step that fixes
it (`modelreg --fix` for an unregistered model, a new revision for a table no migration creates,
restoring the model for a table the revision would drop)."""

import re

import pytest
import sqlalchemy as sa

from test_alembic_runtime import AUDIT, REGISTRY, alembic, guarded, project, run_ok, versions  # noqa: F401

AUDIT_NOQA = AUDIT.replace("class Audit(SqlAlchemyBase):", "class Audit(SqlAlchemyBase):  # noqa: MR001, MR010")


def configure(root, toml):
    (root / "pyproject.toml").write_text("[tool.modelreg]\n" + toml)


def refused(root):
    before = versions(root)
    proc = alembic(root, "revision", "--autogenerate", "-m", "guarded", env=guarded("error"))
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert versions(root) == before
    out = proc.stdout + proc.stderr
    assert "FAILED: modelreg: refusing to write this revision" in out
    assert "Traceback" not in out
    first, *rest = out.split("FAILED: modelreg: ", 1)[1].splitlines()  # (Alembic also logs it: once is enough)
    message = [first]
    for line in rest:
        if not line.startswith("  "):
            break
        message.append(line)
    return "\n".join(message)


def written(root):
    before = set(versions(root))
    proc = alembic(root, "revision", "--autogenerate", "-m", "guarded", env=guarded("error"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (new,) = set(versions(root)) - before
    return new


def test_an_unregistered_model_is_refused_with_modelreg_fix_as_its_step(project):
    (project / "pypi_org/data/audit.py").write_text(AUDIT)
    out = refused(project)
    (line,) = [ln for ln in out.splitlines() if "MR001" in ln]
    assert "model Audit" in line and "fix: `modelreg --fix` (import its module in the registry)" in line
    assert f"run `modelreg --fix {project}` and autogenerate again" in out


@pytest.mark.parametrize(
    "how",
    [
        'ignore = ["MR001", "MR010"]\n',
        'select = ["MR002", "MR005"]\n',
        '[tool.modelreg.per-file-ignores]\n"pypi_org/data/audit.py" = ["MR001", "MR010"]\n',
        "noqa",
    ],
)
def test_the_guard_honours_the_configuration_and_noqa_as_the_check_does(project, run, how):
    if how == "noqa":
        (project / "pypi_org/data/audit.py").write_text(AUDIT_NOQA)
    else:
        (project / "pypi_org/data/audit.py").write_text(AUDIT)
        configure(project, how)
    assert run(["--no-cache", project], cwd=project).exit_code == 0  # the check reports nothing
    new = written(project)  # and the guard lets the revision through
    assert "auditing" not in new.read_text()


def test_ignoring_mr001_alone_leaves_the_table_no_revision_creates_with_its_own_step(project):
    (project / "pypi_org/data/audit.py").write_text(AUDIT)
    configure(project, 'ignore = ["MR001"]\n')
    out = refused(project)
    assert "MR001" not in out
    (line,) = [ln for ln in out.splitlines() if "MR010" in ln]
    assert "table 'auditing' (model pypi_org.data.audit.Audit) is created by no migration" in line
    assert "fix: add `op.create_table(...)` for it to this revision (a new revision)" in line
    assert "run `modelreg --fix" not in out  # --fix does not solve this one
    assert "each line says its fix; then autogenerate again" in out


def _lost_import(project):
    """Audit's table is live, then the registry loses the import: autogenerate would drop the table."""
    (project / "pypi_org/data/audit.py").write_text(AUDIT)
    (project / "pypi_org/data/__all_models.py").write_text(
        REGISTRY + "# noinspection PyUnresolvedReferences\nimport pypi_org.data.audit\n"
    )
    run_ok(project, "revision", "--autogenerate", "-m", "audit")
    run_ok(project, "upgrade", "head")
    (project / "pypi_org/data/__all_models.py").write_text(REGISTRY)


def test_a_drop_of_a_live_models_table_is_mr012_with_restoring_the_model_as_its_step(project):
    _lost_import(project)
    configure(project, 'ignore = ["MR001"]\n')  # the registry finding silenced: the drop is still refused
    out = refused(project)
    (line,) = [ln for ln in out.splitlines() if "MR012" in ln]
    assert re.search(r"MR012 pypi_org/data/audit\.py:8: the revision would drop table 'auditing'", line)
    assert "fix: restore the model to the metadata" in line and "delete the model first" in line


@pytest.mark.parametrize(
    "how",
    ['ignore = ["MR001", "MR012"]\n', '[tool.modelreg.per-file-ignores]\n"pypi_org/data/" = ["MR001", "MR012"]\n'],
)
def test_a_drop_the_configuration_silences_is_written(project, how):
    _lost_import(project)
    configure(project, how)
    new = written(project)
    assert "op.drop_table('auditing')" in new.read_text()


def test_a_table_made_outside_the_history_is_refused_unless_mr010_is_silenced_there(project):
    (project / "pypi_org/data/audit.py").write_text(AUDIT)
    (project / "pypi_org/data/__all_models.py").write_text(
        REGISTRY + "# noinspection PyUnresolvedReferences\nimport pypi_org.data.audit\n"
    )
    engine = sa.create_engine(f"sqlite:///{project / 'pypi.sqlite'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE auditing (id VARCHAR NOT NULL PRIMARY KEY)")
    engine.dispose()
    out = refused(project)
    assert "MR010 pypi_org/data/audit.py:8: table 'auditing'" in out and "a new revision" in out
    (project / "pypi_org/data/audit.py").write_text(AUDIT.replace("SqlAlchemyBase):", "SqlAlchemyBase):  # noqa: MR010"))
    written(project)
