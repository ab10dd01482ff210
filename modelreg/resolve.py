"""Per-file facts -> a resolved project: module names, bases, models, registries, what each registry registers.

Names are resolved by a small abstract interpreter over the facts: a name in a
module evaluates to a *value* - a project module, a project class, something
external (``("ext", "sqlalchemy.orm.declarative_base")``), a declarative base,
a ``registry()``... Values are plain tuples:

    ("module", Module)          ("class", Module, name)      ("ext", "dotted.name")
    ("base", key)               ("registry", key)            ("db", key)
    ("metadata", key)           ("method", value, name)      ("str", text)
    ("list", (values...))       None: unknown

Nothing here reads files: facts come from the callable handed to
:class:`Project`, so the same resolver serves the CLI (facts from disk or the
cache) and the language server (facts of unsaved buffers).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from .config import Config
from .bases import _extends_flask_sqlalchemy, camel_to_snake_case, unverifiable_classes
from .imports import ModuleGraph, infer_roots
from .types import MODULE, Assign, Call, ClassDef, FileFacts, ImportStmt, ModelInfo, Module, Registry

REGISTRY_FILENAME = "__all_models.py"

_DECLARATIVE_BASE_CLASSES = frozenset({"DeclarativeBase", "DeclarativeBaseNoMeta"})
_SQLMODEL = ("sqlmodel.SQLModel", "sqlmodel.main.SQLModel")
_SQLMODEL_BASE = "ext:sqlmodel.SQLModel"
# libraries whose star import modelreg trusts to provide the (capitalized) names it looks for
_STAR_LIBRARIES = frozenset({"sqlalchemy", "sqlmodel"})


# calls whose result can be model-ish (what `_call` understands)
_MODELISH_CALLS = frozenset(
    {"declarative_base", "registry", "generate_base", "MetaData", "Table", "SQLAlchemy"}
)


def _callee_name(expr) -> Optional[str]:
    """The last name of a call's callee: `sa.Table(...)` -> "Table" (a cheap filter before evaluating)."""
    if not expr or expr[0] != "call":
        return None
    func = expr[1]
    if func[0] == "name":
        return func[1].rpartition(".")[2]
    if func[0] == "attr":
        return func[2]
    return None


def _is_sqlalchemy(dotted: str, last: str) -> bool:
    return dotted.startswith("sqlalchemy.") and dotted.rpartition(".")[2] == last


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

# Nested computations (classify, lookup) beyond which classify settles a class's ancestors first.
_DEEP = 40


