"""Hostile projects (issue 15): unusual but real projects end without a crash, a hang, a lost byte of the
user's, or a blow-up - and with the verdict a fresh, full analysis gives.

Each test is one reproduction from the issue; `test_the_hostile_corpus_end_to_end` runs every one of
them through the command line and asserts no traceback, no "internal error", and no byte of the
project changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict

import pytest
from conftest import SA_BASE_MODULE, sa_model_module, write_tree

import modelreg
from modelreg.cli import main

REGISTRY = "pkg/data/__all_models.py"


def project(registry: str = "import pkg.data.users\n", extra: Dict[str, str] = None) -> Dict[str, str]:
    files = {
        "pkg/__init__.py": "",
        "pkg/data/__init__.py": "",
        "pkg/data/modelbase.py": SA_BASE_MODULE,
        "pkg/data/users.py": sa_model_module("User", "users"),
        "pkg/data/audit.py": sa_model_module("Audit", "auditing"),
        REGISTRY: registry,
    }
    files.update(extra or {})
    return files


AUDIT_MR001 = "pkg/data/audit.py:6:7: MR001 model Audit (pkg.data.audit) is not registered"


def snapshot(root: Path, skip=(".modelreg_cache",)) -> Dict[str, bytes]:
    """Every file under root (bytes and mode), except modelreg's own cache directory."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip]
        for name in filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            out[os.path.relpath(p, root)] = (Path(p).read_bytes(), st.st_mode)
    return out


def modelreg_subprocess(*args, cwd=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "modelreg", *[str(a) for a in args]],
        capture_output=True,
        text=True,
        errors="replace",
        cwd=cwd,
        timeout=timeout,
    )


def assert_clean_exit(proc_or_result, codes=(0, 1, 2)) -> None:
    out = proc_or_result.stdout if hasattr(proc_or_result, "stdout") else proc_or_result.out
    err = proc_or_result.stderr if hasattr(proc_or_result, "stderr") else proc_or_result.err
    code = proc_or_result.returncode if hasattr(proc_or_result, "returncode") else proc_or_result.exit_code
    assert code in codes, (code, out, err)
    assert "Traceback" not in out + err and "internal error" not in out + err, (out, err)


# -- 1. nothing of the user's destroyed -------------------------------------------------------------


@pytest.mark.parametrize("cache_dir", [".", "pkg", "pkg/data/__init__.py"])
def test_a_cache_dir_that_holds_user_files_is_a_configuration_error_and_nothing_is_written(tree, run, cache_dir):
    root = tree(project(), pyproject=f'[tool.modelreg]\ncache-dir = "{cache_dir}"\n')
    (root / ".gitignore").write_text("venv/\n")
    before = snapshot(root)
    for args in ([root], ["--fix", root], ["models", root]):
        result = run(args)
        assert result.exit_code == 2, result
        assert result.err.startswith(f"modelreg: error: cache-dir '{cache_dir}': ") and result.err.count("\n") == 1
        assert "did not create" in result.err or "is a file" in result.err
    assert snapshot(root) == before  # above all: the project's .gitignore is still the user's
    with pytest.raises(modelreg.ConfigError):
        modelreg.check([str(root)])
    if cache_dir == ".":  # without the cache there is nothing to refuse: the check runs
        assert run(["--no-cache", "."], cwd=root).out.startswith(AUDIT_MR001)
    assert snapshot(root) == before


def test_a_cache_dir_that_is_empty_or_already_modelregs_is_used(tree, run):
    root = tree(project(), pyproject='[tool.modelreg]\ncache-dir = "cache/mr"\n')
    (root / "cache/mr").mkdir(parents=True)
    assert run(["."], cwd=root).out.startswith(AUDIT_MR001)
    assert (root / "cache/mr/.gitignore").read_text().startswith("# created by modelreg")
    assert (root / "cache/mr/index.marshal").is_file()
    assert run(["."], cwd=root).out.startswith(AUDIT_MR001)  # its own files do not make it foreign


def test_a_gitignore_modelreg_did_not_write_is_never_overwritten_even_in_its_own_directory(tmp_path):
    from modelreg import cache

    directory = tmp_path / "c"
    directory.mkdir()
    (directory / ".gitignore").write_text("keep me\n")
    with pytest.raises(OSError):
        cache._write_gitignore(str(directory))
    assert (directory / ".gitignore").read_text() == "keep me\n"


