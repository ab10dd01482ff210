"""Names -> values: a small abstract interpreter over the per-file facts.

A name in a module evaluates to a *value*, a plain tuple:

    ("module", Module)          ("class", Module, name)      ("ext", "dotted.name")
    ("base", key)               ("registry", key)            ("db", key)
    ("metadata", key)           ("method", value, name)      ("str", text)
    ("table", name, key)        ("function", Module, name)   ("list", (values...))
    None: unknown

Module-level bindings are looked up the way Python binds them (the last binding wins, star imports
last), through the module graph (modelreg.imports). What a *call* creates (a declarative base, a
registry, a MetaData, a Flask-SQLAlchemy db...) is modelreg.objects' job; what a *class* is,
modelreg.classify's. Each lookup's value is memoized in the project's results (modelreg.state).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

from ..types import MODULE, ImportStmt, Module
from .bindings import winning_bindings
from .objects import SQLMODEL, STAR_LIBRARIES
from .state import MISSING

# `typing.cast(T, value)` returns `value` unchanged
_CASTS = (("ext", "typing.cast"), ("ext", "typing_extensions.cast"))

# Nested computations beyond which a lookup settles a chain of re-exports from its far end first.
DEEP = 40


def star_names(project, pkg: Module) -> Optional[Tuple[str, ...]]:
    """The names `from pkg import *` takes when `__all__` says: its literal `__all__`, or, for an
    `__all__` computed from a listing of the package's own folder, the names of its modules."""
    facts = project.facts(pkg)
    if facts.all_names is not None or not facts.all_from_folder:
        return facts.all_names
    found = (m.name.rpartition(".")[2] for m in project.submodules(pkg, False))
    return tuple(n for n in found if not n.startswith("_"))


