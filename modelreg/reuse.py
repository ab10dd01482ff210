"""What one run of ``check()`` takes over from the last run, through the cache, and leaves for the next.

:class:`LastRun` is the one door to it (``modelreg.cache`` holds the files; this module decides
when what they hold may stand for a fresh analysis). It promises:

- :meth:`LastRun.report`: the last report, only when it still holds - the same file list,
  directory listings, settings and PATHs (the *structure*), the index it was computed from, and
  every file either unchanged (size, mtime) or changed in nothing modelreg reads from it (a
  comment, a method body, a column), at most ``REFRESH_LIMIT`` of them; and the migration
  check's facts fresh. Else None, and the analysis runs.
- :meth:`LastRun.project`: a project holding the last run's per-module results, except those that
  read a file whose facts changed since; None when the saved state is for another modelreg, cache
  format, setting or module list (paths, names, import roots), or does not decode as modelreg
  writes it.
- :meth:`LastRun.save`: the index, that state and the report, for the next run.

A cache never makes a run fail or differ: anything refused is recomputed from the files, and
the report is the one a run without the cache gives.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, List, NamedTuple, Optional, Sequence

from . import cache as cache_mod
from . import discover

if TYPE_CHECKING:
    from .analysis import Analysis
    from .config import Config
    from .resolve import Project
    from .store import FactStore
    from .types import Diagnostic

# Above this many files changed since the previous report, analyzing is as quick as comparing.
REFRESH_LIMIT = 200

# A run that recomputed at most this many modules' results leaves the saved state as it is: the
# next run recomputes them again (milliseconds) rather than this one rewriting the state (tens).
STATE_REWRITE_AFTER = 50


class SavedReport(NamedTuple):
    """The last run's report: its diagnostics, the number of files and of (concrete) models."""

    diagnostics: List["Diagnostic"]
    files: int
    models: int


