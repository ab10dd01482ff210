"""Comma-separated lists in libcst: insert a name in its sorted place, drop one, keep every comment.

Used for `from X import (a, b)` name lists and `__all__` displays alike: the new item copies the list's
comma layout (one a line, or all on one), and a comment after an item stays on that item's line.
"""

from __future__ import annotations

import libcst as cst

from .nodes import dotted


def insert_alias(names, name: str, opener=None, closer=None):
    opener_ws = opener.whitespace_after if opener is not None else None
    closer_ws = closer.whitespace_before if closer is not None else None
    return insert_sorted(list(names), cst.ImportAlias(name=cst.Name(name)), lambda a: dotted(a.name), opener_ws, closer_ws)


def insert_element(elements, name: str, quote: str, opener_ws=None, closer_ws=None):
    value = cst.SimpleString(f"{quote}{name}{quote}")
    return insert_sorted(
        elements,
        cst.Element(value=value),
        lambda e: e.value.evaluated_value if isinstance(e.value, cst.SimpleString) else "",
        opener_ws,
        closer_ws,
    )


def _uncommented(ws):
    """The same whitespace without the comment it carries (a comment belongs to its own line's item)."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.with_changes(first_line=cst.TrailingWhitespace(newline=ws.first_line.newline), empty_lines=[])
    return ws


def _indented(ws, like):
    """`ws` (keeping its comment) leading to the indentation `like` leads to."""
    if isinstance(ws, cst.ParenthesizedWhitespace) and isinstance(like, cst.ParenthesizedWhitespace):
        return ws.with_changes(indent=like.indent, last_line=like.last_line)
    return ws


def _has_comment(ws) -> bool:
    return isinstance(ws, cst.ParenthesizedWhitespace) and (
        ws.first_line.comment is not None or any(ln.comment is not None for ln in ws.empty_lines)
    )


def insert_sorted(items: list, new, key, opener_ws=None, closer_ws=None):
    """Insert `new` into a comma-separated list, alphabetically when it is sorted, else last, copying the
    comma layout; a comment after an item (on its line) stays with that item. Returns (items, the new
    whitespace before the closing bracket, or None when unchanged)."""
    if not items:
        return [new], None
    pos = _sorted_position(items, new, key)
    middle = _separator(items, opener_ws)
    if pos < len(items):
        items.insert(pos, new.with_changes(comma=middle))
        return items, None
    return _append(items, new, middle, closer_ws, _line_break(items, opener_ws))


def _sorted_position(items: list, new, key) -> int:
    """Where `new` goes: its alphabetical place in a sorted list, else last."""
    keys = [key(x) for x in items]
    if not all(a.lower() <= b.lower() for a, b in zip(keys, keys[1:])):
        return len(items)
    k = key(new).lower()
    return next((i for i, x in enumerate(keys) if x.lower() > k), len(items))


def _separator(items: list, opener_ws) -> cst.Comma:
    """The separator between two items (", " or a newline and indentation), without any item's comment."""
    middle = next((x.comma for x in items[:-1] if not isinstance(x.comma, cst.MaybeSentinel)), None)
    if middle is None:
        indent_like = opener_ws if isinstance(opener_ws, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")
        return cst.Comma(whitespace_after=_uncommented(indent_like))
    return middle.with_changes(whitespace_after=_uncommented(middle.whitespace_after))


def _line_break(items: list, opener_ws):
    """A separator that starts a new line in this list (its indentation is what a new line copies), or
    None: the first between two items, else the one after the opening bracket."""
    found = next(
        (x.comma.whitespace_after for x in items[:-1]
         if not isinstance(x.comma, cst.MaybeSentinel) and isinstance(x.comma.whitespace_after, cst.ParenthesizedWhitespace)),
        None,
    )
    return found if found is not None else (opener_ws if isinstance(opener_ws, cst.ParenthesizedWhitespace) else None)


def _append(items: list, new, middle: cst.Comma, closer_ws, line_break=None):
    """`new` after the last item: (items, the new whitespace before the closing bracket or None).
    ``line_break``: a separator starting a new line, whose indentation a new line takes (several items
    a line: `"a", "b",` then `"c", "d",`)."""
    last = items[-1]
    closer = None
    if not isinstance(last.comma, cst.MaybeSentinel) and not isinstance(
        last.comma.whitespace_after, cst.ParenthesizedWhitespace
    ) and isinstance(closer_ws, cst.ParenthesizedWhitespace):
        # `'b',  # keep` then `]`: what follows the trailing comma (the comment, the line break) belongs
        # to the closing bracket; it becomes b's line end, and the new item ends the same way b did
        items[-1] = last.with_changes(comma=last.comma.with_changes(
            whitespace_after=_indented(closer_ws, line_break or middle.whitespace_after)))
        items.append(new.with_changes(comma=last.comma))
        closer = _uncommented(closer_ws)
    elif not isinstance(last.comma, cst.MaybeSentinel):  # a trailing comma: the new last item takes one too
        trailing = last.comma.with_changes(whitespace_after=_uncommented(last.comma.whitespace_after))
        own = last.comma.whitespace_after
        if isinstance(own, cst.SimpleWhitespace) and not own.value:
            own = middle.whitespace_after  # `"b",]`: the new item is separated as the others are
        items[-1] = last.with_changes(comma=last.comma.with_changes(
            whitespace_after=_indented(own, line_break or middle.whitespace_after)))
        items.append(new.with_changes(comma=trailing))
    elif _has_comment(closer_ws):  # `b  # keep` then `)`: the comment stays on b's line
        items[-1] = last.with_changes(comma=cst.Comma(whitespace_after=_indented(closer_ws, middle.whitespace_after)))
        items.append(new)
        closer = _uncommented(closer_ws)
    else:
        items[-1] = last.with_changes(comma=middle)
        items.append(new)
    return items, closer


def drop_item(items: list, index: int, closer_ws=None):
    """Remove item `index` from a comma-separated list with its own comment; each other item keeps its
    comment. Returns (items, the new whitespace before the closing bracket, or None when unchanged)."""
    removed = items.pop(index)
    if index < len(items) or not items:
        if index == 0 and items and not isinstance(removed.comma, cst.MaybeSentinel):
            pass  # the next item moves up into the removed one's place; its own comma stays
        return items, None
    # the removed item was the last one: the new last takes its trailing comma (or lack of one)
    prev = items[-1]
    own = prev.comma.whitespace_after if not isinstance(prev.comma, cst.MaybeSentinel) else None
    if not isinstance(removed.comma, cst.MaybeSentinel):
        after = removed.comma.whitespace_after
        if isinstance(own, cst.ParenthesizedWhitespace) and isinstance(after, cst.ParenthesizedWhitespace):
            after = after.with_changes(first_line=own.first_line, empty_lines=own.empty_lines)
        items[-1] = prev.with_changes(comma=removed.comma.with_changes(whitespace_after=after))
        if isinstance(closer_ws, cst.ParenthesizedWhitespace) and not isinstance(after, cst.ParenthesizedWhitespace):
            # `'gone',  # c2` then `]`: the line end after the trailing comma belongs to the bracket;
            # it becomes the new last item's own line end (its comment, or none)
            if isinstance(own, cst.ParenthesizedWhitespace):
                return items, closer_ws.with_changes(first_line=own.first_line, empty_lines=own.empty_lines)
            return items, _uncommented(closer_ws)
        return items, None
    items[-1] = prev.with_changes(comma=cst.MaybeSentinel.DEFAULT)
    if isinstance(own, cst.ParenthesizedWhitespace) and isinstance(closer_ws, cst.ParenthesizedWhitespace):
        return items, closer_ws.with_changes(first_line=own.first_line, empty_lines=own.empty_lines)
    return items, None
