"""The resolver's incremental state: every per-module result it has computed, which files each one
read, and how those results are carried over to the next analysis.

The evaluator, the classifier, the inventory and the import reach (modelreg.evaluate, .classify,
.inventory, .reach) memoize their per-module results in one :class:`Results`. While a module's
results are computed its path is on ``frames``; every file (facts) or other module's result read
meanwhile is recorded in ``used_by``. That dependency record is what lets a later analysis take the
results over, except those that can depend on a changed file:

- :meth:`Results.inherit`: from the previous analysis of a language-server session (in memory);
- :meth:`Results.export` / :meth:`Results.take_over`: through the CLI's cache (plain data, marshal).

Tables are updated in place (never rebound), so that the stages holding a reference to one keep
seeing the current contents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

from ..types import Assign, Call, FileFacts, ModelInfo, Module


@dataclass(frozen=True)
class BaseInfo:
    key: str  # unique: "<path>::<name>" (or "ext:<dotted>" for a library-provided base)
    name: str  # dotted display name, e.g. pypi_org.data.modelbase.SqlAlchemyBase
    module: Optional[Module]
    line: int
    how: str  # what made it a base, for `modelreg models`


@dataclass(frozen=True)
class ClassKind:
    kind: str  # "base" | "abstract" | "model" | "plain" | "sqlmodel" (pydantic only) | "sqlmodel_table" (unmapped)
    base: Optional[str] = None  # BaseInfo key


PLAIN = ClassKind("plain")


def _replace(table: dict, items) -> None:
    table.clear()
    table.update(items)


class Results:
    """The memo tables of one resolved project, with the record of what each module's results read."""

    def __init__(self, facts_of: Callable[[Module], FileFacts]):
        self._facts_of = facts_of
        self.facts_loaded: Dict[str, FileFacts] = {}  # path -> facts asked for here
        self.bindings: Dict[Tuple[str, str], object] = {}  # (path, name) -> value (modelreg.evaluate)
        self.classes: Dict[Tuple[str, str], ClassKind] = {}  # (path, class name) -> kind (modelreg.classify)
        self.deps: Dict[str, List[Module]] = {}  # path -> modules importing it runs (modelreg.reach)
        self.own_names: Dict[str, tuple] = {}  # path -> (model-ish names it binds, its `as` aliases)
        self.module_models: Dict[str, tuple] = {}  # path -> its models, tables, create_all calls, unverified
        self.bases: Dict[str, BaseInfo] = {}  # key -> every base, registry and MetaData met so far
        self.db_model_class: Dict[str, tuple] = {}  # Flask-SQLAlchemy db key -> (module, model_class expr)
        self.db_lines: Dict[str, tuple] = {}  # db key -> (module, display name, line)
        # for each file path, the modules whose results read it (its facts, or its own results)
        self.used_by: Dict[str, Set[str]] = {}
        # paths of the modules whose results are being computed (innermost last)
        self.frames: List[str] = []
        # results taken over from a saved state, decoded when first asked for
        self.saved_bindings: Dict[Tuple[str, str], object] = {}
        self.saved_classes: Dict[Tuple[str, str], tuple] = {}
        # files the saved run read whose facts are not loaded here: path -> (error, has dynamic imports)
        self.saved_reads: Dict[str, tuple] = {}
        self.fresh: Set[str] = set()  # files whose facts were asked for by this project

    # -- reading facts, recording who reads what -----------------------------------------

    def facts(self, module: Module) -> FileFacts:
        path = module.path
        self.fresh.add(path)
        frames = self.frames
        if frames and frames[-1] != path:
            self.use(path)
        f = self.facts_loaded.get(path)
        if f is None:
            f = self.facts_loaded[path] = self._facts_of(module)
        return f

    def reads(self, path: str) -> None:
        """Record that the module whose results are being computed (if any, and if not `path` itself)
        reads `path`: its facts, or its own results."""
        frames = self.frames
        if frames and frames[-1] != path:
            self.use(path)

    def use(self, path: str) -> None:
        """The module whose results are being computed reads `path` (its facts, or its results)."""
        users = self.used_by.get(path)
        if users is None:
            users = self.used_by[path] = set()
        users.add(self.frames[-1])

    def computing(self, path: str, compute: Callable[[], object]):
        """`compute()` with `path` as the module whose results are being computed."""
        self.frames.append(path)
        try:
            return compute()
        finally:
            self.frames.pop()

    def error_of(self, module: Module) -> Optional[Tuple[int, int, str]]:
        saved = self.saved_reads.get(module.path) if module.path not in self.facts_loaded else None
        return saved[0] if saved is not None else self.facts(module).error

    def has_dynamic_imports(self, module: Module) -> bool:
        saved = self.saved_reads.get(module.path) if module.path not in self.facts_loaded else None
        return saved[1] if saved is not None else bool(self.facts(module).dynamic_imports)

    def files_read(self) -> Set[str]:
        """Every file whose facts a result held here depends on: read here, or by the saved run."""
        return set(self.facts_loaded) | set(self.saved_reads)

    def read_paths(self, roots: Iterable[str]) -> Set[str]:
        """The files a fresh analysis would have read: those read here, the `roots` (whose facts the
        analysis needs: candidates, registries, what they run), and, through the results taken over,
        every file those results read."""
        reads_of: Dict[str, List[str]] = {}
        for path, users in self.used_by.items():
            for user in users:
                reads_of.setdefault(user, []).append(path)
        seen: Set[str] = set()
        stack = list(self.fresh) + list(roots)
        while stack:
            path = stack.pop()
            if path not in seen:
                seen.add(path)
                stack.extend(reads_of.get(path, ()))
        return {p for p in seen if p in self.facts_loaded or p in self.saved_reads}

    # -- carrying results over ---------------------------------------------------------------

    def inherit(self, previous: "Results", changed: Iterable[str]) -> Set[str]:
        """Take over `previous`'s results (same modules) except those that can depend on a file whose
        facts changed: the changed files and, transitively, every module whose results read one of
        them. Returns the paths whose results were dropped."""
        affected = closure(changed, previous.used_by)
        keep = lambda p: p not in affected  # noqa: E731
        _replace(self.facts_loaded, ((p, f) for p, f in previous.facts_loaded.items() if keep(p)))
        _replace(self.bindings, ((k, v) for k, v in previous.bindings.items() if keep(k[0])))
        _replace(self.classes, ((k, v) for k, v in previous.classes.items() if keep(k[0])))
        _replace(self.saved_bindings, ((k, v) for k, v in previous.saved_bindings.items() if keep(k[0])))
        _replace(self.saved_classes, ((k, v) for k, v in previous.saved_classes.items() if keep(k[0])))
        _replace(self.saved_reads, ((p, v) for p, v in previous.saved_reads.items() if keep(p)))
        _replace(self.deps, ((p, v) for p, v in previous.deps.items() if keep(p)))
        _replace(self.own_names, ((p, v) for p, v in previous.own_names.items() if keep(p)))
        _replace(self.module_models, ((p, v) for p, v in previous.module_models.items() if keep(p)))
        _replace(self.bases, ((k, b) for k, b in previous.bases.items() if b.module is None or keep(b.module.path)))
        _replace(self.db_model_class, ((k, v) for k, v in previous.db_model_class.items() if keep(_owner(k))))
        _replace(self.db_lines, ((k, v) for k, v in previous.db_lines.items() if keep(_owner(k))))
        _replace(self.used_by, ((p, users - affected) for p, users in previous.used_by.items() if keep(p)))
        return affected

    def export(self) -> dict:
        """Every per-module result, as plain data (marshal): what :meth:`take_over` takes over."""
        reads = dict(self.saved_reads)
        for path, f in self.facts_loaded.items():
            reads[path] = (f.error, bool(f.dynamic_imports))
        bindings = dict(self.saved_bindings)
        bindings.update((k, _encode(v)) for k, v in self.bindings.items())
        classes = dict(self.saved_classes)
        classes.update((k, (v.kind, v.base)) for k, v in self.classes.items())
        return {
            "reads": reads,
            "bindings": bindings,
            "classes": classes,
            "deps": {p: tuple(m.path for m in mods) for p, mods in self.deps.items()},
            "own": {p: (tuple(sorted(own)), aliases) for p, (own, aliases) in self.own_names.items()},
            "models": {
                p: (
                    tuple(_model_row(m) for m in found),
                    tuple(tuple(a) for a in tables),
                    tuple((tuple(call), key) for call, key in creates),
                    tuple(tuple(u) for u in unverified),
                )
                for p, (found, tables, creates, unverified) in self.module_models.items()
            },
            "bases": {k: (b.name, b.module.path if b.module else None, b.line, b.how) for k, b in self.bases.items()},
            "db_model_class": {k: (m.path, e) for k, (m, e) in self.db_model_class.items()},
            "db_lines": {k: (m.path, d, ln) for k, (m, d, ln) in self.db_lines.items()},
            "used_by": {p: tuple(sorted(users)) for p, users in self.used_by.items()},
        }

    def take_over(self, state: dict, changed: Iterable[str], by_path: Dict[str, Module]) -> Set[str]:
        """Take over a saved run's results (of the same modules) except those that can depend on a
        changed file, like :meth:`inherit`. Raises (KeyError, TypeError, ValueError...) on a state
        that is not what export writes; the caller then analyzes from scratch."""
        used_by = {p: set(users) for p, users in state["used_by"].items()}
        affected = closure(changed, used_by)
        keep = lambda p: p not in affected  # noqa: E731
        reads = {p: (e, bool(d)) for p, (e, d) in state["reads"].items() if keep(p) and p in by_path}
        deps = {p: [by_path[q] for q in deps] for p, deps in state["deps"].items() if keep(p)}
        own = {p: (set(own), tuple(aliases)) for p, (own, aliases) in state["own"].items() if keep(p)}
        models = {
            p: (
                [_model_of(row, by_path) for row in found],
                [Assign(*a) for a in tables],
                [(Call(*call), key) for call, key in creates],
                list(unverified),
            )
            for p, (found, tables, creates, unverified) in state["models"].items()
            if keep(p)
        }
        bases = {
            k: BaseInfo(k, name, by_path[mp] if mp is not None else None, line, how)
            for k, (name, mp, line, how) in state["bases"].items()
            if mp is None or keep(mp)
        }
        db_model_class = {k: (by_path[mp], e) for k, (mp, e) in state["db_model_class"].items() if keep(mp)}
        db_lines = {k: (by_path[mp], d, ln) for k, (mp, d, ln) in state["db_lines"].items() if keep(mp)}
        # everything decoded: only now replace the tables (a bad state leaves them as they were)
        _replace(self.saved_reads, reads)
        _replace(self.saved_bindings, ((k, v) for k, v in state["bindings"].items() if keep(k[0])))
        _replace(self.saved_classes, ((k, v) for k, v in state["classes"].items() if keep(k[0])))
        _replace(self.deps, deps)
        _replace(self.own_names, own)
        _replace(self.module_models, models)
        _replace(self.bases, bases)
        _replace(self.db_model_class, db_model_class)
        _replace(self.db_lines, db_lines)
        _replace(self.used_by, ((p, users - affected) for p, users in used_by.items() if keep(p)))
        return affected

    def saved_binding(self, key: Tuple[str, str], by_path: Dict[str, Module]):
        """The taken-over value of a binding (decoded once), or `MISSING`."""
        if key not in self.saved_bindings:
            return MISSING
        value = self.bindings[key] = _decode(self.saved_bindings.pop(key), by_path)
        return value


