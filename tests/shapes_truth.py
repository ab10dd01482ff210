"""The runtime truth of a project tree: which tables its registry loads, established by importing it (or
running its Alembic env.py the way Alembic does) in a fresh interpreter with real SQLAlchemy,
Flask-SQLAlchemy, SQLModel and Alembic - never by reading the code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Set, Tuple, Union

_SCRIPT = r"""
import importlib, json, os, sys
root, what, metadata = json.loads(sys.argv[1])
sys.path.insert(0, root)
os.chdir(root)
sys.dont_write_bytecode = True


def run_env(path):
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", os.path.dirname(os.path.join(root, path)))
    cfg.set_main_option("sqlalchemy.url", "sqlite://")
    script = ScriptDirectory.from_config(cfg)
    with EnvironmentContext(cfg, script, fn=lambda rev, context: [], as_sql=True):
        script.run_env()


try:
    for item in what:
        if item.endswith(".py"):
            run_env(item)
        else:
            importlib.import_module(item)
except Exception as exc:
    print(json.dumps({"raised": type(exc).__name__, "message": str(exc)}))
    sys.exit(0)
tables = set()
for spec in metadata:
    mod, _, expr = spec.partition(":")
    md = eval(expr, vars(importlib.import_module(mod)))
    tables |= set(md.tables)
print(json.dumps({"tables": sorted(tables)}))
"""


def loaded_tables(root: Path, what: Union[str, Sequence[str]], metadata: Union[str, Sequence[str]]) -> dict:
    """{"tables": [...]} after importing `what` (dotted modules, or `.py` paths run as Alembic runs env.py),
    or {"raised": "ExceptionName", ...} when that raised."""
    what = [what] if isinstance(what, str) else list(what)
    metadata = [metadata] if isinstance(metadata, str) else list(metadata)
    proc = subprocess.run(
        [sys.executable, "-B", "-c", _SCRIPT, json.dumps([str(root), what, metadata])],
        capture_output=True,
        text=True,
        cwd=str(root),
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def truth(root: Path, registry: str, all_modules: Sequence[str], metadata) -> Tuple[Set[str], Set[str]]:
    """(every table of the project, the tables importing the registry loads)."""
    everything = loaded_tables(root, list(all_modules), metadata)
    assert "tables" in everything, everything
    loaded = loaded_tables(root, registry, metadata)
    assert "tables" in loaded, loaded
    return set(everything["tables"]), set(loaded["tables"])


def snapshot(root: Path) -> dict:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".modelreg_cache" not in p.parts and "__pycache__" not in p.parts
    }


def modelreg_json(root: Path, *args: str) -> Tuple[int, dict]:
    """`modelreg --format json --no-cache .` (or `modelreg models --format json .`) in this process, from root."""
    import contextlib
    import io
    import os

    from modelreg.cli import main

    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(out):
            code = main([*args, "--format", "json", *([] if args else ["--no-cache"]), "."])
    finally:
        os.chdir(cwd)
    assert code in (0, 1)
    return code, json.loads(out.getvalue())


def fix(root: Path) -> None:
    """`modelreg --fix --no-cache .` in this process."""
    from modelreg import api

    outcome = api.fix([str(root)], use_cache=False)
    assert outcome.errors == []


def verdict(root: Path) -> Tuple[Set[str], List[str], dict]:
    """(MR001 models, every diagnostic code, table name -> dotted model) of a check."""
    _, report = modelreg_json(root)
    _, inventory = modelreg_json(root, "models")
    mr001 = {d["model"] for d in report["diagnostics"] if d["code"] == "MR001"}
    codes = [d["code"] for d in report["diagnostics"]]
    tables = {m["table"]: f'{m["module"]}.{m["name"]}' for m in inventory["models"] if m["table"]}
    return mr001, codes, tables


def assert_agrees_with_runtime(
    root: Path, registry: str, all_modules: Sequence[str], metadata, expect_changes: Optional[bool]
) -> List[str]:
    """modelreg's MR001s are exactly the models whose tables the registry leaves out at runtime; after
    --fix the registry loads every table; a second --fix writes nothing. Returns the codes reported."""
    everything, loaded = truth(root, registry, all_modules, metadata)
    mr001, codes, tables = verdict(root)
    missing = everything - loaded
    assert {tables.get(t) for t in missing} == mr001, (missing, mr001, tables)
    before = snapshot(root)
    fix(root)
    after = snapshot(root)
    if expect_changes is not None:
        assert (after != before) == expect_changes, "--fix changed files" if after != before else "--fix changed nothing"
    _, loaded_after = truth(root, registry, all_modules, metadata)
    assert loaded_after == everything
    fix(root)
    assert snapshot(root) == after, "a second --fix changed files"
    return codes
