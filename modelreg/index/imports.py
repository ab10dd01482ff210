"""Import statements -> ImportStmt facts (and the names they bind)."""

from __future__ import annotations

import ast

from ..types import ImportStmt
from .conditions import asname_of_type_checking
from .state import Collected, char_col

_new = tuple.__new__  # a NamedTuple from a tuple, without its Python-level constructor (thousands per run)


def visit_import(c: Collected, node, scope: str, top: bool) -> None:
    if c.guard:
        c.guarded.append(node.lineno)
    is_from = type(node) is ast.ImportFrom
    aliases = node.names
    names = tuple([(a.name, a.asname) for a in aliases])
    if c.ascii and aliases and hasattr(aliases[0], "lineno"):  # byte columns are character columns
        positions = tuple([(a.lineno, a.col_offset) for a in aliases])
    else:
        positions = tuple([_alias_pos(c, node, a) for a in aliases])
    if top:
        defined = c.defined
        for name, asname in names:
            if name != "*":
                defined.add(asname or (name if is_from else name.partition(".")[0]))
    if is_from and asname_of_type_checking(node) is not None:
        c.type_checking_names.add(asname_of_type_checking(node))
    line = node.lineno
    end_line = node.end_lineno or line
    # positional, without the keyword-argument NamedTuple constructor (thousands per run)
    c.imports.append(
        _new(
            ImportStmt,
            (
                is_from,
                (node.module or "") if is_from else "",
                (node.level or 0) if is_from else 0,
                names,
                line,
                char_col(c, line, node.col_offset),
                end_line,
                char_col(c, end_line, node.end_col_offset or 0),
                scope,
                positions,
            ),
        )
    )


def _alias_pos(c: Collected, node, alias):
    if hasattr(alias, "lineno"):  # Python 3.10+
        return (alias.lineno, char_col(c, alias.lineno, alias.col_offset))
    return (node.lineno, char_col(c, node.lineno, node.col_offset))
