"""The prefilter's vocabulary: the names under which modules bind something model-ish (a base, a
model, a Flask db, a registry, a MetaData, a table).

A file that spells none of these names (and no trigger word) cannot define a model, so the store
(modelreg.store) need not parse it. The names grow as candidates are analyzed: the API runs the
prefilter to a fixpoint. Each module's own names are memoized in the project's results.
"""

from __future__ import annotations

from typing import Iterable, Set

from ..types import MODULE, Module
from .inventory import callee_name

# calls whose result can be model-ish (what modelreg.objects understands)
MODELISH_CALLS = frozenset({"declarative_base", "registry", "generate_base", "MetaData", "Table", "SQLAlchemy"})
MODELISH_VALUES = ("base", "db", "registry", "metadata", "table")


def modelish_names(project, modules: Iterable[Module], known: Set[str]) -> Set[str]:
    """Names under which these modules bind something model-ish, and the `as` names given to the
    `known` ones (`from x import Base as B`)."""
    state = project.state
    names: Set[str] = set()
    for module in modules:
        found = state.own_names.get(module.path)
        if found is None:
            found = state.computing(module.path, lambda m=module: (_bound_modelish(project, m), _aliases(project, m)))
            state.own_names[module.path] = found
        own, aliases = found
        names |= own
        for name, asname in aliases:
            if name in known:
                names.add(asname)
    return names


def _aliases(project, module: Module) -> tuple:
    return tuple(
        (name, asname)
        for stmt in project.state.facts(module).imports
        if stmt.is_from
        for name, asname in stmt.names
        if asname
    )


def _bound_modelish(project, module: Module) -> Set[str]:
    out: Set[str] = set()
    facts = project.state.facts(module)
    for cls in facts.classes:
        if cls.scope == MODULE and project.classify(module, cls.name).kind != "plain":
            out.add(cls.name)
    for a in facts.assigns:
        if a.scope != MODULE:
            continue
        kind = a.value[0]
        if kind == "call" and not _may_make_modelish(project, module, facts, a.value):
            continue  # `log = logging.getLogger(...)`: cannot make anything model-ish
        if kind not in ("call", "name", "attr"):
            continue
        for target in a.targets:
            v = project.lookup(module, target)
            if v is not None and (
                v[0] in MODELISH_VALUES or (v[0] == "class" and project.classify(v[1], v[2]).kind != "plain")
            ):
                out.add(target)
    return out


def _may_make_modelish(project, module: Module, facts, value) -> bool:
    """Whether a call can create something model-ish: a SQLAlchemy call modelreg understands, `db =
    AppSQLAlchemy()` (a project subclass of SQLAlchemy, here or imported), or `Base = make_base()`
    (a project function)."""
    callee = callee_name(value)
    if callee in MODELISH_CALLS:
        return True
    callee = callee or ""
    return (
        callee.endswith("SQLAlchemy")
        or any(c.name == callee for c in facts.classes)
        or (value[1][0] == "name" and (project.lookup(module, callee) or ("",))[0] == "function")
    )
