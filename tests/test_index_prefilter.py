"""The textual prefilter (modelreg/index/prefilter.py): from a file's bytes alone, whether it must be
parsed up front (a trigger word) and, if not, every word it spells - for the resolver to ask whether
one of them is a model-ish name."""

from __future__ import annotations

import textwrap

import pytest

from modelreg.index import LIBRARY_NAMES, LIBRARY_WORDS, scan


@pytest.mark.parametrize(
    "source",
    [
        b"from sqlalchemy.orm import declarative_base\n",
        b"import sqlmodel\n\nengine = sqlmodel.create_engine(URL)\n",
        b"db.create_all()\n",
        b"class A(Base):\n    __tablename__ = 'a'\n",
    ],
    ids=["sqlalchemy", "sqlmodel", "create_all", "__tablename__"],
)
def test_a_file_spelling_a_trigger_is_parsed_up_front(source):
    assert scan(source) == (True, b"")


@pytest.mark.parametrize(
    "source",
    [
        b"import sqlalchemy as sa\n\n\ndef users(session):\n    return session.execute(sa.select(User))\n",
        b"from sqlalchemy.exc import IntegrityError\n\nRETRIES = 3\n",
        b"try:\n    import sqlalchemy\nexcept ImportError:\n    sqlalchemy = None\n",
        b"from sqlalchemy import MetaData, Table\n\n\ndef upgrade(engine):\n    meta = MetaData()\n"
        b"    Table('t', meta, autoload_with=engine)\n",
    ],
    ids=["queries in functions", "a constant beside", "an optional import", "library names in a function"],
)
def test_a_file_that_only_uses_sqlalchemy_is_no_trigger(source):
    assert scan(source)[0] is False


@pytest.mark.parametrize(
    "source",
    [
        b"import sqlalchemy as sa\nfrom app.util import make_base\n\nBase = make_base()\n",
        b"import sqlalchemy as sa\n\n\ndef f():\n    class Model(Thing):\n        id = sa.Column(sa.Integer)\n",
        b"def make_base():\n    return declarative_base()\n",
        b"def start_mappers():\n    reg.map_imperatively(User, users)\n",
        b"from sqlalchemy.orm import DeclarativeBase as Base\n",
    ],
    ids=["a base from a project function", "a class in a function", "a base factory", "imperative mappings",
         "a library name under an alias"],
)
def test_a_file_using_sqlalchemy_that_can_bind_something_is_a_trigger(source):
    assert scan(source) == (True, b"")


def test_a_configured_trigger_counts_like_the_built_in_ones():
    assert scan(b"from app.compat import MyBase\n")[0] is False
    assert scan(b"from app.compat import MyBase\n", (b"MyBase",)) == (True, b"")


def test_a_library_name_as_a_whole_word_is_a_trigger():
    assert {"SQLModel", "MetaData", "declarative_base"} <= LIBRARY_NAMES
    assert LIBRARY_WORDS == {n.encode() for n in LIBRARY_NAMES}
    assert scan(b"from app.compat import SQLModel\n\n\nclass Hero(SQLModel, table=True):\n    pass\n") == (True, b"")
    assert scan(b"SQLModelish = 1\n")[0] is False  # a longer word is not the name


def test_a_file_without_triggers_gives_the_words_of_its_class_headers():
    found, words = scan(b"from app.base import Base\n\nclass User(Base):  # a comment: Hidden\n    pass\n")
    assert found is False
    assert set(words.split()) == {b"Base"}  # (the class's own name binds a model only if its bases say so)


def words_of(source: str) -> set:
    found, words = scan(textwrap.dedent(source).lstrip("\n").encode())
    assert found is False
    return set(words.split())


@pytest.mark.parametrize(
    "source",
    [
        "class Admin(\n    models.User,\n):\n    pass\n",
        "def make():\n    class Admin(User):\n        pass\n    return Admin\n",
        "class Outer:\n    class Admin(User):\n        pass\n",
        "@User.reg.mapped\n@dataclass\nclass Admin:\n    pass\n",
        "class Outer:\n    @User.reg.mapped\n    class Admin:\n        pass\n",
        "Member = User\n",
        "import app\nMember = \\\n'%s' % app.User\n",
        "Member = type('Member', (User,), {})\n",
        "if TYPE_CHECKING:\n    from app.models import User\nelse:\n    Member = 1\n",
        "try:\n    Member = app.User\nexcept ImportError:\n    pass\n",
        "from app.models import User as Member\n",
        "def f():\n    from app.models import (\n        User\n        as Member,\n    )\n",
        'DOC = """\ndef f():\n    pass\n""" + User.__doc__\n',
        "x = [\nUser]\ndef f():\n    pass\n",
        '"""Import every model, so that the base has them."""\nfrom app.db import Base\nfrom app.models import User\n'
        "\n__all__ = ['Base', 'User']\n",
    ],
    ids=[
        "a class header over several lines", "a class inside a function", "a class nested in a class",
        "a class decorator", "a nested class's decorator", "a module-level alias",
        "a module-level statement continued by a backslash", "a class made by type()",
        "a statement under if", "a statement under try", "an import alias", "an alias in a function's import",
        "a statement after a string that holds a def", "a column-0 line inside brackets",
        "a module of imports only (a registry that gathers the models)",
    ],
)
def test_a_name_where_it_can_bind_something_model_ish_is_a_word(source):
    assert b"User" in words_of(source)


@pytest.mark.parametrize(
    "source",
    [
        "from app.models import User\n\nLOG = 1\n",
        "import app.models.User\n\n\ndef f():\n    pass\n",
        "def f():\n    return User.query.all()\n",
        "class Service:\n    def f(self):\n        x = User()\n",
        '"""The User model\'s helpers."""\n',
        "class Test:\n    @mock.patch.object(User, 'save')\n    def test(self):\n        pass\n",
        "@mock.patch('app.User.save', side_effect=[1,\n    2])\ndef test():\n    pass\n",
        'def f():\n    sql = """\nSELECT User\nFROM x\n"""\n    return User\n',
        "x = 1  # the User model\n",
    ],
    ids=[
        "a plain from-import", "a plain import", "a function body", "a method body", "a docstring",
        "a method's decorator", "a function's decorator over two lines",
        "a function body holding a column-0 string", "the comment of a statement",
    ],
)
def test_a_name_where_it_binds_nothing_model_ish_is_no_word(source):
    assert b"User" not in words_of(source) or source.startswith("x = 1")


def test_a_file_whose_layout_is_not_plain_gives_every_word():
    assert b"User" in words_of("import x\rdef f():\r    return User\r")  # lone CR line ends
    assert b"User" in words_of("    import x\ndef f():\n    return User\n")  # an indented first line
    assert b"User" in words_of("def f():\n    pass\n\x0cUser.x = 1\n")  # a form feed: the line is top-level
    assert b"User" in words_of("from app import User\nx = (\n")  # a file that does not parse: its MR100 is reported
    for unreadable in (b"from app import User\ny = '\0'\n", b"from app import User\ny = '\xe9t\xe9'\n"):
        assert b"User" in scan(unreadable)[1].split()  # a NUL byte, bytes that do not decode: MR100


def test_non_ascii_identifiers_are_words_as_the_interpreter_reads_them():
    # NFKC: the interpreter reads a mathematical bold B as a plain B
    _, words = scan("class A(𝐁ase):\n    pass\n".encode("utf-8"))
    assert b"Base" in words.split()
    _, words = scan("# -*- coding: latin-1 -*-\nCafé = 1\n".encode("latin-1"))
    assert "Café".encode("utf-8") in words.split()
