"""How a registry writes its imports, and the statement that registers a module in that style.

Shared by the MR001 message ("add `...`"), ``--fix`` and the language server's
quick fix, so that all three always propose the same line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from .resolve import Project
from .types import MODULE, Module

# forms
IMPORT = "import"  # import pkg.data.audit
FROM_MODULE = "from-module"  # from pkg.data import audit
FROM_CLASS = "from-class"  # from pkg.data.audit import Audit
REL_MODULE = "relative-module"  # from . import audit
REL_CLASS = "relative-class"  # from .audit import Audit


@dataclass(frozen=True)
class Style:
    form: str
    empty: bool  # the registry has no project import to copy the style from


def detect(project: Project, registry: Optional[Module], mode: str) -> Style:
    """The form most of the registry's project imports use."""
    counts = {}
    if registry is not None:
        for stmt in project.facts(registry).imports:
            if stmt.scope != MODULE:
                continue
            form = _form_of(project, registry, stmt)
            if form is not None:
                counts[form] = counts.get(form, 0) + 1
    if not counts:
        return Style(FROM_CLASS if mode == "class" else IMPORT, True)
    form = max(counts, key=lambda f: (counts[f], f))
    if mode == "class":  # class mode must name each class
        form = {IMPORT: FROM_CLASS, FROM_MODULE: FROM_CLASS, REL_MODULE: REL_CLASS}.get(form, form)
    return Style(form, False)


def _form_of(project: Project, registry: Module, stmt) -> Optional[str]:
    if not stmt.is_from:
        mod, _ = project.find_module(stmt.names[0][0], registry)
        return IMPORT if mod is not None else None
    target, pkg, is_project = project.from_source(registry, stmt)
    if target is None or not is_project:
        return None
    value = project.imported_value(registry, stmt, stmt.names[0][0])
    names_module = value is not None and value[0] == "module"
    if stmt.level:
        return REL_MODULE if names_module else REL_CLASS
    return FROM_MODULE if names_module else FROM_CLASS


def relative_name(registry: Module, target: str) -> Optional[str]:
    """`target` as a relative name from inside the registry's package, None when not possible."""
    here = registry.package.split(".") if registry.package else []
    there = target.split(".")
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    if common == 0:
        return None
    up = len(here) - common
    return "." * (up + 1) + ".".join(there[common:])


def statement(style: Style, registry: Optional[Module], target: Module, classes: Sequence[str]) -> str:
    """The import statement (no comment) that registers `target`'s models (`classes`) in `registry`."""
    form = style.form
    same_root = registry is not None and registry.root == target.root
    parent, _, leaf = target.name.rpartition(".")
    if form in (REL_MODULE, REL_CLASS) and same_root:
        if form == REL_MODULE and parent:
            rel = relative_name(registry, parent)
            if rel is not None:
                return f"from {rel} import {leaf}"
        rel = relative_name(registry, target.name)
        if rel is not None:
            return f"from {rel} import {', '.join(classes)}"
        form = FROM_CLASS if form == REL_CLASS else IMPORT
    if form == FROM_MODULE and parent:
        return f"from {parent} import {leaf}"
    if form in (FROM_CLASS, REL_CLASS):
        return f"from {target.name} import {', '.join(classes)}"
    return f"import {target.name}"
