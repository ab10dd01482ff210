"""The public API: ``check()`` runs the pipeline and returns a :class:`Report`. It never prints."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from . import config as config_mod
from . import discover, rules, style
from .resolve import (
    REGISTRY_FILENAME,
    Coverage,
    Project,
    direct_coverage,
    dynamic_targets,
    is_registered,
    reachable,
    run_scopes,
)
from .types import Diagnostic, ModelInfo, Registry, Report


def check_configured_bases(project: Project) -> None:
    """A `base` in [[tool.modelreg.registries]] must name a base, a Flask-SQLAlchemy object, a registry or
    a MetaData of the project (or something of a library, which modelreg cannot see): else ConfigError."""
    specs = [spec for spec in project.config.registries if spec.base]
    if not specs:
        return
    by_name = {m.name: m for m in project.modules}
    for spec in specs:
        parts = spec.base.split(".")
        for i in range(len(parts) - 1, 0, -1):
            module = by_name.get(".".join(parts[:i]))
            if module is not None:
                value = project.eval_name(module, ".".join(parts[i:]))
                if value is not None and value[0] in ("base", "db", "registry", "metadata"):
                    break
                if value is not None and value[0] == "class" and project.classify(value[1], value[2]).kind == "base":
                    break
                raise config_mod.ConfigError(
                    f"{project.config.config_file}: [[tool.modelreg.registries]] base {spec.base} names no "
                    "declarative base, Flask-SQLAlchemy object, registry or MetaData of the project"
                )
        else:
            if parts[0] in project.all_tops:
                raise config_mod.ConfigError(
                    f"{project.config.config_file}: [[tool.modelreg.registries]] base {spec.base} names no module "
                    "of the project"
                )


def loaded_registries(project: Project, registries: Sequence[Registry]) -> List[Registry]:
    """The project modules an env.py or create_all() registry imports directly (mealie's `_all_models.py`
    behind env.py): one hop behind the registry, checked for stale imports (MR002) but governing no base."""
    from .resolve import executed_by

    seen = {r.path for r in registries}
    out: List[Registry] = []
    for reg in registries:
        if reg.module is None or reg.source not in ("env.py", "create_all"):
            continue
        facts = project.facts(reg.module)
        if facts.error is not None:
            continue
        for stmt in facts.imports:
            if stmt.scope != "module":
                continue
            for mod in executed_by(project, reg.module, stmt):
                if mod.path not in seen:
                    seen.add(mod.path)
                    out.append(Registry(mod.path, mod, "loaded", ()))
    return out


class Analysis:
    """A resolved project plus the per-registry coverage the rules share."""

    def __init__(self, project: Project, paths_indexed: Sequence[str], store=None, extra_candidates=()):
        self.project = project
        self.config = project.config
        self.require = project.config.require
        self.store = store
        self.extra_candidates = set(extra_candidates)  # e.g. the language server's open buffers
        self.names: set = set()
        if store is not None and not store.full:
            self.models: List[ModelInfo] = self._prefiltered_models()
        else:
            self.models = project.models()
        check_configured_bases(project)
        self.registries: List[Registry] = project.registries()
        self.registries += self._implied_registries()
        self.registries += loaded_registries(project, self.registries)
        self._paths = paths_indexed
        self._reach: Dict[str, set] = {}
        self._direct: Dict[str, Coverage] = {}
        self._governing: Dict[tuple, List[Registry]] = {}
        self._opaque: Dict[str, List[Tuple[str, int, int]]] = {}
        self._styles: Dict[str, "style.Style"] = {}
        self._late_errors: Dict[str, Optional[Tuple[int, int, str]]] = {}
        from .store import read_bytes

        self.read = read_bytes  # the language server reads its unsaved buffers instead
        self.unnamed: Sequence[str] = ()  # files of the project whose path is no importable module name
        self._reach_memo: Dict[str, dict] = {}  # registry path -> module path -> runs that registry

    def _prefiltered_models(self) -> List[ModelInfo]:
        """Models of the files that may define one, growing the model-ish vocabulary to a fixpoint."""
        from .index import LIBRARY_NAMES

        names = set(LIBRARY_NAMES) | {b.rpartition(".")[2] for b in self.config.bases}
        project, by_path = self.project, self.project.by_path
        # the fixpoint, semi-naively: each round reads only the candidates the last one's new names
        # added (a chain of subclasses across 3,000 modules is 3,000 rounds)
        candidates = set(self.store.candidates(names)) | (self.extra_candidates & set(by_path))
        fresh = sorted(candidates)
        aliases: Dict[str, set] = {}  # `from x import NAME as ALIAS` in the candidates: NAME -> aliases
        new_names = names
        while True:
            modules = [by_path[p] for p in fresh]
            self.store.prefetch(modules)  # (parsed side by side, not one by one on demand)
            found = project.modelish_names(modules, names)  # (their aliases of any known name included)
            for module in modules:
                for stmt in project.facts(module).imports:
                    if stmt.is_from:
                        for name, asname in stmt.names:
                            if asname:
                                aliases.setdefault(name, set()).add(asname)
            for name in new_names:  # older candidates' aliases of the names found last round
                found |= aliases.get(name, set())
            new_names = found - names
            if not new_names:
                break
            names |= new_names
            fresh = sorted(p for p in self.store.more_candidates(names, new_names) if p not in candidates)
            candidates.update(fresh)
        project.candidates = candidates
        self.names = names
        return project.models()

    def _implied_registries(self) -> List[Registry]:
        """Where a registry should be for each base that has models but none governs it (MR004).

        Not for a base whose models all sit in its own module (whoever imports the base has them),
        nor for one used only by tests."""
        keys: Dict[str, List[str]] = {}
        for m in self.models:
            if m.abstract or self.self_registered(m):
                continue
            if any(self.project.governs(r, m.base, m.module.root) for r in self.registries):
                continue
            info = self.project.bases.get(m.base)
            anchor = info.module if info is not None and info.module is not None else m.module
            path = os.path.join(os.path.dirname(anchor.path), REGISTRY_FILENAME)
            found = keys.setdefault(path, [])
            if m.base not in found:
                found.append(m.base)
        out = []
        for path, bases in keys.items():
            if all(self._test_only(key) for key in bases):
                continue
            out.append(Registry(path, None, "missing", tuple(bases)))
        return out

    def _test_only(self, base_key: str) -> bool:
        """The base and all its models live in test modules."""
        from .resolve import _is_test_path

        info = self.project.bases.get(base_key)
        paths = [m.module.path for m in self.models if m.base == base_key]
        if info is not None and info.module is not None:
            paths.append(info.module.path)
        return bool(paths) and all(_is_test_path(os.path.relpath(p, self.config.root)) for p in paths)

    def self_registered(self, model: ModelInfo) -> bool:
        """A model defined in its base's own module (whoever imports the base has it), or a subclass that
        adds no table and no column (single-table inheritance for typing: the metadata is the same)."""
        if model.adds_nothing:
            return True
        info = self.project.bases.get(model.base)
        return info is not None and info.module is not None and info.module.path == model.module.path

    def missing_registry_models(self, registry_path: str) -> List[ModelInfo]:
        reg = next((r for r in self.registries if r.path == registry_path), None)
        if reg is None:
            return []
        return [
            m for m in self.models
            if not m.abstract and not self.self_registered(m) and self.project.governs(reg, m.base, m.module.root)
        ]

    def rel(self, path: str) -> str:
        return os.path.relpath(path, self.config.root).replace(os.sep, "/")

    def governing(self, model: ModelInfo) -> List[Registry]:
        key = (model.base, model.module.root)
        regs = self._governing.get(key)
        if regs is None:
            regs = self._governing[key] = [
                r for r in self.registries if self.project.governs(r, model.base, model.module.root)
            ]
        return regs

    def direct(self, reg: Registry) -> Coverage:
        cov = self._direct.get(reg.path)
        if cov is None:
            if reg.module is None:
                cov = Coverage(set(), set(), [])
            else:
                cov = direct_coverage(self.project, reg.module)
            self._direct[reg.path] = cov
        return cov

    def reach(self, reg: Registry) -> set:
        r = self._reach.get(reg.path)
        if r is None:
            r = self._reach[reg.path] = reachable(self.project, reg.module) if reg.module is not None else set()
        return r

    def opaque(self, reg: Registry) -> List[Tuple[str, int, int]]:
        """(path, line, col) of the imports by computed name that modelreg cannot follow: in the registry,
        and in `reachable` mode in any module importing the registry runs."""
        if reg.module is None:
            return []
        found = self._opaque.get(reg.path)
        if found is None:
            found = [(reg.path, line, col) for line, col in self.direct(reg).unknown_dynamic]
            if self.require == "reachable":
                by_path = self.project.by_path
                dynamic = sorted(
                    p for p in self.reach(reg) if p != reg.path and self.project.has_dynamic_imports(by_path[p])
                )
                for path in dynamic:
                    mod = self.project.by_path[path]
                    facts = self.project.facts(mod)
                    _, unknown = dynamic_targets(self.project, mod, facts, run_scopes(facts))
                    found.extend((path, line, col) for line, col in unknown)
            self._opaque[reg.path] = found
        return found

    def registers(self, reg: Registry, model: ModelInfo) -> bool:
        if reg.module is None:
            return False
        if self.self_registered(model):
            return True
        reach = self.reach(reg) if self.require == "reachable" else set()
        return is_registered(model, self.require, reach, self.direct(reg))

    def style(self, reg: Registry) -> "style.Style":
        st = self._styles.get(reg.path)
        if st is None:
            st = self._styles[reg.path] = style.detect(self.project, reg.module, self.require)
        return st

    def suggestion(self, reg: Registry, model: ModelInfo) -> str:
        memo = self._reach_memo.setdefault(reg.path, {})
        return style.safe_statement(self.project, self.style(reg), reg.module, model.module, [model.name], memo)

    def errors(self) -> Iterable[Tuple[str, Tuple[int, int, str]]]:
        """Files this analysis needed to read (candidates, registries and what they import) that failed."""
        project = self.project
        roots = set(project.candidates) if project.candidates is not None else set(project.by_path)
        roots.update(r.path for r in self.registries if r.module is not None)
        for reach in self._reach.values():
            roots |= reach
        found = {p: e for p, e in self._late_errors.items() if e is not None}
        for path in project.read_paths(roots):
            error = project.error_of(project.by_path[path])
            if error is not None:
                found[path] = error
        return sorted(found.items())

    def full_parse_error(self, module) -> Optional[Tuple[int, int, str]]:
        """The error a full parse finds in a file the fast path read (which skips class and function
        bodies): asked before a verdict on its models, so a syntax error in a model's body is MR100,
        not an MR001 whose fix would make the registry fail to import."""
        path = module.path
        if path not in self._late_errors:
            error = None
            if self.store is not None and not self.store.full:
                from .index import index_source

                data = self.read(path)
                error = index_source(data, fast=False).error if data is not None else None
            self._late_errors[path] = error
        return self._late_errors[path]

    def diagnostic(
        self,
        code: str,
        message: str,
        path: str,
        line: int,
        col0: int,
        length: int,
        *,
        model: Optional[str] = None,
        registry: Optional[str] = None,
        fixable: bool = False,
        fix: Optional[tuple] = None,
    ) -> Diagnostic:
        return Diagnostic(
            code=code,
            message=message,
            path=path,
            line=line,
            column=col0 + 1,
            end_line=line,
            end_column=col0 + 1 + max(length, 1),
            model=model,
            registry=registry,
            fixable=fixable,
            fix=fix,
        )


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


def analyze(
    cfg: config_mod.Config,
    facts_of=None,
    full: bool = False,
    use_cache: bool = True,
    files=None,
    stats=None,
    cache=None,
    structure: Optional[str] = None,
) -> Analysis:
    """Discover, index and resolve. ``facts_of`` supplies facts directly (the language server);
    ``full`` parses every file instead of only those the prefilter cannot rule out; ``cache``: the
    index cache, when the caller has opened it already."""
    files = discover.walk(cfg) if files is None else files
    mods = _modules(cfg, files, structure if use_cache and facts_of is None else None)
    paths = [m.path for m in mods]
    named = set(paths)
    unnamed = [f for f in files if f not in named]  # no importable module name (`my-scripts/x.py`)
    if facts_of is not None:
        analysis = Analysis(Project(cfg, mods, facts_of), paths)
        analysis.unnamed = unnamed
        return analysis
    from .cache import open_cache
    from .store import FactStore

    if cache is None and use_cache:
        cache = open_cache(cfg.root, cfg.cache_dir, cache_key(cfg))
    store = FactStore(mods, cache, full=full, triggers=[b.rpartition(".")[2] for b in cfg.bases])
    store.prepare(stats)
    project = Project(cfg, mods, store.facts)
    if cache is not None and not full:
        project = _take_over(cfg, mods, store) or project
    analysis = Analysis(project, paths, store)
    analysis.unnamed = unnamed
    return analysis


def _modules(cfg: config_mod.Config, files: Sequence[str], structure: Optional[str]) -> list:
    """The modules of the files; with a structure fingerprint (the file list, directory listings and
    settings), the ones named last time for the same structure come from the cache."""
    from .imports import name_modules

    if structure is None:
        return name_modules(files, cfg)[0]
    from . import cache as cache_mod
    from .types import Module

    saved = cache_mod.load_modules(cfg.root, cfg.cache_dir, structure)  # (it covers the packages above the root)
    if saved is not None:
        new = tuple.__new__
        return [new(Module, m) for m in saved]
    mods, _, naming = name_modules(files, cfg)
    if not naming.evidence_files:  # names read from imports follow the files' bytes, not the structure
        cache_mod.save_modules(cfg.root, cfg.cache_dir, structure, mods)
    return mods


def _modules_id(cfg: config_mod.Config, mods: Sequence) -> str:
    """The module list and the settings: module names follow from the paths, the settings and the
    packages above the root."""
    import hashlib

    h = hashlib.sha256(repr((repr(cfg), discover.import_root_of(cfg.root))).encode())
    h.update("\0".join([f"{m.path}\1{m.name}\1{m.root}" for m in mods]).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _take_over(cfg: config_mod.Config, mods: Sequence, store) -> Optional[Project]:
    """A project holding the last run's results except those that read a file whose facts changed
    since (the CLI's counterpart of the language server's Session); None when there are none to take."""
    from . import cache as cache_mod

    saved = cache_mod.load_state(cfg.root, cfg.cache_dir, cache_key(cfg), _modules_id(cfg, mods))
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


# A run that recomputed at most this many modules' results leaves the saved state as it is: the
# next run recomputes them again (milliseconds) rather than this one rewriting the state (tens).
STATE_REWRITE_AFTER = 50


def _digest(blob: bytes) -> bytes:
    import hashlib

    return hashlib.blake2b(blob, digest_size=16).digest()


def _save_state(analysis: Analysis) -> None:
    """Save the resolved project's per-module results for the next run (see _take_over)."""
    from . import cache as cache_mod

    cfg, project, entries = analysis.config, analysis.project, analysis.store.entries
    if project.taken_over is not None and len(project.taken_over) <= STATE_REWRITE_AFTER:
        return
    facts = {}
    for path in project.files_read():
        entry = entries.get(path)
        if entry is None or entry[3] is None:
            return  # facts from outside the store (not expected): save nothing rather than a wrong state
        facts[path] = _digest(entry[3])
    state = project.export_state()
    cache_mod.save_state(cfg.root, cfg.cache_dir, cache_key(cfg), _modules_id(cfg, project.modules), facts, state)


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
            changed = [p for p, f in last._facts.items() if (now := facts_of(last.by_path[p])) is not f and now != f]
            project.inherit(last, changed)
        self.last = project
        analysis = Analysis(project, [m.path for m in self.modules], self.store, extra_candidates=extra_candidates)
        if self.read is not None:
            analysis.read = self.read
        return analysis, run_rules(analysis, [])