class Evaluator:
    """Evaluates names and expressions of one project's modules (see the module docstring)."""

    def __init__(self, project):
        self.project = project
        self.state = project.state
        self.graph = project.graph
        self.facts = project.state.facts
        self._config_bases = set(project.config.bases)
        self._bindings_index: Dict[str, tuple] = {}  # path -> (its facts, _module_bindings)
        self._settling = False  # looking a deep chain of re-exports up from its far end (see lookup)
        self._calling: Set[Tuple[str, str]] = set()  # project functions being evaluated (recursion guard)

    # -- module-level names ----------------------------------------------------------------

    def lookup(self, module: Module, name: str):
        """The value a module-level name is bound to (the last binding wins, star imports last)."""
        state = self.state
        path = module.path
        state.reads(path)
        key = (path, name)
        bindings = state.bindings
        if key in bindings:
            return bindings[key]
        saved = state.saved_binding(key, self.graph.by_path)
        if saved is not MISSING:
            return saved
        frames = state.frames
        if len(frames) > DEEP and not self._settling:
            # deep in a chain of re-exports (`from a import Base` in b, `from b import Base` in c, ...):
            # look the farther links up first, so that the stack stays shallow however long the chain
            self._lookup_reexports_first(module, name)
        bindings[key] = None  # cycle guard: a name defined through itself is unknown
        frames.append(path)
        try:
            value = self._lookup(module, name)
        finally:
            frames.pop()
        bindings[key] = value
        return value

    def _lookup_reexports_first(self, module: Module, name: str) -> None:
        """Follow `from X import name` bindings from (module, name) iteratively, then look them up from
        the farthest back, each finding the next one done (see classify for inheritance chains)."""
        state = self.state
        chain: List[Tuple[Module, str]] = []
        seen: Set[Tuple[str, str]] = set()
        mod, cname = module, name
        while (mod.path, cname) not in seen:
            seen.add((mod.path, cname))
            key = (mod.path, cname)
            if key in state.bindings or key in state.saved_bindings:
                break
            chain.append((mod, cname))
            found = self.module_bindings(mod).get(cname)
            if found is None or found[1][0] != "from":
                break
            stmt, imported = found[1][1], found[1][2]
            _, source, _ = self.graph.from_source(mod, stmt)
            if source is None or imported not in self.facts(source).defined:
                break
            mod, cname = source, imported
        self._settling = True
        try:
            for mod, cname in reversed(chain[1:]):
                self.lookup(mod, cname)
        finally:
            self._settling = False

    def module_bindings(self, module: Module) -> Dict[str, tuple]:
        """name -> (line, binding) of each module-level name (modelreg.bindings), once per module's facts."""
        facts = self.facts(module)
        cached = self._bindings_index.get(module.path)
        if cached is not None and cached[0] is facts:
            return cached[1]
        best = winning_bindings(facts)
        self._bindings_index[module.path] = (facts, best)
        return best

    def _lookup(self, module: Module, name: str):
        found = self.module_bindings(module).get(name)
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
                return self._config_base(module, name, best[1])
            return self.eval_expr(module, best[1].value, bind=(module, name))
        if what == "from":
            return self.imported_value(module, best[1], best[2])
        _, stmt, imported, asname = best
        return self._module_value(imported if asname else imported.partition(".")[0], module)

    def _config_base(self, module: Module, name: str, assign):
        """A name bound by an assignment and named as a base in the configuration."""
        value = self.eval_expr(module, assign.value, bind=(module, name))
        if value is not None and value[0] in ("db", "base", "metadata", "registry"):
            return value  # already understood (`db = AppSQLAlchemy()` named in config too)
        key, display = f"{module.path}::{name}", f"{module.name}.{name}"
        return self.project.objects.new_base(key, display, module, assign.line, "config base")

    def _module_value(self, dotted: str, near: Module):
        """What `import dotted` binds: a project module, a library's (ext), or None (a project module
        that does not exist)."""
        mod, is_project = self.graph.find_module(dotted, near)
        if mod is not None:
            return ("module", mod)
        return None if is_project else ("ext", dotted)

    def _star_lookup(self, module: Module, name: str):
        for stmt in self.facts(module).imports:
            if stmt.scope != MODULE or not stmt.is_from or stmt.names != (("*", None),):
                continue
            target, mod, is_project = self.graph.from_source(module, stmt)
            if mod is None:
                if not is_project and target and target.partition(".")[0] in STAR_LIBRARIES and name[:1].isupper():
                    return ("ext", f"{target}.{name}")  # `from sqlalchemy import *` then `Table(...)`
                continue
            names = star_names(self.project, mod)
            exported = name in names if names is not None else not name.startswith("_")
            if exported:
                value = self.lookup(mod, name)
                if value is not None:
                    return value
        return None

    def imported_value(self, module: Module, stmt: ImportStmt, name: str):
        """What `from <stmt.module> import name` binds."""
        target, pkg, is_project = self.graph.from_source(module, stmt)
        if target is None:
            return None
        if pkg is not None:
            return self.attribute(("module", pkg), name)
        sub, _ = self.graph.find_module(target + "." + name, module)  # namespace package
        if sub is not None:
            return ("module", sub)
        return None if is_project else ("ext", target + "." + name)

    # -- attributes and expressions ------------------------------------------------------------

    def attribute(self, value, attr: str):
        if value is None:
            return None
        kind = value[0]
        if kind == "module":
            mod = value[1]
            if attr in self.facts(mod).defined:
                found = self.lookup(mod, attr)
                if found is not None:
                    return found
                # `from pkg import sub` inside pkg itself binds the submodule (the import sets it first)
                sub = self.graph.child(mod, attr)
                return ("module", sub) if sub is not None else None
            sub = self.graph.child(mod, attr)
            if sub is not None:
                return ("module", sub)
            return self.lookup(mod, attr)  # star imports
        if kind == "ext":
            if value[1] in SQLMODEL and attr == "metadata":  # `target_metadata = SQLModel.metadata`
                return ("metadata", self.project.objects.sqlmodel_base())
            return ("ext", value[1] + "." + attr)
        if kind == "db":
            if attr == "Model":
                return self.project.objects.db_model(value[1])
            if attr == "metadata":
                return self.attribute(self.project.objects.db_model(value[1]), "metadata")
            return ("method", value, attr)
        if kind == "base":
            return ("metadata", value[1]) if attr == "metadata" else None
        if kind == "class":
            ck = self.project.classify(value[1], value[2])
            return ("metadata", ck.base) if attr == "metadata" and ck.base is not None else None
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
        """The value of an expression of the facts (`bind`: the module-level name it is assigned to,
        which names the object a call creates)."""
        kind = expr[0]
        if kind == "name":
            return self.eval_name(module, expr[1])
        if kind == "attr":
            return self.attribute(self.eval_expr(module, expr[1]), expr[2])
        if kind == "call":
            func = self.eval_expr(module, expr[1])
            if func is not None and func[0] == "function":
                return self._call_function(func[1], func[2], bind)
            if func in _CASTS and len(expr[2]) == 2:  # `cast(DeclarativeMeta, declarative_base())`: the value itself
                return self.eval_expr(module, expr[2][1], bind)
            return self.project.objects.call(module, func, expr[2], dict(expr[3]), bind)
        if kind == "str":
            return expr
        if kind == "list":
            return ("list", tuple(self.eval_expr(module, e) for e in expr[1]))
        if kind == "sub":  # `Base[int]`: a generic base is its origin
            return self.eval_expr(module, expr[1])
        return None

    # -- project functions (`def make_base(): return declarative_base()`) -------------------------

    def _call_function(self, module: Module, name: str, bind):
        """What a project function returns, evaluated in its own scope (its imports first): a base made
        by `def make_base(): return declarative_base()` is bound to the caller's name."""
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

    def eval_in_scope(self, module: Module, expr, scope: str):
        """eval_expr for an expression in `scope` (MODULE, or a function `def:name`, whose own imports
        bind first: `from app import models` inside a method, then `models.Base.metadata`)."""
        if scope == MODULE or not scope.startswith("def:"):
            return self.eval_expr(module, expr)
        return self._eval_scoped(module, expr, scope, None)

    def scoped_source(self, module: Module, name: str, scope: str) -> Optional[Module]:
        """The project module an import inside the function `scope` takes `name` from, or None."""
        found = None
        for stmt in self.facts(module).imports:
            if stmt.scope != scope:
                continue
            for imported, asname in stmt.names:
                bound = stmt.bound(imported, asname)
                if bound != name or imported == "*":
                    continue
                if stmt.is_from:
                    value = self.imported_value(module, stmt, imported)  # a submodule, or a name of the package
                    found = value[1] if value is not None and value[0] == "module" else self.graph.from_source(module, stmt)[1]
                else:
                    found = self.graph.find_module(imported if asname else bound, module)[0]
        return found

    def _eval_scoped(self, module: Module, expr, scope: str, bind):
        """eval_expr inside a function: names its own imports and classes bind come first."""
        kind = expr[0]
        if kind == "name":
            first, _, rest = expr[1].partition(".")
            if not rest:
                made = self.scoped_base(module, first, scope, bind)
                if made is not None:
                    return made
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
            return self.project.objects.call(module, func, expr[2], dict(expr[3]), bind)
        return self.eval_expr(module, expr, bind)

    def scoped_base(self, module: Module, name: str, scope: str, bind):
        """A declarative base that a function defines and returns: `@as_declarative(metadata=md) class B`
        or `class B(DeclarativeBase)` inside `def versioned_base(...)`. On a shared MetaData it is that
        MetaData's base (every call, one metadata); else each call makes a base, named by `bind`."""
        facts = self.facts(module)
        cls = next((c for c in facts.hidden_classes if c.scope == scope and c.name == name), None)
        found, shared = self.declares_base(module, cls) if cls is not None else (False, None)
        if not found:
            return None
        if shared is not None:
            return ("base", shared)
        if bind is None:
            return None
        key, display = f"{bind[0].path}::{bind[1]}", f"{bind[0].name}.{bind[1]}"
        return self.project.objects.new_base(key, display, bind[0], cls.line, f"{name} made by a function")

    def declares_base(self, module: Module, cls) -> Tuple[bool, Optional[str]]:
        """(whether the class is a declarative base of its own, the key of the shared MetaData it puts its
        tables on): `@as_declarative(metadata=md)`, `class B(DeclarativeBase): metadata = md`."""
        shared = None
        found = False
        for dec in cls.decorators:
            is_call = dec[0] == "call"
            v = self.eval_expr(module, dec[1] if is_call else dec)
            if v is not None and v[0] == "ext" and v[1].startswith("sqlalchemy.") and v[1].endswith(".as_declarative"):
                found = True
                md = dict(dec[3]).get("metadata") if is_call else None
                shared = self.project.objects.shared_metadata(module, md) if md is not None else None
        for base_expr in cls.bases:
            v = self.eval_expr(module, base_expr)
            if v is not None and v[0] == "ext" and v[1].rpartition(".")[2] in ("DeclarativeBase", "DeclarativeBaseNoMeta"):
                found = True
                shared = self.project.objects.shared_metadata(module, cls.metadata) if cls.metadata else None
        return found, shared

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
                    found = self._module_value(imported if asname else imported.partition(".")[0], module)
        return found
