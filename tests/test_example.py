"""The bundled example reproduces the classic mistake, exactly as the README's Quickstart says."""

import json
import subprocess
import sys

from conftest import REPO


def test_example_reports_exactly_one_mr001_for_audit_and_exits_1(run):
    result = run([REPO / "examples" / "pypi_org"], cwd=REPO)
    assert result.exit_code == 1
    lines = result.out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("examples/pypi_org/pypi_org/data/audit.py:8:7: MR001 ")
    assert "Audit" in lines[0] and "__all_models.py" in lines[0]
    assert "import pypi_org.data.audit" in lines[0]
    assert result.err.splitlines() == ["Found 1 error (1 fixable with `modelreg --fix`)."]


def test_example_runs_as_python_dash_m():
    proc = subprocess.run(
        [sys.executable, "-m", "modelreg", "--format", "json", "examples/pypi_org"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert [d["model"] for d in data["diagnostics"]] == ["pypi_org.data.audit.Audit"]
