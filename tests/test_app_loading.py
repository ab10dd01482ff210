"""Issue 27: the registry is what the application runs as it starts.

Each test rebuilds the shape of a field case (`../shared/field/`) in `tmp_path`: a base whose own MetaData
sits in its class body, a storage class that imports its models lazily before `create_all()`, a console
script that imports the backends and then runs Alembic, a Flask-Migrate app factory. Each states what
Python loads (a fresh interpreter with real SQLAlchemy, Alembic, Flask-SQLAlchemy and Flask-Migrate),
then what modelreg says: exactly one MR001, for the model nothing loads, against a module on the
application's loading path, never a test; and `--fix` writes there and makes the application load it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List

import pytest
from conftest import import_in_subprocess, tables_after_importing

pytestmark = pytest.mark.usefixtures("keeps_invariants")  # issue 27: every tree keeps the invariants

ALEMBIC_ENV = (
    "from alembic import context\n\n{imports}\n\ntarget_metadata = {target}\n\n\n"
    "def run_migrations_offline():\n"
    "    context.configure(url=context.config.get_main_option(\"sqlalchemy.url\"), target_metadata=target_metadata,\n"
    "                      literal_binds=True)\n"
    "    with context.begin_transaction():\n"
    "        context.run_migrations()\n\n\nrun_migrations_offline()\n"
)


def model(cls: str, table: str, base_import: str, base: str) -> str:
    return (
        f"from sqlalchemy import Column, Integer\n\n{base_import}\n\n\n"
        f"class {cls}({base}):\n    __tablename__ = {table!r}\n    id = Column(Integer, primary_key=True)\n"
    )


def verdict(run, root: Path) -> List[tuple]:
    """(code, model or path relative to root) of every diagnostic."""
    report = run(["--format", "json", "--no-cache", root], cwd=root).json
    return sorted((d["code"], d["model"] or os.path.relpath(d["path"], root)) for d in report["diagnostics"])


def changed_files(root: Path, before: Dict[str, str]) -> List[str]:
    return sorted(rel for rel, text in before.items() if (root / rel).read_text() != text)


# -- a base whose MetaData is made in its own class body ------------------------------------------

NOTES = {
    "alembic.ini": "[alembic]\nscript_location = notes/migrations\nsqlalchemy.url = sqlite://\n",
    "notes/__init__.py": "",
    "notes/db/__init__.py": (
        "import sqlalchemy\nfrom sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n"
        "    metadata = sqlalchemy.MetaData(naming_convention={\"pk\": \"pk__%(table_name)s\"})\n"
    ),
    "notes/models/__init__.py": "from notes.models.feature import Feature  # noqa: F401\n",
    "notes/models/feature.py": (
        "import sqlalchemy as sa\n\nfrom notes.db import Base\n\n"
        "FEATURE_TAG = sa.Table(\"feature_tag\", Base.metadata, sa.Column(\"id\", sa.Integer, primary_key=True))\n\n\n"
        "class Feature(Base):\n    __tablename__ = \"feature\"\n    id = sa.Column(sa.Integer, primary_key=True)\n"
    ),
    "notes/models/audit_log.py": model("AuditLog", "audit_log", "from notes.db import Base", "Base"),
    "notes/migrations/env.py": ALEMBIC_ENV.format(
        imports="from notes import db, models  # noqa: F401", target="db.Base.metadata"
    ),
}


def test_a_base_with_a_metadata_of_its_own_in_its_class_body_is_a_base_and_its_gap_is_reported(tree, run):
    """declarative-class-base-in-package-init: `metadata = MetaData(...)` in the body of a DeclarativeBase
    subclass is that base's own metadata (not an unnamed one no registry governs)."""
    root = tree(NOTES)
    env = "notes/migrations/env.py"
    assert tables_after_importing(root, [env], "notes.db:Base.metadata") == ["feature", "feature_tag"]
    listing = run(["models", "--no-cache", root], cwd=root).out
    assert "anonymous" not in listing and "FEATURE_TAG" in listing
    assert verdict(run, root) == [("MR001", "notes.models.audit_log.AuditLog")]
    assert run(["--fix", "--no-cache", root], cwd=root).exit_code == 0
    assert tables_after_importing(root, [env], "notes.db:Base.metadata") == ["audit_log", "feature", "feature_tag"]


# -- a storage class that loads its models lazily, and a test that calls create_all() ------------------