class LastRun:
    """The cache as one run of the project ``cfg`` configures sees it (see the module's docstring).

    ``scopes``: the PATHs the run reports on (a report is reused only for the same ones).
    ``full``: the run parses every file; it neither takes over nor saves per-module results.
    After :meth:`report`, ``files`` and ``stats`` hold the files it walked and their stat keys,
    for the analysis to use rather than walk again.
    """

    def __init__(self, cfg: "Config", scopes: Sequence[str] = (), full: bool = False):
        self.cfg = cfg
        self.scopes = scopes
        self.full = full
        self.files: Optional[List[str]] = None
        self.stats: Optional[dict] = None
        self._structure: Optional[str] = None  # the file list, directory listings, settings and PATHs
        self._fingerprint: Optional[str] = None  # the structure and every file's stat key
        self._index = None  # the index cache, once opened
        self._discarded = False

    # -- the report -----------------------------------------------------------------------------

    def report(self) -> Optional[SavedReport]:
        """The last report if it still holds (walking the files to tell), else None."""
        from . import migration_check
        from .types import Diagnostic

        from .warm import probe

        cfg = self.cfg
        # the walk, stat keys and fingerprint (those the warm path computed in this process, if it did)
        found = probe(cfg, self.scopes)
        started, self.files, self.stats = found.started, found.files, found.stats
        self._structure, self._fingerprint, stored = found.structure, found.fingerprint, found.stored
        if stored is not None and migration_check.fresh(cfg) and (
            stored.fingerprint == self._fingerprint or self._refreshed(stored, started)
        ):
            return SavedReport([Diagnostic(*d) for d in stored.diagnostics], stored.files, stored.models)
        return None

    def _refreshed(self, stored: cache_mod.StoredResult, started: int) -> bool:
        """Whether the previous report still holds although some files' bytes changed: nothing else
        changed (same structure) and no changed file changed anything modelreg reads from it (a comment,
        a method body, a column). The cache then takes the new stat keys, and the report the new fingerprint."""
        from .store import same_bytes, unchanged

        cfg = self.cfg
        if stored.structure != self._structure or stored.index_id is None:
            return False
        cache = self.index()  # unchanged unless the report is reused: the analysis takes it
        if cache.id != stored.index_id:
            return False  # the index is not the one the report was computed from
        entries = cache.entries
        # a walked file without an entry was no module (an invalid name) when the report was made
        changed = [p for p, key in self.stats.items() if p in entries and tuple(entries[p][0]) != key]
        # a new mtime over the same bytes (a fresh checkout, a restored cache) changed nothing
        fresh = {p: tuple(e) for p, e in same_bytes(entries, changed, [self.stats[p] for p in changed]).items()}
        changed = [p for p in changed if p not in fresh]
        if len(changed) > REFRESH_LIMIT:
            return False
        edited = unchanged(cache, changed, [b.rpartition(".")[2].encode() for b in cfg.bases])
        if edited is None:
            return False
        fresh.update(edited)
        if fresh:
            updated = dict(entries)
            updated.update(fresh)
            cache.save(updated, cache.names, started)
        stamps = _stamps(self.stats, cache.entries, started)
        cache_mod.save_result(
            cfg.root, cfg.cache_dir, stored._replace(fingerprint=self._fingerprint, index_id=cache.id, stamps=stamps)
        )
        return True

    # -- what the analysis takes over -----------------------------------------------------------

    def index(self) -> Optional[cache_mod.IndexCache]:
        """The index cache (opened once); None once discarded."""
        if self._discarded:
            return None
        if self._index is None:
            self._index = cache_mod.open_index(self.cfg)
        return self._index

    def modules(self, files: Sequence[str]) -> list:
        """The modules of the files; after :meth:`report`, the ones named last time for the same
        structure (the file list, directory listings and settings) come from the cache."""
        from .imports import name_modules

        cfg, structure = self.cfg, self._structure
        if structure is None:
            return name_modules(files, cfg)[0]
        from .types import Module

        saved = cache_mod.load_modules(cfg.root, cfg.cache_dir, structure)  # (it covers the packages above the root)
        if saved is not None:
            new = tuple.__new__
            return [new(Module, m) for m in saved]
        mods, _, naming = name_modules(files, cfg)
        if not naming.evidence_files:  # names read from imports follow the files' bytes, not the structure
            cache_mod.save_modules(cfg.root, cfg.cache_dir, structure, mods)
        return mods

    def project(self, mods: Sequence, store: "FactStore") -> Optional["Project"]:
        """A project holding the last run's results except those that read a file whose facts changed
        since (the CLI's counterpart of the language server's Session); None when there are none to take."""
        from .resolve import Project

        cfg = self.cfg
        if self.full or store.cache is None:
            return None
        saved = cache_mod.load_state(cfg.root, cfg.cache_dir, cache_mod.cache_key(cfg), _modules_id(cfg, mods))
        if saved is None:
            return None
        entries = store.entries
        try:
            changed = []
            for path, crc in saved["facts"].items():
                entry = entries.get(path)
                if entry is None or entry[3] is None or _digest(entry[3]) != crc:
                    changed.append(path)
            project = Project(cfg, mods, store.facts)
            project.taken_over = project.import_state(saved["state"], changed)
        except Exception:  # a state that is not what modelreg writes: analyze from the files alone
            return None
        return project

    # -- what the next run takes over -----------------------------------------------------------

    def save(self, analysis: "Analysis", diagnostics: Optional[Sequence["Diagnostic"]]) -> None:
        """Save the index, the resolved project's per-module results and (``diagnostics``, when the
        run walked for :meth:`report` and its report may stand for the next run) the report."""
        store = analysis.store
        store.save(analysis.names)
        if not self.full:
            self._save_state(analysis)
        if diagnostics is not None and self._fingerprint is not None:
            n_models = sum(1 for m in analysis.models if not m.abstract)
            index_id = store.cache.id if store.cache is not None else None
            stored = cache_mod.StoredResult(
                self._fingerprint,
                self._structure,
                index_id,
                cache_mod.diagnostic_rows(diagnostics),
                len(analysis._paths),
                n_models,
                _stamps(self.stats, store.entries, store.started_ns),
            )
            cache_mod.save_result(self.cfg.root, self.cfg.cache_dir, stored)

    def _save_state(self, analysis: "Analysis") -> None:
        """Save the resolved project's per-module results for the next run (see :meth:`project`)."""
        cfg, project, entries = self.cfg, analysis.project, analysis.store.entries
        if project.taken_over is not None and len(project.taken_over) <= STATE_REWRITE_AFTER:
            return
        facts = {}
        for path in project.files_read():
            entry = entries.get(path)
            if entry is None or entry[3] is None:
                return  # facts from outside the store (not expected): save nothing rather than a wrong state
            facts[path] = _digest(entry[3])
        state = project.export_state()
        key, modules_id = cache_mod.cache_key(cfg), _modules_id(cfg, project.modules)
        cache_mod.save_state(cfg.root, cfg.cache_dir, key, modules_id, facts, state)

    def discard(self) -> None:
        """Remove the cache files after what they held made the analysis fail (crafted, or from a
        buggy version): this run goes on from the files alone, and saves no report."""
        cache_mod.discard(self.cfg.root, self.cfg.cache_dir)
        self._discarded = True
        self._fingerprint = None
        self._structure = None


def _stamps(stats: dict, entries, started_ns: int) -> dict:
    """path -> (size, mtime_ns, content digest) of the walked files whose index entry was made under
    their current stat key (see cache.same_files); a file stat'ed too close to a change of it (see
    cache.racy) gets a stamp no stat key matches: its bytes are compared next time."""
    from .store import read_bytes

    out = {}
    for path, key in stats.items():
        entry = entries.get(path)
        if entry is not None and entry[4] and tuple(entry[0]) == key:
            digest = entry[4]
        elif entry is None:  # a walked file that is no module (an Alembic revision named `722c_add.py`)
            data = read_bytes(path)
            if data is None:
                continue
            digest = cache_mod.content_digest(data)
        else:
            continue
        out[path] = cache_mod.UNVERIFIED + (digest,) if cache_mod.racy(key, started_ns) else (key[0], key[1], digest)
    return out


def _modules_id(cfg: "Config", mods: Sequence) -> str:
    """The module list and the settings: module names follow from the paths, the settings and the
    packages above the root."""
    h = hashlib.sha256(repr((repr(cfg), discover.import_root_of(cfg.root))).encode())
    h.update("\0".join([f"{m.path}\1{m.name}\1{m.root}" for m in mods]).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _digest(blob: bytes) -> bytes:
    return hashlib.blake2b(blob, digest_size=16).digest()