class Project:
    """The resolved view of a project. Facts are pulled lazily through ``facts_of``."""

    def __init__(
        self,
        config: Config,
        modules: Sequence[Module],
        facts_of: Callable[[Module], FileFacts],
        previous: Optional["Project"] = None,
    ):
        """``previous``: a project of the same modules whose module tables are shared (see :meth:`inherit`)."""
        self.config = config
        self.modules = list(modules)
        self._facts_of = facts_of
        # the modules that may define a model (the prefilter's candidates); None: every module
        self.candidates: Optional[Set[str]] = None
        self._scan: Tuple[Optional[Set[str]], List[Module]] = (None, [])
        self._own_names: Dict[str, tuple] = {}
        self._facts: Dict[str, FileFacts] = {}
        if previous is not None and previous.modules == self.modules:
            graph = previous.graph
        else:
            graph = ModuleGraph(config, self.modules)
        # the module graph (modelreg.imports) answers every question about names, roots and files
        self.graph = graph
        self.by_root, self.by_path, self.all_tops = graph.by_root, graph.by_path, graph.all_tops
        self.search_roots, self.find_module, self.is_project_name = graph.search_roots, graph.find_module, graph.is_project_name
        self.child, self.submodules, self.parents = graph.child, graph.submodules, graph.parents
        self.resolve_relative, self.import_target, self.from_source = graph.resolve_relative, graph.import_target, graph.from_source
        self._binding_cache: Dict[Tuple[str, str], object] = {}
        self._deps: Dict[str, List[Module]] = {}
        self._class_cache: Dict[Tuple[str, str], ClassKind] = {}
        self._class_index: Dict[str, tuple] = {}  # path -> (its facts, {name: last module-level ClassDef})
        self._bindings_index: Dict[str, tuple] = {}  # path -> (its facts, _module_bindings)
        self._table_memo: Dict[Tuple[str, str, Optional[str]], bool] = {}  # (path, class, base) -> has a table
        self._settling = False  # classifying a deep chain's ancestors first (see classify)
        self._settling_names = False  # looking a deep chain of re-exports up from its far end (see lookup)
        self.bases: Dict[str, BaseInfo] = {}
        self._db_model_class: Dict[str, tuple] = {}  # Flask-SQLAlchemy db key -> (module, model_class expr)
        self._db_lines: Dict[str, tuple] = {}
        self._envs: Optional[List[AlembicEnv]] = None
        self._config_bases = set(config.bases)
        # paths of the modules whose cached results are being computed (innermost last), and for
        # each module path, the modules whose cached results read it
        self._frames: List[str] = []
        # results taken over from a saved state (see import_state), decoded when first asked for
        self._saved_bindings: Dict[Tuple[str, str], object] = {}
        self._saved_classes: Dict[Tuple[str, str], tuple] = {}
        # files the saved run read whose facts are not loaded here: path -> (error, has dynamic imports)
        self._saved_reads: Dict[str, tuple] = {}
        self._fresh: Set[str] = set()  # files whose facts were asked for by this project
        self.taken_over: Optional[Set[str]] = None  # after import_state: the paths whose results it dropped
        self._by_filename: Optional[Dict[str, List[Module]]] = None
        self._module_models: Dict[str, tuple] = {}
        self.used_by: Dict[str, Set[str]] = {}

    def settings_details(self) -> dict:
        """For --show-settings: each import root modelreg considered, why, and whether modules are
        named from it (see modelreg.imports)."""
        top = self.config.root
        rel = lambda p: os.path.relpath(p, top).replace(os.sep, "/")  # noqa: E731
        roots = infer_roots(self.config, [m.path for m in self.modules])
        listed = {r.path for r in roots}
        rows = [
            {"path": rel(r.path), "why": r.reason, "kind": r.kind, "names-modules": r.path in self.by_root}
            for r in roots
        ]
        rows += [
            {"path": rel(p), "why": "the project's own imports resolve there", "kind": "entry", "names-modules": True}
            for p in sorted(self.by_root)
            if p not in listed
        ]
        return {"import-roots-considered": rows}

    # -- facts and modules ----------------------------------------------------

    def facts(self, module: Module) -> FileFacts:
        path = module.path
        self._fresh.add(path)
        frames = self._frames
        if frames and frames[-1] != path:
            self._use(path)
        f = self._facts.get(path)
        if f is None:
            f = self._facts[path] = self._facts_of(module)
        return f

    # -- what depends on what: for taking results over after an edit (the language server) -----

    def _use(self, path: str) -> None:
        """The module whose results are being computed reads `path` (its facts, or its results)."""
        users = self.used_by.get(path)
        if users is None:
            users = self.used_by[path] = set()
        users.add(self._frames[-1])

    def inherit(self, previous: "Project", changed: Iterable[str]) -> Set[str]:
        """Take over `previous`'s results except those that can depend on a file whose facts changed:
        the changed files and, transitively, every module whose results read one of them. The
        modules must be the same. Returns the paths whose results were dropped."""
        affected = _closure(changed, previous.used_by)
        self._facts = {p: f for p, f in previous._facts.items() if p not in affected}
        self._binding_cache = {k: v for k, v in previous._binding_cache.items() if k[0] not in affected}
        self._class_cache = {k: v for k, v in previous._class_cache.items() if k[0] not in affected}
        self._saved_bindings = {k: v for k, v in previous._saved_bindings.items() if k[0] not in affected}
        self._saved_classes = {k: v for k, v in previous._saved_classes.items() if k[0] not in affected}
        self._saved_reads = {p: v for p, v in previous._saved_reads.items() if p not in affected}
        self._deps = {p: v for p, v in previous._deps.items() if p not in affected}
        self._own_names = {p: v for p, v in previous._own_names.items() if p not in affected}
        self._module_models = {p: v for p, v in previous._module_models.items() if p not in affected}
        self.bases = {k: b for k, b in previous.bases.items() if b.module is None or b.module.path not in affected}
        self._db_model_class = {k: v for k, v in previous._db_model_class.items() if k.partition("::")[0] not in affected}
        self._db_lines = {k: v for k, v in previous._db_lines.items() if k.partition("::")[0] not in affected}
        self.used_by = {p: users - affected for p, users in previous.used_by.items() if p not in affected}
        # this depends on the module list only
        self._by_filename = previous._by_filename
        return affected

    def named(self, filename: str) -> List[Module]:
        """The modules whose file has this name (`__all_models.py`, `env.py`)."""
        if self._by_filename is None:
            self._by_filename = {}
        found = self._by_filename.get(filename)
        if found is None:
            tail = os.sep + filename
            found = self._by_filename[filename] = [m for m in self.modules if m.path.endswith(tail)]
        return found

    def imported_value(self, module: Module, stmt: ImportStmt, name: str):
        """What `from <stmt.module> import name` binds."""
        target, pkg, is_project = self.from_source(module, stmt)
        if target is None:
            return None
        if pkg is not None:
            return self.attribute(("module", pkg), name)
        sub, _ = self.find_module(target + "." + name, module)  # namespace package
        if sub is not None:
            return ("module", sub)
        return None if is_project else ("ext", target + "." + name)

    def runs(self, module: Module) -> List[Module]:
        """The project modules importing `module` runs directly: its run-time imports (and what they
        run first), and the modules its understood dynamic imports load."""
        path = module.path
        if self._frames and self._frames[-1] != path:
            self._use(path)
        found = self._deps.get(path)
        if found is not None:
            return found
        self._frames.append(path)
        try:
            found = self._runs(module)
        finally:
            self._frames.pop()
        self._deps[path] = found
        return found

    def _runs(self, module: Module) -> List[Module]:
        found: List[Module] = []
        facts = self.facts(module)
        if facts.error is None:
            scopes = run_scopes(facts)
            tops = self.all_tops
            for stmt in facts.imports:
                if stmt.scope not in scopes:
                    continue
                if stmt.is_from:
                    if not stmt.level and stmt.module.partition(".")[0] not in tops:
                        continue  # `from typing import Optional`: nothing of the project runs
                elif all(n.partition(".")[0] not in tops or not self.is_project_name(n, module) for n, _ in stmt.names):
                    continue  # `import datetime`, `import sqlalchemy as sa`
                found.extend(executed_by(self, module, stmt))
            if facts.dynamic_imports:
                found.extend(dynamic_targets(self, module, facts, scopes)[0])
        return found

    def files_read(self) -> Set[str]:
        """Every file whose facts a result held here depends on: read here, or by the saved run."""
        return set(self._facts) | set(self._saved_reads)

    def read_paths(self, roots: Iterable[str]) -> Set[str]:
        """The files a fresh analysis would have read: those read here, the `roots` (whose facts the
        analysis needs: candidates, registries, what they run), and, through the results taken over,
        every file those results read."""
        reads_of: Dict[str, List[str]] = {}
        for path, users in self.used_by.items():
            for user in users:
                reads_of.setdefault(user, []).append(path)
        seen: Set[str] = set()
        stack = list(self._fresh) + list(roots)
        while stack:
            path = stack.pop()
            if path not in seen:
                seen.add(path)
                stack.extend(reads_of.get(path, ()))
        return {p for p in seen if p in self._facts or p in self._saved_reads}

    def error_of(self, module: Module) -> Optional[Tuple[int, int, str]]:
        saved = self._saved_reads.get(module.path) if module.path not in self._facts else None
        return saved[0] if saved is not None else self.facts(module).error

    def has_dynamic_imports(self, module: Module) -> bool:
        saved = self._saved_reads.get(module.path) if module.path not in self._facts else None
        return saved[1] if saved is not None else bool(self.facts(module).dynamic_imports)

    # -- the results, saved between runs (the CLI's cache) -----------------------------------

    def export_state(self) -> dict:
        """Every per-module result, as plain data (marshal): what :meth:`import_state` takes over."""
        reads = dict(self._saved_reads)
        for path, f in self._facts.items():
            reads[path] = (f.error, bool(f.dynamic_imports))
        bindings = dict(self._saved_bindings)
        bindings.update((k, _encode(v)) for k, v in self._binding_cache.items())
        classes = dict(self._saved_classes)
        classes.update((k, (v.kind, v.base)) for k, v in self._class_cache.items())
        return {
            "reads": reads,
            "bindings": bindings,
            "classes": classes,
            "deps": {p: tuple(m.path for m in mods) for p, mods in self._deps.items()},
            "own": {p: (tuple(sorted(own)), aliases) for p, (own, aliases) in self._own_names.items()},
            "models": {
                p: (
                    tuple(_model_row(m) for m in found),
                    tuple(tuple(a) for a in tables),
                    tuple((tuple(call), key) for call, key in creates),
                    tuple(tuple(u) for u in unverified),
                )
                for p, (found, tables, creates, unverified) in self._module_models.items()
            },
            "bases": {k: (b.name, b.module.path if b.module else None, b.line, b.how) for k, b in self.bases.items()},
            "db_model_class": {k: (m.path, e) for k, (m, e) in self._db_model_class.items()},
            "db_lines": {k: (m.path, d, ln) for k, (m, d, ln) in self._db_lines.items()},
            "used_by": {p: tuple(sorted(users)) for p, users in self.used_by.items()},
        }

    def import_state(self, state: dict, changed: Iterable[str]) -> Set[str]:
        """Take over a saved run's results (of the same modules) except those that can depend on a
        changed file, like :meth:`inherit`. Raises (KeyError, TypeError, ValueError...) on a state
        that is not what export_state writes; the caller then analyzes from scratch."""
        by_path = self.by_path
        used_by = {p: set(users) for p, users in state["used_by"].items()}
        affected = _closure(changed, used_by)
        keep = lambda p: p not in affected  # noqa: E731
        self._saved_reads = {p: (e, bool(d)) for p, (e, d) in state["reads"].items() if keep(p) and p in by_path}
        self._saved_bindings = {k: v for k, v in state["bindings"].items() if keep(k[0])}
        self._saved_classes = {k: v for k, v in state["classes"].items() if keep(k[0])}
        self._deps = {p: [by_path[q] for q in deps] for p, deps in state["deps"].items() if keep(p)}
        self._own_names = {p: (set(own), tuple(aliases)) for p, (own, aliases) in state["own"].items() if keep(p)}
        self._module_models = {
            p: (
                [_model_of(row, by_path) for row in found],
                [Assign(*a) for a in tables],
                [(Call(*call), key) for call, key in creates],
                list(unverified),
            )
            for p, (found, tables, creates, unverified) in state["models"].items()
            if keep(p)
        }
        self.bases = {
            k: BaseInfo(k, name, by_path[mp] if mp is not None else None, line, how)
            for k, (name, mp, line, how) in state["bases"].items()
            if mp is None or keep(mp)
        }
        self._db_model_class = {k: (by_path[mp], e) for k, (mp, e) in state["db_model_class"].items() if keep(mp)}
        self._db_lines = {k: (by_path[mp], d, ln) for k, (mp, d, ln) in state["db_lines"].items() if keep(mp)}
        self.used_by = {p: users - affected for p, users in used_by.items() if keep(p)}
        return affected

    # -- names -> values --------------------------------------------------------

    def lookup(self, module: Module, name: str):
        """The value a module-level name is bound to (the last binding wins, star imports last)."""
        path = module.path
        frames = self._frames
        if frames and frames[-1] != path:
            self._use(path)
        key = (path, name)
        if key in self._binding_cache:
            return self._binding_cache[key]
        if key in self._saved_bindings:
            value = self._binding_cache[key] = _decode(self._saved_bindings.pop(key), self.by_path)
            return value
        if len(frames) > _DEEP and not self._settling_names:
            # deep in a chain of re-exports (`from a import Base` in b, `from b import Base` in c, ...):
            # look the farther links up first, so that the stack stays shallow however long the chain
            self._lookup_reexports_first(module, name)
        self._binding_cache[key] = None  # cycle guard: a name defined through itself is unknown
        frames.append(path)
        try:
            value = self._lookup(module, name)
        finally:
            frames.pop()
        self._binding_cache[key] = value
        return value

    def _lookup_reexports_first(self, module: Module, name: str) -> None:
        """Follow `from X import name` bindings from (module, name) iteratively, then look them up from
        the farthest back, each finding the next one done (see classify for inheritance chains)."""
        chain: List[Tuple[Module, str]] = []
        seen: Set[Tuple[str, str]] = set()
        mod, cname = module, name
        while (mod.path, cname) not in seen:
            seen.add((mod.path, cname))
            key = (mod.path, cname)
            if key in self._binding_cache or key in self._saved_bindings:
                break
            chain.append((mod, cname))
            found = self._module_bindings(mod).get(cname)
            if found is None or found[1][0] != "from":
                break
            stmt, imported = found[1][1], found[1][2]
            _, source, _ = self.from_source(mod, stmt)
            if source is None or imported not in self.facts(source).defined:
                break
            mod, cname = source, imported
        self._settling_names = True
        try:
            for mod, cname in reversed(chain[1:]):
                self.lookup(mod, cname)
        finally:
            self._settling_names = False

    def _module_bindings(self, module: Module) -> Dict[str, tuple]:
        """name -> (line, binding) of the module-level binding that wins for each name (the last
        one: a class, then an assignment, then an import on a later line), built once per module's
        facts: a module of 33,000 classes is not scanned once per name looked up."""
        facts = self.facts(module)
        cached = self._bindings_index.get(module.path)
        if cached is not None and cached[0] is facts:
            return cached[1]
        best: Dict[str, tuple] = {}
        for cls in facts.classes:
            if cls.scope == MODULE and cls.line > best.get(cls.name, (-1,))[0]:
                best[cls.name] = (cls.line, ("class_def", cls))
        for a in facts.assigns:
            if a.scope == MODULE:
                for name in a.targets:
                    if a.line > best.get(name, (-1,))[0]:
                        best[name] = (a.line, ("assign", a))
        for stmt in facts.imports:
            if stmt.scope != MODULE:
                continue
            bound_here: Set[str] = set()  # a later name of the same statement binding it again wins
            for imported, asname in stmt.names:
                if stmt.is_from:
                    if imported == "*":
                        continue
                    name, binding = asname or imported, ("from", stmt, imported)
                else:
                    name = asname if asname is not None else imported.partition(".")[0]
                    binding = ("import", stmt, imported, asname)
                if name in bound_here or stmt.line > best.get(name, (-1,))[0]:
                    best[name] = (stmt.line, binding)
                    bound_here.add(name)
        self._bindings_index[module.path] = (facts, best)
        return best

    def _lookup(self, module: Module, name: str):
        found = self._module_bindings(module).get(name)
        best = found[1] if found is not None else None
        if best is None:
            if any(fname == name for fname, _ in self.facts(module).returns):  # `def make_base(): return declarative_base()`
                return ("function", module, name)
            return self._star_lookup(module, name)
        what = best[0]
        if what == "class_def":
            return ("class", module, name)
        if what == "assign":
            if f"{module.name}.{name}" in self._config_bases:  # e.g. `Base = make_base()` named in config
                value = self.eval_expr(module, best[1].value, bind=(module, name))
                if value is not None and value[0] in ("db", "base", "metadata", "registry"):
                    return value  # already understood (`db = AppSQLAlchemy()` named in config too)
                key, display = f"{module.path}::{name}", f"{module.name}.{name}"
                return self._new_base(key, display, (module, name), best[1].line, "config base")
            return self.eval_expr(module, best[1].value, bind=(module, name))
        if what == "from":
            return self.imported_value(module, best[1], best[2])
        _, stmt, imported, asname = best
        if asname:
            mod, is_project = self.find_module(imported, module)
            if mod is not None:
                return ("module", mod)
            return None if is_project else ("ext", imported)
        top = imported.partition(".")[0]
        mod, is_project = self.find_module(top, module)
        if mod is not None:
            return ("module", mod)
        return None if is_project else ("ext", top)

    def _star_lookup(self, module: Module, name: str):
        for stmt in self.facts(module).imports:
            if stmt.scope != MODULE or not stmt.is_from or stmt.names != (("*", None),):
                continue
            target, mod, is_project = self.from_source(module, stmt)
            if mod is None:
                if not is_project and target and target.partition(".")[0] in _STAR_LIBRARIES and name[:1].isupper():
                    return ("ext", f"{target}.{name}")  # `from sqlalchemy import *` then `Table(...)`
                continue
            facts = self.facts(mod)
            exported = name in facts.all_names if facts.all_names is not None else not name.startswith("_")
            if exported:
                value = self.lookup(mod, name)
                if value is not None:
                    return value
        return None

    def attribute(self, value, attr: str):
        if value is None:
            return None
        kind = value[0]
        if kind == "module":
            mod = value[1]
            facts = self.facts(mod)
            if attr in facts.defined:
                return self.lookup(mod, attr)
            sub = self.child(mod, attr)
            if sub is not None:
                return ("module", sub)
            return self.lookup(mod, attr)  # star imports
        if kind == "ext":
            if value[1] in _SQLMODEL and attr == "metadata":  # `target_metadata = SQLModel.metadata`
                return ("metadata", self._sqlmodel_base())
            return ("ext", value[1] + "." + attr)
        if kind == "db":
            if attr == "Model":
                return self._db_model(value[1])
            if attr == "metadata":
                return self.attribute(self._db_model(value[1]), "metadata")
            return ("method", value, attr)
        if kind == "base":
            if attr == "metadata":
                return ("metadata", value[1])
            return None
        if kind == "class":
            ck = self.classify(value[1], value[2])
            if attr == "metadata" and ck.base is not None:
                return ("metadata", ck.base)
            return None
        if kind in ("registry", "metadata"):
            if kind == "registry" and attr == "metadata":
                return ("metadata", value[1])
            return ("method", value, attr)
        return None

    def eval_name(self, module: Module, dotted: str):
        first, *rest = dotted.split(".")
        value = self.lookup(module, first)
        for attr in rest:
            value = self.attribute(value, attr)
            if value is None:
                return None
        return value

    def eval_expr(self, module: Module, expr, bind: Optional[Tuple[Module, str]] = None):
        kind = expr[0]
        if kind == "name":
            return self.eval_name(module, expr[1])
        if kind == "attr":
            return self.attribute(self.eval_expr(module, expr[1]), expr[2])
        if kind == "call":
            func = self.eval_expr(module, expr[1])
            if func is not None and func[0] == "function":
                return self._call_function(func[1], func[2], bind)
            return self._call(module, func, expr[2], dict(expr[3]), bind)
        if kind == "str":
            return expr
        if kind == "list":
            return ("list", tuple(self.eval_expr(module, e) for e in expr[1]))
        if kind == "sub":  # `Base[int]`: a generic base is its origin
            return self.eval_expr(module, expr[1])
        return None

    def _call(self, module: Module, func, args, kwargs, bind):
        """The value a call creates. Objects are identified by the module-level name they are bound to."""
        if func is None:
            return None
        key = f"{bind[0].path}::{bind[1]}" if bind else None
        display = f"{bind[0].name}.{bind[1]}" if bind else None
        line = next((a.line for a in self.facts(bind[0]).assigns if bind[1] in a.targets), 0) if bind else 0
        kind = func[0]
        if kind == "ext":
            dotted = func[1]
            if _is_sqlalchemy(dotted, "declarative_base"):
                return self._new_base(key, display, bind, line, "declarative_base()") if key else None
            if _is_sqlalchemy(dotted, "registry"):
                shared = self._shared_metadata(module, kwargs.get("metadata"))
                if shared is not None:  # registry(metadata=md): its classes land on md
                    return ("registry", shared)
                if key:
                    self._new_base(key, display, bind, line, "registry()")
                return ("registry", key or "anonymous")
            if _is_sqlalchemy(dotted, "MetaData"):
                if key:
                    self._new_base(key, display, bind, line, "MetaData()")
                return ("metadata", key or "anonymous")
            if _is_sqlalchemy(dotted, "Table"):
                return self._table(module, args, None)
            if dotted.startswith("flask_sqlalchemy.") and dotted.endswith(".SQLAlchemy"):
                return self._new_db(module, kwargs, key, display, bind, line)
            return None
        if kind == "class" and _extends_flask_sqlalchemy(self, func[1], func[2]):
            # `db = AppSQLAlchemy()` with `class AppSQLAlchemy(SQLAlchemy)` (redash, lemur, indico)
            return self._new_db(module, kwargs, key, display, bind, line)
        if kind == "method":
            owner, name = func[1], func[2]
            if owner[0] == "registry" and name == "generate_base":
                if owner[1] in self.bases and self.bases[owner[1]].how == "MetaData()":
                    return ("base", owner[1])  # a registry on a shared MetaData: the same tables
                return self._new_base(key, display, bind, line, "registry().generate_base()") if key else None
            if owner[0] == "db" and name == "Table":
                return self._table(module, args, self.attribute(owner, "metadata"), flask=True)
        return None

    _calling: Optional[Set[Tuple[str, str]]] = None

    def _call_function(self, module: Module, name: str, bind):
        """What a project function returns, evaluated in its own scope (its imports first): a base made
        by `def make_base(): return declarative_base()` is bound to the caller's name."""
        if self._calling is None:
            self._calling = set()
        key = (module.path, name)
        if key in self._calling:  # recursion: unknown
            return None
        expr = next((e for f, e in self.facts(module).returns if f == name), None)
        if expr is None:
            return None
        self._calling.add(key)
        try:
            return self._eval_scoped(module, expr, "def:" + name, bind)
        finally:
            self._calling.discard(key)

    def _eval_scoped(self, module: Module, expr, scope: str, bind):
        """eval_expr inside a function: names its own imports bind come first."""
        kind = expr[0]
        if kind == "name":
            first, _, rest = expr[1].partition(".")
            value = self._scoped_import(module, first, scope)
            if value is None:
                return self.eval_expr(module, expr, bind)
            for attr in rest.split(".") if rest else ():
                value = self.attribute(value, attr)
            return value
        if kind == "attr":
            return self.attribute(self._eval_scoped(module, expr[1], scope, None), expr[2])
        if kind == "call":
            func = self._eval_scoped(module, expr[1], scope, None)
            if func is not None and func[0] == "function":
                return self._call_function(func[1], func[2], bind)
            return self._call(module, func, expr[2], dict(expr[3]), bind)
        return self.eval_expr(module, expr, bind)

    def _scoped_import(self, module: Module, name: str, scope: str):
        """The value an import inside the function `scope` binds to `name` (the last one), or None."""
        found = None
        for stmt in self.facts(module).imports:
            if stmt.scope != scope:
                continue
            for imported, asname in stmt.names:
                if stmt.is_from and (asname or imported) == name and imported != "*":
                    found = self.imported_value(module, stmt, imported)
                elif not stmt.is_from and (asname == name or (asname is None and imported.partition(".")[0] == name)):
                    target = imported if asname else imported.partition(".")[0]
                    mod, is_project = self.find_module(target, module)
                    found = ("module", mod) if mod is not None else (None if is_project else ("ext", target))
        return found

    def _new_db(self, module: Module, kwargs, key, display, bind, line):
        """A Flask-SQLAlchemy object (an instance of ``SQLAlchemy`` or of a project subclass of it)."""
        if not key:
            return None
        model_class = kwargs.get("model_class")
        if model_class is not None:
            self._db_model_class[key] = (module, model_class)
        self._db_lines[key] = (bind[0], display, line)
        return ("db", key)

    def _shared_metadata(self, module: Module, expr) -> Optional[str]:
        """The key of the MetaData `expr` names (`registry(metadata=md)`, `metadata = md` in a base)."""
        if expr is None:
            return None
        value = self.eval_expr(module, expr)
        return value[1] if value is not None and value[0] == "metadata" else None

    def _table(self, module: Module, args, metadata, flask: bool = False):
        """``Table("name", metadata, ...)`` (or Flask-SQLAlchemy's ``db.Table("name", ...)``)."""
        if not args or args[0][0] != "str":
            return None
        if not flask or metadata is None:
            md = self.eval_expr(module, args[1]) if len(args) > 1 else None
            if md is not None and md[0] == "metadata":
                metadata = md
        if metadata is None or metadata[0] != "metadata":
            return None
        return ("table", args[0][1], metadata[1])

    def _new_base(self, key, display, bind, line, how):
        if key not in self.bases:
            self.bases[key] = BaseInfo(key, display, bind[0], line, how)
        return ("base", key)

    def _sqlmodel_base(self) -> str:
        if _SQLMODEL_BASE not in self.bases:
            self.bases[_SQLMODEL_BASE] = BaseInfo(_SQLMODEL_BASE, "sqlmodel.SQLModel", None, 0, "SQLModel, table=True")
        return _SQLMODEL_BASE

    def _db_model(self, db_key: str):
        """What ``db.Model`` is for a Flask-SQLAlchemy object: its ``model_class`` base, or a base of its own."""
        if db_key in self._db_model_class:
            module, expr = self._db_model_class[db_key]
            value = self.eval_expr(module, expr)
            if value is not None and value[0] in ("class", "base"):
                return value
        key = db_key + ".Model"
        if key not in self.bases and db_key in self._db_lines:
            module, display, line = self._db_lines[db_key]
            self.bases[key] = BaseInfo(key, display + ".Model", module, line, "Flask-SQLAlchemy db.Model")
        return ("base", key)

    # -- classes ------------------------------------------------------------------

    def find_class(self, module: Module, name: str) -> Optional[ClassDef]:
        """The module-level class `name` (the last definition wins), through an index built once per
        module's facts: a module of 33,000 classes is not scanned once per class."""
        facts = self.facts(module)
        index = self._class_index.get(module.path)
        if index is None or index[0] is not facts:
            table = {}
            for cls in facts.classes:
                if cls.scope == MODULE:
                    table[cls.name] = cls
            index = self._class_index[module.path] = (facts, table)
        return index[1].get(name)

    def classify(self, module: Module, name: str) -> ClassKind:
        path = module.path
        frames = self._frames
        if frames and frames[-1] != path:
            self._use(path)
        key = (path, name)
        cached = self._class_cache.get(key)
        if cached is not None:
            return cached
        saved = self._saved_classes.pop(key, None)
        if saved is not None:
            cached = self._class_cache[key] = ClassKind(*saved)
            return cached
        if len(frames) > _DEEP and not self._settling:
            # deep in an inheritance chain (each parent classified inside its child): classify the
            # ancestors first, farthest first, so that each of them finds its parents done - the
            # stack stays shallow however long the chain (no RecursionError at 1,200 classes)
            self._classify_ancestors_first(module, name)
            cached = self._class_cache.get(key)
            if cached is not None:
                return cached
        self._class_cache[key] = PLAIN  # cycle guard: a class cannot inherit from itself
        frames.append(path)
        try:
            cls = self.find_class(module, name)
            result = self._classify(module, cls) if cls is not None else PLAIN
        finally:
            frames.pop()
        self._class_cache[key] = result
        return result

    def _classify_ancestors_first(self, module: Module, name: str) -> None:
        """Classify the not yet classified classes `name` inherits from, in an order where every
        class comes after its parents (an iterative depth-first walk: no recursion)."""
        order: List[Tuple[Module, str]] = []
        seen: Set[Tuple[str, str]] = set()
        stack: List[Tuple[Module, str, bool]] = [(module, name, False)]
        self._settling = True
        try:
            while stack:
                mod, cname, done = stack.pop()
                if done:
                    order.append((mod, cname))
                    continue
                key = (mod.path, cname)
                if key in seen or key in self._class_cache or key in self._saved_classes:
                    continue
                seen.add(key)
                stack.append((mod, cname, True))
                cls = self.find_class(mod, cname)
                for base_expr in cls.bases if cls is not None else ():
                    v = self.eval_expr(mod, base_expr)
                    if v is not None and v[0] == "class":
                        stack.append((v[1], v[2], False))
            for mod, cname in order[:-1]:  # (the last one is the class being classified)
                self.classify(mod, cname)
        finally:
            self._settling = False

    def _root_base(self, module: Module, cls: ClassDef, how: str) -> ClassKind:
        shared = self._shared_metadata(module, cls.metadata)
        if shared is not None:  # `class Base(DeclarativeBase): metadata = md`: the tables land on md
            return ClassKind("base", shared)
        key = f"{module.path}::{cls.name}"
        if key not in self.bases:
            self.bases[key] = BaseInfo(key, f"{module.name}.{cls.name}", module, cls.line, how)
        return ClassKind("base", key)

    def _decorated(self, module: Module, cls: ClassDef) -> Optional[ClassKind]:
        """``@as_declarative()`` makes a base; ``@reg.mapped`` / ``@reg.mapped_as_dataclass`` /
        ``@mapped_as_dataclass(reg)`` map the class on that registry."""
        for dec in cls.decorators:
            is_call = dec[0] == "call"
            v = self.eval_expr(module, dec[1] if is_call else dec)
            if v is None:
                continue
            if v[0] == "ext" and _is_sqlalchemy(v[1], "as_declarative"):
                return self._root_base(module, cls, "@as_declarative()")
            if v[0] == "ext" and _is_sqlalchemy(v[1], "mapped_as_dataclass") and is_call and dec[2]:
                reg = self.eval_expr(module, dec[2][0])
                if reg is not None and reg[0] == "registry":
                    return ClassKind("model", reg[1])
            if v[0] == "method" and v[1][0] == "registry" and v[2] in ("mapped", "mapped_as_dataclass"):
                return ClassKind("model", v[1][1])
        return None

    def _classify(self, module: Module, cls: ClassDef) -> ClassKind:
        if f"{module.name}.{cls.name}" in self._config_bases:
            return self._root_base(module, cls, "config base")
        decorated = self._decorated(module, cls) if cls.decorators else None
        if decorated is not None:
            return decorated
        table_kw = any(k == "table" and v == ("const", True) for k, v in cls.keywords)
        derived: Optional[str] = None
        sqlmodel = False
        table_parent = False  # a direct base is a SQLModel table model
        for base_expr in cls.bases:
            v = self.eval_expr(module, base_expr)
            if v is None:
                continue
            if v[0] == "ext":
                last = v[1].rpartition(".")[2]
                if v[1].startswith("sqlalchemy.") and last in _DECLARATIVE_BASE_CLASSES:
                    return self._root_base(module, cls, f"subclass of {last}")
                if v[1] in _SQLMODEL:
                    sqlmodel = True
                elif v[1] in self._config_bases:  # a library-provided base named in config
                    key = "ext:" + v[1]
                    if key not in self.bases:
                        self.bases[key] = BaseInfo(key, v[1], None, 0, "config base")
                    derived = derived or key
                continue
            if v[0] == "base":
                derived = derived or v[1]
            elif v[0] == "class":
                parent = self.classify(v[1], v[2])
                if parent.base == _SQLMODEL_BASE or parent.kind == "sqlmodel_table":
                    table_parent = True
                elif parent.base is not None:
                    derived = derived or parent.base
                elif parent.kind == "sqlmodel":
                    sqlmodel = True
        if table_parent and derived is None:
            # SQLModel maps a class only when no direct base is a table model: a subclass of one
            # (FastAPI's response models) inherits `table=True` in its config but is never mapped
            return ClassKind("sqlmodel_table")
        if derived is None and sqlmodel:
            # SQLModel: `table=True` makes a table model; a plain SQLModel class is a pydantic model.
            if not table_kw:
                return ClassKind("sqlmodel")
            derived = self._sqlmodel_base()
        if derived is None:
            return PLAIN
        return ClassKind("abstract" if cls.abstract else "model", derived)

    # -- inventory ------------------------------------------------------------------

    def scan_modules(self) -> List[Module]:
        if self.candidates is None:
            return self.modules
        if self._scan[0] is not self.candidates:
            self._scan = (self.candidates, [m for m in self.modules if m.path in self.candidates])
        return self._scan[1]

    def modelish_names(self, modules: Iterable[Module], known: Set[str]) -> Set[str]:
        """Names under which these modules bind something model-ish (a base, model, db, registry, metadata...).

        The prefilter's vocabulary: a file that spells none of them (and no trigger
        word) cannot define a model."""
        names: Set[str] = set()
        for module in modules:
            found = self._own_names.get(module.path)
            if found is None:
                self._frames.append(module.path)
                try:
                    aliases = tuple(
                        (name, asname)
                        for stmt in self.facts(module).imports
                        if stmt.is_from
                        for name, asname in stmt.names
                        if asname
                    )
                    found = self._own_names[module.path] = (self._bound_modelish(module), aliases)
                finally:
                    self._frames.pop()
            own, aliases = found
            names |= own
            for name, asname in aliases:
                if name in known:  # `from x import Base as B`
                    names.add(asname)
        return names

    def _bound_modelish(self, module: Module) -> Set[str]:
        out: Set[str] = set()
        facts = self.facts(module)
        for cls in facts.classes:
            if cls.scope == MODULE and self.classify(module, cls.name).kind != "plain":
                out.add(cls.name)
        for a in facts.assigns:
            if a.scope != MODULE:
                continue
            kind = a.value[0]
            if kind == "call" and _callee_name(a.value) not in _MODELISH_CALLS:
                callee = _callee_name(a.value) or ""
                # `db = AppSQLAlchemy()`: a project subclass of SQLAlchemy, here or imported; `Base =
                # make_base()`: a project function
                if (
                    not callee.endswith("SQLAlchemy")
                    and all(c.name != callee for c in facts.classes)
                    and (a.value[1][0] != "name" or (self.lookup(module, callee) or ("",))[0] != "function")
                ):
                    continue  # `log = logging.getLogger(...)`: cannot make anything model-ish
            if kind not in ("call", "name", "attr"):
                continue
            for target in a.targets:
                v = self.lookup(module, target)
                if v is not None and (
                    v[0] in ("base", "db", "registry", "metadata", "table")
                    or (v[0] == "class" and self.classify(v[1], v[2]).kind != "plain")
                ):
                    out.add(target)
        return out

    def models(self) -> List[ModelInfo]:
        """Every mapped class, abstract intermediate, imperative mapping and Core table of the project."""
        out = []
        tables = []
        for module in self.scan_modules():
            found = self._module_results(module)
            out.extend(found[0])
            tables.extend((module, a) for a in found[1])
        targets = None
        for module, a in tables:
            value = self.lookup(module, a.targets[0])
            if value is None or value[0] != "table":
                continue
            info = self.bases.get(value[2])
            if info is None:
                continue
            if info.how == "MetaData()":
                # a bare MetaData() counts once it is what Alembic or create_all() works on
                targets = self.metadata_targets() if targets is None else targets
                if info.key not in targets:
                    continue
            schema = dict(a.value[3]).get("schema") if a.value[0] == "call" else None
            out.append(
                ModelInfo(
                    name=a.targets[0], module=module, line=a.line, col=a.col, table=value[1], base=info.key,
                    abstract=False, kind="table", extend_existing=("extend_existing", ("const", True)) in a.value[3],
                    schema=schema[1] if schema and schema[0] == "str" else None,
                )
            )
        return out

    def _module_results(self, module: Module) -> tuple:
        found = self._module_models.get(module.path)
        if found is None:
            self._frames.append(module.path)
            try:
                found = self._module_models[module.path] = self._models_of(module)
            finally:
                self._frames.pop()
        return found

    def _models_of(self, module: Module) -> tuple:
        """(mapped classes and imperative mappings, `Table(...)` assignments, (call, metadata key) of each
        `X.metadata.create_all(...)`, (name, line, col, reason) of each model-like class modelreg cannot
        verify) of one module."""
        out = []
        tables = []
        creates = []
        facts = self.facts(module)
        for cls in facts.classes:
            if cls.scope != MODULE:
                continue
            ck = self.classify(module, cls.name)
            if ck.kind not in ("model", "abstract"):
                continue
            parent_table, parent_model = self._inherited(module, cls, ck.base)
            table = cls.tablename
            if table is None and ck.kind == "model" and not parent_table:
                table = self._generated_table_name(cls, ck.base)
            out.append(
                ModelInfo(
                    name=cls.name,
                    module=module,
                    line=cls.line,
                    col=cls.col,
                    table=table,
                    base=ck.base,
                    abstract=ck.kind == "abstract",
                    extend_existing=cls.extend_existing,
                    schema=cls.schema,
                    # single-table inheritance that adds no table and no column: the metadata is the same
                    adds_nothing=parent_model and cls.tablename is None and not cls.declares,
                    schema_known=cls.schema_known,
                )
            )
        for a in facts.assigns:
            if a.scope == MODULE and _callee_name(a.value) == "Table":
                tables.append(a)
        for call in facts.calls:
            if call.scope == MODULE and _callee_name(("call", call.func)) == "map_imperatively":
                m = self._imperative(module, call)
                if m is not None:
                    out.append(m)
        for call in facts.calls:
            if _callee_name(("call", call.func)) == "create_all":
                func = self.eval_expr(module, call.func)
                if not (func and func[0] == "method" and func[2] == "create_all"):
                    continue
                if func[1][0] == "db":  # Flask-SQLAlchemy's db.create_all()
                    md = self.attribute(func[1], "metadata")
                    if md is not None and md[0] == "metadata":
                        creates.append((call, md[1]))
                elif func[1][0] == "metadata":
                    creates.append((call, func[1][1]))
        return out, tables, creates, unverifiable_classes(self, module, facts)

    def _mapped_parents(self, module: Module, cls: ClassDef, base: Optional[str]):
        """(module, ClassDef, ClassKind) of the class's direct bases that are models or abstract classes of `base`."""
        out = []
        for base_expr in cls.bases:
            v = self.eval_expr(module, base_expr)
            if v is None or v[0] != "class":
                continue
            parent = self.classify(v[1], v[2])
            if parent.kind in ("model", "abstract") and parent.base == base:
                pcls = self.find_class(v[1], v[2])
                if pcls is not None:
                    out.append((v[1], pcls, parent))
        return out

    def _inherited(self, module: Module, cls: ClassDef, base: Optional[str]) -> Tuple[bool, bool]:
        """(a parent model has a table, a parent is a mapped model) among the class's direct bases."""
        parents = self._mapped_parents(module, cls, base)
        has_model = any(kind.kind == "model" for _, _, kind in parents)
        return any(self._has_table(m, c, k, base) for m, c, k in parents), has_model

    def _has_table(self, module: Module, cls: ClassDef, kind: ClassKind, base: Optional[str]) -> bool:
        """Whether a mapped class has a table: its own `__tablename__`, the name its library generates,
        or one of its mapped ancestors'. A walk up the chain, not a recursion (1,200-deep chains exist)."""
        memo = self._table_memo
        start = (module.path, cls.name, base)
        stack = [(module, cls, kind, False)]
        while stack:
            m, c, k, expanded = stack.pop()
            key = (m.path, c.name, base)
            if key in memo and not expanded:
                continue
            own = c.tablename is not None or (k.kind == "model" and bool(self._generated_table_name(c, base)))
            if own:
                memo[key] = True
                continue
            parents = self._mapped_parents(m, c, base)
            if expanded:
                memo[key] = any(memo.get((pm.path, pc.name, base), False) for pm, pc, _ in parents)
                continue
            memo[key] = False  # cycle guard while its ancestors are walked
            stack.append((m, c, k, True))
            stack.extend((pm, pc, pk, False) for pm, pc, pk in parents if (pm.path, pc.name, base) not in memo)
        return memo[start]

    def _generated_table_name(self, cls: ClassDef, base: Optional[str]) -> Optional[str]:
        """The name SQLModel (the lower-cased class name) or Flask-SQLAlchemy (snake_case) gives a table."""
        if base == _SQLMODEL_BASE:
            return cls.name.lower()
        info = self.bases.get(base) if base else None
        if info is not None and info.how == "Flask-SQLAlchemy db.Model":
            return camel_to_snake_case(cls.name)
        return None

    def _imperative(self, module: Module, call) -> Optional[ModelInfo]:
        """``reg.map_imperatively(Cls, table)``: the module making the call must be registered."""
        func = self.eval_expr(module, call.func)
        if not (func and func[0] == "method" and func[1][0] == "registry" and call.args):
            return None
        if call.args[0][0] != "name":
            return None
        table = self.eval_expr(module, call.args[1]) if len(call.args) > 1 else None
        return ModelInfo(
            name=call.args[0][1].rpartition(".")[2], module=module, line=call.line, col=call.col,
            table=table[1] if table and table[0] == "table" else None, base=func[1][1], abstract=False,
            kind="imperative",
        )

    def metadata_targets(self) -> Set[str]:
        """Keys of the metadata Alembic's env.py targets or create_all() is called on."""
        keys: Set[str] = set()
        for env in self.alembic_envs():
            keys.update(k for k, _ in env.targets)
        for module, call, key in self.create_all_calls():
            keys.add(key)
        return keys

    def create_all_calls(self):
        """(module, call fact, base or metadata key) of every ``X.metadata.create_all(...)``."""
        out = []
        for module in self.scan_modules():
            out.extend((module, call, key) for call, key in self._module_results(module)[2])
        return out

    def unverified(self) -> List[Tuple[Module, str, int, int, str]]:
        """(module, class name, line, col, reason) of every model-like class modelreg cannot verify: defined
        inside a function, nested in a class body, or made by `type(...)` (never mapped by importing a
        registry the way module-level classes are)."""
        out = []
        for module in self.scan_modules():
            out.extend((module,) + tuple(row) for row in self._module_results(module)[3])
        return out

    # -- Alembic --------------------------------------------------------------------

    _configured: Optional[List[Registry]] = None

    def alembic_envs(self) -> List["AlembicEnv"]:
        if self._envs is None:
            self._envs = find_alembic_envs(self)
        return self._envs

    def registries(self) -> List[Registry]:
        """Configured registries (they replace discovery), else every __all_models.py."""
        if self.config.registries:
            out = []
            for spec in self.config.registries:
                path = os.path.normpath(os.path.join(self.config.root, spec.registry))
                bases = (spec.base,) if spec.base else None
                out.append(Registry(path, self.by_path.get(path), "config", bases))
            return out
        found = [Registry(m.path, m, "file name") for m in self.named(REGISTRY_FILENAME)]
        if found:
            return found
        out: List[Registry] = []
        for env in self.alembic_envs():
            for key, registry in env.registries():
                out.append(Registry(registry.path, registry, "env.py", (key,)))
        out += create_all_registries(self, {key for r in out for key in r.bases or ()})
        return out

    def registry_root(self, reg: Registry) -> Optional[str]:
        if reg.module is not None:
            return reg.module.root
        mod = self.graph.name_for(reg.path)
        return mod.root if mod else None

    def governs(self, reg: Registry, base_key: str, model_root: Optional[str] = None) -> bool:
        """Whether `reg` is the registry for models of this base (defined under `model_root`)."""
        info = self.bases.get(base_key)
        if info is None:
            return False
        if reg.bases is not None:
            # a Flask-SQLAlchemy base is named by its object: base = "app.extensions.db"
            return info.name in reg.bases or info.key in reg.bases or info.name.rpartition(".Model")[0] in reg.bases
        # a library-provided base (SQLModel) is shared: the registries of the model's own import root govern it
        root = info.module.root if info.module is not None else model_root
        if root is not None and self.registry_root(reg) == root:
            return True
        # a configured registry is honoured for every base, wherever its own file sits (an env.py in a
        # folder without __init__.py, a registry not created yet), unless another one sits in that root
        return reg.source == "config" and not any(
            r.bases is None and self.registry_root(r) == root for r in self.configured_registries()
        )

    def configured_registries(self) -> List[Registry]:
        if self._configured is None:
            self._configured = [r for r in self.registries() if r.source == "config"] if self.config.registries else []
        return self._configured


