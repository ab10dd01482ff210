"""The textual prefilter (modelreg/index/prefilter.py): from a file's bytes alone, whether it must be
parsed up front (a trigger word) and, if not, every word it spells - for the resolver to ask whether
one of them is a model-ish name."""

from __future__ import annotations

import pytest

from modelreg.index import LIBRARY_NAMES, LIBRARY_WORDS, scan


@pytest.mark.parametrize(
    "source",
    [
        b"from sqlalchemy.orm import declarative_base\n",
        b"import sqlmodel\n",
        b"db.create_all()\n",
        b"class A(Base):\n    __tablename__ = 'a'\n",
    ],
    ids=["sqlalchemy", "sqlmodel", "create_all", "__tablename__"],
)
def test_a_file_spelling_a_trigger_is_parsed_up_front(source):
    assert scan(source) == (True, b"")


def test_a_configured_trigger_counts_like_the_built_in_ones():
    assert scan(b"from app.compat import MyBase\n")[0] is False
    assert scan(b"from app.compat import MyBase\n", (b"MyBase",)) == (True, b"")


def test_a_library_name_as_a_whole_word_is_a_trigger():
    assert {"SQLModel", "MetaData", "declarative_base"} <= LIBRARY_NAMES
    assert LIBRARY_WORDS == {n.encode() for n in LIBRARY_NAMES}
    assert scan(b"from app.compat import SQLModel\n") == (True, b"")
    assert scan(b"SQLModelish = 1\n")[0] is False  # a longer word is not the name


def test_a_file_without_triggers_gives_every_word_it_spells():
    found, words = scan(b"from app.base import Base\n\nclass User(Base):  # a comment: Hidden\n    pass\n")
    assert found is False
    assert set(words.split()) == {b"from", b"app", b"base", b"import", b"Base", b"class", b"User", b"a",
                                  b"comment", b"Hidden", b"pass"}


def test_non_ascii_identifiers_are_words_as_the_interpreter_reads_them():
    # NFKC: the interpreter reads a mathematical bold B as a plain B
    _, words = scan("from app import 𝐁ase\n".encode("utf-8"))
    assert b"Base" in words.split()
    _, words = scan("# -*- coding: latin-1 -*-\nCafé = 1\n".encode("latin-1"))
    assert "Café".encode("utf-8") in words.split()
