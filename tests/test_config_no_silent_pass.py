"""Configuration cannot produce a silent pass (issue 25, point 2), on the bundled example and the
README's own configuration section: every key it shows, given a value of the wrong type, is exit 2
naming the key and the type expected; a base, a roots entry naming nothing, a selection selecting
nothing, a run finding no Python file are exit 2; `--config FILE` does not move the project root."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

AUDIT = "pypi_org/data/audit.py:8:7: MR001 model Audit"
REGISTRY = "pypi_org/data/__all_models.py"
BASE = "pypi_org.data.modelbase.SqlAlchemyBase"


def _markdown_files():
    files = [REPO / "README.md"] + sorted((REPO / "docs").rglob("*.md"))
    return [f for f in files if f.is_file()]


def readme_configuration() -> dict:
    """The `[tool.modelreg]` example the README (or the docs site) shows, as TOML."""
    for md in _markdown_files():
        for block in re.findall(r"```toml\n(.*?)```", md.read_text(encoding="utf-8"), re.S):
            if "[tool.modelreg]" in block and "select" in block and "roots" in block:
                return tomllib.loads(block)["tool"]["modelreg"]
    raise AssertionError("no [tool.modelreg] example with select and roots in README.md or docs/")


@pytest.fixture
def example(tmp_path):
    root = tmp_path / "pypi_org"
    shutil.copytree(REPO / "examples" / "pypi_org", root)
    return root


def configure(root: Path, toml: str) -> None:
    (root / "pyproject.toml").write_text("[tool.modelreg]\n" + toml)


def _toml(key: str, value) -> str:
    if isinstance(value, bool):
        return f"{key} = {'true' if value else 'false'}\n"
    if isinstance(value, (list, str)):
        return f"{key} = {value!r}\n".replace("'", '"')
    raise AssertionError(value)


WRONG = {list: ("a string", "anything"), bool: ("a string", "yes"), str: ("a number", 3)}


def test_the_readme_shows_a_list_for_each_list_key():
    table = readme_configuration()
    for key in ("exclude", "extend-exclude", "select", "extend-select", "ignore", "roots", "base"):
        assert isinstance(table[key], list), key


@pytest.mark.parametrize(
    "key", ["registry", "require", "base", "exclude", "extend-exclude", "select", "extend-select", "ignore",
            "roots", "respect-gitignore", "cache-dir"],
)
def test_each_key_of_the_readme_with_a_value_of_the_wrong_type_is_exit_2_naming_it(example, run, key):
    table = readme_configuration()
    value = table[key]
    if key == "registry":  # `registry = "path"  # or a list`: a number is the wrong type
        wrong = 3
    elif isinstance(value, list):
        wrong = value[0] if value else "MR001"
    elif isinstance(value, bool):
        wrong = "yes"
    else:
        wrong = 3
    configure(example, _toml(key, wrong) if not isinstance(wrong, int) else f"{key} = {wrong}\n")
    result = run(["--no-cache", example], cwd=example)
    assert result.exit_code == 2, (key, result.out, result.err)
    assert result.out == ""
    (line,) = result.err.splitlines()
    assert key in line and "All checks passed" not in line
    if isinstance(value, list):
        assert "must be a list of strings" in line or "a string or a list of strings" in line
    if isinstance(value, list) and key != "registry":
        assert f"write {key} = [" in line


def test_a_list_key_with_a_non_string_entry_names_key_and_type(example, run):
    configure(example, "select = [1]\n")
    result = run(["--no-cache", example], cwd=example)
    assert result.exit_code == 2
    assert "select must be a list of strings, not a list holding a non-string" in result.err


def test_the_right_types_work_on_the_example(example, run):
    configure(example, f'base = ["{BASE}"]\nroots = ["."]\nselect = ["MR001"]\nexclude = ["build"]\n')
    result = run(["--no-cache", example], cwd=example)
    assert result.exit_code == 1, result.err
    assert result.out.startswith(AUDIT)


def _typos(dotted: str):
    """The dotted name with one part misspelled, at every depth."""
    parts = dotted.split(".")
    for i in range(len(parts)):
        yield ".".join(parts[:i] + [parts[i][:-1] + "x"] + parts[i + 1 :])


@pytest.mark.parametrize("typo", list(_typos(BASE)))
@pytest.mark.parametrize("where", ["registries", "base"])
def test_a_base_naming_nothing_is_exit_2_at_any_depth(example, run, typo, where):
    if where == "registries":
        configure(example, f'\n[[tool.modelreg.registries]]\nregistry = "{REGISTRY}"\nbase = "{typo}"\n')
    else:
        configure(example, f'base = ["{typo}"]\n')
    result = run(["--no-cache", example], cwd=example)
    assert result.exit_code == 2, (result.out, result.err)
    assert f"base {typo}" in result.err and "names no" in result.err or "binds no name" in result.err
    models = run(["models", "--no-cache", example], cwd=example)
    assert models.exit_code == 2 and "NO" not in models.out


@pytest.mark.parametrize("where", ["registries", "base"])
def test_the_right_base_is_no_error(example, run, where):
    if where == "registries":
        configure(example, f'\n[[tool.modelreg.registries]]\nregistry = "{REGISTRY}"\nbase = "{BASE}"\n')
    else:
        configure(example, f'base = ["{BASE}"]\n')
    result = run(["--no-cache", example], cwd=example)
    assert result.exit_code == 1 and result.out.startswith(AUDIT), result.err


def test_a_library_base_the_project_imports_is_accepted_one_it_never_imports_is_not(example, run):
    configure(example, 'base = ["sqlalchemy.orm.DeclarativeBase"]\n')  # modelbase.py imports sqlalchemy
    assert run(["--no-cache", example], cwd=example).exit_code == 1
    configure(example, 'base = ["sqlalchemyy.orm.DeclarativeBase"]\n')
    result = run(["--no-cache", example], cwd=example)
    assert result.exit_code == 2
    assert "sqlalchemyy is neither a package of the project nor one it imports" in result.err


@pytest.mark.parametrize("roots", ['["nonexistent"]', '["pypi_org/data/audit.py"]', '["../elsewhere"]'])
def test_a_roots_entry_naming_no_directory_of_the_project_is_exit_2(example, run, roots):
    (example.parent / "elsewhere").mkdir()
    configure(example, f"roots = {roots}\n")
    result = run(["--no-cache", example], cwd=example)
    assert result.exit_code == 2
    assert "roots entry" in result.err


@pytest.mark.parametrize(
    "toml, args",
    [
        ("select = []\n", []),
        ('select = ["MR001"]\nignore = ["MR001"]\n', []),
        ('ignore = ["ALL"]\n', []),
        ("", ["--select", ""]),
        ("", ["--select", "MR001", "--ignore", "MR0"]),
    ],
)
def test_a_selection_selecting_no_rule_is_exit_2(example, run, toml, args):
    configure(example, toml)
    for command in ([], ["models"]) if not args else ([],):
        result = run(command + ["--no-cache", *args, example], cwd=example)
        assert result.exit_code == 2, (toml, args, result.err)
        assert "no rule selected" in result.err
        assert "All checks passed" not in result.err


def test_config_elsewhere_keeps_the_root_of_the_paths(example, tmp_path, run):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "conf.toml").write_text('[tool.modelreg]\nignore = ["MR002"]\n')
    result = run(["--no-cache", "--config", "../elsewhere/conf.toml"], cwd=example)
    assert result.exit_code == 1
    assert result.out.startswith(AUDIT)
    models = run(["models", "--no-cache", "--config", "../elsewhere/conf.toml"], cwd=example)
    assert models.exit_code == 0 and "Audit" in models.out and "found by file name" in models.out
    settings = run(["--show-settings", "--no-cache", "--config", "../elsewhere/conf.toml"], cwd=example)
    assert f'root = "{example}"' in settings.out
    assert 'ignore = ["MR002"]' in settings.out


def test_config_elsewhere_reads_its_registry_relative_to_the_project_root(example, tmp_path, run):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "conf.toml").write_text(f'[tool.modelreg]\nregistry = "{REGISTRY}"\n')
    result = run(["--no-cache", "--config", elsewhere / "conf.toml", example], cwd=tmp_path)
    assert result.exit_code == 1, result.err
    assert "pypi_org/data/audit.py:8:7: MR001" in result.out


def test_an_empty_folder_says_no_python_files_and_exits_2(tmp_path, run):
    empty = tmp_path / "empty"
    empty.mkdir()
    for command in ([], ["models"], ["--fix"], ["--diff"]):
        result = run(command + [empty], cwd=tmp_path)
        assert result.exit_code == 2, command
        assert "no Python files found under" in result.err
        assert "All checks passed" not in result.err


def test_a_project_whose_every_file_is_excluded_says_so(example, run):
    configure(example, 'extend-exclude = ["pypi_org/", "setup.py"]\n')
    result = run([example], cwd=example)
    assert result.exit_code == 2
    assert "no Python files found" in result.err


def test_the_console_script_says_no_python_files_on_every_run_also_warm(tmp_path):
    """The warm path serves stored reports: one of an empty project must not become a pass."""
    empty = tmp_path / "empty"
    (empty / ".git").mkdir(parents=True)
    (empty / "notes.txt").write_text("no Python here\n")
    for _ in range(3):
        proc = subprocess.run(
            [sys.executable, "-m", "modelreg", "."], cwd=empty, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 2, proc.stderr
        assert "no Python files found" in proc.stderr


def test_verify_with_no_python_file_is_exit_2(tmp_path, run):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(["verify", empty], cwd=tmp_path)
    assert result.exit_code == 2
    assert "no Python files found" in result.err
