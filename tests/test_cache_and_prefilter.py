"""Issue 7: the index cache is safe, the textual prefilter is sound, and the process pool changes nothing.

1. The cache lives in ``.modelreg_cache/`` (or ``cache-dir``), ignores itself in git, holds
   plain data, survives any damage, follows every change on disk, and concurrent runs
   cannot corrupt it.
2. The fast path (textual prefilter + skeleton parse) gives exactly the report of a full
   parse of every file, on projects built to trip it (the skeleton's own contract, file by
   file: tests/test_index_skeleton.py).
3. Indexing in a process pool gives exactly the report of indexing in-process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from conftest import REPO, model_source, tables_after_importing

import modelreg
import modelreg.resolve
import modelreg.store
from modelreg.api import inventory
from modelreg.cache import CLOCK_LAG_NS
from modelreg.index import index_source

DB = "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"


model = model_source


# Two models; the registry imports only one of them: one MR001 (Old, in pkg/legacy.py).
PROJECT = {
    "pkg/__init__.py": "",
    "pkg/db.py": DB,
    "pkg/users.py": model("User", "users"),
    "pkg/legacy.py": model("Old", "old"),
    "pkg/util.py": "import os\n\nSEP = os.sep\n",
    "pkg/__all_models.py": "import pkg.users\n",
}
LEGACY_MR001 = "pkg/legacy.py:4:7: MR001 "
# the same number of bytes as PROJECT's legacy.py, and no model in it
NO_MODEL_SAME_SIZE = "from pkg.db import Base\n\n\nclass Old(dict):\n    __tablename__ = 'old'\n"


def rel(root, path: Optional[str]) -> Optional[str]:
    return None if path is None else os.path.relpath(path, root).replace(os.sep, "/")


def outcome(report) -> Tuple[list, dict]:
    """Every diagnostic (code, path, line, column, model, registry) and the `modelreg models` inventory."""
    root = report.root
    diagnostics = [
        (d.code, rel(root, d.path), d.line, d.column, d.model, rel(root, d.registry)) for d in report.diagnostics
    ]
    return diagnostics, inventory(report)


def cache_dir(root: Path, name: str = ".modelreg_cache") -> Path:
    return root / name


def cache_files(directory: Path) -> List[Path]:
    """The data files of a cache directory (everything but its .gitignore and temporary files)."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.name != ".gitignore" and not p.name.startswith("."))


PLAIN = (tuple, dict, str, bytes, int, float, bool, type(None))


def walk_plain(value, where: str = "") -> List[str]:
    """Paths inside `value` holding anything but plain data (tuples, dicts, strings, numbers, booleans, None)."""
    bad = []
    stack = [(value, where or "<root>")]
    while stack:
        v, at = stack.pop()
        if type(v) not in PLAIN:
            bad.append(f"{at}: {type(v).__name__}")
        elif type(v) is tuple:
            stack.extend((x, f"{at}[{i}]") for i, x in enumerate(v))
        elif type(v) is dict:
            for k, x in v.items():
                if type(k) not in PLAIN:
                    bad.append(f"{at} key {k!r}: {type(k).__name__}")
                stack.append((x, f"{at}[{k!r}]"))
    return bad


def warm(run, root: Path, args=(".",)) -> str:
    """Run the plain check until it answers from the report cache; its output. (The files must be older
    than a tick of the kernel's clock first: entries read within that tick of their file's last change
    are "racily clean" and read again by the next run - see cache.racy.)"""
    time.sleep(2 * CLOCK_LAG_NS / 1e9)
    for _ in range(3):
        out = run(list(args), cwd=root).out
    assert modelreg.check([str(root / a) for a in args], reuse=True).analysis is None, "the report cache is reused"
    return out


def same_as_without_cache(run, root: Path, args=(".",)) -> str:
    """The plain CLI check (index cache and report cache) prints what a --no-cache run prints; its output."""
    cached = run(list(args), cwd=root)
    fresh = run(["--no-cache", *args], cwd=root)
    assert (cached.exit_code, cached.out, cached.err) == (fresh.exit_code, fresh.out, fresh.err)
    api = modelreg.check([str(root / a) for a in args])
    assert outcome(api) == outcome(modelreg.check([str(root / a) for a in args], use_cache=False))
    return cached.out


def set_mtime(path: Path, mtime_ns: int) -> None:
    os.utime(path, ns=(mtime_ns, mtime_ns))


def plant_stale_entry(root: Path, rel_path: str, stale: str) -> None:
    """Leave in the cache the facts of `stale` under the very size and mtime the real file is left with.

    A run that trusts this cache believes `stale`; a run that ignores the cache sees the real file."""
    path = root / rel_path
    real = path.read_bytes()
    assert len(stale.encode()) == len(real)
    mtime = path.stat().st_mtime_ns + 5_000_000_000
    path.write_text(stale)
    set_mtime(path, mtime)
    modelreg.check([str(root)])  # indexes the stale text under (size, mtime)
    path.write_bytes(real)
    set_mtime(path, mtime)


# -- 1. the cache -----------------------------------------------------------------------------


def test_the_cache_is_created_at_the_project_root_with_a_gitignore_that_ignores_all_of_it(tree, run):
    root = tree(PROJECT)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    assert run(["."], cwd=root / "pkg").out.startswith("legacy.py:4:7: MR001 ")
    assert cache_dir(root).is_dir() and not cache_dir(root / "pkg").exists()
    assert cache_files(cache_dir(root)) and (cache_dir(root) / ".gitignore").is_file()
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert ".modelreg_cache" not in status and "pkg/legacy.py" in status


def test_no_cache_neither_writes_a_cache(tree, run):
    root = tree(PROJECT)
    assert run(["--no-cache", "."], cwd=root).out.startswith(LEGACY_MR001)
    modelreg.check([str(root)], use_cache=False)
    assert sorted(p.name for p in root.iterdir()) == ["pkg", "pyproject.toml"]


_OPENED: Optional[list] = None


def _audit(event: str, args: tuple) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.path.abspath(os.fsdecode(args[0])))


@pytest.fixture(scope="module")
def opened_files():
    """A recorder of every file this process opens (the interpreter's audit event, whatever opens it)."""
    sys.addaudithook(_audit)

    class Recorder:
        def __enter__(self):
            global _OPENED
            _OPENED = []
            return _OPENED

        def __exit__(self, *exc):
            global _OPENED
            _OPENED = None

    return Recorder


def test_no_cache_neither_reads_nor_rewrites_an_existing_cache(tree, run, opened_files):
    root = tree(PROJECT)
    warm(run, root)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in cache_dir(root).iterdir()}
    with opened_files() as opened:
        assert run(["--no-cache", "."], cwd=root).out.startswith(LEGACY_MR001)
        modelreg.check([str(root)], use_cache=False)
    assert opened, "the recorder works"
    assert [p for p in opened if p.startswith(str(cache_dir(root)))] == []
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in cache_dir(root).iterdir()} == before


