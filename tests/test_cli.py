"""Points 10-12 and the JSON contract: text output, exit codes, errors, `modelreg models`, the API, JSON."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

import modelreg
from conftest import REPO

DB = "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/db.py": DB,
    "pkg/data/__init__.py": "",
    "pkg/data/users.py": "from pkg.db import Base\n\n\nclass User(Base):\n    __tablename__ = 'users'\n",
    "pkg/data/audit.py": "from pkg.db import Base\n\n\nclass Audit(Base):\n    __tablename__ = 'auditing'\n",
    "pkg/data/mixins.py": "from pkg.db import Base\n\n\nclass Stamped(Base):\n    __abstract__ = True\n",
    "pkg/data/__all_models.py": "import pkg.data.users\nimport pkg.data.mixins\n",
}
CLEAN = {**PROJECT, "pkg/data/__all_models.py": "import pkg.data.users\nimport pkg.data.audit\n"}
AUDIT_LINE = "pkg/data/audit.py:4:7: MR001 "

ANSI = "\x1b["


# -- point 10: text output --------------------------------------------------------------------


def test_each_diagnostic_is_one_line_path_line_col_code_message(tree, run):
    root = tree({**PROJECT, "pkg/data/__all_models.py": "import pkg.data.users\nimport pkg.data.gone\n"})
    result = run(["."], cwd=root)
    assert result.out.splitlines() == [
        "pkg/data/__all_models.py:2:8: MR002 stale registry import `pkg.data.gone`: "
        "module pkg.data.gone does not exist (ImportError at runtime)",
        "pkg/data/audit.py:4:7: MR001 model Audit (pkg.data.audit) is not registered: "
        "pkg/data/__all_models.py does not import it; add `import pkg.data.audit`",
    ]


def test_paths_are_relative_to_the_current_directory(tree, run):
    root = tree(PROJECT)
    assert run([root], cwd=root).out.startswith(AUDIT_LINE)
    assert run([root], cwd=root.parent).out.startswith("proj/" + AUDIT_LINE)
    assert run([root], cwd=root / "pkg").out.startswith("data/audit.py:4:7: MR001 ")
    (root / "docs").mkdir()
    assert run([".."], cwd=root / "docs").out.startswith("../" + AUDIT_LINE)


def test_the_summary_goes_to_stderr_and_stdout_holds_only_diagnostics(tree, run):
    root = tree(PROJECT)
    result = run([], cwd=root)
    assert result.out.splitlines()[0].startswith(AUDIT_LINE) and len(result.out.splitlines()) == 1
    assert result.err.splitlines() == ["Found 1 error (1 fixable with `modelreg --fix`)."]
    clean = run([], cwd=tree(CLEAN))
    assert (clean.exit_code, clean.out, clean.err.strip()) == (0, "", "All checks passed!")


def test_several_findings_are_counted_in_the_summary(tree, run):
    root = tree({**PROJECT, "pkg/data/__all_models.py": "import pkg.data.mixins\n"})
    result = run([], cwd=root)
    assert result.err.splitlines() == ["Found 2 errors (2 fixable with `modelreg --fix`)."]


def test_output_has_no_color_when_stdout_is_not_a_terminal(tree, run):
    root = tree(PROJECT)
    result = run([], cwd=root)
    assert ANSI not in result.out and ANSI not in result.err


def run_on_a_terminal(root, env_extra):
    """Run `python -m modelreg` with stdout on a pseudo-terminal; returns what the terminal received."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(env_extra)
    try:
        proc = subprocess.run([sys.executable, "-m", "modelreg", "."], cwd=root, stdout=slave,
                              stderr=subprocess.PIPE, env=env, timeout=60)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    return proc.returncode, b"".join(chunks).decode()


def test_output_is_colored_on_a_terminal_unless_no_color_is_set(tree):
    root = tree(PROJECT)
    code, out = run_on_a_terminal(root, {})
    assert code == 1
    assert ANSI in out and "MR001" in out
    code, out = run_on_a_terminal(root, {"NO_COLOR": "1"})
    assert code == 1
    assert ANSI not in out
    assert out.replace("\r\n", "\n").startswith(AUDIT_LINE)