TRACKER = {
    "pyproject.toml": "[project]\nname = \"tracker\"\n",
    "tracker/__init__.py": "",
    "tracker/storage/__init__.py": "",
    "tracker/storage/models.py": (
        "from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\n\n"
        "BaseModel = declarative_base()\n\n\nclass StudyModel(BaseModel):\n    __tablename__ = \"studies\"\n"
        "    id = Column(Integer, primary_key=True)\n"
    ),
    "tracker/storage/audit_models.py": model(
        "StudyAudit", "study_audit", "from tracker.storage.models import BaseModel", "BaseModel"
    ),
    "tracker/storage/storage.py": (
        "from sqlalchemy import create_engine\n\n\nclass Storage:\n    def __init__(self, url=\"sqlite://\"):\n"
        "        from tracker.storage import models\n\n        self.engine = create_engine(url)\n"
        "        models.BaseModel.metadata.create_all(self.engine)\n"
    ),
    "tests/__init__.py": "",
    "tests/test_models.py": (
        "from sqlalchemy import create_engine\n\nfrom tracker.storage.models import BaseModel\n\n\n"
        "def test_create():\n    BaseModel.metadata.create_all(create_engine(\"sqlite://\"))\n"
    ),
}

STORAGE_TABLES = "import sqlalchemy\nfrom tracker.storage.storage import Storage\nprint(sorted(sqlalchemy.inspect(Storage().engine).get_table_names()))"


def test_create_all_in_a_method_after_a_lazy_import_makes_the_imported_module_the_registry_not_the_test(tree, run):
    """create-all-in-storage-method (without env.py): `Storage.__init__` imports `models` and calls
    `create_all`; that, not the test's `create_all()`, is where the application loads its models."""
    root = tree(TRACKER)
    assert import_in_subprocess(root, "tracker", STORAGE_TABLES).strip() == "['studies']"
    assert verdict(run, root) == [("MR001", "tracker.storage.audit_models.StudyAudit")]
    listing = run(["models", "--no-cache", root], cwd=root)
    assert "registry tracker/storage/models.py" in listing.out + listing.err
    before = {rel: (root / rel).read_text() for rel in TRACKER}
    assert run(["--fix", "--no-cache", root], cwd=root).exit_code == 0
    assert changed_files(root, before) == ["tracker/storage/models.py"]
    assert import_in_subprocess(root, "tracker", STORAGE_TABLES).strip() == "['studies', 'study_audit']"


def test_an_alembic_ini_inside_the_package_names_the_env_py_and_the_test_create_all_is_no_registry(tree, run):
    """create-all-in-storage-method: alembic.ini ships inside the package (`script_location` read from the
    working directory, the project root); its env.py is the registry."""
    files = dict(TRACKER)
    files["tracker/storage/alembic.ini"] = "[alembic]\nscript_location = tracker/storage/alembic\nsqlalchemy.url = sqlite://\n"
    files["tracker/storage/alembic/env.py"] = ALEMBIC_ENV.format(
        imports="import tracker.storage.models as models", target="models.BaseModel.metadata"
    )
    root = tree(files)
    env = "tracker/storage/alembic/env.py"
    assert tables_after_importing(root, [env], "tracker.storage.models:BaseModel.metadata") == ["studies"]
    assert verdict(run, root) == [("MR001", "tracker.storage.audit_models.StudyAudit")]
    before = {rel: (root / rel).read_text() for rel in files}
    assert run(["--fix", "--no-cache", root], cwd=root).exit_code == 0
    assert not [rel for rel in changed_files(root, before) if rel.startswith("tests/")]
    assert tables_after_importing(root, [env], "tracker.storage.models:BaseModel.metadata") == ["studies", "study_audit"]


# -- a console script that imports the backends, then runs Alembic --------------------------------

IDENT = {
    "pyproject.toml": "[project]\nname = \"ident\"\n\n[project.scripts]\nident-manage = \"ident.cmd.manage:main\"\n",
    "ident/__init__.py": "",
    "ident/common/__init__.py": "",
    "ident/common/sql/__init__.py": "",
    "ident/common/sql/core.py": "from sqlalchemy.orm import declarative_base\n\nModelBase = declarative_base()\n",
    "ident/common/sql/alembic.ini": "[alembic]\nscript_location = ident/common/sql/migrations\nsqlalchemy.url = sqlite://\n",
    "ident/common/sql/migrations/env.py": ALEMBIC_ENV.format(
        imports="from ident.common.sql import core", target="core.ModelBase.metadata"
    ),
    "ident/cmd/__init__.py": "",
    "ident/cmd/manage.py": (
        "import os\n\nfrom alembic import command\nfrom alembic.config import Config\n\n\n"
        "def load_backends():\n    import ident.credential.sql  # noqa: F401\n\n\n"
        "def main():\n    load_backends()\n"
        "    command.upgrade(Config(os.path.join(os.path.dirname(__file__), 'alembic.ini')), 'head')\n"
    ),
    "ident/credential/__init__.py": "",
    "ident/credential/sql.py": model("Credential", "credential", "from ident.common.sql import core", "core.ModelBase"),
    "ident/revoke/__init__.py": "",
    "ident/revoke/sql.py": model("Revocation", "revocation", "from ident.common.sql import core", "core.ModelBase"),
}