def test_cache_dir_in_the_config_moves_the_cache(tree, run):
    root = tree(PROJECT, pyproject='[tool.modelreg]\ncache-dir = "somewhere"\n')
    first = run(["."], cwd=root)
    assert first.out.startswith(LEGACY_MR001)
    assert not cache_dir(root).exists()
    assert cache_files(root / "somewhere") and (root / "somewhere" / ".gitignore").is_file()
    assert run(["."], cwd=root).out == first.out


@pytest.mark.parametrize("configured", [None, "somewhere", ".cache/modelreg"])
def test_an_unchanged_project_is_answered_from_the_report_cache(tree, run, configured):
    pyproject = f'[tool.modelreg]\ncache-dir = "{configured}"\n' if configured else ""
    root = tree(PROJECT, pyproject=pyproject)
    assert warm(run, root).startswith(LEGACY_MR001)


def test_the_cache_holds_plain_data_only(tree, run):
    root = tree(PROJECT)
    warm(run, root)
    (root / "pkg/legacy.py").write_text(NO_MODEL_SAME_SIZE + "\n")  # a small change: an incremental write
    assert run(["."], cwd=root).out == ""
    files = cache_files(cache_dir(root))
    assert "index.marshal" in [p.name for p in files]
    for path in files:
        data = load_cache(path)
        assert walk_plain(data, path.name) == []


def load_cache(path):
    """A cache file: a SHA-256 of the payload, then the payload, plain marshal data."""
    from modelreg.cache import _load_checked

    data = _load_checked(str(path))
    assert data is not None, f"{path} does not load"
    return data


def dump_cache(data) -> bytes:
    """A crafted cache file whose checksum is right: only its content is wrong."""
    from modelreg.cache import _dump_checked

    return _dump_checked(data)


def _damaged(kind: str, data: bytes) -> bytes:
    if kind == "corrupt":
        return bytes(b ^ 0x5A for b in data[:64]) + data[64:]
    if kind == "garbage":
        return os.urandom(len(data))
    if kind == "truncated":
        return data[: len(data) // 2]
    if kind == "empty":
        return b""
    if kind == "code object":
        return dump_cache(compile("open('PWNED', 'w').close()", "cache", "exec"))
    from modelreg.cache import _load_checked
    import tempfile

    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(data)
    loaded = _load_checked(f.name)
    os.unlink(f.name)
    if kind == "another version":
        return dump_cache({**loaded, "version": "0.0.0.other"} if isinstance(loaded, dict) else {"version": "0.0.0"})
    if kind == "another format":
        if isinstance(loaded, dict):
            return dump_cache({**loaded, "format": "another"})
        return dump_cache(("another format",) + tuple(loaded)[1:])
    if kind == "a code object inside the data":
        code = compile("open('PWNED', 'w').close()", "cache", "exec")
        if isinstance(loaded, dict) and isinstance(loaded.get("files"), dict):
            return dump_cache({**loaded, "files": {p: e[:-1] + (code,) for p, e in loaded["files"].items()}})
        return dump_cache((code,) + tuple(loaded)[1:]) if isinstance(loaded, tuple) else dump_cache(code)
    if kind == "entries of the right shape holding the wrong types":
        if isinstance(loaded, dict) and isinstance(loaded.get("files"), dict):
            # an index entry's words, a words-file entry's words
            return dump_cache({**loaded, "files": {p: e[:-2] + (7, e[-1]) for p, e in loaded["files"].items()}})
        return data
    raise AssertionError(kind)


DAMAGE = [
    "corrupt", "garbage", "truncated", "empty", "code object", "another version", "another format",
    "a code object inside the data", "entries of the right shape holding the wrong types",
]


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_or_foreign_cache_is_ignored_and_rebuilt(tree, run, kind):
    root = tree(PROJECT)
    warm(run, root)
    # what the cache says about legacy.py is now stale: a run that used it would miss the MR001
    plant_stale_entry(root, "pkg/legacy.py", NO_MODEL_SAME_SIZE)
    for path in cache_files(cache_dir(root)):
        path.write_bytes(_damaged(kind, path.read_bytes()))
    result = run(["."], cwd=root)
    assert "modelreg: " not in result.err  # no internal error, no error at all
    assert result.exit_code == 1 and result.out.startswith(LEGACY_MR001)
    assert same_as_without_cache(run, root) == result.out
    assert outcome(modelreg.check([str(root)])) == outcome(modelreg.check([str(root)], use_cache=False))
    # rebuilt: readable again, and the next runs agree
    for path in cache_files(cache_dir(root)):
        assert walk_plain(load_cache(path)) == []
    assert run(["."], cwd=root).out == result.out
    assert not (root / "PWNED").exists()


def test_a_cache_with_one_byte_changed_is_not_trusted(tree, run):
    """A flipped byte that still unmarshals (inside a name) must not change the report: checked, not trusted."""
    root = tree(PROJECT)
    expected = run(["--no-cache", "."], cwd=root).out
    modelreg.check([str(root)])  # a cold run writes the index
    index = cache_dir(root) / "index.marshal"
    data = bytearray(index.read_bytes())
    at = data.find(b"module")
    at = at + 1 if at >= 0 else len(data) // 2
    data[at] ^= 0x20  # "module" -> "mOdule": still a valid marshal stream
    index.write_bytes(bytes(data))
    assert run(["."], cwd=root).out == expected


def test_a_model_file_changed_on_disk_is_indexed_again(tree, run):
    root = tree(PROJECT)
    assert warm(run, root).startswith(LEGACY_MR001)
    legacy = root / "pkg/legacy.py"
    # content (and size) changed: the model is gone
    legacy.write_text("from pkg.db import Base\n")
    assert same_as_without_cache(run, root) == ""
    # the model is back, then replaced by the same number of bytes under a new mtime
    legacy.write_text(PROJECT["pkg/legacy.py"])
    assert same_as_without_cache(run, root).startswith(LEGACY_MR001)
    mtime = legacy.stat().st_mtime_ns
    legacy.write_text(NO_MODEL_SAME_SIZE)
    set_mtime(legacy, mtime + 1_000_000_000)
    assert same_as_without_cache(run, root) == ""
    # only the mtime changes: indexed again, same answer
    set_mtime(legacy, mtime + 2_000_000_000)
    assert same_as_without_cache(run, root) == ""


def test_a_deleted_model_file_takes_its_model_with_it(tree, run):
    root = tree(PROJECT)
    assert warm(run, root).startswith(LEGACY_MR001)
    (root / "pkg/legacy.py").unlink()
    assert same_as_without_cache(run, root) == ""
    assert [m["name"] for m in inventory(modelreg.check([str(root)]))["models"]] == ["User"]


def _edit_a_file(root):
    (root / "pkg/legacy.py").write_text("from pkg.db import Base\n")


def _add_a_model_file(root):
    (root / "pkg/orders.py").write_text(model("Order", "orders"))


def _add_a_plain_file(root):
    (root / "pkg/notes.py").write_text("NOTES = []\n")


def _add_a_gitignore(root):
    (root / "pkg/.gitignore").write_text("legacy.py\n")


def _add_a_data_file(root):
    (root / "pkg/README.txt").write_text("notes\n")


def _change_the_config(root):
    (root / "pyproject.toml").write_text('[tool.modelreg]\nrequire = "module"\nignore = ["MR001"]\n')


def _touch_the_registry(root):
    reg = root / "pkg/__all_models.py"
    reg.write_text("import pkg.users\nimport pkg.legacy\n")


CHANGES = {
    "a file edited": (_edit_a_file, ""),
    "a model file added": (_add_a_model_file, "pkg/legacy.py:4:7: MR001 |pkg/orders.py:4:7: MR001 "),
    "a plain .py file added": (_add_a_plain_file, LEGACY_MR001),
    "a .gitignore added": (_add_a_gitignore, ""),
    "a non-.py file added": (_add_a_data_file, LEGACY_MR001),
    "the config changed": (_change_the_config, ""),
    "the registry edited": (_touch_the_registry, ""),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_report_cache_is_not_reused_after_a_change(tree, run, change):
    make_change, expected = CHANGES[change]
    root = tree(PROJECT)
    assert warm(run, root).startswith(LEGACY_MR001)
    make_change(root)
    out = same_as_without_cache(run, root)
    assert [line[: line.index("MR001") + 6] for line in out.splitlines()] == [e for e in expected.split("|") if e]


# Edits after which the previous report still holds: the edited file's trigger word, its being a
# candidate and its facts are what they were. The report is reused without analyzing anything.
def _append(rel_path: str, text: str):
    def edit(root):
        with open(root / rel_path, "a") as f:
            f.write(text)

    return edit


def _replace(rel_path: str, old: str, new: str):
    def edit(root):
        path = root / rel_path
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new))

    return edit


