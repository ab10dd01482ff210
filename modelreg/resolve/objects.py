"""What a call creates: the SQLAlchemy, SQLModel and Flask-SQLAlchemy objects that hold tables.

``Base = declarative_base()``, ``reg = registry()``, ``Base = reg.generate_base()``, ``md =
MetaData()``, ``t = Table("t", md, ...)``, ``db = SQLAlchemy()`` (or a project subclass of it) and
``db.Table(...)``. An object is identified by the module-level name it is bound to
(``"<path>::<name>"``); each base, registry and MetaData is recorded as a :class:`BaseInfo` in the
project's results (one MetaData is one base, whatever puts classes on it).
"""

from __future__ import annotations

from typing import Optional

from ..types import Module
from .bases import _extends_flask_sqlalchemy
from .state import BaseInfo

DECLARATIVE_BASE_CLASSES = frozenset({"DeclarativeBase", "DeclarativeBaseNoMeta"})
SQLMODEL = ("sqlmodel.SQLModel", "sqlmodel.main.SQLModel")
SQLMODEL_BASE = "ext:sqlmodel.SQLModel"
# libraries whose star import modelreg trusts to provide the (capitalized) names it looks for
STAR_LIBRARIES = frozenset({"sqlalchemy", "sqlmodel"})
FLASK_MODEL_HOW = "Flask-SQLAlchemy db.Model"


def is_sqlalchemy(dotted: str, last: str) -> bool:
    return dotted.startswith("sqlalchemy.") and dotted.rpartition(".")[2] == last


class Objects:
    """The objects calls create in one project (bases, registries, MetaData, tables, Flask dbs)."""

    def __init__(self, project):
        self.project = project
        self.state = project.state
        self.bases = project.state.bases

    def call(self, module: Module, func, args, kwargs, bind):
        """The value a call creates (`func`: the callee's value; `bind`: (module, name) it is assigned to)."""
        if func is None:
            return None
        key = f"{bind[0].path}::{bind[1]}" if bind else None
        display = f"{bind[0].name}.{bind[1]}" if bind else None
        owner = bind[0] if bind else None
        line = next((a.line for a in self.state.facts(bind[0]).assigns if bind[1] in a.targets), 0) if bind else 0
        kind = func[0]
        if kind == "ext":
            return self._library_call(module, func[1], args, kwargs, key, display, owner, line)
        if kind == "class" and _extends_flask_sqlalchemy(self.project, func[1], func[2]):
            # `db = AppSQLAlchemy()` with `class AppSQLAlchemy(SQLAlchemy)` (redash, lemur, indico)
            return self._new_db(module, kwargs, key, display, owner, line)
        if kind == "method":
            owner_value, name = func[1], func[2]
            if owner_value[0] == "registry" and name == "generate_base":
                if owner_value[1] in self.bases and self.bases[owner_value[1]].how == "MetaData()":
                    return ("base", owner_value[1])  # a registry on a shared MetaData: the same tables
                how = "registry().generate_base()"
                return self.new_base(key, display, owner, line, how) if key else None
            if owner_value[0] == "db" and name == "Table":
                return self._table(module, args, self.project.attribute(owner_value, "metadata"), flask=True)
        return None

    def _library_call(self, module: Module, dotted: str, args, kwargs, key, display, owner, line):
        if is_sqlalchemy(dotted, "declarative_base"):
            shared = self.shared_metadata(module, kwargs.get("metadata"))
            if shared is not None:  # declarative_base(metadata=md): its classes land on md
                return ("base", shared)
            return self.new_base(key, display, owner, line, "declarative_base()") if key else None
        if is_sqlalchemy(dotted, "registry"):
            shared = self.shared_metadata(module, kwargs.get("metadata"))
            if shared is not None:  # registry(metadata=md): its classes land on md
                return ("registry", shared)
            if key:
                self.new_base(key, display, owner, line, "registry()")
            return ("registry", key or "anonymous")
        if is_sqlalchemy(dotted, "MetaData"):
            if key:
                self.new_base(key, display, owner, line, "MetaData()")
            return ("metadata", key or "anonymous")
        if is_sqlalchemy(dotted, "Table"):
            return self._table(module, args, None)
        if dotted.startswith("flask_sqlalchemy.") and dotted.endswith(".SQLAlchemy"):
            return self._new_db(module, kwargs, key, display, owner, line)
        return None

    def _new_db(self, module: Module, kwargs, key, display, owner, line):
        """A Flask-SQLAlchemy object (an instance of ``SQLAlchemy`` or of a project subclass of it)."""
        if not key:
            return None
        model_class = kwargs.get("model_class")
        if model_class is not None:
            self.state.db_model_class[key] = (module, model_class)
        self.state.db_lines[key] = (owner, display, line)
        return ("db", key)

    def shared_metadata(self, module: Module, expr) -> Optional[str]:
        """The key of the MetaData `expr` names (`registry(metadata=md)`, `metadata = md` in a base)."""
        if expr is None:
            return None
        value = self.project.eval_expr(module, expr)
        if value is None or value[0] != "metadata" or value[1] == "anonymous":
            return None  # (`metadata = MetaData(...)` made right there is the base's own)
        return value[1]

    def _table(self, module: Module, args, metadata, flask: bool = False):
        """``Table("name", metadata, ...)`` (or Flask-SQLAlchemy's ``db.Table("name", ...)``)."""
        if not args or args[0][0] != "str":
            return None
        if not flask or metadata is None:
            md = self.project.eval_expr(module, args[1]) if len(args) > 1 else None
            if md is not None and md[0] == "metadata":
                metadata = md
        if metadata is None or metadata[0] != "metadata":
            return None
        return ("table", args[0][1], metadata[1])

    def new_base(self, key: str, display: str, module: Optional[Module], line: int, how: str):
        """Record a base (or registry, or MetaData) the first time it is met."""
        if key not in self.bases:
            self.bases[key] = BaseInfo(key, display, module, line, how)
        return ("base", key)

    def sqlmodel_base(self) -> str:
        """SQLModel's one shared metadata, as a base."""
        self.new_base(SQLMODEL_BASE, "sqlmodel.SQLModel", None, 0, "SQLModel, table=True")
        return SQLMODEL_BASE

    def db_model(self, db_key: str):
        """What ``db.Model`` is for a Flask-SQLAlchemy object: its ``model_class`` base, or a base of its own."""
        state = self.state
        if db_key in state.db_model_class:
            module, expr = state.db_model_class[db_key]
            value = self.project.eval_expr(module, expr)
            if value is not None and value[0] in ("class", "base"):
                return value
        key = db_key + ".Model"
        if key not in self.bases and db_key in state.db_lines:
            module, display, line = state.db_lines[db_key]
            self.bases[key] = BaseInfo(key, display + ".Model", module, line, FLASK_MODEL_HOW)
        return ("base", key)