def cache_key(cfg: config_mod.Config) -> str:
    """What, besides a file's bytes, its cached index depends on."""
    return "bases=" + ",".join(sorted(cfg.bases))


def _scopes(paths: Sequence[str], cfg: config_mod.Config) -> List[str]:
    """The PATHs diagnostics are reported for; none (everything) when one of them is the project root."""
    scopes = [os.path.abspath(p) for p in paths]
    return [] if cfg.root in scopes else scopes


def _under(path: str, scopes: Sequence[str]) -> bool:
    return any(path == s or path.startswith(s.rstrip(os.sep) + os.sep) for s in scopes)


def _in_scope(analysis: Analysis, d: Diagnostic, scopes: Sequence[str]) -> bool:
    """Whether a diagnostic concerns the PATHs given.

    Directories: diagnostics located under them. Files (what pre-commit passes):
    diagnostics located in those files, plus everything located in a registry
    (a stale import breaks the project whichever file the commit touched), plus
    MR001 caused by a passed registry (a line removed from it).
    """
    if not scopes or _under(d.path, scopes):
        return True
    files = [s for s in scopes if not os.path.isdir(s)]
    if not files:
        return False
    registries = {r.path for r in analysis.registries}
    return d.path in registries or (d.registry is not None and d.registry in files)