def _touch(root):
    st = (root / "pkg/legacy.py").stat()
    set_mtime(root / "pkg/legacy.py", st.st_mtime_ns + 10**9)


def _swap_file(root):
    (root / "pkg/.legacy.py.swp").write_bytes(b"\0vim swap")


NOTHING_READ_CHANGED = {
    "a comment appended to a model file": _append("pkg/legacy.py", "# reviewed\n"),
    "a column added to a model": _append("pkg/legacy.py", "    note = Column(String)\n"),
    "a method added to a model": _append("pkg/users.py", "\n    def label(self):\n        return self.name\n"),
    "a plain module edited": _replace("pkg/util.py", "SEP = os.sep", "SEP = '/'"),
    "a file touched": _touch,
    "an editor's swap file created": _swap_file,
}


@pytest.mark.parametrize("edit", list(NOTHING_READ_CHANGED))
def test_an_edit_that_changes_nothing_modelreg_reads_reuses_the_report(tree, run, edit):
    root = tree(PROJECT)
    before = warm(run, root)
    NOTHING_READ_CHANGED[edit](root)
    report = modelreg.check([str(root)], reuse=True)
    assert report.analysis is None, "answered from the previous report, without analyzing"
    assert [(d.code, d.path, d.line) for d in report.diagnostics] == [
        (d.code, d.path, d.line) for d in modelreg.check([str(root)], use_cache=False).diagnostics
    ]
    assert run(["."], cwd=root).out == before
    # and the cache took the new state: the next run is answered from the report cache at once
    assert modelreg.check([str(root)], reuse=True).analysis is None


# Edits after which the previous report may be wrong: the project is analyzed again.
SOMETHING_READ_CHANGED = {
    "a model renamed": (_replace("pkg/legacy.py", "class Old(", "class Older("), "pkg/legacy.py:4:7: MR001 "),
    "a model's base changed": (_replace("pkg/legacy.py", "class Old(Base)", "class Old(object)"), ""),
    "a model's line moved": (_replace("pkg/legacy.py", "\n\n\nclass", "\n\n\n\nclass"), "pkg/legacy.py:5:7: MR001 "),
    "a plain module subclasses a model": (
        _append("pkg/util.py", "\nfrom pkg.users import User\n\n\nclass Admin(User):\n    level = 1\n"),
        "pkg/legacy.py:4:7: MR001 |pkg/util.py:8:7: MR001 ",
    ),
    "a plain module starts using SQLAlchemy": (
        _append("pkg/util.py", "import sqlalchemy as sa\nBase2 = sa.orm.declarative_base()\n"),
        LEGACY_MR001,
    ),
    "a noqa added on the model's line": (_replace("pkg/legacy.py", "class Old(Base):", "class Old(Base):  # noqa: MR001"), ""),
    "the registry edited": (_append("pkg/__all_models.py", "import pkg.legacy\n"), ""),
    "a file renamed": (lambda root: (root / "pkg/legacy.py").rename(root / "pkg/legacy2.py"), "pkg/legacy2.py:4:7: MR001 "),
}


@pytest.mark.parametrize("edit", list(SOMETHING_READ_CHANGED))
def test_an_edit_that_changes_what_modelreg_reads_is_analyzed_again(tree, run, edit):
    make_change, expected = SOMETHING_READ_CHANGED[edit]
    root = tree(PROJECT)
    assert warm(run, root).startswith(LEGACY_MR001)
    make_change(root)
    assert modelreg.check([str(root)], reuse=True).analysis is not None
    out = same_as_without_cache(run, root)
    assert [line[: line.index("MR001") + 6] for line in out.splitlines()] == [e for e in expected.split("|") if e]


def test_a_new_model_name_finds_its_subclasses_in_unread_files_through_the_words_file(tree, run, opened_files):
    # notes.py subclasses a name nothing defines yet: no model-ish word in it, so it is no candidate
    files = dict(PROJECT)
    files["pkg/notes.py"] = "from pkg.legacy import Newer\n\n\nclass Note(Newer):\n    level = 1\n"
    files["pkg/plain.py"] = "VALUE = 1\n"
    root = tree(files)
    assert warm(run, root).startswith(LEGACY_MR001)
    assert (cache_dir(root) / "words.marshal").is_file()
    (root / "pkg/legacy.py").write_text(model("Newer", "old"))  # now it does: Note is a model
    with opened_files() as opened:
        report = modelreg.check([str(root)], reuse=True)
    assert [(d.code, rel(root, d.path), d.model) for d in report.diagnostics] == [
        ("MR001", "pkg/legacy.py", "pkg.legacy.Newer"),
        ("MR001", "pkg/notes.py", "pkg.notes.Note"),
    ]
    assert outcome(report) == outcome(modelreg.check([str(root)], use_cache=False))
    # the words came from the cache: neither the unchanged plain file nor notes.py was read to find them
    read = {rel(root, p) for p in opened if p.endswith(".py")}
    assert "pkg/plain.py" not in read
    assert same_as_without_cache(run, root).count("MR001") == 2


@pytest.mark.parametrize("damage", ["missing", "stale"])
def test_a_missing_or_stale_words_file_means_reading_the_files_again(tree, run, damage):
    files = dict(PROJECT)
    files["pkg/notes.py"] = "from pkg.legacy import Newer\n\n\nclass Note(Newer):\n    level = 1\n"
    root = tree(files)
    assert warm(run, root).startswith(LEGACY_MR001)
    if damage == "missing":
        (cache_dir(root) / "words.marshal").unlink()
    else:  # notes.py changed on disk after the words file was written: its entry there is stale
        (root / "pkg/notes.py").write_text(files["pkg/notes.py"] + "# edited\n")
        run(["."], cwd=root)
    (root / "pkg/legacy.py").write_text(model("Newer", "old"))
    assert same_as_without_cache(run, root).count("MR001") == 2


