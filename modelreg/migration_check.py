"""What MR010-MR012 share: each Alembic history's schema at head beside the tables its models define.

An Alembic environment (an ``env.py`` modelreg already follows, with a
``target_metadata`` it resolves) has a history when its version directories hold
at least one revision file. Its models are those of the bases it targets (a base
targeted by two histories is left out: which history builds which table is not
known). An ``env.py`` that filters autogenerate (``include_object=`` /
``include_name=``) has its history read (MR013 says when it is broken) but no
tables judged: the tables it leaves to others are not known.

A base whose metadata the application itself creates with ``create_all()`` (a call
site outside the tests, at module level or inside a function such as the
course's ``global_init()``) has its missing tables made at startup: each
:class:`Checked` says where (``startup``), and MR010 does not apply to them.
``create_all()`` never alters an existing table, so MR011 and MR012 still do.

Revision files and model files are parsed here, not by the index (which blanks
function and class bodies); their facts are cached per file in
``schema.marshal`` beside the index, keyed by size and mtime, like the index's.
"""

from __future__ import annotations

import marshal
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from . import cache as cache_mod
from .store import read_bytes, stat_key

if TYPE_CHECKING:  # imported where used: a run without an Alembic history never pays for them
    from .columns import TableOf
    from .migrations import History, Schema

FACTS_FILE = "schema.marshal"
FACTS_KEY = "schema-facts-4"
_FILTERS = re.compile(rb"\binclude_(object|name)\s*=")


@dataclass(frozen=True)
class Checked:
    """One history and the tables the models of the bases its env.py targets define."""

    env_path: str
    history: History
    schema: Optional[Schema]  # None: the history cannot be read for certain
    tables: Tuple[TableOf, ...]
    # base key -> (path, line) of the application's create_all() call that creates its missing tables
    startup: Dict[str, Tuple[str, int]] = field(default_factory=dict)

    def created_at_startup(self, t: TableOf) -> Optional[Tuple[str, int]]:
        """Where the application's own create_all() creates this table when it is missing, if it does."""
        return self.startup.get(t.model.base)


_KINDS = ("rev", "cls")


def _reader(kind: str):
    if kind == "rev":
        from .migrations import read_revision

        return read_revision
    from .columns import read_classes

    return read_classes
_MISSING = object()


def _compute(path: str, kind: str):
    data = read_bytes(path)
    if data is None:
        return (None, (), (), (), (), (1, "cannot read file"), ()) if kind == "rev" else None
    return _reader(kind)(data)


# Below this many files to parse, forking costs more than it saves.
PARALLEL_THRESHOLD = 300


def _work(items) -> bytes:
    return marshal.dumps([(path, kind, key, marshal.dumps(_compute(path, kind))) for path, kind, key in items])


def _parallel(stale: List[tuple]) -> list:
    """[(path, kind, stat key, facts blob)] of the stale files, over the cores when it pays."""
    from .store import _single_threaded

    jobs = os.cpu_count() or 1
    if jobs <= 1 or len(stale) < PARALLEL_THRESHOLD or not hasattr(os, "fork") or not _single_threaded():
        return marshal.loads(_work(stale))
    shares = [stale[i::jobs] for i in range(jobs)]
    try:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_work, share) for share in shares[1:]]
            rows = marshal.loads(_work(shares[0]))
            for f in futures:
                rows.extend(marshal.loads(f.result()))
        return rows
    except (OSError, ImportError, RuntimeError):  # no processes here: do it in this one
        return marshal.loads(_work(stale))


