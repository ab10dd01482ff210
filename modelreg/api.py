"""The public API: ``check()`` and ``fix()`` run the pipeline and return a :class:`Report` (or a
:class:`FixOutcome`); ``inventory()`` is `modelreg models`' document; :class:`Session` runs analyses in
a row for the language server. It never prints.

The stages live beside it: ``analysis`` (the view the rules read), ``runner`` (rules, scopes,
`# noqa`), ``reuse`` (what a run takes over from the last one through the cache).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from . import config as config_mod
from . import discover
from .analysis import Analysis, analyze, triggers
from .resolve import Project
from .runner import run_rules, scopes_of, unknown_codes_error
from .types import Diagnostic, Report

__all__ = ["check", "fix", "inventory", "load_config", "Report", "FixOutcome", "Session"]


def load_config(
    paths: Sequence[str],
    config_file: Optional[str] = None,
    options: Optional[config_mod.CommandLine] = None,
    stdin_path: Optional[str] = None,
    **overrides,
) -> config_mod.Config:
    """The project's config (from the first path), with CLI overrides applied."""
    for p in paths:
        if not os.path.exists(p) and p != stdin_path:
            raise config_mod.ConfigError(f"{p}: no such file or directory")
    options = options or config_mod.CommandLine()
    cfg = config_mod.load(paths[0] if paths else ".", config_file, isolated=options.isolated)
    if overrides.get("require") is not None:
        config_mod.check_require(overrides["require"], "--require")
    return options.apply(cfg.with_overrides(**overrides))


def check(
    paths: Sequence[str] = (".",),
    *,
    config_file: Optional[str] = None,
    require: Optional[str] = None,
    use_cache: bool = True,
    full: bool = False,
    reuse: bool = False,
    options: Optional[config_mod.CommandLine] = None,
    stdin: Optional[Tuple[str, bytes]] = None,
) -> Report:
    """Analyze the project that holds ``paths[0]`` and report what concerns ``paths``.

    The whole project is always analyzed (registration is a property of the
    project, not of one file); diagnostics are kept for files under ``paths``.
    ``use_cache=False`` ignores and does not write the index cache; ``full=True``
    parses every file (no prefilter) - slower, same report. ``reuse=True`` returns
    the previous report when no file, directory or setting changed since (the
    report then has no ``analysis``; the CLI's plain check uses it).
    ``options``: settings from the command line, over the config file's. ``stdin``: (path, bytes),
    the text of an unsaved buffer standing for that file; only its diagnostics are reported.
    Raises :class:`modelreg.config.ConfigError` on a usage or configuration error.
    """
    paths = list(paths) or ["."]
    if stdin is not None:
        path = os.path.abspath(stdin[0])
        cfg = load_config([path], config_file, options, stdin_path=path, require=require)
        return _check_buffer(cfg, path, stdin[1], use_cache)
    cfg = load_config(paths, config_file, options, require=require)
    scopes = scopes_of(paths, cfg)
    last = None  # the cache's door: what this run takes over from the last one, and leaves for the next
    if use_cache:
        from .reuse import LastRun

        last = LastRun(cfg, scopes, full=full)
        saved = last.report() if reuse and not full else None
        if saved is not None and saved.files:  # (none: whether any file was found is said again)
            return Report(cfg.root, saved.diagnostics, saved.files, [], [], model_count=saved.models)
    try:
        analysis = analyze(cfg, full=full, use_cache=use_cache, last=last)
        unknown: list = []
        diagnostics = run_rules(analysis, scopes, unknown)
    except (RecursionError, MemoryError, config_mod.ConfigError):
        raise
    except Exception:
        if last is None:
            raise
        # a cache that decodes but holds what modelreg never writes (crafted, or from a buggy
        # version): drop it and analyze from the files alone - a cache never makes a run fail
        last.discard()
        analysis = analyze(cfg, full=full, last=last)
        unknown = []
        diagnostics = run_rules(analysis, scopes, unknown)
    if last is not None:  # no report is stored with unknown codes: the next run says so again
        last.save(analysis, None if unknown else diagnostics)
    if unknown:
        raise unknown_codes_error(unknown)
    return Report(
        root=cfg.root,
        diagnostics=diagnostics,
        files=len(analysis._paths),
        models=analysis.models,
        registries=analysis.registries,
        analysis=analysis,
    )


def analyzed_something(report: Report) -> None:
    """A run that found no Python file checked nothing: ConfigError (exit 2) rather than a pass."""
    if report.files == 0 and (report.analysis is None or not report.analysis.unnamed):
        raise config_mod.ConfigError(
            f"no Python files found under {report.root}: nothing was checked (`--show-files` lists what "
            "is analyzed; see exclude, extend-exclude and respect-gitignore)"
        )