def test_a_replaced_index_is_not_taken_for_the_one_the_report_was_computed_from(tree, run):
    root = tree(PROJECT)
    assert warm(run, root).startswith(LEGACY_MR001)
    first = {p.name: p.read_bytes() for p in cache_files(cache_dir(root))}
    (root / "pkg/legacy.py").write_text(model("Old", "old") + "# edited\n")
    run(["."], cwd=root)  # a new index id
    index = cache_dir(root) / "index.marshal"
    index.write_bytes(first["index.marshal"])  # an older index, under the newer report
    for name in ("index.delta.marshal",):
        if name in first:
            (cache_dir(root) / name).write_bytes(first[name])
    (root / "pkg/legacy.py").write_text(model("Older", "old") + "# edited\n")
    assert modelreg.check([str(root)], reuse=True).analysis is not None
    assert same_as_without_cache(run, root).startswith(LEGACY_MR001)


def test_the_report_cache_is_not_reused_for_other_path_arguments(tree, run):
    root = tree(PROJECT)
    assert warm(run, root).startswith(LEGACY_MR001)
    assert same_as_without_cache(run, root, ["pkg/users.py"]) == ""
    assert same_as_without_cache(run, root, ["pkg/legacy.py"]).startswith(LEGACY_MR001)
    assert same_as_without_cache(run, root, ["pkg/users.py", "pkg/util.py"]) == ""
    assert same_as_without_cache(run, root, ["."]).startswith(LEGACY_MR001)


def test_concurrent_runs_never_corrupt_the_cache(tree, run):
    files = dict(PROJECT)
    for i in range(40):
        files[f"pkg/mod{i:02d}.py"] = f"import os\n\n\ndef f{i}():\n    return os.getcwd()\n"
    root = tree(files)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for round_ in range(4):
        # each round changes the project, so that every process has something to write
        (root / f"pkg/new{round_}.py").write_text(model(f"New{round_}", f"new{round_}"))
        (root / f"pkg/mod{round_:02d}.py").write_text("X = 1\n")
        expected = run(["--no-cache", "."], cwd=root)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "modelreg", "."], cwd=root, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            for _ in range(4)
        ]
        results = [(p.wait(), *p.communicate()) for p in procs]
        assert results == [(expected.exit_code, expected.out, expected.err)] * 4, f"round {round_}"
        for path in cache_files(cache_dir(root)):
            assert walk_plain(load_cache(path)) == []
        assert run(["."], cwd=root).out == expected.out
    assert expected.out.count("MR001") == 5


# -- 2. the prefilter is sound: fast path == full parse ----------------------------------------

def crlf(files: Dict[str, str]) -> Dict[str, bytes]:
    return {k: textwrap.dedent(v).lstrip("\n").replace("\n", "\r\n").encode() for k, v in files.items()}


def tabs(files: Dict[str, str]) -> Dict[str, str]:
    return {k: textwrap.dedent(v).lstrip("\n").replace("    ", "\t") for k, v in files.items()}


LAYOUTS: Dict[str, Tuple[dict, str, List[str]]] = {}  # name -> (files, pyproject, models the full parse finds)

LAYOUTS["subclasses in files that never mention sqlalchemy"] = (
    {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/users.py": model("User", "users") + "    type = None\n    __mapper_args__ = {'polymorphic_on': type}\n",
        "pkg/admin.py": "from pkg.users import User\n\n\nclass Admin(User):\n    level = 1\n",
        "pkg/guest.py": "from pkg import admin\n\n\nclass Guest(admin.Admin):\n    level = 1\n",
        "pkg/plain.py": "class Admin:\n    pass\n\n\nclass NotAModel(Admin):\n    pass\n",
        "pkg/__all_models.py": "import pkg.users\n",
    },
    "",
    ["Admin", "Guest", "User"],
)

LAYOUTS["aliases of the base"] = (
    {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/a.py": "from pkg.db import Base as B\n\n\nclass A(B):\n    __tablename__ = 'a'\n",
        "pkg/bases.py": "from pkg import db\n\nMyBase = db.Base\nOtherBase = MyBase  # a second alias\n",
        "pkg/b.py": "from pkg.bases import MyBase\n\n\nclass Bee(MyBase):\n    __tablename__ = 'b'\n",
        "pkg/c.py": "import pkg.bases\n\n\nclass Cee(pkg.bases.OtherBase):\n    __tablename__ = 'c'\n",
        "pkg/__all_models.py": "import pkg.a\n",
    },
    "",
    ["A", "Bee", "Cee"],
)

LAYOUTS["re-exports through __init__, renamed and starred"] = (
    {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/models/__init__.py": "from .user import User as Member\nfrom .role import *\n",
        "pkg/models/user.py": model("User", "users"),
        "pkg/models/role.py": model("Role", "roles") + "\n\nclass Permission(Base):\n    __tablename__ = 'perms'\n",
        "pkg/staff.py": "from pkg.models import Member, Permission\n\n\nclass Staff(Member):\n    level = 1\n\n\n"
                        "class Grant(Permission):\n    level = 1\n",
        "pkg/reexport.py": "from pkg.staff import Staff as Employee  # noqa\n",
        "pkg/contractor.py": "from pkg.reexport import Employee\n\n\nclass Contractor(Employee):\n    level = 1\n",
        "pkg/__all_models.py": "import pkg.models\n",
    },
    "",
    ["Contractor", "Grant", "Permission", "Role", "Staff", "User"],
)

LAYOUTS["multi-line class headers with comments between the bases"] = (
    {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/mixins.py": "class Stamped:\n    created = None\n",
        "pkg/audit.py": (
            "import pkg.db\n"
            "import pkg.mixins as mx\n\n\n"
            "class Audit(  # the audit trail\n"
            "    # a mixin first\n"
            "    mx.Stamped,  # created\n"
            "    # then the declarative base\n"
            "    pkg.db.Base,\n"
            "):\n"
            "    __tablename__ = 'audit'\n"
        ),
        "pkg/event.py": (
            "from pkg import audit\n\n\nclass Event(\n"
            "    audit.Audit\n"
            "    # single-table inheritance\n"
            "):\n    level = 1\n"
        ),
        "pkg/__all_models.py": "",
    },
    "",
    ["Audit", "Event"],
)

LAYOUTS["Flask-SQLAlchemy with db from an extensions module, db.Model and db.Table"] = (
    {
        "app/__init__.py": "from app.extensions import db\n\n\ndef create_app():\n    db.init_app(None)\n",
        "app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
        "app/models/__init__.py": "",
        "app/models/user.py": (
            "from app.extensions import db\n\n"
            "roles_users = db.Table(\n    'roles_users',\n    db.Column('user_id', db.Integer),\n)\n\n\n"
            "class User(db.Model):\n    __tablename__ = 'users'\n    id = db.Column(db.Integer, primary_key=True)\n"
        ),
        "app/models/post.py": (
            "from ..extensions import db\n\n\nclass Post(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
        ),
        "app/views.py": "from app.extensions import db\n\n\ndef index():\n    return db.session.query(1)\n",
        "app/__all_models.py": "import app.models.user\n",
    },
    "",
    ["Post", "User", "roles_users"],
)

