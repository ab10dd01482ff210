"""Shared helpers: build small project trees in tmp_path and run modelreg on them in-process."""

from __future__ import annotations

import ctypes
import json
import os
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


# pkg/db.py's declarative base, and the small project the analysis, runner and reuse suites share:
# pkg/users.py (User, table users) and pkg/legacy.py (Old, table old), each class at line 4, column 7.
DB_MODULE = "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"


def users_and_legacy(registry: str, **more: str) -> Dict[str, str]:
    """The files of that project, with `registry` as pkg/__all_models.py and `more` files beside them."""
    files = {
        "pkg/__init__.py": "",
        "pkg/db.py": DB_MODULE,
        "pkg/users.py": model_source("User", "users"),
        "pkg/legacy.py": model_source("Old", "old"),
    }
    files.update(more)
    files["pkg/__all_models.py"] = registry
    return files


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
def tree(tmp_path, request):
    """tree({...}) writes files into a fresh project root (with a pyproject.toml marker) and returns it.
    A module marked with `pytestmark = pytest.mark.usefixtures("keeps_invariants")` has every tree checked
    against the invariants of tests/invariants.py when its test ends."""

    def make(files: Dict[str, str], pyproject: Optional[str] = "") -> Path:
        root = tmp_path / "proj"
        root.mkdir(exist_ok=True)
        request.node.__dict__.setdefault("built_trees", set()).add(root)
        if pyproject is not None:
            (root / "pyproject.toml").write_text(textwrap.dedent(pyproject).lstrip("\n"))
        return write_tree(root, files)

    return make


@pytest.fixture
def keeps_invariants(request, tmp_path):
    """After the test: no silent pass, no flood, no registry under tests in any tree it built (issue 27):
    those `tree` made, and `tmp_path / "proj"` where a suite writes its own."""
    yield
    from invariants import invariant_errors

    roots = set(request.node.__dict__.get("built_trees", ())) | {tmp_path / "proj"}
    for root in sorted(roots):
        if root.is_dir():
            errors = invariant_errors(root)
            assert errors == [], f"{request.node.nodeid}: {errors}"


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


def analysis_of(root, use_cache: bool = False):
    """The analysis `modelreg check ROOT` runs the rules over (discover, index, resolve), without the cache."""
    from modelreg.analysis import analyze
    from modelreg.api import load_config

    return analyze(load_config([str(root)]), use_cache=use_cache)


# -- proof by running the result (issue 14, point 7) ------------------------------------------------

_PROOF_SCRIPT = r"""
import importlib, io, json, os, sys, traceback
sys.dont_write_bytecode = True
root, runs, metadata, sys_path = json.loads(sys.argv[1])
import sqlalchemy, sqlalchemy.orm  # loaded once; each run below starts from a fork of this process
if any(name.endswith(".py") for imports in runs for name in imports):
    import alembic.config, alembic.runtime.environment, alembic.script

def run_env(path):
    # Alembic's env.py, run the way Alembic runs it: inside an EnvironmentContext, offline
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory
    import importlib.util
    cfg = Config(output_buffer=io.StringIO())
    cfg.set_main_option("script_location", os.path.dirname(path))
    cfg.set_main_option("sqlalchemy.url", "sqlite://")
    with EnvironmentContext(cfg, ScriptDirectory(os.path.dirname(path)), fn=lambda rev, context: [],
                            as_sql=True, starting_rev=None, destination_rev="heads", tag=None):
        spec = importlib.util.spec_from_file_location("env_py", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["env_py"] = module
        spec.loader.exec_module(module)

def one(imports):
    sys.path[:0] = [os.path.join(root, p) for p in sys_path]
    os.chdir(root)
    try:
        for name in imports:
            if name.endswith(".py"):
                run_env(os.path.join(root, name))
            else:
                importlib.import_module(name)
        mod, _, expr = metadata.partition(":")
        return {"tables": sorted(eval(expr, dict(vars(importlib.import_module(mod)))).tables)}
    except BaseException:
        return {"error": traceback.format_exc()}

results = []
for imports in runs:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        data = json.dumps(one(imports)).encode()
        with os.fdopen(w, "wb") as f:
            f.write(data)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    results.append(json.loads(data or b'{"error": "the child died"}'))
print(json.dumps(results))
"""