MISSING = object()


def _owner(key: str) -> str:
    """The path of the module that binds a Flask-SQLAlchemy db key ("<path>::<name>")."""
    return key.partition("::")[0]


def closure(changed: Iterable[str], used_by: Dict[str, Set[str]]) -> Set[str]:
    """The changed files and, transitively, every module whose results read one of them."""
    affected: Set[str] = set()
    stack = list(changed)
    while stack:
        path = stack.pop()
        if path not in affected:
            affected.add(path)
            stack.extend(used_by.get(path, ()))
    return affected


# -- results as plain data ------------------------------------------------------

_MODULE_MARK = "\0module"


def _encode(value):
    """A resolver value as plain data: modules by path."""
    if type(value) is Module:
        return (_MODULE_MARK, value.path)
    if type(value) is tuple:
        return tuple(_encode(v) for v in value)
    return value


def _decode(value, by_path: Dict[str, Module]):
    if type(value) is tuple:
        if len(value) == 2 and value[0] == _MODULE_MARK:
            return by_path[value[1]]
        return tuple(_decode(v, by_path) for v in value)
    return value


def _model_row(m: ModelInfo) -> tuple:
    return (
        m.name, m.module.path, m.line, m.col, m.table, m.base, m.abstract, m.kind, m.extend_existing, m.schema,
        m.adds_nothing, m.schema_known,
    )


def _model_of(row: tuple, by_path: Dict[str, Module]) -> ModelInfo:
    name, path, line, col, table, base, abstract, kind, extend, schema, adds_nothing, schema_known = row
    return ModelInfo(
        name, by_path[path], line, col, table, base, abstract, kind, extend, schema, adds_nothing, schema_known
    )