LAYOUTS["SQLModel table=True, also through a pydantic base in a file without sqlmodel"] = (
    {
        "app/__init__.py": "",
        "app/base.py": "from sqlmodel import Field, SQLModel\n\n\nclass TeamBase(SQLModel):\n    name: str = Field(index=True)\n",
        "app/team.py": (
            "from typing import Optional\n\nfrom app.base import TeamBase\n\n\n"
            "class Team(TeamBase, table=True):\n    id: Optional[int] = None\n\n\n"
            "class TeamRead(TeamBase):\n    id: int\n"
        ),
        "app/hero.py": (
            "from sqlmodel import Field, SQLModel\n\n\nclass Hero(SQLModel, table=True):\n"
            "    id: int = Field(default=None, primary_key=True)\n"
        ),
        "app/__all_models.py": "import app.hero\n",
    },
    "",
    ["Hero", "Team"],
)

LAYOUTS["@reg.mapped with reg from another module, map_imperatively without sqlalchemy imports"] = (
    {
        "lib/__init__.py": "",
        "lib/db.py": (
            "from sqlalchemy import Column, Integer, MetaData, Table\nfrom sqlalchemy.orm import registry\n\n"
            "reg = registry()\nmetadata = reg.metadata\n"
            "people = Table('people', metadata, Column('id', Integer, primary_key=True))\n"
        ),
        "lib/book.py": "from lib.db import reg\n\n\n@reg.mapped\nclass Book:\n    __tablename__ = 'books'\n",
        "lib/person.py": "class Person:\n    pass\n",
        "lib/mapping.py": "from lib.db import people, reg\nfrom lib.person import Person\n\nreg.map_imperatively(Person, people)\n",
        "lib/__all_models.py": "import lib.db\n",
    },
    "",
    ["Book", "Person", "people"],
)

LAYOUTS["abstract bases in another package, and mixins"] = (
    {
        "core/__init__.py": "",
        "core/base.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
        "core/abstract.py": (
            "from core.base import Base\n\n\nclass Timestamped(Base):\n    __abstract__ = True\n\n\n"
            "class NamedMixin:\n    name = None\n"
        ),
        "app/__init__.py": "",
        "app/orders.py": (
            "from core.abstract import NamedMixin, Timestamped\n\n\n"
            "class Order(NamedMixin, Timestamped):\n    __tablename__ = 'orders'\n\n\n"
            "class Plain(NamedMixin):\n    pass\n"
        ),
        "app/__all_models.py": "",
    },
    "",
    ["Order", "Timestamped"],
)

LAYOUTS["TYPE_CHECKING blocks, docstrings that look like code, decorators"] = (
    {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/users.py": model("User", "users"),
        "pkg/profile.py": (
            '"""Profiles.\n\nclass Fake(Base):\n    __tablename__ = "fake"\nimport pkg.users\n"""\n'
            "from typing import TYPE_CHECKING\n\nfrom pkg.db import Base\n\n"
            "if TYPE_CHECKING:\n    from pkg.users import User\n\n    class Ghost(Base):\n        __tablename__ = 'ghosts'\n\n\n"
            "def registered(cls):\n    return cls\n\n\n"
            "@registered\nclass Profile(Base):\n"
            "    '''A profile.\n\nclass Inner(Base):\nimport pkg.users\n'''\n"
            "    __tablename__ = 'profiles'\n\n"
            "    def owner(self) -> 'User':\n"
            '        """\nclass Fake2(Base):\n    pass\n"""\n'
            "        return None\n"
        ),
        "pkg/__all_models.py": (
            '"""The registry.\n\nimport pkg.profile\n"""\nfrom typing import TYPE_CHECKING\n\nimport pkg.users\n\n'
            "if TYPE_CHECKING:\n    import pkg.profile\n"
        ),
    },
    "",
    ["Profile", "User"],
)

LAYOUTS["if/else and try/except at module level holding the imports"] = (
    {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/compat.py": (
            "import sys\n\nif sys.version_info >= (3, 8):\n    from pkg.db import Base\nelse:\n    from pkg.db import Base\n\n"
            "try:\n    from pkg.db import Base as ModelBase\nexcept ImportError:  # pragma: no cover\n    raise\n"
        ),
        "pkg/a.py": "from pkg.compat import Base\n\n\nclass A(Base):\n    __tablename__ = 'a'\n",
        "pkg/b.py": "from pkg.compat import ModelBase\n\n\nclass Bee(ModelBase):\n    __tablename__ = 'b'\n",
        "pkg/c.py": "from pkg.compat import Base\n\n\nclass Cee(Base):\n    __tablename__ = 'c'\n",
        "pkg/__all_models.py": (
            "import sys\n\ntry:\n    import pkg.a\nexcept ImportError:\n    pass\n\n"
            "if sys.platform == 'win32':\n    import pkg.b\nelse:\n    import pkg.b\n"
        ),
    },
    "",
    ["A", "Bee", "Cee"],
)

LAYOUTS["CRLF line endings"] = (
    crlf(
        {
            "pkg/__init__.py": "from pkg.users import User as Member\n",
            "pkg/db.py": DB,
            "pkg/users.py": model("User", "users") + "\n    def name(self):\n        return 'x'\n",
            "pkg/admin.py": '"""\nclass Fake(Base):\n"""\nfrom pkg import Member\n\n\nclass Admin(\n    Member,\n):\n    level = 1\n',
            "pkg/__all_models.py": "import pkg.users\n",
        }
    ),
    "",
    ["Admin", "User"],
)

LAYOUTS["tab indentation"] = (
    tabs(
        {
            "pkg/__init__.py": "",
            "pkg/db.py": DB,
            "pkg/users.py": model("User", "users") + "\n    def name(self):\n        return 'x'\n",
            "pkg/admin.py": "import sys\n\nif sys:\n    from pkg.users import User\n\n\nclass Admin(User):\n    level = 1\n\n    def f(self):\n        pass\n",
            "pkg/__all_models.py": "if True:\n    import pkg.users\n",
        }
    ),
    "",
    ["Admin", "User"],
)

LAYOUTS["several registries in several import roots and by config"] = (
    {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/users.py": model("User", "users"),
        "pkg/billing/__init__.py": "",
        "pkg/billing/invoice.py": "from pkg.users import User\n\n\nclass Invoice(User):\n    level = 1\n",
        "pkg/reg_a.py": "import pkg.users\n",
        "pkg/reg_b.py": "from pkg.billing import invoice  # noqa\n",
        "tools/other/__init__.py": "",
        "tools/other/db.py": DB,
        "tools/other/thing.py": model("Thing", "things", "from other.db import Base"),
        "tools/other/sub.py": "from other.thing import Thing\n\n\nclass SubThing(Thing):\n    level = 1\n",
        "tools/other/__all_models.py": "import other.thing\n",
    },
    '[tool.modelreg]\nregistry = ["pkg/reg_a.py", "pkg/reg_b.py", "tools/other/__all_models.py"]\n',
    ["Invoice", "SubThing", "Thing", "User"],
)