IDENT_TABLES = "from ident.common.sql.core import ModelBase\nmod.load_backends()\nprint(sorted(ModelBase.metadata.tables))"


def test_a_console_script_that_imports_the_backends_before_alembic_is_the_registry(tree, run):
    """programmatic-alembic-import-function: env.py imports only the base; `ident-manage` calls
    `load_backends()`, then Alembic. The console script's module is the registry, and env.py is not asked
    to import it (MR003 would make Alembic's run import the command line)."""
    root = tree(IDENT)
    assert import_in_subprocess(root, "ident.cmd.manage", IDENT_TABLES).strip() == "['credential']"
    assert verdict(run, root) == [("MR001", "ident.revoke.sql.Revocation")]
    before = {rel: (root / rel).read_text() for rel in IDENT}
    assert run(["--fix", "--no-cache", root], cwd=root).exit_code == 0
    assert changed_files(root, before) == ["ident/cmd/manage.py"]
    assert import_in_subprocess(root, "ident.cmd.manage", IDENT_TABLES).strip() == "['credential', 'revocation']"
    assert verdict(run, root) == []


def test_without_the_console_script_the_env_py_that_reaches_no_model_stays_the_registry(tree, run):
    """No entry point loads the backends: env.py is the registry, and each model it misses is reported."""
    files = dict(IDENT)
    files["pyproject.toml"] = "[project]\nname = \"ident\"\n"
    root = tree(files)
    assert verdict(run, root) == [("MR001", "ident.credential.sql.Credential"), ("MR001", "ident.revoke.sql.Revocation")]


# -- a Flask-Migrate app factory ---------------------------------------------------------------

FLASK_ENV = (
    "from alembic import context\nfrom flask import current_app\n\n"
    "target_db = current_app.extensions[\"migrate\"].db\n\n\n"
    "def get_metadata():\n    return target_db.metadata\n\n\n"
    "def run_migrations_offline():\n    context.configure(url=\"sqlite://\", target_metadata=get_metadata(), literal_binds=True)\n"
    "    with context.begin_transaction():\n        context.run_migrations()\n\n\nrun_migrations_offline()\n"
)

SHOP = {
    "pyproject.toml": "[project]\nname = \"shop\"\n",
    "migrations/alembic.ini": "[alembic]\n",
    "migrations/env.py": FLASK_ENV,
    "wsgi.py": "from shop import create_app\n\napp = create_app()\n",
    "shop/__init__.py": (
        "from flask import Flask\n\nfrom shop.extensions import db, migrate\n\n\ndef create_app():\n"
        "    app = Flask(__name__)\n    app.config[\"SQLALCHEMY_DATABASE_URI\"] = \"sqlite://\"\n"
        "    db.init_app(app)\n    migrate.init_app(app, db)\n\n    from shop import models  # noqa: F401\n\n    return app\n"
    ),
    "shop/extensions.py": "from flask_migrate import Migrate\nfrom flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\nmigrate = Migrate()\n",
    "shop/models/__init__.py": "from shop.models.user import User  # noqa: F401\n",
    "shop/models/user.py": "from shop.extensions import db\n\n\nclass User(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n",
    "shop/models/coupon.py": "from shop.extensions import db\n\n\nclass Coupon(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n",
}

SHOP_TABLES = "from shop.extensions import db\nmod.create_app()\nprint(sorted(db.metadata.tables))"


def test_a_flask_migrate_app_factory_is_the_registry_of_the_models_it_imports(tree, run):
    """flask-migrate-app-factory: `flask db migrate` (FLASK_APP=wsgi) calls `create_app()`, which imports
    `shop.models`; env.py takes the metadata from the running app. The factory's module is the registry."""
    root = tree(SHOP)
    assert import_in_subprocess(root, "shop", SHOP_TABLES).strip() == "['user']"
    assert verdict(run, root) == [("MR001", "shop.models.coupon.Coupon")]
    listing = run(["models", "--no-cache", root], cwd=root)
    assert "registry shop/__init__.py (shop): found by Flask app" in listing.out + listing.err
    assert run(["--fix", "--no-cache", root], cwd=root).exit_code == 0
    assert import_in_subprocess(root, "shop", SHOP_TABLES).strip() == "['coupon', 'user']"