def _closure(changed: Iterable[str], used_by: Dict[str, Set[str]]) -> Set[str]:
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


# -- what a registry registers ---------------------------------------------------


@dataclass
class Coverage:
    """What importing one registry registers, under each `require` mode."""

    modules: Set[str]  # paths of modules registered
    classes: Set[Tuple[str, str]]  # (path, class name) named by the registry
    unknown_dynamic: List[Tuple[int, int]]  # positions of imports modelreg cannot follow


def executed_by(project: Project, module: Module, stmt: ImportStmt) -> List[Module]:
    """Modules a single import statement runs, parents first."""
    out: List[Module] = []
    if not stmt.is_from:
        for name, _ in stmt.names:
            parts = name.split(".")
            for i in range(len(parts), 0, -1):  # the part that exists still runs
                mod, _ = project.find_module(".".join(parts[:i]), module)
                if mod is not None:
                    out.extend(project.parents(mod))
                    out.append(mod)
                    break
        return out
    target, pkg, _ = project.from_source(module, stmt)
    if pkg is not None:
        out.extend(project.parents(pkg))
        out.append(pkg)
    elif target is None:
        return out
    else:  # `from app.models.gone import X`: Python runs the packages above the missing module first
        parts = target.split(".")
        for i in range(len(parts) - 1, 0, -1):
            mod, _ = project.find_module(".".join(parts[:i]), module)
            if mod is not None:
                out.extend(project.parents(mod))
                out.append(mod)
                break
    for name, _ in stmt.names:
        if name == "*":
            if pkg is not None:
                for n in project.facts(pkg).all_names or ():
                    sub = project.child(pkg, n)
                    if sub is not None:
                        out.append(sub)
            continue
        sub, _ = project.find_module(target + "." + name, module)
        if sub is not None:
            out.extend(m for m in project.parents(sub) if m not in out)
            out.append(sub)
    return out