LAYOUTS["a configured base name and a Core table on a created MetaData"] = (
    {
        "pkg/__init__.py": "",
        "pkg/meta.py": "from sqlalchemy import MetaData\n\nmetadata = MetaData()\n",
        "pkg/tables.py": (
            "from sqlalchemy import Column, Integer, Table\n\nfrom pkg.meta import metadata\n\n"
            "ledger = Table('ledger', metadata, Column('id', Integer))\n"
        ),
        "pkg/setup_db.py": "from pkg.meta import metadata\n\n\ndef init(engine):\n    pass\n\n\nmetadata.create_all(None)\n",
        "pkg/__all_models.py": "",
    },
    "",
    ["ledger"],
)

# Layouts on which the fast path is known to disagree with the full parse (bugs, see the report).

LAYOUTS["an alias of the base in parentheses"] = (
    {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/aliases.py": "import pkg.db as d\n\nMyBase = (d.Base)\n",
        "pkg/models.py": "from pkg.aliases import MyBase\n\n\nclass X(MyBase):\n    __tablename__ = 'x'\n",
        "pkg/__all_models.py": "",
    },
    "",
    ["X"],
)

LAYOUTS["a renaming re-export continued with a backslash"] = (
    {
        "pkg/__init__.py": "from pkg.models import \\\n    User as Member\n",
        "pkg/db.py": DB,
        "pkg/models.py": model("User", "users"),
        "pkg/admin.py": "from pkg import Member\n\n\nclass Admin(Member):\n    level = 1\n",
        "pkg/__all_models.py": "import pkg.models\n",
    },
    "",
    ["Admin", "User"],
)

LAYOUTS["SQLModel re-exported by a project module"] = (
    {
        "app/__init__.py": "",
        "app/compat.py": "from sqlmodel import Field, SQLModel  # noqa: F401\n",
        "app/hero.py": (
            "from app.compat import Field, SQLModel\n\n\nclass Hero(SQLModel, table=True):\n"
            "    id: int = Field(default=None, primary_key=True)\n"
        ),
        "app/__all_models.py": "",
    },
    "",
    ["Hero"],
)

LAYOUTS["declarative_base re-exported by a project module"] = (
    {
        "pkg/__init__.py": "",
        "pkg/compat.py": "from sqlalchemy.orm import declarative_base  # noqa: F401\n",
        "pkg/base.py": "from pkg.compat import declarative_base\n\nBase = declarative_base()\n",
        "pkg/models.py": model("User", "users", "from pkg.base import Base"),
        "pkg/__all_models.py": "",
    },
    "",
    ["User"],
)

LAYOUTS["DeclarativeBase re-exported by a project module"] = (
    {
        "pkg/__init__.py": "",
        "pkg/compat.py": "from sqlalchemy.orm import DeclarativeBase  # noqa: F401\n",
        "pkg/base.py": "from pkg.compat import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
        "pkg/models.py": model("User", "users", "from pkg.base import Base"),
        "pkg/__all_models.py": "",
    },
    "",
    ["User"],
)

LAYOUTS["a class header longer than 400 bytes"] = (
    {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/models.py": model("User", "users"),
        "pkg/admin.py": (
            "import pkg.models as m\n\n\nclass Admin(  # " + "why this subclass exists, at length. " * 12 + "\n"
            "    m.User,\n):\n    level = 1\n"
        ),
        "pkg/__all_models.py": "import pkg.models\n",
    },
    "",
    ["Admin", "User"],
)

LAYOUTS["create_all through a module attribute (the FastAPI tutorial's main.py)"] = (
    {
        "sql_app/__init__.py": "",
        "sql_app/database.py": DB,
        "sql_app/models.py": model("User", "users", "from .database import Base"),
        "sql_app/main.py": "from . import models\nfrom .settings import engine\n\nmodels.Base.metadata.create_all(bind=engine)\n",
        "sql_app/settings.py": "engine = None\n",
        "sql_app/__all_models.py": "import sql_app.models\n",
    },
    "",
    ["User"],
)

LAYOUTS["a Core table whose arguments start at column 0"] = (
    {
        "pkg/__init__.py": "",
        "pkg/meta.py": "from sqlalchemy import MetaData\n\nmetadata = MetaData()\n",
        "pkg/tables.py": (
            "from sqlalchemy import Column, Integer, Table\n\nfrom pkg.meta import metadata\n\n"
            "ledger = Table(\n'ledger',\nmetadata,\nColumn('id', Integer))\n"
        ),
        "pkg/setup_db.py": "from pkg.meta import metadata\n\nmetadata.create_all(None)\n",
        "pkg/__all_models.py": "",
    },
    "",
    ["ledger"],
)

LAYOUTS["a registry importing by a literal name whose argument starts at column 0"] = (
    {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/users.py": model("User", "users"),
        "pkg/legacy.py": model("Old", "old"),
        "pkg/orders.py": model("Order", "orders"),
        "pkg/__all_models.py": "import importlib\n\nimport pkg.users\n\nimportlib.import_module(\n'pkg.legacy',\npackage=None)\n",
    },
    "",
    ["Old", "Order", "User"],
)


LAYOUTS["names where they bind a model, and where they bind nothing (issue 28)"] = (
    {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/users.py": model("User", "users", "import sqlalchemy as sa\n\nfrom pkg.db import Base")
        + "    id = sa.Column(sa.Integer, primary_key=True)\n    type = sa.Column(sa.String)\n"
        "    __mapper_args__ = {'polymorphic_on': type, 'polymorphic_identity': 'user'}\n",
        "pkg/orders.py": model("Order", "orders"),
        "pkg/services.py": '"""Helpers of the Member and User models."""\nfrom pkg.users import User\n\n\n'
                           "def everyone():\n    return User, Member\n",
        "pkg/aliases.py": "import sys\n\nif sys.version_info >= (3,):\n    from pkg import users as u\n\n"
                          "    Member = u.User\n",
        "pkg/members.py": "from pkg.aliases import Member\n\n\nclass Admin(\n    Member,\n):\n"
                          "    __mapper_args__ = {'polymorphic_identity': 'admin'}\n",
        "pkg/factory.py": "from pkg.aliases import Member\n\n\ndef make():\n    class Temp(Member):\n        pass\n\n"
                          "    return Temp\n",
        "pkg/__all_models.py": "import pkg.users\nimport pkg.members\n",
    },
    "",
    ["Admin", "Order", "User"],
)


