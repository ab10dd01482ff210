"""Ctrl-C (SIGINT) at any moment of a run (issue 25, point 5): one line on stderr and exit 130, never a
traceback, never "Aborted!"; after --fix has written a file, the line says which (the file is whole).

Real subprocesses: the moments are the imports a run goes through (``python -X importtime`` prints
each as it completes, so the signal is sent at a known stage), the fixed registry appearing on disk,
and the cache directory appearing; each is tried for a plain check and for --fix."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

N = 120  # models: enough that each stage of a run takes a while on any machine

BASE = "import sqlalchemy.orm as orm\n\nBase = orm.declarative_base()\n"


def _model(i: int) -> str:
    return (
        "import sqlalchemy as sa\n\nfrom pkg.data.modelbase import Base\n\n\n"
        f"class Thing{i}(Base):\n    __tablename__ = 'thing{i}'\n    id = sa.Column(sa.Integer, primary_key=True)\n"
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A project whose registry imports half of its models, and the registry --fix writes for it."""
    root = tmp_path_factory.mktemp("interrupt") / "proj"
    (root / "pkg/data").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "pkg/__init__.py").write_text("")
    (root / "pkg/data/__init__.py").write_text("")
    (root / "pkg/data/modelbase.py").write_text(BASE)
    for i in range(N):
        (root / f"pkg/data/thing{i:03}.py").write_text(_model(i))
    registry = "".join(f"import pkg.data.thing{i:03}  # noqa: F401\n" for i in range(0, N, 2))
    (root / "pkg/data/__all_models.py").write_text(registry)
    fixed_copy = root.parent / "fixed"
    shutil.copytree(root, fixed_copy)
    proc = _modelreg(["--fix", "--no-cache", "."], fixed_copy)
    assert proc.returncode == 0, proc.stderr
    fixed = (fixed_copy / "pkg/data/__all_models.py").read_bytes()
    assert fixed != registry.encode() and fixed.count(b"import pkg.data.thing") == N
    return root, registry.encode(), fixed


def _modelreg(args, cwd, **kw):
    return subprocess.run([sys.executable, "-m", "modelreg", *args], cwd=cwd, capture_output=True, text=True, timeout=300, **kw)


SCRIPT = os.path.join(os.path.dirname(sys.executable), "modelreg")  # the console script pip wrote


def _interrupt_at(args, cwd, moment, entry=("-m", "modelreg")):
    """Run modelreg, send SIGINT at ``moment`` (the import of a module completing, or a predicate of
    the tree becoming true), and return (returncode, stderr without the import-time lines)."""
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", *entry, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    err_lines = []
    sent = False
    if isinstance(moment, str):
        for line in proc.stderr:
            err_lines.append(line)
            if line.startswith("import time:") and line.rstrip().split("|")[-1].strip() == moment:
                proc.send_signal(signal.SIGINT)
                sent = True
                break
    else:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if moment():
                proc.send_signal(signal.SIGINT)
                sent = True
                break
    out, rest = proc.communicate(timeout=300)
    err = "".join(err_lines) + rest
    err = "".join(ln for ln in err.splitlines(keepends=True) if not ln.startswith("import time:"))
    return proc.returncode, err, sent


STAGES = ["modelreg.warm", "click", "modelreg.cli", "modelreg.analysis", "modelreg.store", "modelreg.migration_check"]


def _one_interrupted_line(err: str) -> str:
    assert "Traceback" not in err and "Aborted!" not in err and "KeyboardInterrupt" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("modelreg: interrupted"), err
    return lines[0]


@pytest.mark.parametrize("entry", [("-m", "modelreg"), (SCRIPT,)], ids=["python -m modelreg", "console script"])
@pytest.mark.parametrize("stage", STAGES)
def test_ctrl_c_during_a_check_is_one_line_and_exit_130(pristine, tmp_path, stage, entry):
    root = tmp_path / "proj"
    shutil.copytree(pristine[0], root)
    code, err, sent = _interrupt_at(["--no-cache", "."], root, stage, entry)
    assert sent, err
    assert code == 130, err
    assert _one_interrupted_line(err) == "modelreg: interrupted; no file was changed"


@pytest.mark.parametrize("stage", STAGES + ["libcst", "modelreg.fix"])
def test_ctrl_c_during_fix_says_whether_the_registry_was_written_and_it_is_whole(pristine, tmp_path, stage):
    root = tmp_path / "proj"
    shutil.copytree(pristine[0], root)
    _, original, fixed = pristine
    code, err, sent = _interrupt_at(["--fix", "--no-cache", "."], root, stage)
    assert sent, err
    registry = (root / "pkg/data/__all_models.py").read_bytes()
    assert registry in (original, fixed)  # whole, or untouched
    assert code == 130, err
    line = _one_interrupted_line(err)
    if registry == fixed:
        assert line == (
            "modelreg: interrupted after --fix wrote pkg/data/__all_models.py (whole); no other file was changed"
        )
    else:
        assert line == "modelreg: interrupted; no file was changed"


def test_ctrl_c_right_after_fix_wrote_the_registry_says_so_never_aborted(pristine, tmp_path):
    """The moment of issue 25: the registry fully rewritten, then Ctrl-C (the check after the fix)."""
    said_written = 0
    for attempt in range(3):
        root = tmp_path / f"proj{attempt}"
        shutil.copytree(pristine[0], root)
        _, original, fixed = pristine
        registry = root / "pkg/data/__all_models.py"
        code, err, sent = _interrupt_at(["--fix", "--no-cache", "."], root, lambda: registry.read_bytes() != original)
        assert registry.read_bytes() == fixed
        assert "Aborted!" not in err and "Traceback" not in err
        if sent and code == 130:
            assert _one_interrupted_line(err).startswith("modelreg: interrupted after --fix wrote pkg/data/__all_models.py")
            said_written += 1
        else:  # the run finished before the signal arrived: its normal output
            assert code == 0, err
    assert said_written >= 1


def test_ctrl_c_when_the_cache_appears_is_one_line(pristine, tmp_path):
    root = tmp_path / "proj"
    shutil.copytree(pristine[0], root)
    code, err, sent = _interrupt_at(["."], root, lambda: os.path.isdir(root / ".modelreg_cache"))
    assert sent
    assert code == 130, err
    _one_interrupted_line(err)


def test_the_exit_code_table_documents_130():
    from conftest import REPO

    lines = (REPO / "docs" / "cli.md").read_text().split("## Exit codes", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    assert any(line.startswith("| 130 | interrupted (Ctrl-C)") for line in lines[start:end])  # a row of the table
