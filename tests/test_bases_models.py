"""Points 5 and 6: which classes are declarative bases, and which classes are models of them."""

from __future__ import annotations

import os

import pytest

import modelreg
from conftest import import_in_subprocess

COLUMNS = "    id = Column(Integer, primary_key=True)\n"
COLUMN_IMPORT = "from sqlalchemy import Column, Integer\n"


def inventory(run, root):
    result = run(["models", "--format", "json", root], cwd=root)
    assert result.exit_code == 0, result.err
    return result.json


def models_of(run, root):
    """{class name: (module, base, abstract)} as `modelreg models --format json` reports them."""
    return {m["name"]: (m["module"], m["base"], m["abstract"]) for m in inventory(run, root)["models"]}


def findings(root):
    report = modelreg.check([str(root)])
    return [
        (d.code, os.path.relpath(d.path, root).replace(os.sep, "/"), d.line, d.column, d.model)
        for d in report.diagnostics
    ]


def project(db: str, models: str, **extra):
    """A package with a base module, a models module and an empty registry (every model is unregistered)."""
    return {"pkg/__init__.py": "", "pkg/db.py": db, "pkg/models.py": models, "pkg/__all_models.py": "", **extra}


# -- point 5: bases ---------------------------------------------------------------------------


BASE_FORMS = {
    "declarative_base from sqlalchemy.orm": (
        "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"
    ),
    "declarative_base from sqlalchemy.ext.declarative": (
        "from sqlalchemy.ext.declarative import declarative_base\nBase = declarative_base()\n"
    ),
    "declarative_base through a module alias": (
        "import sqlalchemy.ext.declarative as dec\nBase = dec.declarative_base()\n"
    ),
    "declarative_base through the orm module alias": (
        "from sqlalchemy import orm\nBase = orm.declarative_base()\n"
    ),
    "declarative_base through the full dotted path": (
        "import sqlalchemy.orm\nBase = sqlalchemy.orm.declarative_base()\n"
    ),
    "declarative_base imported under another name": (
        "from sqlalchemy.orm import declarative_base as make_base\nBase = make_base()\n"
    ),
    "annotated assignment": (
        "from typing import Any\nfrom sqlalchemy.orm import declarative_base\nBase: Any = declarative_base()\n"
    ),
    "subclass of DeclarativeBase": (
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"
    ),
    "subclass of DeclarativeBaseNoMeta": (
        "from sqlalchemy.orm import DeclarativeBaseNoMeta\n\n\nclass Base(DeclarativeBaseNoMeta):\n    pass\n"
    ),
    "subclass of orm.DeclarativeBase": (
        "import sqlalchemy.orm as orm\n\n\nclass Base(orm.DeclarativeBase):\n    pass\n"
    ),
    "registry().generate_base()": (
        "from sqlalchemy.orm import registry\nBase = registry().generate_base()\n"
    ),
    "a named registry's generate_base()": (
        "from sqlalchemy.orm import registry\nmapper_registry = registry()\nBase = mapper_registry.generate_base()\n"
    ),
    "@as_declarative()": (
        "from sqlalchemy.orm import as_declarative\n\n\n@as_declarative()\nclass Base:\n    pass\n"
    ),
    "@as_declarative() from sqlalchemy.ext.declarative": (
        "from sqlalchemy.ext.declarative import as_declarative\n\n\n@as_declarative()\nclass Base:\n    pass\n"
    ),
}

USER = "from pkg.db import Base\n" + COLUMN_IMPORT + "\n\nclass User(Base):\n    __tablename__ = 'users'\n" + COLUMNS


@pytest.mark.parametrize("form", sorted(BASE_FORMS))
def test_each_base_form_is_found_without_configuration(tree, run, form):
    root = tree(project(BASE_FORMS[form], USER))
    assert models_of(run, root) == {"User": ("pkg.models", "pkg.db.Base", False)}
    assert findings(root) == [("MR001", "pkg/models.py", 5, 7, "pkg.models.User")]


