"""The smaller promises of the README (issue 25, point 6): a failing `verify --python` is one clear
line and exit 2; the migration helpers in offline mode (`--sql`) fail with one `FAILED:` line, no
traceback; `--statistics` only in the formats it has; `help:` in `--format full`."""

from __future__ import annotations

import shutil
import stat

import pytest
from conftest import REPO

from test_alembic_runtime import AUDIT, alembic, project, run_ok  # noqa: F401


def _script(path, text):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize(
    "body, said",
    [
        # a virtualenv whose base interpreter is gone, as the loader says it
        ("echo 'python3: error while loading shared libraries: libpython3.11.so.1.0' >&2\nexit 127\n",
         "error while loading shared libraries"),
        ("echo 'Python 2.7.18' >&2\necho 2\n", "Python 2.7.18"),  # a Python 2
        ("exit 0\n", "nothing"),  # runs, says nothing
    ],
)
def test_verify_with_an_interpreter_that_fails_is_one_clear_line_and_exit_2(tmp_path, run, body, said):
    example = tmp_path / "pypi_org"
    shutil.copytree(REPO / "examples" / "pypi_org", example)
    python = _script(tmp_path / "python", "#!/bin/sh\n" + body)
    result = run(["verify", "--python", python, example], cwd=tmp_path)
    assert result.exit_code == 2
    assert result.out == ""
    (line,) = result.err.splitlines()
    assert line.startswith(f"modelreg: error: --python {python}: not a working Python 3 interpreter")
    assert said in line


def test_verify_with_a_working_python_still_runs(tmp_path, run):
    import sys

    example = tmp_path / "pypi_org"
    shutil.copytree(REPO / "examples" / "pypi_org", example)
    result = run(["verify", "--python", sys.executable, example], cwd=tmp_path)
    assert result.exit_code == 0, result.err
    assert "verified 1 registry" in result.err


def _helper_migration(project, body):
    heads = run_ok(project, "heads").stdout.split()[0]
    (project / "alembic" / "versions" / "0000_helpers.py").write_text(
        f'''"""helpers"""
from alembic import op
import sqlalchemy as sa
from modelreg.alembic import table_exists, table_has_column

revision = "helpers01"
down_revision = "{heads}"
branch_labels = None
depends_on = None


def upgrade():
{body}


def downgrade():
    pass
'''
    )


@pytest.mark.parametrize("helper", ["table_has_column('users', 'nickname')", "table_exists('users')"])
def test_the_helpers_in_offline_mode_fail_with_one_failed_line(project, helper):
    _helper_migration(project, f"    if not {helper}:\n        op.add_column('users', sa.Column('nickname', sa.String()))")
    proc = alembic(project, "upgrade", "head", "--sql")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "NoInspectionAvailable" not in out
    name = helper.split("(")[0]
    assert f"FAILED: modelreg.alembic.{name}() asks the database, and offline mode (`--sql`) has none" in out
    run_ok(project, "upgrade", "head")  # online, the same migration runs


@pytest.mark.parametrize("fmt", ["json-lines", "junit", "github", "gitlab", "pylint", "sarif"])
def test_statistics_in_a_format_that_has_none_is_exit_2(run, fmt):
    result = run([REPO / "examples" / "pypi_org", "--statistics", "--output-format", fmt], cwd=REPO)
    assert result.exit_code == 2
    assert result.out == ""
    assert result.err.splitlines() == [
        "modelreg: error: --statistics prints text or JSON: use it with --output-format concise, full, json "
        f"(not {fmt})"
    ]


@pytest.mark.parametrize("fmt", ["concise", "text", "full"])
def test_statistics_as_text(run, fmt):
    result = run([REPO / "examples" / "pypi_org", "--statistics", "--output-format", fmt], cwd=REPO)
    assert result.exit_code == 1
    assert result.out == "1\tMR001\t[*] unregistered-model\n"


def test_statistics_as_json(run):
    import json

    result = run([REPO / "examples" / "pypi_org", "--statistics", "--output-format", "json"], cwd=REPO)
    assert result.exit_code == 1
    assert json.loads(result.out) == [{"code": "MR001", "name": "unregistered-model", "count": 1, "fixable": 1}]


def test_full_gives_the_manual_step_of_a_rule_no_fix_covers(project, run):
    (project / "pypi_org/data/audit.py").write_text(AUDIT)
    reg = project / "pypi_org/data/__all_models.py"
    reg.write_text(reg.read_text() + "# noinspection PyUnresolvedReferences\nimport pypi_org.data.audit\n")
    result = run(["--no-cache", "--output-format", "full", project], cwd=project)
    assert result.exit_code == 1
    (block,) = result.out.split("\n\n")
    lines = block.splitlines()
    assert lines[0].startswith("pypi_org/data/audit.py:8:7: MR010 model Audit's table 'auditing'")
    assert "[*]" not in lines[0]
    assert lines[-1] == '  = help: Run `alembic revision --autogenerate -m "..."`'
