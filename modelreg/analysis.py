"""The per-run view the rules read: a resolved project plus the registries that govern each model,
what each registry reaches and covers, and how a diagnostic is built.

``analyze(cfg)`` makes one from the files on disk (discover, index through the cache, resolve);
the language server and ``fix()`` build one over their own facts.
"""

from __future__ import annotations

import os
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from . import config as config_mod
from . import discover, style
from .resolve.coverage import Coverage, direct_coverage, is_registered
from .resolve.reach import computed_name_start, could_load, dynamic_targets, entry_unknowns, reachable, run_scopes
from .resolve.registries import REGISTRY_FILENAME, is_test_path
from .resolve import startup as startup_mod
from .resolve import Project
from .types import Diagnostic, ModelInfo, Module, Registry


def check_configured_bases(project: Project) -> None:
    """Every configured base must name something. A `base` in [[tool.modelreg.registries]] names a base,
    a Flask-SQLAlchemy object, a registry or a MetaData of the project; one in `base = [...]` a name its
    module binds. A name of a package outside the project (a library's base, which modelreg cannot see)
    must at least be a package the project imports: a typo in the top package (`pypi_rog.data.Base`)
    names nothing, whatever its depth. Else ConfigError (exit 2)."""
    where = project.config.config_file
    for spec in project.config.registries:
        if spec.base:
            what = f"{where}: [[tool.modelreg.registries]] base {spec.base}"
            _check_dotted(project, spec.base, what, strict=True)
    for base in project.config.bases:
        _check_dotted(project, base, f"{where}: [tool.modelreg] base {base}", strict=False)


def _check_dotted(project: Project, dotted: str, what: str, strict: bool) -> None:
    parts = dotted.split(".")
    by_name = {m.name: m for m in project.modules}
    for i in range(len(parts) - 1, 0, -1):
        module = by_name.get(".".join(parts[:i]))
        if module is None:
            continue
        if strict:
            value = project.eval_name(module, ".".join(parts[i:]))
            if value is not None and value[0] in ("base", "db", "registry", "metadata"):
                return
            if value is not None and value[0] == "class" and project.classify(value[1], value[2]).kind == "base":
                return
            raise config_mod.ConfigError(
                f"{what} names no declarative base, Flask-SQLAlchemy object, registry or MetaData of the project"
            )
        facts = project.facts(module)
        if facts.error is not None or facts.has_getattr or parts[i] in facts.defined:
            return
        raise config_mod.ConfigError(f"{what}: module {module.name} binds no name {parts[i]}")
    if parts[0] in project.all_tops:
        raise config_mod.ConfigError(f"{what} names no module of the project")
    if not _imported_anywhere(project, parts[0]):
        raise config_mod.ConfigError(
            f"{what} names nothing: {parts[0]} is neither a package of the project nor one it imports"
        )


def _imported_anywhere(project: Project, top: str) -> bool:
    """Whether a module of the project imports package ``top`` (absolutely): the import statements of
    the files already read (the prefilter's candidates), then the import lines of the others, read as
    text (rarely: only for a configured base of a package outside the project)."""
    from .imports import import_lines
    from .store import read_bytes

    read = project.candidates if project.candidates is not None else {m.path for m in project.modules}
    for path in read:
        module = project.by_path.get(path)
        for stmt in project.facts(module).imports if module is not None else ():
            if stmt.level:
                continue
            names = [stmt.module] if stmt.is_from else [name for name, _ in stmt.names]
            if any(n.split(".")[0] == top for n in names):
                return True
    word = top.encode()
    for module in project.modules:
        if module.path in read:
            continue
        data = read_bytes(module.path)
        if data and word in data and any(n.split(".")[0] == top for n in import_lines(data)):
            return True
    return False


def loaded_registries(project: Project, registries: Sequence[Registry]) -> List[Registry]:
    """The project modules an env.py or create_all() registry imports directly (mealie's `_all_models.py`
    behind env.py): one hop behind the registry, checked for stale imports (MR002) but governing no base."""
    from .resolve.reach import executed_by

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