@pytest.mark.parametrize("form", ["subclass of DeclarativeBase", "a named registry's generate_base()"])
def test_python_agrees_that_each_base_form_collects_its_models_tables(tree, form):
    root = tree(project(BASE_FORMS[form], USER, **{"pkg/__all_models.py": "import pkg.models\n"}))
    assert findings(root) == []
    probe = "from pkg.db import Base; print(sorted(Base.metadata.tables))"
    assert import_in_subprocess(root, "pkg.__all_models", probe).split() == ["['users']"]


def test_the_base_class_itself_is_not_a_model(tree, run):
    root = tree(project(BASE_FORMS["subclass of DeclarativeBase"], ""))
    assert inventory(run, root)["models"] == []
    assert findings(root) == []


def test_a_declarative_base_called_inside_a_function_is_not_a_module_level_base(tree, run):
    db = "from sqlalchemy.orm import declarative_base\n\n\ndef make():\n    return declarative_base()\n\n\nBase = object\n"
    root = tree(project(db, USER))
    assert models_of(run, root) == {}


def test_a_base_from_a_look_alike_library_is_not_a_base(tree, run):
    db = "from mylib.orm import DeclarativeBase, declarative_base\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\nOther = declarative_base()\n"
    models = USER + "\n\nclass Thing(Other):\n    pass\n"
    models = models.replace("from pkg.db import Base", "from pkg.db import Base, Other")
    root = tree(project(db, models))
    assert models_of(run, root) == {}
    # not a model, but it looks like one (`__tablename__`) on a base from an unknown library: said, not passed
    assert findings(root) == [("MR007", "pkg/models.py", 5, 7, "pkg.models.User")]


def test_config_base_adds_a_class_base(tree, run):
    db = "from mylib import make_model_class\n\n\nclass Model(make_model_class()):\n    pass\n"
    models = "from pkg.db import Model\n\n\nclass User(Model):\n    pass\n"
    root = tree(project(db, models), pyproject='[tool.modelreg]\nbase = ["pkg.db.Model"]\n')
    assert models_of(run, root) == {"User": ("pkg.models", "pkg.db.Model", False)}
    assert findings(root) == [("MR001", "pkg/models.py", 4, 7, "pkg.models.User")]


def test_config_base_adds_a_base_built_by_a_factory_call(tree, run):
    db = "from mylib import make_base\n\nBase = make_base(schema='app')\n"
    models = "from pkg.db import Base\n\n\nclass User(Base):\n    pass\n"
    root = tree(project(db, models), pyproject='[tool.modelreg]\nbase = ["pkg.db.Base"]\n')
    assert models_of(run, root) == {"User": ("pkg.models", "pkg.db.Base", False)}
    assert findings(root) == [("MR001", "pkg/models.py", 4, 7, "pkg.models.User")]


def test_config_base_names_a_base_provided_by_a_library(tree, run):
    models = ("import corplib.orm\nfrom corplib.orm import Model\n\n\nclass Hero(Model):\n    pass\n\n\n"
              "class Villain(corplib.orm.Model):\n    pass\n\n\nclass Sidekick(corplib.orm.Other):\n    pass\n")
    root = tree(project("", models))
    assert models_of(run, root) == {}
    root = tree(project("", models), pyproject='[tool.modelreg]\nbase = ["corplib.orm.Model"]\n')
    assert models_of(run, root) == {"Hero": ("pkg.models", "corplib.orm.Model", False),
                                    "Villain": ("pkg.models", "corplib.orm.Model", False)}
    assert findings(root) == [("MR001", "pkg/models.py", 5, 7, "pkg.models.Hero"),
                              ("MR001", "pkg/models.py", 9, 7, "pkg.models.Villain")]


def test_config_base_as_a_single_string_is_a_type_error_naming_the_key(tree, run):
    db = "class Model:\n    pass\n"
    models = "from pkg.db import Model\n\n\nclass User(Model):\n    pass\n"
    root = tree(project(db, models), pyproject='[tool.modelreg]\nbase = "pkg.db.Model"\n')
    result = run(["models", "--no-cache", root])
    assert result.exit_code == 2
    assert "base must be a list of strings" in result.err
    (root / "pyproject.toml").write_text('[tool.modelreg]\nbase = ["pkg.db.Model"]\n')
    assert models_of(run, root) == {"User": ("pkg.models", "pkg.db.Model", False)}


