"""Issue 4, points 1-5: every declaration style, checked statically and then against the real library.

Each style is a small project whose registry imports some model modules and misses others.
modelreg says which models are registered; then the registry is imported in a fresh interpreter
with the real SQLAlchemy / Flask-SQLAlchemy / SQLModel, and what reached the metadata must be
exactly what modelreg calls registered, and what only appears once every model module is imported
must be exactly what modelreg reports as MR001.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Dict, List, Tuple

import pytest

import modelreg
from conftest import import_in_subprocess


@dataclass(frozen=True)
class M:
    """What the test author knows about one model: the table it creates at runtime, where it is, and
    whether the registry really loads it."""

    table: str
    path: str
    line: int
    registered: bool


@dataclass(frozen=True)
class Style:
    files: Dict[str, str]
    registry: str  # module imported first in the subprocess
    metadata: str  # statement binding `md` to the MetaData the models land in
    models: Dict[str, M]  # dotted model name (as in MR001's `model`) -> what it really is
    pyproject: str = ""


def findings(root) -> List[Tuple[str, str, int, str]]:
    report = modelreg.check([str(root)])
    return [
        (d.code, os.path.relpath(d.path, root).replace(os.sep, "/"), d.line, d.model)
        for d in report.diagnostics
    ]


def inventory(run, root) -> dict:
    result = run(["models", "--format", "json", root], cwd=root)
    assert result.exit_code == 0, result.err
    return result.json


def registered_flags(run, root) -> Dict[str, bool]:
    """{dotted model: registered} for every non-abstract model `modelreg models` lists."""
    return {
        f"{m['module']}.{m['name']}": m["registered"] for m in inventory(run, root)["models"] if not m["abstract"]
    }


def runtime_tables(root, style: Style) -> Tuple[List[str], List[str]]:
    """(tables after importing the registry, tables added by importing every model module as well)."""
    modules = sorted({name.rpartition(".")[0] for name in style.models})
    code = (
        "import json\n"
        f"{style.metadata}\n"
        "before = sorted(md.tables)\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "after = sorted(md.tables)\n"
        "print(json.dumps([before, sorted(set(after) - set(before))]))\n"
    )
    before, added = json.loads(import_in_subprocess(root, style.registry, code))
    return before, added


def model(imports: str, decl: str) -> str:
    """A model module: imports, two blank lines, then the declaration."""
    return imports.rstrip("\n") + "\n\n\n" + decl


# -- the styles ------------------------------------------------------------------------------------

STYLES: Dict[str, Style] = {}

STYLES["declarative_base()"] = Style(
    files={
        "shop/__init__.py": "",
        "shop/db.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        "shop/models/__init__.py": "",
        "shop/models/user.py": model(
            "from sqlalchemy import Column, Integer\n\nfrom shop.db import Base\n",
            "class User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n",
        ),
        "shop/models/order.py": model(
            "from sqlalchemy import Column, Integer\n\nfrom shop.db import Base\n",
            "class Order(Base):\n    __tablename__ = 'orders'\n    id = Column(Integer, primary_key=True)\n",
        ),
        "shop/__all_models.py": "import shop.models.user  # noqa: F401\n",
    },
    registry="shop.__all_models",
    metadata="from shop.db import Base; md = Base.metadata",
    models={
        "shop.models.user.User": M("users", "shop/models/user.py", 6, True),
        "shop.models.order.Order": M("orders", "shop/models/order.py", 6, False),
    },
)

STYLES["class Base(DeclarativeBase)"] = Style(
    files={
        "blog/__init__.py": "",
        "blog/db.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
        "blog/models/__init__.py": "",
        "blog/models/post.py": model(
            "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom blog.db import Base\n",
            "class Post(Base):\n    __tablename__ = 'posts'\n    id: Mapped[int] = mapped_column(primary_key=True)\n",
        ),
        "blog/models/comment.py": model(
            "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom blog.db import Base\n",
            "class Comment(Base):\n    __tablename__ = 'comments'\n"
            "    id: Mapped[int] = mapped_column(primary_key=True)\n",
        ),
        "blog/__all_models.py": "from blog.models.post import Post  # noqa: F401\n",
    },
    registry="blog.__all_models",
    metadata="from blog.db import Base; md = Base.metadata",
    models={
        "blog.models.post.Post": M("posts", "blog/models/post.py", 6, True),
        "blog.models.comment.Comment": M("comments", "blog/models/comment.py", 6, False),
    },
)

DATACLASS_COLUMNS = (
    "    id: Mapped[int] = mapped_column(init=False, primary_key=True)\n"
    "    name: Mapped[str] = mapped_column(default='')\n"
)

STYLES["MappedAsDataclass with DeclarativeBase"] = Style(
    files={
        "inv/__init__.py": "",
        "inv/db.py": (
            "from sqlalchemy.orm import DeclarativeBase, MappedAsDataclass\n\n\n"
            "class Base(MappedAsDataclass, DeclarativeBase):\n    pass\n"
        ),
        "inv/models/__init__.py": "",
        "inv/models/item.py": model(
            "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom inv.db import Base\n",
            "class Item(Base):\n    __tablename__ = 'items'\n" + DATACLASS_COLUMNS,
        ),
        "inv/models/bin.py": model(
            "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom inv.db import Base\n",
            "class Bin(Base):\n    __tablename__ = 'bins'\n" + DATACLASS_COLUMNS,
        ),
        "inv/__all_models.py": "from .models import item  # noqa: F401\n",
    },
    registry="inv.__all_models",
    metadata="from inv.db import Base; md = Base.metadata",
    models={
        "inv.models.item.Item": M("items", "inv/models/item.py", 6, True),
        "inv.models.bin.Bin": M("bins", "inv/models/bin.py", 6, False),
    },
)

STYLES["Flask-SQLAlchemy db in an extensions module"] = Style(
    files={
        "app/__init__.py": (
            "from flask import Flask\n"
            "\n"
            "from app.extensions import db\n"
            "\n"
            "\n"
            "def create_app():\n"
            "    app = Flask(__name__)\n"
            "    app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite://'\n"
            "    db.init_app(app)\n"
            "    return app\n"
        ),
        "app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
        "app/models/__init__.py": "",
        "app/models/user.py": (
            "from app.extensions import db\n"
            "\n"
            "roles_users = db.Table(\n"
            "    'roles_users',\n"
            "    db.Column('user_id', db.Integer, db.ForeignKey('users.id')),\n"
            "    db.Column('role', db.String(20)),\n"
            ")\n"
            "\n"
            "\n"
            "class User(db.Model):\n"
            "    __tablename__ = 'users'\n"
            "    id = db.Column(db.Integer, primary_key=True)\n"
        ),
        "app/models/post.py": (
            "from app.extensions import db\n"
            "\n"
            "post_tags = db.Table(\n"
            "    'post_tags',\n"
            "    db.Column('post_id', db.Integer, db.ForeignKey('posts.id'), primary_key=True),\n"
            "    db.Column('tag', db.String(20), primary_key=True),\n"
            ")\n"
            "\n"
            "\n"
            "class Post(db.Model):\n"
            "    __tablename__ = 'posts'\n"
            "    id = db.Column(db.Integer, primary_key=True)\n"
        ),
        "app/__all_models.py": "from app.models import user  # noqa: F401\n",
    },
    registry="app.__all_models",
    metadata="from app.extensions import db; md = db.metadata; assert db.Model.metadata is md",
    models={
        "app.models.user.roles_users": M("roles_users", "app/models/user.py", 3, True),
        "app.models.user.User": M("users", "app/models/user.py", 10, True),
        "app.models.post.post_tags": M("post_tags", "app/models/post.py", 3, False),
        "app.models.post.Post": M("posts", "app/models/post.py", 10, False),
    },
)

STYLES["Flask-SQLAlchemy model_class=Base in the app factory module"] = Style(
    files={
        "web/__init__.py": (
            "from flask import Flask\n"
            "from flask_sqlalchemy import SQLAlchemy\n"
            "\n"
            "from web.base import Base\n"
            "\n"
            "db = SQLAlchemy(model_class=Base)\n"
            "\n"
            "\n"
            "def create_app():\n"
            "    app = Flask(__name__)\n"
            "    db.init_app(app)\n"
            "    return app\n"
        ),
        "web/base.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
        "web/models/__init__.py": "",
        "web/models/user.py": model(
            "from web import db\n",
            "class User(db.Model):\n    __tablename__ = 'users'\n    id = db.Column(db.Integer, primary_key=True)\n",
        ),
        "web/models/tag.py": model(
            "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom web.base import Base\n",
            "class Tag(Base):\n    __tablename__ = 'tags'\n    id: Mapped[int] = mapped_column(primary_key=True)\n",
        ),
        "web/models/audit.py": model(
            "from web import db\n",
            "class Audit(db.Model):\n    __tablename__ = 'audits'\n    id = db.Column(db.Integer, primary_key=True)\n",
        ),
        "web/__all_models.py": "from web.models import tag, user  # noqa: F401\n",
    },
    registry="web.__all_models",
    metadata="from web import db; from web.base import Base; md = db.metadata; assert md is Base.metadata",
    models={
        "web.models.user.User": M("users", "web/models/user.py", 4, True),
        "web.models.tag.Tag": M("tags", "web/models/tag.py", 6, True),
        "web.models.audit.Audit": M("audits", "web/models/audit.py", 4, False),
    },
)

STYLES["SQLModel"] = Style(
    files={
        "heroes/__init__.py": "",
        "heroes/models/__init__.py": "",
        "heroes/models/hero.py": (
            "from typing import Optional\n"
            "\n"
            "from sqlmodel import Field, SQLModel\n"
            "\n"
            "\n"
            "class HeroBase(SQLModel):\n"
            "    name: str\n"
            "\n"
            "\n"
            "class Hero(HeroBase, table=True):\n"
            "    id: Optional[int] = Field(default=None, primary_key=True)\n"
            "\n"
            "\n"
            "class HeroCreate(HeroBase):\n"
            "    pass\n"
        ),
        "heroes/models/team.py": (
            "from typing import Optional\n"
            "\n"
            "from sqlmodel import Field, SQLModel\n"
            "\n"
            "\n"
            "class Team(SQLModel, table=True):\n"
            "    id: Optional[int] = Field(default=None, primary_key=True)\n"
        ),
        # pydantic models and subclasses of a table model (even with table=True): SQLModel maps none
        "heroes/models/schemas.py": (
            "from sqlmodel import SQLModel\n"
            "\n"
            "from heroes.models.hero import Hero\n"
            "\n"
            "\n"
            "class TeamRead(SQLModel):\n"
            "    name: str\n"
            "\n"
            "\n"
            "class HeroPublic(Hero):\n"
            "    pass\n"
            "\n"
            "\n"
            "class HeroRecord(Hero, table=True):\n"
            "    pass\n"
        ),
        "heroes/__all_models.py": "import heroes.models.hero  # noqa: F401\n",
    },
    registry="heroes.__all_models",
    metadata=(
        "from sqlmodel import SQLModel; md = SQLModel.metadata\n"
        "import sqlalchemy\n"
        "from heroes.models.hero import HeroBase, HeroCreate\n"
        "from heroes.models.schemas import HeroPublic, HeroRecord, TeamRead\n"
        "for c in (HeroBase, HeroCreate, HeroPublic, HeroRecord, TeamRead):\n"
        "    assert sqlalchemy.inspect(c, raiseerr=False) is None, c"
    ),
    models={
        "heroes.models.hero.Hero": M("hero", "heroes/models/hero.py", 10, True),
        "heroes.models.team.Team": M("team", "heroes/models/team.py", 6, False),
    },
)

STYLES["@registry.mapped"] = Style(
    files={
        "lib/__init__.py": "",
        "lib/db.py": "from sqlalchemy.orm import registry\n\nmapper_registry = registry()\n",
        "lib/models/__init__.py": "",
        "lib/models/book.py": model(
            "from sqlalchemy import Column, Integer\n\nfrom lib.db import mapper_registry\n",
            "@mapper_registry.mapped\nclass Book:\n    __tablename__ = 'books'\n"
            "    id = Column(Integer, primary_key=True)\n",
        ),
        "lib/models/author.py": model(
            "from sqlalchemy import Column, Integer\n\nfrom lib.db import mapper_registry\n",
            "@mapper_registry.mapped\nclass Author:\n    __tablename__ = 'authors'\n"
            "    id = Column(Integer, primary_key=True)\n",
        ),
        "lib/__all_models.py": "from lib.models import book  # noqa: F401\n",
    },
    registry="lib.__all_models",
    metadata="from lib.db import mapper_registry; md = mapper_registry.metadata",
    models={
        "lib.models.book.Book": M("books", "lib/models/book.py", 7, True),
        "lib.models.author.Author": M("authors", "lib/models/author.py", 7, False),
    },
)

STYLES["@registry.mapped_as_dataclass and @mapped_as_dataclass(registry)"] = Style(
    files={
        "zoo/__init__.py": "",
        "zoo/db.py": "from sqlalchemy.orm import registry\n\nreg = registry()\n",
        "zoo/models/__init__.py": "",
        "zoo/models/animal.py": model(
            "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom zoo.db import reg\n",
            "@reg.mapped_as_dataclass\nclass Animal:\n    __tablename__ = 'animals'\n" + DATACLASS_COLUMNS,
        ),
        "zoo/models/keeper.py": model(
            "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom zoo.db import reg\n",
            "@reg.mapped_as_dataclass()\nclass Keeper:\n    __tablename__ = 'keepers'\n" + DATACLASS_COLUMNS,
        ),
        "zoo/models/cage.py": model(
            "from sqlalchemy.orm import Mapped, mapped_column, mapped_as_dataclass\n\nfrom zoo.db import reg\n",
            "@mapped_as_dataclass(reg)\nclass Cage:\n    __tablename__ = 'cages'\n" + DATACLASS_COLUMNS,
        ),
        "zoo/__all_models.py": "import zoo.models.animal  # noqa: F401\nimport zoo.models.cage  # noqa: F401\n",
    },
    registry="zoo.__all_models",
    metadata="from zoo.db import reg; md = reg.metadata",
    models={
        "zoo.models.animal.Animal": M("animals", "zoo/models/animal.py", 7, True),
        "zoo.models.cage.Cage": M("cages", "zoo/models/cage.py", 7, True),
        "zoo.models.keeper.Keeper": M("keepers", "zoo/models/keeper.py", 7, False),
    },
)


def _imperative(table: str, cls: str) -> str:
    return (
        "from sqlalchemy import Column, Integer, Table\n"
        "\n"
        "from crm.db import reg\n"
        "\n"
        f"{table}_table = Table('{table}', reg.metadata, Column('id', Integer, primary_key=True))\n"
        "\n"
        "\n"
        f"class {cls}:\n"
        "    pass\n"
        "\n"
        "\n"
        f"reg.map_imperatively({cls}, {table}_table)\n"
    )


STYLES["registry.map_imperatively(Cls, table)"] = Style(
    files={
        "crm/__init__.py": "",
        "crm/db.py": "from sqlalchemy.orm import registry\n\nreg = registry()\n",
        "crm/models/__init__.py": "",
        "crm/models/customer.py": _imperative("customers", "Customer"),
        "crm/models/invoice.py": _imperative("invoices", "Invoice"),
        "crm/__all_models.py": "import crm.models.customer  # noqa: F401\n",
    },
    registry="crm.__all_models",
    metadata=(
        "from crm.db import reg; md = reg.metadata\n"
        "from crm.models.customer import Customer; import sqlalchemy; sqlalchemy.inspect(Customer)"
    ),
    models={
        "crm.models.customer.customers_table": M("customers", "crm/models/customer.py", 5, True),
        "crm.models.customer.Customer": M("customers", "crm/models/customer.py", 12, True),
        "crm.models.invoice.invoices_table": M("invoices", "crm/models/invoice.py", 5, False),
        "crm.models.invoice.Invoice": M("invoices", "crm/models/invoice.py", 12, False),
    },
)

STYLES["Core Table on a base's metadata"] = Style(
    files={
        "cat/__init__.py": "",
        "cat/db.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        "cat/tables.py": (
            "from sqlalchemy import Column, Integer, Table\n"
            "\n"
            "from cat.db import Base\n"
            "\n"
            "tags = Table('tags', Base.metadata, Column('id', Integer, primary_key=True))\n"
        ),
        "cat/links.py": (
            "import sqlalchemy as sa\n"
            "\n"
            "from cat import db\n"
            "\n"
            "links = sa.Table('links', db.Base.metadata, sa.Column('id', sa.Integer, primary_key=True))\n"
        ),
        "cat/__all_models.py": "from cat import tables  # noqa: F401\n",
    },
    registry="cat.__all_models",
    metadata="from cat.db import Base; md = Base.metadata",
    models={
        "cat.tables.tags": M("tags", "cat/tables.py", 5, True),
        "cat.links.links": M("links", "cat/links.py", 5, False),
    },
)


def _core_table(pkg: str, table: str) -> str:
    return (
        "from sqlalchemy import Column, Integer, Table\n"
        "\n"
        f"from {pkg}.meta import metadata\n"
        "\n"
        f"{table} = Table('{table}', metadata, Column('id', Integer, primary_key=True))\n"
    )


STYLES["Core Table on a MetaData() that is Alembic's target metadata"] = Style(
    files={
        "core/__init__.py": "",
        "core/meta.py": "from sqlalchemy import MetaData\n\nmetadata = MetaData()\n",
        "core/tables/__init__.py": "",
        "core/tables/users.py": _core_table("core", "users"),
        "core/tables/events.py": _core_table("core", "events"),
        "core/__all_models.py": "import core.tables.users  # noqa: F401\n",
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "migrations/script.py.mako": "",
        "migrations/env.py": (
            "from alembic import context\n"
            "\n"
            "import core.__all_models  # noqa: F401\n"
            "from core.meta import metadata\n"
            "\n"
            "target_metadata = metadata\n"
        ),
    },
    registry="core.__all_models",
    metadata="from core.meta import metadata as md",
    models={
        "core.tables.users.users": M("users", "core/tables/users.py", 5, True),
        "core.tables.events.events": M("events", "core/tables/events.py", 5, False),
    },
)

STYLES["Core Table on a MetaData() that create_all() is called on"] = Style(
    files={
        "ledger/__init__.py": "",
        "ledger/meta.py": "from sqlalchemy import MetaData\n\nmetadata = MetaData()\n",
        "ledger/tables/__init__.py": "",
        "ledger/tables/accounts.py": _core_table("ledger", "accounts"),
        "ledger/tables/entries.py": _core_table("ledger", "entries"),
        "ledger/__all_models.py": "import ledger.tables.accounts  # noqa: F401\n",
        "ledger/setup_db.py": (
            "from sqlalchemy import create_engine\n"
            "\n"
            "from ledger.meta import metadata\n"
            "\n"
            "\n"
            "def init_db(url):\n"
            "    import ledger.__all_models  # noqa: F401\n"
            "\n"
            "    engine = create_engine(url)\n"
            "    metadata.create_all(engine)\n"
            "    return engine\n"
        ),
    },
    registry="ledger.setup_db",
    # what create_all() really created in the database, not only what the metadata holds
    metadata=(
        "import sqlalchemy\n"
        "from ledger.meta import metadata as md\n"
        "assert sorted(sqlalchemy.inspect(mod.init_db('sqlite://')).get_table_names()) == sorted(md.tables)"
    ),
    models={
        "ledger.tables.accounts.accounts": M("accounts", "ledger/tables/accounts.py", 5, True),
        "ledger.tables.entries.entries": M("entries", "ledger/tables/entries.py", 5, False),
    },
)


@pytest.mark.parametrize("name", list(STYLES))
def test_modelreg_reports_exactly_the_models_the_registry_misses(tree, name):
    style = STYLES[name]
    root = tree(style.files, style.pyproject)
    expected = sorted(
        ("MR001", m.path, m.line, dotted) for dotted, m in style.models.items() if not m.registered
    )
    assert sorted(findings(root)) == expected


@pytest.mark.parametrize("name", list(STYLES))
def test_the_inventory_lists_every_model_and_table_with_its_registered_flag(tree, run, name):
    style = STYLES[name]
    root = tree(style.files, style.pyproject)
    assert registered_flags(run, root) == {dotted: m.registered for dotted, m in style.models.items()}


@pytest.mark.parametrize("name", list(STYLES))
def test_what_modelreg_calls_registered_is_what_really_reaches_the_metadata(tree, name):
    style = STYLES[name]
    root = tree(style.files, style.pyproject)
    report = modelreg.check([str(root)])
    unregistered = {d.model for d in report.diagnostics if d.code == "MR001"}
    said_registered = sorted({m.table for dotted, m in style.models.items() if dotted not in unregistered})
    said_missing = sorted({m.table for dotted, m in style.models.items() if dotted in unregistered})
    loaded, missing = runtime_tables(root, style)
    assert (loaded, missing) == (said_registered, said_missing)


BASE_OF_STYLE = {
    "declarative_base()": "shop.db.Base",
    "class Base(DeclarativeBase)": "blog.db.Base",
    "MappedAsDataclass with DeclarativeBase": "inv.db.Base",
    "Flask-SQLAlchemy db in an extensions module": "app.extensions.db.Model",
    "Flask-SQLAlchemy model_class=Base in the app factory module": "web.base.Base",
    "SQLModel": "sqlmodel.SQLModel",
    "@registry.mapped": "lib.db.mapper_registry",
    "@registry.mapped_as_dataclass and @mapped_as_dataclass(registry)": "zoo.db.reg",
    "registry.map_imperatively(Cls, table)": "crm.db.reg",
    "Core Table on a base's metadata": "cat.db.Base",
    "Core Table on a MetaData() that is Alembic's target metadata": "core.meta.metadata",
    "Core Table on a MetaData() that create_all() is called on": "ledger.meta.metadata",
}


@pytest.mark.parametrize("name", list(STYLES))
def test_the_inventory_names_the_base_or_metadata_of_each_style(tree, run, name):
    style = STYLES[name]
    root = tree(style.files, style.pyproject)
    assert {m["base"] for m in inventory(run, root)["models"]} == {BASE_OF_STYLE[name]}


def test_core_tables_are_listed_with_their_table_names(tree, run):
    style = STYLES["Flask-SQLAlchemy db in an extensions module"]
    root = tree(style.files)
    tables = [(m["name"], m["table"], m["path"], m["line"]) for m in inventory(run, root)["models"]]
    assert tables == [
        ("post_tags", "post_tags", "app/models/post.py", 3),
        ("Post", "posts", "app/models/post.py", 10),
        ("roles_users", "roles_users", "app/models/user.py", 3),
        ("User", "users", "app/models/user.py", 10),
    ]


def test_tables_on_a_metadata_that_nothing_creates_or_migrates_are_not_models(tree, run):
    style = STYLES["Core Table on a MetaData() that is Alembic's target metadata"]
    files = {k: v for k, v in style.files.items() if not k.startswith(("alembic.ini", "migrations/"))}
    root = tree(files)
    assert inventory(run, root)["models"] == []
    assert findings(root) == []


def test_a_metadata_becomes_a_target_through_create_all_anywhere_in_the_project(tree, run):
    style = STYLES["Core Table on a MetaData() that is Alembic's target metadata"]
    files = {k: v for k, v in style.files.items() if not k.startswith(("alembic.ini", "migrations/"))}
    files["core/cli.py"] = (
        "import core.__all_models  # noqa: F401\n"
        "from core.meta import metadata\n"
        "\n"
        "\n"
        "def init(engine):\n"
        "    metadata.create_all(engine)\n"
    )
    root = tree(files)
    assert findings(root) == [("MR001", "core/tables/events.py", 5, "core.tables.events.events")]


# -- several bases: one registry per base (two databases) -------------------------------------------

TWO_DATABASES = {
    "twodb/__init__.py": "",
    "twodb/db/__init__.py": "",
    "twodb/db/main.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass MainBase(DeclarativeBase):\n    pass\n",
    "twodb/db/analytics.py": (
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass AnalyticsBase(DeclarativeBase):\n    pass\n"
    ),
    "twodb/models/__init__.py": "",
    "twodb/models/user.py": model(
        "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom twodb.db.main import MainBase\n",
        "class User(MainBase):\n    __tablename__ = 'users'\n    id: Mapped[int] = mapped_column(primary_key=True)\n",
    ),
    "twodb/models/event.py": model(
        "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom twodb.db.analytics import AnalyticsBase\n",
        "class Event(AnalyticsBase):\n    __tablename__ = 'events'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n",
    ),
    "twodb/models/page_view.py": model(
        "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom twodb.db.analytics import AnalyticsBase\n",
        "class PageView(AnalyticsBase):\n    __tablename__ = 'page_views'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n",
    ),
    # Event is imported, but by the registry of the other database
    "twodb/db/main_models.py": "import twodb.models.user  # noqa: F401\nimport twodb.models.event  # noqa: F401\n",
    "twodb/db/analytics_models.py": "import twodb.models.page_view  # noqa: F401\n",
}

TWO_REGISTRIES = """
[[tool.modelreg.registries]]
base = "twodb.db.main.MainBase"
registry = "twodb/db/main_models.py"