def dynamic_targets(project: Project, module: Module, facts: FileFacts, scopes: FrozenSet[str]):
    """(modules imported by understood dynamic imports, positions of the ones not understood)."""
    mods: List[Module] = []
    unknown: List[Tuple[int, int]] = []
    for d in facts.dynamic_imports:
        if d.scope not in scopes:
            continue
        if d.kind == "package":
            if d.target == ("name", "__path__"):
                pkg = module if module.is_package else project.by_root.get(module.root, {}).get(module.package)
            else:
                v = project.eval_expr(module, d.target) if d.target[0] != "other" else None
                pkg = v[1] if v and v[0] == "module" else None
            if pkg is None:
                unknown.append((d.line, d.col))
                continue
            for sub in project.submodules(pkg, d.recursive):
                if d.suffix:  # import_module(f"plugins.{name}.models"): the suffix module of each one
                    if not sub.is_package:
                        continue
                    sub, _ = project.find_module(sub.name + d.suffix, module)
                    if sub is None:
                        continue
                mods.extend(project.parents(sub))
                mods.append(sub)
        elif d.kind == "literal":
            mod, _ = project.find_module(d.target[1], module)
            if mod is not None:
                mods.extend(project.parents(mod))
                mods.append(mod)
        else:
            unknown.append((d.line, d.col))
    return mods, unknown