# -- point 6: models --------------------------------------------------------------------------


DB = "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"


def test_a_direct_subclass_of_a_base_is_a_model_with_its_table(tree, run):
    root = tree(project(DB, USER))
    data = inventory(run, root)
    assert data["models"] == [{
        "name": "User", "module": "pkg.models", "path": "pkg/models.py", "line": 5, "table": "users",
        "schema": None, "kind": "class",
        "base": "pkg.db.Base", "abstract": False, "registered": False, "registry": "pkg/__all_models.py",
        "migrations": None,
    }]


IMPORT_FORMS = {
    "from x import Base": ("from pkg.db import Base\n", "Base"),
    "from x import Base as B": ("from pkg.db import Base as B\n", "B"),
    "import x as m": ("import pkg.db as m\n", "m.Base"),
    "import x.y": ("import pkg.db\n", "pkg.db.Base"),
    "from package import module": ("from pkg import db\n", "db.Base"),
    "relative from .db import Base": ("from .db import Base\n", "Base"),
    "relative from . import db": ("from . import db\n", "db.Base"),
    "star import": ("from pkg.db import *\n", "Base"),
}


@pytest.mark.parametrize("form", sorted(IMPORT_FORMS))
def test_a_model_is_found_whatever_import_form_brings_the_base_in(tree, run, form):
    imp, ref = IMPORT_FORMS[form]
    models = f"{imp}\n\nclass User({ref}):\n    pass\n"
    root = tree(project(DB, models))
    assert models_of(run, root) == {"User": ("pkg.models", "pkg.db.Base", False)}
    assert findings(root) == [("MR001", "pkg/models.py", 4, 7, "pkg.models.User")]


def test_a_two_level_relative_import_finds_the_base(tree, run):
    root = tree({
        "pkg/__init__.py": "", "pkg/db.py": DB, "pkg/__all_models.py": "",
        "pkg/domain/__init__.py": "", "pkg/domain/shop/__init__.py": "",
        "pkg/domain/shop/order.py": "from ...db import Base\n\n\nclass Order(Base):\n    __tablename__ = 'orders'\n",
    })
    assert models_of(run, root) == {"Order": ("pkg.domain.shop.order", "pkg.db.Base", False)}


def test_a_base_re_exported_through_a_package_init_is_followed(tree, run):
    root = tree({
        "app/__init__.py": "", "app/__all_models.py": "",
        "app/db/__init__.py": "from .base_class import Base\n",
        "app/db/base_class.py": BASE_FORMS["@as_declarative()"],
        "app/models/__init__.py": "",
        "app/models/user.py": "from app.db import Base\n\n\nclass User(Base):\n    pass\n",
        "app/models/item.py": "from app import db\n\n\nclass Item(db.Base):\n    pass\n",
    })
    assert models_of(run, root) == {
        "User": ("app.models.user", "app.db.base_class.Base", False),
        "Item": ("app.models.item", "app.db.base_class.Base", False),
    }


def test_a_base_re_exported_by_a_star_import_is_followed(tree, run):
    root = tree(project(DB, "from pkg.core import *\n\n\nclass User(Base):\n    pass\n",
                        **{"pkg/core.py": "from pkg.db import *\n__all__ = ['Base']\n"}))
    assert models_of(run, root) == {"User": ("pkg.models", "pkg.db.Base", False)}


def test_a_chain_of_subclasses_across_modules_stays_on_the_same_base(tree, run):
    root = tree(project(DB, "from pkg.mid import Person\n\n\nclass Admin(Person):\n    pass\n",
                        **{"pkg/mid.py": "from pkg.db import Base\n\n\nclass Person(Base):\n    __tablename__ = 'people'\n"}))
    assert models_of(run, root) == {
        "Person": ("pkg.mid", "pkg.db.Base", False),
        "Admin": ("pkg.models", "pkg.db.Base", False),
    }


