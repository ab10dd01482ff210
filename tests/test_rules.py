"""Point 9: the rules MR001, MR002, MR006 (see test_registries), MR100, and how findings are suppressed."""

from __future__ import annotations

import os

import pytest
from conftest import model_source

import modelreg

DB = "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"


def findings(root, *paths):
    report = modelreg.check([str(p) for p in paths] or [str(root)])
    return [
        (d.code, os.path.relpath(d.path, root).replace(os.sep, "/"), d.line, d.column, d.model)
        for d in report.diagnostics
    ]


def only(root, code):
    report = modelreg.check([str(root)])
    found = [d for d in report.diagnostics if d.code == code]
    assert len(found) == 1, report.diagnostics
    return found[0]


model = model_source


PROJECT = {
    "pkg/__init__.py": "",
    "pkg/data/__init__.py": "",
    "pkg/db.py": DB,
    "pkg/data/users.py": model("User", "users"),
    "pkg/data/audit.py": model("Audit", "auditing"),
    "pkg/data/__all_models.py": "import pkg.data.users\n",
}


# -- MR001 ------------------------------------------------------------------------------------


def test_mr001_is_reported_at_the_class_name(tree):
    root = tree(PROJECT)
    d = only(root, "MR001")
    assert (d.path, d.line, d.column, d.end_line, d.end_column) == (
        str(root / "pkg/data/audit.py"), 4, 7, 4, 12)


@pytest.mark.parametrize("source, line, column", [
    ("from pkg.db import Base\n\n\nclass   Audit(Base):\n    pass\n", 4, 9),
    ("from pkg.db import Base\nimport functools\n\n\n@functools.total_ordering\nclass Audit(Base):\n    pass\n", 6, 7),
    ("from pkg.db import Base\n\nif True:\n    class Audit(\n        Base,\n    ):\n        pass\n", 4, 11),
    ("from pkg.db import Base\n\n\nclass Audit(Base): pass\n", 4, 7),
    ("# é accents before\nfrom pkg.db import Base\nNOM = 'é'; exec('')\nclass Audit(Base):\n    pass\n", 4, 7),
])
def test_mr001_points_at_the_class_name_whatever_surrounds_it(tree, source, line, column):
    root = tree({**PROJECT, "pkg/data/audit.py": source})
    assert findings(root) == [("MR001", "pkg/data/audit.py", line, column, "pkg.data.audit.Audit")]


def test_columns_count_characters_not_utf8_bytes(tree):
    root = tree({**PROJECT, "pkg/data/__all_models.py": "x = 'été'; import pkg.data.gone\nimport pkg.data.users\n",
                 "pkg/data/audit.py": "from pkg.db import Base\n\n\nclass Été(Base):\n    pass\n"})
    report = modelreg.check([str(root)])
    assert [(d.code, d.line, d.column, d.end_column) for d in report.diagnostics] == [
        ("MR002", 1, 19, 32),
        ("MR001", 4, 7, 10),
    ]


def test_mr001_message_names_the_model_the_registry_and_the_statement_to_add(tree):
    root = tree(PROJECT)
    d = only(root, "MR001")
    assert "Audit" in d.message
    assert "pkg.data.audit" in d.message
    assert "pkg/data/__all_models.py" in d.message
    assert "`import pkg.data.audit`" in d.message
    assert d.model == "pkg.data.audit.Audit"
    assert d.registry == str(root / "pkg/data/__all_models.py")


@pytest.mark.parametrize("registry, statement", [
    ("import pkg.data.users\n", "import pkg.data.audit"),
    ("from pkg.data import users\n", "from pkg.data import audit"),
    ("from . import users\n", "from . import audit"),
    ("from pkg.data.users import User\n", "from pkg.data.audit import Audit"),
    ("from .users import User\n", "from .audit import Audit"),
])
def test_mr001_suggests_a_statement_in_the_registrys_own_style(tree, registry, statement):
    root = tree({**PROJECT, "pkg/data/__all_models.py": registry})
    d = only(root, "MR001")
    assert f"add `{statement}`" in d.message