# -- 2. no internal errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["a file", "a directory", "the project root"])
def test_file_names_that_are_not_utf8_anywhere_in_the_tree_work_with_the_cache(tmp_path, where):
    name = os.fsdecode(b"caf\xe9")
    base = tmp_path / (name if where == "the project root" else "proj")
    write_tree(base, dict(project(), **{"pyproject.toml": ""}))
    if where == "a file":
        (base / "pkg/data" / f"{name}.py").write_text(sa_model_module("Cafe", "cafe"))
    elif where == "a directory":
        (base / name).mkdir()
        (base / name / "notes.py").write_text("from pkg.data.modelbase import Base\n")
    before = snapshot(base)
    for _ in range(3):  # cold, then through the index cache, then through the report cache
        proc = modelreg_subprocess(base)
        assert_clean_exit(proc, codes=(1,))
        assert AUDIT_MR001 in proc.stdout
    assert snapshot(base) == before


def test_a_cache_dir_that_is_not_a_string_is_a_configuration_error(tree, run):
    for value in ("[]", "1", '""'):
        root = tree(project(), pyproject=f"[tool.modelreg]\ncache-dir = {value}\n")
        result = run([root])
        assert result.exit_code == 2 and "cache-dir must be a directory name" in result.err, result


@pytest.mark.parametrize(
    "setting, says",
    [
        ('extend-exclude = ["!"]', "extend-exclude: invalid pattern '!'"),
        ('exclude = ["!"]', "exclude: invalid pattern '!'"),
        ("registries = 3", "registries must be a list of tables"),
        ('cache-dir = "/dev/null"', "is a file, not a directory"),
    ],
)
def test_a_configuration_mistake_is_one_error_line_never_an_internal_error(tree, run, setting, says):
    result = run(["."], cwd=tree(project(), pyproject=f"[tool.modelreg]\n{setting}\n"))
    assert result.exit_code == 2 and result.err.startswith("modelreg: error: ") and says in result.err, result
    assert result.err.count("\n") == 1


def test_an_invalid_line_in_a_projects_gitignore_is_ignored_like_git_ignores_it(tree, run):
    root = tree(project())
    (root / ".gitignore").write_text("!\n[a-\nignored/\n")
    (root / "ignored").mkdir()
    (root / "ignored/models.py").write_text(sa_model_module("Hidden", "hidden").replace("pkg.data", "pkg.data"))
    result = run(["."], cwd=root)
    assert result.exit_code == 1 and result.out.startswith(AUDIT_MR001) and "Hidden" not in result.out, result


def test_verify_with_an_interpreter_that_does_not_exist_is_a_usage_error(tree, run):
    root = tree(project())
    for python in ("/nonexistent", "no-such-python-anywhere"):
        result = run(["verify", root, "--python", python])
        assert result.exit_code == 2, result
        assert result.err == f"modelreg: error: --python {python}: no such interpreter\n"


def test_verify_reads_its_answer_whatever_the_project_prints_at_import_and_at_exit(tree, run):
    noisy = sa_model_module("User", "users") + "\nprint('hello from users')\nimport atexit\natexit.register(print, 'bye')\n"
    root = tree(project(extra={"pkg/data/users.py": noisy}))
    result = run(["verify", root])
    assert result.exit_code == 0, result
    assert result.err == "verified 1 registry: 2 models agree, 0 differences\n"


# -- 3. no hang ------------------------------------------------------------------------------------------


def test_verify_gives_up_on_a_registry_import_that_hangs_and_names_the_module_it_hangs_in(tree, run):
    slow = "import time\n\n\ndef wait():\n    time.sleep(600)\n\n\nwait()\n"
    root = tree(project(registry="import pkg.data.users\nimport pkg.data.slow\n", extra={"pkg/data/slow.py": slow}))
    started = time.monotonic()
    result = run(["verify", root, "--timeout", "2"])
    assert time.monotonic() - started < 30
    assert result.exit_code == 1, result
    assert result.out == (
        "error: pkg/data/__all_models.py: importing the registry did not finish within 2 s; "
        "it hangs in pkg.data.slow (pkg/data/slow.py:8)\n"
    )


def test_the_verify_timeout_has_a_default_and_must_be_positive(run, tree):
    from modelreg.verify import DEFAULT_TIMEOUT

    assert 10 <= DEFAULT_TIMEOUT <= 300
    result = run(["verify", tree(project()), "--timeout", "0"])
    assert result.exit_code == 2 and "--timeout" in result.err


# -- 9. no flaky verdicts: "racily clean" cache entries ----------------------------------------------


