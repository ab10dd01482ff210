"""Shared helpers: build small project trees in tmp_path and run modelreg on them in-process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from modelreg.cli import main

REPO = Path(__file__).resolve().parent.parent


def model_source(name: str, table: str, base_import: str = "from pkg.db import Base", base: str = "Base") -> str:
    """A model module: the base's import, two blank lines, the class at line 4 (its name at column 7)."""
    return f"{base_import}\n\n\nclass {name}({base}):\n    __tablename__ = {table!r}\n"


# A declarative base and a model with a primary key, as the fix and hostile-input suites lay them out
# under pkg/data/ (the model's class at line 6, its name at column 7).
SA_BASE_MODULE = "import sqlalchemy.orm as orm\n\nBase = orm.declarative_base()\n"


def sa_model_module(cls: str, table: str) -> str:
    return (
        "import sqlalchemy as sa\n"
        "\n"
        "from pkg.data.modelbase import Base\n"
        "\n"
        "\n"
        f"class {cls}(Base):\n"
        f'    __tablename__ = "{table}"\n'
        "\n"
        "    id = sa.Column(sa.Integer, primary_key=True)\n"
    )


def write_tree(root: Path, files: Dict[str, str]) -> Path:
    """Write {relative path: source} under root (sources are dedented; a trailing newline is kept)."""
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@dataclass
class Result:
    exit_code: int
    out: str
    err: str

    @property
    def json(self):
        return json.loads(self.out)

    def codes(self) -> List[str]:
        return [line.split(" ")[1] for line in self.out.splitlines() if line.strip()]


@pytest.fixture
def tree(tmp_path):
    """tree({...}) writes files into a fresh project root (with a pyproject.toml marker) and returns it."""

    def make(files: Dict[str, str], pyproject: Optional[str] = "") -> Path:
        root = tmp_path / "proj"
        root.mkdir(exist_ok=True)
        if pyproject is not None:
            (root / "pyproject.toml").write_text(textwrap.dedent(pyproject).lstrip("\n"))
        return write_tree(root, files)

    return make


@pytest.fixture
def run(capsys, monkeypatch):
    """run(args, cwd=...) runs the CLI in-process and returns exit code and captured output."""

    def invoke(args: List[str], cwd: Optional[Path] = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def import_in_subprocess(root: Path, module: str, code: str) -> str:
    """Import `module` with root on sys.path in a fresh interpreter, then run `code`; returns stdout."""
    script = f"import sys; sys.path.insert(0, {str(root)!r})\nimport importlib\nmod = importlib.import_module({module!r})\n{code}"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=str(root))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout
