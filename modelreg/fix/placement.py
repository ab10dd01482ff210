"""Where an added import goes, and how it looks: among the registry's entries, in their layout.

A new import copies what the entries share (the lines above each, their trailing comment), takes its
alphabetical place when they are sorted, and always comes after the statements binding what its
module reads of the registry. A registry with no entry yet gets one block after its other imports.
"""

from __future__ import annotations

import ast
from typing import Dict, FrozenSet, List, Optional, Tuple

import libcst as cst

from .draft import Draft, Slot
from .nodes import (
    code,
    dotted,
    entry_leading,
    import_of,
    is_blank,
    is_directive,
    split_leading,
)

Layout = Tuple[list, Optional[cst.Comment], cst.SimpleWhitespace, bool]


def layout(draft: Draft, entries: List[int]) -> Layout:
    """Layout of a typical entry: its leading lines, the trailing comment its neighbours carry,
    the whitespace before that comment, and whether the entries are sorted.

    Computed once from the registry's own entries (additions keep a sorted registry sorted)."""
    if draft.layout is not None and any(not draft.slots[i].added for i in entries):
        return draft.layout
    originals = [draft.slots[i].node for i in entries if not draft.slots[i].added]
    sample = originals or [draft.slots[i].node for i in entries]  # only what this fix added so far
    trailing, whitespace = _trailing(sample)
    keys = [draft.slots[i].sort_key() for i in entries]
    is_sorted = all(a <= b for a, b in zip(keys, keys[1:]))
    draft.layout = (_leading(originals), trailing, whitespace, is_sorted)
    return draft.layout


def _leading(originals: list) -> list:
    """The lines above an entry that belong to every entry: blank separation and tool directives
    (`# noinspection ...`); a header, licence or section comment belongs to its own line only."""
    shapes: Dict[str, Tuple[int, list]] = {}
    for node in originals[1:]:
        shape = entry_leading(node.leading_lines)
        if shape is not None:
            key = "".join(code(ln) for ln in shape)
            n, _ = shapes.get(key, (0, None))
            shapes[key] = (n + 1, shape)
    if shapes:
        return max(shapes.values(), key=lambda v: v[0])[1]
    if originals:
        attached = split_leading(originals[0].leading_lines)[1]
        return [ln for ln in attached if is_directive(ln.comment.value)]
    return []


def _trailing(sample: list) -> Tuple[Optional[cst.Comment], cst.SimpleWhitespace]:
    """The trailing comment most entries carry (and the whitespace before it)."""
    comments: Dict[str, Tuple[int, Optional[cst.Comment], cst.SimpleWhitespace]] = {}
    for node in sample:
        tw = node.trailing_whitespace
        key = tw.comment.value if tw.comment is not None else ""
        n = comments.get(key, (0, None, None))[0]
        comments[key] = (n + 1, tw.comment, tw.whitespace)
    _, trailing, whitespace = max(comments.values(), key=lambda v: v[0]) if comments else (0, None, None)
    if trailing is None:
        whitespace = cst.SimpleWhitespace("")
    return trailing, whitespace


def statement_node(draft: Draft, statement: str):
    """The statement as a node, wrapped in parentheses one name a line when it is too long."""
    nl = draft.module.default_newline
    node = ast.parse(statement).body[0]
    if isinstance(node, ast.ImportFrom) and len(statement) + 14 > draft.settings.line_length and len(node.names) > 1:
        head, _, tail = statement.partition(" import ")
        names = "".join(f"    {n.strip()},{nl}" for n in tail.split(","))
        statement = f"{head} import ({nl}{names})"
    return draft.parse(statement + nl)


# -- positions -------------------------------------------------------------------------


def after_dependencies(draft: Draft, needs: Optional[FrozenSet[str]], own: Optional[Slot] = None) -> int:
    """The first position after every statement of the file (the file's own and those added)
    binding what the new import needs."""
    pos = 0
    if needs is None:  # any attribute of the registry: after all of its original imports
        for i, s in enumerate(draft.slots):
            if not s.added and import_of(s.node) is not None:
                pos = i + 1
        return pos
    if not needs:
        return 0
    for i, s in enumerate(draft.slots):
        if s is own:
            continue
        binds = s.binds()
        if binds is None or binds & needs:
            pos = i + 1
    return pos