def test_an_abstract_intermediate_is_not_a_model_but_its_subclasses_are(tree, run):
    root = tree(project(DB, "from pkg.abstract import Timestamped\n\n\nclass User(Timestamped):\n    __tablename__ = 'users'\n",
                        **{"pkg/abstract.py": "from pkg.db import Base\n\n\nclass Timestamped(Base):\n    __abstract__ = True\n"}))
    assert models_of(run, root) == {
        "Timestamped": ("pkg.abstract", "pkg.db.Base", True),
        "User": ("pkg.models", "pkg.db.Base", False),
    }
    # the abstract class needs no registration; its concrete subclass does
    assert findings(root) == [("MR001", "pkg/models.py", 4, 7, "pkg.models.User")]


def test_python_agrees_that_an_abstract_intermediate_has_no_table(tree):
    abstract = ("from sqlalchemy import Column, Integer\nfrom pkg.db import Base\n\n\n"
                "class Timestamped(Base):\n    __abstract__ = True\n    id = Column(Integer, primary_key=True)\n")
    root = tree(project(DB, "from pkg.abstract import Timestamped\n\n\nclass User(Timestamped):\n    __tablename__ = 'users'\n",
                        **{"pkg/abstract.py": abstract, "pkg/__all_models.py": "import pkg.models\n"}))
    assert findings(root) == []
    probe = "from pkg.db import Base; print(sorted(Base.metadata.tables))"
    assert import_in_subprocess(root, "pkg.__all_models", probe).split() == ["['users']"]


def test_abstract_false_is_a_model(tree, run):
    root = tree(project(DB, "from pkg.db import Base\n\n\nclass User(Base):\n    __abstract__ = False\n"))
    assert models_of(run, root) == {"User": ("pkg.models", "pkg.db.Base", False)}


@pytest.mark.parametrize("bases", ["TimestampMixin, Base", "Base, TimestampMixin"])
def test_a_mixin_is_not_a_model_and_does_not_hide_the_base(tree, run, bases):
    mixins = COLUMN_IMPORT + "\n\nclass TimestampMixin:\n    created = Column(Integer)\n"
    models = f"from pkg.db import Base\nfrom pkg.mixins import TimestampMixin\n\n\nclass User({bases}):\n    __tablename__ = 'users'\n"
    root = tree(project(DB, models, **{"pkg/mixins.py": mixins}))
    assert models_of(run, root) == {"User": ("pkg.models", "pkg.db.Base", False)}


def test_joined_and_single_table_subclasses_are_models(tree, run):
    users = ("from sqlalchemy import Column, ForeignKey, Integer, String\nfrom pkg.db import Base\n\n\n"
             "class User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n"
             "    type = Column(String(20))\n    __mapper_args__ = {'polymorphic_on': type, 'polymorphic_identity': 'user'}\n")
    admins = ("from sqlalchemy import Column, ForeignKey, Integer\nfrom pkg.users import User\n\n\n"
              "class Admin(User):\n    __tablename__ = 'admins'\n    id = Column(Integer, ForeignKey('users.id'), primary_key=True)\n"
              "    __mapper_args__ = {'polymorphic_identity': 'admin'}\n\n\n"
              "class Guest(User):\n    __mapper_args__ = {'polymorphic_identity': 'guest'}\n")
    root = tree(project(DB, "", **{"pkg/users.py": users, "pkg/admins.py": admins,
                                   "pkg/__all_models.py": "import pkg.users\n"}))
    data = {m["name"]: (m["module"], m["table"], m["registered"]) for m in inventory(run, root)["models"]}
    assert data == {
        "User": ("pkg.users", "users", True),
        "Admin": ("pkg.admins", "admins", False),
        "Guest": ("pkg.admins", None, False),
    }
    assert findings(root) == [
        ("MR001", "pkg/admins.py", 5, 7, "pkg.admins.Admin"),
        ("MR001", "pkg/admins.py", 11, 7, "pkg.admins.Guest"),
    ]
    # Python agrees: importing the registry alone never maps the joined table
    probe = "from pkg.db import Base; print(sorted(Base.metadata.tables))"
    assert import_in_subprocess(root, "pkg.__all_models", probe).split() == ["['users']"]


