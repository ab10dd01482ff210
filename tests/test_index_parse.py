"""Parsing (modelreg/index/parse.py): the standard parser, libcst for syntax newer than the running
interpreter, and a syntax error as one MR100 position and message."""

from __future__ import annotations

import ast
import sys

import pytest

from conftest import facts_of

from modelreg.index.parse import parse, parse_newer_syntax, parse_skeleton


def test_a_file_parses_to_its_tree():
    tree = parse("import os\n")
    assert isinstance(tree, ast.Module) and isinstance(tree.body[0], ast.Import)


def test_a_syntax_error_is_its_position_and_message():
    line, col, message = parse("import os\nclass A(:\n    pass\n")
    assert line == 2 and col >= 0 and message.startswith("syntax error: ")
    assert facts_of("import os\nclass A(:\n    pass\n").error == (line, col, message)


def test_a_skeleton_that_does_not_parse_is_none_so_the_whole_file_is_parsed():
    assert parse_skeleton("class A(:\n") is None
    assert isinstance(parse_skeleton("x = 1\n"), ast.Module)


def test_too_deep_nesting_is_an_error_not_a_crash():
    # (libcst is not asked: its native parser could crash on what the standard one refuses for depth)
    line, _, message = parse("x = " + "(" * 5000 + ")" * 5000 + "\n")
    assert (line, message) == (1, "syntax error: too many nested parentheses")


def test_newer_syntax_is_read_through_libcst_line_for_line():
    # PEP 695 (Python 3.12): a `type` alias and type parameters; on 3.12+ the standard parser reads them
    source = "type Id = int\n\n\nclass Box[T](Base):\n    __tablename__ = 'boxes'\n"
    if sys.version_info < (3, 12):
        assert isinstance(parse_newer_syntax(source, "invalid syntax"), ast.Module)
    facts = facts_of(source)
    assert facts.error is None
    assert [(c.name, c.line, c.tablename) for c in facts.classes] == [("Box", 4, "boxes")]
    assert "Id" in facts.defined


def test_what_libcst_cannot_parse_either_stays_a_syntax_error():
    assert parse_newer_syntax("class A(:\n", "invalid syntax") is None


def test_python_3_14_syntax_is_read_line_for_line_too():
    # PEP 758: `except A, B:` without parentheses; PEP 750: template strings (polar requires 3.14)
    source = (
        "import sqlalchemy as sa\n"
        "try:\n"
        "    from app.db import Base\n"
        "except ImportError, ModuleNotFoundError:\n"
        "    Base = None\n"
        "greeting = t'hello {name}'\n"
        "\n"
        "\n"
        "class Box(Base):\n"
        "    __tablename__ = 'boxes'\n"
    )
    if sys.version_info < (3, 14):
        with pytest.raises(SyntaxError):  # this interpreter's own parser refuses it
            ast.parse(source)
        assert isinstance(parse_newer_syntax(source, "multiple exception types must be parenthesized"), ast.Module)
    facts = facts_of(source)
    assert facts.error is None
    assert [(c.name, c.line, c.tablename) for c in facts.classes] == [("Box", 9, "boxes")]
    assert [(s.module, s.line) for s in facts.imports if s.is_from] == [("app.db", 3)]


def test_f_strings_in_a_file_only_libcst_reads_keep_the_facts_this_interpreter_gives_them():
    # the FastAPI template's deps.py: `except A, B:` sends it to libcst; its ordinary f-string argument
    # must stay an f-string (an expression), not become the constant "" (a different fact)
    source = (
        'reusable = OAuth2PasswordBearer(tokenUrl=f"{settings.API_V1_STR}/login")\n'
        "try:\n"
        "    pass\n"
        "except A, B:\n"
        "    pass\n"
    )
    facts = facts_of(source)  # (also checks the skeleton parse against the full one)
    assert [a.value for a in facts.assigns] == [
        ("call", ("name", "OAuth2PasswordBearer"), (), (("tokenUrl", ("other",)),))
    ]