def test_each_unregistered_model_gets_its_own_mr001(tree):
    source = model("Audit", "auditing") + "\n\nclass AuditLine(Base):\n    __tablename__ = 'audit_lines'\n"
    root = tree({**PROJECT, "pkg/data/audit.py": source})
    assert findings(root) == [
        ("MR001", "pkg/data/audit.py", 4, 7, "pkg.data.audit.Audit"),
        ("MR001", "pkg/data/audit.py", 8, 7, "pkg.data.audit.AuditLine"),
    ]


# -- MR002 ------------------------------------------------------------------------------------


def test_mr002_reports_a_registry_import_of_a_project_module_that_does_not_exist(tree):
    root = tree({**PROJECT, "pkg/data/__all_models.py": "import pkg.data.users\nimport pkg.data.audit\nimport pkg.data.downloads\n"})
    assert findings(root) == [("MR002", "pkg/data/__all_models.py", 3, 8, None)]
    d = only(root, "MR002")
    assert "pkg.data.downloads" in d.message
    assert d.registry == str(root / "pkg/data/__all_models.py")


def test_mr002_reports_the_missing_name_of_a_from_import(tree):
    root = tree({**PROJECT, "pkg/data/__all_models.py": "from pkg.data.users import User, Ghost\nimport pkg.data.audit\n"})
    assert findings(root) == [("MR002", "pkg/data/__all_models.py", 1, 34, None)]
    assert "Ghost" in only(root, "MR002").message


def test_mr002_reports_a_missing_module_named_in_a_relative_import(tree):
    root = tree({**PROJECT, "pkg/data/__all_models.py": "from . import users, audit, downloads\n"})
    assert findings(root) == [("MR002", "pkg/data/__all_models.py", 1, 29, None)]
    assert "downloads" in only(root, "MR002").message


def test_mr002_reports_a_from_import_of_a_missing_module(tree):
    root = tree({**PROJECT, "pkg/data/__all_models.py": "from . import users, audit\nfrom pkg.data.gone import Gone\n"})
    assert findings(root) == [("MR002", "pkg/data/__all_models.py", 2, 1, None)]
    assert "pkg.data.gone" in only(root, "MR002").message


def test_mr002_never_reports_third_party_imports(tree):
    registry = (
        "import os\nimport requests\nimport flask_sqlalchemy.model\nfrom sqlalchemy.orm import Nope\n"
        "from celery import *\nimport pkg.data.users\nimport pkg.data.audit\n"
    )
    root = tree({**PROJECT, "pkg/data/__all_models.py": registry})
    assert findings(root) == []


def test_mr002_accepts_names_a_module_may_provide(tree):
    root = tree({
        **PROJECT,
        "pkg/data/lazy.py": "def __getattr__(name):\n    return name\n",
        "pkg/data/star.py": "from pkg.data.users import *\n",
        "pkg/data/__all_models.py": (
            "from pkg.data.lazy import anything\nfrom pkg.data.star import User\n"
            "from pkg.data.users import Base\nimport pkg.data.audit\n"
        ),
    })
    assert findings(root) == []


def test_a_stale_import_under_type_checking_is_not_mr002(tree):
    root = tree({**PROJECT, "pkg/data/__all_models.py": (
        "from typing import TYPE_CHECKING\nimport pkg.data.users\nimport pkg.data.audit\n"
        "if TYPE_CHECKING:\n    import pkg.data.downloads\n")})
    assert findings(root) == []


def test_mr002_applies_to_every_import_of_a_configured_registry(tree):
    root = tree(
        {**PROJECT, "pkg/base.py": "from pkg.db import Base  # noqa: F401\nfrom pkg.data.users import User  # noqa: F401\n"
                                   "from pkg.data.item import Item  # noqa: F401\n"},
        pyproject='[tool.modelreg]\nregistry = "pkg/base.py"\n',
    )
    assert findings(root) == [
        ("MR002", "pkg/base.py", 3, 1, None),
        ("MR001", "pkg/data/audit.py", 4, 7, "pkg.data.audit.Audit"),
    ]


# -- MR100 ------------------------------------------------------------------------------------