def test_quiet_prints_diagnostics_without_the_summary(tree, run):
    root = tree(PROJECT)
    for flag in ("--quiet", "-q"):
        result = run([flag], cwd=root)
        assert (result.exit_code, result.err) == (1, "")
        assert result.out.startswith(AUDIT_LINE)


def test_exit_zero_reports_but_exits_0(tree, run):
    root = tree(PROJECT)
    result = run(["--exit-zero"], cwd=root)
    assert result.exit_code == 0
    assert result.out.startswith(AUDIT_LINE)
    assert "Found 1 error (1 fixable with `modelreg --fix`)." in result.err


def test_exit_code_is_0_when_nothing_is_reported_and_1_when_something_is(tree, run):
    assert run([], cwd=tree(CLEAN)).exit_code == 0
    assert run([], cwd=tree(PROJECT)).exit_code == 1


def test_check_is_the_default_command(tree, run):
    root = tree(PROJECT)
    assert run(["check", "."], cwd=root).out == run(["."], cwd=root).out


def test_an_mr100_alone_exits_1(tree, run):
    root = tree({**CLEAN, "pkg/broken.py": "from pkg.db import Base\nx = (\n"})  # a file modelreg reads
    result = run([], cwd=root)
    assert result.exit_code == 1
    assert result.codes() == ["MR100"]


# -- point 10: usage and configuration errors ---------------------------------------------------


def assert_one_clear_error_line(result, *needles):
    assert result.exit_code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_invalid_toml_is_one_error_line_naming_the_file_and_exit_2(tree, run):
    root = tree(PROJECT, pyproject="[tool.modelreg]\nrequire = \n")
    assert_one_clear_error_line(run([], cwd=root), str(root / "pyproject.toml"), "TOML")


def test_an_unknown_config_key_is_one_error_line_and_exit_2(tree, run):
    root = tree(PROJECT, pyproject='[tool.modelreg]\nregistery = "pkg/data/__all_models.py"\n')
    assert_one_clear_error_line(run([], cwd=root), str(root / "pyproject.toml"), "registery")


@pytest.mark.parametrize("value", ['"everything"', "1", '["module"]'])
def test_a_bad_require_value_in_config_is_one_error_line_and_exit_2(tree, run, value):
    root = tree(PROJECT, pyproject=f"[tool.modelreg]\nrequire = {value}\n")
    assert_one_clear_error_line(run([], cwd=root), str(root / "pyproject.toml"), "require")


@pytest.mark.parametrize("line, key", [
    ("registry = 3", "registry"), ("base = [1]", "base"), ("ignore = {a = 1}", "ignore"),
    ("respect-gitignore = 'yes'", "respect-gitignore"), ("roots = false", "roots"),
])
def test_a_config_value_of_the_wrong_type_is_one_error_line_and_exit_2(tree, run, line, key):
    root = tree(PROJECT, pyproject=f"[tool.modelreg]\n{line}\n")
    assert_one_clear_error_line(run([], cwd=root), str(root / "pyproject.toml"), key)


def test_a_config_error_is_reported_by_the_models_command_too(tree, run):
    root = tree(PROJECT, pyproject="[tool.modelreg]\nnope = 1\n")
    assert_one_clear_error_line(run(["models"], cwd=root), "pyproject.toml", "nope")


def test_a_nonexistent_path_is_one_error_line_and_exit_2(tree, run):
    root = tree(PROJECT)
    assert_one_clear_error_line(run(["does/not/exist.py"], cwd=root), "does/not/exist.py")
    assert_one_clear_error_line(run([".", "missing"], cwd=root), "missing")


def test_a_missing_config_file_option_is_one_error_line_and_exit_2(tree, run):
    root = tree(PROJECT)
    assert_one_clear_error_line(run(["--config", "other.toml", "."], cwd=root), "other.toml")


def test_a_bad_require_option_exits_2_without_traceback(tree, run):
    root = tree(PROJECT)
    result = run(["--require", "everything", "."], cwd=root)
    assert result.exit_code == 2
    assert "Traceback" not in result.err and "--require" in result.err
    assert result.out == ""


def test_an_unknown_option_exits_2_without_traceback(tree, run):
    root = tree(PROJECT)
    result = run(["--frobnicate"], cwd=root)
    assert result.exit_code == 2
    assert "Traceback" not in result.err and "--frobnicate" in result.err