def test_a_name_only_a_function_body_or_a_plain_import_spells_leaves_the_file_unparsed(tree, run):
    files = LAYOUTS["names where they bind a model, and where they bind nothing (issue 28)"][0]
    root = tree(files)
    report = modelreg.check([str(root)], use_cache=False)
    parsed = {os.path.relpath(p, root) for p in report.analysis.store.parsed()}
    assert os.path.join("pkg", "services.py") not in parsed
    assert {os.path.join("pkg", f) for f in ("members.py", "factory.py", "aliases.py")} <= parsed
    # Python and SQLAlchemy: importing the registry maps users and the subclass in its table
    assert tables_after_importing(root, ["pkg.__all_models"], "pkg.db:Base.metadata") == ["users"]
    assert [(d.code, d.model) for d in report.diagnostics if d.code == "MR001"] == [("MR001", "pkg.orders.Order")]
    # -v says how many files were scanned and how many parsed
    err = run(["check", "-v", "--no-cache", "."], cwd=root).err
    assert f"modelreg: 9 files (9 scanned, {len(parsed)} parsed), 3 models" in err.splitlines()


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_the_fast_path_reports_exactly_what_a_full_parse_reports(tree, layout):
    files, pyproject, models = LAYOUTS[layout]
    root = str(tree(files, pyproject=pyproject))
    full = modelreg.check([root], use_cache=False, full=True)
    assert sorted(m["name"] for m in inventory(full)["models"]) == models, "the layout exercises what it says"
    assert full.diagnostics, "the layout has something to report"
    fast = modelreg.check([root], use_cache=False)
    assert outcome(fast) == outcome(full)
    # and through the cache, cold then warm
    assert outcome(modelreg.check([root])) == outcome(full)
    assert outcome(modelreg.check([root])) == outcome(full)


# -- 3. parallel indexing ----------------------------------------------------------------------


def big_project() -> Dict[str, str]:
    files = {"pkg/__init__.py": "", "pkg/db.py": DB, "pkg/__all_models.py": ""}
    for i in range(12):
        files[f"pkg/models/m{i:02d}.py"] = model(f"Model{i}", f"t{i}")
        files[f"pkg/sub/s{i:02d}.py"] = f"from pkg.models.m{i:02d} import Model{i}\n\n\nclass Sub{i}(Model{i}):\n    level = 1\n"
    for i in range(36):
        files[f"pkg/plain/p{i:02d}.py"] = f"import os\n\n\ndef f{i}():\n    return os.sep\n"
    files["pkg/models/__init__.py"] = files["pkg/sub/__init__.py"] = files["pkg/plain/__init__.py"] = ""
    files["pkg/__all_models.py"] = "".join(f"import pkg.models.m{i:02d}\n" for i in range(0, 12, 2))
    return files