def prefiltered_models(project: Project, store, extra_candidates=()) -> Tuple[List[ModelInfo], set]:
    """The models of the files that may define one, and the model-ish vocabulary grown to a fixpoint:
    a file is read only once a name it spells (a base, a model-ish class of a file read) makes it a
    candidate. ``extra_candidates``: paths read whatever they spell (the language server's buffers)."""
    from .index import LIBRARY_NAMES

    names = set(LIBRARY_NAMES) | {b.rpartition(".")[2] for b in project.config.bases}
    by_path = project.by_path
    # the fixpoint, semi-naively: each round reads only the candidates the last one's new names
    # added (a chain of subclasses across 3,000 modules is 3,000 rounds)
    candidates = set(store.candidates(names)) | (set(extra_candidates) & set(by_path))
    fresh = sorted(candidates)
    aliases: Dict[str, set] = {}  # `from x import NAME as ALIAS` in the candidates: NAME -> aliases
    new_names = names
    while True:
        modules = [by_path[p] for p in fresh]
        store.prefetch(modules)  # (parsed side by side, not one by one on demand)
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
        fresh = sorted(p for p in store.more_candidates(names, new_names) if p not in candidates)
        candidates.update(fresh)
    project.candidates = candidates
    return project.models(), names


def self_registered(project: Project, model: ModelInfo) -> bool:
    """A model defined in its base's own module (whoever imports the base has it), or a subclass that
    adds no table and no column (single-table inheritance for typing: the metadata is the same)."""
    if model.adds_nothing:
        return True
    info = project.bases.get(model.base)
    return info is not None and info.module is not None and info.module.path == model.module.path


def implied_registries(project: Project, models: Sequence[ModelInfo], registries: Sequence[Registry]) -> List[Registry]:
    """Where a registry should be for each base that has models but none governs it (MR004).

    Not for a base whose models all sit in its own module (whoever imports the base has them),
    nor for one used only by tests. A base that has a gathering module (see gathering_modules) has
    its registry there: it exists, and adding a line to it is what the project does."""
    keys: Dict[str, List[str]] = {}
    ungoverned = [
        m for m in models
        if not m.abstract and not self_registered(project, m)
        and not any(project.governs(r, m.base, m.module.root) for r in registries)
    ]
    gathered = gathering_modules(project, models, {m.base for m in ungoverned})
    out = [Registry(mod.path, mod, "gathers models", (key,)) for key, mod in gathered.items()]
    for m in ungoverned:
        if m.base in gathered:
            continue
        info = project.bases.get(m.base)
        anchor = info.module if info is not None and info.module is not None else m.module
        path = os.path.join(os.path.dirname(anchor.path), REGISTRY_FILENAME)
        found = keys.setdefault(path, [])
        if m.base not in found:
            found.append(m.base)
    for path, bases in keys.items():
        if all(_test_only(project, models, key) for key in bases):
            continue
        out.append(Registry(path, None, "missing", tuple(bases)))
    return out


def gathering_modules(project: Project, models: Sequence[ModelInfo], keys) -> Dict[str, Module]:
    """base key -> the module that gathers its models, for the bases of `keys`: a module of application
    code (not a test) made of imports only (a docstring and `__all__` aside: it runs nothing else),
    binding the base itself and importing at least one of the base's model modules - the FastAPI
    template's `app/db/base.py` ("import all the models, so that Base has them before being imported
    by Alembic"). Of several, the one whose import loads the most of the base's models; a tie names
    none (MR004 stays)."""
    if not keys:
        return {}
    root = project.config.root
    by_base: Dict[str, set] = {}
    for m in models:
        if m.base in keys and not m.abstract:
            by_base.setdefault(m.base, set()).add(m.module.path)
    paths = project.candidates if project.candidates is not None else {m.path for m in project.modules}
    found: Dict[str, List[Tuple[int, str, object]]] = {}
    for module in project.modules:
        if module.path not in paths or is_test_path(os.path.relpath(module.path, root)):
            continue
        facts = project.facts(module)
        bound = _import_only(facts)
        if bound is None:
            continue
        for name in bound:
            key = _base_key(project, module, name)
            if key is None or key not in by_base:
                continue
            loads = len(by_base[key] & (reachable(project, module) - {module.path}))
            if loads:
                found.setdefault(key, []).append((loads, module.path, module))
    out = {}
    for key, rows in found.items():
        rows.sort(key=lambda r: (-r[0], r[1]))
        if len(rows) == 1 or rows[0][0] > rows[1][0]:
            out[key] = rows[0][2]
    return out