def run_scopes(facts: FileFacts) -> FrozenSet[str]:
    """Scopes whose code runs on import: module level, plus functions called at module level."""
    return frozenset([MODULE] + ["def:" + f for f in facts.called_functions])


def reachable(project: Project, start: Module) -> Set[str]:
    """Paths of every module that importing `start` runs (its parents, then its import closure)."""
    seen: Set[str] = set()
    stack = [start] + project.parents(start)
    while stack:
        mod = stack.pop()
        if mod.path in seen:
            continue
        seen.add(mod.path)
        stack.extend(m for m in project.runs(mod) if m.path not in seen)
    return seen


def direct_coverage(project: Project, registry: Module) -> Coverage:
    """What the registry's own statements name: modules (`module` mode) and classes (`class` mode)."""
    facts = project.facts(registry)
    scopes = run_scopes(facts)
    modules: Set[str] = set()
    classes: Set[Tuple[str, str]] = set()

    def whole(mod: Module) -> None:  # a module imported as a whole registers all its classes
        modules.add(mod.path)
        classes.add(("*", mod.path))

    for stmt in facts.imports:
        if stmt.scope not in scopes:
            continue
        if not stmt.is_from:
            for name, _ in stmt.names:
                mod, _ = project.find_module(name, registry)
                if mod is not None:
                    whole(mod)
            continue
        _, pkg, _ = project.from_source(registry, stmt)
        if pkg is not None:
            modules.add(pkg.path)  # `from m import X` imports m with a statement of its own
        for name, _ in stmt.names:
            if name == "*":
                if pkg is not None:
                    whole(pkg)
                    for n in project.facts(pkg).all_names or ():
                        sub = project.child(pkg, n)
                        if sub is not None:
                            whole(sub)
                            continue
                        value = project.lookup(pkg, n)  # a model the package re-exports through __all__
                        if value is not None and value[0] == "class":
                            modules.add(value[1].path)
                            classes.add((value[1].path, value[2]))
                continue
            value = project.imported_value(registry, stmt, name)
            if value is None:
                continue
            if value[0] == "module":
                whole(value[1])
            elif value[0] == "class":  # also through re-exports: the defining module counts
                modules.add(value[1].path)
                classes.add((value[1].path, value[2]))
    dyn, unknown = dynamic_targets(project, registry, facts, scopes)
    for m in dyn:
        whole(m)
    return Coverage(modules, classes, unknown)


