"""Apply: carry out a :class:`RegistryPlan` on the translated registry with libcst, and render it.

Removals first (last line first), then additions (each in its place, see placement.py), then the
additions settle below what they need, then env.py insertions. Every statement not edited keeps its
bytes: libcst round-trips the file exactly, including its encoding, BOM and line endings.
"""

from __future__ import annotations

from typing import List, Optional

import libcst as cst

from .. import style as style_mod
from . import dunder_all, placement
from .commas import insert_alias
from .draft import Draft, Slot, draft_of
from .nodes import bound_names, code, dotted, import_of, sort_key, with_comment
from .removal import remove
from .safety import TOO_DEEP, FixError
from .types import Addition, Applied, Insertion, RegistryPlan, RegistrySource

NEW_REGISTRY_HEADER = (
    '"""Model registry: imports every module that defines a SQLAlchemy model.\n\n'
    "Import this module before `Base.metadata.create_all()` and in Alembic's env.py so that\n"
    "every table is known. Kept complete by `modelreg --fix`.\n"
    '"""\n'
)

DEFAULT_SETTINGS = style_mod.ToolSettings()  # env.py: what an insertion needs of the project's tools

# no statement of an addition's form can be written here: its model stays reported, the others are fixed
UNWRITABLE = (cst.CSTValidationError, cst.ParserSyntaxError, SyntaxError, ValueError)


def apply_plan(source: RegistrySource, plan: RegistryPlan, settings: style_mod.ToolSettings = DEFAULT_SETTINGS) -> Applied:
    """The registry's new bytes, with what was really added and removed (a step may find no safe way)."""
    draft = draft_of(source, settings, plan.linted)
    removed = [remove(draft, r) for r in plan.removals]
    added: List[Optional[str]] = []
    for a in plan.additions:
        try:
            added.append(add(draft, a))
        except UNWRITABLE:
            added.append(None)
    placement.settle(draft)
    added.extend(insert_after(draft, i) for i in plan.insertions)
    return Applied(render(draft), tuple(a for a in added if a), tuple(r for r in removed if r))


def render(draft: Draft) -> bytes:
    """The file's bytes: libcst's exact round trip of every statement not edited."""
    source, module = draft.source.source, draft.module
    try:
        out = module.with_changes(header=draft.header, body=[s.node for s in draft.slots], footer=draft.footer).bytes
    except RecursionError:
        raise FixError(TOO_DEEP) from None
    if not source.strip() and out and not out.endswith((b"\n", b"\r")):
        out += module.default_newline.encode()  # an empty file gets proper lines
    # libcst drops the final newline of a file using old-Mac "\r" line endings: put it back
    if source.endswith(b"\r") and not source.endswith(b"\r\n") and not out.endswith(b"\r"):
        out += b"\r"
    return out


def new_registry(plan: RegistryPlan) -> bytes:
    """A registry created from nothing: a docstring saying what it is for, then one import per module."""
    lines = sorted({a.statement + "  # noqa: F401" for a in plan.additions if a.nameable})
    dynamic = sorted(f'importlib.import_module("{a.target.name}")' for a in plan.additions if not a.nameable)
    if dynamic:
        lines += ["import importlib", ""] + dynamic
    return (NEW_REGISTRY_HEADER + "\n" + "\n".join(lines) + "\n").encode("utf-8")


# -- additions -------------------------------------------------------------------------


def add(draft: Draft, a: Addition) -> Optional[str]:
    """Add the statement that registers `a.target`; None when no safe statement exists."""
    if not a.nameable:
        return _add_importlib(draft, a)
    statement, found = a.statement, a.resolves
    if a.cycle or style_mod.clashes(statement, draft.names, draft.import_tops):
        # importing the target runs the registry part-way (a cycle: only `import a.b.c` leaves the
        # half-run module alone), or the usual form would rebind a name the file already uses
        statement = style_mod.binding_nothing_new(a.target, draft.names, draft.import_tops)
        found = a.importable
    if not found:
        return None
    entries = draft.entries()
    if statement == a.statement and _join(draft, a, entries):
        return statement
    stmt = placement.statement_node(draft, statement)
    key = sort_key(import_of(stmt))
    after = placement.after_dependencies(draft, a.needs)
    if not entries:
        stmt = with_comment(stmt, cst.Comment("# noqa: F401"), cst.SimpleWhitespace("  "))
        placement.insert_into_empty(draft, stmt, after, a.needs)
    else:
        leading, comment, whitespace, is_sorted = placement.layout(draft, entries)
        if comment is None and draft.linted and not _exported(draft, stmt):
            # the linter would delete the import: mark it the way ruff and flake8 read
            comment, whitespace = cst.Comment("# noqa: F401"), cst.SimpleWhitespace("  ")
        stmt = with_comment(stmt, comment, whitespace).with_changes(leading_lines=leading)
        placement.insert_among(draft, stmt, key, entries, is_sorted, after, a.needs)
    _bind(draft, import_of(stmt))
    return statement