def run_rules(analysis: Analysis, scopes: Sequence[str], unknown: Optional[list] = None) -> List[Diagnostic]:
    """The diagnostics of the enabled rules under ``scopes``, less those suppressed. ``unknown``
    collects the unknown rule codes of the noqa comments consulted (see _suppressed)."""
    out = []
    cfg = analysis.config
    enabled = set(cfg.enabled())
    per_file: Dict[str, Tuple[str, ...]] = {}
    for rule in rules.RULES:
        if rule.CODE not in enabled:
            continue
        for d in rule.check(analysis):
            if not _in_scope(analysis, d, scopes):
                continue
            if cfg.per_file_ignores:
                off = per_file.get(d.path)
                if off is None:
                    off = per_file[d.path] = cfg.ignored_in(analysis.rel(d.path))
                if d.code in off:
                    continue
            if _suppressed(analysis, d, unknown):
                continue
            out.append(d)
    out.sort(key=lambda d: (d.path, d.line, d.column, d.code))
    return out


_EXPLICIT_ONLY = frozenset({"MR002"})
FILE_NOQA_LINE = 0  # the index records a file-level `# modelreg: noqa[: codes]` at line 0


def _suppressed(analysis: Analysis, d: Diagnostic, unknown: Optional[list] = None) -> bool:
    """Whether a `# noqa` comment hides the diagnostic. The codes of a file-level `# modelreg: noqa`
    consulted that name no rule are added to ``unknown`` as (path, 0, code). (The codes of a
    line's `# noqa` may be other tools': they are not checked.)"""
    mod = analysis.project.by_path.get(d.path)
    if mod is None:
        return False
    facts = analysis.project.facts(mod)
    if d.code == "MR100":
        return False
    whole_file = _file_directive(facts)
    if whole_file is not None:
        if unknown is not None:
            unknown.extend((d.path, FILE_NOQA_LINE, c) for c in whole_file if c not in rules.BY_CODE)
        if whole_file == () or d.code in whole_file:
            return True
    codes = facts.noqa_codes(d.line)
    if codes is None:
        return False
    if codes == ():
        # a bare `# noqa` (the FastAPI template puts one on every registry line, meant for F401)
        # does not hide an import that breaks the registry: only `# noqa: MR002` does
        return d.code not in _EXPLICIT_ONLY
    return d.code in codes


