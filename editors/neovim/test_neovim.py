"""The docs' Neovim snippet (docs/integrations/editors.md), run as written in a real headless Neovim (0.10+, its
built-in LSP client).

Not part of the normal suite (it needs nvim): `bash editors/e2e.sh` runs it with a Neovim from PyPI.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "integrations" / "editors.md").read_text()
HERE = Path(__file__).resolve().parent
REGISTRY = "pypi_org/data/__all_models.py"


def readme_block(after: str, lang: str) -> str:
    section = PAGE
    return section.split(after, 1)[1].split(f"```{lang}\n", 1)[1].split("```", 1)[0]


@pytest.fixture
def nvim() -> str:
    path = os.environ.get("NVIM") or shutil.which("nvim")
    assert path, "nvim is not installed: run this through `bash editors/e2e.sh`"
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    major, minor = map(int, re.match(r"NVIM v(\d+)\.(\d+)", version).groups())
    assert (major, minor) >= (0, 10), f"the docs' snippet needs Neovim 0.10+, found {version.splitlines()[0]}"
    return path


def fixed_by_the_cli(tmp_path: Path) -> bytes:
    """The registry as `modelreg --fix` writes it, on another copy of the example."""
    copy = tmp_path / "cli"
    shutil.copytree(REPO / "examples" / "pypi_org", copy)
    done = subprocess.run([sys.executable, "-m", "modelreg", "--fix"], cwd=copy, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return (copy / REGISTRY).read_bytes()


def test_the_readme_neovim_config_shows_the_audit_mr001_and_its_quick_fix_edits_like_modelreg_fix(nvim, tmp_path):
    project = tmp_path / "pypi_org"
    shutil.copytree(REPO / "examples" / "pypi_org", project)
    before = (project / REGISTRY).read_bytes()
    init = tmp_path / "init.lua"
    init.write_text(readme_block("Neovim", "lua"))
    out = tmp_path / "report.json"
    env = dict(os.environ)
    # The documented cmd is `modelreg server`, found on PATH: this interpreter's modelreg comes first.
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["MODELREG_NVIM_OUT"] = str(out)
    env["MODELREG_NVIM_FIX"] = f"Register Audit in {REGISTRY}"
    env["XDG_STATE_HOME"] = str(tmp_path / "state")  # Neovim's LSP log stays in the test's directory
    subprocess.run(
        [nvim, "--headless", "-u", str(init), "-c", f"luafile {HERE / 'check.lua'}", "pypi_org/data/audit.py"],
        cwd=project, env=env, timeout=180, check=True, stdin=subprocess.DEVNULL,
    )
    report = json.loads(out.read_text())
    assert report["filetype"] == "python"
    assert report["clients"] == ["modelreg"]
    assert [(d["lnum"], d["col"], d["end_col"], d["code"], d["source"]) for d in report["diagnostics"]] == [
        (7, 6, 11, "MR001", "modelreg")
    ]
    assert "model Audit (pypi_org.data.audit) is not registered" in report["diagnostics"][0]["message"]
    # The quick fix, applied and saved by Neovim, writes what `modelreg --fix` writes; then the MR001 is gone.
    assert report["actions"] == [f"Register Audit in {REGISTRY}"]
    assert report.get("applied") is True
    fixed = (project / REGISTRY).read_bytes()
    assert fixed != before
    assert fixed == fixed_by_the_cli(tmp_path)
    assert report.get("cleared") is True


def test_the_readme_helix_config_names_the_modelreg_server_for_python():
    # Helix has no headless mode to run a language server from (and no package here): check the
    # snippet's shape against the languages.toml schema Helix reads.
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib
    config = tomllib.loads(readme_block("Helix", "toml"))
    assert config["language-server"]["modelreg"] == {"command": "modelreg", "args": ["server"]}
    [python] = config["language"]
    assert python["name"] == "python" and "modelreg" in python["language-servers"]