def _bind(draft: Draft, node) -> None:
    """Record what an added import binds (and name it in a literal `__all__`)."""
    bound = bound_names(node)
    draft.names.update(bound)
    if isinstance(node, cst.ImportFrom):  # `import a.b` binds `a`: not a name for __all__
        dunder_all.edit(draft.slots, add=bound)
    else:
        draft.import_tops.update(bound)


def _exported(draft: Draft, stmt) -> bool:
    """A `from` import whose names go into a literal `__all__` is used: no marker needed."""
    return isinstance(import_of(stmt), cst.ImportFrom) and dunder_all.find(draft.slots) is not None


def _add_importlib(draft: Draft, a: Addition) -> Optional[str]:
    """`app/class.py` cannot be named by an import statement: `importlib.import_module("app.class")`
    after the file's imports (with `import importlib` when the file has none)."""
    if not a.importable:
        return None
    has_importlib = "importlib" in draft.import_tops
    if not has_importlib and "importlib" in draft.names:
        return None  # the name means something else here
    pos = max(
        placement.after_imports(draft),
        placement.after_dependencies(draft, a.needs),
        placement.after_docstring_and_future(draft),
    )
    nl = draft.module.default_newline
    call = f'importlib.import_module("{a.target.name}")'
    lines = ([] if has_importlib else ["import importlib"]) + [call]
    for offset, line in enumerate(lines):
        draft.slots.insert(pos + offset, Slot(draft.parse(line + nl), added=True, aux=True))
    draft.import_tops.add("importlib")
    draft.names.add("importlib")
    return call


def _lists(draft: Draft, entries: List[int]) -> List[Slot]:
    """The entries that are lists - a multi-name or parenthesized ``from X import a, b`` of the
    registry as read (what this fix adds is one statement per import): found once, not per addition."""
    if draft.lists is None:
        draft.lists = []
        for i in entries:
            s = draft.slots[i]
            node = import_of(s.node)
            if s.fact is None or not isinstance(node, cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
                continue
            if len(node.names) >= 2 or node.lpar is not None:
                draft.lists.append(s)
    return draft.lists


def _join(draft: Draft, a: Addition, entries: List[int]) -> bool:
    """Add the names to an existing multi-name (or parenthesized) ``from X import a, b`` that provides them."""
    joins = {j.line: j.names for j in a.joins}
    for s in _lists(draft, entries):
        node = import_of(s.node)
        if len(node.names) < 2 and node.lpar is None:
            continue  # (a name removed from it by this fix: one name is no list)
        existing = {dotted(alias.name) for alias in node.names}
        wanted = [w for w in joins.get(s.line, ()) if w not in existing]
        if not wanted or any(w in draft.names for w in wanted):
            continue
        new = _joined(s.node, node, wanted)
        if node.lpar is None and len(code(new).rstrip("\r\n")) > draft.settings.line_length:
            continue  # a new statement rather than a line longer than the project allows
        s.node = new
        draft.names.update(wanted)
        dunder_all.edit(draft.slots, add=wanted)
        return True
    return False


def _joined(line, node: cst.ImportFrom, wanted: List[str]):
    """The statement line with `wanted` in its name list."""
    names = list(node.names)
    rpar = node.rpar
    for w in wanted:
        names, closer = insert_alias(names, w, node.lpar, rpar)
        if rpar is not None and closer is not None:
            rpar = rpar.with_changes(whitespace_before=closer)
    return line.with_changes(body=[node.with_changes(names=names, rpar=rpar)])


def insert_after(draft: Draft, insertion: Insertion) -> str:
    """Insert `statement  # comment` right after the top-level statement on `insertion.line`
    (after the last top-level import when there is none)."""
    line = insertion.line
    pos = next((i for i, s in enumerate(draft.slots) if s.line == line and not s.added), None) if line else None
    if pos is None:
        pos = (placement.after_imports(draft) or placement.after_docstring_and_future(draft)) - 1
    stmt = cst.parse_statement(insertion.statement + "\n", config=draft.module.config_for_parsing)
    tw = stmt.trailing_whitespace.with_changes(whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(insertion.comment))
    draft.slots.insert(pos + 1, Slot(stmt.with_changes(trailing_whitespace=tw), added=True))
    return insertion.statement
