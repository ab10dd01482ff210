"""Start-up: a plain check imports only what it uses, and a warm run answers before click or the
analysis is imported, with exactly the output, exit code and stored report of the full CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, model_source, write_tree

PROJECT = {
    "pyproject.toml": "",
    "pkg/__init__.py": "",
    "pkg/db.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
    "pkg/user.py": model_source("User", "users"),
    "pkg/order.py": model_source("Order", "orders"),
    "pkg/__all_models.py": "import pkg.user  # noqa: F401\n",
}

# what a plain check never needs: the fixer's parser, gitignore matching without an ignore file,
# the JSON encoder, the migration reader without an Alembic history
NEVER_ON_THE_PLAIN_PATH = ("libcst", "pathspec", "json", "modelreg.fix", "modelreg.migrations", "modelreg.columns")
# ... and what a warm run (nothing changed) does not import at all
NEVER_ON_THE_WARM_PATH = NEVER_ON_THE_PLAIN_PATH + (
    "click", "modelreg.cli", "modelreg.api", "modelreg.resolve", "modelreg.rules", "modelreg.style", "modelreg.imports",
)


def _env():
    env = dict(os.environ, NO_COLOR="1")
    env.pop("FORCE_COLOR", None)
    return env


def _modules_after(root, code: str) -> dict:
    """Run ``code`` in a fresh interpreter in ``root``; it ends having set ``result``: that and sys.modules."""
    script = code + (
        "\nimport sys\nmodules = sorted(sys.modules)\nimport json\n"
        "print(json.dumps({'result': result, 'modules': modules}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, env=_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def _loaded(modules, names):
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_a_plain_check_imports_no_fixer_no_gitignore_matcher_no_json_and_no_migration_reader(tmp_path):
    root = write_tree(tmp_path / "proj", PROJECT)
    got = _modules_after(root, "from modelreg.cli import main\nresult = main(['-q', '.'])")
    assert got["result"] == 1
    assert _loaded(got["modules"], NEVER_ON_THE_PLAIN_PATH) == []


def test_a_warm_plain_check_imports_neither_click_nor_the_analysis(tmp_path):
    root = write_tree(tmp_path / "proj", PROJECT)
    cold = subprocess.run([sys.executable, "-m", "modelreg", "-q", "."], cwd=root, capture_output=True, env=_env())
    assert cold.returncode == 1
    got = _modules_after(root, "from modelreg import warm\nresult = warm.answer(['-q', '.'])")
    assert got["result"] == 1  # answered by the warm path
    assert _loaded(got["modules"], NEVER_ON_THE_WARM_PATH) == []


def test_a_fresh_checkout_with_the_cache_restored_is_answered_by_the_warm_path(tmp_path):
    root = write_tree(tmp_path / "proj", PROJECT)
    cold = subprocess.run([sys.executable, "-m", "modelreg", "-q", "."], cwd=root, capture_output=True, env=_env())
    assert cold.returncode == 1
    for path in sorted(root.rglob("*.py")):  # the same bytes written anew, as a checkout writes them
        data = path.read_bytes()
        path.unlink()
        path.write_bytes(data)
        os.utime(path, ns=(path.stat().st_mtime_ns - 10**10, path.stat().st_mtime_ns - 10**10))
    got = _modules_after(root, "from modelreg import warm\nresult = warm.answer(['-q', '.'])")
    assert got["result"] == 1  # answered by the warm path, the stored report's stamps brought up to date
    assert _loaded(got["modules"], NEVER_ON_THE_WARM_PATH) == []
    (root / "pkg/order.py").write_text(model_source("Order", "orders") + "# an edit\n")
    got = _modules_after(root, "from modelreg import warm\nresult = warm.answer(['-q', '.'])")
    assert got["result"] is None  # one byte changed: the full CLI decides


def test_the_gitignore_matcher_is_imported_when_an_ignore_file_has_patterns_and_not_again_when_warm(tmp_path):
    root = write_tree(tmp_path / "proj", dict(PROJECT, **{".gitignore": "generated/\n", "generated/x.py": ""}))
    cold = _modules_after(root, "from modelreg.cli import main\nresult = main(['-q', '.'])")
    assert _loaded(cold["modules"], ["pathspec"]) != []
    warm = _modules_after(root, "from modelreg import warm\nresult = warm.answer(['-q', '.'])")
    assert warm["result"] == 1
    assert _loaded(warm["modules"], ["pathspec"]) == []


def _run(root, *args, importtime=False):
    cmd = [sys.executable] + (["-X", "importtime"] if importtime else []) + ["-m", "modelreg", *args]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=_env(), timeout=120)
    lines = proc.stderr.splitlines(keepends=True)
    imported = [ln.split("|")[-1].strip() for ln in lines if ln.startswith("import time:")]
    err = "".join(ln for ln in lines if not ln.startswith("import time:"))
    return proc.returncode, proc.stdout, err, imported


@pytest.mark.parametrize(
    "args",
    [
        (),
        (".",),
        ("check",),
        ("-q",),
        ("--exit-zero",),
        ("--output-format", "github"),
        ("--format=json",),
        ("--format", "text", "-q", "--exit-zero"),
        ("pkg/order.py",),
        ("pkg/user.py", "pkg/__all_models.py"),
        ("pkg",),
    ],
    ids=lambda a: " ".join(a) or "no arguments",
)
def test_a_warm_run_prints_what_the_full_cli_prints_and_exits_the_same(tmp_path, args):
    root = write_tree(tmp_path / "proj", PROJECT)
    first = _run(root, *args)  # the full CLI: analyzes, stores the report
    code, out, err, imported = _run(root, *args, importtime=True)
    assert "click" not in imported, "the warm path answered"
    assert (code, out, err) == first[:3]


def test_options_the_warm_path_does_not_know_go_to_the_full_cli_with_the_same_result(tmp_path):
    root = write_tree(tmp_path / "proj", PROJECT)
    _run(root)
    for args in (("--statistics",), ("--select", "MR002"), ("-v",), ("models",), ("--version",)):
        expected = subprocess.run(
            [sys.executable, "-c", "import sys; from modelreg.cli import main; sys.exit(main(sys.argv[1:]))", *args],
            cwd=root, capture_output=True, text=True, env=_env(),
        )
        code, out, err, imported = _run(root, *args, importtime=True)
        assert "click" in imported
        assert (code, out, err) == (expected.returncode, expected.stdout, expected.stderr), args


def test_a_run_after_an_edit_goes_on_from_the_warm_paths_walk_and_reports_the_change(tmp_path):
    root = write_tree(tmp_path / "proj", PROJECT)
    assert _run(root, "-q")[:2] == (1, "pkg/order.py:4:7: MR001 model Order (pkg.order) is not registered: "
                                       "pkg/__all_models.py does not import it; add `import pkg.order`\n")
    (root / "pkg/__all_models.py").write_text("import pkg.order  # noqa: F401\nimport pkg.user  # noqa: F401\n")
    code, out, err, imported = _run(root, "-q", importtime=True)
    assert (code, out) == (0, "")
    assert "click" in imported  # a change: the full CLI ran


def test_the_warm_path_knows_every_command_of_the_cli():
    from modelreg import warm
    from modelreg.cli import cli

    assert warm.COMMANDS | {"check"} == set(cli.commands)


def test_the_console_script_starts_on_the_warm_path():
    text = (REPO / "pyproject.toml").read_text()
    assert 'modelreg = "modelreg.warm:run"' in text


IGNORES = {
    ".gitignore": "*.pyc\ngen/\nscratch_*.py\n!scratch_keep.py\n/top_only.py\n",
    "pkg/.gitignore": "local.py\nsub/*\n!sub/kept.py\n",
    "gen/a.py": "",
    "scratch_1.py": "",
    "scratch_keep.py": "",
    "top_only.py": "",
    "pkg/top_only.py": "",
    "pkg/local.py": "",
    "pkg/sub/dropped.py": "",
    "pkg/sub/kept.py": "",
    "pkg/deep/local.py": "",
    "pkg/deep/ok.py": "",
}


def test_the_walk_with_memoized_gitignore_answers_is_the_walk_without(tmp_path):
    from modelreg import config, discover

    root = write_tree(tmp_path / "proj", dict(PROJECT, **IGNORES))
    (root / ".modelreg_cache").mkdir()
    cfg = config.load(str(root))
    plain = discover.walk(cfg)
    first = discover.walk(cfg, memo=discover.IgnoreMemo.open(cfg))  # computes and stores the answers
    memo = discover.IgnoreMemo.open(cfg)
    assert memo.known, "the answers were stored"
    second = discover.walk(cfg, memo=memo)
    assert plain == first == second
    assert memo.new == 0  # every answer came from the memo
    names = {os.path.relpath(p, root) for p in plain}
    assert {"scratch_keep.py", "pkg/top_only.py", "pkg/sub/kept.py", "pkg/deep/ok.py"} <= names
    assert not names & {"gen/a.py", "scratch_1.py", "top_only.py", "pkg/local.py", "pkg/sub/dropped.py", "pkg/deep/local.py"}


def test_a_gitignore_edited_between_runs_is_obeyed_although_its_answers_were_memoized(tmp_path):
    root = write_tree(tmp_path / "proj", dict(PROJECT, **{".gitignore": "pkg/order.py\n"}))
    assert _run(root, "-q")[:2] == (0, "")  # the unregistered model's file is ignored
    (root / ".gitignore").write_text("pkg/other.py\n")
    code, out, _, _ = _run(root, "-q")
    assert (code, out.split(" ")[:2]) == (1, ["pkg/order.py:4:7:", "MR001"])