def _file_directive(facts) -> Optional[Tuple[str, ...]]:
    """The file-level `# modelreg: noqa` lines together: None (none), () (a bare one: every code), or codes."""
    found: Optional[Tuple[str, ...]] = None
    for line, codes in facts.noqa:
        if line == FILE_NOQA_LINE:
            if codes is None:
                return ()
            found = (found or ()) + codes
    return found


def unknown_codes_error(unknown: Sequence[Tuple[str, int, str]]) -> config_mod.ConfigError:
    path, line, code = sorted(set(unknown))[0]
    return config_mod.ConfigError(
        f"{os.path.relpath(path)}: `# modelreg: noqa` names unknown rule code {code!r} "
        f"(known: {', '.join(rules.BY_CODE)})"
    )


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
    scopes = _scopes(paths, cfg)
    files = stats = fingerprint = struct = None
    opened: list = []  # the index cache, when opened while trying to reuse the report
    if reuse and use_cache and not full:
        from .warm import probe

        started, files, stats, struct, fingerprint, stored = probe(cfg, scopes)
        from . import migration_check

        if stored is not None and migration_check.fresh(cfg) and (
            stored.fingerprint == fingerprint or _refreshed(cfg, stored, struct, fingerprint, stats, opened, started)
        ):
            return Report(
                cfg.root, [Diagnostic(*d) for d in stored.diagnostics], stored.files, [], [], model_count=stored.models
            )
    try:
        analysis = analyze(
            cfg,
            full=full,
            use_cache=use_cache,
            files=files,
            stats=stats,
            cache=opened[0] if opened else None,
            structure=struct,
        )
        unknown: list = []
        diagnostics = run_rules(analysis, scopes, unknown)
    except (RecursionError, MemoryError, config_mod.ConfigError):
        raise
    except Exception:
        if not use_cache:
            raise
        # a cache that decodes but holds what modelreg never writes (crafted, or from a buggy
        # version): drop it and analyze from the files alone - a cache never makes a run fail
        from . import cache as cache_mod

        cache_mod.discard(cfg.root, cfg.cache_dir)
        analysis = analyze(cfg, full=full, use_cache=False, files=files, stats=stats)
        unknown = []
        diagnostics = run_rules(analysis, scopes, unknown)
        fingerprint = None
    if analysis.store is not None:
        analysis.store.save(analysis.names)
        if use_cache and not full:
            _save_state(analysis)
    if unknown:  # no report is stored: the next run finds the same comment and says so again
        raise unknown_codes_error(unknown)
    if fingerprint is not None:
        from . import cache as cache_mod

        n_models = sum(1 for m in analysis.models if not m.abstract)
        index_id = analysis.store.cache.id if analysis.store is not None and analysis.store.cache is not None else None
        stored = cache_mod.StoredResult(
            fingerprint, struct, index_id, cache_mod.diagnostic_rows(diagnostics), len(analysis._paths), n_models
        )
        cache_mod.save_result(cfg.root, cfg.cache_dir, stored)
    return Report(
        root=cfg.root,
        diagnostics=diagnostics,
        files=len(analysis._paths),
        models=analysis.models,
        registries=analysis.registries,
        analysis=analysis,
    )