class FactsCache:
    """Per-file revision and class facts: (stat key, kind, marshal blob), plus each version directory's listing."""

    def __init__(self, root: str, cache_dir: Optional[str], enabled: bool):
        self.root, self.cache_dir, self.enabled = root, cache_dir, enabled
        self.files: Dict[str, tuple] = {}
        self.dirs: Dict[str, Optional[tuple]] = {}
        self.dirty = False
        self.used: set = set()
        self._values: Dict[tuple, tuple] = {}  # (path, kind) -> (facts,): decoded once per run
        self._keys: Dict[str, tuple] = {}  # stat keys taken by prefetch
        if enabled:
            data = cache_mod._load_keyed(root, cache_dir, FACTS_FILE, FACTS_KEY)
            if data is not None and isinstance(data.get("files"), dict) and isinstance(data.get("dirs"), dict):
                self.files = {
                    p: e for p, e in data["files"].items()
                    if type(e) is tuple and len(e) == 3 and type(e[0]) is tuple and e[1] in _KINDS and type(e[2]) is bytes
                }
                self.dirs = dict(data["dirs"])

    def get(self, path: str, kind: str):
        memo = self._values.get((path, kind))
        if memo is not None:
            return memo[0]
        self.used.add(path)
        key = self._keys[path] if path in self._keys else stat_key(path)
        entry = self.files.get(path)
        value = _MISSING
        if entry is not None and entry[0] == key and entry[1] == kind:
            try:
                value = marshal.loads(entry[2])
            except (EOFError, ValueError, TypeError):
                pass
        if value is _MISSING:
            value = _compute(path, kind)
            self.files[path] = (key, kind, marshal.dumps(value))
            self.dirty = True
        self._values[(path, kind)] = (value,)
        return value

    def start(self) -> None:
        """A new analysis: files may have changed since the last one (their stat keys say which)."""
        self._values.clear()
        self._keys.clear()
        self.used = set()

    def prefetch(self, items: List[Tuple[str, str]]) -> None:
        """Compute the facts of the files whose cache entry is stale, in forked processes when there are
        many (a cold run over a long history and a large project): (path, kind) pairs."""
        stale = []
        for path, kind in items:
            entry = self.files.get(path)
            key = self._keys[path] = stat_key(path)
            if entry is None or entry[0] != key or entry[1] != kind:
                stale.append((path, kind, key))
        if not stale:
            return
        for path, kind, key, blob in _parallel(stale):
            self.files[path] = (key, kind, blob)
        self.dirty = True

    def listing(self, directory: str) -> Optional[tuple]:
        try:
            names = tuple(sorted(os.listdir(directory)))
        except OSError:
            names = None
        if directory not in self.dirs or self.dirs[directory] != names:
            self.dirs[directory] = names
            self.dirty = True
        return names

    def save(self) -> None:
        if not self.enabled:
            return
        files = {p: e for p, e in self.files.items() if p in self.used}
        if not self.dirty and len(files) == len(self.files):
            return
        self.files, self.dirty = files, False
        cache_mod._save_keyed(self.root, self.cache_dir, FACTS_FILE, FACTS_KEY, files=files, dirs=self.dirs)


def fresh(cfg) -> bool:
    """Whether the facts the last run's MR010-MR012 verdicts came from still hold: every version directory
    lists the same files and every revision or model file read has the same facts (a comment or a
    docstring may change). The CLI reuses its last report only then (files outside the walk included)."""
    fc = FactsCache(cfg.root, cfg.cache_dir, True)
    if not fc.files and not fc.dirs:
        return True
    for directory, names in list(fc.dirs.items()):
        try:
            now = tuple(sorted(os.listdir(directory)))
        except OSError:
            now = None
        if now != names:
            return False
    changed = False
    for path, (key, kind, blob) in list(fc.files.items()):
        now = stat_key(path)
        if now == key:
            continue
        if marshal.dumps(_compute(path, kind)) != blob:
            return False
        fc.files[path] = (now, kind, blob)
        changed = True
    if changed:
        fc.used = set(fc.files)
        fc.dirty = True
        fc.save()
    return True


_OPEN: Dict[tuple, FactsCache] = {}  # the facts caches of this process (the language server analyzes again and again)