def _check_buffer(cfg: config_mod.Config, path: str, data: bytes, use_cache: bool) -> Report:
    """Check the project with ``data`` as the text of ``path`` (which need not exist on disk), as
    the language server does with an open document; report only what is located in it. The cache is
    read, never written (it describes the files on disk)."""
    from .cache import open_index
    from .index import index_source
    from .store import FactStore

    files = discover.walk(cfg)
    if path not in files and path.endswith(".py"):
        files = sorted(files + [path])
    mods = discover.modules(files, cfg)[0]
    cache = open_index(cfg) if use_cache else None
    on_disk = [m for m in mods if m.path != path or os.path.exists(path)]
    store = FactStore(on_disk, cache, triggers=triggers(cfg))
    store.prepare()
    buffer = index_source(data)

    def facts_of(m):
        return buffer if m.path == path else store.facts(m)

    analysis = Analysis(Project(cfg, mods, facts_of), [m.path for m in mods], store, extra_candidates={path})
    unknown: list = []
    diagnostics = [d for d in run_rules(analysis, [path], unknown) if d.path == path]
    if unknown:
        raise unknown_codes_error(unknown)
    return Report(cfg.root, diagnostics, len(mods), analysis.models, analysis.registries, analysis)


def inventory(report: Report) -> dict:
    """The `modelreg models --format json` document."""
    analysis = report.analysis
    rel = analysis.rel
    models = []
    migrations = _migration_states(analysis)
    for m in sorted(report.models, key=lambda m: (m.module.path, m.line)):
        regs = analysis.governing(m)
        base = analysis.project.bases.get(m.base)
        models.append(
            {
                "name": m.name,
                "module": m.module.name,
                "path": rel(m.module.path),
                "line": m.line,
                "table": m.table,
                "schema": m.schema,
                "kind": m.kind,
                "base": base.name if base else m.base,
                "abstract": m.abstract,
                "registered": bool(regs) and any(analysis.registers(r, m) for r in regs),
                "registry": rel(regs[0].path) if regs else None,
                "migrations": migrations.get((m.module.path, m.name, m.line)),
            }
        )
    registries = [
        {"path": rel(r.path), "module": r.module.name if r.module else None, "source": r.source}
        for r in report.registries
        if r.source != "loaded"
    ]
    return {"root": report.root, "models": models, "registries": registries}


def _migration_states(analysis) -> dict:
    """(model path, name, line) -> what the Alembic history that judges its table says of it (MR010-MR013):
    the history, the table's state at head, and where the application's create_all() creates it."""
    from .migration_check import compare

    out = {}
    for checked in compare(analysis):
        schema = checked.schema
        for t in checked.tables:
            key = (t.schema, t.name)
            if schema is None:
                state = "broken"  # MR013: the history cannot be read
            elif key in schema.gone and schema.state(key) == "absent":
                state = "dropped"
            else:
                found = schema.state(key)
                state = found if isinstance(found, str) else "created"  # "absent" | "unknown" | "created"
            site = checked.created_at_startup(t)
            m = t.model
            out[(m.module.path, m.name, m.line)] = {
                "history": analysis.rel(checked.history.script_dir),
                "table": state,
                "created_at_startup": f"{analysis.rel(site[0])}:{site[1]}" if site else None,
            }
    return out


@dataclass
class FixOutcome:
    """What `--fix` (or `--diff`) did: the fixes planned, whether they were written, and the check after."""

    fixes: list  # modelreg.fix.FileFix
    errors: List[Tuple[str, str]]  # (path, message): fixes that could not be made
    report: Report  # diagnostics remaining after the fix (or before, for a dry run)
    written: bool

    @property
    def changed(self) -> bool:
        return any(fx.changed for fx in self.fixes)


MAX_FIX_PASSES = 5


def fix(
    paths: Sequence[str] = (".",),
    *,
    config_file: Optional[str] = None,
    require: Optional[str] = None,
    dry_run: bool = False,
    use_cache: bool = True,
    options: Optional[config_mod.CommandLine] = None,
    written: Optional[list] = None,
) -> FixOutcome:
    """Fix what can be fixed (registries, and env.py for MR003), then check again.

    Fixes are planned in passes over the edited text, held in memory, until a pass
    changes nothing: removing a stale import can leave models unregistered that
    only it loaded, and the next pass registers them - one run, one write per file.
    ``dry_run`` plans without writing (``--diff`` shows exactly what ``--fix`` writes).
    ``written``: a list each fix is appended to (path, new bytes) as its write begins; a file is
    written whole or not at all, so an interrupted run can say which ones it wrote.
    """
    import contextlib

    from . import fix as fix_mod

    paths = list(paths) or ["."]
    cfg = load_config(paths, config_file, options, require=require)
    lock = contextlib.nullcontext() if dry_run else fix_mod.project_lock(cfg.root)
    with lock:
        before = check(paths, config_file=config_file, require=require, use_cache=use_cache, options=options)
        fixes, errors = _fix_passes(cfg, scopes_of(paths, cfg), before.analysis, before.diagnostics)
        if dry_run or not fixes:
            return FixOutcome(fixes, errors, before, written=False)
        written = _write_fixes(fixes, cfg.root, errors, written)
        after = check(paths, config_file=config_file, require=require, use_cache=use_cache, options=options) if written else before
        return FixOutcome(written, errors, after, written=bool(written))