def is_registered(model: ModelInfo, mode: str, reach: Set[str], direct: Coverage) -> bool:
    path = model.module.path
    if mode == "reachable":
        return path in reach
    if mode == "module":
        return path in direct.modules
    return (path, model.name) in direct.classes or ("*", path) in direct.classes


def stale_imports(project: Project, registry: Module) -> Iterable[Tuple[ImportStmt, int, str]]:
    """(statement, alias index or -1 for the whole statement, reason) for each registry import that must fail.

    Only project modules and names are judged; a third-party import is never stale.
    """
    facts = project.facts(registry)
    guarded = set(facts.guarded)
    for stmt in facts.imports:
        if stmt.scope in ("typing", "dead") or stmt.line in guarded:  # never runs, or optional: cannot fail
            continue
        if not stmt.is_from:
            for i, (name, _) in enumerate(stmt.names):
                mod, is_project = project.find_module(name, registry)
                if mod is None and is_project and not _on_disk(project, name, registry):
                    yield stmt, i, f"module {name} does not exist"
            continue
        target, pkg, is_project = project.from_source(registry, stmt)
        if target is None:
            yield stmt, -1, "relative import beyond the top-level package"
            continue
        if pkg is None:
            if (
                is_project
                and not any(project.find_module(f"{target}.{n}", registry)[0] for n, _ in stmt.names)
                and not _on_disk(project, target, registry)
            ):
                yield stmt, -1, f"module {target} does not exist"
            continue
        for i, (name, _) in enumerate(stmt.names):
            if name != "*" and not _may_provide(project, pkg, name, set()) and not _on_disk(
                project, f"{target}.{name}", registry
            ):
                yield stmt, i, f"{target} has no name or submodule {name}"