@pytest.mark.parametrize("through", ["the report cache (CLI)", "the index cache (API)"])
def test_two_same_size_edits_within_one_timestamp_tick_are_both_seen(tree, run, through):
    """A file system with 1 s timestamps (os.utime gives both versions the same whole second): the
    second edit keeps size and mtime, so only the rule that entries read within the tick of their
    file's change are unverified (git's "racily clean") lets the next run see it."""
    root = tree(project(registry="import pkg.data.users\nimport pkg.data.audit\n"))
    registry = root / REGISTRY
    tick = time.time_ns() // 10**9 * 10**9
    os.utime(registry, ns=(tick, tick))
    first = run([root]) if "CLI" in through else modelreg.check([str(root)])
    assert (first.exit_code, getattr(first, "out", "")) == (0, "")
    registry.write_text("import pkg.data.users\nimport pkg.data.audix\n")  # same size, same second
    os.utime(registry, ns=(tick, tick))
    if "CLI" in through:
        out = run([root]).out
    else:
        out = "".join(f"{d.code} {d.model}\n" for d in modelreg.check([str(root)]).diagnostics)
    assert "MR002" in out and ("MR001" in out and "Audit" in out), out


def test_a_file_older_than_a_clock_tick_is_trusted_from_its_size_and_mtime():
    from modelreg.cache import UNVERIFIED, racy, tick_of, verified

    now = time.time_ns()
    assert tick_of(1_700_000_000_000_000_000) == 2_000_000_000  # whole seconds: FAT-like, or ext3
    assert tick_of(1_700_000_000_123_456_789) == 1
    assert racy((10, now - 1_000_000), now) and not racy((10, now - 10**9 - 1_234_567), now)
    entries = {"old": ((1, now - 10**10 - 7), True, None, None), "new": ((1, now - 7), True, None, None)}
    assert verified(entries, now) == {"old": entries["old"], "new": (UNVERIFIED, True, None, None)}


# -- 2 and 4. deep inheritance chains and wide modules: no RecursionError, linear time ----------------


def chain_files(n: int, registered: int = 1) -> Dict[str, str]:
    """C0(C1), C1(C2), ... C(n-1)(Base), one module each, every module importing its parent from the
    next: the first module's class is the deepest. The registry imports the first `registered` modules
    (reachable mode: importing m0 imports the whole chain)."""
    files = {
        "pkg/__init__.py": "",
        "pkg/base.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        "pkg/__all_models.py": "",
    }
    for i in range(n):
        parent, where = ("Base", "pkg.base") if i == n - 1 else (f"C{i + 1}", f"pkg.m{i + 1:05d}")
        files[f"pkg/m{i:05d}.py"] = f"from {where} import {parent}\n\n\nclass C{i}({parent}):\n    rank = {i}  # declares something: a model, not a typing-only subclass\n"
    return files


def forward_chain_files(n: int) -> Dict[str, str]:
    """C0(Base) in m0, Ci(C(i-1)) in mi: the last module's class is the deepest; nothing registered."""
    files = {
        "pkg/__init__.py": "",
        "pkg/base.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        "pkg/__all_models.py": "",
    }
    for i in range(n):
        parent, where = ("Base", "pkg.base") if i == 0 else (f"C{i - 1}", f"pkg.m{i - 1:05d}")
        files[f"pkg/m{i:05d}.py"] = f"from {where} import {parent}\n\n\nclass C{i}({parent}):\n    rank = {i}  # declares something: a model, not a typing-only subclass\n"
    return files


def mr001_models(report) -> set:
    return {d.model for d in report.diagnostics if d.code == "MR001"}


def test_a_1200_deep_inheritance_chain_is_classified_without_recursion_error_in_every_mode(tree):
    root = tree(dict(chain_files(1200), **{"pkg/__all_models.py": "import pkg.m00600\n"}))
    expected = {f"pkg.m{i:05d}.C{i}" for i in range(600)}  # m600 imports m601 ... the base: those are registered
    full = modelreg.check([str(root)], full=True, use_cache=False)
    assert mr001_models(full) == expected
    assert mr001_models(modelreg.check([str(root)], use_cache=False)) == expected
    assert mr001_models(modelreg.check([str(root)])) == expected  # through the cache, twice
    assert mr001_models(modelreg.check([str(root)])) == expected


def test_a_1200_deep_chain_of_re_exports_is_followed_without_recursion_error(tree):
    files = {
        "pkg/__init__.py": "",
        "pkg/m0000.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        "pkg/user.py": "from pkg.m1200 import Base\n\n\nclass User(Base):\n    __tablename__ = 'users'\n",
        "pkg/__all_models.py": "",
    }
    files.update({f"pkg/m{i:04d}.py": f"from pkg.m{i - 1:04d} import Base\n" for i in range(1, 1201)})
    root = tree(files)
    for report in (
        modelreg.check([str(root)], full=True, use_cache=False),
        modelreg.check([str(root)], use_cache=False),
        modelreg.check([str(root)]),
    ):
        assert mr001_models(report) == {"pkg.user.User"}