def test_mr100_reports_a_syntax_error_at_its_line_and_the_rest_is_still_checked(tree):
    broken = "from pkg.db import Base\n\n\nclass Broken(Base)\n    pass\n"
    root = tree({**PROJECT, "pkg/data/broken.py": broken})
    with pytest.raises(SyntaxError) as python:
        compile(broken, "broken.py", "exec")
    assert findings(root) == [
        ("MR001", "pkg/data/audit.py", 4, 7, "pkg.data.audit.Audit"),
        ("MR100", "pkg/data/broken.py", python.value.lineno, python.value.offset, None),
    ]
    d = only(root, "MR100")
    assert python.value.lineno == 4
    assert "syntax error" in d.message and python.value.msg in d.message


def test_mr100_reports_a_syntax_error_on_a_later_line(tree):
    broken = "from pkg.db import Base\n\n\nclass Audit(Base):\n    x = (1,\n\ny = 2\nz = ]\n"
    root = tree({**PROJECT, "pkg/data/audit.py": broken})
    with pytest.raises(SyntaxError) as python:
        compile(broken, "audit.py", "exec")
    assert findings(root) == [("MR100", "pkg/data/audit.py", python.value.lineno, python.value.offset, None)]


def test_mr100_reports_bytes_that_are_not_valid_in_the_files_encoding(tree):
    root = tree({**PROJECT, "pkg/data/latin.py": b"from pkg.db import Base\ny = '\xe9t\xe9'\n"})
    d = only(root, "MR100")
    assert (d.path, d.line) == (str(root / "pkg/data/latin.py"), 2)
    assert "decode" in d.message


def test_a_broken_file_that_cannot_define_a_model_is_not_read_unless_full_parse_is_asked(tree):
    # it spells no SQLAlchemy name and no model-ish name, and no registry imports it: the prefilter skips it
    root = tree({**PROJECT, "pkg/notes.py": "def f(:\n"})
    assert [d.code for d in modelreg.check([str(root)]).diagnostics] == ["MR001"]
    full = modelreg.check([str(root)], full=True, use_cache=False)
    assert [(d.code, os.path.basename(d.path)) for d in full.diagnostics] == [("MR001", "audit.py"), ("MR100", "notes.py")]


def test_a_syntax_error_inside_a_function_body_of_a_model_file_is_mr100_not_mr001(tree):
    # the fast path skips function bodies, but Python cannot import the file: registering its model
    # would make the registry fail, so the verdict is MR100 at the error, and no MR001
    source = "from pkg.db import Base\n\n\nclass Audit(Base):\n    def f(self):\n        return 1 +\n"
    root = tree({**PROJECT, "pkg/data/audit.py": source})
    assert [(d.code, d.line) for d in modelreg.check([str(root)]).diagnostics] == [("MR100", 6)]


def test_a_coding_cookie_is_honoured(tree):
    source = "# -*- coding: latin-1 -*-\nfrom pkg.db import Base\n\n\nclass Audit(Base):  # \xe9t\xe9\n    pass\n"
    root = tree({**PROJECT, "pkg/data/audit.py": source.encode("latin-1")})
    assert findings(root) == [("MR001", "pkg/data/audit.py", 5, 7, "pkg.data.audit.Audit")]


def test_mr100_carries_the_os_reason_for_a_file_that_cannot_be_read(tree):
    root = tree(PROJECT)
    os.symlink(root / "pkg" / "data" / "nowhere.py", root / "pkg" / "data" / "dangling.py")
    assert findings(root) == [
        ("MR001", "pkg/data/audit.py", 4, 7, "pkg.data.audit.Audit"),
        ("MR100", "pkg/data/dangling.py", 1, 1, None),
    ]
    assert "No such file or directory" in only(root, "MR100").message


def test_a_registry_with_a_syntax_error_gets_mr100_and_no_flood_of_mr001(tree):
    registry = "import pkg.data.users\nimport pkg.data.audit,\n"
    with pytest.raises(SyntaxError) as python:
        compile(registry, "__all_models.py", "exec")
    root = tree({**PROJECT, "pkg/data/__all_models.py": registry})
    assert findings(root) == [("MR100", "pkg/data/__all_models.py", 2, python.value.offset, None)]