def test_flask_app_named_by_flaskenv_is_followed_to_its_factory(tree, run):
    """FLASK_APP in `.flaskenv` names the factory (`shop:create_app`): no wsgi.py is needed."""
    files = {k: v for k, v in SHOP.items() if k != "wsgi.py"}
    files[".flaskenv"] = "FLASK_APP=shop:create_app\n"
    root = tree(files)
    assert verdict(run, root) == [("MR001", "shop.models.coupon.Coupon")]


# -- a call at import time runs the called function's imports, in any module -------------------------


def test_a_function_of_another_module_called_by_env_py_at_import_time_loads_what_it_imports(tree, run):
    """env.py calls `load_models()` of `app.setup` at module level; its body imports `app.models`, and it
    calls `load_extra()` of its own module, which imports `app.extra`. Importing env.py runs all of it."""
    files = {
        "alembic.ini": "[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite://\n",
        "app/__init__.py": "",
        "app/base.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        "app/setup.py": (
            "def load_extra():\n    import app.extra  # noqa: F401\n\n\n"
            "def load_models():\n    import app.models  # noqa: F401\n    load_extra()\n"
        ),
        "app/models.py": model("User", "users", "from app.base import Base", "Base"),
        "app/extra.py": model("Extra", "extra", "from app.base import Base", "Base"),
        "app/gap.py": model("Gap", "gap", "from app.base import Base", "Base"),
        "migrations/env.py": ALEMBIC_ENV.format(
            imports="from app.base import Base\nfrom app.setup import load_models\n\nload_models()", target="Base.metadata"
        ),
    }
    root = tree(files)
    env = "migrations/env.py"
    assert tables_after_importing(root, [env], "app.base:Base.metadata") == ["extra", "users"]
    assert verdict(run, root) == [("MR001", "app.gap.Gap")]


# -- Core tables on a cast() base, a glob-built __all__, a console script in setup.cfg ----------------

PGDB = {
    "setup.cfg": "[metadata]\nname = pgdb\n\n[options.entry_points]\nconsole_scripts =\n    pgdb = pgdb.cli:main\n",
    "pgdb/__init__.py": "",
    "pgdb/alembic.ini": "[alembic]\nscript_location = pgdb/migration\nsqlalchemy.url = sqlite://\n",
    "pgdb/settings.py": "from pgdb.models.base import metadata\n\ntarget_metadatas = metadata\n",
    "pgdb/cli.py": (
        "from pgdb.models import *  # noqa: F403\nfrom pgdb.settings import target_metadatas\n\n\n"
        "def main():\n    from alembic import command\n\n    return command, target_metadatas\n"
    ),
    "pgdb/models/__init__.py": (
        "from pathlib import Path\n\n__all__: tuple = tuple(\n"
        "    p.stem for p in Path(__file__).resolve().parent.glob(\"*.py\") if not p.stem.startswith(\"_\")\n)\n"
    ),
    "pgdb/models/base.py": (
        "from typing import cast\n\nimport sqlalchemy.orm\nfrom sqlalchemy.orm import DeclarativeMeta\n\n"
        "Base = cast(DeclarativeMeta, sqlalchemy.orm.declarative_base())\nmetadata = Base.metadata\n"
    ),
    "pgdb/models/users.py": (
        "import sqlalchemy as sa\n\nfrom .base import metadata\n\n"
        "users = sa.Table(\"users\", metadata, sa.Column(\"id\", sa.Integer, primary_key=True))\n"
    ),
    "pgdb/audit_tables.py": (
        "import sqlalchemy as sa\n\nfrom pgdb.models.base import metadata\n\n"
        "audit_log = sa.Table(\"audit_log\", metadata, sa.Column(\"id\", sa.Integer, primary_key=True))\n"
    ),
    "pgdb/migration/env.py": ALEMBIC_ENV.format(imports="from pgdb.settings import target_metadatas", target="target_metadatas"),
}


def test_core_tables_on_a_cast_base_loaded_by_a_console_script_through_a_glob_built_all(tree, run):
    """cast-base-core-tables-glob-all: `cast(T, declarative_base())` is the base; `from pgdb.models import *`
    imports every module `__all__` lists from the package's folder; the `pgdb` console script (setup.cfg)
    loads them before Alembic, env.py alone loads none: the console script's module is the registry."""
    root = tree(PGDB)
    assert tables_after_importing(root, ["pgdb.cli"], "pgdb.models.base:metadata") == ["users"]
    assert verdict(run, root) == [("MR001", "pgdb.audit_tables.audit_log")]
    assert run(["--fix", "--no-cache", root], cwd=root).exit_code == 0
    assert tables_after_importing(root, ["pgdb.cli"], "pgdb.models.base:metadata") == ["audit_log", "users"]


def test_a_literal_all_still_limits_the_star_import(tree, run):
    """The same package with a literal `__all__ = ()`: the star import loads no table module, nothing
    registers `users` and it is reported too (the folder listing is only what a computed `__all__` means)."""
    files = dict(PGDB)
    files["pgdb/models/__init__.py"] = "__all__ = ()\n"
    root = tree(files)
    assert tables_after_importing(root, ["pgdb.cli"], "pgdb.models.base:metadata") == []
    assert ("MR001", "pgdb.models.users.users") in verdict(run, root)


# -- Pyramid's config.scan() --------------------------------------------------------------------

WH = {
    "alembic.ini": "[alembic]\nscript_location = wh/migrations\nsqlalchemy.url = sqlite://\n",
    "wh/__init__.py": "",
    "wh/db.py": (
        "from sqlalchemy import MetaData\nfrom sqlalchemy.orm import DeclarativeBase\n\nmetadata = MetaData()\n\n\n"
        "class Model(DeclarativeBase):\n    metadata = metadata\n"
    ),
    "wh/config.py": (
        "from pyramid.config import Configurator\n\n\ndef configure(settings=None):\n"
        "    config = Configurator(settings=settings or {})\n"
        "    config.scan(ignore=[\"wh.migrations.env\", \".wsgi\", \"wh.legacy\"])\n    return config\n"
    ),
    "wh/wsgi.py": "from wh.config import configure\n\napplication = configure().make_wsgi_app()\n",
    "wh/accounts/__init__.py": "",
    "wh/accounts/models.py": model("User", "users", "from wh import db", "db.Model"),
    "wh/legacy/__init__.py": "",
    "wh/legacy/models.py": model("Old", "old", "from wh import db", "db.Model"),
    "wh/migrations/env.py": (
        "from alembic import context\n\nfrom wh import db\n\n\ndef run_migrations_offline():\n"
        "    context.configure(url=\"sqlite://\", target_metadata=db.metadata, literal_binds=True)\n"
        "    with context.begin_transaction():\n        context.run_migrations()\n\n\nrun_migrations_offline()\n"
    ),
}

WH_TABLES = "from wh import db\nmod.configure()\nprint(sorted(db.metadata.tables))"


def test_pyramid_config_scan_loads_every_module_of_the_package_but_the_ignored_ones(tree, run):
    """pyramid-config-scan: env.py imports only `wh.db`; the application's `configure()` scans `wh`
    (venusian imports every module whose name does not start with an ignored one). A model in the scanned
    package needs no registry line; one in an ignored package is the one finding."""
    root = tree(WH)
    assert import_in_subprocess(root, "wh.config", WH_TABLES).strip() == "['users']"
    assert verdict(run, root) == [("MR001", "wh.legacy.models.Old")]
    (root / "wh/accounts/more.py").write_text(model("More", "more", "from wh import db", "db.Model"))
    assert import_in_subprocess(root, "wh.config", WH_TABLES).strip() == "['more', 'users']"
    assert verdict(run, root) == [("MR001", "wh.legacy.models.Old")]


def test_a_scan_method_of_something_else_than_pyramid_imports_nothing(tree, run):
    """`.scan()` in a module that does not use Pyramid (a database client's table scan) loads no module."""
    files = dict(WH)
    files["wh/config.py"] = "def configure(table=None):\n    import wh.db  # noqa: F401\n\n    return table.scan()\n"
    root = tree(files)
    found = verdict(run, root)
    assert ("MR001", "wh.accounts.models.User") in found and ("MR001", "wh.legacy.models.Old") in found


# -- plugins on a base made by a factory function, loaded by a glob of their folders -----------------

PLUGIN_MODEL = (
    "from sqlalchemy import Column, Integer\n\nfrom bot import db_schema\n\nBase = db_schema.versioned_base({name!r})\n\n\n"
    "class {cls}(Base):\n    __tablename__ = {name!r}\n    id = Column(Integer, primary_key=True)\n"
)