def _facts_cache(cfg, enabled: bool) -> FactsCache:
    """This process's facts cache for the project, loaded once; each analysis decodes its facts afresh."""
    if not enabled:  # --no-cache: nothing kept between runs (a file rewritten within one mtime tick)
        return FactsCache(cfg.root, cfg.cache_dir, False)
    key = (cfg.root, cfg.cache_dir)
    fc = _OPEN.get(key)
    if fc is None:
        if len(_OPEN) >= 8:
            _OPEN.clear()
        fc = _OPEN[key] = FactsCache(cfg.root, cfg.cache_dir, True)
    fc.start()
    return fc


def compare(analysis) -> List[Checked]:
    """The histories of the project's Alembic environments beside their models' tables (memoized per analysis)."""
    memo = getattr(analysis, "_migration_check", None)
    if memo is not None:
        return memo
    cfg = analysis.config
    project = analysis.project
    store = analysis.store
    facts = _facts_cache(cfg, store is not None and store.cache is not None)
    found = []  # (env, history, whether its tables are judged)
    for env in project.alembic_envs():
        source = read_bytes(env.module.path) or b""
        from .migrations import build_history, revision_files, version_dirs  # (only for an Alembic env.py)

        script_dir = os.path.dirname(env.module.path)
        dirs, recursive = version_dirs(script_dir, cfg.root)
        for d in dirs:
            facts.listing(d)
        files = revision_files(dirs, recursive)
        if not files:
            continue
        facts.prefetch([(p, "rev") for p in files])
        history = build_history(script_dir, {p: facts.get(p, "rev") for p in files})
        found.append((env, history, not _FILTERS.search(source)))
    targeted: Dict[str, int] = {}
    for env, _, judged in found:
        for key in {k for k, _ in env.targets} if judged else ():
            targeted[key] = targeted.get(key, 0) + 1
    out = []
    if found:
        from .columns import ModelTables

        keys = set(targeted)
        facts.prefetch(sorted({(m.module.path, "cls") for m in analysis.models if m.base in keys}))
        tables = ModelTables(project, lambda path: facts.get(path, "cls")).tables(analysis.models)
        startup = startup_creates(analysis)
        for env, history, judged in found:
            keys = sorted({k for k, _ in env.targets if judged and targeted[k] == 1})
            mine = tuple(t for k in keys for t in tables.get(k, ()))
            sites = {k: startup[k] for k in keys if k in startup}
            out.append(Checked(env.module.path, history, history.schema(), mine, sites))
    facts.save()
    analysis._migration_check = out
    return out


def startup_creates(analysis) -> Dict[str, Tuple[str, int]]:
    """base key -> (path, line) of the first `create_all()` on its metadata in the application's own code:
    not in a test module, not in an Alembic revision file (found the way create_all() registries are:
    at module level or inside a function, like the course's `db_session.global_init()`)."""
    from .resolve.registries import is_test_path

    project = analysis.project
    root = analysis.config.root
    out: Dict[str, Tuple[str, int]] = {}
    for module, call, key in sorted(project.create_all_calls(), key=lambda c: (c[0].path, c[1].line)):
        if key in out or is_test_path(os.path.relpath(module.path, root)) or project.is_revision_file(module.path):
            continue
        out[key] = (module.path, call.line)
    return out


def checked_tables(analysis):
    """(checked history, its schema, model table, (schema, name) key) for every model table of every
    history that could be read for certain: what MR010-MR012 each judge."""
    for checked in compare(analysis):
        if checked.schema is None:
            continue
        for t in checked.tables:
            yield checked, checked.schema, t, (t.schema, t.name)


def table_label(t) -> str:
    """`table 'x'` for a Core table, `model X's table 'x'` for a mapped class."""
    m = t.model
    return f"table {t.name!r}" if m.kind == "table" else f"model {m.name}'s table {t.name!r}"


def revision_hint(message: str) -> str:
    return f'alembic revision --autogenerate -m "{message}"'
