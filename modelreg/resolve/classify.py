"""Classes -> what they are to SQLAlchemy: a base, a mapped model, an abstract class, a SQLModel
class (pydantic only, or a table model's unmapped subclass), or plain.

A class is classified from its bases' values (modelreg.evaluate), its decorators (``@as_declarative``,
``@reg.mapped``...), its ``table=True`` keyword and the configured bases. Each (module, class) is
classified once; the kind is memoized in the project's results (modelreg.state).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

from ..types import MODULE, ClassDef, Module
from .evaluate import DEEP
from .objects import DECLARATIVE_BASE_CLASSES, SQLMODEL, SQLMODEL_BASE, is_sqlalchemy
from .state import PLAIN, BaseInfo, ClassKind


class Classifier:
    """Classifies the classes of one project's modules."""

    def __init__(self, project):
        self.project = project
        self.state = project.state
        self.facts = project.state.facts
        self._config_bases = set(project.config.bases)
        self._class_index: Dict[str, tuple] = {}  # path -> (its facts, {name: last module-level ClassDef})
        self._settling = False  # classifying a deep chain's ancestors first (see classify)

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
        state = self.state
        path = module.path
        state.reads(path)
        key = (path, name)
        cached = state.classes.get(key)
        if cached is not None:
            return cached
        saved = state.saved_classes.pop(key, None)
        if saved is not None:
            cached = state.classes[key] = ClassKind(*saved)
            return cached
        frames = state.frames
        if len(frames) > DEEP and not self._settling:
            # deep in an inheritance chain (each parent classified inside its child): classify the
            # ancestors first, farthest first, so that each of them finds its parents done - the
            # stack stays shallow however long the chain (no RecursionError at 1,200 classes)
            self._classify_ancestors_first(module, name)
            cached = state.classes.get(key)
            if cached is not None:
                return cached
        state.classes[key] = PLAIN  # cycle guard: a class cannot inherit from itself
        frames.append(path)
        try:
            cls = self.find_class(module, name)
            result = self._classify(module, cls) if cls is not None else PLAIN
        finally:
            frames.pop()
        state.classes[key] = result
        return result

    def _classify_ancestors_first(self, module: Module, name: str) -> None:
        """Classify the not yet classified classes `name` inherits from, in an order where every
        class comes after its parents (an iterative depth-first walk: no recursion)."""
        state = self.state
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
                if key in seen or key in state.classes or key in state.saved_classes:
                    continue
                seen.add(key)
                stack.append((mod, cname, True))
                cls = self.find_class(mod, cname)
                for base_expr in cls.bases if cls is not None else ():
                    v = self.project.eval_expr(mod, base_expr)
                    if v is not None and v[0] == "class":
                        stack.append((v[1], v[2], False))
            for mod, cname in order[:-1]:  # (the last one is the class being classified)
                self.classify(mod, cname)
        finally:
            self._settling = False

    def _root_base(self, module: Module, cls: ClassDef, how: str) -> ClassKind:
        """A class that is a base of its own (subclass of DeclarativeBase, @as_declarative, configured)."""
        shared = self.project.objects.shared_metadata(module, cls.metadata)
        if shared is not None:  # `class Base(DeclarativeBase): metadata = md`: the tables land on md
            return ClassKind("base", shared)
        key = f"{module.path}::{cls.name}"
        self.project.objects.new_base(key, f"{module.name}.{cls.name}", module, cls.line, how)
        return ClassKind("base", key)

    def _decorated(self, module: Module, cls: ClassDef) -> Optional[ClassKind]:
        """``@as_declarative()`` makes a base; ``@reg.mapped`` / ``@reg.mapped_as_dataclass`` /
        ``@mapped_as_dataclass(reg)`` map the class on that registry."""
        eval_expr = self.project.eval_expr
        for dec in cls.decorators:
            is_call = dec[0] == "call"
            v = eval_expr(module, dec[1] if is_call else dec)
            if v is None:
                continue
            if v[0] == "ext" and is_sqlalchemy(v[1], "as_declarative"):
                return self._root_base(module, cls, "@as_declarative()")
            if v[0] == "ext" and is_sqlalchemy(v[1], "mapped_as_dataclass") and is_call and dec[2]:
                reg = eval_expr(module, dec[2][0])
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
            v = self.project.eval_expr(module, base_expr)
            if v is None:
                continue
            if v[0] == "ext":
                last = v[1].rpartition(".")[2]
                if v[1].startswith("sqlalchemy.") and last in DECLARATIVE_BASE_CLASSES:
                    return self._root_base(module, cls, f"subclass of {last}")
                if v[1] in SQLMODEL:
                    sqlmodel = True
                elif v[1] in self._config_bases:  # a library-provided base named in config
                    key = "ext:" + v[1]
                    self.project.objects.new_base(key, v[1], None, 0, "config base")
                    derived = derived or key
                continue
            if v[0] == "base":
                derived = derived or v[1]
            elif v[0] == "class":
                parent = self.classify(v[1], v[2])
                if parent.base == SQLMODEL_BASE or parent.kind == "sqlmodel_table":
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
            derived = self.project.objects.sqlmodel_base()
        if derived is None:
            return PLAIN
        return ClassKind("abstract" if cls.abstract else "model", derived)


__all__ = ["BaseInfo", "ClassKind", "Classifier", "PLAIN"]