def test_a_module_the_registry_runs_with_a_syntax_error_gets_mr100_and_no_flood_of_mr001(tree):
    root = tree({**PROJECT, "pkg/data/__all_models.py": "import pkg.data.wiring\n",
                 "pkg/data/wiring.py": "import pkg.data.users\nimport pkg.data.audit\nx = [1,\n"})
    assert findings(root) == [("MR100", "pkg/data/wiring.py", 3, 5, None)]


# -- suppression ------------------------------------------------------------------------------


@pytest.mark.parametrize("comment", ["# noqa: MR001", "# noqa", "# noqa:MR001", "# NOQA: mr001", "# noqa: F401, MR001",
                                     "# type: ignore  # noqa: E501,MR001"])
def test_noqa_for_mr001_on_the_class_line_suppresses_it(tree, comment):
    root = tree({**PROJECT, "pkg/data/audit.py": f"from pkg.db import Base\n\n\nclass Audit(Base):  {comment}\n    pass\n"})
    assert findings(root) == []


@pytest.mark.parametrize("comment", ["# noqa: F401", "# noqa: MR002", "# noqa: MR0011", "# noqa: MR00"])
def test_noqa_for_other_codes_does_not_suppress_mr001(tree, comment):
    source = f"from pkg.db import Base\n\n\nclass Audit(Base):  {comment}\n    pass\n"
    root = tree({**PROJECT, "pkg/data/audit.py": source})
    assert findings(root) == [("MR001", "pkg/data/audit.py", 4, 7, "pkg.data.audit.Audit")]


def test_noqa_on_another_line_does_not_suppress_mr001(tree):
    source = "from pkg.db import Base  # noqa: MR001\n\n\nclass Audit(Base):\n    pass  # noqa: MR001\n"
    root = tree({**PROJECT, "pkg/data/audit.py": source})
    assert findings(root) == [("MR001", "pkg/data/audit.py", 4, 7, "pkg.data.audit.Audit")]


def test_noqa_suppresses_only_the_model_on_its_line(tree):
    source = model("Audit", "auditing") + "\n\nclass AuditLine(Base):  # noqa: MR001\n    pass\n"
    root = tree({**PROJECT, "pkg/data/audit.py": source})
    assert findings(root) == [("MR001", "pkg/data/audit.py", 4, 7, "pkg.data.audit.Audit")]


def test_noqa_mr002_on_the_registry_line_suppresses_mr002(tree):
    root = tree({**PROJECT, "pkg/data/__all_models.py": (
        "import pkg.data.users\nimport pkg.data.audit\nimport pkg.data.downloads  # noqa: MR002\n")})
    assert findings(root) == []


def test_noqa_f401_on_a_registry_line_does_not_hide_a_stale_import(tree):
    root = tree({**PROJECT, "pkg/data/__all_models.py": (
        "import pkg.data.users  # noqa: F401\nimport pkg.data.audit  # noqa: F401\n"
        "import pkg.data.downloads  # noqa: F401\n")})
    assert findings(root) == [("MR002", "pkg/data/__all_models.py", 3, 8, None)]


def test_config_ignore_silences_a_code_everywhere(tree):
    files = {**PROJECT, "pkg/data/__all_models.py": "import pkg.data.users\nimport pkg.data.downloads\n"}
    root = tree(files)
    assert [c for c, *_ in findings(root)] == ["MR002", "MR001"]
    root = tree(files, pyproject='[tool.modelreg]\nignore = ["MR002"]\n')
    assert findings(root) == [("MR001", "pkg/data/audit.py", 4, 7, "pkg.data.audit.Audit")]
    root = tree(files, pyproject='[tool.modelreg]\nignore = ["MR001", "mr002"]\n')
    assert findings(root) == []


def test_config_ignore_as_a_single_string_is_a_type_error_naming_the_key(tree):
    root = tree(PROJECT, pyproject='[tool.modelreg]\nignore = "MR001"\n')
    with pytest.raises(modelreg.ConfigError, match=r'ignore must be a list of strings.*write ignore = \["MR001"\]'):
        findings(root)
