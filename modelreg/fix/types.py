"""The plain data passed between the fixer's stages: translate -> plan -> apply -> write.

``RegistrySource`` is the registry as read (its top-level statements, the names it binds and reads);
``RegistryPlan`` says what to add and remove, and why; ``Applied`` is the edited text; ``FileFix`` is
what :func:`modelreg.fix.plan` returns to the API, the CLI and the language server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet, List, Mapping, Optional, Tuple

import libcst as cst

from ..types import ImportStmt, Module


@dataclass
class FileFix:
    """One file's fix. Mutable: ``api.fix`` merges the fixes of its passes over one file into one."""

    path: str
    old: Optional[bytes]  # None: the file is created
    new: bytes
    added: List[str] = field(default_factory=list)
    removed: List[str] = field(default_factory=list)
    fixed: int = 0  # diagnostics this fix resolves

    @property
    def changed(self) -> bool:
        return self.old != self.new


# -- translate: the registry as read --------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """One top-level statement of the registry as read."""

    node: cst.CSTNode
    line: int  # 1-based line it starts on (below its comment lines)
    fact: Optional[ImportStmt] = None  # the indexer's facts of an import statement
    entry: bool = False  # imports a project module: one of the registry's entries
    is_import: bool = False  # one `import` or `from ... import` on its line
    aliases: Optional[Tuple[str, ...]] = ()  # the name each alias binds; None for `import *`
    is_list: bool = False  # an entry `from X import a, b` (or parenthesized) that more names can join


@dataclass(frozen=True)
class FileNames:
    """The names of the registry (a new import must not rebind one, a removal must not unbind a used one)."""

    used: FrozenSet[str]  # every name the file binds or uses anywhere
    import_tops: FrozenSet[str]  # top names bound by plain `import a.b` statements
    loads: Mapping[str, int]  # name -> how often the file reads it
    binders: Mapping[str, int]  # name -> how many import aliases bind it


@dataclass(frozen=True)
class RegistrySource:
    path: str
    source: bytes
    module: cst.Module  # libcst's tree; its header and body are superseded by the fields below
    header: Tuple[cst.EmptyLine, ...]  # comment lines at the top that belong to no statement
    statements: Tuple[Statement, ...]
    names: FileNames


# -- plan: what to change, and why ------------------------------------------------------


@dataclass(frozen=True)
class Join:
    """An existing `from X import a, b` (on `line`) that provides the target: `names` can join it."""

    line: int
    names: Tuple[str, ...]


@dataclass(frozen=True)
class Addition:
    """Register the models of one module."""

    target: Module  # the module whose models it registers
    classes: Tuple[str, ...]
    statement: str  # in the registry's style (style.safe_statement), without comments
    why: Tuple[str, ...] = ()  # the models it registers, `module.Class`
    nameable: bool = True  # an import statement can spell the module (`app.class` cannot)
    needs: Optional[FrozenSet[str]] = frozenset()  # names of the registry importing it reads first; None: any
    cycle: bool = False  # importing it runs the registry while it is part-way run
    resolves: bool = True  # Python, running `statement` in the registry, finds the module
    importable: bool = True  # ... and running `import <target>` (or importlib.import_module) does
    joins: Tuple[Join, ...] = ()  # existing name lists it can join instead of a new statement


@dataclass(frozen=True)
class Removal:
    """Remove a stale import: the whole statement on `line` (index -1), or its alias number `index`."""

    line: int
    index: int
    why: str


@dataclass(frozen=True)
class Insertion:
    """Insert `statement  # comment` right after the top-level statement on `line` (env.py, MR003)."""

    line: Optional[int]
    statement: str
    comment: str


@dataclass(frozen=True)
class RegistryPlan:
    path: str
    removals: Tuple[Removal, ...] = ()
    kept: Tuple[Removal, ...] = ()  # removals refused, `why` saying why
    additions: Tuple[Addition, ...] = ()
    insertions: Tuple[Insertion, ...] = ()
    linted: bool = False  # a linter would delete an unused import here: mark additions with a noqa F401 marker
    fixed: int = 0  # diagnostics the plan resolves


# -- apply: the edited text ----------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    new: bytes
    added: Tuple[str, ...]  # statements (or names) added
    removed: Tuple[str, ...]  # statements (or names) removed