def _import_only(facts) -> Optional[set]:
    """The names a module binds, when it is made of module-level imports only (and `__all__`); else None."""
    if facts.error is not None or facts.classes or facts.called_functions or facts.dynamic_imports or facts.calls:
        return None
    bound = set()
    for stmt in facts.imports:
        if stmt.scope != "module":
            return None
        for name, asname in stmt.names:
            if name == "*":
                return None
            bound.add(stmt.bound(name, asname))
    if not set(facts.defined) <= bound | {"__all__"}:
        return None
    return bound


def _base_key(project: Project, module, name: str) -> Optional[str]:
    """The key of the declarative base (or Flask db, registry, MetaData) a module-level name is."""
    value = project.eval_name(module, name)
    if value is None:
        return None
    if value[0] in ("base", "db", "registry", "metadata"):
        return value[1]
    if value[0] == "class":
        kind = project.classify(value[1], value[2])
        if kind.kind == "base":
            return kind.base
    return None


def _test_only(project: Project, models: Sequence[ModelInfo], base_key: str) -> bool:
    """The base and all its models live in test modules."""

    info = project.bases.get(base_key)
    paths = [m.module.path for m in models if m.base == base_key]
    if info is not None and info.module is not None:
        paths.append(info.module.path)
    return bool(paths) and all(is_test_path(os.path.relpath(p, project.config.root)) for p in paths)


