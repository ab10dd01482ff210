"""Removals: a stale import leaves the registry, a whole statement or one name of its list.

The comment lines an author wrote above a removed statement stay in the file (above what now comes
next); a tool directive the entries share (`# noinspection ...`) goes with it; a literal `__all__`
loses the names the import bound.
"""

from __future__ import annotations

from typing import List, Optional

from . import dunder_all
from .commas import drop_item
from .draft import Draft, Slot
from .nodes import bound_names, code, import_of, is_directive, split_leading
from .types import Removal


def remove(draft: Draft, r: Removal) -> Optional[str]:
    """Remove the statement starting on `r.line` (index -1), or only its alias number `r.index`."""
    pos = next((i for i, s in enumerate(draft.slots) if s.line == r.line and not s.added), None)
    node = import_of(draft.slots[pos].node) if pos is not None else None
    if node is None:
        return None
    if r.index >= 0:
        return _remove_alias(draft, draft.slots[pos], node, r.index)
    return _remove_statement(draft, pos, node)


def _remove_alias(draft: Draft, s: Slot, node, index: int) -> str:
    alias = node.names[index]
    rpar = getattr(node, "rpar", None)
    kept, closer = drop_item(list(node.names), index, rpar.whitespace_before if rpar is not None else None)
    changes = {"names": kept}
    if rpar is not None and closer is not None:
        changes["rpar"] = rpar.with_changes(whitespace_before=closer)
    s.node = s.node.with_changes(body=[node.with_changes(**changes)])
    dunder_all.edit(draft.slots, remove=bound_names(node, [alias]))
    return code(alias.name)


def _remove_statement(draft: Draft, pos: int, node) -> str:
    """Remove a whole statement; the comment lines above it that are the author's stay in the file."""
    draft.layout = None
    draft.lists = None
    s = draft.slots[pos]
    text = code(s.node.with_changes(leading_lines=[])).strip()
    prefix, attached = split_leading(s.node.leading_lines)
    entries = draft.entries()
    first_entry = not any(i < pos for i in entries)
    kept = _authors_comments(draft, pos, entries, attached)
    if kept:
        prefix = prefix + kept
        first_entry = True  # what stays must land above the next statement
    del draft.slots[pos]
    if first_entry and prefix:
        # the lines above the first entry (header comments...) stay, above whatever now comes first
        if pos < len(draft.slots) and hasattr(draft.slots[pos].node, "leading_lines"):
            nxt = draft.slots[pos]
            nxt.node = nxt.node.with_changes(leading_lines=prefix + split_leading(nxt.node.leading_lines)[1])
        else:
            draft.footer = prefix + draft.footer
    dunder_all.edit(draft.slots, remove=bound_names(node))
    return text


def _authors_comments(draft: Draft, pos: int, entries: List[int], attached: list) -> list:
    """The comment lines attached to an entry that are the author's: its directive (`# noinspection ...`,
    the same lines other entries carry) goes with it, any other comment stays."""
    shared = {
        ln.comment.value
        for i in entries
        if i != pos
        for ln in split_leading(draft.slots[i].node.leading_lines)[1]
    }
    return [ln for ln in attached if ln.comment.value not in shared and not is_directive(ln.comment.value)]
