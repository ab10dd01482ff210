"""What a class becomes beyond the plain inheritance chain: Flask-SQLAlchemy subclasses, generated
table names, and the model-like classes modelreg cannot verify.

Helpers of :mod:`modelreg.resolve`; they take the resolved :class:`~modelreg.resolve.Project`
as an argument and read nothing but its facts.
"""

from __future__ import annotations

import re
from typing import List, Set, Tuple

from ..types import MODULE, ClassDef, FileFacts, Module

_FLASK_SQLALCHEMY = re.compile(r"flask_sqlalchemy(\.\w+)*\.SQLAlchemy$")


def camel_to_snake_case(name: str) -> str:
    """The table name Flask-SQLAlchemy 3 gives a model without ``__tablename__`` (its own rule)."""
    name = re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name)
    return name.lower().lstrip("_")


def _extends_flask_sqlalchemy(project, module: Module, name: str, seen: Set[Tuple[str, str]] = None) -> bool:
    """Whether the project class `name` of `module` inherits (at any depth) from ``flask_sqlalchemy.SQLAlchemy``."""
    seen = set() if seen is None else seen
    if (module.path, name) in seen:
        return False
    seen.add((module.path, name))
    cls = project.find_class(module, name)
    if cls is None:
        return False
    for base_expr in cls.bases:
        v = project.eval_expr(module, base_expr)
        if v is None:
            continue
        if v[0] == "ext" and _FLASK_SQLALCHEMY.match(v[1]):
            return True
        if v[0] == "class" and _extends_flask_sqlalchemy(project, v[1], v[2], seen):
            return True
    return False


def _model_like(project, module: Module, cls: ClassDef) -> bool:
    """Would this class be a model if it were defined at module level? (judged from module-level names)"""
    for dec in cls.decorators:
        v = project.eval_expr(module, dec[1] if dec[0] == "call" else dec)
        if v is not None and v[0] == "method" and v[1][0] == "registry":
            return True
        if v is not None and v[0] == "ext" and v[1].rpartition(".")[2] in ("as_declarative", "mapped_as_dataclass"):
            return True
    table_kw = any(k == "table" and v == ("const", True) for k, v in cls.keywords)
    for base_expr in cls.bases:
        if _value_model_like(project, project.eval_expr(module, base_expr), table_kw):
            return True
    return False


def _value_model_like(project, v, table_kw: bool) -> bool:
    if v is None:
        return False
    if v[0] == "base":
        return True
    if v[0] == "ext":
        last = v[1].rpartition(".")[2]
        if v[1].startswith("sqlalchemy.") and last in ("DeclarativeBase", "DeclarativeBaseNoMeta"):
            return True
        return table_kw and last == "SQLModel" and v[1].startswith("sqlmodel")
    if v[0] == "class":
        kind = project.classify(v[1], v[2]).kind
        return kind in ("base", "model", "abstract") or (table_kw and kind == "sqlmodel")
    return False


def _returned_base(project, module: Module, cls: ClassDef) -> bool:
    """A declarative base that the function defining it returns: the evaluator follows the call."""
    where, _, owner = cls.scope.partition(":")
    if where != "def" or (owner, ("name", cls.name)) not in project.facts(module).returns:
        return False
    return project.evaluator.declares_base(module, cls)[0]


def unverifiable_classes(project, module: Module, facts: FileFacts) -> List[Tuple[str, int, int, str]]:
    """(name, line, col, reason) of the model-like classes of a module that modelreg cannot verify:
    defined inside a function, nested in a class body, or created by ``type(name, bases, dict)``."""
    out = []
    for cls in facts.hidden_classes:
        if not _model_like(project, module, cls):
            continue
        if _returned_base(project, module, cls):
            continue  # a base factory (`def versioned_base(): ... return VersionedBase`): its callers' bases
        where, _, owner = cls.scope.partition(":")
        reason = f"defined inside function {owner}()" if where == "def" else f"nested in class {owner}"
        out.append((cls.name, cls.line, cls.col, reason))
    for a in facts.assigns:
        value = a.value
        if a.scope != MODULE or value[0] != "call" or value[1] != ("name", "type") or len(value[2]) != 3:
            continue
        if project.lookup(module, "type") is not None:  # a project's own `type`, not the builtin
            continue
        bases = value[2][1]
        items = bases[1] if bases[0] == "list" else (bases,)
        if any(_value_model_like(project, project.eval_expr(module, b), False) for b in items):
            out.append((a.targets[0], a.line, a.col, "created by type(...)"))
    return out