def _check_buffer(cfg: config_mod.Config, path: str, data: bytes, use_cache: bool) -> Report:
    """Check the project with ``data`` as the text of ``path`` (which need not exist on disk), as
    the language server does with an open document; report only what is located in it. The cache is
    read, never written (it describes the files on disk)."""
    from .cache import open_cache
    from .index import index_source
    from .store import FactStore

    files = discover.walk(cfg)
    if path not in files and path.endswith(".py"):
        files = sorted(files + [path])
    mods = discover.modules(files, cfg)[0]
    cache = open_cache(cfg.root, cfg.cache_dir, cache_key(cfg)) if use_cache else None
    on_disk = [m for m in mods if m.path != path or os.path.exists(path)]
    store = FactStore(on_disk, cache, triggers=[b.rpartition(".")[2] for b in cfg.bases])
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


# Above this many files changed since the previous report, analyzing is as quick as comparing.
REFRESH_LIMIT = 200


def _refreshed(cfg, stored, struct: str, fingerprint: str, stats, opened: list, started: Optional[int] = None) -> bool:
    """Whether the previous report still holds although some files' bytes changed: nothing else
    changed (same structure) and no changed file changed anything modelreg reads from it (a comment,
    a method body, a column). The cache then takes the new stat keys, and the report the new fingerprint."""
    from . import cache as cache_mod
    from .store import unchanged

    if stored.structure != struct or stored.index_id is None:
        return False
    cache = cache_mod.open_cache(cfg.root, cfg.cache_dir, cache_key(cfg))
    opened.append(cache)  # unchanged unless the report is reused: the analysis takes it
    if cache.id != stored.index_id:
        return False  # the index is not the one the report was computed from
    entries = cache.entries
    # a walked file without an entry was no module (an invalid name) when the report was made
    changed = [p for p, key in stats.items() if p in entries and tuple(entries[p][0]) != key]
    if len(changed) > REFRESH_LIMIT:
        return False
    fresh = unchanged(cache, changed, [b.rpartition(".")[2].encode() for b in cfg.bases])
    if fresh is None:
        return False
    if fresh:
        updated = dict(entries)
        updated.update(fresh)
        cache.save(updated, cache.names, started)
    cache_mod.save_result(cfg.root, cfg.cache_dir, stored._replace(fingerprint=fingerprint, index_id=cache.id))
    return True


