"""commas: a name joins (or leaves) a comma-separated list in the list's own layout, comments kept."""

import libcst as cst
import pytest

from modelreg.fix.commas import drop_item, insert_alias


def joined(statement: str, name: str) -> str:
    line = cst.parse_statement(statement)
    node = line.body[0]
    names, closer = insert_alias(node.names, name, node.lpar, node.rpar)
    rpar = node.rpar.with_changes(whitespace_before=closer) if node.rpar is not None and closer is not None else node.rpar
    return cst.Module(body=[line.with_changes(body=[node.with_changes(names=names, rpar=rpar)])]).code


def dropped(statement: str, index: int) -> str:
    line = cst.parse_statement(statement)
    node = line.body[0]
    closer_ws = node.rpar.whitespace_before if node.rpar is not None else None
    names, closer = drop_item(list(node.names), index, closer_ws)
    rpar = node.rpar.with_changes(whitespace_before=closer) if node.rpar is not None and closer is not None else node.rpar
    return cst.Module(body=[line.with_changes(body=[node.with_changes(names=names, rpar=rpar)])]).code


@pytest.mark.parametrize(
    "before, name, after",
    [
        ("from x import a, c\n", "b", "from x import a, b, c\n"),
        ("from x import c, a\n", "b", "from x import c, a, b\n"),
        ("from x import (\n    a,\n    c,\n)\n", "d", "from x import (\n    a,\n    c,\n    d,\n)\n"),
        ("from x import (\n    a,\n    c,  # keep\n)\n", "d", "from x import (\n    a,\n    c,  # keep\n    d,\n)\n"),
        ("from x import (\n    a,\n    c  # keep\n)\n", "d", "from x import (\n    a,\n    c,  # keep\n    d\n)\n"),
        ("from x import (a,\n               c)\n", "b", "from x import (a,\n               b,\n               c)\n"),
    ],
    ids=[
        "a sorted list takes the name in its place",
        "an unsorted list takes it last",
        "one a line with a trailing comma",
        "the last item's comment stays on its line",
        "the last item's comment stays on its line without a trailing comma",
        "aligned continuation lines",
    ],
)
def test_a_name_joins_a_list_in_its_layout(before, name, after):
    assert joined(before, name) == after


@pytest.mark.parametrize(
    "before, index, after",
    [
        ("from x import a, b, c\n", 1, "from x import a, c\n"),
        ("from x import a, b\n", 1, "from x import a\n"),
        ("from x import (\n    a,  # first\n    b,  # second\n)\n", 1, "from x import (\n    a,  # first\n)\n"),
        ("from x import (\n    a,  # first\n    b,  # second\n)\n", 0, "from x import (\n    b,  # second\n)\n"),
    ],
    ids=["from the middle", "the last one", "the last one's comment goes with it", "the first one's too"],
)
def test_a_name_leaves_a_list_with_its_own_comment_only(before, index, after):
    assert dropped(before, index) == after


@pytest.mark.parametrize(
    "before, name, after",
    [
        (
            "from x import (\n    a, b,\n    c, d,\n)\n", "e",
            "from x import (\n    a, b,\n    c, d,\n    e,\n)\n",
        ),
        ("from x import (a, b,)\n", "c", "from x import (a, b, c,)\n"),
        ("from x import (a,\n               b,)\n", "c", "from x import (a,\n               b,\n               c,)\n"),
    ],
    ids=[
        "several names a line: the new line takes the list's indentation, not the bracket's",
        "a trailing comma with nothing after it: the new name is spaced as the others",
        "a trailing comma before the bracket on the last line: the new name gets its own line",
    ],
)
def test_a_name_appended_after_a_trailing_comma_is_laid_out_like_its_neighbours(before, name, after):
    assert joined(before, name) == after
    compile(after, "<fixed>", "exec")