def _on_disk(project: Project, name: str, near: Module) -> bool:
    """Whether Python would find module `name` from `near` in any form, analyzed or not (see
    :meth:`ModuleGraph.exists`): importing it is not stale."""
    return project.graph.exists(name, near)


def _may_provide(project: Project, mod: Module, name: str, seen: Set[str]) -> bool:
    """Could `from mod import name` succeed? False only when modelreg can see it cannot."""
    if mod.path in seen:
        return False
    seen.add(mod.path)
    facts = project.facts(mod)
    if facts.error is not None or facts.has_getattr or name in facts.defined or project.child(mod, name):
        return True
    for s in facts.imports:
        if not (s.is_from and s.names == (("*", None),) and s.scope == MODULE):
            continue
        target, src, is_project = project.from_source(mod, s)
        if src is None:
            if not is_project:
                return True  # a star import from a library may provide anything
            continue
        f = project.facts(src)
        if (f.all_names is None and not name.startswith("_")) or (f.all_names is not None and name in f.all_names):
            if _may_provide(project, src, name, seen):
                return True
    return False


# -- Alembic's env.py ----------------------------------------------------------------


@dataclass
class AlembicEnv:
    """An Alembic env.py and the metadata it hands to autogenerate."""

    project: Project
    module: Module
    targets: List[Tuple[str, int]]  # (base or metadata key, line of `target_metadata = ...`)
    sources: Dict[str, Optional[Module]]  # key -> the module env.py imports the base from (None: env.py itself)
    import_lines: Dict[str, int]  # key -> line of the statement that imports the base into env.py

    def registries(self) -> List[Tuple[str, Module]]:
        """(base key, registry) for each target: the module env.py imports the base from when that module
        only re-exports it (FastAPI's `from app.db.base import Base`), else env.py itself."""
        out = []
        for key, _ in self.targets:
            source = self.sources.get(key)
            out.append((key, source if source is not None else self.module))
        return out