BOT = {
    "bot/__init__.py": "",
    "bot/db_schema.py": (
        "from sqlalchemy.orm import as_declarative, declarative_base\n\nBase = declarative_base()\nversions = {}\n\n\n"
        "def versioned_base(plugin):\n    @as_declarative(metadata=Base.metadata)\n    class VersionedBase:\n"
        "        _plugin = plugin\n\n    versions[plugin] = 0\n    return VersionedBase\n"
    ),
    "bot/plugin.py": (
        "import importlib\nfrom pathlib import Path\n\nPLUGIN_DIRS = (\"plugins\", \"components\")\n\n\n"
        "def load_plugins():\n    here = Path(__file__).parent\n    for folder in PLUGIN_DIRS:\n"
        "        for path in sorted((here / folder).rglob(\"*.py\")):\n            if path.name.startswith(\"_\"):\n"
        "                continue\n            rel = path.relative_to(here).with_suffix(\"\")\n"
        "            importlib.import_module(\"bot.\" + \".\".join(rel.parts))\n"
    ),
    "bot/manager.py": (
        "from sqlalchemy import create_engine\n\nfrom bot import plugin\nfrom bot.db_schema import Base\n\n\n"
        "def initialize():\n    plugin.load_plugins()\n    engine = create_engine(\"sqlite://\")\n"
        "    Base.metadata.create_all(engine)\n    return engine\n"
    ),
    "bot/plugins/__init__.py": "",
    "bot/plugins/filter/__init__.py": "",
    "bot/plugins/filter/seen.py": PLUGIN_MODEL.format(name="seen", cls="Seen"),
    "bot/components/__init__.py": "",
    "bot/components/history.py": PLUGIN_MODEL.format(name="history", cls="History"),
    "bot/utils/__init__.py": "",
    "bot/utils/audit.py": PLUGIN_MODEL.format(name="audit", cls="Audit"),
}

BOT_TABLES = "import sqlalchemy\nprint(sorted(sqlalchemy.inspect(mod.initialize()).get_table_names()))"


def test_plugins_on_a_factory_made_base_loaded_by_a_folder_glob_give_one_finding_for_the_module_outside(tree, run):
    """plugin-base-factory-glob-loader: `versioned_base()` defines and returns an `@as_declarative(metadata=
    Base.metadata)` class (each plugin's base is on the shared metadata, no MR007); `initialize()` calls
    `load_plugins()`, whose loop imports every file under `plugins/` and `components/`, then `create_all()`.
    Only the model outside those folders is reported."""
    root = tree(BOT)
    assert import_in_subprocess(root, "bot.manager", BOT_TABLES).strip() == "['history', 'seen']"
    assert verdict(run, root) == [("MR001", "bot.utils.audit.Audit")]
    assert run(["--fix", "--no-cache", root], cwd=root).exit_code == 0
    assert import_in_subprocess(root, "bot.manager", BOT_TABLES).strip() == "['audit', 'history', 'seen']"


def test_a_folder_glob_whose_folder_comes_from_outside_is_said_once_not_per_plugin(tree, run):
    """The loader's folder is an argument (configuration): modelreg cannot list it. Not one MR001 per
    plugin model: one MR006 at the loop, naming it."""
    files = dict(BOT)
    files["bot/plugin.py"] = (
        "import importlib\nfrom pathlib import Path\n\n\ndef load_plugins(folder=\"plugins\"):\n"
        "    for path in Path(folder).rglob(\"*.py\"):\n            importlib.import_module(\"bot.\" + path.stem)\n"
    ).replace("            importlib", "        importlib")
    root = tree(files)
    found = verdict(run, root)
    assert [code for code, _ in found].count("MR001") <= 1 and ("MR006", "bot/plugin.py") in found, found


# -- point 5: the invariants, over every tree above ------------------------------------------------


