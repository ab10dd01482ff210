"""The project's inventory: every mapped class, abstract intermediate, imperative mapping and Core
table, the ``create_all()`` calls, and the model-like classes modelreg cannot verify.

Built module by module from the classifications (modelreg.classify); each module's results are
memoized in the project's results (modelreg.state), so that a later analysis takes them over.
"""

from __future__ import annotations

from typing import List, Optional, Set, Tuple

from ..types import MODULE, ClassDef, ModelInfo, Module
from .bases import camel_to_snake_case, unverifiable_classes
from .objects import FLASK_MODEL_HOW, SQLMODEL_BASE
from .state import ClassKind


def callee_name(expr) -> Optional[str]:
    """The last name of a call's callee: `sa.Table(...)` -> "Table" (a cheap filter before evaluating)."""
    if not expr or expr[0] != "call":
        return None
    func = expr[1]
    if func[0] == "name":
        return func[1].rpartition(".")[2]
    if func[0] == "attr":
        return func[2]
    return None


class Inventory:
    """The models, tables and create_all() calls of one project (see the module docstring)."""

    def __init__(self, project):
        self.project = project
        self.state = project.state
        self._table_memo = {}  # (path, class, base) -> has a table
        self._scan: Tuple[Optional[Set[str]], Optional[List[Module]]] = (None, None)

    def scan_modules(self) -> List[Module]:
        """The modules that may define a model: the prefilter's candidates (every module without one),
        except Alembic revision files (see Registries.is_revision_file)."""
        candidates = self.project.candidates
        if self._scan[1] is None or self._scan[0] is not candidates:
            mods = self.project.modules if candidates is None else [m for m in self.project.modules if m.path in candidates]
            if any(self.project.registry_finder.revision_dirs()):  # (most projects: no Alembic, nothing to drop)
                revision = self.project.is_revision_file
                mods = [m for m in mods if not revision(m.path)]
            self._scan = (candidates, mods)
        return self._scan[1]

    def models(self) -> List[ModelInfo]:
        """Every mapped class, abstract intermediate, imperative mapping and Core table of the project."""
        out = []
        tables = []
        for module in self.scan_modules():
            found = self.module_results(module)
            out.extend(found[0])
            tables.extend((module, a) for a in found[1])
        targets = None
        for module, a in tables:
            value = self.project.lookup(module, a.targets[0])
            if value is None or value[0] != "table":
                continue
            info = self.state.bases.get(value[2])
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

    def module_results(self, module: Module) -> tuple:
        """(models and imperative mappings, `Table(...)` assignments, (call, metadata key) of each
        create_all() call, unverifiable classes) of one module, computed once."""
        found = self.state.module_models.get(module.path)
        if found is None:
            found = self.state.computing(module.path, lambda: self._models_of(module))
            self.state.module_models[module.path] = found
        return found

    def _models_of(self, module: Module) -> tuple:
        facts = self.state.facts(module)
        out = [self._model(module, cls) for cls in facts.classes if cls.scope == MODULE]
        out = [m for m in out if m is not None]
        tables = [a for a in facts.assigns if a.scope == MODULE and callee_name(a.value) == "Table"]
        for call in facts.calls:
            if call.scope == MODULE and callee_name(("call", call.func)) == "map_imperatively":
                m = self._imperative(module, call)
                if m is not None:
                    out.append(m)
        creates = [c for c in (self._create_all(module, call) for call in facts.calls) if c is not None]
        return out, tables, creates, unverifiable_classes(self.project, module, facts)

    def _model(self, module: Module, cls: ClassDef) -> Optional[ModelInfo]:
        """The ModelInfo of a module-level class that is a model or an abstract class, else None."""
        ck = self.project.classify(module, cls.name)
        if ck.kind not in ("model", "abstract"):
            return None
        parent_table, parent_model = self._inherited(module, cls, ck.base)
        table = cls.tablename
        if table is None and ck.kind == "model" and not parent_table:
            table = self._generated_table_name(cls, ck.base)
        return ModelInfo(
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

    def _create_all(self, module: Module, call) -> Optional[tuple]:
        """(call, metadata key) for `X.metadata.create_all(...)` or Flask-SQLAlchemy's `db.create_all()`."""
        if callee_name(("call", call.func)) != "create_all":
            return None
        func = self.project.eval_in_scope(module, call.func, call.scope)
        if not (func and func[0] == "method" and func[2] == "create_all"):
            return None
        if func[1][0] == "db":
            md = self.project.attribute(func[1], "metadata")
            return (call, md[1]) if md is not None and md[0] == "metadata" else None
        if func[1][0] == "metadata":
            return (call, func[1][1])
        return None

    def _mapped_parents(self, module: Module, cls: ClassDef, base: Optional[str]):
        """(module, ClassDef, ClassKind) of the class's direct bases that are models or abstract classes of `base`."""
        out = []
        for base_expr in cls.bases:
            v = self.project.eval_expr(module, base_expr)
            if v is None or v[0] != "class":
                continue
            parent = self.project.classify(v[1], v[2])
            if parent.kind in ("model", "abstract") and parent.base == base:
                pcls = self.project.find_class(v[1], v[2])
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
        if base == SQLMODEL_BASE:
            return cls.name.lower()
        info = self.state.bases.get(base) if base else None
        if info is not None and info.how == FLASK_MODEL_HOW:
            return camel_to_snake_case(cls.name)
        return None

    def _imperative(self, module: Module, call) -> Optional[ModelInfo]:
        """``reg.map_imperatively(Cls, table)``: the module making the call must be registered."""
        func = self.project.eval_expr(module, call.func)
        if not (func and func[0] == "method" and func[1][0] == "registry" and call.args):
            return None
        if call.args[0][0] != "name":
            return None
        table = self.project.eval_expr(module, call.args[1]) if len(call.args) > 1 else None
        return ModelInfo(
            name=call.args[0][1].rpartition(".")[2], module=module, line=call.line, col=call.col,
            table=table[1] if table and table[0] == "table" else None, base=func[1][1], abstract=False,
            kind="imperative",
        )

    def metadata_targets(self) -> Set[str]:
        """Keys of the metadata Alembic's env.py targets or create_all() is called on."""
        keys: Set[str] = set()
        for env in self.project.alembic_envs():
            keys.update(k for k, _ in env.targets)
        for module, call, key in self.create_all_calls():
            keys.add(key)
        return keys

    def create_all_calls(self):
        """(module, call fact, base or metadata key) of every ``X.metadata.create_all(...)``."""
        out = []
        for module in self.scan_modules():
            out.extend((module, call, key) for call, key in self.module_results(module)[2])
        return out

    def unverified(self) -> List[Tuple[Module, str, int, int, str]]:
        """(module, class name, line, col, reason) of every model-like class modelreg cannot verify: defined
        inside a function, nested in a class body, or made by `type(...)` (never mapped by importing a
        registry the way module-level classes are)."""
        out = []
        for module in self.scan_modules():
            out.extend((module,) + tuple(row) for row in self.module_results(module)[3])
        return out
