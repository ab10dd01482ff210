"""The skeleton (modelreg/index/skeleton.py): what a full parse would tell, for a fraction of the parse.

Its contract: what it blanks is replaced by as many empty lines, so every line keeps its number; it
keeps every statement modelreg reads; when the text could be cut inside a string or a bracket, it says
None (the whole file is parsed); and the facts of a skeleton are those of a full parse, on any file.
"""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path
from typing import List

import pytest
from conftest import REPO

from modelreg.index import DECLARES_MARK, index_source, skeleton


def test_a_skeleton_has_the_lines_of_its_file_and_blanks_function_bodies():
    text = "import os\n\n\ndef helper(x):\n    y = x + 1\n    return y\n\n\nclass A(Base):\n    __tablename__ = 'a'\n"
    source, blanked = skeleton(text)
    assert blanked == ("helper",)
    assert source.count("\n") == text.count("\n")
    lines = source.split("\n")
    assert lines[0] == "import os" and lines[8] == "class A(Base):" and lines[9] == "    __tablename__ = 'a'"
    assert "helper" not in source and "return" not in source


def test_a_function_that_imports_or_calls_what_modelreg_records_is_kept_whole():
    for body in ("    import pkg.models\n", "    Base.metadata.create_all(engine)\n", "    class Inner(Base):\n        pass\n"):
        text = "def setup(engine):\n" + body
        source, blanked = skeleton(text)
        assert blanked == () and source == text


def test_a_class_keeps_its_sqlalchemy_dunders_and_marks_what_it_declares():
    text = (
        "class User(Base):\n"
        "    __tablename__ = 'users'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "\n"
        "    def greet(self):\n"
        "        return 'hi'\n"
    )
    source, _ = skeleton(text)
    lines = source.split("\n")
    assert lines[:2] == text.split("\n")[:2]
    assert lines[2] == f"    {DECLARES_MARK} = 0"  # a column: the class declares something
    assert "greet" not in source and source.count("\n") == text.count("\n")


def test_a_docstring_paragraph_in_a_class_body_keeps_the_skeleton():
    text = 'class A(Base):\n    """\n    Variables are named values.\n\n    Arguments:\n        x: y\n    """\n    x = 1\n'
    assert skeleton(text) is not None


def test_a_class_body_of_methods_only_becomes_pass():
    text = "class Helper:\n    def f(self):\n        return 1\n"
    source, _ = skeleton(text)
    assert source.split("\n")[1] == "    pass"
    assert DECLARES_MARK not in source


def test_a_module_docstring_is_blanked():
    text = '"""The models.\n\n    class Fake(Base): ...\n    """\nimport os\n'
    source, _ = skeleton(text)
    assert source == "\n" * 4 + "import os\n"


def test_a_docstring_with_code_at_column_0_sends_the_file_to_the_full_parse():
    assert skeleton('"""The models.\n\nclass Fake(Base): ...\n"""\nimport os\n') is None


@pytest.mark.parametrize(
    "text",
    [
        "x = 1 + \\\n    2\n",  # a backslash continuation
        "class A(Base):\n\t__tablename__ = 'a'\n",  # a tab
        "import os\rdef f():\r    pass\r",  # lone CR line ends
        "    import os\n",  # an indented first statement
        "class A(Base):\n    x = 1\n  y = 2\n",  # code left of the class body
        'x = """\ndef f():\n    pass\n',  # a blank would start inside a string
    ],
    ids=["a continuation", "a tab", "lone CR line ends", "an indented first statement", "a dedent in a class body",
         "an open string"],
)
def test_the_skeleton_gives_up_when_unsure(text):
    assert skeleton(text) is None


def test_every_skeleton_of_the_tricky_snippets_parses_with_the_lines_of_its_file():
    for source in SNIPPETS.values():
        skel = skeleton(source)
        if skel is not None:
            ast.parse(skel[0])
            assert skel[0].count("\n") == source.count("\n")