def planned_fixes(report: Report) -> Dict[int, list]:
    """What ``--fix`` writes for each fixable diagnostic on its own: index in ``report.diagnostics`` ->
    its FileFixes (empty when the fixer finds no safe way). Needs the report's analysis (``{}`` without)."""
    from . import fix as fix_mod

    if report.analysis is None:
        return {}
    out: Dict[int, list] = {}
    for i, d in enumerate(report.diagnostics):
        if d.fixable:
            fixes, _errors = fix_mod.plan(report.analysis, [d])
            out[i] = fixes
    return out


def _fix_passes(cfg: config_mod.Config, scopes: Sequence[str], analysis: Analysis, diagnostics: List[Diagnostic]):
    """(fixes, errors) of passes over the edited text, held in memory, until a pass changes nothing:
    one FileFix per file, from its bytes on disk to its text after the last pass."""
    from . import fix as fix_mod

    overlay: Dict[str, bytes] = {}  # path -> text after the passes so far
    originals: Dict[str, Optional[bytes]] = {}
    done: Dict[str, "fix_mod.FileFix"] = {}
    errors: List[Tuple[str, str]] = []

    def read(path: str) -> bytes:
        return overlay[path] if path in overlay else fix_mod.read_file(path)

    for _ in range(MAX_FIX_PASSES):
        fixes, pass_errors = fix_mod.plan(analysis, diagnostics, read=read)
        errors.extend(e for e in pass_errors if e not in errors)
        fixes = [fx for fx in fixes if overlay.get(fx.path) != fx.new]
        if not fixes:
            break
        for fx in fixes:
            originals.setdefault(fx.path, fx.old)
            overlay[fx.path] = fx.new
            previous = done.get(fx.path)
            if previous is None:
                done[fx.path] = fx
            else:
                previous.new = fx.new
                previous.added += fx.added
                previous.removed += fx.removed
                previous.fixed += fx.fixed
        used_by = analysis.project.used_by
        if not any(fx.removed for fx in fixes) and not any(used_by.get(fx.path, set()) - {fx.path} for fx in fixes):
            # only additions, to files no other module's analysis read: they register models, and
            # cannot unregister, break or reveal anything (a model whose base a registry re-exports,
            # `from app.models import User`, appears only once the registry binds User: next pass)
            break
        analysis = _overlaid(cfg, analysis, overlay)
        diagnostics = run_rules(analysis, scopes)
    fixes = [fx for fx in done.values() if fx.new != originals[fx.path]]
    for fx in fixes:
        fx.old = originals[fx.path]
    return fixes, errors


def _overlaid(cfg: config_mod.Config, analysis: Analysis, overlay: Dict[str, bytes]) -> Analysis:
    """The analysis of the project with the texts of ``overlay`` standing for those files."""
    from .index import index_source

    store = analysis.store  # check() always analyzes through a store
    mods = analysis.project.modules

    def facts_of(m):
        return index_source(overlay[m.path]) if m.path in overlay else store.facts(m)

    return Analysis(Project(cfg, mods, facts_of), [m.path for m in mods], store)


def _write_fixes(fixes: list, root: str, errors: List[Tuple[str, str]], paths: Optional[list] = None) -> list:
    """Write each fix (atomically); the ones that could not be written go to ``errors``; each one's
    (path, new bytes) to ``paths`` as its write begins."""
    from . import fix as fix_mod

    written = []
    for fx in fixes:
        if paths is not None:
            paths.append((fx.path, fx.new))
        try:
            fix_mod.write(fx, root)
            written.append(fx)
        except fix_mod.FixError as exc:
            errors.append((fx.path, str(exc)))
        except OSError as exc:
            errors.append((fx.path, f"cannot write: {exc.strerror or exc}; the file is unchanged"))
    return written


class Session:
    """Analyses of one project in a row, as the language server runs them: each analysis takes over
    the previous one's results except those that can depend on a file whose facts changed since
    (see :meth:`Project.inherit`), so an edit costs what it touches, not the whole project."""

    def __init__(self, cfg: config_mod.Config, modules: Sequence, facts_of, store=None, read=None):
        self.cfg = cfg
        self.modules = list(modules)
        self.facts_of = facts_of
        self.store = store
        self.read = read  # a file's bytes (the language server's unsaved buffers); None: from disk
        self.last: Optional[Project] = None

    def analyze(self, extra_candidates=()) -> Tuple[Analysis, List[Diagnostic]]:
        last = self.last
        project = Project(self.cfg, self.modules, self.facts_of, previous=last)
        if last is not None:
            facts_of = self.facts_of
            changed = [p for p, f in last.loaded_facts().items() if (now := facts_of(last.by_path[p])) is not f and now != f]
            project.inherit(last, changed)
        self.last = project
        analysis = Analysis(project, [m.path for m in self.modules], self.store, extra_candidates=extra_candidates)
        if self.read is not None:
            analysis.read = self.read
        return analysis, run_rules(analysis, [])