def test_indexing_in_a_process_pool_gives_the_same_report(tree, monkeypatch, tmp_path):
    root = str(tree(big_project()))
    assert 55 <= sum(len(f) for _, _, f in os.walk(root)) <= 70
    serial = outcome(modelreg.check([root], use_cache=False))
    serial_full = outcome(modelreg.check([root], use_cache=False, full=True))
    assert serial == serial_full
    assert sum(1 for d in serial[0] if d[0] == "MR001") == 6 + 12

    log = tmp_path / "scanned-by"
    real_scan = modelreg.store.scan

    def scan(data, *args, **kwargs):
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\n")
        return real_scan(data, *args, **kwargs)

    monkeypatch.setattr(modelreg.store, "scan", scan)
    monkeypatch.setattr(modelreg.store, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert outcome(modelreg.check([root], use_cache=False)) == serial
    pids = log.read_text().split()
    assert len(pids) >= 55, "every file was scanned"
    assert set(pids) - {str(os.getpid())}, "files were scanned in another process"
    assert len(set(pids)) >= 2
    log.unlink()
    assert outcome(modelreg.check([root], use_cache=False, full=True)) == serial
    assert set(log.read_text().split()) - {str(os.getpid())}
    # the pool's results go through the cache like any others
    assert outcome(modelreg.check([root])) == serial
    assert outcome(modelreg.check([root])) == serial


def test_a_worker_process_that_fails_leaves_its_share_to_the_main_process(tree, monkeypatch):
    root = str(tree(big_project()))
    serial = outcome(modelreg.check([root], use_cache=False))
    main = os.getpid()
    real_work = modelreg.store._work

    def work(job):
        if os.getpid() != main:
            raise RuntimeError("a worker dies")
        return real_work(job)

    forked = []
    real_forked = modelreg.store._forked

    def spy(jobs, job):
        forked.append(jobs)
        return real_forked(jobs, job)

    monkeypatch.setattr(modelreg.store, "_work", work)
    monkeypatch.setattr(modelreg.store, "_forked", spy)
    monkeypatch.setattr(modelreg.store, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert outcome(modelreg.check([root], use_cache=False)) == serial
    assert forked == [3], "two children were forked (and both failed)"


# -- 4. the language server's analyses in a row take over what an edit did not touch --------------


def _session_for(root: str):
    """A Session over the project at `root` with an overlay of edited files' facts (as unsaved buffers)."""
    from modelreg import api, discover
    from modelreg.store import FactStore

    cfg = api.load_config([root])
    mods, _ = discover.modules(discover.walk(cfg), cfg)
    store = FactStore(mods, None, triggers=[b.rpartition(".")[2] for b in cfg.bases])
    store.prepare()
    overlay: Dict[str, object] = {}

    def facts_of(m):
        return overlay[m.path] if m.path in overlay else store.facts(m)

    return api.Session(cfg, mods, facts_of, store), overlay


def _outcome_of(analysis, diagnostics) -> Tuple[list, dict]:
    from modelreg.api import Report

    report = Report(analysis.config.root, diagnostics, 0, analysis.models, analysis.registries, analysis)
    return outcome(report)


EDITS = {
    "emptied": lambda text: "",
    "its classes renamed": lambda text: text.replace("class ", "class Renamed"),
    "an import added on top (every line moves)": lambda text: "import os as _os\n" + text,
}


@pytest.mark.parametrize("edit", list(EDITS))
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_each_analysis_of_a_session_reports_what_a_fresh_analysis_reports(tree, layout, edit):
    files, pyproject, _ = LAYOUTS[layout]
    root = str(tree(files, pyproject=pyproject))
    session, overlay = _session_for(root)
    original = _outcome_of(*session.analyze())
    for rel_path in sorted(p for p in files if p.endswith(".py")):
        path = os.path.join(root, rel_path)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        overlay[path] = index_source(EDITS[edit](text).encode())
        fresh_session, fresh_overlay = _session_for(root)
        fresh_overlay.update(overlay)
        assert _outcome_of(*session.analyze(extra_candidates={path})) == _outcome_of(
            *fresh_session.analyze(extra_candidates={path})
        ), f"after editing {rel_path}"
        del overlay[path]
        assert _outcome_of(*session.analyze()) == original, f"after restoring {rel_path}"


def test_a_session_takes_over_the_results_an_edit_cannot_change(tree):
    files = dict(PROJECT)
    files["pkg/orders.py"] = model("Order", "orders")
    files["pkg/special.py"] = "from pkg.legacy import Old\n\n\nclass Special(Old):\n    level = 1\n"
    root = str(tree(files))
    session, overlay = _session_for(root)
    session.analyze()
    first = session.last
    path = {name: os.path.join(root, f"pkg/{name}.py") for name in ("users", "orders", "legacy", "special")}
    overlay[path["legacy"]] = index_source((model("Old", "old") + "import os\n").encode())
    session.analyze()
    second = session.last
    # users.py and orders.py do not read legacy.py: their results were taken over, not recomputed
    for name in ("users", "orders"):
        assert second.state.module_models[path[name]] is first.state.module_models[path[name]]
    # legacy.py changed, and special.py's class derives from one of it: both recomputed
    for name in ("legacy", "special"):
        assert second.state.module_models[path[name]] is not first.state.module_models[path[name]]
    assert path["special"] in first.used_by[path["legacy"]]


# -- 5. the CLI takes the last run's results over from the cache, except what an edit touched ------


@pytest.mark.parametrize("edit", list(EDITS))
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_run_that_takes_over_the_last_runs_results_reports_what_a_fresh_run_reports(tree, layout, edit, monkeypatch):
    files, pyproject, _ = LAYOUTS[layout]
    root = tree(files, pyproject=pyproject)
    taken_over = []
    real = modelreg.resolve.Project.import_state

    def spy(self, state, changed):
        taken_over.append(sorted(changed))
        return real(self, state, changed)

    monkeypatch.setattr(modelreg.resolve.Project, "import_state", spy)
    original = outcome(modelreg.check([str(root)]))
    for rel_path in sorted(p for p in files if p.endswith(".py")):
        path = root / rel_path
        text = path.read_text()
        edited = EDITS[edit](text)
        if edited == text:
            continue
        path.write_text(edited)
        del taken_over[:]
        assert outcome(modelreg.check([str(root)])) == outcome(modelreg.check([str(root)], use_cache=False)), rel_path
        assert taken_over, "the last run's results were taken over"
        path.write_text(text)
        assert outcome(modelreg.check([str(root)])) == original, f"after restoring {rel_path}"


def test_a_damaged_saved_project_state_is_ignored(tree, run):
    from modelreg.cache import _dump_checked

    root = tree(PROJECT)
    assert warm(run, root).startswith(LEGACY_MR001)
    state = cache_dir(root) / "project.marshal"
    assert state.is_file()
    data = load_cache(state)
    data["state"]["models"] = {p: ("not", "rows") for p in data["state"]["models"]}
    state.write_bytes(_dump_checked(data))
    (root / "pkg/legacy.py").write_text(model("Older", "old"))
    assert same_as_without_cache(run, root).startswith(LEGACY_MR001)


def test_a_taken_over_run_still_reports_the_unparsable_files_a_fresh_run_reads(tree, run):
    files = dict(PROJECT)
    files["pkg/broken.py"] = "from pkg.db import Base\n\n\nclass Broken(Base)\n    __tablename__ = 'broken'\n"
    files["pkg/__all_models.py"] = "import pkg.users\nimport pkg.broken\n"
    root = tree(files)
    out = warm(run, root)
    assert "pkg/broken.py:4:" in out and "MR100" in out
    (root / "pkg/legacy.py").write_text(model("Older", "old"))
    after = same_as_without_cache(run, root)
    assert "pkg/broken.py:4:" in after and "MR100" in after


def test_module_names_follow_an_init_file_appearing_above_the_project_root(tree, run):
    files = {
        "__init__.py": "",  # the project root is a package itself: its parent is the import root
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/legacy.py": model("Old", "old", base_import="from .db import Base"),
        "pkg/__all_models.py": '"""Models."""\n',
    }
    root = tree(files)
    first = warm(run, root)
    assert f"({root.name}.pkg.legacy)" in first
    assert root.parent.name.isidentifier()
    (root.parent / "__init__.py").write_text("")  # and now so is its parent
    after = same_as_without_cache(run, root)
    assert f"({root.parent.name}.{root.name}.pkg.legacy)" in after


# -- a cache that survives a checkout (issue 28, point 4) ---------------------------------------------
#
# A fresh checkout writes every file anew: the same bytes, every mtime new. A `.modelreg_cache` restored
# in CI beside it must still be used: an entry whose stat key changed over the same bytes holds.

MANY_PLAIN_MODULES = {f"pkg/plain{i:03d}.py": f"VALUE = {i}\n" for i in range(250)}  # more than REFRESH_LIMIT


def _check_out_again(root: Path) -> None:
    """Every file written anew with its own bytes (as `git checkout` / a CI clone writes them), a second later."""
    for path in sorted(root.rglob("*.py")):
        data = path.read_bytes()
        path.unlink()
        path.write_bytes(data)
        st = path.stat()
        set_mtime(path, st.st_mtime_ns + 10**9)


def test_a_fresh_checkout_with_the_cache_restored_reuses_the_report(tree, run):
    import modelreg.reuse

    root = tree({**PROJECT, **MANY_PLAIN_MODULES})
    before = warm(run, root)
    assert len(MANY_PLAIN_MODULES) > modelreg.reuse.REFRESH_LIMIT
    _check_out_again(root)
    report = modelreg.check([str(root)], reuse=True)
    assert report.analysis is None, "answered from the previous report: no file's bytes changed"
    assert run(["."], cwd=root).out == before
    assert modelreg.check([str(root)], reuse=True).analysis is None  # and the cache took the new stat keys


def test_a_fresh_checkout_with_one_file_edited_parses_only_that_file(tree, run, monkeypatch):
    import modelreg.store

    root = tree({**PROJECT, **MANY_PLAIN_MODULES})
    warm(run, root)
    _check_out_again(root)
    (root / "pkg/legacy.py").write_text(model("Old", "old") + "\n\nclass Older(Base):\n    __tablename__ = 'older'\n")
    parsed = []
    real = modelreg.store.index_source
    monkeypatch.setattr(modelreg.store, "index_source", lambda data, fast: parsed.append(data) or real(data, fast))
    monkeypatch.setattr(modelreg.store, "PARALLEL_THRESHOLD", 10**6)  # in this process, where the spy is
    report = modelreg.check([str(root)], reuse=True)
    assert report.analysis is not None
    # (twice: once to tell whether the edit changed what the report read, once for the analysis)
    assert parsed and all(b"class Older(Base)" in data for data in parsed)
    assert sorted(d.model for d in report.diagnostics) == ["pkg.legacy.Old", "pkg.legacy.Older"]


def test_same_size_new_bytes_under_a_new_mtime_are_read_again(tree, run):
    root = tree(PROJECT)
    warm(run, root)
    legacy = root / "pkg/legacy.py"
    assert len(NO_MODEL_SAME_SIZE) == len(legacy.read_text())
    _check_out_again(root)
    legacy.write_text(NO_MODEL_SAME_SIZE)
    set_mtime(legacy, legacy.stat().st_mtime_ns + 2 * 10**9)
    assert modelreg.check([str(root)], reuse=True).diagnostics == []


def test_a_fresh_checkout_of_a_project_with_alembic_ini_and_files_that_are_no_modules_reuses_the_report(tree, run):
    files = dict(PROJECT)
    files["alembic.ini"] = "[alembic]\nscript_location = migrations\n"
    files["migrations/versions/0001_init.py"] = "revision = '0001'\ndown_revision = None\n"  # no module name
    root = tree(files)
    before = warm(run, root)
    for path in [root / "alembic.ini", root / "pyproject.toml"]:
        set_mtime(path, path.stat().st_mtime_ns + 10**9)
    _check_out_again(root)
    assert modelreg.check([str(root)], reuse=True).analysis is None
    assert run(["."], cwd=root).out == before
    (root / "alembic.ini").write_text("[alembic]\nscript_location = elsewhere\n")  # bytes changed: not the same
    assert modelreg.check([str(root)], reuse=True).analysis is not None