def _python_files() -> List[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files: List[Path] = []
    for package in ("email", "json", "logging", "asyncio", "concurrent"):
        files += sorted((stdlib / package).rglob("*.py"))
    files += sorted((REPO / "modelreg").rglob("*.py")) + sorted((REPO / "tests").rglob("*.py"))
    return files


def test_the_skeleton_parse_gives_the_facts_of_a_full_parse_on_real_code():
    files = _python_files()
    assert len(files) > 100
    differ = []
    for path in files:
        data = path.read_bytes()
        if index_source(data, fast=True) != index_source(data, fast=False):
            differ.append(str(path))
        as_crlf = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if index_source(as_crlf, fast=True) != index_source(as_crlf, fast=False):
            differ.append(f"{path} (CRLF)")
    assert differ == []


SNIPPETS = {
    "a docstring holding a class and an import at column 0": (
        'def f():\n    """\nclass Fake(Base):\n    pass\nimport pkg.models\n"""\n    return 1\n'
    ),
    "a module docstring holding code": '"""\nclass Fake(Base):\n    __tablename__ = "f"\nimport pkg.models\n"""\nimport os\n',
    "a class docstring holding code": 'class A(Base):\n    """Doc.\n\nclass Fake(Base):\nimport pkg.models\n"""\n    __tablename__ = "a"\n',
    "single-quoted triple quotes": "class A(Base):\n    '''Doc.\nclass Fake(Base):\n'''\n    __tablename__ = 'a'\n",
    "a '#' in a class header": 'class A(Base, info="#x"):\n    __tablename__ = "a"\n\n    def f(self):\n        return 1\n',
    "an import in a default argument": 'import importlib\n\n\ndef f(m=importlib.import_module("pkg.models")):\n    pass\n',
    "a nested class importing": 'class A(Base):\n    __tablename__ = "a"\n\n    class Meta:\n        import pkg.models\n',
    "decorators on a class": '@reg.mapped\n@other(1)\nclass A:\n    __tablename__ = "a"\n    x = 1\n',
    "a string argument at column 0": 'import importlib\nimportlib.import_module(\n"pkg.models",\npackage=None)\n',
    "Table arguments at column 0": 'users = Table(\n"users",\nmetadata,\nColumn("id", Integer))\n',
    "__all__ items at column 0": '__all__ = [\n"User",\n*others]\n',
    "a one-line class": 'class A(Base): __tablename__ = "a"\n',
    "a form feed between definitions": 'import os\n\x0c\ndef f():\n    pass\n\x0c\nclass A(Base):\n    __tablename__ = "a"\n',
    # Python ends a line at a lone CR too: a def first must not swallow the file
    "old Mac line ends (lone CR) after a def": 'def f():\r    pass\rimport pkg.models\rclass A(Base):\r    __tablename__ = "a"\r',
    "a class body comment naming a dunder": 'class A(Base):\n    # __tablename__ is set below\n    x = 1\n    __tablename__ = "a"\n    y = 2\n',
    "a multi-line string in a class body at body indent": (
        'class A(Base):\n    x = """\n    __tablename__ = "fake"\n    """\n    __abstract__ = True\n    y = 2\n'
    ),
    "a class body dedented inside a bracket": 'class A(Base):\n    x = f(\n1)\n    __tablename__ = "a"\n',
    "runs of blanked statements around kept ones": (
        'class A(Base):\n    a = 1\n    b = (\n        2)\n    __tablename__ = "a"\n    c = [\n    ]\n    import x\n    d = 4\n'
    ),
    "quotes in a comment before a def": 'x = 1  # """\ndef f():\n    return """\nimport pkg.models\n"""\n',
    # nova's test_notification.py: a decorated class nested in a class body keeps its decorators
    "a decorated nested class": (
        'class T(Base):\n    x = 1\n\n    @registry.register_if(False)\n    @other\n    class Inner(Model):\n        pass\n'
    ),
    # what a class body runs at import is a fact (called_functions): CTFd's config.py, `if X: print()`
    "a call in a class body": 'class A(Base):\n    x = 1\n    setup()\n    y = 2\n',
    "a block with a call in a class body": 'class A(Base):\n    x = 1\n    if X:\n        print("hi")\n    else:\n        y = 2\n',
    # a docstring paragraph at the body's indent is no statement to keep (prefect: the file would go
    # to the full parse); the call after it is
    "a docstring paragraph in a class body": (
        'class A(Base):\n    """\n    Variables are named values.\n\n    Arguments:\n        name: the name\n    """\n\n'
        '    x = 1\n    setup()\n'
    ),
    # a backslash continuation sends the file to the full parse, with LF and with CRLF line ends alike
    "a backslash continuation": 'x = 1 + \\\n    2\nclass A(Base):\n    x = 1\n    if X:\n        print("hi")\n',
    "a decorated kept method": 'class A(Base):\n    x = 1\n\n    @declared_attr\n    def __tablename__(cls):\n        return "a"\n',
}


@pytest.mark.parametrize("name", list(SNIPPETS))
def test_the_skeleton_parse_gives_the_facts_of_a_full_parse_on_tricky_layouts(name):
    for source in (SNIPPETS[name], SNIPPETS[name].replace("\n", "\r\n")):
        data = source.encode()
        assert index_source(data, fast=True) == index_source(data, fast=False)
