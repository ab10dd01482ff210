"""The registry while the apply stage edits it: its top-level statements in order, and its names.

The one mutable structure of the fixer, private to the apply stage (apply.py, placement.py,
removal.py): made from a translated :class:`RegistrySource`, rendered back to bytes at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet, List, Optional, Set

import libcst as cst

from ..style import ToolSettings
from ..types import ImportStmt
from .nodes import binds, import_of, sort_key
from .types import RegistrySource


@dataclass
class Slot:
    """One top-level statement: as read, or added by this fix."""

    node: cst.CSTNode
    fact: Optional[ImportStmt] = None  # facts of the original statement (None for other statements)
    added: bool = False  # inserted by this fix
    line: int = 0  # original 1-based line (0 for added statements)
    entry: bool = False  # imports a project module: one of the registry's entries
    key: Optional[str] = None  # sort key of an entry
    bound: object = False  # names the statement binds (computed once; None: any name, a star import)
    aux: bool = False  # added, but not an import entry (`importlib.import_module("app.class")`)
    needs: Optional[FrozenSet[str]] = frozenset()  # names of the registry an added import needs bound first

    def sort_key(self) -> str:
        if self.key is None:
            self.key = sort_key(import_of(self.node))
        return self.key

    def binds(self) -> Optional[FrozenSet[str]]:
        if self.bound is False:
            self.bound = binds(self.node)
        return self.bound


@dataclass
class Draft:
    source: RegistrySource
    settings: ToolSettings
    linted: bool  # added imports get a noqa F401 marker unless their neighbours' comment already says so
    slots: List[Slot]
    header: list
    footer: list
    names: Set[str]  # every name the file binds or uses, and what the additions bound
    import_tops: Set[str]  # top names bound by plain `import a.b` statements (the file's and added)
    layout: Optional[tuple] = None  # the entries' layout, computed once (removals reset it)
    lists: Optional[List[Slot]] = field(default=None)  # the multi-name entries, found once (removals reset it)

    @property
    def module(self) -> cst.Module:
        return self.source.module

    def entries(self) -> List[int]:
        """Indices of the top-level statements that import a project module: the registry's entries."""
        return [i for i, s in enumerate(self.slots) if (s.added and not s.aux) or s.entry]

    def parse(self, line: str) -> cst.CSTNode:
        """One statement, parsed the way the file is (its newline, its Python version)."""
        return cst.parse_statement(line, config=self.module.config_for_parsing)


def draft_of(source: RegistrySource, settings: ToolSettings, linted: bool) -> Draft:
    slots = [Slot(s.node, s.fact, False, s.line, s.entry) for s in source.statements]
    names = source.names
    return Draft(
        source, settings, linted, slots, list(source.header), list(source.module.footer),
        set(names.used), set(names.import_tops),
    )