def test_12000_classes_in_one_module_are_all_found(tree):
    body = ["from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"]
    body += [f"\n\nclass M{i}({'M%d' % (i - 1) if i % 2 else 'Base'}):\n    __tablename__ = 't{i}'\n" for i in range(12000)]
    root = tree({"pkg/__init__.py": "", "pkg/models.py": "".join(body), "pkg/__all_models.py": "import pkg.models\n"})
    report = modelreg.check([str(root)], use_cache=False)
    assert report.diagnostics == []
    assert {m.name for m in report.models if not m.abstract} == {f"M{i}" for i in range(12000)}


# -- 6 (and 2). the language server: the client's own URIs, the CLI's verdicts, never dying --------------

import asyncio  # noqa: E402

import pytest_lsp  # noqa: E402
from lsprotocol import types as t  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

CHAIN = 500


@pytest.fixture
def lsp_root(tmp_path, request):
    """A project under a directory whose name has a space and non-ASCII letters, holding a 500-module
    inheritance chain that nothing registers and a module with a percent sign in its file name.
    (Indirect parameter: the pyproject.toml.)"""
    root = tmp_path / "space proj ü" / "app"
    pyproject = getattr(request, "param", "")
    write_tree(root, dict(forward_chain_files(CHAIN), **{"pyproject.toml": pyproject, "pkg/rate_100%.py": "x = 1\n"}))
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "modelreg", "server"]))
async def lsp(lsp_client: LanguageClient, lsp_root: Path):
    await lsp_client.initialize_session(
        t.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=lsp_root.as_uri())
    )
    yield
    await lsp_client.shutdown_session()


async def published_after(client: LanguageClient, uri: str, action, seconds: float = 60):
    client.diagnostics.pop(uri, None)
    action()
    for _ in range(int(seconds * 100)):
        if uri in client.diagnostics:
            return list(client.diagnostics[uri])
        await asyncio.sleep(0.01)
    raise AssertionError(f"nothing published under {uri}; published: {sorted(client.diagnostics)}")


def did_open(client: LanguageClient, path: Path, text: str = None):
    item = t.TextDocumentItem(
        uri=path.as_uri(), language_id="python", version=1, text=path.read_text() if text is None else text
    )
    return lambda: client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=item))


async def test_the_server_publishes_under_the_clients_uri_and_agrees_with_the_cli_deep_in_a_chain(lsp, lsp_root):
    rel = f"pkg/m{CHAIN - 1:05d}.py"  # the far end: 499 classes between it and the base
    target = lsp_root / rel
    assert "%20" in target.as_uri() and "%C3%BC" in target.as_uri()
    diags = await published_after(lsp, target.as_uri(), did_open(lsp, target))
    cli = [d for d in modelreg.check([str(lsp_root)], use_cache=False).diagnostics if d.path == str(target)]
    assert [(d.code, d.line - 1, d.column - 1) for d in cli] == [("MR001", 3, 6)]
    assert [(d.code, d.range.start.line, d.range.start.character) for d in diags] == [("MR001", 3, 6)]
    assert [d.message for d in diags] == [d.message for d in cli]
    # a file name with a percent sign is its own document too
    odd = lsp_root / "pkg/rate_100%.py"
    assert await published_after(lsp, odd.as_uri(), did_open(lsp, odd)) == []


async def test_the_server_outlives_a_deep_chain_opened_from_its_far_end_and_a_broken_buffer(lsp, lsp_root):
    first = lsp_root / f"pkg/m{CHAIN - 2:05d}.py"  # deep in the chain, opened first
    diags = await published_after(lsp, first.as_uri(), did_open(lsp, first))
    assert [d.code for d in diags] == ["MR001"]
    broken = lsp_root / "pkg/m00001.py"
    diags = await published_after(lsp, broken.as_uri(), did_open(lsp, broken, "class C1(C0:\n"))
    assert [d.code for d in diags] == ["MR100"]
    # still alive and answering: C0 is still a model; the classes past the broken link are not known
    # to be models while its module does not parse
    zeroth = lsp_root / "pkg/m00000.py"
    assert [d.code for d in await published_after(lsp, zeroth.as_uri(), did_open(lsp, zeroth))] == ["MR001"]
    assert list(lsp.diagnostics[first.as_uri()]) == []