def _variants() -> Dict[str, Dict[str, str]]:
    unlisted_folder = dict(BOT)
    unlisted_folder["bot/plugin.py"] = (
        "import importlib\nfrom pathlib import Path\n\n\ndef load_plugins(folder=\"plugins\"):\n"
        "    for path in Path(folder).rglob(\"*.py\"):\n        importlib.import_module(\"bot.\" + path.stem)\n"
    )
    no_script = dict(IDENT)
    no_script["pyproject.toml"] = "[project]\nname = \"ident\"\n"
    with_env = dict(TRACKER)
    with_env["tracker/storage/alembic.ini"] = "[alembic]\nscript_location = tracker/storage/alembic\n"
    with_env["tracker/storage/alembic/env.py"] = ALEMBIC_ENV.format(
        imports="import tracker.storage.models as models", target="models.BaseModel.metadata"
    )
    return {
        "own-metadata-base": NOTES, "storage-create-all": TRACKER, "storage-with-env": with_env,
        "console-script": IDENT, "env-without-script": no_script, "flask-migrate": SHOP, "cast-glob-all": PGDB,
        "pyramid-scan": WH, "plugin-glob": BOT, "plugin-glob-unlisted-folder": unlisted_folder,
    }


@pytest.mark.parametrize("name", sorted(_variants()))
def test_every_unregistered_model_is_said_once_and_no_registry_is_a_test(tree, run, name):
    """No silent pass: each model `models` lists as not registered has a finding of its own (MR001, MR007)
    or one for what governs it (MR003, MR004, MR006, MR100 naming its registry). No flood: one finding per
    construct (file and line). The registry is where the application loads: never a module under tests."""
    files = _variants()[name]
    root = tree(files)
    listing = run(["models", "--format", "json", "--no-cache", root], cwd=root).json
    found = run(["--format", "json", "--no-cache", root], cwd=root).json["diagnostics"]
    own = {d["model"] for d in found if d["model"]}
    governing = {d["registry"] for d in found if d["code"] in ("MR003", "MR004", "MR006", "MR100")}
    for m in listing["models"]:
        if m["abstract"] or m["registered"]:
            continue
        qualified = f"{m['module']}.{m['name']}"
        assert qualified in own or m["registry"] in governing, (name, qualified, found)
    places = [(d["code"], d["path"], d["line"]) for d in found]
    assert len(places) == len(set(places)), (name, found)
    assert [d["code"] for d in found].count("MR006") <= 1, (name, found)
    registries = [r["path"] for r in listing["registries"]]
    assert not [r for r in registries if r.startswith("tests/")], (name, registries)


def test_declarative_base_on_a_shared_metadata_is_governed_by_the_env_py_targeting_that_metadata(tree, run):
    """`Base = declarative_base(metadata=metadata)` puts its tables on `metadata`; an env.py targeting
    `metadata` governs the models of `Base` (no MR004), and the one it does not load is reported."""
    files = {
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "app/__init__.py": (
            "from sqlalchemy import MetaData\nfrom sqlalchemy.orm import declarative_base\n\n"
            "metadata = MetaData()\nBase = declarative_base(metadata=metadata)\n"
        ),
        "app/models.py": model("User", "users", "from app import Base", "Base"),
        "app/gap.py": model("Gap", "gap", "from app import Base", "Base"),
        "migrations/env.py": ALEMBIC_ENV.format(imports="from app import metadata\nimport app.models  # noqa: F401", target="metadata"),
    }
    root = tree(files)
    assert tables_after_importing(root, ["migrations/env.py"], "app:metadata") == ["users"]
    assert verdict(run, root) == [("MR001", "app.gap.Gap")]


def test_a_package_importing_its_own_submodule_binds_the_submodule(tree, run):
    """`from app import storage` inside `app/__init__.py`, then env.py's `app.storage.models.Base.metadata`
    through `import app.storage.models`: the name is the submodule (optuna's shape)."""
    files = {
        "alembic.ini": "[alembic]\nscript_location = migrations\n",
        "app/__init__.py": "from app import storage  # noqa: F401\n",
        "app/storage/__init__.py": "",
        "app/storage/models.py": (
            "from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\n"
            "class User(Base):\n    __tablename__ = \"users\"\n    id = Column(Integer, primary_key=True)\n"
        ),
        "app/storage/gap.py": model("Gap", "gap", "from app.storage.models import Base", "Base"),
        "migrations/env.py": ALEMBIC_ENV.format(imports="import app.storage.models", target="app.storage.models.Base.metadata"),
    }
    root = tree(files)
    assert tables_after_importing(root, ["migrations/env.py"], "app.storage.models:Base.metadata") == ["users"]
    assert verdict(run, root) == [("MR001", "app.storage.gap.Gap")]


def test_flask_app_given_as_a_file_path_in_flaskenv(tree, run):
    """FLASK_APP=manage.py (a path, as Flask's prepare_import takes it) names the module `manage`."""
    files = {k: v for k, v in SHOP.items() if k != "wsgi.py"}
    files["manage.py"] = "from shop import create_app\n\napp = create_app()\n"
    files[".flaskenv"] = "FLASK_APP=manage.py\nFLASK_DEBUG=1\n"
    root = tree(files)
    assert verdict(run, root) == [("MR001", "shop.models.coupon.Coupon")]