def _import_runs(root: Path, runs: List[List[str]], metadata: str, sys_path=(".",)) -> List[List[str]]:
    arg = json.dumps([str(root), [list(r) for r in runs], metadata, list(sys_path)])
    proc = subprocess.run(
        [sys.executable, "-c", _PROOF_SCRIPT, arg], capture_output=True, text=True, cwd=str(root), timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    out = []
    for imports, result in zip(runs, json.loads(proc.stdout.splitlines()[-1])):
        assert "error" not in result, f"importing {imports} raised:\n{result['error']}"
        out.append(result["tables"])
    return out


def tables_after_importing(root: Path, imports: List[str], metadata: str, sys_path=(".",)) -> List[str]:
    """In a fresh interpreter with real SQLAlchemy: import each of `imports` in order (a dotted module, or
    a `.py` path run as Alembic runs env.py), then list the tables of `metadata` (`module:expression`).
    Anything raised fails the calling test with the traceback."""
    return _import_runs(root, [imports], metadata, sys_path)[0]


def assert_fix_runs(
    root: Path, registry: str, metadata: str, models: List[str], tables=None, sys_path=(".",)
) -> List[str]:
    """The proof every fix test gives: the fixed registry, imported alone in a fresh interpreter (a fork
    of one that has loaded SQLAlchemy and nothing of the project), raises nothing and loads every table
    that importing every model module loads (`tables` when given); and importing the model modules
    first, then the registry, works too (no circular import)."""
    loaded, everything = _import_runs(root, [[registry], list(models) + [registry]], metadata, sys_path)
    assert loaded == everything, f"the fixed registry loads {loaded}, the project defines {everything}"
    if tables is not None:
        assert loaded == sorted(tables)
    return loaded


def module_of(rel: str) -> str:
    """`pkg/data/users.py` -> `pkg.data.users` (`pkg/__init__.py` -> `pkg`); a `.py` path outside any
    package (Alembic's env.py) stays a path."""
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def assert_fixed_tree_runs(root: Path, files: Dict[str, object], registry: str, base: str = "Base") -> List[str]:
    """assert_fix_runs for a tree written from `files`: the model modules are the files defining a
    `__tablename__`, the metadata is `<base>.metadata` of the module defining the declarative base."""
    texts = {rel: (t.decode("latin-1") if isinstance(t, bytes) else t) for rel, t in files.items() if rel.endswith(".py")}
    models = sorted(module_of(rel) for rel, t in texts.items() if "__tablename__" in t)
    base_module = next(
        module_of(rel) for rel, t in texts.items() if "declarative_base()" in t or "(DeclarativeBase)" in t
    )
    target = registry if registry.endswith("env.py") else module_of(registry)
    return assert_fix_runs(root, target, f"{base_module}:{base}.metadata", models)


# -- file permissions that apply even to root -------------------------------------------------------

_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _PR_CAPBSET_DROP = 1, 2, 24


def unreadable_for_this_process() -> None:
    """preexec_fn: make file permissions apply to the child even when it runs as root.

    As root, chmod 000 stops nobody: the kernel lets CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH
    through. Dropping both from the child's bounding set before exec leaves it root in every
    other way, but a chmod 000 file now really gives EACCES - the same "permission denied"
    an ordinary user gets, from the kernel, not from a mocked `open`. (A FIFO would not do:
    modelreg's walk skips non-regular files; a dangling symlink is ENOENT, not EACCES.)
    """
    if os.geteuid() != 0:
        return  # permissions already apply
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed: cannot drop root's file access override")


# -- the resolver's stages, one at a time (tests/test_evaluate.py, test_classify.py, ...) -------------


def resolved(root: Path):
    """The resolved project (modelreg.resolve.Project) of the tree at `root`: every file parsed, no cache."""
    from modelreg.analysis import analyze
    from modelreg.api import load_config

    return analyze(load_config([str(root)]), full=True, use_cache=False).project


def project_module(project, dotted: str):
    """The project module named `dotted`."""
    found = [m for m in project.modules if m.name == dotted]
    assert found, f"no module {dotted} among {sorted(m.name for m in project.modules)}"
    return found[0]


# -- the fixer's stages, one at a time (translate -> plan -> apply) ---------------------------------

DATA_REGISTRY = "pkg/data/__all_models.py"


def data_project(registry: str, *models: str, **extra: str) -> Dict[str, str]:
    """pkg/data/ with a declarative base, one model module per name (class `Name`, table `name`) and
    the registry `pkg/data/__all_models.py` holding `registry`; `extra`: more files (`pkg__data__x_py`
    spells `pkg/data/x.py`)."""
    files = {"pkg/__init__.py": "", "pkg/data/__init__.py": "", "pkg/data/modelbase.py": SA_BASE_MODULE}
    files.update({f"pkg/data/{m}.py": sa_model_module(m.capitalize(), m) for m in models})
    files.update({key.replace("__", "/").replace("_py", ".py"): text for key, text in extra.items()})
    files[DATA_REGISTRY] = registry
    return files


@dataclass(frozen=True)
class FixStages:
    analysis: object
    diagnostics: list
    source: object  # modelreg.fix.types.RegistrySource (None: the registry does not exist)
    request: object  # modelreg.fix.planner.RegistryRequest
    plan: object  # modelreg.fix.types.RegistryPlan

    def module(self, name: str):
        """The project's module of that dotted name (an Addition's target)."""
        return next(m for m in self.analysis.project.modules if m.name == name)


def fix_stages(root: Path, registry: str = DATA_REGISTRY) -> FixStages:
    """The fixer's first stages on one registry of a project tree, each one's output as data: the
    analysis (public API, no cache), the registry translated, its fixable diagnostics, the plan."""
    from modelreg import style
    from modelreg.api import check
    from modelreg.fix import planner, translate

    report = check([str(root)], use_cache=False)
    analysis = report.analysis
    path = str(root / registry)
    requests, _ = planner.requests(analysis, report.diagnostics)
    request = next((r for r in requests if r.path == path), planner.RegistryRequest(path, (), (), 0))
    reg = next(r for r in analysis.registries if r.path == path)
    source = None
    if reg.module is not None and os.path.exists(path):
        imports = analysis.project.facts(reg.module).imports
        source = translate.read_registry(path, Path(path).read_bytes(), analysis.project, reg.module, imports)
    plan = planner.plan_registry(analysis, reg, request, source, style.tool_settings(str(root)))
    return FixStages(analysis, report.diagnostics, source, request, plan)


def facts_of(source, fast_equals_full: bool = True):
    """The FileFacts of one source (str: dedented, then UTF-8; bytes: as they are), as the indexer
    builds them. Unless told otherwise, checks first that the skeleton parse and the full parse agree."""
    from modelreg.index import index_source

    data = source if isinstance(source, bytes) else textwrap.dedent(source).lstrip("\n").encode("utf-8")
    facts = index_source(data, fast=True)
    if fast_equals_full:
        assert facts == index_source(data, fast=False), "the skeleton parse and the full parse disagree"
    return facts