def test_a_model_defined_in_a_package_init_is_found_and_checked(tree, run):
    root = tree({
        "pkg/__init__.py": "", "pkg/db.py": DB, "pkg/__all_models.py": "",
        "pkg/models/__init__.py": "from pkg.db import Base\n\n\nclass User(Base):\n    pass\n",
    })
    assert models_of(run, root) == {"User": ("pkg.models", "pkg.db.Base", False)}
    assert findings(root) == [("MR001", "pkg/models/__init__.py", 4, 7, "pkg.models.User")]


def test_a_model_in_the_init_of_the_registrys_own_package_is_registered_by_import(tree, run):
    # importing pkg.data.__all_models runs pkg/data/__init__.py first
    root = tree({
        "pkg/__init__.py": "", "pkg/db.py": DB, "pkg/data/__all_models.py": "",
        "pkg/data/__init__.py": "from pkg.db import Base\n\n\nclass User(Base):\n    pass\n",
    })
    assert findings(root) == []


def test_a_class_under_type_checking_is_not_a_model(tree, run):
    models = ("from typing import TYPE_CHECKING\nimport typing\nfrom pkg.db import Base\n\n"
              "if TYPE_CHECKING:\n    class Stub(Base):\n        pass\n\n"
              "if typing.TYPE_CHECKING:\n    class Stub2(Base):\n        pass\n"
              "else:\n    class Real(Base):\n        __tablename__ = 'real'\n")
    root = tree(project(DB, models))
    assert models_of(run, root) == {"Real": ("pkg.models", "pkg.db.Base", False)}
    assert findings(root) == [("MR001", "pkg/models.py", 13, 11, "pkg.models.Real")]


def test_a_pydantic_class_named_like_a_base_is_not_a_model(tree, run):
    schemas = ("from pydantic import BaseModel\n\n\nclass UserBase(BaseModel):\n    email: str\n\n\n"
               "class UserCreate(UserBase):\n    password: str\n\n\nclass Base(BaseModel):\n    pass\n\n\n"
               "class Item(Base):\n    pass\n")
    root = tree(project(DB, "", **{"pkg/schemas.py": schemas}))
    assert models_of(run, root) == {}
    assert findings(root) == []


def test_a_plain_class_named_base_is_not_a_base(tree, run):
    models = "class Base:\n    pass\n\n\nclass User(Base):\n    __tablename__ = 'users'\n"
    root = tree(project("", models))
    assert models_of(run, root) == {}


def test_a_class_nested_in_a_function_is_not_a_model(tree, run):
    models = "from pkg.db import Base\n\n\ndef factory():\n    class Temp(Base):\n        pass\n    return Temp\n"
    root = tree(project(DB, models))
    assert models_of(run, root) == {}


def test_models_of_two_bases_in_one_project_are_told_apart(tree, run):
    db = DB + "OtherBase = declarative_base()\n"
    models = ("from pkg.db import Base, OtherBase\n\n\nclass User(Base):\n    pass\n\n\n"
              "class Log(OtherBase):\n    pass\n")
    root = tree(project(db, models))
    assert models_of(run, root) == {
        "User": ("pkg.models", "pkg.db.Base", False),
        "Log": ("pkg.models", "pkg.db.OtherBase", False),
    }


def test_a_model_through_a_circular_chain_of_reexports_does_not_hang(tree, run):
    root = tree(project(DB, "from pkg.a import Thing\n\n\nclass User(Thing):\n    pass\n",
                        **{"pkg/a.py": "from pkg.b import Thing\n", "pkg/b.py": "from pkg.a import Thing\n"}))
    assert models_of(run, root) == {}