def inventory(report: Report) -> dict:
    """The `modelreg models --format json` document."""
    analysis = report.analysis
    rel = analysis.rel
    models = []
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
            }
        )
    registries = [
        {"path": rel(r.path), "module": r.module.name if r.module else None, "source": r.source}
        for r in report.registries
        if r.source != "loaded"
    ]
    return {"root": report.root, "models": models, "registries": registries}


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
) -> FixOutcome:
    """Fix what can be fixed (registries, and env.py for MR003), then check again.

    Fixes are planned in passes over the edited text, held in memory, until a pass
    changes nothing: removing a stale import can leave models unregistered that
    only it loaded, and the next pass registers them - one run, one write per file.
    ``dry_run`` plans without writing (``--diff`` shows exactly what ``--fix`` writes).
    """
    import contextlib

    from . import fix as fix_mod
    from .index import index_source

    paths = list(paths) or ["."]
    cfg = load_config(paths, config_file, options, require=require)
    lock = contextlib.nullcontext() if dry_run else fix_mod.project_lock(cfg.root)
    with lock:
        before = check(paths, config_file=config_file, require=require, use_cache=use_cache, options=options)
        analysis, diagnostics = before.analysis, before.diagnostics
        scopes = _scopes(paths, cfg)
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
            store = analysis.store  # check() always analyzes through a store
            mods = analysis.project.modules

            def facts_of(m, store=store):
                return index_source(overlay[m.path]) if m.path in overlay else store.facts(m)

            analysis = Analysis(Project(cfg, mods, facts_of), [m.path for m in mods], store)
            diagnostics = run_rules(analysis, scopes)
        fixes = [fx for fx in done.values() if fx.new != originals[fx.path]]
        for fx in fixes:
            fx.old = originals[fx.path]
        if dry_run or not fixes:
            return FixOutcome(fixes, errors, before, written=False)
        written = []
        for fx in fixes:
            try:
                fix_mod.write(fx, cfg.root)
                written.append(fx)
            except fix_mod.FixError as exc:
                errors.append((fx.path, str(exc)))
            except OSError as exc:
                errors.append((fx.path, f"cannot write: {exc.strerror or exc}; the file is unchanged"))
        after = check(paths, config_file=config_file, require=require, use_cache=use_cache, options=options) if written else before
        return FixOutcome(written, errors, after, written=bool(written))