@pytest.mark.parametrize("length, opened", [(CHAIN, CHAIN - 1), (CHAIN, CHAIN // 2), (CHAIN, 3), (1200, 1199)])
def test_the_servers_first_analysis_with_one_file_open_deep_in_a_chain_agrees_with_the_cli(tmp_path, length, opened):
    """What the server runs on didOpen: a Session over the on-disk store, the open file an extra candidate
    (at 1,200 links: no RecursionError)."""
    from modelreg import api, config, discover
    from modelreg.store import FactStore

    root = write_tree(tmp_path / "proj", dict(forward_chain_files(length), **{"pyproject.toml": ""}))
    cfg = config.load(str(root))
    modules, _ = discover.modules(discover.walk(cfg), cfg)
    store = FactStore(modules, None)
    store.prepare()
    path = str(root / f"pkg/m{opened:05d}.py")
    _, diagnostics = api.Session(cfg, modules, store.facts, store).analyze(extra_candidates={path})
    cli = modelreg.check([str(root)], use_cache=False).diagnostics
    assert len(cli) == length
    assert [(d.code, d.path, d.line) for d in diagnostics] == [(d.code, d.path, d.line) for d in cli]


@pytest.mark.parametrize("lsp_root", ['[tool.modelreg]\ncache-dir = "."\n'], indirect=True)
async def test_a_cache_dir_holding_user_files_makes_the_server_warn_and_work_without_the_cache(lsp, lsp_root):
    before = snapshot(lsp_root)
    target = lsp_root / "pkg/m00002.py"
    assert [d.code for d in await published_after(lsp, target.as_uri(), did_open(lsp, target))] == ["MR001"]
    assert any("cache-dir '.'" in m.message and "did not create" in m.message for m in lsp.messages)
    assert snapshot(lsp_root) == before


# -- 8 (and 2). the Alembic guard: multidb, generated table names, warn mode, configuration errors ------

HERO = (
    "from typing import Optional\n\nfrom sqlmodel import Field, SQLModel\n\n\n"
    "class Hero(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n"
)
TEAM = HERO.replace("Hero", "Team")


def alembic(root: Path, *args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alembic", *args], cwd=root, capture_output=True, text=True, env=env)


def alembic_ok(root: Path, *args, env=None) -> subprocess.CompletedProcess:
    proc = alembic(root, *args, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def guard_env(mode: str) -> dict:
    return dict(os.environ, MODELREG_TEST_GUARD=mode)


ENV_IMPORTS = (
    "import os\nimport sys\n\nsys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))\n\n"
    "import modelreg.alembic\nfrom sqlmodel import SQLModel\n\nimport app.__all_models  # noqa: F401\n\n"
    "GUARD = os.environ.get('MODELREG_TEST_GUARD')\n"
)
GUARD_ARG = "process_revision_directives=modelreg.alembic.guard(mode=GUARD) if GUARD else None,\n"


@pytest.fixture(params=["generic", "multidb"])
def sqlmodel_alembic(tmp_path, request):
    """A SQLModel project (tables named by SQLModel: no __tablename__) under Alembic's generic or
    multidb template, with the guard switchable, migrated once with both tables."""
    root = tmp_path / "heroes"
    write_tree(root, {
        "pyproject.toml": "",
        "app/__init__.py": "",
        "app/hero.py": HERO,
        "app/team.py": TEAM,
        "app/__all_models.py": "import app.hero\nimport app.team\n",
    })
    template = request.param
    alembic_ok(root, "init", "-t", template, "alembic")
    ini = root / "alembic.ini"
    text = ini.read_text()
    if template == "generic":
        text = text.replace("driver://user:pass@localhost/dbname", f"sqlite:///{root / 'db.sqlite'}")
    else:
        text = text.replace("databases = engine1, engine2", "databases = engine1")
        text = text.replace("driver://user:pass@localhost/dbname\n", f"sqlite:///{root / 'db.sqlite'}\n", 1)
    ini.write_text(text)
    env_py = root / "alembic/env.py"
    text = env_py.read_text().replace("from logging.config import fileConfig\n", ENV_IMPORTS + "from logging.config import fileConfig\n", 1)
    if template == "generic":
        text = text.replace("target_metadata = None", "target_metadata = SQLModel.metadata")
        text = text.replace(
            "            connection=connection, target_metadata=target_metadata\n",
            "            connection=connection, target_metadata=target_metadata,\n            " + GUARD_ARG,
        )
    else:
        text = text.replace("target_metadata = {}", "target_metadata = {'engine1': SQLModel.metadata}")
        text = text.replace(
            "                target_metadata=target_metadata.get(name),\n            )\n            context.run_migrations(engine_name=name)",
            "                target_metadata=target_metadata.get(name),\n                " + GUARD_ARG
            + "            )\n            context.run_migrations(engine_name=name)",
        )
    assert GUARD_ARG in text, template
    env_py.write_text(text)
    alembic_ok(root, "revision", "--autogenerate", "-m", "initial", env=guard_env("error"))
    alembic_ok(root, "upgrade", "head")
    return root


def revisions(root: Path) -> list:
    return sorted((root / "alembic/versions").glob("*.py"))


def test_the_guard_refuses_dropping_a_table_named_by_sqlmodel_in_the_generic_and_multidb_templates(sqlmodel_alembic):
    root = sqlmodel_alembic
    (root / "app/__all_models.py").write_text("import app.hero\n")  # the import of Team is lost
    before = revisions(root)
    proc = alembic(root, "revision", "--autogenerate", "-m", "oops", env=guard_env("error"))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Traceback" not in out, out
    assert "FAILED: modelreg: refusing to write this revision" in out
    assert "drop table 'team', but its model app.team.Team exists in code" in out
    assert revisions(root) == before


def test_the_guard_in_warn_mode_says_it_writes_the_revision(sqlmodel_alembic):
    root = sqlmodel_alembic
    (root / "app/__all_models.py").write_text("import app.hero\n")
    before = revisions(root)
    proc = alembic(root, "revision", "--autogenerate", "-m", "warned", env=guard_env("warn"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING modelreg: writing this revision anyway" in proc.stderr
    assert "refusing" not in proc.stderr and "drop table 'team'" in proc.stderr
    assert len(revisions(root)) == len(before) + 1


@pytest.mark.parametrize("sqlmodel_alembic", ["generic"], indirect=True)
def test_a_configuration_error_while_the_guard_runs_is_one_failed_line(sqlmodel_alembic):
    root = sqlmodel_alembic
    (root / "pyproject.toml").write_text('[tool.modelreg]\nrequire = "everything"\n')
    proc = alembic(root, "revision", "--autogenerate", "-m", "bad config", env=guard_env("error"))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Traceback" not in out and "internal error" not in out, out
    assert "FAILED: modelreg: " in out and "require must be one of reachable, module, class" in out


# -- 7. code that never runs does not count ----------------------------------------------------------------

NEVER_RUNS = {
    "if False": "if False:\n    {stmt}\n",
    "if 0": "if 0:\n    {stmt}\n",
    "while False": "while False:\n    {stmt}\n",
    "if TC (an alias of TYPE_CHECKING)": "from typing import TYPE_CHECKING as TC\n\nif TC:\n    {stmt}\n",
    "if sys.version_info < (3,)": "import sys\n\nif sys.version_info < (3,):\n    {stmt}\n",
    "else of if True": "if True:\n    pass\nelse:\n    {stmt}\n",
}


@pytest.mark.parametrize("form", list(NEVER_RUNS))
def test_a_registry_import_that_never_runs_registers_nothing(tree, run, form):
    registry = "import pkg.data.users\n" + NEVER_RUNS[form].format(stmt="import pkg.data.audit")
    root = tree(project(registry=registry))
    result = run(["."], cwd=root)
    assert result.out.startswith(AUDIT_MR001), result  # as importing the registry shows:
    proc = subprocess.run(
        [sys.executable, "-c", "import pkg.data.__all_models, sys; print(sorted(m for m in sys.modules if m.startswith('pkg.data.')))"],
        cwd=root, capture_output=True, text=True,
    )
    assert "pkg.data.audit" not in proc.stdout and "pkg.data.users" in proc.stdout, proc.stdout + proc.stderr
    assert mr001_models(modelreg.check([str(root)], full=True)) == {"pkg.data.audit.Audit"}


@pytest.mark.parametrize("form", list(NEVER_RUNS))
def test_a_model_class_that_is_never_defined_is_no_model(tree, run, form):
    ghost = "from pkg.data.modelbase import Base\n\n" + NEVER_RUNS[form].format(
        stmt="class Ghost(Base):\n        __tablename__ = 'ghosts'"
    )
    root = tree(project(registry="import pkg.data.users\nimport pkg.data.audit\n", extra={"pkg/data/ghost.py": ghost}))
    assert (run(["."], cwd=root).exit_code, run(["models", "."], cwd=root).out.count("Ghost")) == (0, 0)


def test_a_stale_import_that_never_runs_is_no_mr002(tree, run):
    registry = "import pkg.data.users\nimport pkg.data.audit\nif False:\n    import pkg.data.gone\n"
    assert run(["."], cwd=tree(project(registry=registry))).exit_code == 0


def test_exec_of_an_import_in_a_registry_is_mr006(tree, run):
    registry = 'import pkg.data.users\nexec("import pkg.data.audit")\n'
    result = run(["."], cwd=tree(project(registry=registry)))
    assert result.exit_code == 1 and result.codes() == ["MR006"], result


# -- 5. the prefilter reads identifiers as Python does: NFKC, and by the file's own encoding --------------

import keyword  # noqa: E402
import tempfile  # noqa: E402
import unicodedata  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LATIN1_LETTERS = "éüñçøåßÉÜÑ"
OTHER_LETTERS = "ωλжשあ"  # Greek, Cyrillic, Hebrew, Japanese: UTF-8 only


def compatible_forms(c: str) -> list:
    """Spellings Python's NFKC turns into `c`: the mathematical bold and fullwidth letters for ASCII."""
    if "A" <= c <= "Z":
        return [c, chr(0x1D400 + ord(c) - 65), chr(0xFF21 + ord(c) - 65)]
    if "a" <= c <= "z":
        return [c, chr(0x1D41A + ord(c) - 97), chr(0xFF41 + ord(c) - 97)]
    return [c]


@st.composite
def identifiers(draw, letters: str) -> str:
    first = draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ" + letters.upper()))
    rest = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789" + letters, min_size=1, max_size=8))
    name = unicodedata.normalize("NFKC", first + rest)
    if not name.isidentifier() or keyword.iskeyword(name) or name in ("Base", "Model"):
        name = "N" + name.lower() + "x"
    return name


@st.composite
def spelled(draw, name: str) -> str:
    """`name` with some letters in a compatible form (the same identifier to Python)."""
    return "".join(draw(st.sampled_from(compatible_forms(c))) for c in name)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_prefilter_reports_what_a_full_parse_reports_for_unicode_identifiers(data):
    encoding = data.draw(st.sampled_from(["utf-8", "latin-1"]), label="encoding of the model file")
    letters = LATIN1_LETTERS if encoding == "latin-1" else LATIN1_LETTERS + OTHER_LETTERS
    base = data.draw(identifiers(letters), label="base")
    cls = data.draw(identifiers(letters).filter(lambda n: n != base), label="model")
    base_spelled = data.draw(spelled(base) if encoding == "utf-8" else st.just(base), label="base as spelled")
    cls_spelled = data.draw(spelled(cls) if encoding == "utf-8" else st.just(cls), label="model as spelled")
    cookie = "# -*- coding: latin-1 -*-\n" if encoding == "latin-1" else ""
    # no SQLAlchemy word in the model file: only its spelling of the base's name makes it a candidate
    model_text = (
        f"{cookie}from pkg.db import {base_spelled}\n\n\nclass {cls_spelled}({base_spelled}):\n"
        f"    __tablename__ = 'things'\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root, {
            "pyproject.toml": "",
            "pkg/__init__.py": "",
            "pkg/db.py": f"from sqlalchemy.orm import declarative_base\n\n{base} = declarative_base()\n",
            "pkg/__all_models.py": "",
        })
        (root / "pkg/models.py").write_bytes(model_text.encode(encoding))
        full = modelreg.check([str(root)], full=True, use_cache=False)
        assert mr001_models(full) == {f"pkg.models.{cls}"}  # Python's own reading (ast: NFKC)
        for report in (
            modelreg.check([str(root)], use_cache=False),
            modelreg.check([str(root)]),
            modelreg.check([str(root)], reuse=True),
        ):
            assert [(d.code, d.path, d.line, d.model) for d in report.diagnostics] == [
                (d.code, d.path, d.line, d.model) for d in full.diagnostics
            ]


def test_a_base_spelled_in_mathematical_bold_and_a_latin1_name_are_found_by_the_default_run(tree, run):
    root = tree({
        "pkg/__init__.py": "",
        "pkg/db.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\nCafé = declarative_base()\n",
        "pkg/bold.py": "from pkg.db import 𝐁ase\n\n\nclass Bold(𝐁ase):\n    __tablename__ = 'bold'\n",
        "pkg/latin.py": "# -*- coding: latin-1 -*-\nfrom pkg.db import Café\n\n\nclass Tasse(Café):\n    __tablename__ = 'tasse'\n".encode("latin-1"),
        "pkg/__all_models.py": "",
    })
    assert mr001_models(modelreg.check([str(root)], use_cache=False)) == {"pkg.bold.Bold", "pkg.latin.Tasse"}


# -- the hostile corpus, end to end: every reproduction through the command line ---------------------------


def _corpus_cache_dir_root(root: Path) -> list:
    write_tree(root, dict(project(), **{"pyproject.toml": '[tool.modelreg]\ncache-dir = "."\n', ".gitignore": "venv/\n"}))
    return [(["."], 2), (["--fix", "."], 2), (["models", "."], 2), (["--no-cache", "."], 1)]


def _corpus_cache_dir_list(root: Path) -> list:
    write_tree(root, dict(project(), **{"pyproject.toml": "[tool.modelreg]\ncache-dir = []\n"}))
    return [(["."], 2), (["verify", "."], 2)]


def _corpus_non_utf8_names(root: Path) -> list:
    write_tree(root, dict(project(), **{"pyproject.toml": ""}))
    (root / "pkg" / os.fsdecode(b"caf\xe9.py")).write_text(sa_model_module("Cafe", "cafe"))
    (root / os.fsdecode(b"d\xfcr")).mkdir()
    (root / os.fsdecode(b"d\xfcr") / "x.py").write_text("from pkg.data.modelbase import Base\n")
    return [(["."], 1), (["."], 1), (["."], 1), (["models", "."], 0), (["--format", "json", "."], 1)]


def _corpus_verify_missing_python(root: Path) -> list:
    write_tree(root, dict(project(), **{"pyproject.toml": ""}))
    return [(["verify", ".", "--python", "/nonexistent"], 2)]


def _corpus_verify_noisy_exit(root: Path) -> list:
    noisy = sa_model_module("User", "users") + "\nimport atexit\natexit.register(print, 'bye')\nprint('hi')\n"
    write_tree(root, dict(project(extra={"pkg/data/users.py": noisy}), **{"pyproject.toml": ""}))
    return [(["verify", "."], 0)]


def _corpus_verify_hang(root: Path) -> list:
    slow = "import time\n\ntime.sleep(600)\n"
    files = project(registry="import pkg.data.users\nimport pkg.data.slow\n", extra={"pkg/data/slow.py": slow})
    write_tree(root, dict(files, **{"pyproject.toml": ""}))
    return [(["verify", ".", "--timeout", "2"], 1)]


def _corpus_deep_chain(root: Path) -> list:
    write_tree(root, dict(chain_files(1200), **{"pyproject.toml": ""}))
    return [(["--no-cache", "."], 1), (["."], 1), (["."], 1), (["models", "."], 0)]


def _corpus_code_that_never_runs(root: Path) -> list:
    registry = "import sys\nimport pkg.data.users\nif sys.version_info < (3,):\n    import pkg.data.audit\nexec('import pkg.data.audit')\n"
    write_tree(root, dict(project(registry=registry), **{"pyproject.toml": ""}))
    return [(["."], 1), (["--diff", "."], 0)]


def _corpus_nfkc_spelling(root: Path) -> list:
    files = dict(project(), **{"pyproject.toml": ""})
    files["pkg/data/bold.py"] = "from pkg.data.modelbase import 𝐁ase\n\n\nclass Bold(𝐁ase):\n    __tablename__ = 'bold'\n"
    write_tree(root, files)
    return [(["."], 1), (["--fix", "."], 0), (["."], 0)]


CORPUS = {
    "a cache-dir holding the project": _corpus_cache_dir_root,
    "a cache-dir that is a list": _corpus_cache_dir_list,
    "file and directory names that are not UTF-8": _corpus_non_utf8_names,
    "verify with a missing interpreter": _corpus_verify_missing_python,
    "verify on a project printing at exit": _corpus_verify_noisy_exit,
    "verify on an import that hangs": _corpus_verify_hang,
    "a 1,200-deep inheritance chain": _corpus_deep_chain,
    "a registry with code that never runs and exec": _corpus_code_that_never_runs,
    "a base spelled in mathematical bold": _corpus_nfkc_spelling,
}


@pytest.mark.parametrize("case", list(CORPUS))
def test_the_hostile_corpus_end_to_end(tmp_path, case):
    """No traceback, no "internal error", one line on stderr for an error (exit 2), the documented exit
    code, and no byte of the project changed - except the registry, by --fix."""
    root = tmp_path / "proj"
    runs = CORPUS[case](root)
    for args, expected in runs:
        before = snapshot(root)
        proc = modelreg_subprocess(*args, cwd=root)
        assert_clean_exit(proc, codes=(expected,))
        if expected == 2:
            assert proc.stderr.startswith("modelreg: error: ") and proc.stderr.count("\n") == 1, proc.stderr
        after = snapshot(root)
        if "--fix" in args and expected != 2:
            assert {p for p in set(before) | set(after) if before.get(p) != after.get(p)} <= {REGISTRY}
        else:
            assert after == before, (args, set(before) ^ set(after))