def after_docstring_and_future(draft: Draft) -> int:
    pos = 0
    for i, s in enumerate(draft.slots):
        node = s.node
        if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1:
            b = node.body[0]
            if i == 0 and isinstance(b, cst.Expr) and isinstance(b.value, (cst.SimpleString, cst.ConcatenatedString)):
                pos = i + 1
                continue
            if isinstance(b, cst.ImportFrom) and dotted(b.module) == "__future__":
                pos = i + 1
                continue
        break
    return pos


def after_imports(draft: Draft) -> int:
    """The position after the file's last top-level import (0 when it has none)."""
    pos = 0
    for i, s in enumerate(draft.slots):
        if import_of(s.node) is not None:
            pos = i + 1
    return pos


# -- insertion -------------------------------------------------------------------------


def insert_into_empty(draft: Draft, stmt, after: int = 0, needs=frozenset()) -> None:
    """No entry yet: after the docstring, __future__ and other (standard library, third-party)
    imports at the top - the first-party section comes last -, one blank line above the block."""
    slots = draft.slots
    pos = after_docstring_and_future(draft)
    while pos < len(slots) and import_of(slots[pos].node) is not None and not slots[pos].added:
        pos += 1
    pos = max(pos, after)
    if pos > 0 or draft.header:
        stmt = stmt.with_changes(leading_lines=[cst.EmptyLine()])
    slots.insert(pos, Slot(stmt, added=True, needs=needs))


def insert_among(draft: Draft, stmt, key: str, entries: List[int], is_sorted: bool, after: int = 0, needs=frozenset()) -> None:
    """Among the entries: at its alphabetical place when they are sorted, else last; after what it needs."""
    pos = entries[-1] + 1
    if is_sorted:
        pos = next((i for i in entries if draft.slots[i].sort_key() > key), pos)
    if is_sorted and after > pos and draft.settings.import_sorter:
        # a dependency wins over alphabetical order; an import sorter (ruff's I001, isort) would put
        # the import back above what it needs: a split comment keeps the order (with the blank
        # line ruff puts before one)
        directives = [ln for ln in stmt.leading_lines if not is_blank(ln)]
        split = [cst.EmptyLine(), cst.EmptyLine(comment=cst.Comment("# isort: split"))]
        stmt = stmt.with_changes(leading_lines=split + directives)
    pos = max(pos, after)  # a dependency wins over alphabetical order
    if pos == entries[0]:
        # a new first entry takes over the lines above the old first one (header comments...)
        first = draft.slots[pos]
        stmt = stmt.with_changes(leading_lines=list(first.node.leading_lines))
        first.node = first.node.with_changes(leading_lines=layout(draft, entries)[0])
    draft.slots.insert(pos, Slot(stmt, added=True, needs=needs))


def settle(draft: Draft) -> None:
    """Move each added import below what it needs that a later addition binds (additions come in
    no particular order: `b` may need the `A` that the addition of `a` binds)."""
    for _ in range(len(draft.slots)):
        if not _settle_one(draft):
            return


def _settle_one(draft: Draft) -> bool:
    """Move the first added import that sits above what it needs; whether one moved."""
    slots = draft.slots
    for i, s in enumerate(slots):
        if not s.added or s.needs == frozenset():
            continue
        pos = after_dependencies(draft, s.needs, own=s)
        if pos > i:
            del slots[i]
            nxt = slots[i] if i < len(slots) else None
            if nxt is not None and hasattr(nxt.node, "leading_lines"):
                # the lines above the old place (a header...) stay there, above what comes next
                mine, theirs = list(s.node.leading_lines), list(nxt.node.leading_lines)
                nxt.node = nxt.node.with_changes(leading_lines=mine)
                s.node = s.node.with_changes(leading_lines=theirs)
            slots.insert(pos - 1, s)
            return True
    return False
