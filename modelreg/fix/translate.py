"""Translate: a registry's bytes and facts into plain data (its top-level statements and its names).

The first stage of the fixer, as in usort: parse once (the standard parser first, then libcst), then
describe each top-level statement (the line it starts on, whether it imports a project module in one
of the forms style.py recognizes) and every name the file binds or reads.
"""

from __future__ import annotations

import ast
from typing import Dict, List, Sequence, Set, Tuple

import libcst as cst

from .. import style as style_mod
from ..index import decode
from ..resolve import Project
from ..types import MODULE, ImportStmt, Module
from .nodes import bound_names, import_of, parse_cst, split_leading
from .safety import TOO_DEEP, FixError
from .types import FileNames, RegistrySource, Statement


def read_registry(path: str, source: bytes, project: Project, registry: Module, imports: Sequence[ImportStmt]) -> RegistrySource:
    """The registry as plain data; FixError when it cannot be parsed (or is too deep to edit safely)."""
    tree, module = _parse(source)
    header = list(module.header)
    statements = _statements(module, project, registry, imports)
    if statements and not statements[0].node.leading_lines:
        # libcst keeps every comment line at the top of the file in the module header, including
        # those attached to the first statement (`# noinspection ...`): give those back to it
        prefix, attached = split_leading(header)
        if attached:
            header = prefix
            first = statements[0]
            statements[0] = Statement(
                first.node.with_changes(leading_lines=attached), first.line, first.fact, first.entry,
                first.is_import, first.aliases, first.is_list,
            )
    return RegistrySource(path, source, module, tuple(header), tuple(statements), names_of(tree))


def _parse(source: bytes) -> Tuple[ast.Module, cst.Module]:
    try:
        # the standard parser first: it refuses what would crash libcst's native parser (deep nesting)
        tree = ast.parse(decode(source))
        return tree, parse_cst(source)
    except cst.ParserSyntaxError as exc:
        raise FixError(f"cannot parse the file to edit it ({exc.message}); nothing written") from None
    except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
        raise FixError(f"cannot parse the file to edit it ({exc}); nothing written") from None
    except (RecursionError, MemoryError):
        raise FixError(TOO_DEEP) from None


def _statements(module: cst.Module, project: Project, registry: Module, imports) -> List[Statement]:
    """Each top-level statement with the line it starts on and, for an import, its facts."""
    facts_by_line = {s.line: s for s in imports if s.scope == MODULE}
    out: List[Statement] = []
    line = 1 + len(module.header)
    for node in module.body:
        start = line + len(getattr(node, "leading_lines", ()))
        out.append(_statement(node, start, facts_by_line, project, registry))
        fact = out[-1].fact
        if fact is not None and len(node.body) == 1:
            line = fact.end_line + 1  # the parser already knows where an import ends
        else:
            line += module.code_for_node(node).count("\n")
    return out


def _statement(node, start: int, facts_by_line, project: Project, registry: Module) -> Statement:
    imp = import_of(node)
    if imp is None:
        return Statement(node, start)
    fact = facts_by_line.get(start)
    entry = fact is not None and style_mod._form_of(project, registry, fact) is not None
    star = isinstance(imp.names, cst.ImportStar)
    aliases = None if star else tuple(bound_names(imp))
    is_list = (
        entry and isinstance(imp, cst.ImportFrom) and not star and (len(imp.names) >= 2 or imp.lpar is not None)
    )
    return Statement(node, start, fact, entry, True, aliases, is_list)


def names_of(tree: ast.Module) -> FileNames:
    """Every name the file binds or uses, the tops of its plain imports, and who reads and binds each."""
    used: Set[str] = set()
    tops: Set[str] = set()
    loads: Dict[str, int] = {}
    binders: Dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
            if isinstance(node.ctx, ast.Load):
                loads[node.id] = loads.get(node.id, 0) + 1
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            used.add(node.name)
        elif isinstance(node, ast.alias):
            bound = node.asname or node.name.split(".")[0]
            used.add(bound)
            binders[bound] = binders.get(bound, 0) + 1
        elif isinstance(node, ast.Import):
            tops.update(a.name.split(".")[0] for a in node.names if a.asname is None)
        elif isinstance(node, ast.arg):
            used.add(node.arg)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            used.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            used.add(node.name)
    return FileNames(frozenset(used), frozenset(tops), loads, binders)

