"""Small questions about libcst nodes that every stage of the fixer asks (no state, no project)."""

from __future__ import annotations

import ast
import keyword
from typing import FrozenSet, List, Optional, Sequence, Set, Tuple

import libcst as cst

from ..index import decode_encoding


def parse_cst(source: bytes) -> cst.Module:
    """libcst's tree of a file. A UTF-8 file with other bytes in its comments (which CPython tolerates,
    see index.decode) is read as latin-1: every byte round-trips unchanged, and added text is ASCII."""
    try:
        source.decode(decode_encoding(source))
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return cst.parse_module(source, cst.PartialParserConfig(encoding="latin-1"))
    return cst.parse_module(source)


def code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def dotted(node) -> str:
    if node is None:
        return ""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return dotted(node.value) + "." + node.attr.value
    return ""


def import_of(stmt: cst.CSTNode):
    """The import of a line holding one `import` or `from ... import` statement, else None."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom)):
        return stmt.body[0]
    return None


def sort_key(node) -> str:
    """Where an import sorts among the registry's entries (case-insensitive, `from` by its full name)."""
    if isinstance(node, cst.Import):
        return dotted(node.names[0].name).lower()
    level = len(node.relative)
    names = node.names
    first = "*" if isinstance(names, cst.ImportStar) else dotted(names[0].name)
    return ("." * level + dotted(node.module) + "." + first).lower()


def bound_names(node, aliases=None) -> List[str]:
    """The names an import (or only `aliases` of it) binds; none for `import *`."""
    if isinstance(node.names, cst.ImportStar):
        return []
    aliases = node.names if aliases is None else aliases
    if isinstance(node, cst.Import):
        return [a.asname.name.value if a.asname else dotted(a.name).split(".")[0] for a in aliases]
    return [a.asname.name.value if a.asname else dotted(a.name) for a in aliases]


def binds(node: cst.CSTNode) -> Optional[FrozenSet[str]]:
    """The names a top-level statement binds (anywhere inside it); None when it may bind any (`import *`)."""
    try:
        tree = ast.parse(code(node))
    except (SyntaxError, ValueError):
        return frozenset()
    names: Set[str] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names):
            return None
        if isinstance(n, ast.alias):
            names.add(n.asname or n.name.split(".")[0])
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
    return frozenset(names)


def nameable(dotted_name: str) -> bool:
    """Whether an import statement can spell this module name (`app.class` cannot)."""
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in dotted_name.split("."))


# -- the comment lines above a statement ----------------------------------------------


def is_blank(line: cst.EmptyLine) -> bool:
    return line.comment is None


def split_leading(lines: Sequence[cst.EmptyLine]) -> Tuple[list, list]:
    """(prefix, attached): the comment lines directly above a statement are attached to it."""
    lines = list(lines)
    i = len(lines)
    while i > 0 and not is_blank(lines[i - 1]):
        i -= 1
    return lines[:i], lines[i:]


def is_directive(comment: str) -> bool:
    """Tool directives that belong to the statement below them."""
    body = comment.lstrip("#").strip().lower()
    return body.startswith(("noinspection", "noqa", "type:", "pylint:", "fmt:", "isort:", "pyright:", "mypy:"))


def entry_leading(lines: Sequence[cst.EmptyLine]) -> Optional[list]:
    """The lines above an entry when they are only blank lines and tool directives (None otherwise)."""
    lines = list(lines)
    if all(is_blank(ln) or is_directive(ln.comment.value) for ln in lines):
        return lines
    return None


def with_comment(stmt, comment: Optional[cst.Comment], whitespace) -> cst.SimpleStatementLine:
    """The statement with its trailing comment; a statement wrapped in parentheses carries it after
    the opening parenthesis, the line ruff and flake8 read a `# noqa` of a multi-line import from."""
    node = import_of(stmt)
    if (
        comment is not None
        and isinstance(node, cst.ImportFrom)
        and node.lpar is not None
        and isinstance(node.lpar.whitespace_after, cst.ParenthesizedWhitespace)
    ):
        ws = node.lpar.whitespace_after
        first = ws.first_line.with_changes(whitespace=whitespace, comment=comment)
        lpar = node.lpar.with_changes(whitespace_after=ws.with_changes(first_line=first))
        return stmt.with_changes(body=[node.with_changes(lpar=lpar)])
    tw = stmt.trailing_whitespace.with_changes(whitespace=whitespace, comment=comment)
    return stmt.with_changes(trailing_whitespace=tw)