def test_a_flask_factory_loading_plugins_from_a_configured_folder_is_one_mr006_not_a_false_alarm(tree, run):
    """CTFd's shape: the models sit beside `db` in `shop/models/__init__.py`; `create_app()` loads plugins
    from a folder named by configuration (`glob.glob(app.plugins_dir + "/*")`). A plugin's model is not
    reported as unregistered: the loader that may load it is, once, where it is."""
    files = {k: v for k, v in SHOP.items() if not k.startswith("shop/models/")}
    files["shop/extensions.py"] = "from flask_migrate import Migrate\n\nmigrate = Migrate()\n"
    files["shop/models/__init__.py"] = (
        "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n\n\n"
        "class User(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
    )
    files["shop/__init__.py"] = (
        "import glob\nimport importlib\n\nfrom flask import Flask\n\nfrom shop.extensions import migrate\n"
        "from shop.models import db\n\n\ndef init_plugins(app):\n"
        "    for name in glob.glob(app.config[\"PLUGINS\"] + \"/*\"):\n"
        "        importlib.import_module(\".\" + name, package=\"shop.plugins\")\n\n\n"
        "def create_app():\n    app = Flask(__name__)\n    db.init_app(app)\n    migrate.init_app(app, db)\n"
        "    init_plugins(app)\n    return app\n"
    )
    files["shop/plugins/__init__.py"] = ""
    files["shop/plugins/badges/__init__.py"] = (
        "from shop.models import db\n\n\nclass Badge(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
    )
    root = tree(files)
    assert verdict(run, root) == [("MR006", "shop/__init__.py")]


# -- plugins declared as entry points -----------------------------------------------------------------

PLUGGED = {
    "pyproject.toml": (
        "[project]\nname = \"plugged\"\nversion = \"1.0\"\n\n"
        "[project.entry-points.\"plugged.plugins\"]\ntags = \"plugged.tags.models:setup\"\n"
    ),
    # what installing the project writes: importlib.metadata reads it from sys.path (the oracle's run)
    "plugged-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: plugged\nVersion: 1.0\n",
    "plugged-1.0.dist-info/entry_points.txt": "[plugged.plugins]\ntags = plugged.tags.models:setup\n",
    "plugged/__init__.py": "",
    "plugged/base.py": "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
    "plugged/loader.py": (
        "from importlib.metadata import entry_points\n\n\ndef load_plugins():\n"
        "    for ep in entry_points(group=\"plugged.plugins\"):\n        ep.load()\n"
    ),
    "plugged/app.py": (
        "from sqlalchemy import create_engine\n\nfrom plugged.base import Base\nfrom plugged.loader import load_plugins\n\n\n"
        "def start():\n    load_plugins()\n    engine = create_engine(\"sqlite://\")\n    Base.metadata.create_all(engine)\n"
        "    return engine\n"
    ),
    "plugged/tags/__init__.py": "",
    "plugged/tags/models.py": model("Tag", "tag", "from plugged.base import Base", "Base") + "\n\ndef setup():\n    pass\n",
    "plugged/notes/__init__.py": "",
    "plugged/notes/models.py": model("Note", "note", "from plugged.base import Base", "Base"),
}

PLUGGED_TABLES = "import sqlalchemy\nprint(sorted(sqlalchemy.inspect(mod.start()).get_table_names()))"


def test_plugins_declared_as_entry_points_are_loaded_by_the_entry_points_lookup(tree, run):
    """`entry_points(group="plugged.plugins")` loads what the project declares in that group (pyproject.toml);
    `start()` calls the loader, then `create_all()`. The plugin declared is registered, the one not
    declared is the one finding."""
    root = tree(PLUGGED)
    assert import_in_subprocess(root, "plugged.app", PLUGGED_TABLES).strip() == "['tag']"
    assert verdict(run, root) == [("MR001", "plugged.notes.models.Note")]


def test_an_entry_points_lookup_of_a_group_the_project_does_not_declare_loads_nothing(tree, run):
    files = dict(PLUGGED)
    files["plugged/loader.py"] = files["plugged/loader.py"].replace("plugged.plugins", "other.plugins")
    root = tree(files)
    assert verdict(run, root) == [("MR001", "plugged.notes.models.Note"), ("MR001", "plugged.tags.models.Tag")]