class Analysis:
    """A resolved project plus the per-registry coverage the rules share."""

    def __init__(self, project: Project, paths_indexed: Sequence[str], store=None, extra_candidates=()):
        self.project = project
        self.config = project.config
        self.require = project.config.require
        self.store = store
        self.extra_candidates = set(extra_candidates)  # e.g. the language server's open buffers
        self.names: set = set()  # the model-ish names the prefilter grew (see prefiltered_models)
        if store is not None and not store.full:
            self.models, self.names = prefiltered_models(project, store, self.extra_candidates)
        else:
            self.models = project.models()
        check_configured_bases(project)
        self.registries: List[Registry] = project.registries()
        self.registries += implied_registries(project, self.models, self.registries)
        self.registries += loaded_registries(project, self.registries)
        self._paths = paths_indexed
        self._reach: Dict[str, set] = {}
        self._direct: Dict[str, Coverage] = {}
        self._governing: Dict[tuple, List[Registry]] = {}
        self._opaque: Dict[str, List[Tuple[str, int, int]]] = {}
        self._could_load: Dict[str, Optional[Tuple[List[str], set]]] = {}
        self._styles: Dict[str, "style.Style"] = {}
        self._late_errors: Dict[str, Optional[Tuple[int, int, str]]] = {}
        from .store import read_bytes

        self.read = read_bytes  # the language server reads its unsaved buffers instead
        self.unnamed: Sequence[str] = ()  # files of the project whose path is no importable module name
        self._reach_memo: Dict[str, dict] = {}  # registry path -> module path -> runs that registry
        self._startups: Dict[str, List[startup_mod.Startup]] = {}
        self._bindings: Optional[startup_mod.Bindings] = None
        self._conflicts: Dict[Tuple[str, str], Optional[tuple]] = {}

    def self_registered(self, model: ModelInfo) -> bool:
        return self_registered(self.project, model)

    def startups(self, reg: Registry) -> List[startup_mod.Startup]:
        """The stacks under which the registry first runs on the application's startup paths."""
        if reg.module is None:
            return []
        found = self._startups.get(reg.path)
        if found is None:
            is_test = lambda path: is_test_path(self.rel(path))  # noqa: E731
            found = self._startups[reg.path] = startup_mod.startups(self.project, reg.module, is_test)
        return found

    def startup_conflict(self, reg: Registry, target) -> Optional[Tuple[startup_mod.Conflict, Optional[object]]]:
        """(why importing `target` at the end of the registry would read a name of a module still part-way
        run, the module at whose end that line would be safe or None), or None when it would not."""
        if reg.module is None:
            return None
        key = (reg.path, target.path)
        if key not in self._conflicts:
            self._conflicts[key] = self._startup_conflict(reg, target)
        return self._conflicts[key]

    def _startup_conflict(self, reg: Registry, target):
        if self._bindings is None:
            self._bindings = startup_mod.Bindings(self.project, self.read)
        for s in self.startups(reg):
            found = startup_mod.conflict(self.project, s, reg.module, target, self._bindings)
            if found is not None:
                return found, startup_mod.safe_place(self.project, s, reg.module, target, self._bindings)
        return None

    def left_out_by_env(self, model: ModelInfo) -> bool:
        """Whether an Alembic env.py targeting the model's base keeps its table out of autogenerate by
        name (`include_name` / `include_object` returning False for it): autogenerate neither creates
        nor drops that table whatever the registry imports, so no registry line is needed."""
        if not model.table:
            return False
        project = self.project
        return any(
            model.table in project.facts(env.module).excluded_tables
            for env in project.alembic_envs()
            if any(key == model.base for key, _ in env.targets)
        )

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
            r = self._reach[reg.path] = reachable(self.project, reg.module, reg.entry) if reg.module is not None else set()
        return r

    def opaque(self, reg: Registry) -> List[Tuple[str, int, int]]:
        """(path, line, col) of the imports by computed name that modelreg cannot follow: in the registry,
        and in `reachable` mode in any module importing the registry runs."""
        if reg.module is None:
            return []
        found = self._opaque.get(reg.path)
        if found is None:
            found = [(reg.path, line, col) for line, col in self.direct(reg).unknown_dynamic]
            if reg.entry is not None:
                found.extend(entry_unknowns(self.project, reg.module, reg.entry))
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

    def could_load(self, reg: Registry) -> Optional[Tuple[List[str], set]]:
        """What the registry's imports by computed name (`opaque`) can load: (the starts of their names,
        the paths of the project modules so named and of what those import), or None when one of them
        can load any module (nothing of its name is known)."""
        if reg.path not in self._could_load:
            starts: List[str] = []
            for path, line, col in self.opaque(reg):
                mod = self.project.by_path.get(path)
                start = computed_name_start(mod, self.project.facts(mod), line, col) if mod is not None else None
                if start is None:
                    self._could_load[reg.path] = None
                    return None
                if start not in starts:
                    starts.append(start)
            paths: set = set()
            for start in starts:
                paths |= could_load(self.project, start)
            self._could_load[reg.path] = (starts, paths)
        return self._could_load[reg.path]

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


def analyze(cfg: config_mod.Config, full: bool = False, use_cache: bool = True, last=None) -> Analysis:
    """Discover, index and resolve. ``full`` parses every file instead of only those the prefilter
    cannot rule out. ``last``: the run's :class:`modelreg.reuse.LastRun` (the files it walked, the
    index cache, the results the last run saved); without one, ``use_cache`` opens it here."""
    if last is None and use_cache:
        from .reuse import LastRun

        last = LastRun(cfg, full=full)
    files = last.files if last is not None and last.files is not None else discover.walk(cfg)
    if last is not None:
        mods = last.modules(files)
    else:
        from .imports import name_modules

        mods = name_modules(files, cfg)[0]
    paths = [m.path for m in mods]
    named = set(paths)
    unnamed = [f for f in files if f not in named]  # no importable module name (`my-scripts/x.py`)
    from .store import FactStore

    store = FactStore(mods, last.index() if last is not None else None, full=full, triggers=triggers(cfg))
    store.prepare(last.stats if last is not None else None)
    project = last.project(mods, store) if last is not None else None
    if project is None:
        project = Project(cfg, mods, store.facts)
    analysis = Analysis(project, paths, store)
    analysis.unnamed = unnamed
    return analysis


def triggers(cfg: config_mod.Config) -> List[str]:
    """The words whose presence makes a file worth indexing: the configured bases' own names."""
    return [b.rpartition(".")[2] for b in cfg.bases]