[[tool.modelreg.registries]]
base = "twodb.db.analytics.AnalyticsBase"
registry = "twodb/db/analytics_models.py"
"""


def test_a_model_is_checked_only_against_the_registry_of_its_own_base(tree):
    root = tree(TWO_DATABASES, TWO_REGISTRIES)
    report = modelreg.check([str(root)])
    assert findings(root) == [("MR001", "twodb/models/event.py", 6, "twodb.models.event.Event")]
    (d,) = report.diagnostics
    assert os.path.relpath(d.registry, root).replace(os.sep, "/") == "twodb/db/analytics_models.py"
    assert "twodb/db/analytics_models.py does not import it; add `import twodb.models.event`" in d.message


def test_the_inventory_names_each_models_own_registry_and_base(tree, run):
    root = tree(TWO_DATABASES, TWO_REGISTRIES)
    data = inventory(run, root)
    assert [(m["name"], m["base"], m["registry"], m["registered"]) for m in data["models"]] == [
        ("Event", "twodb.db.analytics.AnalyticsBase", "twodb/db/analytics_models.py", False),
        ("PageView", "twodb.db.analytics.AnalyticsBase", "twodb/db/analytics_models.py", True),
        ("User", "twodb.db.main.MainBase", "twodb/db/main_models.py", True),
    ]
    assert [(r["path"], r["source"]) for r in data["registries"]] == [
        ("twodb/db/main_models.py", "config"),
        ("twodb/db/analytics_models.py", "config"),
    ]


def test_each_databases_registry_really_loads_only_what_modelreg_calls_registered(tree):
    root = tree(TWO_DATABASES, TWO_REGISTRIES)
    code = (
        "from twodb.db.analytics import AnalyticsBase\n"
        "from twodb.db.main import MainBase\n"
        "print(sorted(AnalyticsBase.metadata.tables))\n"
        "import twodb.db.main_models\n"
        "print(sorted(MainBase.metadata.tables))\n"
    )
    out = import_in_subprocess(root, "twodb.db.analytics_models", code).splitlines()
    # the analytics registry alone does not load Event: only importing the other database's registry does
    assert out == ["['page_views']", "['users']"]
