"""Where the models of a Flask-SQLAlchemy 3 `db.Model` really land, against the MetaData an Alembic env.py
targets.

Flask-SQLAlchemy 3.0 and later (its `BindMetaMixin`, the metaclass of the default `db.Model`) give every
model class that does not set `metadata` (or `__table__`) in its own body the metadata of its bind key:
`db.metadata` when it sets no `__bind_key__`. An abstract `db.Model` subclass that declares
`metadata = MetaData(...)` keeps that MetaData for itself only; the models under it land on the bind's.
An env.py with `target_metadata = Base.metadata` then sees none of their tables. Flask-SQLAlchemy 2.x
bound no metadata per class: there the models landed on `Base.metadata`.
"""

from __future__ import annotations

from typing import List, NamedTuple, Optional, Set, Tuple

from ..types import MODULE, ClassDef, ModelInfo, Module
from .objects import FLASK_MODEL_HOW

VERSIONS = "Flask-SQLAlchemy >= 3.0"


class Mismatch(NamedTuple):
    env: Module
    line: int  # of `target_metadata = ...`
    target: str  # the class whose own MetaData the env.py targets (dotted)
    lands_on: str  # where the models land instead (`app.db.db.metadata`)
    elsewhere: List[ModelInfo]  # the models under that class that land on the bind's metadata
    kept: List[ModelInfo]  # the models under it that set `metadata` themselves (they land on the target)


def target_exprs(facts) -> List[Tuple[tuple, int]]:
    """(expression, line) of each `target_metadata = ...` at module level and `configure(target_metadata=...)`."""
    found = [(a.value, a.line) for a in facts.assigns if "target_metadata" in a.targets and a.scope == MODULE]
    found += [(dict(c.kwargs)["target_metadata"], c.line) for c in facts.calls if dict(c.kwargs).get("target_metadata")]
    out = []
    for value, line in found:
        for expr in value[1] if value[0] in ("list", "dict") else (value,):
            out.append((expr, line))
    return out


def _class(project, module: Module, name: str) -> Optional[ClassDef]:
    return next((c for c in project.facts(module).classes if c.name == name and c.scope == MODULE), None)


def _under(project, module: Module, cls: ClassDef, target: Tuple[str, str], seen: Set[Tuple[str, str]]) -> bool:
    """Whether the class inherits (at any depth) from the class `target` (path, name)."""
    for base in cls.bases:
        v = project.eval_expr(module, base)
        if not v or v[0] != "class":
            continue
        key = (v[1].path, v[2])
        if key == target:
            return True
        if key in seen:
            continue
        seen.add(key)
        parent = _class(project, v[1], v[2])
        if parent is not None and _under(project, v[1], parent, target, seen):
            return True
    return False


def flask_mismatches(project, models: List[ModelInfo]) -> List[Mismatch]:
    """The env.py targets of the form `Cls.metadata` where `Cls` is a `db.Model` subclass declaring its own
    `metadata`, with the models under it that Flask-SQLAlchemy 3 puts on the bind's metadata instead."""
    out: List[Mismatch] = []
    for env in project.alembic_envs():
        facts = project.facts(env.module)
        seen: Set[str] = set()
        for expr, line in target_exprs(facts):
            if expr[0] == "attr" and expr[2] == "metadata":
                owner_expr = expr[1]
            elif expr[0] == "name" and expr[1].endswith(".metadata"):
                owner_expr = ("name", expr[1][: -len(".metadata")])
            else:
                continue
            owner = project.eval_expr(env.module, owner_expr)
            value = project.eval_expr(env.module, expr)
            if not owner or owner[0] != "class" or not value or value[0] != "metadata":
                continue
            base = project.bases.get(value[1])
            cls = _class(project, owner[1], owner[2])
            if base is None or base.how != FLASK_MODEL_HOW or cls is None or cls.metadata is None:
                continue
            target = (owner[1].path, owner[2])
            if value[1] + "::" + owner[2] in seen:
                continue
            seen.add(value[1] + "::" + owner[2])
            under = []
            for m in models:
                if m.abstract or m.kind != "class" or m.base != value[1]:
                    continue
                mcls = _class(project, m.module, m.name)
                if mcls is not None and _under(project, m.module, mcls, target, set()):
                    under.append((m, mcls))
            elsewhere = [m for m, c in under if c.metadata is None]
            if elsewhere:
                kept = [m for m, c in under if c.metadata is not None]
                db = base.name[: -len(".Model")] if base.name.endswith(".Model") else base.name
                name = f"{owner[1].name}.{owner[2]}"
                out.append(Mismatch(env.module, line, name, f"{db}.metadata", elsewhere, kept))
    return out