def _script_location(ini_path: str) -> Optional[str]:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini_path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    loc = parser.get("alembic", "script_location", fallback=None)
    if not loc:
        return None
    here = os.path.dirname(ini_path)
    loc = loc.replace("%(here)s", here).strip()
    if ":" in loc and not os.path.isabs(loc):  # "package:path" form
        pkg, _, sub = loc.partition(":")
        loc = os.path.join(here, *pkg.split("."), sub)
    return os.path.normpath(os.path.join(here, loc))


def _env_paths(project: Project) -> Set[str]:
    """env.py files named by alembic.ini's script_location, sitting beside Alembic's script.py.mako, or
    configured as a registry."""
    paths = set()
    ini = os.path.join(project.config.root, "alembic.ini")
    if os.path.isfile(ini):
        loc = _script_location(ini)
        if loc:
            paths.add(os.path.join(loc, "env.py"))
    for m in project.named("env.py"):
        if os.path.isfile(os.path.join(os.path.dirname(m.path), "script.py.mako")):
            paths.add(m.path)
    for spec in project.config.registries:  # a configured registry named env.py is an Alembic env.py
        if os.path.basename(spec.registry) == "env.py":
            paths.add(os.path.normpath(os.path.join(project.config.root, spec.registry)))
    return paths


def find_alembic_envs(project: Project) -> List[AlembicEnv]:
    """The Alembic env.py files (see _env_paths) that target a metadata modelreg knows."""
    envs = []
    for path in sorted(_env_paths(project)):
        module = project.by_path.get(path)
        if module is None:
            continue
        env = _read_env(project, module)
        if env is not None:
            envs.append(env)
    return envs


def _flask_migrate_expr(expr) -> bool:
    """`current_app.extensions["migrate"].db...`: the metadata Flask-Migrate hands to Alembic."""
    if expr[0] == "sub" and expr[1][0] == "name" and expr[1][1].rpartition(".")[2] == "extensions":
        return True
    return any(_flask_migrate_expr(e) for e in expr[1:] if type(e) is tuple and e and type(e[0]) is str)


def flask_migrate_envs(project: Project) -> List[Module]:
    """Alembic env.py files that take their metadata from the Flask app (Flask-Migrate's template): which
    models are loaded depends on the app factory, which modelreg does not follow."""
    out = []
    for path in sorted(_env_paths(project)):
        module = project.by_path.get(path)
        if module is not None and any(
            a.scope == MODULE and _flask_migrate_expr(a.value) for a in project.facts(module).assigns
        ):
            out.append(module)
    return out


def _read_env(project: Project, module: Module) -> Optional[AlembicEnv]:
    facts = project.facts(module)
    targets: List[Tuple[str, int]] = []
    sources: Dict[str, Optional[Module]] = {}
    import_lines: Dict[str, int] = {}
    found = [(a.value, a.line) for a in facts.assigns if "target_metadata" in a.targets and a.scope == MODULE]
    # `context.configure(..., target_metadata=db.metadata)` inline (warehouse), in any function
    found += [(dict(c.kwargs)["target_metadata"], c.line) for c in facts.calls if dict(c.kwargs).get("target_metadata")]
    for value_expr, line in found:
        exprs = value_expr[1] if value_expr[0] in ("list", "dict") else (value_expr,)
        for expr in exprs:
            value = project.eval_expr(module, expr)
            if not value or value[0] != "metadata":
                continue
            key = value[1]
            if key in sources:
                continue
            targets.append((key, line))
            stmt = _binding_import(project, module, expr)
            sources[key] = metadata_source(project, module, expr, key)
            if stmt is not None:
                import_lines[key] = stmt.line
    return AlembicEnv(project, module, targets, sources, import_lines) if targets else None


def metadata_source(project: Project, user: Module, expr, key: str) -> Optional[Module]:
    """The module `user` (env.py, a create_all() site) takes the base or metadata of `expr` from, when
    that module only re-exports it (FastAPI's `from app.db.base import Base`); None when it takes it
    from where it is defined (then `user`'s own imports are what load the models).

    `from myapp import models` + `models.Base.metadata` takes it from `myapp.models` (the chain of
    attribute accesses is followed through modules), not from the package `myapp`."""
    if expr[0] != "name":
        return None
    parts = expr[1].split(".")
    info = project.bases.get(key)
    defining = info.module if info else None
    stmt = _binding_import(project, user, expr)
    source: Optional[Module] = None
    value = project.lookup(user, parts[0])
    if value is not None and value[0] == "module":
        source = value[1]
        for attr in parts[1:]:
            value = project.attribute(value, attr)
            if value is None or value[0] != "module":
                break
            source = value[1]
    elif stmt is not None and stmt.is_from:
        _, source, _ = project.from_source(user, stmt)
    if source is not None and (defining is None or source.path != defining.path):
        return source
    return None


def _binding_import(project: Project, env: Module, expr) -> Optional[ImportStmt]:
    """The module-level import that binds the first name of `expr` (`Base` in `Base.metadata`)."""
    if expr[0] != "name":
        return None
    first = expr[1].split(".")[0]
    found = None
    for stmt in project.facts(env).imports:
        if stmt.scope != MODULE:
            continue
        for name, asname in stmt.names:
            bound = asname or (name if stmt.is_from else name.split(".")[0])
            if bound == first:
                found = stmt
    return found


# -- create_all() call sites as registry evidence -----------------------------------------------


def _is_test_path(path: str) -> bool:
    """A module of a test suite: under a `tests`/`test` folder, or named test_*.py, *_test.py, conftest.py."""
    parts = path.split(os.sep)
    name = parts[-1]
    return (
        any(p in ("tests", "test", "testing") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def create_all_registries(project: Project, covered: Set[str]) -> List[Registry]:
    """A registry per base that `X.metadata.create_all()` (or Flask's `db.create_all()`) is called on and
    no env.py targets: like env.py, the module the call site imports the base from when that module
    only re-exports it (the FastAPI template's `app/db/base.py`), else the call site's module itself.
    Call sites in tests count only for bases no application code creates."""
    envs = {e.module.path for e in project.alembic_envs()}
    per_key: Dict[str, List[Module]] = {}
    for module, call, key in project.create_all_calls():
        if key in covered or module.path in envs:
            continue
        owner = call.func[1].rpartition(".")[0] if call.func[0] == "name" else ""
        source = metadata_source(project, module, ("name", owner), key) if owner else None
        registry = source if source is not None else module
        found = per_key.setdefault(key, [])
        if all(m.path != registry.path for m in found):
            found.append(registry)
    out = []
    root = project.config.root
    for key, mods in per_key.items():
        app = [m for m in mods if not _is_test_path(os.path.relpath(m.path, root))]
        for m in app or mods:
            out.append(Registry(m.path, m, "create_all", (key,)))
    return out
