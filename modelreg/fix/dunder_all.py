"""A literal `__all__` kept in step with the imports the fix adds and removes, in its own layout.

`__all__ = [...]`, `(...)`, `__all__: list[str] = [...]` and `[...] + [...]` are edited; a computed
`__all__` is left alone.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

import libcst as cst

from .commas import drop_item, insert_element
from .nodes import dotted


def find(slots: list):
    """(slot, assignment, list displays) of a literal ``__all__`` among the top-level statements;
    displays is None when it is computed; None when the file has no ``__all__``."""
    for s in slots:
        assign = _all_assignment(s.node)
        if assign is None:
            continue
        displays = _displays(assign.value)
        if displays is not None and not all(isinstance(e.value, cst.SimpleString) for d in displays for e in d.elements):
            displays = None
        return s, assign, displays
    return None


def _all_assignment(node):
    """`__all__ = <value>` or `__all__: <type> = <value>` alone on its line, else None."""
    if not (isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1):
        return None
    assign = node.body[0]
    if isinstance(assign, cst.Assign) and len(assign.targets) == 1 and dotted(assign.targets[0].target) == "__all__":
        return assign
    if isinstance(assign, cst.AnnAssign) and dotted(assign.target) == "__all__" and assign.value is not None:
        return assign
    return None


def edit(slots: list, add: Sequence[str] = (), remove: Sequence[str] = ()) -> None:
    """Add and remove names of a literal ``__all__`` (its statement's slot gets the new node)."""
    found = find(slots)
    if found is None or found[2] is None:
        return  # no __all__, or a computed one: leave it alone
    s, assign, displays = found
    present = [[e.value.evaluated_value for e in d.elements] for d in displays]
    new = {id(d): d for d in displays}
    _remove(displays, present, new, remove)
    _add(displays, present, new, add)
    value = assign.value
    for d in displays:
        if new[id(d)] is not d:
            value = value.deep_replace(d, new[id(d)]) if value is not d else new[id(d)]
    s.node = s.node.with_changes(body=[assign.with_changes(value=value)])


def _remove(displays: list, present: List[list], new: dict, names: Sequence[str]) -> None:
    for name in names:
        for d, held in zip(displays, present):
            if name in held:
                cur = new[id(d)]
                elements, closer = drop_item(list(cur.elements), held.index(name), _closer_ws(cur))
                new[id(d)] = _with_closer(cur.with_changes(elements=elements), closer)
                held.remove(name)
                break


def _add(displays: list, present: List[list], new: dict, names: Sequence[str]) -> None:
    everywhere = {n for held in present for n in held}
    for name in names:
        if name in everywhere:
            continue
        d = displays[-1]
        cur = new[id(d)]
        quote = next((e.value.quote for dd in displays for e in dd.elements), '"')
        elements, closer = insert_element(list(cur.elements), name, quote, _opener_ws(cur), _closer_ws(cur))
        new[id(d)] = _with_closer(cur.with_changes(elements=elements), closer)
        everywhere.add(name)


def _displays(value) -> Optional[list]:
    """The list or tuple displays an ``__all__`` value is made of (``[...] + [...]``), None if computed."""
    if isinstance(value, (cst.List, cst.Tuple)):
        return [value]
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        left, right = _displays(value.left), _displays(value.right)
        return None if left is None or right is None else left + right
    return None


def _opener_ws(display):
    if isinstance(display, cst.List):
        return display.lbracket.whitespace_after
    return display.lpar[0].whitespace_after if display.lpar else None


def _closer_ws(display):
    if isinstance(display, cst.List):
        return display.rbracket.whitespace_before
    return display.rpar[-1].whitespace_before if display.rpar else None


def _with_closer(display, closer):
    if closer is None:
        return display
    if isinstance(display, cst.List):
        return display.with_changes(rbracket=display.rbracket.with_changes(whitespace_before=closer))
    if display.rpar:
        rpar = list(display.rpar)
        rpar[-1] = rpar[-1].with_changes(whitespace_before=closer)
        return display.with_changes(rpar=rpar)
    return display