def test_a_config_error_through_the_real_console_entry_point_has_no_traceback(tree):
    root = tree(PROJECT, pyproject="[tool.modelreg]\nrequire = 'sometimes'\n")
    proc = subprocess.run([sys.executable, "-m", "modelreg"], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert "pyproject.toml" in proc.stderr and "sometimes" in proc.stderr


# -- point 11: modelreg models ------------------------------------------------------------------


def test_models_lists_every_model_as_a_text_table(tree, run):
    root = tree(PROJECT)
    result = run(["models"], cwd=root)
    assert result.exit_code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["MODEL", "TABLE", "BASE", "REGISTERED", "REGISTRY", "DEFINED", "AT"]
    rows = {line.split()[0]: line.split() for line in lines[1:4]}
    assert rows["Audit"] == ["Audit", "auditing", "pkg.db.Base", "NO", "pkg/data/__all_models.py",
                             "pkg/data/audit.py:4"]
    assert rows["User"] == ["User", "users", "pkg.db.Base", "yes", "pkg/data/__all_models.py",
                            "pkg/data/users.py:4"]
    assert rows["Stamped"] == ["Stamped", "(abstract)", "-", "pkg.db.Base", "-", "pkg/data/__all_models.py",
                               "pkg/data/mixins.py:4"]
    assert any("pkg/data/__all_models.py" in line and "registry" in line for line in lines[4:])


def test_models_json_has_exactly_the_documented_keys(tree, run):
    root = tree(PROJECT)
    result = run(["models", "--format", "json"], cwd=root)
    assert result.exit_code == 0
    data = result.json
    assert set(data) == {"root", "models", "registries"}
    assert data["root"] == str(root)
    assert data["models"] == [
        {"name": "Audit", "module": "pkg.data.audit", "path": "pkg/data/audit.py", "line": 4, "table": "auditing",
         "schema": None, "kind": "class", "base": "pkg.db.Base", "abstract": False, "registered": False, "registry": "pkg/data/__all_models.py", "migrations": None},
        {"name": "Stamped", "module": "pkg.data.mixins", "path": "pkg/data/mixins.py", "line": 4, "table": None,
         "schema": None, "kind": "class", "base": "pkg.db.Base", "abstract": True, "registered": True, "registry": "pkg/data/__all_models.py", "migrations": None},
        {"name": "User", "module": "pkg.data.users", "path": "pkg/data/users.py", "line": 4, "table": "users",
         "schema": None, "kind": "class", "base": "pkg.db.Base", "abstract": False, "registered": True, "registry": "pkg/data/__all_models.py", "migrations": None},
    ]
    assert [{k: r[k] for k in ("path", "module")} for r in data["registries"]] == [
        {"path": "pkg/data/__all_models.py", "module": "pkg.data.__all_models"}]
    # the documented keys are all there (see the report for the extra "source" key)
    assert all({"path", "module"} <= set(r) for r in data["registries"])


def test_models_json_reports_the_registered_flag_under_the_require_option(tree, run):
    root = tree({**CLEAN, "pkg/data/__init__.py": "from . import audit\n",
                 "pkg/data/__all_models.py": "import pkg.data.users\n"})
    by_mode = {}
    for mode in ("reachable", "module"):
        data = run(["models", "--format", "json", "--require", mode], cwd=root).json
        by_mode[mode] = {m["name"]: m["registered"] for m in data["models"] if not m["abstract"]}
    assert by_mode == {"reachable": {"Audit": True, "User": True}, "module": {"Audit": False, "User": True}}


def test_models_json_paths_are_relative_to_the_project_root_whatever_the_cwd(tree, run):
    root = tree(PROJECT)
    data = run(["models", "--format", "json", root / "pkg"], cwd=root.parent).json
    assert data["root"] == str(root)
    assert {m["path"] for m in data["models"]} == {"pkg/data/audit.py", "pkg/data/users.py", "pkg/data/mixins.py"}


# -- point 12: the API --------------------------------------------------------------------------


def test_check_returns_a_report_and_prints_nothing(tree, capsys):
    root = tree(PROJECT)
    report = modelreg.check([str(root)])
    assert capsys.readouterr() == ("", "")
    assert isinstance(report, modelreg.Report)
    assert report.root == str(root)
    assert report.exit_code == 1
    assert report.files == 7
    [d] = report.diagnostics
    assert isinstance(d, modelreg.Diagnostic)
    assert (d.code, d.path, d.line, d.column, d.end_line, d.end_column, d.model, d.registry, d.fixable) == (
        "MR001", str(root / "pkg/data/audit.py"), 4, 7, 4, 12, "pkg.data.audit.Audit",
        str(root / "pkg/data/__all_models.py"), True)
    assert sorted((m.name, m.module.name, m.abstract) for m in report.models) == [
        ("Audit", "pkg.data.audit", False), ("Stamped", "pkg.data.mixins", True), ("User", "pkg.data.users", False)]
    assert all(isinstance(m, modelreg.ModelInfo) for m in report.models)
    assert [r.path for r in report.registries] == [str(root / "pkg/data/__all_models.py")]
    assert all(isinstance(r, modelreg.Registry) for r in report.registries)


def test_check_of_a_clean_project_has_exit_code_0(tree):
    report = modelreg.check([str(tree(CLEAN))])
    assert (report.diagnostics, report.exit_code) == ([], 0)


def test_check_accepts_the_require_mode(tree):
    root = tree({**CLEAN, "pkg/data/__init__.py": "from . import audit\n",
                 "pkg/data/__all_models.py": "import pkg.data.users\n"})
    assert modelreg.check([str(root)]).diagnostics == []
    assert [d.model for d in modelreg.check([str(root)], require="module").diagnostics] == ["pkg.data.audit.Audit"]


def test_check_accepts_an_explicit_config_file(tree, run):
    root = tree(PROJECT)
    (root / "modelreg.toml").write_text('[tool.modelreg]\nignore = ["MR001"]\n')
    assert modelreg.check([str(root)]).exit_code == 1
    assert modelreg.check([str(root)], config_file=str(root / "modelreg.toml")).diagnostics == []
    result = run(["--config", "modelreg.toml", "."], cwd=root)
    assert (result.exit_code, result.out) == (0, "")


def test_check_defaults_to_the_current_directory(tree, monkeypatch):
    root = tree(PROJECT)
    monkeypatch.chdir(root)
    assert [d.model for d in modelreg.check().diagnostics] == ["pkg.data.audit.Audit"]


def test_check_raises_config_error_on_a_bad_config(tree):
    root = tree(PROJECT, pyproject="[tool.modelreg]\nrequire = 'sometimes'\n")
    with pytest.raises(modelreg.ConfigError, match="require"):
        modelreg.check([str(root)])
    with pytest.raises(modelreg.ConfigError):
        modelreg.check([str(root / "missing")])
    with pytest.raises(modelreg.ConfigError):
        modelreg.check([str(tree(PROJECT, pyproject=""))], require="sometimes")


def test_check_never_imports_project_code_or_sqlalchemy(tree):
    root = tree({**PROJECT, "pkg/__init__.py": "raise SystemExit('imported!')\n"})
    code = (
        "import sys, modelreg\n"
        f"r = modelreg.check([{str(root)!r}])\n"
        "assert not any(m == 'sqlalchemy' or m.startswith('sqlalchemy.') for m in sys.modules), 'sqlalchemy'\n"
        "print(sorted(d.model for d in r.diagnostics))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['pkg.data.audit.Audit']"


# -- the JSON contract of `modelreg --format json` ---------------------------------------------

DIAGNOSTIC_KEYS = {"code", "message", "path", "line", "column", "end_line", "end_column", "model", "registry",
                   "fixable"}


def test_json_output_has_exactly_the_documented_keys(tree, run):
    root = tree({**PROJECT, "pkg/data/__all_models.py": "import pkg.data.users\nimport pkg.data.gone\n"})
    result = run(["--format", "json"], cwd=root)
    assert result.exit_code == 1
    assert result.err == ""
    data = result.json
    assert set(data) == {"root", "diagnostics", "summary"}
    assert all(set(d) == DIAGNOSTIC_KEYS for d in data["diagnostics"])
    assert set(data["summary"]) == {"files", "models", "diagnostics"}
    assert data["root"] == str(root) and os.path.isabs(data["root"])
    assert data["summary"] == {"files": 7, "models": 2, "diagnostics": 2}
    mr002, mr001 = data["diagnostics"]
    assert mr001 == {
        "code": "MR001", "message": mr001["message"], "path": "pkg/data/audit.py", "line": 4, "column": 7,
        "end_line": 4, "end_column": 12, "model": "pkg.data.audit.Audit", "registry": "pkg/data/__all_models.py",
        "fixable": True,
    }
    assert "Audit" in mr001["message"]
    assert (mr002["code"], mr002["path"], mr002["line"], mr002["column"], mr002["model"], mr002["registry"]) == (
        "MR002", "pkg/data/__all_models.py", 2, 8, None, "pkg/data/__all_models.py")
    assert mr002["end_column"] == 8 + len("pkg.data.gone")


def test_json_positions_are_1_based(tree, run):
    root = tree({**CLEAN, "pkg/data/__all_models.py": "import pkg.data.users\n",
                 "pkg/data/audit.py": "import pkg.db as d\nclass Audit(d.Base): pass\n",
                 "pkg/broken.py": "from pkg.db import Base\n(\n"})
    with pytest.raises(SyntaxError) as python:
        compile("from pkg.db import Base\n(\n", "broken.py", "exec")
    assert (python.value.lineno, python.value.offset) == (2, 1)  # Python's own positions are 1-based
    data = run(["--format", "json"], cwd=root).json
    assert [(d["code"], d["path"], d["line"], d["column"], d["end_line"], d["end_column"])
            for d in data["diagnostics"]] == [
        ("MR100", "pkg/broken.py", 2, 1, 2, 2),
        ("MR001", "pkg/data/audit.py", 2, 7, 2, 12),
    ]


def test_json_diagnostic_at_line_1_column_1(tree, run):
    root = tree({**CLEAN, "pkg/data/__all_models.py": "from pkg.data.nope import Nope\nimport pkg.data.users\n"
                                                      "import pkg.data.audit\n"})
    data = run(["--format", "json"], cwd=root).json
    assert [(d["code"], d["line"], d["column"], d["end_line"]) for d in data["diagnostics"]] == [("MR002", 1, 1, 1)]


def test_json_paths_are_relative_to_the_root_with_forward_slashes_whatever_the_cwd(tree, run):
    root = tree(PROJECT)
    data = run(["--format", "json", root / "pkg" / "data" / "audit.py"], cwd=root.parent.parent).json
    assert data["root"] == str(root)
    assert [(d["path"], d["registry"]) for d in data["diagnostics"]] == [
        ("pkg/data/audit.py", "pkg/data/__all_models.py")]


def test_json_of_a_clean_project(tree, run):
    root = tree(CLEAN)
    result = run(["--format", "json"], cwd=root)
    assert result.exit_code == 0
    assert result.json == {"root": str(root), "diagnostics": [],
                           "summary": {"files": 7, "models": 2, "diagnostics": 0}}


def test_json_output_honours_exit_zero_and_quiet(tree, run):
    root = tree(PROJECT)
    result = run(["--format", "json", "--exit-zero", "-q"], cwd=root)
    assert result.exit_code == 0
    assert [d["code"] for d in result.json["diagnostics"]] == ["MR001"]


def unregistered_models(n: int) -> dict:
    """A project of n models and a registry importing none of them: n MR001 lines."""
    files = {"pkg/__init__.py": "", "pkg/db.py": DB, "pkg/__all_models.py": '"""Every model."""\n'}
    for i in range(n):
        files[f"pkg/m{i:04d}.py"] = f"from pkg.db import Base\n\n\nclass M{i}(Base):\n    __tablename__ = 't{i}'\n"
    return files


def test_python_m_modelreg_delivers_every_line_through_a_pipe_and_its_exit_code(tree):
    # the process leaves without tearing the interpreter down: what it printed must all be there
    root = tree(unregistered_models(300))
    proc = subprocess.run([sys.executable, "-m", "modelreg", "."], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 1
    assert len(proc.stdout.splitlines()) == 300 and proc.stdout.endswith("\n")
    assert proc.stderr.startswith("Found 300 errors")


def test_a_reader_that_stops_early_gets_no_traceback(tree):
    root = tree(unregistered_models(2000))
    proc = subprocess.run(
        f"{sys.executable} -m modelreg . | head -1", shell=True, cwd=root, capture_output=True, text=True
    )
    assert len(proc.stdout.splitlines()) == 1
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr and "Exception ignored" not in proc.stderr
